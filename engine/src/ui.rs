//! Where progress lines go: the terminal for the CLI, a buffer in tests.
//!
//! Engine code reports progress (`x: Refreshing state...`, `x: Creating...`) through [`Ui`] and
//! never prints directly, so the CLI decides about colors, progress bars and JSON modes.

use std::sync::Mutex;

/// A sink for progress lines.
pub trait Ui: Send + Sync {
    /// One line of progress.
    fn line(&self, text: &str);

    /// An apply of `total` operations begins.
    fn start(&self, total: u64) {
        let _ = total;
    }

    /// One operation finished.
    fn advance(&self) {}

    /// The apply ended.
    fn finish(&self) {}
}

/// Lines above a progress bar, for applies on a terminal.
#[derive(Default)]
pub struct TtyUi(Mutex<Option<indicatif::ProgressBar>>);

impl Ui for TtyUi {
    fn line(&self, text: &str) {
        match self
            .0
            .lock()
            .ok()
            .as_ref()
            .and_then(|b| b.as_ref().cloned())
        {
            Some(bar) => bar.println(text),
            None => println!("{text}"),
        }
    }

    fn start(&self, total: u64) {
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} operations",
        ) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        if let Ok(mut b) = self.0.lock() {
            *b = Some(bar);
        }
    }

    fn advance(&self) {
        if let Some(bar) = self.0.lock().ok().as_ref().and_then(|b| b.as_ref()) {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.0.lock().ok().and_then(|mut b| b.take()) {
            bar.finish_and_clear();
        }
    }
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
