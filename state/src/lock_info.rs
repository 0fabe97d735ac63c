//! Who holds a state lock: the record a locker leaves so others can name it.
//!
//! [`LockInfo::new`] fills in a fresh ID, `user@host`, this Hangar's version and the current
//! time as RFC 3339 UTC. Nothing here acquires a lock; backends do. The user and host come from
//! the environment and `/proc` or `/etc/hostname`, falling back to `unknown`.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The holder of a state lock, as recorded for others to see.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct LockInfo {
    /// Unique lock ID; `force_unlock` needs it.
    pub id: String,
    /// What the holder is doing (`apply`, `plan`, ...).
    pub operation: String,
    /// `user@host` of the holder.
    pub who: String,
    /// Hangar version of the holder.
    pub version: String,
    /// When the lock was taken, RFC 3339 UTC.
    pub created: String,
    /// The state the lock protects.
    pub path: String,
}

impl LockInfo {
    /// A lock record for `operation` on state `path`, stamped with a new ID, the current user
    /// and host, and the current time.
    pub fn new(operation: impl Into<String>, path: impl Into<String>) -> Self {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.into(),
            who: format!("{}@{}", user_name(), host_name()),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: rfc3339_utc(SystemTime::now()),
            path: path.into(),
        }
    }
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ID {}, operation {}, held by {} since {} (Hangar {}), lock {}",
            self.id, self.operation, self.who, self.created, self.version, self.path
        )
    }
}

fn user_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// `t` as `YYYY-MM-DDTHH:MM:SSZ`; times before 1970 print as the epoch.
pub fn rfc3339_utc(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Proleptic Gregorian date of `z` days after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339_utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3661);
        assert_eq!(rfc3339_utc(t), "2000-02-29T01:01:01Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_767_225_599);
        assert_eq!(rfc3339_utc(t), "2025-12-31T23:59:59Z");
    }

    #[test]
    fn new_lock_info_names_its_holder() {
        let a = LockInfo::new("apply", "dir/hangar.tfstate");
        let b = LockInfo::new("apply", "dir/hangar.tfstate");
        assert_ne!(a.id, b.id);
        assert!(a.who.contains('@'));
        assert_eq!(a.created.len(), 20);
        assert!(a.to_string().contains(&a.id));
    }
}
