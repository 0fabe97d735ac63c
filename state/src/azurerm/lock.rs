//! The Azure lock: `<state key>.lock`, a blob holding the [`LockInfo`], held through a blob
//! lease.
//!
//! Taking the lock creates the blob with `If-None-Match: *` and acquires a lease on it
//! (15 to 60 s, renewed by the guard every third of the lock's lease; infinite for a lock
//! without a lease). When the blob exists, acquiring its lease decides: success means its
//! holder is gone (its lease lapsed, or it died before leasing), and the record it left is
//! reported as taken over; `LeaseAlreadyPresent` means a live holder, named by the record. The
//! guard renews the lease and rewrites the record under it; a refused renewal means the lock
//! was broken (force-unlocked) or taken over, and the guard reports it lost. Release deletes
//! the blob under the lease, so a guard that lost its lock never removes its successor's.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use hangar_azurerm_client::blob::{Cond, Lease};

use super::store::Outcome;
use super::{Inner, RACE_RETRIES};
use crate::backend::LockGuard;
use crate::error::StateError;
use crate::lease::{lost_error, Heartbeat, Renewal};
use crate::lock_info::LockInfo;

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn encode(info: &LockInfo) -> Result<Vec<u8>, StateError> {
    serde_json::to_vec_pretty(info).map_err(|source| StateError::Encode {
        what: "lock record",
        source,
    })
}

fn lock_url(inner: &Inner) -> String {
    inner.blob_url(&inner.lock_key())
}

fn holder(inner: &Inner, bytes: &[u8]) -> LockInfo {
    serde_json::from_slice(bytes).unwrap_or_else(|_| {
        LockInfo::unknown_holder(lock_url(inner), "a holder whose lock record is unreadable")
    })
}

/// The blob lease for a lock with `info`'s lease: Azure allows 15 to 60 s, or -1 (infinite).
fn lease_seconds(info: &LockInfo) -> i32 {
    match info.lease() {
        None => -1,
        Some(d) => d.as_secs().clamp(15, 60) as i32,
    }
}

/// A held Azure lock.
pub(crate) struct AzureLockGuard {
    inner: Arc<Inner>,
    info: LockInfo,
    lease_id: String,
    taken_over: Option<LockInfo>,
    heartbeat: Option<Heartbeat>,
    abandoned: bool,
}

/// Takes the lock for `info`, taking over a lock whose holder is gone.
pub(crate) fn acquire(inner: &Arc<Inner>, info: LockInfo) -> Result<AzureLockGuard, StateError> {
    let _one_at_a_time = locked(&inner.locking);
    let key = inner.lock_key();
    let seconds = lease_seconds(&info);
    for _ in 0..RACE_RETRIES {
        let lease_id = uuid::Uuid::new_v4().to_string();
        let mine = info.renewed_at(SystemTime::now());
        let created = matches!(
            inner.store.put(&key, encode(&mine)?, Cond::Absent, None)?,
            Outcome::Done(_)
        );
        let previous = if created {
            None
        } else {
            inner.store.get(&key)?.map(|(b, _)| holder(inner, &b))
        };
        let acquire = Lease::Acquire {
            seconds,
            id: lease_id.clone(),
        };
        match inner.store.lease(&key, acquire)? {
            Ok(_) => {
                if !created {
                    // The blob was left by a holder that is gone: record ourselves under the lease.
                    let mine = info.renewed_at(SystemTime::now());
                    match inner.store.put(
                        &key,
                        encode(&mine)?,
                        Cond::Any,
                        Some(lease_id.clone()),
                    )? {
                        Outcome::Done(_) => {}
                        Outcome::Refused | Outcome::Missing => continue,
                    }
                }
                return Ok(guard(
                    inner,
                    info.renewed_at(SystemTime::now()),
                    lease_id,
                    previous,
                ));
            }
            Err(Outcome::Missing) => continue,
            Err(Outcome::Refused) | Err(Outcome::Done(_)) => {
                let Some((bytes, _)) = inner.store.get(&key)? else {
                    continue;
                };
                let holder = holder(inner, &bytes);
                return Err(StateError::Locked {
                    holder: Box::new(holder),
                });
            }
        }
    }
    Err(StateError::remote("lock", &lock_url(inner))(
        "the lock kept changing hands; try again",
    ))
}

fn guard(
    inner: &Arc<Inner>,
    info: LockInfo,
    lease_id: String,
    taken_over: Option<LockInfo>,
) -> AzureLockGuard {
    let heartbeat = info.lease().map(|lease| {
        let (inner, mine, id) = (Arc::clone(inner), info.clone(), lease_id.clone());
        Heartbeat::start(lease, move || renew(&inner, &mine, &id))
    });
    AzureLockGuard {
        inner: Arc::clone(inner),
        info,
        lease_id,
        taken_over,
        heartbeat,
        abandoned: false,
    }
}

fn renew(inner: &Inner, mine: &LockInfo, lease_id: &str) -> Result<Renewal, StateError> {
    let key = inner.lock_key();
    let lost = |inner: &Inner| -> Result<Renewal, StateError> {
        let holder = inner.store.get(&key)?.map(|(b, _)| holder(inner, &b));
        Ok(Renewal::Lost(holder))
    };
    match inner
        .store
        .lease(&key, Lease::Renew(lease_id.to_string()))?
    {
        Ok(_) => {}
        Err(_) => return lost(inner),
    }
    let next = encode(&mine.renewed_at(SystemTime::now()))?;
    match inner
        .store
        .put(&key, next, Cond::Any, Some(lease_id.to_string()))?
    {
        Outcome::Done(_) => Ok(Renewal::Renewed),
        Outcome::Refused | Outcome::Missing => lost(inner),
    }
}

impl LockGuard for AzureLockGuard {
    fn info(&self) -> &LockInfo {
        &self.info
    }

    fn taken_over(&self) -> Option<&LockInfo> {
        self.taken_over.as_ref()
    }

    fn check(&self) -> Result<(), StateError> {
        match &self.heartbeat {
            Some(h) => lost_error(h, &self.info.id, &lock_url(&self.inner)),
            None => Ok(()),
        }
    }

    fn abandon(mut self: Box<Self>) {
        self.abandoned = true;
    }
}

impl Drop for AzureLockGuard {
    fn drop(&mut self) {
        let lost = match self.heartbeat.take() {
            Some(mut h) => {
                h.stop();
                h.lost().is_some()
            }
            None => false,
        };
        if self.abandoned || lost {
            return;
        }
        let key = self.inner.lock_key();
        // Under our lease only: a lock that passed to someone else is not ours to remove.
        let _ = self
            .inner
            .store
            .delete(&key, Cond::Any, Some(self.lease_id.clone()));
    }
}

/// Removes the lock if it carries `id`: breaks its lease and deletes it.
pub(crate) fn force_unlock(inner: &Inner, id: &str) -> Result<(), StateError> {
    let key = inner.lock_key();
    for _ in 0..RACE_RETRIES {
        let Some((bytes, etag)) = inner.store.get(&key)? else {
            return Err(StateError::NotLocked {
                path: lock_url(inner),
            });
        };
        let record = holder(inner, &bytes);
        if record.id != id {
            return Err(StateError::LockIdMismatch {
                given: id.into(),
                holder: Box::new(record),
            });
        }
        // No lease (a holder that died before leasing) is fine too.
        let _ = inner.store.lease(&key, Lease::Break)?;
        match inner.store.delete(&key, Cond::Matches(etag), None)? {
            Outcome::Done(_) | Outcome::Missing => return Ok(()),
            Outcome::Refused => continue,
        }
    }
    Err(StateError::remote("unlock", &lock_url(inner))(
        "the lock kept changing; try again",
    ))
}
