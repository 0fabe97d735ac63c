//! Schemas: what attributes and nested blocks a resource, data source or provider block takes.
//!
//! The engine validates configuration against these, marks sensitive attributes, plans computed
//! attributes as unknown and forces replacement where an attribute is `force_new`.

use std::collections::BTreeMap;

use hangar_core::Type;

/// Everything a provider offers.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// The `provider "x" {}` block.
    pub provider: BlockSchema,
    /// Managed resource types.
    pub resources: BTreeMap<String, ResourceSchema>,
    /// Data source types.
    pub data_sources: BTreeMap<String, ResourceSchema>,
}

/// One resource or data source type.
#[derive(Debug, Clone, Default)]
pub struct ResourceSchema {
    /// Its block.
    pub block: BlockSchema,
    /// Whether refresh in plan re-reads it (false for types with no remote object).
    pub refreshable: bool,
    /// The schema version state is recorded with (Terraform's `schema_version`; 0 for native
    /// providers).
    pub version: i64,
}

/// The contents of a block.
#[derive(Debug, Clone, Default)]
pub struct BlockSchema {
    /// Attributes by name.
    pub attributes: BTreeMap<String, AttributeSchema>,
    /// Nested block types by name.
    pub blocks: BTreeMap<String, NestedBlock>,
}

impl BlockSchema {
    /// The object type a value of this block has (attributes and nested blocks).
    pub fn object_type(&self) -> Type {
        let attrs = self
            .attributes
            .iter()
            .map(|(k, a)| (k.clone(), a.ty.clone()));
        let blocks = self.blocks.iter().map(|(k, b)| {
            let t = b.block.object_type();
            let t = match b.nesting {
                Nesting::Single => t,
                Nesting::List => Type::List(Box::new(t)),
                Nesting::Set => Type::Set(Box::new(t)),
            };
            (k.clone(), t)
        });
        Type::object(attrs.chain(blocks))
    }
}

/// One attribute.
#[derive(Debug, Clone)]
pub struct AttributeSchema {
    /// Value type.
    pub ty: Type,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// Set by the provider (possibly also optional).
    pub computed: bool,
    /// A change replaces the object.
    pub force_new: bool,
    /// Redacted in output, marked in state.
    pub sensitive: bool,
    /// For users and module docs.
    pub description: &'static str,
}

impl AttributeSchema {
    fn base(ty: Type) -> Self {
        AttributeSchema {
            ty,
            required: false,
            optional: false,
            computed: false,
            force_new: false,
            sensitive: false,
            description: "",
        }
    }

    /// A required argument.
    pub fn required(ty: Type) -> Self {
        AttributeSchema {
            required: true,
            ..Self::base(ty)
        }
    }

    /// An optional argument.
    pub fn optional(ty: Type) -> Self {
        AttributeSchema {
            optional: true,
            ..Self::base(ty)
        }
    }

    /// A read-only attribute the provider sets.
    pub fn computed(ty: Type) -> Self {
        AttributeSchema {
            computed: true,
            ..Self::base(ty)
        }
    }

    /// An optional argument the provider fills in when unset.
    pub fn optional_computed(ty: Type) -> Self {
        AttributeSchema {
            optional: true,
            computed: true,
            ..Self::base(ty)
        }
    }

    /// The same attribute, replacing the object when it changes.
    pub fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }

    /// The same attribute, marked sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// The same attribute with a description.
    pub fn describe(mut self, d: &'static str) -> Self {
        self.description = d;
        self
    }
}

/// How many of a nested block there may be and how they are collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one; the attribute is an object (or null).
    Single,
    /// Any number, ordered; the attribute is a list of objects.
    List,
    /// Any number, unordered; the attribute is a set of objects.
    Set,
}

/// A nested block type.
#[derive(Debug, Clone)]
pub struct NestedBlock {
    /// How blocks collect.
    pub nesting: Nesting,
    /// Their contents.
    pub block: BlockSchema,
    /// A change of anything inside replaces the object.
    pub force_new: bool,
}
