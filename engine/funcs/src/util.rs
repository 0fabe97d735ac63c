//! Small helpers shared by the function families.

use hangar_core::{Number, Type, Value};
use unicode_normalization::UnicodeNormalization;

use crate::FuncError;

/// A string value, NFC-normalized as cty normalizes every string.
pub fn s(text: impl Into<String>) -> Value {
    let t: String = text.into();
    if t.is_ascii() {
        Value::String(t)
    } else {
        Value::String(t.nfc().collect())
    }
}

/// A number value from an integer (64-bit precision, like `cty.NumberIntVal`).
pub fn int(i: i64) -> Value {
    Value::Number(Number::from(i))
}

/// The string inside a (known, unmarked) string value.
pub fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// Elements of a list, set or tuple (empty otherwise).
pub fn elems(v: &Value) -> &[Value] {
    v.as_seq().unwrap_or(&[])
}

/// gocty's conversion of a number to a Go `int`.
pub fn to_int(v: &Value) -> Result<i64, String> {
    let n = v.as_number().ok_or_else(|| "number required".to_string())?;
    n.to_i64().ok_or_else(|| {
        "value must be a whole number, between -9223372036854775808 and 9223372036854775807"
            .to_string()
    })
}

/// gocty's conversion of a number to a Go `float64`.
pub fn to_f64(v: &Value) -> f64 {
    v.as_number().map(Number::to_f64).unwrap_or(f64::NAN)
}

/// A number value from an `f64` (53-bit, like `cty.NumberFloatVal`); NaN is an error.
pub fn float(f: f64) -> Result<Value, FuncError> {
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| FuncError::fail("the result is not a number (NaN)"))
}

/// Whether the value is a list, set or tuple.
pub fn is_seq(v: &Value) -> bool {
    matches!(v.peel(), Value::List(_) | Value::Set(_) | Value::Tuple(_))
}

/// The element type of a collection type, or dynamic.
pub fn elem_ty(t: &Type) -> Type {
    match t {
        Type::List(e) | Type::Set(e) | Type::Map(e) => (**e).clone(),
        _ => Type::Dynamic,
    }
}

/// cty's `Equals` for known values: types must match exactly (with numbers compared
/// numerically); `None` when unknowns decide it.
pub fn cty_equals(a: &Value, b: &Value) -> Option<bool> {
    let (a, b) = (a.peel(), b.peel());
    if a.is_unknown() || b.is_unknown() {
        return None;
    }
    let (ta, tb) = (crate::conv::type_of(a), crate::conv::type_of(b));
    if !types_equal_loose(&ta, &tb) {
        return Some(false);
    }
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
            let mut unknown = false;
            for (p, q) in x.iter().zip(y) {
                match cty_equals(p, q) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    _ => {}
                }
            }
            if unknown {
                None
            } else {
                Some(true)
            }
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() || !x.keys().eq(y.keys()) {
                return Some(false);
            }
            let mut unknown = false;
            for (p, q) in x.values().zip(y.values()) {
                match cty_equals(p, q) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    _ => {}
                }
            }
            if unknown {
                None
            } else {
                Some(true)
            }
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

/// cty's set-hash bytes of a value, which order sets of non-primitive elements.
pub fn set_hash_bytes(v: &Value, out: &mut String) {
    match v.peel() {
        Value::Unknown(_) => out.push('?'),
        Value::Null(_) => out.push('~'),
        Value::Number(n) => out.push_str(&n.text('g', 10)),
        Value::Bool(b) => out.push(if *b { 'T' } else { 'F' }),
        Value::String(x) => out.push_str(&crate::console::go_quote(x)),
        Value::Map(m) => {
            out.push('{');
            for (k, x) in m {
                out.push_str(&crate::console::go_quote(k));
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

/// cty's set order (`setRules.Less`).
pub fn cty_set_less(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
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

/// A set in cty's order, without duplicates (cty equality; unknowns never equal).
pub fn cty_set(items: Vec<Value>) -> Value {
    let marked = items.iter().any(Value::contains_sensitive);
    let items: Vec<Value> = if marked {
        items.into_iter().map(|x| x.unmark_deep().0).collect()
    } else {
        items
    };
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for x in items {
        if !out.iter().any(|y| cty_equals(y, &x) == Some(true)) {
            out.push(x);
        }
    }
    out.sort_by(cty_set_less);
    Value::Set(out).mark_if(marked)
}
