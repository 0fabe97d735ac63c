//! cty's set rules: which elements are equal, and the order a set's elements are kept in.
//!
//! Terraform stores sets through cty, so two sets are the same set when cty says so and print in
//! cty's order: nulls and unknowns last, strings lexically, numbers numerically, `false` before
//! `true`, and anything else by cty's set-hash bytes. [`Value::set`](crate::Value::set) builds
//! sets with these rules. This module leaves out cty's hashing into buckets: only the resulting
//! order and equality matter to Hangar.

use std::cmp::Ordering;

use crate::quote::go_quote;
use crate::types::Type;
use crate::value::Value;

/// cty's `Equals` for values: types must match (an empty collection matches any element type)
/// and numbers compare numerically; `None` when unknowns decide it. Marks are ignored.
pub fn cty_equals(a: &Value, b: &Value) -> Option<bool> {
    let (a, b) = (a.peel(), b.peel());
    if a.is_unknown() || b.is_unknown() {
        return None;
    }
    if !types_equal_loose(&a.ty(), &b.ty()) {
        return Some(false);
    }
    let all = |pairs: &mut dyn Iterator<Item = (&Value, &Value)>| {
        let mut unknown = false;
        for (p, q) in pairs {
            match cty_equals(p, q) {
                Some(false) => return Some(false),
                None => unknown = true,
                Some(true) => {}
            }
        }
        if unknown {
            None
        } else {
            Some(true)
        }
    };
    match (a, b) {
        (Value::Null(_), Value::Null(_)) => Some(true),
        (Value::Null(_), _) | (_, Value::Null(_)) => Some(false),
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Number(x), Value::Number(y)) => Some(x.cmp_num(y).is_eq()),
        (Value::String(x), Value::String(y)) => Some(x == y),
        (Value::List(x), Value::List(y))
        | (Value::Tuple(x), Value::Tuple(y))
        | (Value::Set(x), Value::Set(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            all(&mut x.iter().zip(y))
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() || !x.keys().eq(y.keys()) {
                return Some(false);
            }
            all(&mut x.values().zip(y.values()))
        }
        _ => Some(false),
    }
}

/// Type equality where an empty collection's unknown element type matches any element type.
pub fn types_equal_loose(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Dynamic, _) | (_, Type::Dynamic) => true,
        (Type::List(x), Type::List(y))
        | (Type::Set(x), Type::Set(y))
        | (Type::Map(x), Type::Map(y)) => types_equal_loose(x, y),
        (Type::Tuple(x), Type::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| types_equal_loose(p, q))
        }
        (Type::Object(x), Type::Object(y)) => {
            x.attrs.len() == y.attrs.len()
                && x.attrs
                    .iter()
                    .zip(&y.attrs)
                    .all(|((k1, t1), (k2, t2))| k1 == k2 && types_equal_loose(t1, t2))
        }
        _ => a == b,
    }
}

/// cty's set order (`setRules.Less`): nulls, then unknowns, go last; primitives by value;
/// anything else by its set-hash bytes.
pub fn set_order(a: &Value, b: &Value) -> Ordering {
    let (pa, pb) = (a.peel(), b.peel());
    match (pa.is_null(), pb.is_null()) {
        (true, true) => return Ordering::Equal,
        (false, true) => return Ordering::Less,
        (true, false) => return Ordering::Greater,
        _ => {}
    }
    match (pa.is_unknown(), pb.is_unknown()) {
        (true, true) => return Ordering::Equal,
        (false, true) => return Ordering::Less,
        (true, false) => return Ordering::Greater,
        _ => {}
    }
    match (pa, pb) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x.cmp_num(y),
        _ => {
            let (mut ha, mut hb) = (String::new(), String::new());
            set_hash_bytes(pa, &mut ha);
            set_hash_bytes(pb, &mut hb);
            ha.as_bytes().cmp(hb.as_bytes())
        }
    }
}

/// cty's set-hash bytes of a value (`makeSetHashBytes`), which order non-primitive elements.
fn set_hash_bytes(v: &Value, out: &mut String) {
    match v.peel() {
        Value::Unknown(_) => out.push('?'),
        Value::Null(_) => out.push('~'),
        Value::Number(n) => out.push_str(&n.text('g', 10)),
        Value::Bool(b) => out.push(if *b { 'T' } else { 'F' }),
        Value::String(x) => out.push_str(&go_quote(x)),
        Value::Map(m) => {
            out.push('{');
            for (k, x) in m {
                out.push_str(&go_quote(k));
                out.push(':');
                set_hash_bytes(x, out);
                out.push(';');
            }
            out.push('}');
        }
        Value::List(xs) | Value::Set(xs) => {
            out.push('[');
            for x in xs {
                set_hash_bytes(x, out);
                out.push(';');
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('<');
            for x in m.values() {
                set_hash_bytes(x, out);
                out.push(';');
            }
            out.push('>');
        }
        Value::Tuple(xs) => {
            out.push('<');
            for x in xs {
                set_hash_bytes(x, out);
                out.push(';');
            }
            out.push('>');
        }
        Value::Sensitive(_) => {}
    }
}

/// Puts `items` in cty's set order and drops the ones cty considers equal to an earlier one
/// (unknowns are never equal to anything).
pub(crate) fn canonical(mut items: Vec<Value>) -> Vec<Value> {
    items.sort_by(set_order);
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    // Equal elements sort next to each other: compare only within the run of elements the
    // order cannot tell apart.
    let mut run_start = 0;
    for x in items {
        if let Some(last) = out.last() {
            if set_order(last, &x) != Ordering::Equal {
                run_start = out.len();
            }
        }
        if !out[run_start..]
            .iter()
            .any(|y| cty_equals(y, &x) == Some(true))
        {
            out.push(x);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_order_like_cty_and_drop_equal_elements() {
        let s = Value::set(vec![
            Value::Null(Type::Number),
            Value::unknown(),
            Value::int(10),
            Value::int(2),
            Value::Number(crate::Number::parse("2.0").expect("number")),
        ]);
        assert_eq!(
            s,
            Value::Set(vec![
                Value::int(2),
                Value::int(10),
                Value::unknown(),
                Value::Null(Type::Number)
            ])
        );
        let two_unknowns = Value::set(vec![Value::unknown(), Value::unknown()]);
        assert_eq!(two_unknowns.as_seq().map(<[Value]>::len), Some(2));
    }

    #[test]
    fn structural_elements_order_by_hash_bytes() {
        let obj = |n: i64| Value::Object([("a".to_string(), Value::int(n))].into());
        let s = Value::set(vec![obj(2), obj(1), obj(2)]);
        assert_eq!(s, Value::Set(vec![obj(1), obj(2)]));
    }
}
