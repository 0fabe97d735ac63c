//! The local backend: state in files beside each other in one directory.
//!
//! For a snapshot at `P` (the engine passes `<dir>/hangar.tfstate`, or
//! `<dir>/hangar.tfstate.d/<ws>/hangar.tfstate` for a workspace) the backend keeps:
//! `P` — the snapshot, replaced atomically; `P.backup` — the snapshot before the last
//! replacement; `P.journal` — changes since the snapshot, one checksummed JSON line per entry;
//! `P.lock` — the OS lock, released by the OS when its holder dies; `P.lock.info` — the
//! holder's [`LockInfo`]. A live holder's OS lock cannot be taken away from another process:
//! [`Backend::force_unlock`] only clears the holder record.
//!
//! A journal applies only to the snapshot whose lineage and serial its header names; one left
//! behind by a later snapshot replacement is ignored. Opening a journal first makes its base
//! the snapshot, so entries recovered from a crashed run are never dropped. Nothing here
//! checks that a writer holds the lock, and leftover temp files from crashes are not swept.

mod atomic;
mod file_lock;
mod frame;
mod journal_file;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::backend::{check_replace, Backend, Journal, LockGuard};
use crate::document::StateDoc;
use crate::error::StateError;
use crate::lock_info::LockInfo;

/// State kept in local files around one snapshot path.
#[derive(Clone, Debug)]
pub struct LocalBackend {
    path: PathBuf,
}

impl LocalBackend {
    /// A backend for the snapshot file `path`; nothing is touched until it is used.
    pub fn new(path: PathBuf) -> Self {
        LocalBackend { path }
    }

    /// The snapshot file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The journal file, `<path>.journal`.
    pub fn journal_path(&self) -> PathBuf {
        self.beside(".journal")
    }

    /// The backup of the previous snapshot, `<path>.backup`.
    pub fn backup_path(&self) -> PathBuf {
        self.beside(".backup")
    }

    /// The file the OS lock is taken on, `<path>.lock`.
    pub fn lock_path(&self) -> PathBuf {
        self.beside(".lock")
    }

    /// The lock holder's record, `<path>.lock.info`.
    pub fn lock_info_path(&self) -> PathBuf {
        self.beside(".lock.info")
    }

    fn beside(&self, suffix: &str) -> PathBuf {
        let mut name = OsString::from(self.path.as_os_str());
        name.push(suffix);
        PathBuf::from(name)
    }

    /// The document stored at `path`; an empty file counts as no state.
    fn load_doc(path: &Path) -> Result<Option<StateDoc>, StateError> {
        match atomic::read_optional(path)? {
            None => Ok(None),
            Some(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(None),
            Some(bytes) => StateDoc::decode(&bytes, &path.display().to_string()).map(Some),
        }
    }

    /// Replaces the snapshot with `doc`, backing up the old one.
    fn install(&self, doc: &StateDoc) -> Result<(), StateError> {
        atomic::ensure_parent(&self.path)?;
        atomic::replace(&self.path, &doc.encode()?, Some(&self.backup_path()))
    }
}

impl Backend for LocalBackend {
    fn is_local(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        format!("local file {}", self.path.display())
    }

    fn lock(&self, info: LockInfo) -> Result<Box<dyn LockGuard>, StateError> {
        let guard = file_lock::acquire(&self.lock_path(), &self.lock_info_path(), info)?;
        Ok(Box::new(guard))
    }

    fn read(&self) -> Result<Option<StateDoc>, StateError> {
        let snapshot = Self::load_doc(&self.path)?;
        let journal_path = self.journal_path();
        let Some(journal) = journal_file::load(&journal_path)? else {
            return Ok(snapshot);
        };
        let header = &journal.header;
        let Some(mut doc) = snapshot else {
            return Err(StateError::Corrupt {
                path: journal_path.display().to_string(),
                detail: format!(
                    "the journal continues snapshot serial {} but {} is missing; restore the \
                     snapshot (or {}) or move the journal aside to start empty",
                    header.serial,
                    self.path.display(),
                    self.backup_path().display()
                ),
            });
        };
        if header.lineage != doc.lineage || header.serial < doc.serial {
            return Ok(Some(doc));
        }
        if header.serial > doc.serial {
            return Err(StateError::Corrupt {
                path: journal_path.display().to_string(),
                detail: format!(
                    "the journal continues snapshot serial {} but {} has older serial {}; if \
                     an older snapshot was restored on purpose, move the journal aside",
                    header.serial,
                    self.path.display(),
                    doc.serial
                ),
            });
        }
        if !journal.entries.is_empty() {
            doc.apply(&journal.entries);
            doc.serial = doc.serial.saturating_add(1);
        }
        Ok(Some(doc))
    }

    fn write(&self, doc: &StateDoc) -> Result<(), StateError> {
        check_replace(self.read()?.as_ref(), doc)?;
        self.install(doc)?;
        atomic::remove_durably(&self.journal_path())
    }

    fn read_backup(&self) -> Result<Option<StateDoc>, StateError> {
        Self::load_doc(&self.backup_path())
    }

    fn open_journal(&self, base: &StateDoc) -> Result<Box<dyn Journal>, StateError> {
        check_replace(self.read()?.as_ref(), base)?;
        if Self::load_doc(&self.path)?.as_ref() != Some(base) {
            self.install(base)?;
        }
        Ok(Box::new(journal_file::LocalJournal::create(
            self.clone(),
            base,
        )?))
    }

    fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        file_lock::force_unlock(&self.lock_path(), &self.lock_info_path(), id)
    }

    fn inject_torn_journal_tail(&self, bytes: &[u8]) -> Result<bool, StateError> {
        journal_file::append_raw(&self.journal_path(), bytes)
    }
}
