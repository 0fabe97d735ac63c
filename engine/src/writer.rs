//! The single writer of state during apply.
//!
//! Workers never touch state: they send journal entries to one thread that owns the state
//! document and the backend's journal. The thread takes every message waiting, appends them
//! as one batch with one fsync (group commit), then acknowledges each sender — so an
//! operation's result is durable before its dependents start, at a cost that does not grow
//! with the size of the state. [`StateWriter::finish`] folds everything into a new snapshot.

use std::sync::mpsc;
use std::thread::JoinHandle;

use hangar_state::{Backend, Journal, JournalEntry, StateDoc, StateError};
use tokio::sync::oneshot;

enum Msg {
    Write(Vec<JournalEntry>, oneshot::Sender<Result<(), String>>),
    Finish,
}

/// Handle to the writer thread.
pub struct StateWriter {
    tx: mpsc::Sender<Msg>,
    handle: JoinHandle<Result<StateDoc, StateError>>,
}

impl StateWriter {
    /// Starts the writer over `journal`, whose base is `doc`.
    pub fn start(journal: Box<dyn Journal>, doc: StateDoc) -> StateWriter {
        let (tx, rx) = mpsc::channel();
        let handle = std::thread::spawn(move || run(journal, doc, rx));
        StateWriter { tx, handle }
    }

    /// Records `entries` durably; returns once they are on disk.
    pub async fn write(&self, entries: Vec<JournalEntry>) -> Result<(), String> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Msg::Write(entries, ack))
            .map_err(|_| "state writer stopped".to_string())?;
        done.await.map_err(|_| "state writer stopped".to_string())?
    }

    /// Writes the final snapshot (serial + 1) and returns it.
    pub fn finish(self) -> Result<StateDoc, StateError> {
        let _ = self.tx.send(Msg::Finish);
        match self.handle.join() {
            Ok(r) => r,
            Err(_) => Err(StateError::Corrupt {
                path: "state writer".into(),
                detail: "the state writer thread panicked; the journal on disk is intact".into(),
            }),
        }
    }
}

/// Records `entries` on top of `base` in one durable batch and folds them into a new snapshot
/// (serial + 1): the writer for one-shot changes (`import`, `state rm`, `state mv`).
///
/// Fails like [`Backend::open_journal`] and [`Journal::commit`]: another lineage, an older
/// serial, storage errors.
pub fn record(
    backend: &dyn Backend,
    base: StateDoc,
    entries: Vec<JournalEntry>,
) -> Result<StateDoc, StateError> {
    let mut journal = backend.open_journal(&base)?;
    journal.append(&entries)?;
    let mut doc = base;
    for e in &entries {
        e.apply_to(&mut doc);
    }
    doc.serial += 1;
    journal.commit(&doc)?;
    Ok(doc)
}

fn run(
    mut journal: Box<dyn Journal>,
    mut doc: StateDoc,
    rx: mpsc::Receiver<Msg>,
) -> Result<StateDoc, StateError> {
    let mut failed: Option<String> = None;
    loop {
        let Ok(first) = rx.recv() else { break };
        let mut batch = Vec::new();
        let mut acks = Vec::new();
        let mut finish = false;
        let push = |m: Msg, batch: &mut Vec<JournalEntry>, acks: &mut Vec<_>| match m {
            Msg::Write(entries, ack) => {
                batch.extend(entries);
                acks.push(ack);
                false
            }
            Msg::Finish => true,
        };
        finish |= push(first, &mut batch, &mut acks);
        while let Ok(m) = rx.try_recv() {
            finish |= push(m, &mut batch, &mut acks);
        }
        let result = match &failed {
            Some(e) => Err(e.clone()),
            None => journal.append(&batch).map_err(|e| e.to_string()),
        };
        if let Err(e) = &result {
            failed = Some(e.clone());
        } else {
            for e in &batch {
                e.apply_to(&mut doc);
            }
        }
        for ack in acks {
            let _ = ack.send(result.clone());
        }
        if finish {
            break;
        }
    }
    doc.serial += 1;
    journal.commit(&doc)?;
    Ok(doc)
}
