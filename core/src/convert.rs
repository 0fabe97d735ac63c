//! Type conversion and unification with cty's rules, as Terraform applies them wherever a value
//! meets a type: function arguments, variable constraints, attribute schemas, operators,
//! conditionals, template interpolations, index keys and `for` clauses.
//!
//! [`convert`] turns a value into one of a requested type or fails with cty's message (`a number
//! is required`, `string required, but have tuple`, `attribute "a" is required`); the strings
//! `"true"`/`"1"` and `"false"`/`"0"` convert to bools, as in cty. [`can_convert`] and
//! [`mismatch_message`] answer the same question for types alone, and [`unify`] finds the one
//! type several types can all become (cty's `UnifyUnsafe`). Unknown and null values convert to
//! unknown and null of the target type; sensitive marks are kept (a set cannot hold marked
//! elements, so converting to a set moves them onto the set, as cty does). Absent or null
//! `optional(T, default)` object attributes take their default. Left out: the path of the
//! failing element inside the value, which Terraform does not show either.

use std::collections::BTreeMap;

use crate::number::Number;
use crate::types::Type;
use crate::value::Value;

/// Why a value could not take the requested type; the message is cty's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConvertError {
    /// What is wrong, without a trailing period (`a bool is required`).
    pub message: String,
}

fn err(message: impl Into<String>) -> ConvertError {
    ConvertError {
        message: message.into(),
    }
}

/// Whether a conversion from `from` to `to` exists at the type level (cty `GetConversionUnsafe`).
pub fn can_convert(from: &Type, to: &Type) -> bool {
    if from == to || *to == Type::Dynamic || *from == Type::Dynamic {
        return true;
    }
    match (from, to) {
        (a, b) if a.is_primitive() && b.is_primitive() => {
            // number <-> bool is not possible; everything else goes via string.
            !matches!(
                (a, b),
                (Type::Number, Type::Bool) | (Type::Bool, Type::Number)
            )
        }
        (Type::List(e) | Type::Set(e), Type::List(w) | Type::Set(w)) => can_convert(e, w),
        (Type::Tuple(es), Type::List(w) | Type::Set(w)) => {
            if **w == Type::Dynamic {
                unify(es).is_some() || es.is_empty()
            } else {
                es.iter().all(|e| can_convert(e, w))
            }
        }
        (Type::Map(e), Type::Map(w)) => can_convert(e, w),
        (Type::Object(o), Type::Map(w)) => {
            if **w == Type::Dynamic {
                let ts: Vec<Type> = o.attrs.values().cloned().collect();
                ts.is_empty() || unify(&ts).is_some()
            } else {
                o.attrs.values().all(|e| can_convert(e, w))
            }
        }
        (Type::Tuple(a), Type::Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| can_convert(x, y))
        }
        (Type::List(e), Type::Tuple(_)) | (Type::Set(e), Type::Tuple(_)) => {
            let _ = e;
            true
        }
        (Type::Object(a), Type::Object(b)) => b.attrs.iter().all(|(k, t)| {
            a.attrs
                .get(k)
                .map(|x| can_convert(x, t))
                .unwrap_or(b.optional.contains(k))
        }),
        (Type::Map(e), Type::Object(b)) => b.attrs.values().all(|t| can_convert(e, t)),
        _ => false,
    }
}

/// cty `convert.MismatchMessage`.
pub fn mismatch_message(got: &Type, want: &Type) -> String {
    match (got, want) {
        (Type::Object(_), Type::Object(w)) => {
            if let Type::Object(g) = got {
                for (k, wt) in &w.attrs {
                    match g.attrs.get(k) {
                        None if !w.optional.contains(k) => {
                            return format!("attribute {k:?} is required");
                        }
                        Some(gt) if !can_convert(gt, wt) => {
                            return format!("attribute {k:?}: {}", mismatch_message(gt, wt));
                        }
                        _ => {}
                    }
                }
            }
            "object required".into()
        }
        (Type::Tuple(_), Type::List(e)) if **e == Type::Dynamic => {
            "all list elements must have the same type".into()
        }
        (Type::Tuple(_), Type::Set(e)) if **e == Type::Dynamic => {
            "all set elements must have the same type".into()
        }
        (Type::Object(_), Type::Map(e)) if **e == Type::Dynamic => {
            "all map elements must have the same type".into()
        }
        (Type::Tuple(_) | Type::Object(_), Type::List(_) | Type::Set(_) | Type::Map(_)) => {
            match (got, want) {
                (Type::Tuple(es), Type::List(w) | Type::Set(w)) => {
                    for (i, e) in es.iter().enumerate() {
                        if !can_convert(e, w) {
                            return format!("element {i}: {}", mismatch_message(e, w));
                        }
                    }
                    format!("all elements must be {}", w.friendly_name())
                }
                (Type::Object(o), Type::Map(w)) => {
                    for (k, e) in &o.attrs {
                        if !can_convert(e, w) {
                            return format!("element {k:?}: {}", mismatch_message(e, w));
                        }
                    }
                    format!("all elements must be {}", w.friendly_name())
                }
                _ => format!("{} required", want.friendly_name()),
            }
        }
        (
            Type::List(g) | Type::Set(g) | Type::Map(g),
            Type::List(w) | Type::Set(w) | Type::Map(w),
        ) => {
            let kind_ok = match want {
                Type::List(_) | Type::Set(_) => matches!(got, Type::List(_) | Type::Set(_)),
                _ => matches!(got, Type::Map(_)),
            };
            if !kind_ok {
                return format!("{} required", want.friendly_name());
            }
            let noun = match want {
                Type::List(_) => "list element type",
                Type::Set(_) => "set element type",
                _ => "map element type",
            };
            format!("incorrect {noun}: {}", mismatch_message(g, w))
        }
        _ => format!(
            "{} required, but have {}",
            want.friendly_name(),
            got.friendly_name()
        ),
    }
}

/// Converts `v` to `want` as cty's `convert.Convert` does (marks kept); fails with cty's message
/// when the value or its type does not fit.
pub fn convert(v: Value, want: &Type) -> Result<Value, ConvertError> {
    if *want == Type::Dynamic {
        return Ok(v);
    }
    let (v, marked) = v.unmark();
    let got = v.ty();
    if got == *want && !matches!(v, Value::Tuple(_) | Value::Object(_)) {
        return Ok(v.mark_if(marked));
    }
    if !can_convert(&got, want) {
        return Err(err(mismatch_message(&got, want)));
    }
    convert_value(v, want).map(|v| v.mark_if(marked))
}

fn convert_value(v: Value, want: &Type) -> Result<Value, ConvertError> {
    if *want == Type::Dynamic {
        return Ok(v);
    }
    let v = match v {
        Value::Sensitive(inner) => return convert_value(*inner, want).map(Value::sensitive),
        Value::Null(_) => return Ok(Value::Null(want.clone())),
        Value::Unknown(_) => return Ok(Value::Unknown(want.clone())),
        v => v,
    };
    let mismatch = |other: &Value| err(mismatch_message(&other.ty(), want));
    match want {
        Type::Dynamic => Ok(v),
        Type::String => match v {
            Value::String(_) => Ok(v),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(mismatch(&other)),
        },
        Type::Number => match v {
            Value::Number(_) => Ok(v),
            Value::String(s) => Number::parse(&s)
                .map(Value::Number)
                .map_err(|_| err("a number is required")),
            other => Err(mismatch(&other)),
        },
        Type::Bool => match v {
            Value::Bool(_) => Ok(v),
            Value::String(s) => match s.as_str() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => match s.to_lowercase().as_str() {
                    "true" => Err(err(
                        "a bool is required; to convert from string, use lowercase \"true\"",
                    )),
                    "false" => Err(err(
                        "a bool is required; to convert from string, use lowercase \"false\"",
                    )),
                    _ => Err(err("a bool is required")),
                },
            },
            other => Err(mismatch(&other)),
        },
        Type::List(et) | Type::Set(et) => {
            let is_list = matches!(want, Type::List(_));
            let (items, from_tuple) = match v {
                Value::List(xs) | Value::Set(xs) => (xs, false),
                Value::Tuple(xs) => (xs, true),
                other => return Err(mismatch(&other)),
            };
            let et: Type = if **et == Type::Dynamic && from_tuple {
                let tys: Vec<Type> = items.iter().map(Value::ty).collect();
                if tys.is_empty() {
                    Type::Dynamic
                } else {
                    unify(&tys)
                        .ok_or_else(|| err(mismatch_message(&Type::Tuple(tys.clone()), want)))?
                }
            } else {
                (**et).clone()
            };
            let out = items
                .into_iter()
                .map(|x| convert_value(x, &et))
                .collect::<Result<Vec<_>, _>>()?;
            let noun = if is_list { "list" } else { "set" };
            let out = same_types(out, &et, noun)?;
            Ok(if is_list {
                Value::List(out)
            } else {
                Value::cty_set(out)
            })
        }
        Type::Map(et) => {
            let (entries, from_object) = match v {
                Value::Map(m) => (m, false),
                Value::Object(m) => (m, true),
                other => return Err(mismatch(&other)),
            };
            let et: Type = if **et == Type::Dynamic && from_object {
                let tys: Vec<Type> = entries.values().map(Value::ty).collect();
                if tys.is_empty() {
                    Type::Dynamic
                } else {
                    let got = Value::Object(entries.clone()).ty();
                    unify(&tys).ok_or_else(|| err(mismatch_message(&got, want)))?
                }
            } else {
                (**et).clone()
            };
            let (keys, items): (Vec<String>, Vec<Value>) = entries.into_iter().unzip();
            let items = items
                .into_iter()
                .map(|x| convert_value(x, &et))
                .collect::<Result<Vec<_>, _>>()?;
            let items = same_types(items, &et, "map")?;
            Ok(Value::Map(keys.into_iter().zip(items).collect()))
        }
        Type::Tuple(ts) => {
            let items = match v {
                Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => xs,
                other => return Err(mismatch(&other)),
            };
            if items.len() != ts.len() {
                return Err(err(format!("tuple required with {} elements", ts.len())));
            }
            let out = items
                .into_iter()
                .zip(ts)
                .map(|(x, t)| convert_value(x, t))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Tuple(out))
        }
        Type::Object(ot) => {
            let mut entries = match v {
                Value::Map(m) | Value::Object(m) => m,
                other => return Err(mismatch(&other)),
            };
            let mut out = BTreeMap::new();
            for (k, t) in &ot.attrs {
                let optional = ot.optional.contains(k);
                let x = match entries.remove(k) {
                    Some(x) if !(optional && x.is_null()) => convert_value(x, t)?,
                    _ if optional => match ot.defaults.get(k) {
                        Some(d) => convert(d.0.clone(), t)?,
                        None => Value::Null(t.clone()),
                    },
                    _ => return Err(err(format!("attribute {k:?} is required"))),
                };
                out.insert(k.clone(), x);
            }
            Ok(Value::Object(out))
        }
    }
}

/// Elements converted to a partly undecided type (`list(object({a = any}))`) may still differ
/// in type; a collection needs one, so they are converted once more to the type they unify to.
fn same_types(items: Vec<Value>, et: &Type, noun: &str) -> Result<Vec<Value>, ConvertError> {
    if !et.has_dynamic() || *et == Type::Dynamic {
        return Ok(items);
    }
    let tys: Vec<Type> = items.iter().map(Value::ty).collect();
    if tys.windows(2).all(|w| w[0] == w[1]) {
        return Ok(items);
    }
    let common = unify(&tys).ok_or_else(|| {
        err(format!(
            "element types must all match for conversion to {noun}"
        ))
    })?;
    items.into_iter().map(|x| convert(x, &common)).collect()
}

/// cty `convert.UnifyUnsafe`: the one type all of `types` can convert to.
pub fn unify(types: &[Type]) -> Option<Type> {
    if types.is_empty() {
        return None;
    }
    if types.iter().all(|t| t == &types[0]) {
        return Some(types[0].clone());
    }
    let count = |f: fn(&Type) -> bool| types.iter().filter(|t| f(t)).count();
    let maps = count(|t| matches!(t, Type::Map(_)));
    let lists = count(|t| matches!(t, Type::List(_)));
    let sets = count(|t| matches!(t, Type::Set(_)));
    let objects = count(|t| matches!(t, Type::Object(_)));
    let tuples = count(|t| matches!(t, Type::Tuple(_)));
    let dynamic = count(|t| matches!(t, Type::Dynamic));
    let n = types.len();
    let elems = |ts: &[Type]| -> Vec<Type> {
        ts.iter()
            .filter_map(|t| match t {
                Type::List(e) | Type::Set(e) | Type::Map(e) => Some((**e).clone()),
                _ => None,
            })
            .collect()
    };
    if maps > 0 && maps + dynamic == n {
        if dynamic > 0 {
            return Some(Type::Dynamic);
        }
        return unify(&elems(types)).map(|e| Type::Map(Box::new(e)));
    }
    if maps > 0 && maps + objects + dynamic == n {
        let mut all = Vec::new();
        for t in types {
            match t {
                Type::Map(e) => all.push((**e).clone()),
                Type::Object(o) => all.extend(o.attrs.values().cloned()),
                _ => {}
            }
        }
        if let Some(e) = unify(&all) {
            return Some(Type::Map(Box::new(e)));
        }
    } else if lists > 0 && lists + dynamic == n {
        if dynamic > 0 {
            return Some(Type::Dynamic);
        }
        return unify(&elems(types)).map(|e| Type::List(Box::new(e)));
    } else if lists > 0 && lists + tuples + dynamic == n {
        let mut all = Vec::new();
        for t in types {
            match t {
                Type::List(e) => all.push((**e).clone()),
                Type::Tuple(es) => all.extend(es.iter().cloned()),
                _ => {}
            }
        }
        if let Some(e) = unify(&all) {
            return Some(Type::List(Box::new(e)));
        }
    } else if sets > 0 && sets + dynamic == n {
        if dynamic > 0 {
            return Some(Type::Dynamic);
        }
        return unify(&elems(types)).map(|e| Type::Set(Box::new(e)));
    } else if objects > 0 && objects + dynamic == n {
        if dynamic > 0 {
            return Some(Type::Dynamic);
        }
        let first = match &types[0] {
            Type::Object(o) => o.clone(),
            _ => return None,
        };
        let same_names = types.iter().all(|t| match t {
            Type::Object(o) => o.attrs.keys().eq(first.attrs.keys()),
            _ => false,
        });
        if !same_names {
            let all: Vec<Type> = types
                .iter()
                .flat_map(|t| match t {
                    Type::Object(o) => o.attrs.values().cloned().collect::<Vec<_>>(),
                    _ => Vec::new(),
                })
                .collect();
            if all.is_empty() {
                return Some(Type::Map(Box::new(Type::Dynamic)));
            }
            return unify(&all).map(|e| Type::Map(Box::new(e)));
        }
        let mut attrs = Vec::new();
        for k in first.attrs.keys() {
            let ts: Vec<Type> = types
                .iter()
                .filter_map(|t| match t {
                    Type::Object(o) => o.attrs.get(k).cloned(),
                    _ => None,
                })
                .collect();
            attrs.push((k.clone(), unify(&ts)?));
        }
        return Some(Type::object(attrs));
    } else if tuples > 0 && tuples + dynamic == n {
        if dynamic > 0 {
            return Some(Type::Dynamic);
        }
        let len = match &types[0] {
            Type::Tuple(es) => es.len(),
            _ => return None,
        };
        let same_len = types
            .iter()
            .all(|t| matches!(t, Type::Tuple(es) if es.len() == len));
        if !same_len {
            let all: Vec<Type> = types
                .iter()
                .flat_map(|t| match t {
                    Type::Tuple(es) => es.clone(),
                    _ => Vec::new(),
                })
                .collect();
            if all.is_empty() {
                return Some(Type::List(Box::new(Type::Dynamic)));
            }
            return unify(&all).map(|e| Type::List(Box::new(e)));
        }
        let mut out = Vec::new();
        for i in 0..len {
            let ts: Vec<Type> = types
                .iter()
                .filter_map(|t| match t {
                    Type::Tuple(es) => es.get(i).cloned(),
                    _ => None,
                })
                .collect();
            out.push(unify(&ts)?);
        }
        return Some(Type::Tuple(out));
    } else if objects > 0 && tuples > 0 {
        return None;
    }
    // General case: the most general type that every other type converts to; dynamic has
    // the lowest preference, since it converts to anything.
    let mut prefs: Vec<&Type> = types.iter().collect();
    prefs.sort_by_key(|t| match t {
        Type::String => 0,
        Type::Dynamic => 2,
        _ => 1,
    });
    'pref: for want in prefs {
        for t in types {
            if t != want && !safe_convertible(t, want) {
                continue 'pref;
            }
        }
        return Some(want.clone());
    }
    None
}

/// Safe conversions only (used when picking a unification target): primitives to string, and
/// structural or collection types whose elements convert safely.
fn safe_convertible(from: &Type, to: &Type) -> bool {
    if from == to || *to == Type::Dynamic || *from == Type::Dynamic {
        return true;
    }
    match (from, to) {
        (Type::Number | Type::Bool, Type::String) => true,
        (a, b) if a.is_primitive() || b.is_primitive() => false,
        (Type::List(a), Type::List(b))
        | (Type::Set(a), Type::Set(b))
        | (Type::Map(a), Type::Map(b)) => safe_convertible(a, b),
        (Type::Set(a), Type::List(b)) | (Type::List(a), Type::Set(b)) => safe_convertible(a, b),
        (Type::Tuple(es), Type::List(b) | Type::Set(b)) => {
            es.iter().all(|e| safe_convertible(e, b))
        }
        (Type::Object(o), Type::Map(b)) => o.attrs.values().all(|e| safe_convertible(e, b)),
        (Type::Tuple(a), Type::Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| safe_convertible(x, y))
        }
        (Type::Object(a), Type::Object(b)) => {
            a.attrs.len() == b.attrs.len()
                && a.attrs
                    .iter()
                    .all(|(k, t)| b.attrs.get(k).is_some_and(|u| safe_convertible(t, u)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_convert_like_cty() {
        assert_eq!(
            convert(Value::int(5), &Type::String),
            Ok(Value::string("5"))
        );
        assert_eq!(convert("true".into(), &Type::Bool), Ok(Value::Bool(true)));
        assert_eq!(convert("0".into(), &Type::Bool), Ok(Value::Bool(false)));
        let e = convert("TRUE".into(), &Type::Bool).expect_err("fails");
        assert_eq!(
            e.message,
            "a bool is required; to convert from string, use lowercase \"true\""
        );
        let e = convert("abc".into(), &Type::Number).expect_err("fails");
        assert_eq!(e.to_string(), "a number is required");
        let e = convert(Value::int(1), &Type::Bool).expect_err("fails");
        assert_eq!(e.to_string(), "bool required, but have number");
    }

    #[test]
    fn marks_survive_and_move_onto_sets() {
        let v = Value::Tuple(vec![Value::string("a").sensitive(), Value::string("b")]);
        let list = convert(v.clone(), &Type::List(Box::new(Type::String))).expect("list");
        assert_eq!(
            list.as_seq().map(|xs| xs[0].contains_sensitive()),
            Some(true)
        );
        let set = convert(v, &Type::Set(Box::new(Type::String))).expect("set");
        assert!(matches!(set, Value::Sensitive(_)), "{set:?}");
    }

    #[test]
    fn object_conversion_fills_optionals_and_requires_the_rest() {
        let mut ot = crate::types::ObjectType::default();
        ot.attrs.insert("a".into(), Type::String);
        ot.attrs.insert("b".into(), Type::Number);
        ot.attrs.insert("c".into(), Type::String);
        ot.optional.insert("b".into());
        ot.optional.insert("c".into());
        ot.defaults
            .insert("c".into(), crate::types::OrdValue(Value::string("dflt")));
        let ty = Type::Object(Box::new(ot));
        let v = Value::Object(
            [
                ("a".to_string(), Value::int(1)),
                ("c".to_string(), Value::Null(Type::String)),
            ]
            .into(),
        );
        let out = convert(v, &ty).expect("converts");
        assert_eq!(out.get_attr("a"), Some(&Value::string("1")));
        assert_eq!(out.get_attr("b"), Some(&Value::Null(Type::Number)));
        assert_eq!(out.get_attr("c"), Some(&Value::string("dflt")));
        let e = convert(Value::Object(BTreeMap::new()), &ty).expect_err("fails");
        assert_eq!(e.to_string(), "attribute \"a\" is required");
    }

    #[test]
    fn partly_undecided_element_types_unify() {
        let any_obj = Type::object([("a".to_string(), Type::Dynamic)]);
        let obj = |v: Value| Value::Object([("a".to_string(), v)].into());
        let v = Value::Tuple(vec![obj(Value::int(1)), obj(Value::string("x"))]);
        let out = convert(v, &Type::List(Box::new(any_obj))).expect("converts");
        assert_eq!(
            out,
            Value::List(vec![obj(Value::string("1")), obj(Value::string("x"))])
        );
    }

    #[test]
    fn unify_prefers_string_for_mixed_primitives() {
        assert_eq!(unify(&[Type::Number, Type::String]), Some(Type::String));
        assert_eq!(unify(&[Type::Number, Type::Bool]), None);
        let list = Type::List(Box::new(Type::Number));
        assert_eq!(unify(&[list.clone(), Type::Dynamic]), Some(Type::Dynamic));
    }
}
