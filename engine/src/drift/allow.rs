//! Known drift: allowlist entries that report drift without failing the run, until they
//! expire.
//!
//! An allowlist file holds `allow { address = "...", attribute = "tags.*", reason = "...",
//! expires = "2026-12-31" }` blocks. Addresses and attributes are globs where `*` matches any
//! run of characters. An entry covers an observation when its address matches and every
//! changed attribute matches (an observation without attributes needs attribute `*`), and it
//! has not expired (its `expires` day is today or later, UTC).

use std::path::Path;

use hangar_core::{Diagnostic, Diagnostics};
use serde::Serialize;

use super::Observation;

/// One allowlist entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allowance {
    /// Address pattern (`*` matches any run of characters).
    pub address: String,
    /// Attribute pattern, `*` when absent.
    pub attribute: String,
    /// Why it is allowed.
    pub reason: String,
    /// Last day it applies (YYYY-MM-DD).
    pub expires: String,
}

/// Glob match with `*` only.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(p) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            match rest.find(p) {
                Some(at) => rest = &rest[at + p.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Reads an allowlist file.
///
/// Fails with a located diagnostic on unreadable files, syntax errors, blocks other than
/// `allow`, missing fields or a malformed date.
pub fn read(path: &Path) -> Result<Vec<Allowance>, Diagnostics> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Diagnostic::error("Cannot read allowlist", format!("{shown}: {e}")))?;
    let file = hangar_lang::SourceFile::new(shown.clone(), text);
    let body = crate::config::load::parse_file(&file)?;
    let mut out = Vec::new();
    for b in body.blocks() {
        if b.ident.as_str() != "allow" {
            return Err(Diagnostic::error(
                "Invalid allowlist",
                format!(
                    "{shown}: only allow {{ ... }} blocks are expected, found {}.",
                    b.ident.as_str()
                ),
            )
            .into());
        }
        let get = |k: &str| -> Option<String> {
            b.body.get_attribute(k).and_then(|a| match &a.value {
                hcl_edit::expr::Expression::String(s) => Some(s.value().clone()),
                _ => None,
            })
        };
        let (Some(address), Some(reason), Some(expires)) =
            (get("address"), get("reason"), get("expires"))
        else {
            return Err(Diagnostic::error(
                "Invalid allowlist entry",
                format!("{shown}: every allow block needs string address, reason and expires (YYYY-MM-DD); attribute is optional."),
            )
            .into());
        };
        if expires.len() != 10 || expires.as_bytes().get(4) != Some(&b'-') {
            return Err(Diagnostic::error(
                "Invalid allowlist entry",
                format!("{shown}: expires must be a date like 2026-12-31, found {expires:?}."),
            )
            .into());
        }
        out.push(Allowance {
            address,
            attribute: get("attribute").unwrap_or_else(|| "*".into()),
            reason,
            expires,
        });
    }
    Ok(out)
}

/// The entry of `allow` that covers `o` on day `today` (YYYY-MM-DD), if any.
pub fn allowed_by<'a>(
    o: &Observation,
    allow: &'a [Allowance],
    today: &str,
) -> Option<&'a Allowance> {
    allow.iter().find(|a| {
        a.expires.as_str() >= today
            && glob(&a.address, &o.address)
            && (o.attributes.is_empty() && a.attribute == "*"
                || !o.attributes.is_empty()
                    && o.attributes.iter().all(|x| glob(&a.attribute, &x.name)))
    })
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_match_like_shells() {
        assert!(glob("tags.*", "tags.owner"));
        assert!(glob("aws_s3_bucket.*", "aws_s3_bucket.logs"));
        assert!(glob("*", "anything"));
        assert!(!glob("tags.*", "name"));
        assert!(glob("a*c*e", "abcde"));
        assert!(!glob("a*c*e", "abcdf"));
    }
}
