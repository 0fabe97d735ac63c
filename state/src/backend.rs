//! The interface every state backend implements (local files now; S3 and PostgreSQL later).
//!
//! The API is synchronous: the engine drives a backend from one dedicated writer thread. A
//! backend stores one snapshot document plus a journal of changes made since it, and a lock.
//! Backends check lineage and serial on every whole-document write but do not check that the
//! writer holds the lock: taking the lock around a run is the engine's job. Every backend must
//! pass [`crate::conformance::run_conformance`].

use crate::document::StateDoc;
use crate::error::StateError;
use crate::journal::JournalEntry;
pub use crate::lock_info::LockInfo;

/// A place state lives: snapshot, journal, backup and lock.
pub trait Backend: Send + Sync {
    /// Where the state lives, for messages (`local file dir/hangar.tfstate`).
    fn describe(&self) -> String;

    /// Takes the state lock for `info.operation`, held until the guard is dropped.
    ///
    /// Fails fast with [`StateError::Locked`] naming the holder when someone else holds it.
    fn lock(&self, info: LockInfo) -> Result<Box<dyn LockGuard>, StateError>;

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

/// A held state lock; dropping it releases the lock.
pub trait LockGuard: Send {
    /// The record this lock was taken with.
    fn info(&self) -> &LockInfo;
}
