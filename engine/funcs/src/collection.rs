//! Collection functions: `length`, `concat`, `contains`, `distinct`, `element`, `flatten`,
//! `index`, `keys`, `values`, `lookup`, `merge`, `range`, `reverse`, `set*`, `slice`, `sort`,
//! `sum`, `transpose`, `zipmap`, `coalesce`, `coalescelist`, `compact`, `chunklist`, `one`,
//! `alltrue`, `anytrue`, `matchkeys`.

use std::collections::BTreeMap;

use hangar_core::{Number, Type, Value};
use unicode_segmentation::UnicodeSegmentation;

use crate::reshape::{
    chunklist, coalesce, coalescelist, matchkeys, one, slice, slice_type, sort, sum, transpose,
    zipmap, zipmap_type,
};
use crate::sets::{set_op, set_op_type, setproduct, setproduct_type, SetOp};
use crate::util::{elems, int, s, str_of, to_int};
use crate::{p, Call, Def, FuncError};
use hangar_core::convert::{convert, unify};
use hangar_core::set::{cty_equals, types_equal_loose};

fn dynp(name: &'static str) -> crate::Param {
    p(name, Type::Dynamic)
}

pub(crate) fn list_of(t: Type) -> Type {
    Type::List(Box::new(t))
}

pub(crate) fn set_of(t: Type) -> Type {
    Type::Set(Box::new(t))
}

pub(crate) fn def(name: &str) -> Option<Def> {
    Some(match name {
        "length" => Def::new(
            vec![dynp("value").dynamic().unknown().marked()],
            Type::Number,
            length,
        )
        .type_fn(|a| match Value::ty(&a[0]) {
            Type::String
            | Type::Tuple(_)
            | Type::Object(_)
            | Type::List(_)
            | Type::Map(_)
            | Type::Set(_)
            | Type::Dynamic => Ok(Type::Number),
            _ => Err(FuncError::fail(
                "argument must be a string, a collection type, or a structural type",
            )),
        }),
        "concat" => Def::new(vec![], Type::Dynamic, concat)
            .var(dynp("seqs").marked())
            .type_fn(concat_type),
        "contains" => Def::new(vec![dynp("list"), dynp("value")], Type::Bool, contains),
        "distinct" => Def::new(vec![p("list", list_of(Type::Dynamic))], Type::Dynamic, distinct)
            .type_fn(|a| Ok(Value::ty(&a[0]))),
        "element" => Def::new(vec![dynp("list").marked(), p("index", Type::Number)], Type::Dynamic, element)
            .type_fn(element_type),
        "flatten" => Def::new(vec![dynp("list").marked()], Type::Dynamic, flatten).type_fn(|a| {
            if !a[0].is_wholly_known() {
                return Ok(Type::Dynamic);
            }
            match Value::ty(&a[0]) {
                Type::List(_) | Type::Set(_) | Type::Tuple(_) => Ok(Type::Dynamic),
                _ => Err(FuncError::fail("can only flatten lists, sets and tuples")),
            }
        }),
        "index" => Def::new(vec![dynp("list"), dynp("value")], Type::Number, index),
        "keys" => Def::new(vec![dynp("inputMap").unknown().marked()], Type::Dynamic, keys)
            .type_fn(|a| match Value::ty(&a[0]) {
                Type::Map(_) => Ok(list_of(Type::String)),
                Type::Object(o) => Ok(Type::Tuple(vec![Type::String; o.attrs.len()])),
                _ => Err(FuncError::arg(0, "must have map or object type")),
            }),
        "values" => Def::new(vec![dynp("values").marked()], Type::Dynamic, values).type_fn(|a| {
            match Value::ty(&a[0]) {
                Type::Map(e) => Ok(Type::List(e)),
                Type::Object(o) => Ok(Type::Tuple(o.attrs.values().cloned().collect())),
                _ => Err(FuncError::fail("values() requires a map as the first argument")),
            }
        }),
        "lookup" => Def::new(
            vec![dynp("inputMap").marked(), p("key", Type::String).marked()],
            Type::Dynamic,
            lookup,
        )
        .var(dynp("default").unknown().dynamic().null().marked())
        .type_fn(lookup_type),
        "merge" => Def::new(vec![], Type::Dynamic, merge)
            .var(dynp("maps").dynamic().null().marked())
            .type_fn(merge_type),
        "range" => Def::new(vec![], list_of(Type::Number), range).var(p("params", Type::Number)),
        "reverse" => Def::new(vec![dynp("list").marked()], Type::Dynamic, reverse).type_fn(|a| {
            match Value::ty(&a[0]) {
                Type::Tuple(mut ts) => {
                    ts.reverse();
                    Ok(Type::Tuple(ts))
                }
                Type::List(e) | Type::Set(e) => Ok(Type::List(e)),
                t => Err(FuncError::arg(
                    0,
                    format!("can only reverse list or tuple values, not {}", Type::friendly_name(&t)),
                )),
            }
        }),
        "setintersection" => Def::new(
            vec![p("first_set", set_of(Type::Dynamic)).dynamic()],
            Type::Dynamic,
            |_, a, t| set_op(a, t, SetOp::Intersect),
        )
        .var(p("other_sets", set_of(Type::Dynamic)).dynamic())
        .type_fn(set_op_type),
        "setunion" => Def::new(
            vec![p("first_set", set_of(Type::Dynamic)).dynamic()],
            Type::Dynamic,
            |_, a, t| set_op(a, t, SetOp::Union),
        )
        .var(p("other_sets", set_of(Type::Dynamic)).dynamic())
        .type_fn(set_op_type),
        "setsubtract" => Def::new(
            vec![p("a", set_of(Type::Dynamic)).dynamic(), p("b", set_of(Type::Dynamic)).dynamic()],
            Type::Dynamic,
            |_, a, t| set_op(a, t, SetOp::Subtract),
        )
        .type_fn(set_op_type),
        "setproduct" => Def::new(vec![], Type::Dynamic, setproduct)
            .var(dynp("sets").marked())
            .type_fn(setproduct_type),
        "slice" => Def::new(
            vec![dynp("list").marked(), p("start_index", Type::Number), p("end_index", Type::Number)],
            Type::Dynamic,
            slice,
        )
        .type_fn(slice_type),
        "sort" => Def::new(vec![p("list", list_of(Type::String))], list_of(Type::String), sort),
        "sum" => Def::new(vec![dynp("list")], Type::Number, sum),
        "transpose" => Def::new(
            vec![p("values", Type::Map(Box::new(list_of(Type::String))))],
            Type::Map(Box::new(list_of(Type::String))),
            transpose,
        ),
        "zipmap" => Def::new(
            vec![p("keys", list_of(Type::String)).marked(), dynp("values").marked()],
            Type::Dynamic,
            zipmap,
        )
        .type_fn(zipmap_type),
        "coalesce" => Def::new(vec![], Type::Dynamic, coalesce)
            .var(dynp("vals").unknown().dynamic().null())
            .type_fn(|a| {
                let tys: Vec<Type> = a.iter().map(Value::ty).collect();
                unify(&tys).ok_or_else(|| FuncError::fail("all arguments must have the same type"))
            }),
        "coalescelist" => Def::new(vec![], Type::Dynamic, coalescelist)
            .var(dynp("vals").unknown().dynamic().null())
            .type_fn(|a| {
                if a.is_empty() {
                    return Err(FuncError::fail("at least one argument is required"));
                }
                let mut tys = Vec::new();
                for x in a {
                    if x.is_unknown() {
                        return Ok(Type::Dynamic);
                    }
                    let t = Value::ty(x);
                    if !matches!(t, Type::List(_) | Type::Tuple(_)) {
                        return Err(FuncError::fail(
                            "coalescelist arguments must be lists or tuples",
                        ));
                    }
                    tys.push(t);
                }
                if tys.iter().all(|t| *t == tys[0]) {
                    Ok(tys[0].clone())
                } else {
                    Ok(Type::Dynamic)
                }
            }),
        "compact" => Def::new(vec![p("list", list_of(Type::String))], list_of(Type::String), |_, a, t| {
            if !a[0].is_wholly_known() {
                return Ok(Value::Unknown(t.clone()));
            }
            Ok(Value::List(
                elems(&a[0])
                    .iter()
                    .filter(|v| !v.is_null() && !str_of(v).is_empty())
                    .cloned()
                    .collect(),
            ))
        }),
        "chunklist" => Def::new(
            vec![p("list", list_of(Type::Dynamic)).marked(), p("size", Type::Number).marked()],
            Type::Dynamic,
            chunklist,
        )
        .type_fn(|a| Ok(list_of(Value::ty(&a[0])))),
        "one" => Def::new(vec![dynp("list")], Type::Dynamic, one).type_fn(|a| {
            match Value::ty(&a[0]) {
                Type::List(e) | Type::Set(e) => Ok(*e),
                Type::Tuple(ts) if ts.is_empty() => Ok(Type::Dynamic),
                Type::Tuple(ts) if ts.len() == 1 => Ok(ts[0].clone()),
                _ => Err(FuncError::arg(
                    0,
                    "must be a list, set, or tuple value with either zero or one elements",
                )),
            }
        }),
        "alltrue" => Def::new(vec![p("list", list_of(Type::Bool))], Type::Bool, |_, a, _| {
            for v in elems(&a[0]) {
                if v.is_unknown() {
                    return Ok(Value::Unknown(Type::Bool));
                }
                if v.is_null() || v.as_bool() == Some(false) {
                    return Ok(Value::Bool(false));
                }
            }
            Ok(Value::Bool(true))
        }),
        "anytrue" => Def::new(vec![p("list", list_of(Type::Bool))], Type::Bool, |_, a, _| {
            let mut unknown = false;
            for v in elems(&a[0]) {
                if v.is_unknown() {
                    unknown = true;
                    continue;
                }
                if v.as_bool() == Some(true) {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(if unknown { Value::Unknown(Type::Bool) } else { Value::Bool(false) })
        }),
        "matchkeys" => Def::new(
            vec![
                p("values", list_of(Type::Dynamic)),
                p("keys", list_of(Type::Dynamic)),
                p("searchset", list_of(Type::Dynamic)),
            ],
            Type::Dynamic,
            matchkeys,
        )
        .type_fn(|a| {
            unify(&[Value::ty(&a[1]), Value::ty(&a[2])])
                .ok_or_else(|| FuncError::fail("keys and searchset must be of the same type"))?;
            Ok(Value::ty(&a[0]))
        }),
        "list" => Def::new(vec![], Type::Dynamic, |_, _, _| unreachable!())
            .var(dynp("vals").unknown().dynamic().null())
            .type_fn(|_| Err(FuncError::fail("the \"list\" function was deprecated in Terraform v0.12 and is no longer available; use tolist([ ... ]) syntax to write a literal list"))),
        "map" => Def::new(vec![], Type::Dynamic, |_, _, _| unreachable!())
            .var(dynp("vals").unknown().dynamic().null())
            .type_fn(|_| Err(FuncError::fail("the \"map\" function was deprecated in Terraform v0.12 and is no longer available; use tomap({ ... }) syntax to write a literal map"))),
        _ => return None,
    })
}

fn length(_: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    let (v, marked) = a[0].clone().unmark();
    let out = match &v {
        Value::Unknown(Type::Tuple(ts)) => int(ts.len() as i64),
        Value::Unknown(Type::Object(o)) => int(o.attrs.len() as i64),
        Value::Unknown(_) => Value::Unknown(Type::Number),
        Value::String(x) => int(x.graphemes(true).count() as i64),
        Value::Tuple(xs) => int(xs.len() as i64),
        Value::Object(m) => int(m.len() as i64),
        Value::List(xs) => int(xs.len() as i64),
        Value::Set(xs) => {
            if xs.iter().any(|x| !x.is_wholly_known()) {
                Value::Unknown(Type::Number)
            } else {
                int(xs.len() as i64)
            }
        }
        Value::Map(m) => int(m.len() as i64),
        _ => {
            return Err(FuncError::fail(
                "argument must be a string, a collection type, or a structural type",
            ))
        }
    };
    Ok(out.mark_if(marked))
}

fn concat_type(a: &[Value]) -> Result<Type, FuncError> {
    if a.is_empty() {
        return Err(FuncError::fail("at least one argument is required"));
    }
    let tys: Vec<Type> = a.iter().map(Value::ty).collect();
    if tys.iter().all(|t| matches!(t, Type::List(_))) {
        if let Some(t) = unify(&tys) {
            return Ok(t);
        }
    }
    let mut etys = Vec::new();
    for (i, v) in a.iter().enumerate() {
        let (v, _) = v.clone().unmark_deep();
        match Value::ty(&v) {
            Type::Tuple(ts) => etys.extend(ts),
            Type::List(e) => {
                if v.is_unknown() {
                    return Ok(Type::Dynamic);
                }
                for _ in 0..elems(&v).len() {
                    etys.push((*e).clone());
                }
            }
            t => {
                return Err(FuncError::arg(
                    i,
                    format!(
                        "all arguments must be lists or tuples; got {}",
                        Type::friendly_name(&t)
                    ),
                ))
            }
        }
    }
    Ok(Type::Tuple(etys))
}

fn concat(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    let mut marked = false;
    let mut vals = Vec::new();
    let is_list = matches!(ret, Type::List(_));
    for (i, x) in a.into_iter().enumerate() {
        let x = if is_list {
            convert(x, ret).map_err(|m| FuncError::arg(i, m.message))?
        } else {
            x
        };
        let (x, m) = x.unmark();
        marked |= m;
        vals.extend(elems(&x).iter().cloned());
    }
    let out = if is_list {
        Value::List(vals)
    } else {
        Value::Tuple(vals)
    };
    Ok(out.mark_if(marked))
}

fn contains(_: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    if !crate::util::is_seq(&a[0]) {
        return Err(FuncError::fail("argument must be list, tuple, or set"));
    }
    let xs = elems(&a[0]);
    if xs.is_empty() {
        return Ok(Value::Bool(false));
    }
    if a[1].is_unknown() {
        return Ok(Value::Unknown(Type::Bool));
    }
    let mut unknown = false;
    for v in xs {
        match cty_equals(&a[1], v) {
            Some(true) => return Ok(Value::Bool(true)),
            None => unknown = true,
            _ => {}
        }
    }
    Ok(if unknown {
        Value::Unknown(Type::Bool)
    } else {
        Value::Bool(false)
    })
}

fn distinct(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    if !a[0].is_wholly_known() {
        return Ok(Value::Unknown(ret.clone()));
    }
    let mut out: Vec<Value> = Vec::new();
    for v in elems(&a[0]) {
        if !out.iter().any(|x| cty_equals(x, v) == Some(true)) {
            out.push(v.clone());
        }
    }
    Ok(Value::List(out))
}

fn element_type(a: &[Value]) -> Result<Type, FuncError> {
    match Value::ty(&a[0]) {
        Type::List(e) => Ok(*e),
        Type::Tuple(ts) => {
            if a[1].is_unknown() {
                return Ok(Type::Dynamic);
            }
            let i = to_int(&a[1]).map_err(|m| FuncError::fail(format!("invalid index: {m}")))?;
            if ts.is_empty() {
                return Err(FuncError::fail(
                    "cannot use element function with an empty list",
                ));
            }
            Ok(ts[wrap(i, ts.len())].clone())
        }
        t => Err(FuncError::fail(format!(
            "cannot read elements from {}",
            Type::friendly_name(&t)
        ))),
    }
}

fn element(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    let i = to_int(&a[1]).map_err(|m| FuncError::fail(format!("invalid index: {m}")))?;
    let (v, marked) = a[0].clone().unmark();
    if v.is_unknown() {
        return Ok(Value::Unknown(ret.clone()).mark_if(marked));
    }
    let xs = elems(&v);
    if xs.is_empty() {
        return Err(FuncError::fail(
            "cannot use element function with an empty list",
        ));
    }
    Ok(xs[wrap(i, xs.len())].clone().mark_if(marked))
}

/// An index modulo the length, counting from the end when negative.
fn wrap(i: i64, len: usize) -> usize {
    let r = i % len as i64;
    (if r < 0 { r + len as i64 } else { r }) as usize
}

fn flatten(_: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    fn go(v: &Value, out: &mut Vec<Value>, marked: &mut bool) -> bool {
        let (v, m) = v.clone().unmark();
        *marked |= m;
        if v.is_unknown() {
            return false;
        }
        let mut known = true;
        for x in elems(&v) {
            if matches!(x.peel(), Value::Unknown(Type::Dynamic)) {
                known = false;
            }
            match x.peel() {
                Value::List(_) | Value::Set(_) | Value::Tuple(_) => {
                    if !go(x, out, marked) {
                        known = false;
                    }
                }
                Value::Unknown(Type::List(_) | Type::Set(_) | Type::Tuple(_)) => {
                    if x.contains_sensitive() {
                        *marked = true;
                    }
                    known = false;
                }
                _ => out.push(x.clone()),
            }
        }
        known
    }
    let mut out = Vec::new();
    let mut marked = false;
    let known = go(&a[0], &mut out, &mut marked);
    if !known {
        return Ok(Value::Unknown(Type::Dynamic).mark_if(marked));
    }
    Ok(Value::Tuple(out).mark_if(marked))
}

fn index(_: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    if !matches!(Value::ty(&a[0]), Type::List(_) | Type::Tuple(_)) {
        return Err(FuncError::fail("argument must be a list or tuple"));
    }
    let xs = elems(&a[0]);
    if xs.is_empty() {
        return Err(FuncError::fail("cannot search an empty list"));
    }
    for (i, v) in xs.iter().enumerate() {
        match cty_equals(v, &a[1]) {
            None => return Ok(Value::Unknown(Type::Number)),
            Some(true) => return Ok(int(i as i64)),
            _ => {}
        }
    }
    Err(FuncError::fail("item not found"))
}

fn keys(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    let (m, marked) = a[0].clone().unmark();
    let out = match &m {
        Value::Unknown(Type::Object(o)) | Value::Null(Type::Object(o)) => {
            Value::Tuple(o.attrs.keys().map(|k| s(k.clone())).collect())
        }
        Value::Object(o) => Value::Tuple(o.keys().map(|k| s(k.clone())).collect()),
        Value::Unknown(_) => Value::Unknown(ret.clone()),
        Value::Map(o) => Value::List(o.keys().map(|k| s(k.clone())).collect()),
        _ => return Err(FuncError::arg(0, "must have map or object type")),
    };
    Ok(out.mark_if(marked))
}

fn values(_: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    let (m, marked) = a[0].clone().unmark();
    let out = match m {
        Value::Object(o) => Value::Tuple(o.into_values().collect()),
        Value::Map(o) => Value::List(o.into_values().collect()),
        _ => {
            return Err(FuncError::fail(
                "values() requires a map as the first argument",
            ))
        }
    };
    Ok(out.mark_if(marked))
}

fn lookup_type(a: &[Value]) -> Result<Type, FuncError> {
    if a.len() > 3 {
        return Err(FuncError::fail(format!(
            "lookup() takes two or three arguments, got {}",
            a.len()
        )));
    }
    match Value::ty(&a[0]) {
        Type::Object(o) => {
            if a[1].is_unknown() {
                return Ok(Type::Dynamic);
            }
            let key = a[1].as_str().unwrap_or("");
            if let Some(t) = o.attrs.get(key) {
                Ok(t.clone())
            } else if a.len() == 3 {
                Ok(Value::ty(&a[2]))
            } else {
                Err(FuncError::arg(
                    0,
                    format!("the given object has no attribute {key:?}"),
                ))
            }
        }
        Type::Map(e) => {
            if a.len() == 3 && convert(a[2].clone(), &e).is_err() {
                return Err(FuncError::arg(
                    2,
                    "the default value must have the same type as the map elements",
                ));
            }
            Ok(*e)
        }
        _ => Err(FuncError::arg(
            0,
            "lookup() requires a map as the first argument",
        )),
    }
}

fn lookup(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    let (map, map_marked) = a[0].clone().unmark();
    let (key, key_marked) = a[1].clone().unmark();
    let marked = map_marked || key_marked;
    let k = str_of(&key).to_string();
    if map.is_unknown() {
        return Ok(Value::Unknown(ret.clone()).mark_if(marked));
    }
    if let Some(v) = map.as_map().and_then(|m| m.get(&k)) {
        return Ok(v.clone().mark_if(marked));
    }
    if a.len() == 3 {
        let d = convert(a[2].clone(), ret).map_err(|e| FuncError::fail(e.message))?;
        return Ok(d.mark_if(marked));
    }
    let shown = if key_marked {
        "(sensitive value)".to_string()
    } else {
        format!("{k:?}")
    };
    Err(FuncError::fail(format!(
        "lookup failed to find key {shown}"
    )))
}

fn merge_type(a: &[Value]) -> Result<Type, FuncError> {
    if a.is_empty() {
        return Ok(Type::object(Vec::new()));
    }
    let mut attrs: BTreeMap<String, Type> = BTreeMap::new();
    let first = Value::ty(&a[0]);
    let mut matching = true;
    let mut attrs_known = true;
    for (i, v) in a.iter().enumerate() {
        let t = Value::ty(v);
        if t == Type::Dynamic {
            return Ok(Type::Dynamic);
        }
        match &t {
            Type::Object(o) => {
                if !v.is_null() {
                    for (k, at) in &o.attrs {
                        attrs.insert(k.clone(), at.clone());
                    }
                }
            }
            Type::Map(e) => {
                let v = v.peel();
                if v.is_null() {
                } else if v.is_unknown() {
                    attrs_known = false;
                } else if let Some(m) = v.as_map() {
                    for k in m.keys() {
                        attrs.insert(k.clone(), (**e).clone());
                    }
                }
            }
            _ => {
                return Err(FuncError::fail(format!(
                    "arguments must be maps or objects, got {:?}",
                    Type::friendly_name(&t)
                )))
            }
        }
        if i > 0 && !types_equal_loose(&t, &first) {
            matching = false;
        }
    }
    if matching {
        return Ok(first);
    }
    if !attrs_known {
        return Ok(Type::Dynamic);
    }
    Ok(Type::object(attrs))
}

fn merge(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    let mut out = BTreeMap::new();
    let mut marked = false;
    for v in a {
        if v.is_null() {
            continue;
        }
        let (v, m) = v.unmark();
        marked |= m;
        if let Some(map) = v.as_map() {
            for (k, x) in map {
                out.insert(k.clone(), x.clone());
            }
        }
    }
    let v = match ret {
        Type::Map(_) => Value::Map(out),
        _ => Value::Object(out),
    };
    Ok(v.mark_if(marked))
}

fn range(_: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    let n = |v: &Value| v.as_number().cloned().unwrap_or_default();
    let zero = Number::zero();
    let (start, end, step) = match a.len() {
        1 => {
            let e = n(&a[0]);
            let st = if e.cmp_num(&zero).is_lt() { -1 } else { 1 };
            (zero.clone(), e, Number::from(st as i64))
        }
        2 => {
            let (s0, e) = (n(&a[0]), n(&a[1]));
            let st = if e.cmp_num(&s0).is_lt() { -1 } else { 1 };
            (s0, e, Number::from(st as i64))
        }
        3 => (n(&a[0]), n(&a[1]), n(&a[2])),
        _ => return Err(FuncError::fail("must have one, two, or three arguments")),
    };
    let down = step.cmp_num(&zero).is_lt();
    if down {
        if end.cmp_num(&start).is_gt() {
            return Err(FuncError::arg(
                1,
                "end must be less than start when step is negative",
            ));
        }
    } else if end.cmp_num(&start).is_lt() {
        return Err(FuncError::arg(
            1,
            "end must be greater than start when step is positive",
        ));
    }
    let mut vals = Vec::new();
    let mut num = start;
    loop {
        if down {
            if num.cmp_num(&end).is_le() {
                break;
            }
        } else if num.cmp_num(&end).is_ge() {
            break;
        }
        if vals.len() >= 1024 {
            return Err(FuncError::fail("more than 1024 values were generated; either decrease the difference between start and end or use a smaller step"));
        }
        vals.push(Value::Number(num.clone()));
        num = num.add(&step);
    }
    Ok(Value::List(vals))
}

fn reverse(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    let (v, marked) = a[0].clone().unmark();
    let mut xs = elems(&v).to_vec();
    xs.reverse();
    let out = if matches!(ret, Type::Tuple(_)) {
        Value::Tuple(xs)
    } else {
        Value::List(xs)
    };
    Ok(out.mark_if(marked))
}
