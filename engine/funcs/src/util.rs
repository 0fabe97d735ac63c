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
