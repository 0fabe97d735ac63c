//! The interface every state backend implements (local files, S3, PostgreSQL).
//!
//! A backend stores one snapshot document plus a journal of changes made since it, a backup
//! and a lock. Backends check lineage and serial on every whole-document write but do not check
//! that the writer holds the lock: taking the lock around a run is the engine's job. Locks are
//! leased (see [`LockInfo`]): a guard renews its lease from a background thread while it lives,
//! and a lock whose lease ran out is taken over by the next locker, which learns whose it was
//! from [`LockGuard::taken_over`]. Every backend must pass
//! `hangar_testkit::state_conformance::run_conformance` (dev-only).
//!
//! # Threads
//!
//! The API is synchronous and blocks the calling thread until the store answers. Call it from a
//! plain thread, or from async code through `tokio::task::spawn_blocking` (or
//! `block_in_place`); never directly from an async task: remote backends run their network I/O
//! on a runtime of their own and wait for it, which would stall the executor (and the
//! PostgreSQL client's `block_on` panics inside an async context). Backends and guards may be
//! used from several threads at once.

use std::thread;
use std::time::{Duration, Instant};

use crate::document::StateDoc;
use crate::error::StateError;
use crate::journal::JournalEntry;
pub use crate::lock_info::LockInfo;

/// A place state lives: snapshot, journal, backup and lock.
pub trait Backend: Send + Sync {
    /// Where the state lives, for messages (`local file dir/hangar.tfstate`).
    fn describe(&self) -> String;

    /// Where the state physically lives, for residency checks, read back from the store
    /// itself where it can tell (an S3 bucket's real region, not the configured one); `None`
    /// when the backend cannot tell (local files, PostgreSQL).
    ///
    /// Fails when the store cannot be asked (no permission, unreachable).
    fn location(&self) -> Result<Option<hangar_core::Location>, StateError> {
        Ok(None)
    }

    /// Whether state stays on the machine running Hangar (local files): such a backend has no
    /// cloud location to check. A remote backend that cannot report its location must have it
    /// declared (`state_location`) in a bound workspace.
    fn is_local(&self) -> bool {
        false
    }

    /// Takes the state lock for `info.operation`, held until the guard is dropped.
    ///
    /// The lock is leased for `info.lease()` and the guard renews it every third of that. A
    /// lock whose lease ran out (its holder died) is taken over; the guard then reports the
    /// previous holder through [`LockGuard::taken_over`]. Fails fast with
    /// [`StateError::Locked`] naming the holder when a live holder has it, and with storage
    /// errors.
    fn lock(&self, info: LockInfo) -> Result<Box<dyn LockGuard>, StateError>;

    /// Like [`Backend::lock`], but while a live holder has the lock, polls until it is
    /// released or its lease runs out, for up to `wait`.
    ///
    /// Fails with [`StateError::Locked`] naming the holder when `wait` passes first, and at
    /// once on any other error.
    fn lock_with_timeout(
        &self,
        info: LockInfo,
        wait: Duration,
    ) -> Result<Box<dyn LockGuard>, StateError> {
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(20);
        loop {
            match self.lock(info.clone()) {
                Err(StateError::Locked { holder }) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(StateError::Locked { holder });
                    }
                    thread::sleep(pause.min(deadline - now));
                    pause = (pause * 2).min(Duration::from_millis(500));
                }
                other => return other,
            }
        }
    }

    /// The current state: the snapshot with any journal replayed on top, or `None` when no
    /// state was ever written.
    ///
    /// A journal that recorded changes yields the snapshot's serial plus one. A torn final
    /// journal entry (a crash mid-append) is ignored. Fails on unreadable or corrupt storage.
    fn read(&self) -> Result<Option<StateDoc>, StateError>;

    /// Replaces the whole state with `doc` atomically, keeping the previous one as a backup and
    /// discarding any journal (the document supersedes it).
    ///
    /// Fails with [`StateError::LineageMismatch`] when the stored state has another lineage and
    /// is not empty, and with [`StateError::StaleSerial`] when `doc.serial` is lower than the
    /// current state's serial (as [`Backend::read`] reports it).
    fn write(&self, doc: &StateDoc) -> Result<(), StateError>;

    /// The state as it was before the last whole-document write or commit, if kept.
    fn read_backup(&self) -> Result<Option<StateDoc>, StateError>;

    /// Starts a journal of changes on top of `base`, which becomes the stored snapshot.
    ///
    /// `base` is normally what [`Backend::read`] returned (so a journal left by a crashed run
    /// is folded in rather than lost). Fails like [`Backend::write`] when `base` is from
    /// another lineage or older than the current state.
    fn open_journal(&self, base: &StateDoc) -> Result<Box<dyn Journal>, StateError>;

    /// Removes the lock recorded with ID `id`, for a holder that is gone.
    ///
    /// Fails with [`StateError::LockIdMismatch`] when the current lock has another ID and
    /// [`StateError::NotLocked`] when there is none.
    fn force_unlock(&self, id: &str) -> Result<(), StateError>;

    /// Rewrites stored state that still holds values written before encryption was turned on,
    /// sealed (the backup of the previous snapshot too), and returns whether it did; call it
    /// with the lock held. Only an encrypting backend has anything to do.
    ///
    /// Fails when state cannot be read, opened or written.
    fn seal_plaintext(&self) -> Result<bool, StateError> {
        Ok(false)
    }

    /// Testing hook: appends `bytes` to the journal as if a write had been cut off by a crash.
    ///
    /// Returns `false` when the backend's storage cannot tear (transactional stores), in which
    /// case the conformance suite skips its torn-tail test.
    fn inject_torn_journal_tail(&self, bytes: &[u8]) -> Result<bool, StateError> {
        let _ = bytes;
        Ok(false)
    }
}

/// An open journal: the one writer's append-only record of changes since its base snapshot.
pub trait Journal: Send {
    /// Appends a batch and makes it durable (one sync for the whole batch: group commit) before
    /// returning. Its cost does not depend on the size of the state.
    ///
    /// Fails on storage errors; after a failure that could not be undone every later append
    /// fails with [`StateError::JournalPoisoned`].
    fn append(&mut self, entries: &[JournalEntry]) -> Result<(), StateError>;

    /// Folds everything into `final_doc` as the new snapshot atomically, keeps the previous
    /// snapshot as a backup, and removes the journal.
    ///
    /// `final_doc` must have the base's lineage and, if anything was appended, a serial higher
    /// than the base's ([`StateError::StaleSerial`] otherwise), so a crash between writing the
    /// snapshot and removing the journal can never replay the journal twice.
    fn commit(self: Box<Self>, final_doc: &StateDoc) -> Result<(), StateError>;
}

/// A held state lock; dropping it stops renewing the lease and releases the lock (unless it
/// was lost to another holder meanwhile, whose lock is left alone).
pub trait LockGuard: Send {
    /// The record this lock was taken with (storage holds it with a renewed `expires`).
    fn info(&self) -> &LockInfo;

    /// The holder whose lock this one replaced, when taking it meant taking over a lock its
    /// holder had left behind (its lease ran out, or for local files its process died), so the
    /// engine can say "took over expired lock held by ...".
    fn taken_over(&self) -> Option<&LockInfo> {
        None
    }

    /// Whether the lock is still held as far as the last renewal knows.
    ///
    /// Fails with [`StateError::LockLost`] once a renewal found the lock gone (force-unlocked)
    /// or held by someone else (its lease ran out before it could be renewed): the engine
    /// should check before it commits.
    fn check(&self) -> Result<(), StateError> {
        Ok(())
    }

    /// Testing hook: stops renewing and forgets the lock without releasing it, as if the
    /// holder had died. A local file lock is released as the operating system would on the
    /// holder's death; remote locks stay until their lease runs out.
    fn abandon(self: Box<Self>) {
        drop(self);
    }
}

/// Refuses to replace `current` by `doc` when that would lose another history or newer data.
pub(crate) fn check_replace(current: Option<&StateDoc>, doc: &StateDoc) -> Result<(), StateError> {
    let Some(current) = current else {
        return Ok(());
    };
    if current.lineage != doc.lineage {
        if current.is_empty() {
            return Ok(());
        }
        return Err(StateError::LineageMismatch {
            stored: current.lineage.clone(),
            given: doc.lineage.clone(),
        });
    }
    if doc.serial < current.serial {
        return Err(StateError::StaleSerial {
            stored: current.serial,
            given: doc.serial,
        });
    }
    Ok(())
}

/// Checks that a journal on `base` may commit `final_doc`: same lineage, and a serial above the
/// base's when anything was appended (so a crash can never replay the journal twice).
pub(crate) fn check_commit(
    base_lineage: &str,
    base_serial: u64,
    appended: bool,
    final_doc: &StateDoc,
) -> Result<(), StateError> {
    if final_doc.lineage != base_lineage {
        return Err(StateError::LineageMismatch {
            stored: base_lineage.to_string(),
            given: final_doc.lineage.clone(),
        });
    }
    let floor = base_serial.saturating_add(u64::from(appended));
    if final_doc.serial < floor {
        return Err(StateError::StaleSerial {
            stored: floor,
            given: final_doc.serial,
        });
    }
    Ok(())
}
