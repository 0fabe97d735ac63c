//! The Azure journal: one blob per appended batch under the snapshot it continues, laid out
//! and read exactly as the S3 backend's journal (`<state key>.journal/L/<S>/<n>`, created with
//! `If-None-Match: *`, read in order up to the first missing number).

use std::sync::Arc;

use hangar_azurerm_client::blob::Cond;
use serde::{Deserialize, Serialize};

use super::store::Outcome;
use super::Inner;
use crate::backend::{check_commit, Backend, Journal};
use crate::document::StateDoc;
use crate::error::StateError;
use crate::journal::JournalEntry;

const BATCH_FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Batch {
    hangar_journal: u32,
    lineage: String,
    serial: u64,
    seq: u64,
    entries: Vec<JournalEntry>,
}

fn prefix(inner: &Inner, lineage: &str, serial: u64) -> String {
    format!("{}{lineage}/{serial:020}/", inner.journal_root())
}

fn batch_key(inner: &Inner, lineage: &str, serial: u64, seq: u64) -> String {
    format!("{}{seq:010}", prefix(inner, lineage, serial))
}

/// The entries journaled on snapshot (`lineage`, `serial`), in order; `None` when a batch
/// vanished while reading (a commit removed the journal: read again).
///
/// Fails with [`StateError::Corrupt`] for a batch blob Hangar cannot read.
pub(crate) fn load(
    inner: &Inner,
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
            path: inner.blob_url(&key),
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

/// An open Azure journal, owned by the one writer.
pub(crate) struct AzureJournal {
    inner: Arc<Inner>,
    lineage: String,
    serial: u64,
    next: u64,
    poisoned: bool,
}

impl AzureJournal {
    /// A journal continuing `base`, which the backend has just made the snapshot.
    pub(crate) fn new(inner: Arc<Inner>, base: &StateDoc) -> AzureJournal {
        AzureJournal {
            inner,
            lineage: base.lineage.clone(),
            serial: base.serial,
            next: 0,
            poisoned: false,
        }
    }
}

impl Journal for AzureJournal {
    fn append(&mut self, entries: &[JournalEntry]) -> Result<(), StateError> {
        let key = batch_key(&self.inner, &self.lineage, self.serial, self.next);
        if self.poisoned {
            return Err(StateError::JournalPoisoned {
                path: self.inner.blob_url(&key),
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
        match self
            .inner
            .store
            .put(&key, bytes.clone(), Cond::Absent, None)
        {
            Ok(Outcome::Done(_)) => {}
            Ok(Outcome::Refused) => {
                let ours = matches!(self.inner.store.get(&key), Ok(Some((b, _))) if b == bytes);
                if !ours {
                    self.poisoned = true;
                    return Err(StateError::remote("append to", &self.inner.blob_url(&key))(
                        "another writer appended to this journal; only one writer may hold it",
                    ));
                }
            }
            Ok(Outcome::Missing) => {
                return Err(StateError::remote("append to", &self.inner.blob_url(&key))(
                    "the container answered 404",
                ))
            }
            Err(e) => {
                if self.inner.store.delete(&key, Cond::Any, None).is_err() {
                    self.poisoned = true;
                }
                return Err(e);
            }
        }
        self.next += 1;
        Ok(())
    }

    fn commit(self: Box<Self>, final_doc: &StateDoc) -> Result<(), StateError> {
        check_commit(&self.lineage, self.serial, self.next > 0, final_doc)?;
        super::AzurermBackend {
            inner: Arc::clone(&self.inner),
        }
        .write(final_doc)
    }
}
