//! Set functions: `setunion`, `setintersection`, `setsubtract` and `setproduct`, with cty's
//! element-type unification and ordering.

use crate::collection::{list_of, set_of};
use crate::util::{elem_ty, elems};
use crate::{Call, FuncError};
use hangar_core::convert::{convert, unify};
use hangar_core::set::cty_equals;
use hangar_core::{Type, Value};

#[derive(Clone, Copy)]
pub(crate) enum SetOp {
    Union,
    Intersect,
    Subtract,
}

pub(crate) fn set_op_type(a: &[Value]) -> Result<Type, FuncError> {
    let mut etys = Vec::new();
    for v in a {
        let t = elem_ty(&Value::ty(v));
        if !v.is_unknown() && elems(v).is_empty() && t == Type::Dynamic {
            continue;
        }
        etys.push(t);
    }
    if etys.is_empty() {
        return Ok(set_of(Type::Dynamic));
    }
    let e = unify(&etys)
        .ok_or_else(|| FuncError::fail("given sets must all have compatible element types"))?;
    Ok(set_of(e))
}

pub(crate) fn set_op(a: Vec<Value>, ret: &Type, op: SetOp) -> Result<Value, FuncError> {
    let mut it = a.into_iter().enumerate();
    let (_, first) = it.next().expect("one set");
    let first = convert(first, ret).map_err(|m| FuncError::arg(0, m.message))?;
    let all_known = matches!(op, SetOp::Union);
    if !all_known && !first.is_wholly_known() {
        return Ok(Value::Unknown(ret.clone()));
    }
    let mut acc: Vec<Value> = elems(&first).to_vec();
    for (i, x) in it {
        let x = convert(x, ret).map_err(|m| FuncError::arg(i, m.message))?;
        if !all_known && !x.is_wholly_known() {
            return Ok(Value::Unknown(ret.clone()));
        }
        let other = elems(&x);
        let has = |xs: &[Value], v: &Value| xs.iter().any(|y| cty_equals(y, v) == Some(true));
        acc = match op {
            SetOp::Union => {
                let mut u = acc;
                u.extend(other.iter().cloned());
                u
            }
            SetOp::Intersect => acc.into_iter().filter(|v| has(other, v)).collect(),
            SetOp::Subtract => acc.into_iter().filter(|v| !has(other, v)).collect(),
        };
    }
    Ok(Value::cty_set(acc))
}

pub(crate) fn setproduct_type(a: &[Value]) -> Result<Type, FuncError> {
    if a.len() < 2 {
        return Err(FuncError::fail("at least two arguments are required"));
    }
    let mut lists = 0;
    let mut etys = Vec::new();
    for (i, v) in a.iter().enumerate() {
        match Value::ty(v) {
            Type::Set(e) => etys.push(*e),
            Type::List(e) => {
                etys.push(*e);
                lists += 1;
            }
            Type::Tuple(ts) => {
                if ts.is_empty() {
                    etys.push(Type::Dynamic);
                } else {
                    etys.push(unify(&ts).ok_or_else(|| {
                        FuncError::arg(i, "all elements must be of the same type")
                    })?);
                }
                lists += 1;
            }
            _ => return Err(FuncError::arg(i, "a set or a list is required")),
        }
    }
    let t = Type::Tuple(etys);
    Ok(if lists == a.len() {
        list_of(t)
    } else {
        set_of(t)
    })
}

pub(crate) fn setproduct(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    let ety = elem_ty(ret);
    let sub = match &ety {
        Type::Tuple(ts) => ts.clone(),
        _ => Vec::new(),
    };
    let mut marked = false;
    let mut seqs = Vec::new();
    for x in a {
        let (x, m) = x.unmark();
        marked |= m;
        if x.is_unknown() {
            return Ok(Value::Unknown(ret.clone()).mark_if(marked));
        }
        seqs.push(elems(&x).to_vec());
    }
    let total: usize = seqs.iter().map(Vec::len).product();
    let mut out = Vec::with_capacity(total);
    if total > 0 {
        let mut idx = vec![0usize; seqs.len()];
        for _ in 0..total {
            let mut tuple = Vec::with_capacity(seqs.len());
            for (j, &n) in idx.iter().enumerate() {
                let v = seqs[j][n].clone();
                let v = match sub.get(j) {
                    Some(t) => convert(v.clone(), t).unwrap_or(v),
                    None => v,
                };
                tuple.push(v);
            }
            out.push(Value::Tuple(tuple));
            for j in (0..idx.len()).rev() {
                idx[j] += 1;
                if idx[j] < seqs[j].len() {
                    break;
                }
                idx[j] = 0;
            }
        }
    }
    let v = if matches!(ret, Type::List(_)) {
        Value::List(out)
    } else {
        Value::cty_set(out)
    };
    Ok(v.mark_if(marked))
}
