//! Lease renewal: the background thread that keeps a held lock's lease alive.
//!
//! [`Heartbeat::start`] calls a backend's renewal function every third of the lease until it is
//! stopped (when the guard is dropped or abandoned) or a renewal reports that the lock is no
//! longer this holder's. A failed renewal (the store did not answer) is retried at the next
//! beat: the lock is only lost once someone else has it. What a renewal writes, and how a
//! backend decides that a lease ran out, is each backend's business.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::error::StateError;
use crate::lock_info::LockInfo;

/// What one renewal found.
pub(crate) enum Renewal {
    /// The lease now runs a full period from now.
    Renewed,
    /// The lock is gone or someone else's (named when known); renewing stops.
    Lost(Option<LockInfo>),
}

/// Renews a lease from a background thread until stopped.
pub(crate) struct Heartbeat {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Shared {
    stopped: Mutex<bool>,
    wake: Condvar,
    lost: Mutex<Option<Option<LockInfo>>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Heartbeat {
    /// Starts renewing with `renew` every third of `lease`.
    pub(crate) fn start<F>(lease: Duration, mut renew: F) -> Heartbeat
    where
        F: FnMut() -> Result<Renewal, StateError> + Send + 'static,
    {
        let period = (lease / 3).max(Duration::from_millis(1));
        let shared = Arc::new(Shared::default());
        let inner = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("hangar-lock-lease".into())
            .spawn(move || loop {
                {
                    let stopped = locked(&inner.stopped);
                    let (stopped, _) = inner
                        .wake
                        .wait_timeout_while(stopped, period, |s| !*s)
                        .unwrap_or_else(|e| e.into_inner());
                    if *stopped {
                        return;
                    }
                }
                match renew() {
                    Ok(Renewal::Renewed) => {}
                    Ok(Renewal::Lost(holder)) => {
                        *locked(&inner.lost) = Some(holder);
                        return;
                    }
                    Err(e) => eprintln!("warning: could not renew the state lock's lease: {e}"),
                }
            });
        Heartbeat {
            shared,
            // Without a thread the lease is not renewed: the lock then behaves as one whose
            // holder died, which is safe.
            thread: thread.ok(),
        }
    }

    /// `Some(holder)` once a renewal found the lock lost.
    pub(crate) fn lost(&self) -> Option<Option<LockInfo>> {
        locked(&self.shared.lost).clone()
    }

    /// Stops renewing and waits for the thread to finish its current renewal.
    pub(crate) fn stop(&mut self) {
        *locked(&self.shared.stopped) = true;
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The error a guard reports once its heartbeat found the lock lost.
pub(crate) fn lost_error(
    heartbeat: &Heartbeat,
    id: &str,
    location: &str,
) -> Result<(), StateError> {
    match heartbeat.lost() {
        None => Ok(()),
        Some(holder) => Err(StateError::LockLost {
            id: id.to_string(),
            location: location.to_string(),
            holder: holder.map(Box::new),
        }),
    }
}
