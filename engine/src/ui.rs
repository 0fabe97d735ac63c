//! Where progress lines go: the terminal for the CLI, a buffer in tests.
//!
//! Engine code reports progress (`x: Refreshing state...`, `x: Creating...`) through [`Ui`] and
//! never prints directly, so the CLI decides about colors, progress bars and JSON modes.

use std::sync::Mutex;

/// A sink for progress lines.
pub trait Ui: Send + Sync {
    /// One line of progress.
    fn line(&self, text: &str);
}

/// Prints each line to standard output.
pub struct StdoutUi;

impl Ui for StdoutUi {
    fn line(&self, text: &str) {
        println!("{text}");
    }
}

/// Discards progress (for `--json` output and benchmarks).
pub struct QuietUi;

impl Ui for QuietUi {
    fn line(&self, _text: &str) {}
}

/// Keeps lines in memory, for tests.
#[derive(Default)]
pub struct BufferUi(pub Mutex<Vec<String>>);

impl Ui for BufferUi {
    fn line(&self, text: &str) {
        if let Ok(mut v) = self.0.lock() {
            v.push(text.to_string());
        }
    }
}
