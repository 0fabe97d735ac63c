//! Terraform's type system: primitive, collection and structural types, plus `any`.
//!
//! Types are used for variable constraints, for typing unknown and null values, and for
//! unifying the branches of conditionals. Object attributes may be marked optional (with an
//! optional default, applied by [`crate::convert`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::value::Value;

/// A Terraform type.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// `any`: not yet decided; accepts every value.
    Dynamic,
    /// `bool`.
    Bool,
    /// `number`.
    Number,
    /// `string`.
    String,
    /// `list(T)`.
    List(Box<Type>),
    /// `set(T)`.
    Set(Box<Type>),
    /// `map(T)`.
    Map(Box<Type>),
    /// `tuple([...])`.
    Tuple(Vec<Type>),
    /// `object({...})`, with the set of attributes declared `optional(...)` (boxed: it is three
    /// maps, and every null and unknown [`Value`] carries a `Type`).
    Object(Box<ObjectType>),
}

/// The attributes of an object type, and which of them are optional.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ObjectType {
    /// Attribute name to type.
    pub attrs: BTreeMap<String, Type>,
    /// Attributes declared with `optional(...)`.
    pub optional: BTreeSet<String>,
    /// Defaults given as the second argument of `optional(T, default)`.
    pub defaults: BTreeMap<String, OrdValue>,
}

/// A value that can sit in a type (only as an optional attribute's default).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OrdValue(pub Value);

impl PartialOrd for OrdValue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrdValue {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        format!("{:?}", self.0).cmp(&format!("{:?}", other.0))
    }
}

impl Type {
    /// The type in cty's JSON encoding, as Terraform writes it into state and `output -json`:
    /// `"string"`, `["list","string"]`, `["object",{"a":"number"}]`, `"dynamic"`.
    pub fn cty_json(&self) -> serde_json::Value {
        use serde_json::{json, Value as J};
        match self {
            Type::Dynamic => J::from("dynamic"),
            Type::Bool => J::from("bool"),
            Type::Number => J::from("number"),
            Type::String => J::from("string"),
            Type::List(t) => json!(["list", t.cty_json()]),
            Type::Set(t) => json!(["set", t.cty_json()]),
            Type::Map(t) => json!(["map", t.cty_json()]),
            Type::Tuple(ts) => json!(["tuple", ts.iter().map(Type::cty_json).collect::<Vec<_>>()]),
            Type::Object(o) => {
                let attrs: serde_json::Map<String, J> = o
                    .attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.cty_json()))
                    .collect();
                json!(["object", attrs])
            }
        }
    }

    /// An object type from attribute pairs, none optional.
    pub fn object<I: IntoIterator<Item = (String, Type)>>(attrs: I) -> Type {
        Type::Object(Box::new(ObjectType {
            attrs: attrs.into_iter().collect(),
            ..Default::default()
        }))
    }

    /// Whether the type still contains `any` somewhere, so must be decided from a value.
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::Bool | Type::Number | Type::String => false,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_dynamic(),
            Type::Tuple(ts) => ts.iter().any(Type::has_dynamic),
            Type::Object(o) => o.attrs.values().any(Type::has_dynamic),
        }
    }

    /// Whether this is one of `bool`, `number`, `string`.
    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }

    /// Terraform's name for the type's kind, as used in error messages ("a string", "a list").
    pub fn friendly_name(&self) -> String {
        match self {
            Type::Dynamic => "dynamic".into(),
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::List(t) => format!("list of {}", t.friendly_name()),
            Type::Set(t) => format!("set of {}", t.friendly_name()),
            Type::Map(t) => format!("map of {}", t.friendly_name()),
            Type::Tuple(_) => "tuple".into(),
            Type::Object(_) => "object".into(),
        }
    }

    /// cty's `FriendlyNameForConstraint`: like [`Type::friendly_name`], but `any type` and
    /// `list of any single type` where the type is still undecided.
    pub fn friendly_constraint(&self) -> String {
        fn elem(e: &Type) -> String {
            if *e == Type::Dynamic {
                "any single type".into()
            } else {
                e.friendly_constraint()
            }
        }
        match self {
            Type::Dynamic => "any type".into(),
            Type::List(e) => format!("list of {}", elem(e)),
            Type::Set(e) => format!("set of {}", elem(e)),
            Type::Map(e) => format!("map of {}", elem(e)),
            other => other.friendly_name(),
        }
    }
}

impl fmt::Display for Type {
    /// Terraform's type-constraint syntax (`list(string)`, `object({a=number})`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Dynamic => f.write_str("dynamic"),
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            Type::Object(o) => {
                f.write_str("object({")?;
                for (i, (k, t)) in o.attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if o.optional.contains(k) {
                        write!(f, "{k}=optional({t})")?;
                    } else {
                        write!(f, "{k}={t}")?;
                    }
                }
                f.write_str("})")
            }
        }
    }
}

impl fmt::Debug for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
