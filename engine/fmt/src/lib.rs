//! Canonical HCL layout, byte for byte as `terraform fmt` writes it.
//!
//! It owns formatting only, works on text and tokens of its own, and must never depend on
//! another Hangar crate (it must format files the rest of Hangar cannot even load).
//!
//! [`format()`] takes HCL native syntax (`.tf`, `.tfvars`, `.hcl`) and returns it in the layout
//! Terraform's `fmt` command produces: hclwrite's token-based formatter (indentation by bracket
//! nesting, normalized spacing between tokens, aligned `=` and trailing comments) plus the
//! rewrites Terraform adds on top (legacy `"${…}"` values unwrapped, block labels quoted, legacy
//! variable `type` strings replaced). Heredoc bodies, comments, blank lines and line endings
//! (`\n` or `\r\n`) are kept as written; no trailing newline is added; a leading byte order
//! mark is dropped.
//!
//! The work is done in four steps, one module each: `lexer` splits the source into HCL's
//! tokens, `syntax` checks them against HCL's grammar as Terraform's parser does (so nothing is
//! rewritten unless the whole file parses), `terraform` applies Terraform's rewrites over the
//! body structure, and `layout` sets the whitespace before every token.
//!
//! The grammar check is our own rather than `hcl-edit`'s parser: differential runs against
//! Terraform showed `hcl-edit` rejecting files Terraform formats (duplicate object keys, which
//! HCL only reports when evaluating) and accepting files Terraform rejects (nested splats,
//! chained legacy indexes, unbalanced template directives).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod layout;
mod lexer;
mod syntax;
mod terraform;

/// Why a source could not be formatted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FmtError {
    /// The source does not parse; nothing is rewritten. The message starts with the
    /// `line:column` (1-based) of the problem.
    #[error("{0}")]
    Parse(String),
}

/// Returns `src` in canonical layout.
///
/// # Errors
///
/// Fails with [`FmtError::Parse`], changing nothing, when `src` is not valid HCL native syntax.
pub fn format(src: &str) -> Result<String, FmtError> {
    // Terraform drops a leading byte order mark.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let tokens = lexer::lex(src).map_err(|e| parse_error(src, e.offset, &e.message))?;
    syntax::check(&tokens, src.len()).map_err(|e| parse_error(src, e.offset, &e.message))?;
    // Spaces and tabs after the last token are not part of any line; Terraform keeps them (as
    // spaces, one per byte).
    let end = tokens.last().map_or(0, |t| t.offset + t.text.len());
    let trailing = src.len() - end;
    let mut tokens =
        terraform::rewrite(tokens).map_err(|e| parse_error(src, e.offset, &e.message))?;
    layout::layout(&mut tokens);
    let mut out = layout::render(&tokens);
    out.extend(std::iter::repeat_n(' ', trailing));
    Ok(out)
}

fn parse_error(src: &str, offset: usize, message: &str) -> FmtError {
    let (line, column) = line_column(src, offset);
    FmtError::Parse(format!("{line}:{column}: {message}"))
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = src.get(..offset).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for (open, close) in [
            ("[", "]"),
            ("(", ")"),
            ("{a=", "}"),
            ("\"${", "}\""),
            ("-", ""),
        ] {
            let src = format!("x = {}1{}\n", open.repeat(5000), close.repeat(5000));
            assert!(format(&src).is_err(), "{open}");
        }
        let blocks = format!("{}{}", "a {\n".repeat(5000), "}\n".repeat(5000));
        assert!(format(&blocks).is_err());
        let ok = format!("x = {}1{}\n", "[".repeat(50), "]".repeat(50));
        assert!(format(&ok).is_ok());
    }

    #[test]
    fn errors_carry_a_location() {
        let err = format("a = 1\nb = \n").expect_err("missing value");
        let FmtError::Parse(msg) = err;
        assert!(msg.starts_with("2:5: "), "{msg}");
    }
}
