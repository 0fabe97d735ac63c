//! RFC 3339 timestamps in UTC, the one way Hangar writes and reads wall-clock times of its own
//! (lock records and their leases, drift reports, workspace bindings, `time_sleep` ids).
//!
//! Writing gives `YYYY-MM-DDTHH:MM:SSZ` (or with `.mmm` milliseconds); reading accepts any RFC
//! 3339 timestamp with an offset and applies it. Built on `chrono`. Left out: Terraform's own
//! timestamp functions (`timestamp`, `timeadd`, `formatdate`), which `hangar-funcs` keeps
//! byte-exact with Go's layouts and cty's error messages.

use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};

/// `t` as `YYYY-MM-DDTHH:MM:SSZ` (fractions of a second dropped).
pub fn rfc3339_utc(t: SystemTime) -> String {
    DateTime::<Utc>::from(t).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn rfc3339_utc_millis(t: SystemTime) -> String {
    DateTime::<Utc>::from(t).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The time an RFC 3339 timestamp names (`2025-01-02T03:04:05.5+01:30`), or `None` when
/// `text` is not one.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| SystemTime::from(t.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339_utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3661);
        assert_eq!(rfc3339_utc(t), "2000-02-29T01:01:01Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_767_225_599_007);
        assert_eq!(rfc3339_utc(t), "2025-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc_millis(t), "2025-12-31T23:59:59.007Z");
    }

    #[test]
    fn timestamps_parse_back() {
        for secs in [0u64, 951_782_400 + 3661, 1_767_225_599, 4_102_444_800] {
            let t = UNIX_EPOCH + Duration::from_millis(secs * 1000 + 457);
            assert_eq!(parse_rfc3339(&rfc3339_utc_millis(t)), Some(t));
            let whole = UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(parse_rfc3339(&rfc3339_utc(t)), Some(whole));
        }
        let t = parse_rfc3339("2025-01-02T03:04:05.5+01:30").expect("offset form");
        assert_eq!(rfc3339_utc_millis(t), "2025-01-02T01:34:05.500Z");
        for bad in [
            "",
            "2025-01-02",
            "2025-13-02T03:04:05Z",
            "2025-01-02T03:04:05",
            "x",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
