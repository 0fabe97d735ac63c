//! Everything that can go wrong reading, writing or locking state.
//!
//! Each variant names the file (or location) and the party involved so the CLI can print it as
//! is and the user knows what to do next. Mapping to exit codes and hints is the CLI's job.

use std::io;
use std::path::PathBuf;

use crate::lock_info::LockInfo;

/// Why a state operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file system refused an operation on `path`.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `write`, `lock`, ...).
        op: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// Encrypted data that neither the configured key nor any fallback key opens.
    #[error(
        "wrong passphrase or key: neither the configured key nor any fallback key opens the \
         encrypted data"
    )]
    WrongKey,
    /// Stored data is not a state document or journal Hangar can read.
    #[error("state at {path} is corrupt: {detail}")]
    Corrupt {
        /// Where the data lives.
        path: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The stored state was written by a newer Hangar whose format this one does not know.
    #[error(
        "state at {path} has format version {found}, but this Hangar understands up to \
         {supported}; upgrade Hangar before touching this state"
    )]
    UnsupportedVersion {
        /// Where the data lives.
        path: String,
        /// The version found.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// Someone else holds the state lock.
    #[error(
        "state is locked by {} (lock ID {:?}, operation {:?}, since {}, lock {}); wait for it \
         to finish, or if it is gone run `hangar force-unlock {}`",
        holder.who, holder.id, holder.operation, holder.created, holder.path, holder.id
    )]
    Locked {
        /// Who holds the lock, as the holder recorded it.
        holder: Box<LockInfo>,
    },
    /// The document given belongs to a different state history than the stored one.
    #[error(
        "refusing to overwrite state with lineage {stored} by a document of lineage {given}: \
         they are different states (wrong workspace or directory?)"
    )]
    LineageMismatch {
        /// Lineage of the stored state.
        stored: String,
        /// Lineage of the document given.
        given: String,
    },
    /// The document given is older than the stored one.
    #[error(
        "refusing to write state serial {given}: the stored state is newer (serial {stored}); \
         someone else changed it, read it again"
    )]
    StaleSerial {
        /// Serial of the stored state.
        stored: u64,
        /// Serial of the document given.
        given: u64,
    },
    /// `force_unlock` was given an ID that is not the current lock's.
    #[error(
        "lock ID {given:?} does not match the current lock {:?} held by {} ({}); nothing \
         was unlocked",
        holder.id, holder.who, holder.operation
    )]
    LockIdMismatch {
        /// The ID given.
        given: String,
        /// The lock actually recorded.
        holder: Box<LockInfo>,
    },
    /// `force_unlock` named a lock whose holder is still running: nothing was removed.
    #[error(
        "lock {} is held by a live process ({}, operation {}, since {}): an operating-system lock \
         cannot be taken from a running process, so nothing was unlocked; stop that run (its lock \
         is released when it exits) or wait for it to finish",
        holder.id, holder.who, holder.operation, holder.created
    )]
    HeldByLiveProcess {
        /// The holder, as it recorded itself.
        holder: Box<LockInfo>,
    },
    /// `force_unlock` found no lock to remove.
    #[error("state at {path} is not locked; nothing to unlock")]
    NotLocked {
        /// Where the lock would be.
        path: String,
    },
    /// A previous append failed half way and could not be undone; the journal takes no more.
    #[error(
        "journal {path} is unusable after a failed append; commit the state or re-run to \
         recover from the journal"
    )]
    JournalPoisoned {
        /// The journal file.
        path: String,
    },
    /// A remote store (S3, PostgreSQL) refused or failed an operation.
    #[error("cannot {op} {location}: {source}")]
    Remote {
        /// What was being done (`read`, `write`, `lock`, ...).
        op: &'static str,
        /// Where: an `s3://bucket/key` URL or a PostgreSQL schema and workspace.
        location: String,
        /// The store's or its client's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The lock this guard held was taken away: its lease ran out before it could be renewed
    /// and another locker took it over, or someone force-unlocked it.
    #[error(
        "the state lock {id:?} on {location} was lost{}; another run may be changing the state, \
         so stop and read the state again",
        match holder { Some(h) => format!(" to {} (lock ID {:?}, operation {:?})", h.who, h.id, h.operation), None => String::new() }
    )]
    LockLost {
        /// ID of the lock that was held.
        id: String,
        /// Where the lock lives.
        location: String,
        /// Who holds it now, when known.
        holder: Option<Box<LockInfo>>,
    },
    /// The backend kind named in configuration does not exist (or is not compiled in).
    #[error("unknown state backend {kind:?}; expected one of {expected}")]
    UnknownBackend {
        /// The kind given.
        kind: String,
        /// The kinds this build knows, for the message.
        expected: String,
    },
    /// Backend configuration lacks a required setting.
    #[error("state backend {kind:?} needs the setting {name:?}")]
    MissingSetting {
        /// The backend kind.
        kind: String,
        /// The setting that is missing.
        name: &'static str,
    },
    /// Backend configuration has a setting the backend does not know.
    #[error("state backend {kind:?} has no setting {name:?}; it takes {known}")]
    UnknownSetting {
        /// The backend kind.
        kind: String,
        /// The setting given.
        name: String,
        /// The settings it takes, for the message.
        known: String,
    },
    /// A backend setting has a value the backend cannot use.
    #[error("state backend {kind:?}: setting {name:?} {problem}")]
    InvalidSetting {
        /// The backend kind.
        kind: String,
        /// The setting.
        name: String,
        /// What is wrong with its value.
        problem: String,
    },
    /// A document or entry could not be turned into JSON.
    #[error("cannot encode {what} as JSON: {source}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The serializer's error.
        source: serde_json::Error,
    },
}

impl StateError {
    /// An [`StateError::Io`] for `op` on `path`, for use with `map_err`.
    pub fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> StateError {
        let path = path.into();
        move |source| StateError::Io { op, path, source }
    }

    /// A [`StateError::Remote`] for `op` at `location`, for use with `map_err`.
    pub fn remote<E>(op: &'static str, location: &str) -> impl FnOnce(E) -> StateError
    where
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let location = location.to_string();
        move |e| StateError::Remote {
            op,
            location,
            source: e.into(),
        }
    }
}
