//! The PostgreSQL journal: one row per appended batch in `<schema>.journal`.
//!
//! A batch is one `INSERT` of (workspace, lineage and serial of the snapshot it continues,
//! sequence number, entries as a JSON array): it commits whole or not at all, so there is no
//! torn tail, and its cost does not depend on the size of the state. The primary key makes a
//! second writer's batch with the same number fail instead of interleaving. Which rows apply is
//! decided by the snapshot they name; removing rows is the backend's business.

use std::sync::Arc;

use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::Transaction;

use super::{serial_param, Inner, PgBackend};
use crate::backend::{check_commit, Backend, Journal};
use crate::document::StateDoc;
use crate::error::StateError;
use crate::journal::JournalEntry;

/// The entries journaled on snapshot (`lineage`, `serial`), in order.
///
/// Fails with [`StateError::Corrupt`] for a row Hangar cannot read.
pub(crate) fn load(
    inner: &Inner,
    tx: &mut Transaction,
    lineage: &str,
    serial: u64,
) -> Result<Vec<JournalEntry>, StateError> {
    let serial = serial_param(serial, &inner.location)?;
    let params: [&(dyn ToSql + Sync); 3] = [&inner.workspace, &lineage, &serial];
    let rows = tx
        .query(
            &format!(
                "SELECT seq, entries::text FROM {} \
                 WHERE workspace = $1 AND lineage = $2 AND base_serial = $3 ORDER BY seq",
                inner.table("journal")
            ),
            &params,
        )
        .map_err(inner.err("read journal of"))?;
    let mut entries = Vec::new();
    for row in rows {
        let seq: i64 = row.get(0);
        let text: &str = row.get(1);
        let batch: Vec<JournalEntry> =
            serde_json::from_str(text).map_err(|e| StateError::Corrupt {
                path: format!("{} (journal batch {seq})", inner.location),
                detail: format!("journal batch is unreadable: {e}"),
            })?;
        entries.extend(batch);
    }
    Ok(entries)
}

/// An open PostgreSQL journal, owned by the one writer.
pub(crate) struct PgJournal {
    inner: Arc<Inner>,
    lineage: String,
    serial: u64,
    next: i64,
    poisoned: bool,
}

impl PgJournal {
    /// A journal continuing `base`, which the backend has just made the snapshot.
    pub(crate) fn new(inner: Arc<Inner>, base: &StateDoc) -> PgJournal {
        PgJournal {
            inner,
            lineage: base.lineage.clone(),
            serial: base.serial,
            next: 0,
            poisoned: false,
        }
    }
}

impl Journal for PgJournal {
    fn append(&mut self, entries: &[JournalEntry]) -> Result<(), StateError> {
        let inner = &self.inner;
        if self.poisoned {
            return Err(StateError::JournalPoisoned {
                path: inner.location.clone(),
            });
        }
        if entries.is_empty() {
            return Ok(());
        }
        let text = serde_json::to_string(entries).map_err(|source| StateError::Encode {
            what: "journal batch",
            source,
        })?;
        let serial = serial_param(self.serial, &inner.location)?;
        let seq = self.next;
        let sql = format!(
            "INSERT INTO {} (workspace, lineage, base_serial, seq, entries) \
             VALUES ($1, $2, $3, $4, $5::text::json)",
            inner.table("journal")
        );
        let result = inner.with_client("append to journal of", |client| {
            let params: [&(dyn ToSql + Sync); 5] =
                [&inner.workspace, &self.lineage, &serial, &seq, &text];
            Ok(client.execute(&sql, &params))
        });
        let e = match result {
            Ok(Ok(_)) => {
                self.next += 1;
                return Ok(());
            }
            Ok(Err(e)) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                self.poisoned = true;
                return Err(StateError::remote("append to journal of", &inner.location)(
                    "another writer appended to this journal; only one writer may hold it",
                ));
            }
            Ok(Err(e)) => inner.err("append to journal of")(e),
            Err(e) => e,
        };
        // Whether the row committed is unknown when the connection broke: make sure it did
        // not, or take no more appends.
        let undone = inner.with_client("undo append to journal of", |client| {
            let params: [&(dyn ToSql + Sync); 5] =
                [&inner.workspace, &self.lineage, &serial, &seq, &text];
            client
                .execute(
                    &format!(
                        "DELETE FROM {} WHERE workspace = $1 AND lineage = $2 \
                         AND base_serial = $3 AND seq = $4 AND entries::text = $5",
                        inner.table("journal")
                    ),
                    &params,
                )
                .map_err(inner.err("undo append to journal of"))
        });
        if undone.is_err() {
            self.poisoned = true;
        }
        Err(e)
    }

    fn commit(self: Box<Self>, final_doc: &StateDoc) -> Result<(), StateError> {
        check_commit(&self.lineage, self.serial, self.next > 0, final_doc)?;
        PgBackend {
            inner: Arc::clone(&self.inner),
        }
        .write(final_doc)
    }
}
