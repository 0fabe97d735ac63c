//! The local journal file: `<state>.journal`, an append-only log of framed JSON lines.
//!
//! The first frame is a header naming the snapshot the journal continues (lineage and serial);
//! each later frame is one [`JournalEntry`]. A new journal is written under a temp name with
//! its header, synced, and renamed into place, replacing any previous one. Appends write one
//! batch with a single `write` and one `sync_data`, so their cost does not depend on the size
//! of the state. Loading stops at a torn tail (see [`super::frame`]). Whether a journal applies
//! to the snapshot beside it is decided by the backend, not here.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic;
use super::frame;
use super::LocalBackend;
use crate::backend::{check_commit, Backend, Journal};
use crate::document::StateDoc;
use crate::error::StateError;
use crate::journal::JournalEntry;

/// Version of the journal file layout.
const JOURNAL_FORMAT: u32 = 1;

/// The first frame of a journal: which snapshot it continues.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// Journal layout version.
    pub hangar_journal: u32,
    /// Lineage of the snapshot the entries apply to.
    pub lineage: String,
    /// Serial of that snapshot.
    pub serial: u64,
}

/// What a journal file holds, up to any torn tail.
pub(crate) struct Contents {
    /// Which snapshot it continues.
    pub header: Header,
    /// Intact entries, in order.
    pub entries: Vec<JournalEntry>,
}

/// Reads the journal at `path`: `None` when it is missing or its header never became durable.
///
/// Fails with [`StateError::Corrupt`] when an intact frame does not hold what it should (for
/// example a journal written by a newer Hangar).
pub(crate) fn load(path: &Path) -> Result<Option<Contents>, StateError> {
    let Some(bytes) = atomic::read_optional(path)? else {
        return Ok(None);
    };
    let frames = frame::decode(&bytes);
    let Some((first, rest)) = frames.split_first() else {
        return Ok(None);
    };
    let corrupt = |detail: String| StateError::Corrupt {
        path: path.display().to_string(),
        detail,
    };
    let header: Header = serde_json::from_slice(first)
        .map_err(|e| corrupt(format!("journal header is unreadable: {e}")))?;
    if header.hangar_journal != JOURNAL_FORMAT {
        return Err(corrupt(format!(
            "journal format {} is not {JOURNAL_FORMAT}; it was written by another Hangar version",
            header.hangar_journal
        )));
    }
    let entries = rest
        .iter()
        .enumerate()
        .map(|(i, payload)| {
            serde_json::from_slice(payload)
                .map_err(|e| corrupt(format!("journal entry {} is unreadable: {e}", i + 1)))
        })
        .collect::<Result<Vec<JournalEntry>, _>>()?;
    Ok(Some(Contents { header, entries }))
}

/// Appends `bytes` to the journal at `path` as a crash would leave them; `false` if no journal.
pub(crate) fn append_raw(path: &Path, bytes: &[u8]) -> Result<bool, StateError> {
    let file = match OpenOptions::new().append(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(StateError::Io {
                op: "open",
                path: path.into(),
                source: e,
            })
        }
    };
    let mut file = file;
    file.write_all(bytes)
        .and_then(|()| file.sync_data())
        .map_err(StateError::io("append to", path))?;
    Ok(true)
}

/// An open local journal, owned by the one writer.
pub(crate) struct LocalJournal {
    backend: LocalBackend,
    path: PathBuf,
    file: File,
    header: Header,
    len: u64,
    appended: bool,
    poisoned: bool,
}

impl LocalJournal {
    /// Starts a journal continuing `base`, atomically replacing any journal at the backend's
    /// journal path.
    pub(crate) fn create(backend: LocalBackend, base: &StateDoc) -> Result<Self, StateError> {
        let path = backend.journal_path();
        let header = Header {
            hangar_journal: JOURNAL_FORMAT,
            lineage: base.lineage.clone(),
            serial: base.serial,
        };
        let mut buf = Vec::new();
        frame::encode(&encode(&header, "journal header")?, &mut buf);
        let tmp = atomic::temp_beside(&path);
        let opened = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| f.write_all(&buf).and_then(|()| f.sync_all()).map(|()| f));
        let file = match opened {
            Ok(f) => f,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(StateError::Io {
                    op: "create journal",
                    path: tmp,
                    source: e,
                });
            }
        };
        atomic::rename_or_discard(&tmp, &path)?;
        atomic::sync_dir(&atomic::parent_dir(&path))?;
        Ok(LocalJournal {
            backend,
            path,
            file,
            header,
            len: buf.len() as u64,
            appended: false,
            poisoned: false,
        })
    }
}

fn encode<T: Serialize>(value: &T, what: &'static str) -> Result<Vec<u8>, StateError> {
    serde_json::to_vec(value).map_err(|source| StateError::Encode { what, source })
}

impl Journal for LocalJournal {
    fn append(&mut self, entries: &[JournalEntry]) -> Result<(), StateError> {
        if self.poisoned {
            return Err(StateError::JournalPoisoned {
                path: self.path.display().to_string(),
            });
        }
        if entries.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        for entry in entries {
            frame::encode(&encode(entry, "journal entry")?, &mut buf);
        }
        match self
            .file
            .write_all(&buf)
            .and_then(|()| self.file.sync_data())
        {
            Ok(()) => {
                self.len += buf.len() as u64;
                self.appended = true;
                Ok(())
            }
            Err(source) => {
                let undone = self
                    .file
                    .set_len(self.len)
                    .and_then(|()| self.file.sync_data());
                if undone.is_err() {
                    self.poisoned = true;
                }
                Err(StateError::Io {
                    op: "append to",
                    path: self.path.clone(),
                    source,
                })
            }
        }
    }

    fn commit(self: Box<Self>, final_doc: &StateDoc) -> Result<(), StateError> {
        check_commit(
            &self.header.lineage,
            self.header.serial,
            self.appended,
            final_doc,
        )?;
        self.backend.write(final_doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_grow_the_file_by_the_batch_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path().join("hangar.tfstate"));
        let base = StateDoc::new();
        let mut journal = LocalJournal::create(backend.clone(), &base).expect("create");
        let entry = JournalEntry::Outcome { token: "t".into() };
        let size = || {
            std::fs::metadata(backend.journal_path())
                .expect("stat")
                .len()
        };
        journal
            .append(std::slice::from_ref(&entry))
            .expect("append");
        let one = size();
        journal
            .append(std::slice::from_ref(&entry))
            .expect("append");
        let two = size();
        journal
            .append(std::slice::from_ref(&entry))
            .expect("append");
        assert_eq!(size() - two, two - one, "each append costs the same");
        let contents = load(&backend.journal_path())
            .expect("load")
            .expect("present");
        assert_eq!(contents.entries.len(), 3);
        assert_eq!(contents.header.lineage, base.lineage);
    }

    #[test]
    fn a_journal_whose_header_never_landed_is_absent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j");
        std::fs::write(&path, b"0000").expect("write");
        assert!(load(&path).expect("load").is_none());
    }

    #[test]
    fn an_intact_frame_with_foreign_content_is_corrupt() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j");
        let mut buf = Vec::new();
        frame::encode(b"{\"something\":\"else\"}", &mut buf);
        std::fs::write(&path, &buf).expect("write");
        assert!(matches!(load(&path), Err(StateError::Corrupt { .. })));
    }
}
