//! Standard output that a closed pipe cannot crash.
//!
//! `hangar plan | head -1` closes the pipe after one line; Rust's `println!` then panics. Every
//! command prints through [`out!`](crate::out!) and [`outln!`](crate::outln!) instead: once
//! stdout is gone, output is dropped quietly and the command goes on — an apply finishes and
//! records everything it started whatever happens to its stdout.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to standard output; after the first failure (a closed pipe) writes nothing.
pub fn print(text: &str) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Writes `text` and a newline to standard output (see [`print`]).
pub fn println(text: &str) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    let ok = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if ok.is_err() {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Streams a large document to standard output through one buffer (printing 50 MB of JSON
/// through `println!` took a quarter of `plan --json`); a write error (a closed pipe, `| head`)
/// marks standard output closed.
pub fn stream(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let ok = write(&mut out)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if ok.is_err() {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Whether standard output was closed under us.
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// Marks standard output as closed (a writer outside this module hit a closed pipe).
pub fn mark_closed() {
    CLOSED.store(true, Ordering::Relaxed);
}

/// `print!` that survives a closed pipe.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::print(&format!($($arg)*)) };
}

/// `println!` that survives a closed pipe.
#[macro_export]
macro_rules! outln {
    () => { $crate::out::println("") };
    ($($arg:tt)*) => { $crate::out::println(&format!($($arg)*)) };
}
