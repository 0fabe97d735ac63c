//! Progress of an operation as typed events, for whoever drives the engine.
//!
//! The engine prints nothing. It reports what it does — refreshing an object, starting and
//! finishing each create, update, delete and read — through [`Events`]. The CLI renders them
//! as Terraform's progress lines; the agent forwards them as metadata. Events carry addresses,
//! actions, ids and durations only, never attribute values, so forwarding them cannot leak
//! data.

use std::sync::Mutex;
use std::time::Duration;

/// What an operation on one object does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Creating a new object.
    Create,
    /// Updating an object in place.
    Update,
    /// Destroying an object.
    Destroy,
    /// Destroying the old object of a create-before-destroy replacement.
    DestroyDeposed,
    /// Reading a data source.
    Read,
    /// Importing an existing object.
    Import,
}

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A recorded object is being re-read.
    Refreshing {
        /// Instance address.
        address: String,
        /// Its cloud id.
        id: String,
    },
    /// An apply of `total` operations begins.
    ApplyStarted {
        /// How many operations it will run.
        total: u64,
    },
    /// An operation on one object started.
    Started {
        /// Instance address.
        address: String,
        /// What it does.
        operation: Operation,
        /// The object's id, when it has one already.
        id: Option<String>,
    },
    /// An operation is still running (sent every ten seconds).
    StillRunning {
        /// Instance address.
        address: String,
        /// What it does.
        operation: Operation,
        /// Time since it started.
        elapsed: Duration,
    },
    /// An operation on one object finished.
    Finished {
        /// Instance address.
        address: String,
        /// What it did.
        operation: Operation,
        /// The object's id afterwards, when it has one.
        id: Option<String>,
        /// How long it took.
        elapsed: Duration,
    },
    /// The apply ended (whether or not every operation succeeded).
    ApplyFinished,
}

/// A sink for events; implementations must be cheap and must not block.
pub trait Events: Send + Sync {
    /// Receives one event.
    fn event(&self, e: Event);
}

/// Discards every event.
pub struct NoEvents;

impl Events for NoEvents {
    fn event(&self, _e: Event) {}
}

/// Keeps events in memory, for tests and embedders that look at them afterwards.
#[derive(Default)]
pub struct RecordedEvents(pub Mutex<Vec<Event>>);

impl Events for RecordedEvents {
    fn event(&self, e: Event) {
        if let Ok(mut v) = self.0.lock() {
            v.push(e);
        }
    }
}

impl RecordedEvents {
    /// The events received so far.
    pub fn take(&self) -> Vec<Event> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}
