//! cty's type conversion and unification, with the messages Terraform shows when a function
//! argument does not fit its parameter (`string required, but have tuple`, `a number is
//! required`, `element 0: ...`).

use std::collections::BTreeMap;

use hangar_core::{Number, Type, Value};

/// cty's `Type.FriendlyName`: `string`, `list of number`, `tuple`, `object`, `dynamic`.
pub fn friendly_name(t: &Type) -> String {
    match t {
        Type::Dynamic => "dynamic".into(),
        Type::Bool => "bool".into(),
        Type::Number => "number".into(),
        Type::String => "string".into(),
        Type::List(e) => format!("list of {}", friendly_name(e)),
        Type::Set(e) => format!("set of {}", friendly_name(e)),
        Type::Map(e) => format!("map of {}", friendly_name(e)),
        Type::Tuple(_) => "tuple".into(),
        Type::Object(_) => "object".into(),
    }
}

/// cty's `Type.FriendlyNameForConstraint`: like [`friendly_name`] but `any type` and
/// `list of any single type` for dynamic parts.
pub fn friendly_constraint(t: &Type) -> String {
    fn elem(e: &Type) -> String {
        if *e == Type::Dynamic {
            "any single type".into()
        } else {
            friendly_constraint(e)
        }
    }
    match t {
        Type::Dynamic => "any type".into(),
        Type::List(e) => format!("list of {}", elem(e)),
        Type::Set(e) => format!("set of {}", elem(e)),
        Type::Map(e) => format!("map of {}", elem(e)),
        other => friendly_name(other),
    }
}

/// The type of a value as cty would see it (marks ignored).
pub fn type_of(v: &Value) -> Type {
    match v {
        Value::Sensitive(inner) => type_of(inner),
        Value::List(xs) => Type::List(Box::new(elem_type(xs))),
        Value::Set(xs) => Type::Set(Box::new(elem_type(xs))),
        Value::Map(m) => Type::Map(Box::new(elem_type_iter(m.values()))),
        Value::Tuple(xs) => Type::Tuple(xs.iter().map(type_of).collect()),
        Value::Object(m) => Type::object(m.iter().map(|(k, v)| (k.clone(), type_of(v)))),
        other => other.ty(),
    }
}

fn elem_type(xs: &[Value]) -> Type {
    elem_type_iter(xs.iter())
}

fn elem_type_iter<'a>(it: impl Iterator<Item = &'a Value>) -> Type {
    let mut out = Type::Dynamic;
    for x in it {
        let t = type_of(x);
        if t != Type::Dynamic {
            return t;
        }
        out = t;
    }
    out
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
                    format!("all elements must be {}", friendly_name(w))
                }
                (Type::Object(o), Type::Map(w)) => {
                    for (k, e) in &o.attrs {
                        if !can_convert(e, w) {
                            return format!("element {k:?}: {}", mismatch_message(e, w));
                        }
                    }
                    format!("all elements must be {}", friendly_name(w))
                }
                _ => format!("{} required", friendly_name(want)),
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
                return format!("{} required", friendly_name(want));
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
            friendly_name(want),
            friendly_name(got)
        ),
    }
}

/// Converts `v` to `want` as cty's `convert.Convert` does (marks kept).
pub fn convert(v: Value, want: &Type) -> Result<Value, String> {
    if *want == Type::Dynamic {
        return Ok(v);
    }
    if let Value::Sensitive(inner) = v {
        return convert(*inner, want).map(Value::sensitive);
    }
    let got = type_of(&v);
    if got == *want && !matches!(v, Value::Tuple(_) | Value::Object(_)) {
        return Ok(v);
    }
    if !can_convert(&got, want) {
        return Err(mismatch_message(&got, want));
    }
    convert_value(v, want)
}

fn convert_value(v: Value, want: &Type) -> Result<Value, String> {
    if *want == Type::Dynamic {
        return Ok(v);
    }
    let v = match v {
        Value::Sensitive(inner) => return convert_value(*inner, want).map(Value::sensitive),
        Value::Null(_) => return Ok(Value::Null(want.clone())),
        Value::Unknown(_) => return Ok(Value::Unknown(want.clone())),
        v => v,
    };
    match want {
        Type::Dynamic => Ok(v),
        Type::String => match v {
            Value::String(_) => Ok(v),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(mismatch_message(&type_of(&other), want)),
        },
        Type::Number => match v {
            Value::Number(_) => Ok(v),
            Value::String(s) => Number::parse(&s)
                .map(Value::Number)
                .map_err(|_| "a number is required".to_string()),
            other => Err(mismatch_message(&type_of(&other), want)),
        },
        Type::Bool => match v {
            Value::Bool(_) => Ok(v),
            Value::String(s) => match s.as_str() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => match s.to_lowercase().as_str() {
                    "true" => Err(
                        "a bool is required; to convert from string, use lowercase \"true\"".into(),
                    ),
                    "false" => Err(
                        "a bool is required; to convert from string, use lowercase \"false\""
                            .into(),
                    ),
                    _ => Err("a bool is required".into()),
                },
            },
            other => Err(mismatch_message(&type_of(&other), want)),
        },
        Type::List(et) | Type::Set(et) => {
            let is_list = matches!(want, Type::List(_));
            let (items, from_tuple) = match v {
                Value::List(xs) | Value::Set(xs) => (xs, false),
                Value::Tuple(xs) => (xs, true),
                other => return Err(mismatch_message(&type_of(&other), want)),
            };
            let et: Type = if **et == Type::Dynamic {
                if from_tuple {
                    let tys: Vec<Type> = items.iter().map(type_of).collect();
                    if tys.is_empty() {
                        Type::Dynamic
                    } else {
                        unify(&tys)
                            .ok_or_else(|| mismatch_message(&Type::Tuple(tys.clone()), want))?
                    }
                } else {
                    Type::Dynamic
                }
            } else {
                (**et).clone()
            };
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                out.push(convert_value(x, &et)?);
            }
            Ok(if is_list {
                Value::List(out)
            } else {
                crate::util::cty_set(out)
            })
        }
        Type::Map(et) => {
            let (entries, from_object) = match v {
                Value::Map(m) => (m, false),
                Value::Object(m) => (m, true),
                other => return Err(mismatch_message(&type_of(&other), want)),
            };
            let et: Type = if **et == Type::Dynamic && from_object {
                let tys: Vec<Type> = entries.values().map(type_of).collect();
                if tys.is_empty() {
                    Type::Dynamic
                } else {
                    let got = type_of(&Value::Object(entries.clone()));
                    unify(&tys).ok_or_else(|| mismatch_message(&got, want))?
                }
            } else {
                (**et).clone()
            };
            let mut out = BTreeMap::new();
            for (k, x) in entries {
                out.insert(k, convert_value(x, &et)?);
            }
            Ok(Value::Map(out))
        }
        Type::Tuple(ts) => {
            let items = match v {
                Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => xs,
                other => return Err(mismatch_message(&type_of(&other), want)),
            };
            if items.len() != ts.len() {
                return Err(format!("tuple required with {} elements", ts.len()));
            }
            let mut out = Vec::new();
            for (x, t) in items.into_iter().zip(ts) {
                out.push(convert_value(x, t)?);
            }
            Ok(Value::Tuple(out))
        }
        Type::Object(ot) => {
            let mut entries = match v {
                Value::Map(m) | Value::Object(m) => m,
                other => return Err(mismatch_message(&type_of(&other), want)),
            };
            let mut out = BTreeMap::new();
            for (k, t) in &ot.attrs {
                match entries.remove(k) {
                    Some(x) => {
                        out.insert(k.clone(), convert_value(x, t)?);
                    }
                    None if ot.optional.contains(k) => {
                        out.insert(k.clone(), Value::Null(t.clone()));
                    }
                    None => return Err(format!("attribute {k:?} is required")),
                }
            }
            Ok(Value::Object(out))
        }
    }
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
