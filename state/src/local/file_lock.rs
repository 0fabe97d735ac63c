//! The local state lock: an OS file lock plus a record naming its holder.
//!
//! `<state>.lock` is locked with `File::try_lock` (an exclusive `flock` on Unix) for the life of
//! the guard, so the operating system releases it when the holder exits or is killed: a crash
//! never leaves a stale lock. `<state>.lock.info` holds the holder's [`LockInfo`] as JSON,
//! replaced atomically, so a second locker can say who holds it. The lock file itself is never
//! deleted (deleting it would let two processes lock two different files). A live holder's OS
//! lock cannot be taken away from another process: `force_unlock` only clears the record left
//! by a holder that is gone.
//!
//! Leases are kept for the record only: the guard renews `expires` in its record, but the OS
//! lock decides who holds the lock, whatever the lease says (a live holder's lock cannot be
//! taken, a dead one's is free at once). A record found when the OS lock is taken was left by a
//! holder that died; the new guard reports it as taken over.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use super::atomic;
use crate::backend::LockGuard;
use crate::error::StateError;
use crate::lease::{Heartbeat, Renewal};
use crate::lock_info::LockInfo;

/// How often, and how long apart, to look for a holder's record that may not be written yet.
const HOLDER_RECORD_TRIES: u32 = 20;
const HOLDER_RECORD_PAUSE: Duration = Duration::from_millis(10);

/// A held local lock; dropping it clears the record and releases the OS lock.
pub(crate) struct FileLockGuard {
    file: File,
    info: LockInfo,
    info_path: PathBuf,
    taken_over: Option<LockInfo>,
    heartbeat: Option<Heartbeat>,
    abandoned: bool,
}

impl LockGuard for FileLockGuard {
    fn info(&self) -> &LockInfo {
        &self.info
    }

    fn taken_over(&self) -> Option<&LockInfo> {
        self.taken_over.as_ref()
    }

    fn abandon(mut self: Box<Self>) {
        self.abandoned = true;
    }
}

impl Drop for FileLockGuard {
    fn drop(&mut self) {
        if let Some(mut h) = self.heartbeat.take() {
            h.stop();
        }
        if !self.abandoned && read_record(&self.info_path).is_some_and(|r| r.id == self.info.id) {
            let _ = fs::remove_file(&self.info_path);
        }
        let _ = self.file.unlock();
    }
}

/// Takes the lock at `lock_path`, recording `info` at `info_path`.
///
/// Fails with [`StateError::Locked`] when another guard, in this process or another, holds it.
pub(crate) fn acquire(
    lock_path: &Path,
    info_path: &Path,
    info: LockInfo,
) -> Result<FileLockGuard, StateError> {
    atomic::ensure_parent(lock_path)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock_path)
        .map_err(StateError::io("open lock file", lock_path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(StateError::Locked {
                holder: Box::new(holder(lock_path, info_path)),
            });
        }
        Err(TryLockError::Error(e)) => {
            return Err(StateError::Io {
                op: "lock",
                path: lock_path.into(),
                source: e,
            });
        }
    }
    let taken_over = read_record(info_path).filter(|r| r.id != info.id);
    let info = info.renewed_at(std::time::SystemTime::now());
    write_record(info_path, &info)?;
    let heartbeat = info.lease().map(|lease| {
        let (path, mine) = (info_path.to_path_buf(), info.clone());
        Heartbeat::start(lease, move || {
            if read_record(&path).is_some_and(|r| r.id == mine.id) {
                write_record(&path, &mine.renewed_at(std::time::SystemTime::now()))?;
            }
            Ok(Renewal::Renewed)
        })
    });
    Ok(FileLockGuard {
        file,
        info,
        info_path: info_path.into(),
        taken_over,
        heartbeat,
        abandoned: false,
    })
}

fn write_record(info_path: &Path, info: &LockInfo) -> Result<(), StateError> {
    let record = serde_json::to_vec_pretty(info).map_err(|source| StateError::Encode {
        what: "lock record",
        source,
    })?;
    let tmp = atomic::write_temp(info_path, &record)?;
    atomic::rename_or_discard(&tmp, info_path)
}

/// Clears the holder record if it carries `id` and its holder is gone.
///
/// Fails with [`StateError::NotLocked`] without a record, [`StateError::LockIdMismatch`]
/// when the record names another lock, and [`StateError::HeldByLiveProcess`] when the holder
/// still runs (its OS lock cannot be taken away).
pub(crate) fn force_unlock(lock_path: &Path, info_path: &Path, id: &str) -> Result<(), StateError> {
    let Some(record) = read_record(info_path) else {
        return Err(StateError::NotLocked {
            path: info_path.display().to_string(),
        });
    };
    if record.id != id {
        return Err(StateError::LockIdMismatch {
            given: id.into(),
            holder: Box::new(record),
        });
    }
    if let Ok(file) = OpenOptions::new().read(true).write(true).open(lock_path) {
        match file.try_lock() {
            Ok(()) => {
                let _ = file.unlock();
            }
            Err(TryLockError::WouldBlock) => {
                return Err(StateError::HeldByLiveProcess {
                    holder: Box::new(record),
                })
            }
            Err(TryLockError::Error(_)) => {}
        }
    }
    atomic::remove_durably(info_path)
}

/// The holder's record, waiting briefly for one that is being written.
fn holder(lock_path: &Path, info_path: &Path) -> LockInfo {
    for _ in 0..HOLDER_RECORD_TRIES {
        if let Some(record) = read_record(info_path) {
            return record;
        }
        thread::sleep(HOLDER_RECORD_PAUSE);
    }
    LockInfo::unknown_holder(
        lock_path.display().to_string(),
        "another process that left no lock record",
    )
}

fn read_record(info_path: &Path) -> Option<LockInfo> {
    let bytes = fs::read(info_path).ok()?;
    serde_json::from_slice(&bytes).ok()
}
