//! Values to and from JSON, and the `after_unknown`/`*_sensitive` mirrors of Terraform's plan JSON.
//!
//! JSON cannot say "unknown" or "sensitive", so Terraform encodes both beside the value: an
//! unknown attribute is omitted (or `null` inside a list) and `true` in a mirror that keeps only
//! the keys that are true and expands lists element by element. State and plans use the same
//! encoding. Decoding plain JSON gives tuples and objects; a schema or type turns them into lists,
//! sets and maps where that matters.

use serde_json::{Map, Number as JsonNumber, Value as Json};

use crate::number::Number;
use crate::value::Value;

/// The value as plain JSON: unknowns become `null` (dropped from objects), marks are removed.
pub fn to_json(v: &Value) -> Json {
    match v.peel() {
        Value::Null(_) | Value::Unknown(_) => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => number_to_json(n),
        Value::String(s) => Json::String(s.clone()),
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
            Json::Array(xs.iter().map(to_json).collect())
        }
        Value::Map(m) | Value::Object(m) => Json::Object(
            m.iter()
                .filter(|(_, v)| !v.is_unknown())
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
        Value::Sensitive(_) => unreachable!("peel removes marks"),
    }
}

/// [`to_json`] written straight to a serializer, without building the JSON tree first (a plan
/// streamed as JSON writes 100k objects).
#[derive(Debug, Clone, Copy)]
pub struct KnownJson<'a>(pub &'a Value);

impl serde::Serialize for KnownJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0.peel() {
            Value::Null(_) | Value::Unknown(_) => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => number_to_json(n).serialize(s),
            Value::String(t) => s.serialize_str(t),
            Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
                let mut seq = s.serialize_seq(Some(xs.len()))?;
                for x in xs {
                    seq.serialize_element(&KnownJson(x))?;
                }
                seq.end()
            }
            Value::Map(m) | Value::Object(m) => {
                let mut map = s.serialize_map(None)?;
                for (k, v) in m.iter().filter(|(_, v)| !v.is_unknown()) {
                    map.serialize_entry(k, &KnownJson(v))?;
                }
                map.end()
            }
            Value::Sensitive(_) => unreachable!("peel removes marks"),
        }
    }
}

/// A JSON number carrying every digit of `n`.
pub fn number_to_json(n: &Number) -> Json {
    let text = n.to_string();
    match serde_json::from_str::<JsonNumber>(&text) {
        Ok(num) => Json::Number(num),
        Err(_) => Json::String(text),
    }
}

/// Plain JSON as a value: arrays become tuples, objects become objects.
pub fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::NULL,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Number::parse(&n.to_string())
            .map(Value::Number)
            .unwrap_or(Value::NULL),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(xs) => Value::Tuple(xs.iter().map(from_json).collect()),
        Json::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// The `after_unknown` mirror of a value.
pub fn unknown_mirror(v: &Value) -> Json {
    mirror(v, &|v| matches!(v, Value::Unknown(_)))
}

/// The `*_sensitive` mirror of a value.
pub fn sensitive_mirror(v: &Value) -> Json {
    mirror(v, &|v| matches!(v, Value::Sensitive(_)))
}

fn mirror(v: &Value, hit: &dyn Fn(&Value) -> bool) -> Json {
    if hit(v) {
        return Json::Bool(true);
    }
    match v {
        Value::Unknown(t) => match t {
            crate::Type::Object(_) | crate::Type::Map(_) => Json::Object(Map::new()),
            crate::Type::List(_) | crate::Type::Set(_) | crate::Type::Tuple(_) => {
                Json::Array(Vec::new())
            }
            _ => Json::Bool(false),
        },
        Value::Sensitive(inner) => mirror(inner, hit),
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
            Json::Array(xs.iter().map(|x| mirror_elem(x, hit)).collect())
        }
        Value::Map(m) | Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let mx = mirror(x, hit);
                if mx != Json::Bool(false) {
                    out.insert(k.clone(), mx);
                }
            }
            Json::Object(out)
        }
        _ => Json::Bool(false),
    }
}

fn mirror_elem(v: &Value, hit: &dyn Fn(&Value) -> bool) -> Json {
    mirror(v, hit)
}

/// Paths (as lists of keys and indexes) of every sensitive mark, for state's `sensitive_attributes`.
pub fn sensitive_paths(v: &Value) -> Vec<Vec<Json>> {
    let mut out = Vec::new();
    walk_sensitive(v, &mut Vec::new(), &mut out);
    out
}

fn walk_sensitive(v: &Value, path: &mut Vec<Json>, out: &mut Vec<Vec<Json>>) {
    match v {
        Value::Sensitive(_) => out.push(path.clone()),
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
            for (i, x) in xs.iter().enumerate() {
                path.push(Json::from(i));
                walk_sensitive(x, path, out);
                path.pop();
            }
        }
        Value::Map(m) | Value::Object(m) => {
            for (k, x) in m {
                path.push(Json::String(k.clone()));
                walk_sensitive(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Puts sensitive marks back at `paths` (the inverse of [`sensitive_paths`]).
pub fn mark_paths(v: Value, paths: &[Vec<Json>]) -> Value {
    let mut v = v;
    for p in paths {
        v = mark_path(v, p);
    }
    v
}

fn mark_path(v: Value, path: &[Json]) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return v.sensitive();
    };
    match (v, first) {
        (Value::List(mut xs), Json::Number(i)) | (Value::Tuple(mut xs), Json::Number(i)) => {
            if let Some(slot) = i.as_u64().and_then(|i| xs.get_mut(i as usize)) {
                let old = std::mem::replace(slot, Value::NULL);
                *slot = mark_path(old, rest);
            }
            Value::Tuple(xs)
        }
        (Value::Object(mut m), Json::String(k)) | (Value::Map(mut m), Json::String(k)) => {
            if let Some(slot) = m.get_mut(k) {
                let old = std::mem::replace(slot, Value::NULL);
                *slot = mark_path(old, rest);
            }
            Value::Object(m)
        }
        (v, _) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mirrors_follow_terraform_encoding() {
        let v = Value::Object(
            [
                ("id".to_string(), Value::unknown()),
                ("input".to_string(), Value::string("x")),
                (
                    "list".to_string(),
                    Value::Tuple(vec![Value::string("a"), Value::unknown()]),
                ),
            ]
            .into(),
        );
        assert_eq!(to_json(&v), json!({"input": "x", "list": ["a", null]}));
        assert_eq!(
            unknown_mirror(&v),
            json!({"id": true, "list": [false, true]})
        );
        assert_eq!(sensitive_mirror(&v), json!({"list": [false, false]}));
    }

    #[test]
    fn known_json_writes_what_to_json_builds() {
        let v = Value::Object(
            [
                ("id".to_string(), Value::unknown()),
                (
                    "n".to_string(),
                    Value::Number(Number::parse("0.1").expect("number")),
                ),
                ("s".to_string(), Value::string("x\"y").sensitive()),
                (
                    "l".to_string(),
                    Value::List(vec![Value::Bool(true), Value::unknown(), Value::NULL]),
                ),
                (
                    "m".to_string(),
                    Value::Map([("k".to_string(), Value::int(3))].into()),
                ),
            ]
            .into(),
        );
        let written = serde_json::to_string(&KnownJson(&v)).expect("serializes");
        assert_eq!(written, to_json(&v).to_string());
        assert_eq!(
            written,
            r#"{"l":[true,null,null],"m":{"k":3},"n":0.1,"s":"x\"y"}"#
        );
    }

    #[test]
    fn sensitive_paths_round_trip() {
        let v = Value::Object([("p".to_string(), Value::string("s").sensitive())].into());
        let paths = sensitive_paths(&v);
        assert_eq!(paths, vec![vec![json!("p")]]);
        let plain = from_json(&to_json(&v));
        assert_eq!(mark_paths(plain, &paths), v);
    }
}
