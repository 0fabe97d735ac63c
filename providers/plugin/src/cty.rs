//! cty types in their JSON form, as plugin schemas carry them, to and from Hangar's [`Type`].
//!
//! `"string"`, `"number"`, `"bool"`, `"dynamic"`, `["list", T]`, `["set", T]`, `["map", T]`,
//! `["tuple", [T, ...]]` and `["object", {name: T}]` with an optional third element listing
//! optional attributes. Capsule types (never used in provider schemas) are refused.

use std::collections::BTreeMap;

use hangar_core::types::ObjectType;
use hangar_core::Type;
use serde_json::Value as Json;

/// Why a type's JSON could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cty type {json}: {reason}")]
pub struct TypeError {
    /// The JSON that was given (shortened).
    pub json: String,
    /// What is wrong with it.
    pub reason: String,
}

fn bad(j: &Json, reason: &str) -> TypeError {
    let mut json = j.to_string();
    if json.len() > 120 {
        json.truncate(120);
        json.push('…');
    }
    TypeError {
        json,
        reason: reason.to_string(),
    }
}

/// Parses a type from its JSON bytes; fails on malformed JSON or an unknown type.
pub fn type_from_json_bytes(bytes: &[u8]) -> Result<Type, TypeError> {
    let j: Json = serde_json::from_slice(bytes).map_err(|e| TypeError {
        json: String::from_utf8_lossy(bytes).chars().take(120).collect(),
        reason: e.to_string(),
    })?;
    type_from_json(&j)
}

/// Reads a type from parsed JSON; fails on an unknown or malformed type.
pub fn type_from_json(j: &Json) -> Result<Type, TypeError> {
    match j {
        Json::String(s) => match s.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Dynamic),
            _ => Err(bad(j, "unknown primitive type")),
        },
        Json::Array(items) => {
            let kind = items.first().and_then(Json::as_str).unwrap_or_default();
            let arg = items.get(1).ok_or_else(|| bad(j, "missing element type"))?;
            match kind {
                "list" => Ok(Type::List(Box::new(type_from_json(arg)?))),
                "set" => Ok(Type::Set(Box::new(type_from_json(arg)?))),
                "map" => Ok(Type::Map(Box::new(type_from_json(arg)?))),
                "tuple" => {
                    let elems = arg.as_array().ok_or_else(|| bad(j, "tuple needs a list"))?;
                    Ok(Type::Tuple(
                        elems.iter().map(type_from_json).collect::<Result<_, _>>()?,
                    ))
                }
                "object" => {
                    let attrs = arg
                        .as_object()
                        .ok_or_else(|| bad(j, "object needs a map of attributes"))?;
                    let mut o = ObjectType {
                        attrs: attrs
                            .iter()
                            .map(|(k, v)| Ok((k.clone(), type_from_json(v)?)))
                            .collect::<Result<BTreeMap<_, _>, TypeError>>()?,
                        ..Default::default()
                    };
                    if let Some(opt) = items.get(2) {
                        let names = opt
                            .as_array()
                            .ok_or_else(|| bad(j, "optional attributes must be a list"))?;
                        for n in names {
                            let n = n.as_str().ok_or_else(|| bad(j, "optional name"))?;
                            o.optional.insert(n.to_string());
                        }
                    }
                    Ok(Type::Object(Box::new(o)))
                }
                _ => Err(bad(j, "unknown type kind")),
            }
        }
        _ => Err(bad(j, "a type is a string or a list")),
    }
}

/// The JSON form of a type (optional attributes listed as cty does).
pub fn type_to_json(t: &Type) -> Json {
    match t {
        Type::String => Json::from("string"),
        Type::Number => Json::from("number"),
        Type::Bool => Json::from("bool"),
        Type::Dynamic => Json::from("dynamic"),
        Type::List(e) => Json::Array(vec!["list".into(), type_to_json(e)]),
        Type::Set(e) => Json::Array(vec!["set".into(), type_to_json(e)]),
        Type::Map(e) => Json::Array(vec!["map".into(), type_to_json(e)]),
        Type::Tuple(es) => Json::Array(vec![
            "tuple".into(),
            Json::Array(es.iter().map(type_to_json).collect()),
        ]),
        Type::Object(o) => {
            let attrs = o
                .attrs
                .iter()
                .map(|(k, v)| (k.clone(), type_to_json(v)))
                .collect::<serde_json::Map<_, _>>();
            let mut out = vec!["object".into(), Json::Object(attrs)];
            if !o.optional.is_empty() {
                out.push(Json::Array(
                    o.optional.iter().map(|s| Json::from(s.as_str())).collect(),
                ));
            }
            Json::Array(out)
        }
    }
}

/// The type without optional-attribute markers at any depth: what a value on the wire has.
pub fn without_optional(t: &Type) -> Type {
    match t {
        Type::List(e) => Type::List(Box::new(without_optional(e))),
        Type::Set(e) => Type::Set(Box::new(without_optional(e))),
        Type::Map(e) => Type::Map(Box::new(without_optional(e))),
        Type::Tuple(es) => Type::Tuple(es.iter().map(without_optional).collect()),
        Type::Object(o) => Type::object(
            o.attrs
                .iter()
                .map(|(k, v)| (k.clone(), without_optional(v))),
        ),
        t => t.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind_and_writes_it_back() {
        let text = r#"["object",{"a":"string","b":["list",["map","number"]],"c":["set","bool"],"d":["tuple",["string","dynamic"]]},["b"]]"#;
        let t = type_from_json_bytes(text.as_bytes()).expect("valid");
        let Type::Object(o) = &t else {
            panic!("object expected")
        };
        assert!(o.optional.contains("b"));
        assert_eq!(
            o.attrs["b"],
            Type::List(Box::new(Type::Map(Box::new(Type::Number))))
        );
        let back = type_to_json(&t);
        assert_eq!(back, serde_json::from_str::<Json>(text).expect("json"));
    }

    #[test]
    fn refuses_unknown_types_with_the_json() {
        let e = type_from_json_bytes(br#"["capsule","x"]"#).expect_err("invalid");
        assert!(e.to_string().contains("capsule"), "{e}");
        assert!(type_from_json_bytes(b"\"strin\"").is_err());
        assert!(type_from_json_bytes(b"not json").is_err());
    }
}
