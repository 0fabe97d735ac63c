//! Encoding functions: `base64encode`, `base64decode`, `base64gzip`, `textencodebase64`,
//! `textdecodebase64`, `jsonencode`, `jsondecode`, `urlencode`, `csvdecode`, `yamlencode`,
//! `yamldecode`.

use std::collections::BTreeMap;
use std::io::Write;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use hangar_core::{Number, Type, Value};

use crate::util::{s, str_of};
use crate::{p, Call, Def, FuncError};

/// Go's `base64.StdEncoding` (padding required, lax about trailing bits).
pub(crate) const STD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

pub(crate) fn b64(bytes: &[u8]) -> String {
    STD.encode(bytes)
}

fn redact(text: &str, marked: bool) -> String {
    if marked {
        "(sensitive value)".into()
    } else {
        format!("{text:?}")
    }
}

pub(crate) fn def(name: &str) -> Option<Def> {
    let st = || Type::String;
    Some(match name {
        "base64encode" => Def::new(vec![p("str", st())], st(), |_, a, _| {
            Ok(s(b64(str_of(&a[0]).as_bytes())))
        }),
        "base64decode" => Def::new(vec![p("str", st()).marked()], st(), |_, a, _| {
            let (v, marked) = a[0].clone().unmark();
            let text = str_of(&v);
            let cleaned: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
            let bytes = STD.decode(cleaned.as_bytes()).map_err(|_| {
                FuncError::fail(format!(
                    "failed to decode base64 data {}",
                    redact(text, marked)
                ))
            })?;
            let out = String::from_utf8(bytes).map_err(|_| {
                FuncError::fail("the result of decoding the provided string is not valid UTF-8")
            })?;
            Ok(s(out).mark_if(marked))
        }),
        "base64gzip" => Def::new(vec![p("str", st())], st(), |_, a, _| {
            let mut enc = flate2::GzBuilder::new()
                .operating_system(255)
                .write(Vec::new(), flate2::Compression::default());
            enc.write_all(str_of(&a[0]).as_bytes())
                .map_err(|e| FuncError::fail(format!("failed to write gzip raw data: {e}")))?;
            let bytes = enc
                .finish()
                .map_err(|e| FuncError::fail(format!("failed to close gzip writer: {e}")))?;
            Ok(s(b64(&bytes)))
        }),
        "textencodebase64" => Def::new(
            vec![p("string", st()), p("encoding", st())],
            st(),
            |_, a, _| {
                let name = str_of(&a[1]);
                let enc = Encoding::lookup(name).ok_or_else(|| {
                    FuncError::arg(
                        1,
                        format!("{name:?} is not a supported IANA encoding name or alias in this Terraform version"),
                    )
                })?;
                let bytes = enc.encode(str_of(&a[0])).ok_or_else(|| {
                    FuncError::arg(
                        0,
                        format!(
                            "the given string contains characters that cannot be represented in {}",
                            enc.name()
                        ),
                    )
                })?;
                Ok(s(b64(&bytes)))
            },
        ),
        "textdecodebase64" => Def::new(
            vec![p("source", st()), p("encoding", st())],
            st(),
            |_, a, _| {
                let name = str_of(&a[1]);
                let enc = Encoding::lookup(name).ok_or_else(|| {
                    FuncError::arg(
                        1,
                        format!("{name:?} is not a supported IANA encoding name or alias in this Terraform version"),
                    )
                })?;
                let src = str_of(&a[0]);
                let bytes = STD.decode(src.as_bytes()).map_err(|e| {
                    let off = match e {
                        base64::DecodeError::InvalidByte(o, _) => o,
                        base64::DecodeError::InvalidLength(o) => o,
                        base64::DecodeError::InvalidLastSymbol(o, _) => o,
                        base64::DecodeError::InvalidPadding => src.len(),
                    };
                    FuncError::arg(
                        0,
                        format!("the given value is has an invalid base64 symbol at offset {off}"),
                    )
                })?;
                let text = enc.decode(&bytes).ok_or_else(|| {
                    FuncError::arg(
                        0,
                        format!(
                            "the given string contains symbols that are not defined for {}",
                            enc.name()
                        ),
                    )
                })?;
                Ok(s(text))
            },
        ),
        "jsonencode" => Def::new(
            vec![p("val", Type::Dynamic).dynamic().null()],
            st(),
            |_, a, t| {
                if !a[0].is_wholly_known() {
                    return Ok(Value::Unknown(t.clone()));
                }
                let mut out = String::new();
                json_encode(&a[0], &mut out);
                Ok(Value::String(out))
            },
        ),
        "jsondecode" => Def::new(vec![p("str", st())], Type::Dynamic, |_, a, _| {
            let v = crate::json::decode(str_of(&a[0])).map_err(FuncError::fail)?;
            Ok(v)
        })
        .type_fn(|a| {
            if a[0].is_unknown() {
                return Ok(Type::Dynamic);
            }
            crate::json::decode(str_of(&a[0]))
                .map(|v| Value::ty(&v))
                .map_err(FuncError::fail)
        }),
        "urlencode" => Def::new(vec![p("str", st())], st(), |_, a, _| {
            let mut out = String::new();
            for b in str_of(&a[0]).bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        out.push(b as char)
                    }
                    b' ' => out.push('+'),
                    _ => out.push_str(&format!("%{b:02X}")),
                }
            }
            Ok(s(out))
        }),
        "csvdecode" => Def::new(vec![p("str", st())], Type::Dynamic, |_, a, _| {
            csvdecode(str_of(&a[0]))
        })
        .type_fn(|a| {
            if a[0].is_unknown() {
                return Ok(Type::Dynamic);
            }
            csvdecode(str_of(&a[0])).map(|v| Value::ty(&v))
        }),
        "yamlencode" => Def::new(
            vec![p("value", Type::Dynamic).dynamic().null()],
            st(),
            |_, a, t| {
                if !a[0].is_wholly_known() {
                    return Ok(Value::Unknown(t.clone()));
                }
                Ok(Value::String(crate::yaml::encode(&a[0])))
            },
        ),
        "yamldecode" => Def::new(vec![p("src", st())], Type::Dynamic, |_, a, _| {
            crate::yaml::decode(str_of(&a[0])).map_err(FuncError::fail)
        })
        .type_fn(|a| {
            if a[0].is_unknown() {
                return Ok(Type::Dynamic);
            }
            crate::yaml::decode(str_of(&a[0]))
                .map(|v| Value::ty(&v))
                .map_err(FuncError::fail)
        }),
        _ => return None,
    })
}

/// Go's `encoding/json` string escaping (HTML-safe).
pub(crate) fn json_string(x: &str, out: &mut String) {
    out.push('"');
    for c in x.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// cty's JSON encoding of a value (object keys sorted, numbers in full).
pub(crate) fn json_encode(v: &Value, out: &mut String) {
    match v.peel() {
        Value::Null(_) | Value::Unknown(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(x) => json_string(x, out),
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
            out.push('[');
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_encode(x, out);
            }
            out.push(']');
        }
        Value::Map(m) | Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                json_encode(x, out);
            }
            out.push('}');
        }
        Value::Sensitive(_) => {}
    }
}

fn csvdecode(text: &str) -> Result<Value, FuncError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = rdr.records();
    let header = match records.next() {
        None => return Err(FuncError::fail("missing header line")),
        Some(Err(e)) => return Err(FuncError::fail(format!("CSV parse error: {e}"))),
        Some(Ok(h)) => h,
    };
    let names: Vec<String> = header.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    for (i, r) in records.enumerate() {
        let r = r.map_err(|e| FuncError::fail(format!("CSV parse error: {e}")))?;
        if r.len() != names.len() {
            let line = r.position().map(|p| p.line()).unwrap_or(i as u64 + 2);
            return Err(FuncError::fail(format!(
                "CSV parse error on line {line}: wrong number of fields"
            )));
        }
        let mut obj = BTreeMap::new();
        for (k, v) in names.iter().zip(r.iter()) {
            obj.insert(k.clone(), s(v));
        }
        rows.push(Value::Object(obj));
    }
    if rows.is_empty() {
        let _ = Number::zero();
        return Ok(Value::List(Vec::new()));
    }
    Ok(Value::List(rows))
}

/// The few IANA encodings `textencodebase64` supports here.
enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Latin1,
    Ascii,
}

impl Encoding {
    fn lookup(name: &str) -> Option<Encoding> {
        Some(match name.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" | "csutf8" => Encoding::Utf8,
            "utf-16le" | "csutf16le" => Encoding::Utf16Le,
            "utf-16be" | "csutf16be" => Encoding::Utf16Be,
            "iso-8859-1" | "latin1" | "l1" | "iso_8859-1" | "csisolatin1" | "ibm819" | "cp819"
            | "iso-ir-100" | "iso_8859-1:1987" => Encoding::Latin1,
            "us-ascii" | "ascii" | "iso646-us" | "csascii" | "us" | "ansi_x3.4-1968" => {
                Encoding::Ascii
            }
            _ => return None,
        })
    }

    fn name(&self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Latin1 => "ISO_8859-1:1987",
            Encoding::Ascii => "US-ASCII",
        }
    }

    fn encode(&self, x: &str) -> Option<Vec<u8>> {
        Some(match self {
            Encoding::Utf8 => x.as_bytes().to_vec(),
            Encoding::Utf16Le => x.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
            Encoding::Utf16Be => x.encode_utf16().flat_map(|u| u.to_be_bytes()).collect(),
            Encoding::Latin1 => x
                .chars()
                .map(|c| u8::try_from(c as u32).ok())
                .collect::<Option<Vec<u8>>>()?,
            Encoding::Ascii => x
                .chars()
                .map(|c| if c.is_ascii() { Some(c as u8) } else { None })
                .collect::<Option<Vec<u8>>>()?,
        })
    }

    fn decode(&self, b: &[u8]) -> Option<String> {
        Some(match self {
            Encoding::Utf8 => String::from_utf8_lossy(b).into_owned(),
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let units: Vec<u16> = b
                    .chunks(2)
                    .map(|c| {
                        let pair = [c[0], *c.get(1).unwrap_or(&0)];
                        if matches!(self, Encoding::Utf16Le) {
                            u16::from_le_bytes(pair)
                        } else {
                            u16::from_be_bytes(pair)
                        }
                    })
                    .collect();
                String::from_utf16_lossy(&units)
            }
            Encoding::Latin1 => b.iter().map(|&c| c as char).collect(),
            Encoding::Ascii => {
                if b.iter().any(|c| !c.is_ascii()) {
                    return None;
                }
                b.iter().map(|&c| c as char).collect()
            }
        })
    }
}

#[allow(dead_code)]
fn _unused(_: &Call<'_>) {}
