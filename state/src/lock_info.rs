//! Who holds a state lock: the record a locker leaves so others can name it, and its lease.
//!
//! [`LockInfo::new`] fills in a fresh ID, `user@host`, this Hangar's version, the current time
//! as RFC 3339 UTC and a lease of [`DEFAULT_LEASE`]: the lock counts as held until `expires`,
//! and the holder's guard keeps pushing `expires` forward while it lives. A lock whose lease ran
//! out belongs to a holder that died; the next locker may take it over. Callers may choose the
//! ID ([`LockInfo::with_id`], so CI can release its own lock) and the lease
//! ([`LockInfo::with_lease`]). Nothing here acquires a lock; backends do. The user and host come
//! from the environment and `/proc` or `/etc/hostname`, falling back to `unknown`. Expiry is
//! judged by wall clocks, so lockers' clocks must agree to well within a lease.

use std::fmt;
use std::time::{Duration, SystemTime};

use hangar_core::timestamp::{parse_rfc3339, rfc3339_utc, rfc3339_utc_millis};

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
    /// When the lease runs out unless the holder renews it, RFC 3339 UTC with milliseconds.
    /// Empty in records written before leases existed: such a lock never expires.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub expires: String,
    /// Length of the lease in milliseconds; the holder renews it every third of that. 0 in
    /// records written before leases existed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lease_ms: u64,
}

/// The lease [`LockInfo::new`] gives a lock.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl LockInfo {
    /// A lock record for `operation` on state `path`, stamped with a new ID, the current user
    /// and host, and the current time.
    /// The lease is [`DEFAULT_LEASE`], starting now.
    pub fn new(operation: impl Into<String>, path: impl Into<String>) -> Self {
        let now = SystemTime::now();
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.into(),
            who: format!("{}@{}", user_name(), host_name()),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: rfc3339_utc(now),
            path: path.into(),
            expires: rfc3339_utc_millis(now + DEFAULT_LEASE),
            lease_ms: millis(DEFAULT_LEASE),
        }
    }

    /// This record with lock ID `id` instead of a random one, so the caller (a CI job, say) can
    /// later release or force-unlock exactly its own lock.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// This record with a lease of `lease` (at least one millisecond) starting now.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        let lease = lease.max(Duration::from_millis(1));
        self.lease_ms = millis(lease);
        self.expires = rfc3339_utc_millis(SystemTime::now() + lease);
        self
    }

    /// The lease, or `None` for a record without one (which never expires).
    pub fn lease(&self) -> Option<Duration> {
        (self.lease_ms > 0).then(|| Duration::from_millis(self.lease_ms))
    }

    /// When the lease runs out, or `None` when the record has no (readable) expiry.
    pub fn expires_at(&self) -> Option<SystemTime> {
        parse_rfc3339(&self.expires)
    }

    /// Whether the lease ran out before `now`; a record without expiry never does.
    pub fn expired_at(&self, now: SystemTime) -> bool {
        self.expires_at().is_some_and(|t| t < now)
    }

    /// This record with its lease renewed from `now`: `expires` moves to `now` plus the lease
    /// (unchanged for a record without one).
    pub fn renewed_at(&self, now: SystemTime) -> LockInfo {
        let mut next = self.clone();
        if let Some(lease) = self.lease() {
            next.expires = rfc3339_utc_millis(now + lease);
        }
        next
    }

    /// A stand-in for a holder whose record cannot be read, for error messages.
    pub(crate) fn unknown_holder(path: impl Into<String>, who: &str) -> LockInfo {
        LockInfo {
            id: String::new(),
            operation: "unknown".into(),
            who: who.into(),
            version: String::new(),
            created: String::new(),
            path: path.into(),
            expires: String::new(),
            lease_ms: 0,
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ID {}, operation {}, held by {} since {} (Hangar {}), lock {}",
            self.id, self.operation, self.who, self.created, self.version, self.path
        )?;
        if !self.expires.is_empty() {
            write!(f, ", lease until {}", self.expires)?;
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn new_lock_info_names_its_holder() {
        let a = LockInfo::new("apply", "dir/hangar.tfstate");
        let b = LockInfo::new("apply", "dir/hangar.tfstate");
        assert_ne!(a.id, b.id);
        assert!(a.who.contains('@'));
        assert_eq!(a.created.len(), 20);
        assert!(a.to_string().contains(&a.id));
        assert_eq!(a.lease(), Some(DEFAULT_LEASE));
        let expires = a.expires_at().expect("expiry parses");
        let ahead = expires
            .duration_since(SystemTime::now())
            .expect("expiry is ahead");
        assert!(ahead > Duration::from_secs(55), "{ahead:?}");
    }

    #[test]
    fn leases_expire_and_renew() {
        let info = LockInfo::new("apply", "p")
            .with_id("ci-42")
            .with_lease(Duration::from_millis(1500));
        assert_eq!(info.id, "ci-42");
        assert_eq!(info.lease(), Some(Duration::from_millis(1500)));
        let now = SystemTime::now();
        assert!(!info.expired_at(now));
        assert!(info.expired_at(now + Duration::from_secs(2)));
        let later = info.renewed_at(now + Duration::from_secs(10));
        assert!(!later.expired_at(now + Duration::from_secs(11)));
        assert!(later.expired_at(now + Duration::from_secs(12)));
    }

    #[test]
    fn records_without_a_lease_still_load_and_never_expire() {
        let old = r#"{"id":"1","operation":"apply","who":"a@b","version":"0.1.0",
            "created":"2025-01-01T00:00:00Z","path":"p"}"#;
        let info: LockInfo = serde_json::from_str(old).expect("old records load");
        assert_eq!(info.lease(), None);
        assert!(!info.expired_at(SystemTime::now() + Duration::from_secs(1 << 30)));
        let text = serde_json::to_string(&info).expect("encodes");
        assert!(!text.contains("expires"), "{text}");
    }
}
