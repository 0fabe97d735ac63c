//! `DynamicValue` payloads: Hangar [`Value`]s to and from cty's MessagePack encoding, and from
//! its JSON encoding (which plugins may answer with).
//!
//! Encoding follows a type, as cty's does (Terraform's `docs/plugin-protocol/object-wire-format.md`):
//! null is `nil`; an unknown value is extension type 0; a number is an integer when it is one
//! that fits 64 bits, else a float64 when that is exact, else its decimal string; lists, sets and
//! tuples are arrays; maps and objects are maps (an object always with every attribute of its
//! type, missing ones as null); a value of type `dynamic` is the two-element array
//! `[type JSON, value]`. Decoding also accepts extension type 12 (an unknown with refinements,
//! which Hangar does not keep) and numbers in any of the three forms.
//!
//! Sensitive marks have no wire form: encoding drops them; [`crate::schema`] puts them back from
//! the schema after decoding. Capsule types and unknowns inside JSON are not supported.

use std::collections::BTreeMap;

use hangar_core::convert::convert;
use hangar_core::{Number, Type, Value};
use rmp::Marker;
use serde_json::Value as Json;

use crate::cty::{type_from_json, type_from_json_bytes, type_to_json};

/// A value that does not match its type, or bytes that are not a value of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("at {path}: ") })]
pub struct ValueError {
    /// Where in the value (`.tags["x"]`, `.rule[0].id`); empty for the whole value.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn verr(path: &str, message: impl Into<String>) -> ValueError {
    ValueError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// Encodes `value` as a value of `ty` in cty's MessagePack form; fails when it cannot be one.
pub fn to_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::new();
    encode(&mut out, value, ty, "")?;
    Ok(out)
}

fn write<T, E: std::fmt::Debug>(r: Result<T, E>) {
    // Writing into a Vec<u8> cannot fail.
    debug_assert!(r.is_ok(), "{:?}", r.err());
}

fn encode(out: &mut Vec<u8>, value: &Value, ty: &Type, path: &str) -> Result<(), ValueError> {
    let value = value.peel();
    match value {
        Value::Unknown(_) => {
            write(rmp::encode::write_ext_meta(out, 1, 0));
            out.push(0);
            return Ok(());
        }
        Value::Null(_) => {
            write(rmp::encode::write_nil(out));
            return Ok(());
        }
        _ => {}
    }
    match ty {
        Type::Dynamic => {
            let actual = value.ty();
            write(rmp::encode::write_array_len(out, 2));
            let tj = type_to_json(&actual).to_string();
            write(rmp::encode::write_bin(out, tj.as_bytes()));
            encode(out, value, &actual, path)
        }
        Type::String | Type::Number | Type::Bool => {
            let v = convert(value.clone(), ty).map_err(|e| verr(path, e.to_string()))?;
            match v.peel() {
                Value::String(s) => write(rmp::encode::write_str(out, s)),
                Value::Bool(b) => write(rmp::encode::write_bool(out, *b)),
                Value::Number(n) => encode_number(out, n),
                other => return Err(verr(path, format!("unexpected {other:?}"))),
            }
            Ok(())
        }
        Type::List(et) | Type::Set(et) => {
            let items = value
                .as_seq()
                .ok_or_else(|| verr(path, format!("{} required", ty.friendly_name())))?;
            write(rmp::encode::write_array_len(out, items.len() as u32));
            for (i, x) in items.iter().enumerate() {
                encode(out, x, et, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        Type::Tuple(ts) => {
            let items = value.as_seq().ok_or_else(|| verr(path, "tuple required"))?;
            if items.len() != ts.len() {
                return Err(verr(
                    path,
                    format!(
                        "tuple of {} elements required, have {}",
                        ts.len(),
                        items.len()
                    ),
                ));
            }
            write(rmp::encode::write_array_len(out, items.len() as u32));
            for (i, (x, t)) in items.iter().zip(ts).enumerate() {
                encode(out, x, t, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        Type::Map(et) => {
            let m = value
                .as_map()
                .ok_or_else(|| verr(path, format!("{} required", ty.friendly_name())))?;
            write(rmp::encode::write_map_len(out, m.len() as u32));
            for (k, x) in m {
                write(rmp::encode::write_str(out, k));
                encode(out, x, et, &format!("{path}[\"{k}\"]"))?;
            }
            Ok(())
        }
        Type::Object(o) => {
            let m = value
                .as_map()
                .ok_or_else(|| verr(path, "object required"))?;
            if let Some(extra) = m.keys().find(|k| !o.attrs.contains_key(*k)) {
                return Err(verr(path, format!("unsupported attribute \"{extra}\"")));
            }
            write(rmp::encode::write_map_len(out, o.attrs.len() as u32));
            for (k, t) in &o.attrs {
                write(rmp::encode::write_str(out, k));
                let p = format!("{path}.{k}");
                match m.get(k) {
                    Some(x) => encode(out, x, t, &p)?,
                    None => write(rmp::encode::write_nil(out)),
                }
            }
            Ok(())
        }
    }
}

fn encode_number(out: &mut Vec<u8>, n: &Number) {
    if n.is_integer() {
        if let Some(i) = n.to_i64() {
            write(rmp::encode::write_sint(out, i));
            return;
        }
    }
    let f = n.to_f64();
    if f.is_finite() && Number::from_f64(f).is_some_and(|g| g == *n) {
        write(rmp::encode::write_f64(out, f));
        return;
    }
    write(rmp::encode::write_str(out, &n.to_string()));
}

/// Decodes cty MessagePack bytes as a value of `ty`; fails on bytes that are not one.
pub fn from_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let mut rd = Reader { buf: bytes, pos: 0 };
    let v = rd.value(ty, "")?;
    if rd.pos != bytes.len() {
        return Err(verr("", format!("{} trailing bytes", bytes.len() - rd.pos)));
    }
    Ok(v)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// One decoded MessagePack item's head.
enum Head {
    Nil,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(usize),
    Bin(usize),
    Array(usize),
    Map(usize),
    Ext(i8, usize),
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, path: &str) -> Result<&'a [u8], ValueError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| verr(path, "truncated MessagePack"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn uint(&mut self, n: usize, path: &str) -> Result<u64, ValueError> {
        let b = self.take(n, path)?;
        Ok(b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)))
    }

    fn head(&mut self, path: &str) -> Result<Head, ValueError> {
        let m = Marker::from_u8(self.take(1, path)?[0]);
        Ok(match m {
            Marker::Null => Head::Nil,
            Marker::True => Head::Bool(true),
            Marker::False => Head::Bool(false),
            Marker::FixPos(v) => Head::Int(i128::from(v)),
            Marker::FixNeg(v) => Head::Int(i128::from(v)),
            Marker::U8 => Head::Int(i128::from(self.uint(1, path)?)),
            Marker::U16 => Head::Int(i128::from(self.uint(2, path)?)),
            Marker::U32 => Head::Int(i128::from(self.uint(4, path)?)),
            Marker::U64 => Head::Int(i128::from(self.uint(8, path)?)),
            Marker::I8 => Head::Int(i128::from(self.uint(1, path)? as u8 as i8)),
            Marker::I16 => Head::Int(i128::from(self.uint(2, path)? as u16 as i16)),
            Marker::I32 => Head::Int(i128::from(self.uint(4, path)? as u32 as i32)),
            Marker::I64 => Head::Int(i128::from(self.uint(8, path)? as i64)),
            Marker::F32 => Head::Float(f64::from(f32::from_bits(self.uint(4, path)? as u32))),
            Marker::F64 => Head::Float(f64::from_bits(self.uint(8, path)?)),
            Marker::FixStr(n) => Head::Str(usize::from(n)),
            Marker::Str8 => Head::Str(self.uint(1, path)? as usize),
            Marker::Str16 => Head::Str(self.uint(2, path)? as usize),
            Marker::Str32 => Head::Str(self.uint(4, path)? as usize),
            Marker::Bin8 => Head::Bin(self.uint(1, path)? as usize),
            Marker::Bin16 => Head::Bin(self.uint(2, path)? as usize),
            Marker::Bin32 => Head::Bin(self.uint(4, path)? as usize),
            Marker::FixArray(n) => Head::Array(usize::from(n)),
            Marker::Array16 => Head::Array(self.uint(2, path)? as usize),
            Marker::Array32 => Head::Array(self.uint(4, path)? as usize),
            Marker::FixMap(n) => Head::Map(usize::from(n)),
            Marker::Map16 => Head::Map(self.uint(2, path)? as usize),
            Marker::Map32 => Head::Map(self.uint(4, path)? as usize),
            Marker::FixExt1 => Head::Ext(self.uint(1, path)? as u8 as i8, 1),
            Marker::FixExt2 => Head::Ext(self.uint(1, path)? as u8 as i8, 2),
            Marker::FixExt4 => Head::Ext(self.uint(1, path)? as u8 as i8, 4),
            Marker::FixExt8 => Head::Ext(self.uint(1, path)? as u8 as i8, 8),
            Marker::FixExt16 => Head::Ext(self.uint(1, path)? as u8 as i8, 16),
            Marker::Ext8 => {
                let n = self.uint(1, path)? as usize;
                Head::Ext(self.uint(1, path)? as u8 as i8, n)
            }
            Marker::Ext16 => {
                let n = self.uint(2, path)? as usize;
                Head::Ext(self.uint(1, path)? as u8 as i8, n)
            }
            Marker::Ext32 => {
                let n = self.uint(4, path)? as usize;
                Head::Ext(self.uint(1, path)? as u8 as i8, n)
            }
            Marker::Reserved => return Err(verr(path, "invalid MessagePack marker 0xc1")),
        })
    }

    fn string(&mut self, n: usize, path: &str) -> Result<String, ValueError> {
        let b = self.take(n, path)?;
        String::from_utf8(b.to_vec()).map_err(|_| verr(path, "string is not UTF-8"))
    }

    fn key(&mut self, path: &str) -> Result<String, ValueError> {
        match self.head(path)? {
            Head::Str(n) | Head::Bin(n) => self.string(n, path),
            _ => Err(verr(path, "map key is not a string")),
        }
    }

    fn value(&mut self, ty: &Type, path: &str) -> Result<Value, ValueError> {
        let head = self.head(path)?;
        match head {
            Head::Nil => return Ok(Value::Null(ty.clone())),
            Head::Ext(code, n) => {
                self.take(n, path)?;
                return if code == 0 || code == 12 {
                    Ok(Value::Unknown(ty.clone()))
                } else {
                    Err(verr(
                        path,
                        format!("unsupported MessagePack extension {code}"),
                    ))
                };
            }
            _ => {}
        }
        let mismatch = |what: &str| {
            verr(
                path,
                format!("{} required, but have {what}", ty.friendly_name()),
            )
        };
        match ty {
            Type::Dynamic => {
                let Head::Array(2) = head else {
                    return Err(verr(path, "dynamic value must be [type, value]"));
                };
                let tj = match self.head(path)? {
                    Head::Str(n) | Head::Bin(n) => self.take(n, path)?,
                    _ => return Err(verr(path, "dynamic value's type must be bytes")),
                };
                let actual = type_from_json_bytes(tj).map_err(|e| verr(path, e.to_string()))?;
                self.value(&actual, path)
            }
            Type::String => match head {
                Head::Str(n) | Head::Bin(n) => Ok(Value::String(self.string(n, path)?)),
                _ => Err(mismatch("another kind")),
            },
            Type::Bool => match head {
                Head::Bool(b) => Ok(Value::Bool(b)),
                _ => Err(mismatch("another kind")),
            },
            Type::Number => match head {
                Head::Int(i) => Ok(Value::Number(match i64::try_from(i) {
                    Ok(i) => Number::from(i),
                    Err(_) => Number::from(i as u64),
                })),
                Head::Float(f) => Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| verr(path, "number is NaN")),
                Head::Str(n) => {
                    let s = self.string(n, path)?;
                    Number::parse(&s)
                        .map(Value::Number)
                        .map_err(|e| verr(path, e.to_string()))
                }
                _ => Err(mismatch("another kind")),
            },
            Type::List(et) | Type::Set(et) => {
                let Head::Array(n) = head else {
                    return Err(mismatch("a non-array"));
                };
                let mut xs = Vec::with_capacity(n.min(4096));
                for i in 0..n {
                    xs.push(self.value(et, &format!("{path}[{i}]"))?);
                }
                Ok(if matches!(ty, Type::List(_)) {
                    Value::List(xs)
                } else {
                    Value::set(xs)
                })
            }
            Type::Tuple(ts) => {
                let Head::Array(n) = head else {
                    return Err(mismatch("a non-array"));
                };
                if n != ts.len() {
                    return Err(verr(
                        path,
                        format!("tuple of {} elements, have {n}", ts.len()),
                    ));
                }
                let mut xs = Vec::with_capacity(n);
                for (i, t) in ts.iter().enumerate() {
                    xs.push(self.value(t, &format!("{path}[{i}]"))?);
                }
                Ok(Value::Tuple(xs))
            }
            Type::Map(et) => {
                let Head::Map(n) = head else {
                    return Err(mismatch("a non-map"));
                };
                let mut m = BTreeMap::new();
                for _ in 0..n {
                    let k = self.key(path)?;
                    let v = self.value(et, &format!("{path}[\"{k}\"]"))?;
                    m.insert(k, v);
                }
                Ok(Value::Map(m))
            }
            Type::Object(o) => {
                let Head::Map(n) = head else {
                    return Err(mismatch("a non-map"));
                };
                let mut m = BTreeMap::new();
                for _ in 0..n {
                    let k = self.key(path)?;
                    let Some(t) = o.attrs.get(&k) else {
                        return Err(verr(path, format!("unsupported attribute \"{k}\"")));
                    };
                    let v = self.value(t, &format!("{path}.{k}"))?;
                    m.insert(k, v);
                }
                for (k, t) in &o.attrs {
                    if !m.contains_key(k) {
                        if o.optional.contains(k) {
                            m.insert(k.clone(), Value::Null(t.clone()));
                        } else {
                            return Err(verr(path, format!("attribute \"{k}\" is required")));
                        }
                    }
                }
                Ok(Value::Object(m))
            }
        }
    }
}

/// Decodes cty's JSON encoding of a value of `ty` (no unknowns); fails on JSON that is not one.
pub fn from_json_bytes(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let j: Json = serde_json::from_slice(bytes).map_err(|e| verr("", e.to_string()))?;
    from_json(&j, ty, "")
}

fn from_json(j: &Json, ty: &Type, path: &str) -> Result<Value, ValueError> {
    if j.is_null() {
        return Ok(Value::Null(ty.clone()));
    }
    let mismatch = || verr(path, format!("{} required", ty.friendly_name()));
    match ty {
        Type::Dynamic => {
            let o = j
                .as_object()
                .ok_or_else(|| verr(path, "dynamic value must be {value, type}"))?;
            let t = o
                .get("type")
                .ok_or_else(|| verr(path, "dynamic value without type"))?;
            let t = type_from_json(t).map_err(|e| verr(path, e.to_string()))?;
            from_json(o.get("value").unwrap_or(&Json::Null), &t, path)
        }
        Type::String => match j {
            Json::String(s) => Ok(Value::String(s.clone())),
            Json::Number(n) => Ok(Value::String(n.to_string())),
            Json::Bool(b) => Ok(Value::String(b.to_string())),
            _ => Err(mismatch()),
        },
        Type::Number => match j {
            Json::Number(n) => Number::parse(&n.to_string())
                .map(Value::Number)
                .map_err(|e| verr(path, e.to_string())),
            Json::String(s) => Number::parse(s)
                .map(Value::Number)
                .map_err(|e| verr(path, e.to_string())),
            _ => Err(mismatch()),
        },
        Type::Bool => match j {
            Json::Bool(b) => Ok(Value::Bool(*b)),
            Json::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            _ => Err(mismatch()),
        },
        Type::List(et) | Type::Set(et) => {
            let xs = j.as_array().ok_or_else(mismatch)?;
            let xs = xs
                .iter()
                .enumerate()
                .map(|(i, x)| from_json(x, et, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, Type::List(_)) {
                Value::List(xs)
            } else {
                Value::set(xs)
            })
        }
        Type::Tuple(ts) => {
            let xs = j.as_array().ok_or_else(mismatch)?;
            if xs.len() != ts.len() {
                return Err(mismatch());
            }
            Ok(Value::Tuple(
                xs.iter()
                    .zip(ts)
                    .enumerate()
                    .map(|(i, (x, t))| from_json(x, t, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            ))
        }
        Type::Map(et) => {
            let m = j.as_object().ok_or_else(mismatch)?;
            Ok(Value::Map(
                m.iter()
                    .map(|(k, x)| Ok((k.clone(), from_json(x, et, &format!("{path}[\"{k}\"]"))?)))
                    .collect::<Result<_, ValueError>>()?,
            ))
        }
        Type::Object(o) => {
            let m = j.as_object().ok_or_else(mismatch)?;
            if let Some(extra) = m.keys().find(|k| !o.attrs.contains_key(*k)) {
                return Err(verr(path, format!("unsupported attribute \"{extra}\"")));
            }
            Ok(Value::Object(
                o.attrs
                    .iter()
                    .map(|(k, t)| {
                        let x = m.get(k).unwrap_or(&Json::Null);
                        Ok((k.clone(), from_json(x, t, &format!("{path}.{k}"))?))
                    })
                    .collect::<Result<_, ValueError>>()?,
            ))
        }
    }
}

/// Decodes a `DynamicValue`: MessagePack when present, else JSON; an empty one is null.
pub fn decode_dynamic(msgpack: &[u8], json: &[u8], ty: &Type) -> Result<Value, ValueError> {
    if !msgpack.is_empty() {
        from_msgpack(msgpack, ty)
    } else if !json.is_empty() {
        from_json_bytes(json, ty)
    } else {
        Ok(Value::Null(ty.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Type)]) -> Type {
        Type::object(pairs.iter().map(|(k, t)| (k.to_string(), t.clone())))
    }

    #[test]
    fn unknown_is_extension_zero_and_reads_back() {
        let t = obj(&[("id", Type::String), ("n", Type::Number)]);
        let v = Value::Object(
            [
                ("id".to_string(), Value::Unknown(Type::String)),
                ("n".to_string(), Value::int(3)),
            ]
            .into(),
        );
        let b = to_msgpack(&v, &t).expect("encode");
        // fixmap(2), "id", fixext1 type 0 payload 0, "n", 3
        assert_eq!(b, [0x82, 0xa2, b'i', b'd', 0xd4, 0, 0, 0xa1, b'n', 3]);
        assert_eq!(from_msgpack(&b, &t).expect("decode"), v);
    }

    #[test]
    fn numbers_take_cty_forms() {
        let big = Number::parse("123456789012345678901234567890").expect("number");
        let frac = Number::parse("0.1").expect("number");
        for (n, first) in [
            (Number::from(-5i64), 0xfb),
            (Number::parse("1.5").expect("n"), 0xcb),
            (big.clone(), 0xbe),
            (frac.clone(), 0xa3),
        ] {
            let b = to_msgpack(&Value::Number(n.clone()), &Type::Number).expect("encode");
            assert_eq!(b[0], first, "{n}");
            assert_eq!(
                from_msgpack(&b, &Type::Number).expect("decode"),
                Value::Number(n)
            );
        }
    }

    #[test]
    fn dynamic_carries_its_type() {
        let v = Value::List(vec![Value::string("a")]);
        let b = to_msgpack(&v, &Type::Dynamic).expect("encode");
        assert_eq!(from_msgpack(&b, &Type::Dynamic).expect("decode"), v);
    }

    #[test]
    fn refined_unknown_and_json_fallback() {
        // ext type 12 with a one-entry map payload (a refinement)
        let b = [0xc7, 3, 12, 0x81, 0x01, 0xc3];
        assert_eq!(
            from_msgpack(&b, &Type::String).expect("decode"),
            Value::Unknown(Type::String)
        );
        let t = obj(&[
            ("a", Type::List(Box::new(Type::Number))),
            ("b", Type::String),
        ]);
        let v = decode_dynamic(&[], br#"{"a":[1,2]}"#, &t).expect("json");
        assert_eq!(v.get_attr("b"), Some(&Value::Null(Type::String)));
        assert_eq!(
            v.get_attr("a").and_then(Value::as_seq).map(<[Value]>::len),
            Some(2)
        );
    }

    #[test]
    fn mismatches_name_the_path() {
        let t = obj(&[("tags", Type::Map(Box::new(Type::Bool)))]);
        let v = Value::Object(
            [(
                "tags".to_string(),
                Value::Map([("x".to_string(), Value::string("maybe"))].into()),
            )]
            .into(),
        );
        let e = to_msgpack(&v, &t).expect_err("mismatch");
        assert_eq!(e.path, ".tags[\"x\"]");
        let e = from_msgpack(&[0x81, 0xa1, b'z', 0xc0], &t).expect_err("extra");
        assert!(e.message.contains("\"z\""), "{e}");
        assert!(from_msgpack(&[0x92, 1], &Type::List(Box::new(Type::Number))).is_err());
    }
}
