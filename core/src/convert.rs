//! Type conversion and unification with Terraform's rules.
//!
//! [`convert`] turns a value into one of a requested type (variable constraints, `tolist`,
//! attribute schemas); [`unify`] finds the one type several values can all become (the two
//! branches of a conditional, the elements of `[...]` passed where a list is wanted). Unknown and
//! null values convert to unknown and null of the target type; sensitive marks are kept.

use std::collections::BTreeMap;

use crate::number::Number;
use crate::types::Type;
use crate::value::Value;

/// Why a value could not take the requested type; the message is Terraform's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", path_prefix(.path))]
pub struct ConvertError {
    /// Where inside the value the problem is (attribute names and indexes).
    pub path: Vec<String>,
    /// What is wrong there.
    pub message: String,
}

fn path_prefix(path: &[String]) -> String {
    if path.is_empty() {
        String::new()
    } else {
        let mut s = String::new();
        for p in path {
            if p.starts_with('[') {
                s.push_str(p);
            } else if s.is_empty() {
                s.push_str(p);
            } else {
                s.push('.');
                s.push_str(p);
            }
        }
        format!("{s}: ")
    }
}

fn err(message: impl Into<String>) -> ConvertError {
    ConvertError {
        path: Vec::new(),
        message: message.into(),
    }
}

fn at(mut e: ConvertError, seg: String) -> ConvertError {
    e.path.insert(0, seg);
    e
}

/// Converts `value` to type `ty`, or says why it can't.
pub fn convert(value: Value, ty: &Type) -> Result<Value, ConvertError> {
    let (value, marked) = value.unmark();
    convert_unmarked(value, ty).map(|v| v.mark_if(marked))
}

fn convert_unmarked(value: Value, ty: &Type) -> Result<Value, ConvertError> {
    if let Type::Dynamic = ty {
        return Ok(value);
    }
    match value {
        Value::Null(_) => return Ok(Value::Null(ty.clone())),
        Value::Unknown(_) => return Ok(Value::Unknown(ty.clone())),
        _ => {}
    }
    match ty {
        Type::Dynamic => Ok(value),
        Type::String => match value {
            Value::String(_) => Ok(value),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(err(format!(
                "string required, but have {}",
                kind_name(&other)
            ))),
        },
        Type::Number => match value {
            Value::Number(_) => Ok(value),
            Value::String(s) => Number::parse(&s).map(Value::Number).map_err(|_| {
                err(format!(
                    "cannot convert \"{s}\" to number; given string must be a decimal \
                     representation of a number"
                ))
            }),
            other => Err(err(format!(
                "number required, but have {}",
                kind_name(&other)
            ))),
        },
        Type::Bool => match value {
            Value::Bool(_) => Ok(value),
            Value::String(s) if s == "true" => Ok(Value::Bool(true)),
            Value::String(s) if s == "false" => Ok(Value::Bool(false)),
            Value::String(s) => Err(err(format!(
                "cannot convert \"{s}\" to bool; only the strings \"true\" or \"false\" are allowed"
            ))),
            other => Err(err(format!(
                "bool required, but have {}",
                kind_name(&other)
            ))),
        },
        Type::List(et) | Type::Set(et) => {
            let items = match value {
                Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => xs,
                other => {
                    let what = if matches!(ty, Type::List(_)) {
                        "list"
                    } else {
                        "set"
                    };
                    return Err(err(format!(
                        "{what} of {} required, but have {}",
                        et.friendly_name(),
                        kind_name(&other)
                    )));
                }
            };
            let et = if et.has_dynamic() {
                unify(&items.iter().map(Value::ty).collect::<Vec<_>>()).unwrap_or(Type::Dynamic)
            } else {
                (**et).clone()
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, x) in items.into_iter().enumerate() {
                out.push(convert(x, &et).map_err(|e| at(e, format!("[{i}]")))?);
            }
            Ok(if matches!(ty, Type::List(_)) {
                Value::List(out)
            } else {
                Value::set(out)
            })
        }
        Type::Map(et) => {
            let entries = match value {
                Value::Map(m) | Value::Object(m) => m,
                other => {
                    return Err(err(format!(
                        "map of {} required, but have {}",
                        et.friendly_name(),
                        kind_name(&other)
                    )))
                }
            };
            let et = if et.has_dynamic() {
                unify(&entries.values().map(Value::ty).collect::<Vec<_>>()).unwrap_or(Type::Dynamic)
            } else {
                (**et).clone()
            };
            let mut out = BTreeMap::new();
            for (k, x) in entries {
                let v = convert(x, &et).map_err(|e| at(e, format!("[\"{k}\"]")))?;
                out.insert(k, v);
            }
            Ok(Value::Map(out))
        }
        Type::Tuple(ts) => {
            let items = match value {
                Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => xs,
                other => {
                    return Err(err(format!(
                        "tuple required, but have {}",
                        kind_name(&other)
                    )))
                }
            };
            if items.len() != ts.len() {
                return Err(err(format!(
                    "tuple required with {} elements, but have {}",
                    ts.len(),
                    items.len()
                )));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (x, t)) in items.into_iter().zip(ts).enumerate() {
                out.push(convert(x, t).map_err(|e| at(e, format!("[{i}]")))?);
            }
            Ok(Value::Tuple(out))
        }
        Type::Object(ot) => {
            let mut entries = match value {
                Value::Map(m) | Value::Object(m) => m,
                other => {
                    return Err(err(format!(
                        "object required, but have {}",
                        kind_name(&other)
                    )))
                }
            };
            let mut out = BTreeMap::new();
            for (k, t) in &ot.attrs {
                match entries.remove(k) {
                    Some(v) if v.is_null() && ot.optional.contains(k) => {
                        let d = ot.defaults.get(k).map(|d| d.0.clone());
                        let d = d.unwrap_or(Value::Null(t.clone()));
                        out.insert(k.clone(), convert(d, t).map_err(|e| at(e, k.clone()))?);
                    }
                    Some(v) => {
                        out.insert(k.clone(), convert(v, t).map_err(|e| at(e, k.clone()))?);
                    }
                    None if ot.optional.contains(k) => {
                        let d = ot.defaults.get(k).map(|d| d.0.clone());
                        let d = d.unwrap_or(Value::Null(t.clone()));
                        out.insert(k.clone(), convert(d, t).map_err(|e| at(e, k.clone()))?);
                    }
                    None => return Err(err(format!("attribute \"{k}\" is required"))),
                }
            }
            Ok(Value::Object(out))
        }
    }
}

/// Terraform's wording for the kind of a value in conversion errors.
pub fn kind_name(v: &Value) -> &'static str {
    match v.peel() {
        Value::Null(_) => "null",
        Value::Unknown(_) => "unknown",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::Map(_) => "map",
        Value::Tuple(_) => "tuple",
        Value::Object(_) => "object",
        Value::Sensitive(_) => "sensitive",
    }
}

/// The single type all of `types` convert to, if there is one.
pub fn unify(types: &[Type]) -> Option<Type> {
    let mut known = types.iter().filter(|t| **t != Type::Dynamic);
    let Some(first) = known.next() else {
        return Some(Type::Dynamic);
    };
    let mut acc = first.clone();
    for t in known {
        acc = unify2(&acc, t)?;
    }
    Some(acc)
}

fn unify2(a: &Type, b: &Type) -> Option<Type> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (Type::Dynamic, t) | (t, Type::Dynamic) => Some(t.clone()),
        (Type::String, t) | (t, Type::String) if t.is_primitive() => Some(Type::String),
        (Type::List(x), Type::List(y)) => Some(Type::List(Box::new(unify2(x, y)?))),
        (Type::Set(x), Type::Set(y)) => Some(Type::Set(Box::new(unify2(x, y)?))),
        (Type::Map(x), Type::Map(y)) => Some(Type::Map(Box::new(unify2(x, y)?))),
        (Type::Tuple(xs), Type::Tuple(ys)) if xs.len() == ys.len() => Some(Type::Tuple(
            xs.iter()
                .zip(ys)
                .map(|(x, y)| unify2(x, y))
                .collect::<Option<_>>()?,
        )),
        (Type::Tuple(xs), Type::Tuple(ys)) => {
            let all: Vec<Type> = xs.iter().chain(ys).cloned().collect();
            Some(Type::List(Box::new(unify(&all)?)))
        }
        (Type::Tuple(xs), Type::List(e)) | (Type::List(e), Type::Tuple(xs)) => {
            let mut all = xs.clone();
            all.push((**e).clone());
            Some(Type::List(Box::new(unify(&all)?)))
        }
        (Type::Object(x), Type::Object(y)) if x.attrs.keys().eq(y.attrs.keys()) => {
            let attrs = x
                .attrs
                .iter()
                .zip(&y.attrs)
                .map(|((k, a), (_, b))| Some((k.clone(), unify2(a, b)?)))
                .collect::<Option<Vec<_>>>()?;
            Some(Type::object(attrs))
        }
        (Type::Object(x), Type::Object(y)) => {
            let all: Vec<Type> = x.attrs.values().chain(y.attrs.values()).cloned().collect();
            Some(Type::Map(Box::new(unify(&all)?)))
        }
        (Type::Object(x), Type::Map(e)) | (Type::Map(e), Type::Object(x)) => {
            let mut all: Vec<Type> = x.attrs.values().cloned().collect();
            all.push((**e).clone());
            Some(Type::Map(Box::new(unify(&all)?)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_convert_like_terraform() {
        assert_eq!(
            convert(Value::int(5), &Type::String),
            Ok(Value::string("5"))
        );
        assert_eq!(convert("true".into(), &Type::Bool), Ok(Value::Bool(true)));
        let e = convert("abc".into(), &Type::Number).unwrap_err();
        assert!(e.message.contains("decimal representation"), "{e}");
    }

    #[test]
    fn object_conversion_fills_optionals_and_requires_the_rest() {
        let mut ot = crate::types::ObjectType::default();
        ot.attrs.insert("a".into(), Type::String);
        ot.attrs.insert("b".into(), Type::Number);
        ot.optional.insert("b".into());
        let ty = Type::Object(ot);
        let v = Value::Object([("a".to_string(), Value::int(1))].into());
        let out = convert(v, &ty).expect("converts");
        assert_eq!(out.get_attr("a"), Some(&Value::string("1")));
        assert_eq!(out.get_attr("b"), Some(&Value::Null(Type::Number)));
        let e = convert(Value::Object(BTreeMap::new()), &ty).unwrap_err();
        assert_eq!(e.to_string(), "attribute \"a\" is required");
    }

    #[test]
    fn unify_prefers_string_for_mixed_primitives() {
        assert_eq!(unify(&[Type::Number, Type::String]), Some(Type::String));
        assert_eq!(unify(&[Type::Number, Type::Bool]), None);
    }
}
