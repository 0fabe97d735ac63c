//! Expanding a block into its instances by `count` or `for_each`.
//!
//! `count` must be a known whole number ≥ 0; `for_each` a known map, object or set of strings,
//! not sensitive. Errors use Terraform's wording and point at the argument. The inverse,
//! [`Expansion::assemble`], builds the value other blocks see: one object, a tuple for `count`,
//! an object keyed by `for_each` key.

use std::collections::BTreeMap;
use std::path::Path;

use hangar_core::{Diagnostic, Diagnostics, InstanceKey, Value};
use hangar_lang::Scope;

use crate::body::eval_expr;
use crate::config::{Expr, Resource};
use crate::scope::InstanceNames;

/// How many instances a block has, and their keys.
#[derive(Debug, Clone)]
pub enum Expansion {
    /// Neither `count` nor `for_each`.
    Single,
    /// `count = n`.
    Count(i64),
    /// `for_each`, key to `each.value`.
    ForEach(BTreeMap<String, Value>),
}

/// Evaluates `count`/`for_each` of `r`; fails with Terraform's diagnostics.
pub fn expand(r: &Resource, scope: &dyn Scope, base: &Path) -> Result<Expansion, Diagnostics> {
    expand_meta(r.count.as_deref(), r.for_each.as_deref(), scope, base)
}

/// Like [`expand`], but `Ok(None)` when `count`/`for_each` is not known yet (an offline walk
/// cannot know what depends on other resources or on unknown inputs; that is no error there).
pub fn expand_if_known(
    r: &Resource,
    scope: &dyn Scope,
    base: &Path,
) -> Result<Option<Expansion>, Diagnostics> {
    if !meta_known(r.count.as_deref(), r.for_each.as_deref(), scope, base)? {
        return Ok(None);
    }
    expand(r, scope, base).map(Some)
}

/// Whether `count` and `for_each` (of a resource or a module call) evaluate to known values.
pub fn meta_known(
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    scope: &dyn Scope,
    base: &Path,
) -> Result<bool, Diagnostics> {
    for e in [count, for_each].into_iter().flatten() {
        if !eval_expr(e, scope, base)?.is_wholly_known() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Evaluates the `count`/`for_each` arguments of any block (resource or module call).
pub fn expand_meta(
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    scope: &dyn Scope,
    base: &Path,
) -> Result<Expansion, Diagnostics> {
    if let Some(c) = count {
        let v = eval_expr(c, scope, base)?;
        let err = |summary: &str, detail: &str| {
            Diagnostics::from(Diagnostic::error(summary, detail).at(Some(c.range())))
        };
        if v.is_unknown() {
            return Err(err(
                "Invalid count argument",
                "The \"count\" value depends on resource attributes that cannot be determined \
                 until apply, so Hangar cannot predict how many instances will be created. To \
                 work around this, use -target to first apply only the resources that the count \
                 depends on.",
            ));
        }
        if v.is_null() {
            return Err(err(
                "Invalid count argument",
                "The given \"count\" argument value is null. An integer is required.",
            ));
        }
        let n = hangar_core::convert::convert(v, &hangar_core::Type::Number)
            .ok()
            .and_then(|n| n.as_number().and_then(hangar_core::Number::to_i64));
        return match n {
            Some(n) if n >= 0 => Ok(Expansion::Count(n)),
            Some(_) => Err(err(
                "Invalid count argument",
                "The given \"count\" argument value is unsuitable: must be greater than or equal \
                 to zero.",
            )),
            None => Err(err(
                "Invalid count argument",
                "The given \"count\" argument value is unsuitable: a whole number is required.",
            )),
        };
    }
    if let Some(f) = for_each {
        let v = eval_expr(f, scope, base)?;
        let err = |summary: &str, detail: &str| {
            Diagnostics::from(Diagnostic::error(summary, detail).at(Some(f.range())))
        };
        if v.contains_sensitive() {
            return Err(err(
                "Invalid for_each argument",
                "Sensitive values, or values derived from sensitive values, cannot be used as \
                 for_each arguments. If used, the sensitive value could be exposed as a resource \
                 instance key.",
            ));
        }
        if !v.is_wholly_known() {
            return Err(err(
                "Invalid for_each argument",
                "The \"for_each\" map includes keys or set values derived from resource \
                 attributes that cannot be determined until apply, and so Hangar cannot determine \
                 the full set of keys that will identify the instances of this resource.",
            ));
        }
        return match v {
            Value::Map(m) | Value::Object(m) => Ok(Expansion::ForEach(m)),
            Value::Set(items) => {
                let mut m = BTreeMap::new();
                for it in items {
                    match it.as_str() {
                        Some(s) => {
                            m.insert(s.to_string(), it.clone());
                        }
                        None => return Err(err(
                            "Invalid for_each set argument",
                            "The given \"for_each\" argument value is unsuitable: \"for_each\" \
                                 supports sets of strings, but you have provided a set containing \
                                 another type.",
                        )),
                    }
                }
                Ok(Expansion::ForEach(m))
            }
            Value::Null(_) => Err(err(
                "Invalid for_each argument",
                "The given \"for_each\" argument value is unsuitable: the given \"for_each\" \
                 argument value is null. A map, or set of strings is allowed.",
            )),
            Value::List(_) | Value::Tuple(_) => Err(err(
                "Invalid for_each argument",
                "The given \"for_each\" argument value is unsuitable: the \"for_each\" argument \
                 must be a map, or set of strings, and you have provided a value of type tuple.",
            )),
            other => Err(err(
                "Invalid for_each argument",
                &format!(
                    "The given \"for_each\" argument value is unsuitable: the \"for_each\" \
                     argument must be a map, or set of strings, and you have provided a value of \
                     type {}.",
                    other.ty()
                ),
            )),
        };
    }
    Ok(Expansion::Single)
}

impl Expansion {
    /// Instance keys with their `count.index`/`each` names, in order.
    pub fn instances(&self) -> Vec<(InstanceKey, InstanceNames)> {
        self.keys()
            .into_iter()
            .map(|k| {
                let names = self.names_of(&k).unwrap_or_default();
                (k, names)
            })
            .collect()
    }

    /// Instance keys, in order.
    pub fn keys(&self) -> Vec<InstanceKey> {
        match self {
            Expansion::Single => vec![InstanceKey::None],
            Expansion::Count(n) => (0..*n).map(InstanceKey::Int).collect(),
            Expansion::ForEach(m) => m.keys().cloned().map(InstanceKey::Str).collect(),
        }
    }

    /// The `count.index`/`each` names of the instance with `key`, if the block has it.
    pub fn names_of(&self, key: &InstanceKey) -> Option<InstanceNames> {
        match (self, key) {
            (Expansion::Single, InstanceKey::None) => Some(InstanceNames::default()),
            (Expansion::Count(n), InstanceKey::Int(i)) if (0..*n).contains(i) => {
                Some(InstanceNames {
                    count_index: Some(*i),
                    ..Default::default()
                })
            }
            (Expansion::ForEach(m), InstanceKey::Str(k)) => Some(InstanceNames {
                each: Some((Value::string(k.clone()), m.get(k)?.clone())),
                ..Default::default()
            }),
            _ => None,
        }
    }

    /// A block value from keyed instance values when the expansion itself is not known.
    pub fn assemble_keys(mut instances: Vec<(InstanceKey, Value)>) -> Value {
        match instances.first().map(|(k, _)| k.clone()) {
            None => Value::NULL,
            Some(InstanceKey::None) => instances.pop().map(|(_, v)| v).unwrap_or(Value::NULL),
            Some(InstanceKey::Int(_)) => {
                instances.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Tuple(instances.into_iter().map(|(_, v)| v).collect())
            }
            Some(InstanceKey::Str(_)) => Value::Object(
                instances
                    .into_iter()
                    .filter_map(|(k, v)| match k {
                        InstanceKey::Str(s) => Some((s, v)),
                        _ => None,
                    })
                    .collect(),
            ),
        }
    }

    /// The block's value from its instances' values, as references see it.
    pub fn assemble(&self, mut instances: Vec<(InstanceKey, Value)>) -> Value {
        match self {
            Expansion::Single => instances.pop().map(|(_, v)| v).unwrap_or(Value::NULL),
            Expansion::Count(_) => {
                instances.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Tuple(instances.into_iter().map(|(_, v)| v).collect())
            }
            Expansion::ForEach(_) => Value::Object(
                instances
                    .into_iter()
                    .filter_map(|(k, v)| match k {
                        InstanceKey::Str(s) => Some((s, v)),
                        _ => None,
                    })
                    .collect(),
            ),
        }
    }
}
