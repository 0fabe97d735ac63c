//! Progress as people read it: the engine's events rendered as Terraform's lines.
//!
//! `x: Refreshing state... [id=...]`, `x: Creating...`, `x: Still creating... [10s elapsed]`,
//! `x: Creation complete after 2s [id=...]`, and the same for modifying, destroying and
//! reading. On a terminal the lines scroll above a progress bar; elsewhere (CI logs) they are
//! plain lines. `--json` runs use [`NoEvents`](hangar_engine::events::NoEvents).

use std::sync::Mutex;
use std::time::Duration;

use hangar_engine::events::{Event, Events, Operation};

/// Terraform's words for an operation: (started, still running, finished).
fn words(op: Operation) -> (&'static str, &'static str, &'static str) {
    match op {
        Operation::Create => ("Creating...", "Still creating...", "Creation complete"),
        Operation::Update => (
            "Modifying...",
            "Still modifying...",
            "Modifications complete",
        ),
        Operation::Destroy | Operation::DestroyDeposed => (
            "Destroying...",
            "Still destroying...",
            "Destruction complete",
        ),
        Operation::Read => ("Reading...", "Still reading...", "Read complete"),
        Operation::Import => (
            "Preparing import...",
            "Still preparing import...",
            "Import prepared",
        ),
    }
}

/// `1m5s`, `12s`: Terraform's way of printing elapsed time.
pub fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// The line an event prints, if any.
pub fn line(e: &Event) -> Option<String> {
    Some(match e {
        Event::Refreshing { address, id } => format!("{address}: Refreshing state... [id={id}]"),
        Event::Started {
            address,
            operation,
            id,
        } => {
            let suffix = if *operation == Operation::DestroyDeposed {
                " (deposed object)"
            } else {
                ""
            };
            match id {
                Some(id) => format!("{address}: {}{suffix} [id={id}]", words(*operation).0),
                None => format!("{address}: {}{suffix}", words(*operation).0),
            }
        }
        Event::StillRunning {
            address,
            operation,
            elapsed: t,
        } => {
            format!(
                "{address}: {} [{} elapsed]",
                words(*operation).1,
                elapsed(*t)
            )
        }
        Event::Finished {
            address,
            operation,
            id,
            elapsed: t,
        } => {
            let done = words(*operation).2;
            match id {
                Some(id) if !id.is_empty() => {
                    format!("{address}: {done} after {} [id={id}]", elapsed(*t))
                }
                _ => format!("{address}: {done} after {}", elapsed(*t)),
            }
        }
        Event::ApplyStarted { .. } | Event::ApplyFinished => return None,
    })
}

/// Prints each event's line to standard output.
pub struct Lines;

impl Events for Lines {
    fn event(&self, e: Event) {
        if let Some(l) = line(&e) {
            crate::out::println(&l);
        }
    }
}

/// Lines above a progress bar, for applies on a terminal.
#[derive(Default)]
pub struct Bar(Mutex<Option<indicatif::ProgressBar>>);

impl Events for Bar {
    fn event(&self, e: Event) {
        match &e {
            Event::ApplyStarted { total } => {
                let bar = indicatif::ProgressBar::new(*total);
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} operations",
                ) {
                    bar.set_style(style);
                }
                bar.enable_steady_tick(Duration::from_millis(200));
                if let Ok(mut b) = self.0.lock() {
                    *b = Some(bar);
                }
                return;
            }
            Event::ApplyFinished => {
                if let Some(bar) = self.0.lock().ok().and_then(|mut b| b.take()) {
                    bar.finish_and_clear();
                }
                return;
            }
            _ => {}
        }
        let bar = self
            .0
            .lock()
            .ok()
            .as_ref()
            .and_then(|b| b.as_ref().cloned());
        if let Some(text) = line(&e) {
            match &bar {
                Some(bar) => bar.println(text),
                None => crate::out::println(&text),
            }
        }
        if let (Some(bar), Event::Finished { .. }) = (&bar, &e) {
            bar.inc(1);
        }
    }
}
