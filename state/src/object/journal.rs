//! The journal of an object-store backend: one object per appended batch under the snapshot
//! it continues.
//!
//! Batch `n` of the journal on snapshot (lineage `L`, serial `S`) is the object
//! `<state key>.journal/L/<S, 20 digits>/<n, 10 digits>`, holding JSON that repeats `L`, `S`
//! and `n` beside the entries. Batches are written with `If-None-Match: *`, so two writers can
//! never both add batch `n`, and read in order up to the first missing number: appends are
//! sequential, so nothing after a gap was ever acknowledged. Objects appear whole, so there is
//! no torn tail to skip. Removing journals is the backend's business.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Cond, Inner, ObjectStore, Outcome};
use crate::backend::{check_commit, Backend, Journal};
use crate::document::StateDoc;
use crate::error::StateError;
use crate::journal::JournalEntry;

/// Version of the batch object layout.
const BATCH_FORMAT: u32 = 1;

/// One stored batch.
#[derive(Serialize, Deserialize)]
struct Batch {
    hangar_journal: u32,
    lineage: String,
    serial: u64,
    seq: u64,
    entries: Vec<JournalEntry>,
}

fn prefix<S: ObjectStore>(inner: &Inner<S>, lineage: &str, serial: u64) -> String {
    format!("{}{lineage}/{serial:020}/", inner.journal_root())
}

fn batch_key<S: ObjectStore>(inner: &Inner<S>, lineage: &str, serial: u64, seq: u64) -> String {
    format!("{}{seq:010}", prefix(inner, lineage, serial))
}

/// The entries journaled on snapshot (`lineage`, `serial`), in order; `None` when a batch
/// vanished while reading (a commit removed the journal: read again).
///
/// Fails with [`StateError::Corrupt`] for a batch object Hangar cannot read.
pub(crate) fn load<S: ObjectStore>(
    inner: &Inner<S>,
    lineage: &str,
    serial: u64,
) -> Result<Option<Vec<JournalEntry>>, StateError> {
    let keys = inner.store.list(&prefix(inner, lineage, serial))?;
    let mut entries = Vec::new();
    for (seq, key) in (0u64..).zip(keys) {
        if key != batch_key(inner, lineage, serial, seq) {
            break;
        }
        let Some((bytes, _)) = inner.store.get(&key)? else {
            return Ok(None);
        };
        let corrupt = |detail: String| StateError::Corrupt {
            path: inner.object_url(&key),
            detail,
        };
        let batch: Batch = serde_json::from_slice(&bytes)
            .map_err(|e| corrupt(format!("journal batch is unreadable: {e}")))?;
        if batch.hangar_journal != BATCH_FORMAT {
            return Err(corrupt(format!(
                "journal format {} is not {BATCH_FORMAT}; it was written by another Hangar version",
                batch.hangar_journal
            )));
        }
        if batch.lineage != lineage || batch.serial != serial || batch.seq != seq {
            return Err(corrupt(format!(
                "the batch names lineage {} serial {} number {}, not where it is stored",
                batch.lineage, batch.serial, batch.seq
            )));
        }
        entries.extend(batch.entries);
    }
    Ok(Some(entries))
}

/// An open object-store journal, owned by the one writer.
pub(crate) struct ObjectJournal<S: ObjectStore> {
    inner: Arc<Inner<S>>,
    lineage: String,
    serial: u64,
    next: u64,
    poisoned: bool,
}

impl<S: ObjectStore> ObjectJournal<S> {
    /// A journal continuing `base`, which the backend has just made the snapshot.
    pub(crate) fn new(inner: Arc<Inner<S>>, base: &StateDoc) -> ObjectJournal<S> {
        ObjectJournal {
            inner,
            lineage: base.lineage.clone(),
            serial: base.serial,
            next: 0,
            poisoned: false,
        }
    }
}

impl<S: ObjectStore> Journal for ObjectJournal<S> {
    fn append(&mut self, entries: &[JournalEntry]) -> Result<(), StateError> {
        let key = batch_key(&self.inner, &self.lineage, self.serial, self.next);
        if self.poisoned {
            return Err(StateError::JournalPoisoned {
                path: self.inner.object_url(&key),
            });
        }
        if entries.is_empty() {
            return Ok(());
        }
        let batch = Batch {
            hangar_journal: BATCH_FORMAT,
            lineage: self.lineage.clone(),
            serial: self.serial,
            seq: self.next,
            entries: entries.to_vec(),
        };
        let bytes = serde_json::to_vec(&batch).map_err(|source| StateError::Encode {
            what: "journal batch",
            source,
        })?;
        let outcome = self.inner.store.put(&key, bytes.clone(), Cond::Absent);
        let landed = match outcome {
            Ok(Outcome::Done(_)) => true,
            // A retried PUT whose first attempt landed is refused; it is ours if it matches.
            Ok(Outcome::Refused) => {
                let ours = matches!(self.inner.store.get(&key), Ok(Some((b, _))) if b == bytes);
                if !ours {
                    self.poisoned = true;
                    return Err(StateError::remote("append to", &key)(
                        "another writer appended to this journal; only one writer may hold it",
                    ));
                }
                true
            }
            Ok(Outcome::Missing) => false,
            Err(e) => {
                // The batch may or may not have landed: remove it, or stop taking appends.
                if self.inner.store.delete(&key, Cond::Any).is_err() {
                    self.poisoned = true;
                }
                return Err(e);
            }
        };
        if !landed {
            return Err(StateError::remote("append to", &key)(
                "the bucket answered 404",
            ));
        }
        self.next += 1;
        Ok(())
    }

    fn commit(self: Box<Self>, final_doc: &StateDoc) -> Result<(), StateError> {
        check_commit(&self.lineage, self.serial, self.next > 0, final_doc)?;
        super::ObjectBackend {
            inner: Arc::clone(&self.inner),
        }
        .write(final_doc)
    }
}
