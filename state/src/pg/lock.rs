//! The PostgreSQL lock: one row per locked workspace in `<schema>.locks`.
//!
//! Taking the lock runs in a transaction under the workspace's advisory lock: no row means the
//! lock is free (insert one); a row whose `expires_at` is before the server's `now()` belongs to
//! a holder that died (replace it, and report it taken over); any other row is a live holder.
//! The guard renews `expires_at` with an `UPDATE` on its own lock ID: no row updated means the
//! lock was taken over or force-unlocked, and the guard reports it lost. Release deletes the row
//! only if it still carries the guard's ID.

use std::sync::Arc;
use std::time::SystemTime;

use postgres::types::ToSql;

use super::Inner;
use crate::backend::LockGuard;
use crate::error::StateError;
use crate::lease::{lost_error, Heartbeat, Renewal};
use crate::lock_info::LockInfo;

fn encode(info: &LockInfo) -> Result<String, StateError> {
    serde_json::to_string_pretty(info).map_err(|source| StateError::Encode {
        what: "lock record",
        source,
    })
}

fn lease_ms(info: &LockInfo) -> i64 {
    i64::try_from(info.lease_ms).unwrap_or(i64::MAX)
}

/// `expires_at` for a lease of `$n` milliseconds from the server's now; none never expires.
fn expiry(n: u8) -> String {
    format!(
        "CASE WHEN ${n}::bigint = 0 THEN 'infinity'::timestamptz \
         ELSE now() + ${n}::bigint * interval '1 millisecond' END"
    )
}

fn holder(inner: &Inner, text: &str) -> LockInfo {
    serde_json::from_str(text).unwrap_or_else(|_| {
        LockInfo::unknown_holder(
            inner.location.clone(),
            "a holder whose lock record is unreadable",
        )
    })
}

/// A held PostgreSQL lock.
pub(crate) struct PgLockGuard {
    inner: Arc<Inner>,
    info: LockInfo,
    taken_over: Option<LockInfo>,
    heartbeat: Option<Heartbeat>,
    abandoned: bool,
}

/// Takes the workspace's lock for `info`, taking over one whose lease ran out.
pub(crate) fn acquire(inner: &Arc<Inner>, info: LockInfo) -> Result<PgLockGuard, StateError> {
    let mine = info.renewed_at(SystemTime::now());
    let record = encode(&mine)?;
    let locks = inner.table("locks");
    let taken_over = inner.with_client("lock", |client| {
        let mut tx = client.transaction().map_err(inner.err("lock"))?;
        inner.serialise(&mut tx, "lock", "lock")?;
        let row = tx
            .query_opt(
                &format!("SELECT info::text, expires_at < now() FROM {locks} WHERE workspace = $1"),
                &[&inner.workspace],
            )
            .map_err(inner.err("lock"))?;
        let params: [&(dyn ToSql + Sync); 4] =
            [&inner.workspace, &mine.id, &record, &lease_ms(&mine)];
        let taken_over = match row {
            None => {
                tx.execute(
                    &format!(
                        "INSERT INTO {locks} (workspace, id, info, expires_at) \
                         VALUES ($1, $2, $3::text::json, {})",
                        expiry(4)
                    ),
                    &params,
                )
                .map_err(inner.err("lock"))?;
                None
            }
            Some(row) => {
                let previous = holder(inner, row.get(0));
                if !row.get::<_, bool>(1) {
                    return Err(StateError::Locked {
                        holder: Box::new(previous),
                    });
                }
                tx.execute(
                    &format!(
                        "UPDATE {locks} SET id = $2, info = $3::text::json, expires_at = {} \
                         WHERE workspace = $1",
                        expiry(4)
                    ),
                    &params,
                )
                .map_err(inner.err("lock"))?;
                Some(previous)
            }
        };
        tx.commit().map_err(inner.err("lock"))?;
        Ok(taken_over)
    })?;
    let heartbeat = mine.lease().map(|lease| {
        let (inner, mine) = (Arc::clone(inner), mine.clone());
        Heartbeat::start(lease, move || renew(&inner, &mine))
    });
    Ok(PgLockGuard {
        inner: Arc::clone(inner),
        info: mine,
        taken_over,
        heartbeat,
        abandoned: false,
    })
}

fn renew(inner: &Inner, mine: &LockInfo) -> Result<Renewal, StateError> {
    let record = encode(&mine.renewed_at(SystemTime::now()))?;
    let locks = inner.table("locks");
    inner.with_client("renew lock on", |client| {
        let params: [&(dyn ToSql + Sync); 4] =
            [&inner.workspace, &mine.id, &record, &lease_ms(mine)];
        let updated = client
            .execute(
                &format!(
                    "UPDATE {locks} SET info = $3::text::json, expires_at = {} \
                     WHERE workspace = $1 AND id = $2",
                    expiry(4)
                ),
                &params,
            )
            .map_err(inner.err("renew lock on"))?;
        if updated > 0 {
            return Ok(Renewal::Renewed);
        }
        let row = client
            .query_opt(
                &format!("SELECT info::text FROM {locks} WHERE workspace = $1"),
                &[&inner.workspace],
            )
            .map_err(inner.err("renew lock on"))?;
        Ok(Renewal::Lost(row.map(|r| holder(inner, r.get(0)))))
    })
}

impl LockGuard for PgLockGuard {
    fn info(&self) -> &LockInfo {
        &self.info
    }

    fn taken_over(&self) -> Option<&LockInfo> {
        self.taken_over.as_ref()
    }

    fn check(&self) -> Result<(), StateError> {
        match &self.heartbeat {
            Some(h) => lost_error(h, &self.info.id, &self.inner.location),
            None => Ok(()),
        }
    }

    fn abandon(mut self: Box<Self>) {
        self.abandoned = true;
    }
}

impl Drop for PgLockGuard {
    fn drop(&mut self) {
        if let Some(mut h) = self.heartbeat.take() {
            h.stop();
        }
        if self.abandoned {
            return;
        }
        let inner = &self.inner;
        let _ = inner.with_client("unlock", |client| {
            client
                .execute(
                    &format!(
                        "DELETE FROM {} WHERE workspace = $1 AND id = $2",
                        inner.table("locks")
                    ),
                    &[&inner.workspace, &self.info.id],
                )
                .map_err(inner.err("unlock"))
        });
    }
}

/// Removes the workspace's lock if it carries `id`.
pub(crate) fn force_unlock(inner: &Inner, id: &str) -> Result<(), StateError> {
    let locks = inner.table("locks");
    inner.with_client("unlock", |client| {
        let mut tx = client.transaction().map_err(inner.err("unlock"))?;
        inner.serialise(&mut tx, "lock", "unlock")?;
        let row = tx
            .query_opt(
                &format!("SELECT info::text, id FROM {locks} WHERE workspace = $1"),
                &[&inner.workspace],
            )
            .map_err(inner.err("unlock"))?;
        let Some(row) = row else {
            return Err(StateError::NotLocked {
                path: inner.location.clone(),
            });
        };
        if row.get::<_, &str>(1) != id {
            return Err(StateError::LockIdMismatch {
                given: id.into(),
                holder: Box::new(holder(inner, row.get(0))),
            });
        }
        tx.execute(
            &format!("DELETE FROM {locks} WHERE workspace = $1 AND id = $2"),
            &[&inner.workspace, &id],
        )
        .map_err(inner.err("unlock"))?;
        tx.commit().map_err(inner.err("unlock"))
    })
}
