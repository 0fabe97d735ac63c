//! Parsing configuration files: every file of a module on the available cores, a large file in
//! pieces cut at top-level block boundaries ([`split`](super::split)), and syntax errors located
//! where Terraform locates them (an unclosed string or heredoc where it opens).

use std::sync::Arc;

use hangar_core::Diagnostic;
use hangar_lang::SourceFile;
use hcl_edit::expr::Traversal;
use hcl_edit::structure::Body;
use hcl_edit::visit_mut::{visit_traversal_mut, VisitMut};

use super::split;

/// Files at least this large are split into pieces parsed in parallel.
const SPLIT_BYTES: usize = 256 * 1024;

/// A large file is cut into this many pieces per thread: the parser grows a piece's list of
/// blocks by doubling, and what a piece left behind is reused by the thread's next piece
/// rather than the whole list needing fresh memory at once (which a VM backs slowly).
const PIECES_PER_THREAD: usize = 4;

/// Parses every file, in parallel where there is more than one core: large files are cut at
/// top-level block boundaries ([`split::split_points`]) and each piece parses on its own, with
/// a [`SourceFile::part`] that keeps the whole file's positions. Each body is handed to
/// `prepare` where it was parsed. Returns the pieces in file order; a file any of whose pieces
/// fails to parse is parsed again whole, so its syntax error is exactly the one a whole-file
/// parse reports.
pub(super) fn parse_files<T: Send>(
    files: &[Arc<SourceFile>],
    prepare: &(dyn Fn(&Arc<SourceFile>, Body) -> T + Sync),
) -> Vec<(Arc<SourceFile>, Result<T, Diagnostic>)> {
    let parse = |f: &Arc<SourceFile>| parse_file(f).map(|body| prepare(f, body));
    let threads = crate::cores::available();
    // (index of the file, the piece)
    let mut pieces: Vec<(usize, Arc<SourceFile>)> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let points = if threads > 1 && !f.is_translated() && f.text.len() >= SPLIT_BYTES {
            let parts = (threads * PIECES_PER_THREAD).min(f.text.len() / (SPLIT_BYTES / 2));
            split::split_points(&f.text, parts)
        } else {
            Vec::new()
        };
        if points.is_empty() {
            pieces.push((i, f.clone()));
            continue;
        }
        let mut start = 0;
        for end in points.into_iter().chain([f.text.len()]) {
            pieces.push((i, Arc::new(f.part(start..end))));
            start = end;
        }
    }
    let mut parsed: Vec<Option<Result<T, Diagnostic>>> = Vec::new();
    let workers = threads.min(pieces.len());
    if workers <= 1 {
        parsed.extend(pieces.iter().map(|(_, f)| Some(parse(f))));
    } else {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            let mut out = Vec::new();
            loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((_, f)) = pieces.get(k) else { break };
                out.push((k, parse(f)));
            }
            out
        };
        // The calling thread is one of the workers: what it parses stays in its own heap.
        let done: Vec<Vec<(usize, Result<T, Diagnostic>)>> = std::thread::scope(|s| {
            let handles: Vec<_> = (1..workers).map(|_| s.spawn(work)).collect();
            let mut done = vec![work()];
            done.extend(
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
            );
            done
        });
        parsed.resize_with(pieces.len(), || None);
        for (k, r) in done.into_iter().flatten() {
            parsed[k] = Some(r);
        }
    }
    let mut out = Vec::with_capacity(pieces.len());
    let mut results = pieces.into_iter().zip(parsed).peekable();
    while let Some(((i, piece), r)) = results.next() {
        let mut group = vec![(piece, r)];
        while let Some(((_, p), r)) = results.next_if(|((j, _), _)| *j == i) {
            group.push((p, r));
        }
        let failed = group.iter().any(|(_, r)| !matches!(r, Some(Ok(_))));
        if failed && group.len() > 1 {
            out.push((files[i].clone(), parse(&files[i])));
        } else {
            for (p, r) in group {
                let r = match r {
                    Some(r) => r,
                    None => parse(&files[i]),
                };
                out.push((p, r));
            }
        }
    }
    out
}

/// Parses one file's body, turning a syntax error into a located diagnostic.
pub fn parse_file(file: &SourceFile) -> Result<Body, Diagnostic> {
    let mut body = hcl_edit::parser::parse_body(file.code()).map_err(|e| syntax_error(file, &e))?;
    Compact.visit_body_mut(&mut body);
    Ok(body)
}

/// Gives back what the parser over-allocates and a configuration keeps for its whole run: a
/// traversal's operators (200 bytes each) are collected four at a time, and most traversals
/// (`aws_vpc.main.id`) have two — 36 MB of a 100k-block plan.
struct Compact;

impl VisitMut for Compact {
    fn visit_traversal_mut(&mut self, node: &mut Traversal) {
        node.operators.shrink_to_fit();
        visit_traversal_mut(self, node);
    }
}

/// A diagnostic for an `hcl-edit` syntax error, located at the error's line and column.
///
/// A string, heredoc or interpolation left open is reported where it opens, in Terraform's
/// words, rather than where the parser gave up (often the end of the file).
pub fn syntax_error(file: &SourceFile, e: &hcl_edit::parser::Error) -> Diagnostic {
    let loc = e.location();
    let byte = byte_of(file.code(), loc.line(), loc.column());
    // The parser gives up after the opening, or backs up to the start of its line.
    let line_start = file.code()[..byte.min(file.code().len())]
        .rfind('\n')
        .map_or(0, |n| n + 1);
    let line_end = file.code()[byte.min(file.code().len())..]
        .find('\n')
        .map_or(file.code().len(), |n| byte + n);
    let found = crate::config::unclosed::find(file.code());
    if let Some(open) =
        found.filter(|u| u.at() <= line_end.max(byte) && (u.at() <= byte || u.at() >= line_start))
    {
        let (summary, detail) = open.message();
        let end = file.code()[open.at()..]
            .find('\n')
            .map_or(file.code().len(), |n| open.at() + n);
        return Diagnostic::error(summary, detail).at(Some(file.range(open.at()..end)));
    }
    Diagnostic::error("Invalid syntax", e.message().to_string())
        .at(Some(file.range(byte..byte + 1)))
}

/// The byte offset of a 1-based line and column (in characters).
fn byte_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[start.min(text.len())..];
    start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}
