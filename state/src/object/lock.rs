//! The lock of an object-store backend: one lock object holding a [`LockInfo`], written with
//! conditional writes.
//!
//! Taking the lock creates the object with `If-None-Match: *`; when it exists, the locker
//! reads it and, if its lease ran out, replaces it with `If-Match` on the ETag it read, so of
//! several lockers racing for a dead holder's lock exactly one wins. The guard renews the lease
//! with `If-Match` on the ETag of its own last write: a refused renewal means the lock was taken
//! over or removed, and the guard reports it lost. Release deletes the object with `If-Match`,
//! so a guard that lost its lock never removes its successor's.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use super::{Cond, Inner, ObjectStore, Outcome, RACE_RETRIES};
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

fn lock_url<S: ObjectStore>(inner: &Inner<S>) -> String {
    inner.object_url(&inner.lock_key())
}

/// The holder named by a lock object's bytes (a stand-in when they are not a record).
fn holder<S: ObjectStore>(inner: &Inner<S>, bytes: &[u8]) -> LockInfo {
    serde_json::from_slice(bytes).unwrap_or_else(|_| {
        LockInfo::unknown_holder(lock_url(inner), "a holder whose lock record is unreadable")
    })
}

/// A held object-store lock.
pub(crate) struct ObjectLockGuard<S: ObjectStore> {
    inner: Arc<Inner<S>>,
    info: LockInfo,
    etag: Arc<Mutex<String>>,
    taken_over: Option<LockInfo>,
    heartbeat: Option<Heartbeat>,
    abandoned: bool,
}

/// Takes the lock for `info`, taking over a lock whose lease ran out.
pub(crate) fn acquire<S: ObjectStore>(
    inner: &Arc<Inner<S>>,
    info: LockInfo,
) -> Result<ObjectLockGuard<S>, StateError> {
    let _one_at_a_time = locked(&inner.locking);
    let key = inner.lock_key();
    for _ in 0..RACE_RETRIES {
        let mine = info.renewed_at(SystemTime::now());
        let bytes = encode(&mine)?;
        match inner.store.put(&key, bytes.clone(), Cond::Absent)? {
            Outcome::Done(etag) => return Ok(guard(inner, mine, etag, None)),
            Outcome::Refused | Outcome::Missing => {}
        }
        let Some((current, etag)) = inner.store.get(&key)? else {
            continue;
        };
        if current == bytes {
            // Our own create, retried by the SDK after it had landed.
            return Ok(guard(inner, mine, etag, None));
        }
        let holder = holder(inner, &current);
        if !holder.expired_at(SystemTime::now()) {
            return Err(StateError::Locked {
                holder: Box::new(holder),
            });
        }
        let mine = info.renewed_at(SystemTime::now());
        match inner.store.put(&key, encode(&mine)?, Cond::Matches(etag))? {
            Outcome::Done(etag) => return Ok(guard(inner, mine, etag, Some(holder))),
            Outcome::Refused | Outcome::Missing => continue,
        }
    }
    Err(StateError::remote("lock", &lock_url(inner))(
        "the lock kept changing hands; try again",
    ))
}

fn guard<S: ObjectStore>(
    inner: &Arc<Inner<S>>,
    info: LockInfo,
    etag: String,
    taken_over: Option<LockInfo>,
) -> ObjectLockGuard<S> {
    let etag = Arc::new(Mutex::new(etag));
    let heartbeat = info.lease().map(|lease| {
        let (inner, mine, etag) = (Arc::clone(inner), info.clone(), Arc::clone(&etag));
        Heartbeat::start(lease, move || renew(&inner, &mine, &etag))
    });
    ObjectLockGuard {
        inner: Arc::clone(inner),
        info,
        etag,
        taken_over,
        heartbeat,
        abandoned: false,
    }
}

fn renew<S: ObjectStore>(
    inner: &Inner<S>,
    mine: &LockInfo,
    etag: &Mutex<String>,
) -> Result<Renewal, StateError> {
    let key = inner.lock_key();
    let next = encode(&mine.renewed_at(SystemTime::now()))?;
    let current = locked(etag).clone();
    match inner.store.put(&key, next, Cond::Matches(current))? {
        Outcome::Done(new_etag) => {
            *locked(etag) = new_etag;
            Ok(Renewal::Renewed)
        }
        Outcome::Refused | Outcome::Missing => {
            let holder = inner.store.get(&key)?.map(|(b, _)| holder(inner, &b));
            Ok(Renewal::Lost(holder))
        }
    }
}

impl<S: ObjectStore> LockGuard for ObjectLockGuard<S> {
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

impl<S: ObjectStore> Drop for ObjectLockGuard<S> {
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
        let etag = locked(&self.etag).clone();
        match self.inner.store.delete(&key, Cond::Matches(etag)) {
            Ok(_) => {}
            // A store without conditional deletes: check the record is still ours first.
            Err(_) => {
                if let Ok(Some((bytes, _))) = self.inner.store.get(&key) {
                    if holder(&self.inner, &bytes).id == self.info.id {
                        let _ = self.inner.store.delete(&key, Cond::Any);
                    }
                }
            }
        }
    }
}

/// Removes the lock if it carries `id`.
pub(crate) fn force_unlock<S: ObjectStore>(inner: &Inner<S>, id: &str) -> Result<(), StateError> {
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
        match inner.store.delete(&key, Cond::Matches(etag))? {
            Outcome::Done(_) => return Ok(()),
            // Renewed (or removed) meanwhile: look again.
            Outcome::Refused | Outcome::Missing => continue,
        }
    }
    Err(StateError::remote("unlock", &lock_url(inner))(
        "the lock kept changing; try again",
    ))
}
