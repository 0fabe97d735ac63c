//! Printing diagnostics for people: `file:line:col`, the source line, and a caret under the spot.
//!
//! The source text comes from the loaded configuration files (or any registered extra file);
//! a diagnostic without a location prints its summary and detail only. Colors follow the
//! same rule as plan output.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use hangar_core::{Diagnostic, Severity};
use hangar_lang::SourceFile;

use crate::render::Style;

/// Source files by name, to show the offending line.
#[derive(Default, Clone)]
pub struct Sources(HashMap<String, Arc<SourceFile>>);

impl Sources {
    /// Makes a file's text available for snippets.
    pub fn add(&mut self, f: Arc<SourceFile>) {
        self.0.insert(f.name.clone(), f);
    }

    /// Reads `name` (relative to `dir`) when it is not known yet: a diagnostic may point into
    /// a file that is not configuration, such as a variables file.
    pub fn read_missing(&mut self, dir: &std::path::Path, name: &str) {
        if self.0.contains_key(name) {
            return;
        }
        if let Ok(text) = std::fs::read_to_string(dir.join(name)) {
            self.add(Arc::new(SourceFile::new(name, text)));
        }
    }
}

/// One diagnostic as text, ending in a newline.
pub fn render_diagnostic(d: &Diagnostic, sources: &Sources, st: Style) -> String {
    let mut out = String::new();
    let (label, code) = match d.severity {
        Severity::Error => ("Error", "31"),
        Severity::Warning => ("Warning", "33"),
    };
    let head = if st.color {
        format!("\x1b[1;{code}m{label}:\x1b[0m \x1b[1m{}\x1b[0m", d.summary)
    } else {
        format!("{label}: {}", d.summary)
    };
    let _ = writeln!(out, "{head}");
    if let Some(r) = &d.subject {
        let _ = writeln!(
            out,
            "\n  on {}:{}:{}",
            r.filename, r.start.line, r.start.column
        );
        if let Some(f) = sources.0.get(&r.filename) {
            if let Some(line) = f.text.split('\n').nth(r.start.line.saturating_sub(1)) {
                let line = line.trim_end_matches('\r');
                let num = r.start.line.to_string();
                let _ = writeln!(out, "  {num} | {line}");
                let width = if r.end.line == r.start.line && r.end.column > r.start.column {
                    r.end.column - r.start.column
                } else {
                    1
                };
                let lead: String = line
                    .chars()
                    .take(r.start.column.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let _ = writeln!(
                    out,
                    "  {} | {lead}{}",
                    " ".repeat(num.len()),
                    "^".repeat(width.max(1))
                );
            }
        }
    }
    if !d.detail.is_empty() {
        let _ = writeln!(out, "\n{}", d.detail);
    }
    out
}
