//! Reading and building [`Value`]s the way every provider's resources need them.
//!
//! Readers are forgiving: a missing attribute, a null or an unknown reads as "not set", and the
//! sensitive mark is looked through. Builders produce the exact shapes the engine's body
//! evaluation produces (sets in canonical order, maps for `map(string)`), so a value read back
//! from the cloud compares equal to the configuration it came from.

use std::collections::BTreeMap;

use hangar_core::{Type, Value};

/// The attribute `name` of `v`, unmarked; null when absent.
pub fn get<'a>(v: &'a Value, name: &str) -> &'a Value {
    static NULL: Value = Value::NULL;
    v.peel().get_attr(name).map(Value::peel).unwrap_or(&NULL)
}

/// The string attribute `name`, when set and known.
pub fn string(v: &Value, name: &str) -> Option<String> {
    get(v, name).as_str().map(str::to_string)
}

/// The bool attribute `name`, when set and known.
pub fn boolean(v: &Value, name: &str) -> Option<bool> {
    get(v, name).as_bool()
}

/// The whole-number attribute `name`, when set, known and integral.
pub fn int(v: &Value, name: &str) -> Option<i64> {
    get(v, name).as_number().and_then(|n| n.to_i64())
}

/// The strings of a list or set attribute (non-strings skipped); empty when unset.
pub fn strings(v: &Value, name: &str) -> Vec<String> {
    get(v, name)
        .as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(|x| x.peel().as_str().map(str::to_string))
        .collect()
}

/// The entries of a `map(string)` attribute; empty when unset.
pub fn string_map(v: &Value, name: &str) -> BTreeMap<String, String> {
    map_of(get(v, name))
}

/// The entries of a map-like value whose values are strings.
pub fn map_of(v: &Value) -> BTreeMap<String, String> {
    v.peel()
        .as_map()
        .map(|m| {
            m.iter()
                .filter_map(|(k, x)| x.peel().as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The first (only) object of a nested block `name`, whether modelled as a list or single.
pub fn block<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    let b = get(v, name);
    match b {
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => xs.first().map(Value::peel),
        Value::Object(_) => Some(b),
        _ => None,
    }
}

/// All objects of a nested block `name` (list, set or single).
pub fn blocks<'a>(v: &'a Value, name: &str) -> Vec<&'a Value> {
    match get(v, name) {
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => xs.iter().map(Value::peel).collect(),
        b @ Value::Object(_) => vec![b],
        _ => Vec::new(),
    }
}

/// An object from name/value pairs.
pub fn object<I, K>(pairs: I) -> Value
where
    I: IntoIterator<Item = (K, Value)>,
    K: Into<String>,
{
    Value::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

/// A string or a typed null.
pub fn opt_string(s: Option<impl Into<String>>) -> Value {
    s.map_or(Value::Null(Type::String), |s| Value::String(s.into()))
}

/// A bool or a typed null.
pub fn opt_bool(b: Option<bool>) -> Value {
    b.map_or(Value::Null(Type::Bool), Value::Bool)
}

/// A number or a typed null.
pub fn opt_int(i: Option<i64>) -> Value {
    i.map_or(Value::Null(Type::Number), Value::int)
}

/// A `set(string)`.
pub fn string_set<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::set(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// A `list(string)`.
pub fn string_list<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::List(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// A `map(string)`.
pub fn string_map_value(m: &BTreeMap<String, String>) -> Value {
    Value::Map(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// What the cloud answered for an optional collection, shaped like what was recorded: an
/// empty answer stays null when the recorded value was null (the argument was not set).
pub fn empty_as_prior(read: Value, prior: &Value) -> Value {
    let empty = match &read {
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => xs.is_empty(),
        Value::Map(m) | Value::Object(m) => m.is_empty(),
        Value::Null(_) => true,
        _ => false,
    };
    if empty && prior.peel().is_null() {
        prior.peel().clone()
    } else if empty {
        match prior.peel() {
            Value::Set(_) => Value::Set(Vec::new()),
            Value::List(_) | Value::Tuple(_) => Value::List(Vec::new()),
            Value::Map(_) | Value::Object(_) => Value::Map(BTreeMap::new()),
            _ => read,
        }
    } else {
        read
    }
}

/// `v` with attribute `name` set to `x` (no-op unless `v` is an object).
pub fn with(mut v: Value, name: &str, x: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert(name.to_string(), x);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_look_through_marks_and_blocks() {
        let v = object([
            ("s", Value::string("x").sensitive()),
            ("l", Value::List(vec![object([("n", Value::int(3))])])),
            ("u", Value::unknown()),
        ]);
        assert_eq!(string(&v, "s").as_deref(), Some("x"));
        assert_eq!(block(&v, "l").and_then(|b| int(b, "n")), Some(3));
        assert_eq!(string(&v, "u"), None);
        assert_eq!(string(&v, "missing"), None);
    }

    #[test]
    fn empty_answers_keep_the_recorded_shape() {
        assert!(empty_as_prior(string_set(Vec::<String>::new()), &Value::NULL).is_null());
        assert_eq!(
            empty_as_prior(Value::List(vec![]), &Value::Set(vec![])),
            Value::Set(vec![])
        );
        let some = string_set(["a"]);
        assert_eq!(empty_as_prior(some.clone(), &Value::NULL), some);
    }
}
