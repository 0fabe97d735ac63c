//! Bound checks shared by every message: string lengths, character sets, list lengths.
//!
//! Each helper names the field it checks so the error points at it; nothing here knows what a
//! field means.

use crate::limits::{MAX_NAME, MAX_TEXT};
use crate::WireError;

fn invalid(field: &str, reason: impl Into<String>) -> WireError {
    WireError::Invalid {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// A name: 1 to [`MAX_NAME`] bytes of ASCII letters, digits, `-`, `_` and `.`, starting with a
/// letter or digit.
pub(crate) fn name(field: &str, s: &str) -> Result<(), WireError> {
    if s.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if s.len() > MAX_NAME {
        return Err(invalid(
            field,
            format!("is {} bytes; the limit is {MAX_NAME}", s.len()),
        ));
    }
    if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(invalid(field, "must start with a letter or digit"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(invalid(
            field,
            format!("contains {c:?}; only letters, digits, '-', '_' and '.' are allowed"),
        ));
    }
    Ok(())
}

/// Text of at most `max` bytes without control characters (`multiline` allows newlines and tabs).
pub(crate) fn text(field: &str, s: &str, max: usize, multiline: bool) -> Result<(), WireError> {
    if s.len() > max {
        return Err(invalid(
            field,
            format!("is {} bytes; the limit is {max}", s.len()),
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\t')))
    {
        return Err(invalid(field, format!("contains control character {c:?}")));
    }
    Ok(())
}

/// Non-empty single-line text of at most [`MAX_TEXT`] bytes.
pub(crate) fn ident(field: &str, s: &str) -> Result<(), WireError> {
    if s.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    text(field, s, MAX_TEXT, false)
}

/// A list of at most `max` entries, each checked by `each` with its index in the path.
pub(crate) fn list<T>(
    field: &str,
    v: &[T],
    max: usize,
    each: impl Fn(&str, &T) -> Result<(), WireError>,
) -> Result<(), WireError> {
    if v.len() > max {
        return Err(invalid(
            field,
            format!("has {} entries; the limit is {max}", v.len()),
        ));
    }
    for (i, item) in v.iter().enumerate() {
        each(&format!("{field}[{i}]"), item)?;
    }
    Ok(())
}

/// An optional value, checked when present.
pub(crate) fn opt<T: ?Sized>(
    field: &str,
    v: Option<&T>,
    each: impl Fn(&str, &T) -> Result<(), WireError>,
) -> Result<(), WireError> {
    v.map_or(Ok(()), |v| each(field, v))
}

/// Joins a parent path and a field name.
pub(crate) fn at(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_string()
    } else {
        format!("{parent}.{field}")
    }
}

/// Fails with `reason` for `field` unless `ok`.
pub(crate) fn ensure(ok: bool, field: &str, reason: &str) -> Result<(), WireError> {
    if ok {
        Ok(())
    } else {
        Err(invalid(field, reason))
    }
}
