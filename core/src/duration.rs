//! Go's `time.ParseDuration`, the one duration syntax of Hangar.
//!
//! Terraform reads every duration with Go's parser: `timeadd`, resource `timeouts` blocks,
//! `time_sleep` and `-lock-timeout` all take `"1h30m"`, `"500ms"`, `"1.5h"`, `"2h45m30.5s"`,
//! `"-1s"`, with units `ns`, `us` (`µs`, `μs`), `ms`, `s`, `m`, `h` and Go's error messages. It is
//! hand-written (no kept crate reproduces Go's rounding and messages) for byte-exact Go semantics.
//! Left out: formatting durations back to text.

use std::time::Duration;

/// Why a duration did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Malformed text; the message is Go's (`time: invalid duration "x"`,
    /// `time: missing unit in duration "10"`, `time: unknown unit "d" in duration "1d"`).
    #[error("{0}")]
    Invalid(String),
    /// A negative duration where only a length of time makes sense (a timeout, a sleep).
    #[error("duration {0:?} must not be negative")]
    Negative(String),
}

const UNITS: [(&str, u64); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

const LIMIT: u64 = 1 << 63;

/// Parses `text` as Go's `time.ParseDuration` does, in nanoseconds (negative allowed); fails
/// with Go's message on malformed text or a value past ±292 years.
pub fn parse(text: &str) -> Result<i64, DurationError> {
    let invalid = || DurationError::Invalid(format!("time: invalid duration {}", quote(text)));
    let mut s = text.as_bytes();
    let mut neg = false;
    if let Some((&c, rest)) = s.split_first() {
        if c == b'-' || c == b'+' {
            neg = c == b'-';
            s = rest;
        }
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let before = s.len();
        let (mut v, rest) = leading_int(s).ok_or_else(invalid)?;
        s = rest;
        let pre = before != s.len();
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if let Some(rest) = s.strip_prefix(b".") {
            let before = rest.len();
            (f, scale, s) = leading_fraction(rest);
            post = before != s.len();
        }
        if !pre && !post {
            return Err(invalid());
        }
        let unit_len = s
            .iter()
            .position(|c| *c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(DurationError::Invalid(format!(
                "time: missing unit in duration {}",
                quote(text)
            )));
        }
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let Some(&(_, unit_ns)) = UNITS.iter().find(|(u, _)| u.as_bytes() == unit) else {
            return Err(DurationError::Invalid(format!(
                "time: unknown unit {} in duration {}",
                quote(&String::from_utf8_lossy(unit)),
                quote(text)
            )));
        };
        if v > LIMIT / unit_ns {
            return Err(invalid());
        }
        v *= unit_ns;
        if f > 0 {
            // Go goes through float64 here: nanosecond-accurate for fractions of an hour.
            v += (f as f64 * (unit_ns as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total += v;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((total as i64).wrapping_neg());
    }
    if total > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(total as i64)
}

/// Parses a length of time (a timeout, a sleep, a lock wait) with [`parse`]; fails on malformed
/// text and on negative durations.
pub fn parse_length(text: &str) -> Result<Duration, DurationError> {
    let ns = parse(text)?;
    u64::try_from(ns)
        .map(Duration::from_nanos)
        .map_err(|_| DurationError::Negative(text.to_string()))
}

/// Go's `leadingInt`: the leading digits, `None` past 2^63.
fn leading_int(s: &[u8]) -> Option<(u64, &[u8])> {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut x: u64 = 0;
    for c in &s[..n] {
        if x > LIMIT / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > LIMIT {
            return None;
        }
    }
    Some((x, &s[n..]))
}

/// Go's `leadingFraction`: the leading digits and their scale, precision dropped past 2^63.
fn leading_fraction(s: &[u8]) -> (u64, f64, &[u8]) {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let (mut x, mut scale, mut overflow) = (0u64, 1f64, false);
    for c in &s[..n] {
        if overflow {
            continue;
        }
        if x > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > LIMIT {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &s[n..])
}

/// The `time` package's own `quote`: like `strconv.Quote` for printable ASCII, every byte of
/// anything else as `\xNN`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c < ' ' || !c.is_ascii() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn go_syntax_parses_to_nanoseconds() {
        assert_eq!(parse("1h30m"), Ok(5400 * S));
        assert_eq!(parse("500ms"), Ok(S / 2));
        assert_eq!(parse("1.5h"), Ok(5400 * S));
        assert_eq!(parse("2h45m30.5s"), Ok(9930 * S + S / 2));
        assert_eq!(parse("-1s"), Ok(-S));
        assert_eq!(parse("+5m"), Ok(300 * S));
        assert_eq!(parse("-.5h"), Ok(-1800 * S));
        assert_eq!(parse("1.s"), Ok(S));
        assert_eq!(parse("0"), Ok(0));
        assert_eq!(parse("-0"), Ok(0));
        assert_eq!(parse("1h1m1s1ms1us1ns"), Ok(3661 * S + 1_001_001));
        assert_eq!(parse("1.5µs"), Ok(1500));
        assert_eq!(parse("9223372036854775807ns"), Ok(i64::MAX));
        assert_eq!(parse("-9223372036854775808ns"), Ok(i64::MIN));
    }

    #[test]
    fn malformed_text_fails_with_gos_message() {
        let msg = |s: &str| parse(s).expect_err("malformed").to_string();
        assert_eq!(msg(""), r#"time: invalid duration """#);
        assert_eq!(msg(".s"), r#"time: invalid duration ".s""#);
        assert_eq!(msg("10"), r#"time: missing unit in duration "10""#);
        assert_eq!(msg("0.0"), r#"time: missing unit in duration "0.0""#);
        assert_eq!(msg("1d"), r#"time: unknown unit "d" in duration "1d""#);
        assert_eq!(
            msg("1h-1m"),
            r#"time: unknown unit "h-" in duration "1h-1m""#
        );
        assert_eq!(
            msg("1é"),
            r#"time: unknown unit "\xc3\xa9" in duration "1\xc3\xa9""#
        );
        assert_eq!(
            msg("1\t"),
            r#"time: unknown unit "\x09" in duration "1\x09""#
        );
        assert_eq!(
            msg("9223372036854775808ns"),
            r#"time: invalid duration "9223372036854775808ns""#
        );
        assert_eq!(msg("2562048h"), r#"time: invalid duration "2562048h""#);
    }

    #[test]
    fn lengths_of_time_are_never_negative() {
        assert_eq!(parse_length("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_length("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(
            parse_length("-1s"),
            Err(DurationError::Negative("-1s".into()))
        );
        assert!(parse_length("5d").is_err());
    }
}
