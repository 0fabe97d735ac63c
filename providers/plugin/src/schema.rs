//! A plugin's schemas at full fidelity, read from `GetProviderSchema`, and their mapping onto
//! Hangar's [`hangar_provider::Schema`].
//!
//! [`WireBlock`] keeps everything the protocol says (every nesting mode, nested attributes,
//! `write_only`), because values on the wire must have exactly the schema's implied type and
//! sensitive marks come from attributes at any depth. The Hangar schema is what the engine
//! validates configuration against; where it has no word for something it gets the nearest
//! equivalent: a `GROUP` block is a single block, a `MAP` block (labelled blocks) an optional
//! `map(object)` attribute, and an attribute with nested attributes an attribute of the object
//! (or list, set or map of objects) type with its optional attributes marked `optional`.
//! Descriptions are dropped (Hangar's are `&'static str`); `force_new` is never set, since a
//! plugin says what forces replacement in each `PlanResourceChange` answer.

use std::collections::BTreeMap;

use hangar_core::types::ObjectType;
use hangar_core::{Type, Value};
use hangar_provider::{AttributeSchema, BlockSchema, NestedBlock, Nesting, ResourceSchema, Schema};

use crate::cty::{type_from_json_bytes, TypeError};
use crate::proto::{tfplugin5 as v5, tfplugin6 as v6};

/// How a nested block type collects its blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockNesting {
    /// At most one; null when absent.
    Single,
    /// Exactly one, never null (absent means all attributes null).
    Group,
    /// An ordered list.
    List,
    /// A set.
    Set,
    /// Labelled blocks: a map by label.
    Map,
}

/// How nested attributes (protocol 6) collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectNesting {
    /// One object.
    Single,
    /// A list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects.
    Map,
}

/// One attribute as the plugin declares it.
#[derive(Debug, Clone)]
pub struct WireAttribute {
    /// Its value type on the wire (no optional markers).
    pub ty: Type,
    /// Nested attributes, when the attribute has them instead of a type.
    pub nested: Option<WireObject>,
    /// Must be set.
    pub required: bool,
    /// May be set.
    pub optional: bool,
    /// Set by the plugin.
    pub computed: bool,
    /// Sensitive.
    pub sensitive: bool,
    /// Sent to the plugin but never stored.
    pub write_only: bool,
    /// Deprecated.
    pub deprecated: bool,
}

/// Nested attributes and how they collect.
#[derive(Debug, Clone)]
pub struct WireObject {
    /// The nesting mode.
    pub nesting: ObjectNesting,
    /// The attributes of each object.
    pub attributes: BTreeMap<String, WireAttribute>,
}

/// A nested block type.
#[derive(Debug, Clone)]
pub struct WireNestedBlock {
    /// The nesting mode.
    pub nesting: BlockNesting,
    /// Each block's contents.
    pub block: WireBlock,
    /// Fewest blocks allowed (0: no minimum).
    pub min_items: i64,
    /// Most blocks allowed (0: no maximum).
    pub max_items: i64,
}

/// The contents of a block.
#[derive(Debug, Clone, Default)]
pub struct WireBlock {
    /// Attributes by name.
    pub attributes: BTreeMap<String, WireAttribute>,
    /// Nested block types by name.
    pub blocks: BTreeMap<String, WireNestedBlock>,
}

/// One schema: a version and a block.
#[derive(Debug, Clone)]
pub struct WireSchema {
    /// The schema version (recorded in state; `UpgradeResourceState` takes older ones).
    pub version: i64,
    /// The top block.
    pub block: WireBlock,
    /// The block's implied type, computed once.
    pub ty: Type,
}

impl Default for WireSchema {
    fn default() -> Self {
        WireSchema {
            version: 0,
            block: WireBlock::default(),
            ty: Type::object([]),
        }
    }
}

/// Everything `GetProviderSchema` answered.
#[derive(Debug, Clone, Default)]
pub struct ProviderSchemas {
    /// The provider block.
    pub provider: WireSchema,
    /// Managed resource types.
    pub resources: BTreeMap<String, WireSchema>,
    /// Data sources.
    pub data_sources: BTreeMap<String, WireSchema>,
    /// The plugin wants `PlanResourceChange` for destroys too.
    pub plan_destroy: bool,
    /// The plugin works without `GetProviderSchema` being called (a cached copy will do).
    pub schema_optional: bool,
}

/// A schema the plugin sent that Hangar cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema of {what}, attribute {attribute}: {source}")]
pub struct SchemaError {
    /// `provider`, `resource aws_vpc`, `data source aws_region`.
    pub what: String,
    /// The attribute path.
    pub attribute: String,
    /// The type problem.
    pub source: TypeError,
}

impl ProviderSchemas {
    /// Reads a protocol 6 answer; fails on an attribute type it cannot parse.
    pub fn from_v6(r: &v6::get_provider_schema::Response) -> Result<Self, SchemaError> {
        let one = |what: String, s: Option<&v6::Schema>| -> Result<WireSchema, SchemaError> {
            let Some(s) = s else {
                return Ok(WireSchema::default());
            };
            let block = match &s.block {
                Some(b) => block_v6(b, &what, "")?,
                None => WireBlock::default(),
            };
            Ok(WireSchema {
                version: s.version,
                ty: block.implied_type(),
                block,
            })
        };
        let caps = r.server_capabilities.unwrap_or_default();
        Ok(ProviderSchemas {
            provider: one("provider".into(), r.provider.as_ref())?,
            resources: r
                .resource_schemas
                .iter()
                .map(|(k, s)| Ok((k.clone(), one(format!("resource {k}"), Some(s))?)))
                .collect::<Result<_, SchemaError>>()?,
            data_sources: r
                .data_source_schemas
                .iter()
                .map(|(k, s)| Ok((k.clone(), one(format!("data source {k}"), Some(s))?)))
                .collect::<Result<_, SchemaError>>()?,
            plan_destroy: caps.plan_destroy,
            schema_optional: caps.get_provider_schema_optional,
        })
    }

    /// The Hangar schema (see the module documentation for what maps how).
    pub fn to_hangar(&self) -> Schema {
        let res = |s: &WireSchema| ResourceSchema {
            block: s.block.to_hangar(),
            refreshable: true,
            version: s.version,
        };
        Schema {
            provider: self.provider.block.to_hangar(),
            resources: self
                .resources
                .iter()
                .map(|(k, s)| (k.clone(), res(s)))
                .collect(),
            data_sources: self
                .data_sources
                .iter()
                .map(|(k, s)| (k.clone(), res(s)))
                .collect(),
        }
    }
}

/// A protocol 5 answer as the protocol 6 message it is a subset of.
pub fn v5_to_v6(r: v5::get_provider_schema::Response) -> v6::get_provider_schema::Response {
    fn schema(s: v5::Schema) -> v6::Schema {
        v6::Schema {
            version: s.version,
            block: s.block.map(block),
        }
    }
    fn block(b: v5::schema::Block) -> v6::schema::Block {
        v6::schema::Block {
            version: b.version,
            attributes: b
                .attributes
                .into_iter()
                .map(|a| v6::schema::Attribute {
                    name: a.name,
                    r#type: a.r#type,
                    nested_type: None,
                    description: a.description,
                    required: a.required,
                    optional: a.optional,
                    computed: a.computed,
                    sensitive: a.sensitive,
                    description_kind: a.description_kind,
                    deprecated: a.deprecated,
                    write_only: a.write_only,
                })
                .collect(),
            block_types: b
                .block_types
                .into_iter()
                .map(|n| v6::schema::NestedBlock {
                    type_name: n.type_name,
                    block: n.block.map(block),
                    nesting: n.nesting,
                    min_items: n.min_items,
                    max_items: n.max_items,
                })
                .collect(),
            description: b.description,
            description_kind: b.description_kind,
            deprecated: b.deprecated,
        }
    }
    v6::get_provider_schema::Response {
        provider: r.provider.map(schema),
        resource_schemas: r
            .resource_schemas
            .into_iter()
            .map(|(k, s)| (k, schema(s)))
            .collect(),
        data_source_schemas: r
            .data_source_schemas
            .into_iter()
            .map(|(k, s)| (k, schema(s)))
            .collect(),
        diagnostics: r.diagnostics,
        provider_meta: r.provider_meta.map(schema),
        server_capabilities: r.server_capabilities,
    }
}

fn attribute_v6(
    a: &v6::schema::Attribute,
    what: &str,
    path: &str,
) -> Result<WireAttribute, SchemaError> {
    let path = format!("{path}{}", a.name);
    let nested = match &a.nested_type {
        Some(o) => Some(WireObject {
            nesting: match v6::schema::object::NestingMode::try_from(o.nesting) {
                Ok(v6::schema::object::NestingMode::List) => ObjectNesting::List,
                Ok(v6::schema::object::NestingMode::Set) => ObjectNesting::Set,
                Ok(v6::schema::object::NestingMode::Map) => ObjectNesting::Map,
                _ => ObjectNesting::Single,
            },
            attributes: o
                .attributes
                .iter()
                .map(|x| Ok((x.name.clone(), attribute_v6(x, what, &format!("{path}."))?)))
                .collect::<Result<_, SchemaError>>()?,
        }),
        None => None,
    };
    let ty = match &nested {
        Some(o) => o.wire_type(),
        None => type_from_json_bytes(&a.r#type).map_err(|source| SchemaError {
            what: what.to_string(),
            attribute: path.clone(),
            source,
        })?,
    };
    Ok(WireAttribute {
        ty,
        nested,
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        write_only: a.write_only,
        deprecated: a.deprecated,
    })
}

fn block_v6(b: &v6::schema::Block, what: &str, path: &str) -> Result<WireBlock, SchemaError> {
    use v6::schema::nested_block::NestingMode as M;
    Ok(WireBlock {
        attributes: b
            .attributes
            .iter()
            .map(|a| Ok((a.name.clone(), attribute_v6(a, what, path)?)))
            .collect::<Result<_, SchemaError>>()?,
        blocks: b
            .block_types
            .iter()
            .map(|n| {
                let inner = match &n.block {
                    Some(x) => block_v6(x, what, &format!("{path}{}.", n.type_name))?,
                    None => WireBlock::default(),
                };
                let nesting = match M::try_from(n.nesting) {
                    Ok(M::Group) => BlockNesting::Group,
                    Ok(M::List) => BlockNesting::List,
                    Ok(M::Set) => BlockNesting::Set,
                    Ok(M::Map) => BlockNesting::Map,
                    _ => BlockNesting::Single,
                };
                Ok((
                    n.type_name.clone(),
                    WireNestedBlock {
                        nesting,
                        block: inner,
                        min_items: n.min_items,
                        max_items: n.max_items,
                    },
                ))
            })
            .collect::<Result<_, SchemaError>>()?,
    })
}

impl WireObject {
    /// The type of a value of these nested attributes on the wire.
    pub fn wire_type(&self) -> Type {
        let obj = Type::object(
            self.attributes
                .iter()
                .map(|(k, a)| (k.clone(), a.ty.clone())),
        );
        self.collect(obj)
    }

    fn collect(&self, obj: Type) -> Type {
        match self.nesting {
            ObjectNesting::Single => obj,
            ObjectNesting::List => Type::List(Box::new(obj)),
            ObjectNesting::Set => Type::Set(Box::new(obj)),
            ObjectNesting::Map => Type::Map(Box::new(obj)),
        }
    }

    /// The type the engine converts configuration to: optional attributes marked `optional`.
    fn config_type(&self) -> Type {
        let obj = Type::Object(Box::new(ObjectType {
            attrs: self
                .attributes
                .iter()
                .map(|(k, a)| (k.clone(), a.config_type()))
                .collect(),
            optional: self
                .attributes
                .iter()
                .filter(|(_, a)| !a.required)
                .map(|(k, _)| k.clone())
                .collect(),
            ..Default::default()
        }));
        self.collect(obj)
    }
}

impl WireAttribute {
    fn config_type(&self) -> Type {
        match &self.nested {
            Some(o) => o.config_type(),
            None => self.ty.clone(),
        }
    }

    fn to_hangar(&self) -> AttributeSchema {
        AttributeSchema {
            ty: self.config_type(),
            required: self.required,
            optional: self.optional,
            computed: self.computed,
            force_new: false,
            sensitive: self.sensitive,
            description: "",
        }
    }

    fn mark(&self, v: Value) -> Value {
        let v = match &self.nested {
            Some(o) => o.mark(v),
            None => v,
        };
        v.mark_if(self.sensitive)
    }
}

impl WireObject {
    fn mark(&self, v: Value) -> Value {
        let each = |x: Value| -> Value {
            match x {
                Value::Object(m) => Value::Object(
                    m.into_iter()
                        .map(|(k, x)| {
                            let x = match self.attributes.get(&k) {
                                Some(a) => a.mark(x),
                                None => x,
                            };
                            (k, x)
                        })
                        .collect(),
                ),
                x => x,
            }
        };
        map_collection(v, matches!(self.nesting, ObjectNesting::Single), &each)
    }
}

fn map_collection(v: Value, single: bool, f: &dyn Fn(Value) -> Value) -> Value {
    if single {
        return f(v);
    }
    match v {
        Value::List(xs) => Value::List(xs.into_iter().map(f).collect()),
        Value::Set(xs) => Value::set(xs.into_iter().map(f).collect()),
        Value::Tuple(xs) => Value::Tuple(xs.into_iter().map(f).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, x)| (k, f(x))).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, x)| (k, f(x))).collect()),
        v => v,
    }
}

impl WireBlock {
    /// The type of a value of this block on the wire.
    pub fn implied_type(&self) -> Type {
        let attrs = self
            .attributes
            .iter()
            .map(|(k, a)| (k.clone(), a.ty.clone()));
        let blocks = self.blocks.iter().map(|(k, b)| {
            let t = b.block.implied_type();
            let t = match b.nesting {
                BlockNesting::Single | BlockNesting::Group => t,
                BlockNesting::List => Type::List(Box::new(t)),
                BlockNesting::Set => Type::Set(Box::new(t)),
                BlockNesting::Map => Type::Map(Box::new(t)),
            };
            (k.clone(), t)
        });
        Type::object(attrs.chain(blocks))
    }

    /// The Hangar block schema.
    pub fn to_hangar(&self) -> BlockSchema {
        let mut out = BlockSchema::default();
        for (k, a) in &self.attributes {
            out.attributes.insert(k.clone(), a.to_hangar());
        }
        for (k, b) in &self.blocks {
            let nesting = match b.nesting {
                BlockNesting::Single | BlockNesting::Group => Nesting::Single,
                BlockNesting::List => Nesting::List,
                BlockNesting::Set => Nesting::Set,
                BlockNesting::Map => {
                    let inner = b.block.to_hangar().object_type();
                    out.attributes.insert(
                        k.clone(),
                        AttributeSchema::optional(Type::Map(Box::new(inner))),
                    );
                    continue;
                }
            };
            out.blocks.insert(
                k.clone(),
                NestedBlock {
                    nesting,
                    block: b.block.to_hangar(),
                    force_new: false,
                },
            );
        }
        out
    }

    /// The value with sensitive marks where the schema's attributes are sensitive, at any depth.
    pub fn mark_sensitive(&self, v: Value) -> Value {
        let (v, marked) = v.unmark();
        let out = match v {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .map(|(k, x)| {
                        let x = if let Some(a) = self.attributes.get(&k) {
                            a.mark(x)
                        } else if let Some(b) = self.blocks.get(&k) {
                            let single =
                                matches!(b.nesting, BlockNesting::Single | BlockNesting::Group);
                            map_collection(x, single, &|y| b.block.mark_sensitive(y))
                        } else {
                            x
                        };
                        (k, x)
                    })
                    .collect(),
            ),
            v => v,
        };
        out.mark_if(marked)
    }

    /// Configuration conformed to the schema, as Terraform decodes a block: every attribute
    /// present (null when unset), absent list/set/map blocks empty, an absent group block an
    /// object of nulls. Extra keys are left for the encoder to refuse.
    pub fn conform(&self, v: &Value) -> Value {
        let v = v.peel();
        if v.is_null() || v.is_unknown() {
            return v.clone();
        }
        let Some(m) = v.as_map() else {
            return v.clone();
        };
        let mut out = m.clone();
        for (k, a) in &self.attributes {
            out.entry(k.clone())
                .or_insert_with(|| Value::Null(a.ty.clone()));
        }
        for (k, b) in &self.blocks {
            let inner_ty = b.block.implied_type();
            let cur = out.remove(k).unwrap_or(Value::Null(Type::Dynamic));
            let new = match b.nesting {
                BlockNesting::Single => b.block.conform(&cur),
                BlockNesting::Group => {
                    if cur.is_null() {
                        b.block.conform(&Value::Object(BTreeMap::new()))
                    } else {
                        b.block.conform(&cur)
                    }
                }
                BlockNesting::List | BlockNesting::Set | BlockNesting::Map if cur.is_null() => {
                    match b.nesting {
                        BlockNesting::Map => Value::Map(BTreeMap::new()),
                        BlockNesting::Set => Value::Set(Vec::new()),
                        _ => Value::List(Vec::new()),
                    }
                }
                _ => map_collection(cur, false, &|x| b.block.conform(&x)),
            };
            let _ = inner_ty;
            out.insert(k.clone(), new);
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(name: &str, ty: &str, f: impl Fn(&mut v6::schema::Attribute)) -> v6::schema::Attribute {
        let mut a = v6::schema::Attribute {
            name: name.into(),
            r#type: ty.as_bytes().to_vec(),
            ..Default::default()
        };
        f(&mut a);
        a
    }

    fn sample() -> v6::get_provider_schema::Response {
        let rule = v6::schema::Block {
            attributes: vec![
                attr("id", "\"string\"", |a| a.required = true),
                attr("secret", "\"string\"", |a| {
                    a.optional = true;
                    a.sensitive = true
                }),
            ],
            ..Default::default()
        };
        let nested = v6::schema::Object {
            attributes: vec![
                attr("port", "\"number\"", |a| a.required = true),
                attr("token", "\"string\"", |a| {
                    a.optional = true;
                    a.sensitive = true
                }),
            ],
            nesting: v6::schema::object::NestingMode::List as i32,
            ..Default::default()
        };
        let block = v6::schema::Block {
            attributes: vec![
                attr("name", "\"string\"", |a| a.required = true),
                attr("id", "\"string\"", |a| a.computed = true),
                attr("ports", "", |a| {
                    a.optional = true;
                    a.nested_type = Some(nested.clone())
                }),
            ],
            block_types: vec![
                v6::schema::NestedBlock {
                    type_name: "rule".into(),
                    block: Some(rule.clone()),
                    nesting: v6::schema::nested_block::NestingMode::List as i32,
                    ..Default::default()
                },
                v6::schema::NestedBlock {
                    type_name: "labelled".into(),
                    block: Some(rule),
                    nesting: v6::schema::nested_block::NestingMode::Map as i32,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        v6::get_provider_schema::Response {
            resource_schemas: [(
                "t_thing".to_string(),
                v6::Schema {
                    version: 2,
                    block: Some(block),
                },
            )]
            .into(),
            ..Default::default()
        }
    }

    #[test]
    fn maps_nesting_modes_and_nested_attributes() {
        let s = ProviderSchemas::from_v6(&sample()).expect("schema");
        let h = s.to_hangar();
        let r = &h.resources["t_thing"];
        assert_eq!(r.version, 2);
        assert_eq!(r.block.blocks["rule"].nesting, Nesting::List);
        assert!(r.block.attributes["id"].computed);
        let Type::Map(inner) = &r.block.attributes["labelled"].ty else {
            panic!("map block becomes a map attribute")
        };
        assert!(matches!(**inner, Type::Object(_)));
        let Type::List(obj) = &r.block.attributes["ports"].ty else {
            panic!("nested list attribute")
        };
        let Type::Object(o) = &**obj else { panic!() };
        assert!(o.optional.contains("token") && !o.optional.contains("port"));
    }

    #[test]
    fn conform_fills_nulls_and_marks_follow_the_schema() {
        let s = ProviderSchemas::from_v6(&sample()).expect("schema");
        let w = &s.resources["t_thing"];
        let cfg = Value::Object(
            [
                ("name".to_string(), Value::string("a")),
                (
                    "ports".to_string(),
                    Value::List(vec![Value::Object(
                        [
                            ("port".to_string(), Value::int(80)),
                            ("token".to_string(), Value::string("t")),
                        ]
                        .into(),
                    )]),
                ),
            ]
            .into(),
        );
        let c = w.block.conform(&cfg);
        assert_eq!(c.get_attr("rule"), Some(&Value::List(vec![])));
        assert_eq!(c.get_attr("labelled"), Some(&Value::Map(BTreeMap::new())));
        assert!(c.get_attr("id").is_some_and(Value::is_null));
        let bytes = crate::wire::to_msgpack(&c, &w.ty).expect("encodes");
        let back = crate::wire::from_msgpack(&bytes, &w.ty).expect("decodes");
        let marked = w.block.mark_sensitive(back);
        let port = &marked
            .get_attr("ports")
            .and_then(Value::as_seq)
            .expect("list")[0];
        assert!(matches!(port.get_attr("token"), Some(Value::Sensitive(_))));
        assert!(!matches!(port.get_attr("port"), Some(Value::Sensitive(_))));
    }
}
