//! Functions that cut, reorder, combine or pick from collections: `slice`, `sort`, `sum`,
//! `transpose`, `zipmap`, `coalesce`, `coalescelist`, `chunklist`, `one`, `matchkeys`.

use crate::util::{elems, str_of, to_int};
use crate::{Call, FuncError};
use hangar_core::convert::{convert, unify};
use hangar_core::set::cty_equals;
use hangar_core::{Number, Type, Value};
use std::collections::BTreeMap;

pub(crate) fn slice_indexes(a: &[Value]) -> Result<(usize, usize, bool), FuncError> {
    let list = a[0].peel();
    let len = if list.is_unknown() && !matches!(Value::ty(list), Type::Tuple(_)) {
        None
    } else {
        Some(match Value::ty(list) {
            Type::Tuple(ts) if list.is_unknown() => ts.len(),
            _ => elems(list).len(),
        })
    };
    let mut start = 0i64;
    let mut end = 0i64;
    let (mut sk, mut ek) = (false, false);
    if !a[1].is_unknown() {
        start =
            to_int(&a[1]).map_err(|m| FuncError::arg(1, format!("invalid start index: {m}")))?;
        if start < 0 {
            return Err(FuncError::arg(1, "start index must not be less than zero"));
        }
        if len.is_some_and(|l| start as usize > l) {
            return Err(FuncError::arg(
                1,
                "start index must not be greater than the length of the list",
            ));
        }
        sk = true;
    }
    if !a[2].is_unknown() {
        end = to_int(&a[2]).map_err(|m| FuncError::arg(2, format!("invalid end index: {m}")))?;
        if end < 0 {
            return Err(FuncError::arg(2, "end index must not be less than zero"));
        }
        if len.is_some_and(|l| end as usize > l) {
            return Err(FuncError::arg(
                2,
                "end index must not be greater than the length of the list",
            ));
        }
        ek = true;
    }
    if sk && ek && start > end {
        return Err(FuncError::arg(
            1,
            "start index must not be greater than end index",
        ));
    }
    Ok((start as usize, end as usize, sk && ek))
}

pub(crate) fn slice_type(a: &[Value]) -> Result<Type, FuncError> {
    let t = Value::ty(&a[0]);
    if matches!(t, Type::Set(_)) {
        return Err(FuncError::arg(0, "cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important"));
    }
    if !matches!(t, Type::List(_) | Type::Tuple(_)) {
        return Err(FuncError::arg(0, "must be a list or tuple value"));
    }
    let (s0, e, known) = slice_indexes(a)?;
    match t {
        Type::List(_) => Ok(t),
        Type::Tuple(ts) if known => Ok(Type::Tuple(ts[s0..e].to_vec())),
        _ => Ok(Type::Dynamic),
    }
}

pub(crate) fn slice(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    let (v, marked) = a[0].clone().unmark();
    if *ret == Type::Dynamic {
        return Ok(Value::Unknown(Type::Dynamic).mark_if(marked));
    }
    let (s0, e, _) = slice_indexes(&a)?;
    let xs = elems(&v)[s0..e].to_vec();
    let out = if matches!(ret, Type::Tuple(_)) {
        Value::Tuple(xs)
    } else {
        Value::List(xs)
    };
    Ok(out.mark_if(marked))
}

pub(crate) fn sort(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    if !a[0].is_wholly_known() {
        return Ok(Value::Unknown(ret.clone()));
    }
    let mut xs = Vec::new();
    for (i, v) in elems(&a[0]).iter().enumerate() {
        if v.is_null() {
            return Err(FuncError::fail(format!(
                "given list element {i} is null; a null string cannot be sorted"
            )));
        }
        xs.push(str_of(v).to_string());
    }
    xs.sort();
    Ok(Value::List(xs.into_iter().map(Value::String).collect()))
}

pub(crate) fn sum(_: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    let v = &a[0];
    let t = Value::ty(v);
    let xs = match v.peel() {
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => xs,
        Value::Map(m) | Value::Object(m) => {
            if m.is_empty() {
                return Err(FuncError::arg(0, "cannot sum an empty list"));
            }
            return Err(FuncError::arg(
                0,
                format!(
                    "argument must be list, set, or tuple. Received {}",
                    Type::friendly_name(&t)
                ),
            ));
        }
        _ => return Err(FuncError::arg(0, "cannot sum noniterable")),
    };
    if xs.is_empty() {
        return Err(FuncError::arg(0, "cannot sum an empty list"));
    }
    if !v.is_wholly_known() {
        return Ok(Value::Unknown(Type::Number));
    }
    let bad = || FuncError::arg(0, "argument must be list, set, or tuple of number values");
    let num = |x: &Value| -> Result<Number, FuncError> {
        if x.is_null() {
            return Err(bad());
        }
        match convert(x.clone(), &Type::Number).map_err(|_| bad())? {
            Value::Number(n) => Ok(n),
            _ => Err(bad()),
        }
    };
    let mut acc = num(&xs[0])?;
    for x in &xs[1..] {
        acc = acc
            .try_add(&num(x)?)
            .map_err(|_| FuncError::fail("can't compute sum of opposing infinities"))?;
    }
    Ok(Value::Number(acc))
}

pub(crate) fn transpose(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    if !a[0].is_wholly_known() {
        return Ok(Value::Unknown(ret.clone()));
    }
    let mut tmp: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(m) = a[0].as_map() {
        for (k, l) in m {
            for v in elems(l) {
                let Some(x) = v.as_str() else {
                    return Err(FuncError::fail("input must be a map of lists of strings"));
                };
                let e = tmp.entry(x.to_string()).or_default();
                e.push(k.clone());
                e.sort();
            }
        }
    }
    Ok(Value::Map(
        tmp.into_iter()
            .map(|(k, vs)| (k, Value::List(vs.into_iter().map(Value::String).collect())))
            .collect(),
    ))
}

pub(crate) fn zipmap_type(a: &[Value]) -> Result<Type, FuncError> {
    match Value::ty(&a[1]) {
        Type::List(e) => Ok(Type::Map(e)),
        Type::Tuple(ts) => {
            if !a[0].is_wholly_known() {
                return Ok(Type::Dynamic);
            }
            let (keys, _) = a[0].clone().unmark_deep();
            let ks = elems(&keys);
            if ks.len() != ts.len() {
                return Err(FuncError::fail(format!(
                    "number of keys ({}) does not match number of values ({})",
                    ks.len(),
                    ts.len()
                )));
            }
            let mut attrs = BTreeMap::new();
            for (i, k) in ks.iter().enumerate() {
                if k.is_null() {
                    return Err(FuncError::fail(format!(
                        "keys list has null value at index {i}"
                    )));
                }
                attrs.insert(str_of(k).to_string(), ts[i].clone());
            }
            Ok(Type::object(attrs))
        }
        _ => Err(FuncError::fail(
            "values argument must be a list or tuple value",
        )),
    }
}

pub(crate) fn zipmap(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    let (keys, km) = a[0].clone().unmark();
    let (vals, vm) = a[1].clone().unmark();
    let mut marked = km || vm;
    if !keys.is_wholly_known() {
        return Ok(Value::Unknown(ret.clone()).mark_if(marked));
    }
    let (ks, vs) = (elems(&keys), elems(&vals));
    if ks.len() != vs.len() {
        return Err(FuncError::fail(format!(
            "number of keys ({}) does not match number of values ({})",
            ks.len(),
            vs.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (k, v) in ks.iter().zip(vs) {
        let (k, m) = k.clone().unmark();
        marked |= m;
        out.insert(str_of(&k).to_string(), v.clone());
    }
    let v = if matches!(ret, Type::Map(_)) {
        Value::Map(out)
    } else {
        Value::Object(out)
    };
    Ok(v.mark_if(marked))
}

pub(crate) fn coalesce(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    for v in a {
        let v = convert(v, ret).map_err(|e| FuncError::fail(e.message))?;
        if v.is_unknown() {
            return Ok(Value::Unknown(ret.clone()));
        }
        if v.is_null() {
            continue;
        }
        if *ret == Type::String && v.as_str() == Some("") {
            continue;
        }
        return Ok(v);
    }
    Err(FuncError::fail("no non-null, non-empty-string arguments"))
}

pub(crate) fn coalescelist(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    for v in a {
        if v.is_unknown() {
            return Ok(Value::Unknown(ret.clone()));
        }
        if v.is_null() {
            continue;
        }
        if !elems(&v).is_empty() {
            return Ok(v);
        }
    }
    Err(FuncError::fail("no non-null arguments"))
}

pub(crate) fn chunklist(_: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    let (list, lm) = a[0].clone().unmark();
    let (size, sm) = a[1].clone().unmark();
    let marked = lm || sm;
    let size = to_int(&size).map_err(|m| FuncError::fail(format!("invalid size: {m}")))?;
    if size < 0 {
        return Err(FuncError::fail("the size argument must be positive"));
    }
    let xs = elems(&list);
    if xs.is_empty() {
        return Ok(Value::List(vec![]).mark_if(marked));
    }
    if size == 0 {
        return Ok(Value::List(vec![list.clone()]).mark_if(marked));
    }
    let out: Vec<Value> = xs
        .chunks(size as usize)
        .map(|c| Value::List(c.to_vec()))
        .collect();
    Ok(Value::List(out).mark_if(marked))
}

pub(crate) fn one(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    let v = &a[0];
    let xs = elems(v);
    if matches!(v.peel(), Value::Set(_)) && !v.is_wholly_known() {
        return Ok(Value::Unknown(ret.clone()));
    }
    match xs.len() {
        0 => Ok(Value::Null(ret.clone())),
        1 => Ok(xs[0].clone()),
        _ => Err(FuncError::arg(
            0,
            "must be a list, set, or tuple value with either zero or one elements",
        )),
    }
}

pub(crate) fn matchkeys(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    if a[0].is_unknown() {
        return Ok(Value::Unknown(ret.clone()));
    }
    let (vals, ks) = (elems(&a[0]), elems(&a[1]));
    if vals.len() != ks.len() {
        return Err(FuncError::fail("length of keys and values should be equal"));
    }
    let ty = unify(&[Value::ty(&a[1]), Value::ty(&a[2])]).unwrap_or(Type::Dynamic);
    let keys = convert(a[1].clone(), &ty).unwrap_or_else(|_| a[1].clone());
    let search = convert(a[2].clone(), &ty).unwrap_or_else(|_| a[2].clone());
    if elems(&search).is_empty() {
        return Ok(Value::List(vec![]));
    }
    if !a[0].is_wholly_known() || !keys.is_wholly_known() {
        return Ok(Value::Unknown(ret.clone()));
    }
    let mut out = Vec::new();
    for (i, k) in elems(&keys).iter().enumerate() {
        for sv in elems(&search) {
            match cty_equals(k, sv) {
                None => return Ok(Value::List(vec![])),
                Some(true) => {
                    out.push(vals[i].clone());
                    break;
                }
                _ => {}
            }
        }
    }
    Ok(Value::List(out))
}
