//! Hash and id functions: `md5`, `sha1`, `sha256`, `sha512`, `base64sha256`, `base64sha512`,
//! `uuid`, `uuidv5`; `bcrypt` and `rsadecrypt` are not supported.

use hangar_core::{Type, Value};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use crate::encoding::b64;
use crate::util::{s, str_of};
use crate::{p, Def, FuncError};

/// The lowercase hex digest of `data` with hash `name`.
pub(crate) fn hex_digest(name: &str, data: &[u8]) -> String {
    let bytes = raw_digest(name, data);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn raw_digest(name: &str, data: &[u8]) -> Vec<u8> {
    match name {
        "md5" => Md5::digest(data).to_vec(),
        "sha1" => Sha1::digest(data).to_vec(),
        "sha256" => Sha256::digest(data).to_vec(),
        _ => Sha512::digest(data).to_vec(),
    }
}

pub(crate) fn def(name: &str) -> Option<Def> {
    let st = || Type::String;
    Some(match name {
        "md5" => Def::new(vec![p("str", st())], st(), |_, a, _| {
            Ok(s(hex_digest("md5", str_of(&a[0]).as_bytes())))
        }),
        "sha1" => Def::new(vec![p("str", st())], st(), |_, a, _| {
            Ok(s(hex_digest("sha1", str_of(&a[0]).as_bytes())))
        }),
        "sha256" => Def::new(vec![p("str", st())], st(), |_, a, _| {
            Ok(s(hex_digest("sha256", str_of(&a[0]).as_bytes())))
        }),
        "sha512" => Def::new(vec![p("str", st())], st(), |_, a, _| {
            Ok(s(hex_digest("sha512", str_of(&a[0]).as_bytes())))
        }),
        "base64sha256" => Def::new(vec![p("str", st())], st(), |_, a, _| {
            Ok(s(b64(&raw_digest("sha256", str_of(&a[0]).as_bytes()))))
        }),
        "base64sha512" => Def::new(vec![p("str", st())], st(), |_, a, _| {
            Ok(s(b64(&raw_digest("sha512", str_of(&a[0]).as_bytes()))))
        }),
        "uuid" => Def::new(vec![], st(), |_, _, _| {
            Ok(s(uuid::Uuid::new_v4().to_string()))
        }),
        "uuidv5" => Def::new(
            vec![p("namespace", st()), p("name", st())],
            st(),
            |_, a, _| {
                let ns = str_of(&a[0]);
                let nsid = match ns {
                    "dns" => uuid::Uuid::NAMESPACE_DNS,
                    "url" => uuid::Uuid::NAMESPACE_URL,
                    "oid" => uuid::Uuid::NAMESPACE_OID,
                    "x500" => uuid::Uuid::NAMESPACE_X500,
                    other => uuid::Uuid::parse_str(other).map_err(|_| {
                        FuncError::fail(format!(
                            "uuidv5() doesn't support namespace {other} (invalid UUID length: {})",
                            other.len()
                        ))
                    })?,
                };
                let mut h = Sha1::new();
                h.update(nsid.as_bytes());
                h.update(str_of(&a[1]).as_bytes());
                let d = h.finalize();
                let mut b = [0u8; 16];
                b.copy_from_slice(&d[..16]);
                b[6] = (b[6] & 0x0f) | 0x50;
                b[8] = (b[8] & 0x3f) | 0x80;
                Ok(s(uuid::Uuid::from_bytes(b).to_string()))
            },
        ),
        "bcrypt" => Def::new(vec![p("str", st())], st(), |_, _, _| {
            Err(FuncError::fail("bcrypt is not supported by Hangar"))
        })
        .var(p("cost", Type::Number)),
        "rsadecrypt" => Def::new(
            vec![p("ciphertext", st()), p("privatekey", st())],
            st(),
            |_, _, _| Err(FuncError::fail("rsadecrypt is not supported by Hangar")),
        ),
        _ => return None,
    })
}

#[allow(dead_code)]
fn _v(_: Value) {}
