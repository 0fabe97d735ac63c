//! The rewrites `terraform fmt` makes on top of hclwrite's layout.
//!
//! Walking the body structure (attributes and blocks, recursively), it:
//! - unwraps an attribute value that is exactly one legacy interpolation, `"${var.x}"` becoming
//!   `var.x` (parenthesized when the expression spans lines); values nested inside objects or
//!   calls are not attributes and stay as written;
//! - in a top-level `variable` block, rewrites the legacy `type` forms: `"string"`, `"list"` and
//!   `"map"` become `string`, `list(string)` and `map(string)`; a bare `list`, `map` or `set`
//!   becomes `list(any)`, `map(any)`, `set(any)`;
//! - rewrites block labels as canonical quoted strings: bare labels get quotes, escapes are
//!   re-encoded, comments between the block type and its last label are dropped. A label that is
//!   not a single literal chunk (for instance `"a$b"`) is dropped, as Terraform drops it.
//!
//! Deliberately left out: layout (see [`crate::layout`]) and grammar checks (the caller has
//! already validated the source; a shape this walker does not expect is still reported as an
//! error rather than guessed at).

use crate::lexer::{Kind, Token};

/// Why the structure walk gave up (only on input that is not valid HCL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StructureError {
    /// Byte offset in the source where the walk stopped.
    pub(crate) offset: usize,
    /// What was expected there.
    pub(crate) message: String,
}

/// Applies Terraform's rewrites to a whole file's tokens.
pub(crate) fn rewrite(tokens: Vec<Token>) -> Result<Vec<Token>, StructureError> {
    let mut w = Walker {
        tokens,
        pos: 0,
        out: Vec::new(),
        blocks: Vec::new(),
    };
    w.body(false)?;
    if w.pos < w.tokens.len() {
        return Err(w.error("unexpected closing brace"));
    }
    Ok(w.out)
}

struct Walker {
    tokens: Vec<Token>,
    pos: usize,
    out: Vec<Token>,
    /// Types of the blocks enclosing the current body, outermost first.
    blocks: Vec<String>,
}

impl Walker {
    fn error(&self, message: &str) -> StructureError {
        StructureError {
            offset: self.tokens.get(self.pos).map_or(usize::MAX, |t| t.offset),
            message: message.to_string(),
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn copy(&mut self) {
        if let Some(t) = self.tokens.get(self.pos) {
            self.out.push(t.clone());
            self.pos += 1;
        }
    }

    /// Index of the next token at or after `i` that is not an inline (`/* */`) comment.
    fn skip_inline_comments(&self, mut i: usize) -> usize {
        while self
            .tokens
            .get(i)
            .is_some_and(|t| t.kind == Kind::Comment && !t.ends_line())
        {
            i += 1;
        }
        i
    }

    /// A body's items, up to (not including) its closing brace or the end of input.
    fn body(&mut self, in_block: bool) -> Result<(), StructureError> {
        loop {
            let Some(t) = self.peek() else {
                return if in_block {
                    Err(self.error("missing closing brace"))
                } else {
                    Ok(())
                };
            };
            match t.kind {
                Kind::Newline | Kind::Comment => self.copy(),
                Kind::CBrace if in_block => return Ok(()),
                Kind::Ident => self.item()?,
                _ => return Err(self.error("expected an attribute or block")),
            }
        }
    }

    fn item(&mut self) -> Result<(), StructureError> {
        let name = self.tokens[self.pos].text.clone();
        let next = self.skip_inline_comments(self.pos + 1);
        if self.tokens.get(next).map(|t| t.kind) == Some(Kind::Equal) {
            while self.pos <= next {
                self.copy();
            }
            self.attribute_value(&name)
        } else {
            self.block(name)
        }
    }

    fn attribute_value(&mut self, name: &str) -> Result<(), StructureError> {
        // The value runs to the end of the line, or to the brace closing a one-line block.
        let start = self.pos;
        let mut depth = 0i32;
        let mut end = start;
        while let Some(t) = self.tokens.get(end) {
            if depth == 0 && (t.ends_line() || t.kind == Kind::CBrace) {
                break;
            }
            depth += t.bracket_change();
            if depth < 0 {
                return Err(StructureError {
                    offset: t.offset,
                    message: "unbalanced brackets".to_string(),
                });
            }
            end += 1;
        }
        // Inline comments around the expression are not part of it.
        let is_inline_comment = |t: &Token| t.kind == Kind::Comment;
        let mut expr_start = start;
        while expr_start < end && is_inline_comment(&self.tokens[expr_start]) {
            expr_start += 1;
        }
        let mut expr_end = end;
        while expr_end > expr_start && is_inline_comment(&self.tokens[expr_end - 1]) {
            expr_end -= 1;
        }
        self.out.extend_from_slice(&self.tokens[start..expr_start]);
        let expr = &self.tokens[expr_start..expr_end];
        let in_variable = self.blocks.len() == 1 && self.blocks[0] == "variable";
        let rewritten = if in_variable && name == "type" {
            type_expr(expr)
        } else {
            value_expr(expr)
        };
        match rewritten {
            Some(new) => self.out.extend(new),
            None => self.out.extend_from_slice(expr),
        }
        self.out.extend_from_slice(&self.tokens[expr_end..end]);
        self.pos = end;
        Ok(())
    }

    fn block(&mut self, name: String) -> Result<(), StructureError> {
        self.copy(); // the block type
                     // Labels (quoted or bare) and comments, up to the opening brace.
        let header_start = self.pos;
        let mut labels: Vec<Option<String>> = Vec::new();
        let mut after_last_label = header_start;
        loop {
            let Some(t) = self.peek() else {
                return Err(self.error("expected a block's opening brace"));
            };
            match t.kind {
                Kind::OBrace => break,
                Kind::Comment if !t.ends_line() => self.pos += 1,
                Kind::Ident => {
                    labels.push(Some(t.text.clone()));
                    self.pos += 1;
                    after_last_label = self.pos;
                }
                Kind::OQuote => {
                    let open = self.pos;
                    let close = (open + 1..self.tokens.len())
                        .find(|&i| self.tokens[i].kind == Kind::CQuote)
                        .ok_or_else(|| self.error("unterminated block label"))?;
                    labels.push(literal_label(&self.tokens[open..=close]));
                    self.pos = close + 1;
                    after_last_label = self.pos;
                }
                _ => return Err(self.error("expected a block label or opening brace")),
            }
        }
        for label in labels.into_iter().flatten() {
            self.out.push(Token::new(Kind::OQuote, "\""));
            self.out
                .push(Token::new(Kind::QuotedLit, escape_quoted(&label)));
            self.out.push(Token::new(Kind::CQuote, "\""));
        }
        // Comments between the last label and the brace stay.
        self.out
            .extend_from_slice(&self.tokens[after_last_label..self.pos]);
        self.copy(); // `{`
        self.blocks.push(name);
        self.body(true)?;
        self.blocks.pop();
        self.copy(); // `}`
        Ok(())
    }
}

/// The text of a quoted label that is one literal chunk (or empty), decoded; `None` otherwise.
fn literal_label(tokens: &[Token]) -> Option<String> {
    match tokens {
        [o, c] if o.kind == Kind::OQuote && c.kind == Kind::CQuote => Some(String::new()),
        [o, lit, c]
            if o.kind == Kind::OQuote && lit.kind == Kind::QuotedLit && c.kind == Kind::CQuote =>
        {
            unescape_quoted(&lit.text)
        }
        _ => None,
    }
}

/// Decodes a quoted literal chunk (`\n`, `\uNNNN`, `$${`, …); `None` if an escape is invalid.
fn unescape_quoted(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                u @ ('u' | 'U') => {
                    let n = if u == 'u' { 4 } else { 8 };
                    let hex: String = (0..n).map_while(|_| chars.next()).collect();
                    if hex.len() != n {
                        return None;
                    }
                    let code = u32::from_str_radix(&hex, 16).ok()?;
                    out.push(char::from_u32(code)?);
                }
                _ => return None,
            },
            '$' | '%' if chars.peek() == Some(&c) => {
                // `$${` and `%%{` stand for a literal `${` / `%{`.
                let mut ahead = chars.clone();
                ahead.next();
                if ahead.peek() == Some(&'{') {
                    chars.next();
                }
                out.push(c);
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// Encodes `s` as the inside of a quoted string, as hclwrite does for generated values.
fn escape_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                if chars.peek() == Some(&'{') {
                    out.push(c);
                }
            }
            c if !is_printable(c) => {
                let code = u32::from(c);
                if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Approximates Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the
/// ASCII space. Controls, other spaces, format characters and private use are not printable.
/// (Unassigned code points are treated as printable; Go would escape them.)
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = u32::from(c);
    let format_or_private = matches!(
        u,
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
            | 0xE000..=0xF8FF
            | 0xF0000..=0xFFFFD
            | 0x100000..=0x10FFFD
            | 0xFFFE
            | 0xFFFF
    );
    !format_or_private
}

/// `"${ expr }"` as a whole value becomes `expr` (in parentheses when it spans lines).
fn value_expr(tokens: &[Token]) -> Option<Vec<Token>> {
    let n = tokens.len();
    if n < 5
        || tokens[0].kind != Kind::OQuote
        || tokens[1].kind != Kind::TemplateInterp
        || tokens[n - 2].kind != Kind::TemplateSeqEnd
        || tokens[n - 1].kind != Kind::CQuote
    {
        return None;
    }
    let inside = &tokens[2..n - 2];
    let mut quotes = 0i32;
    for t in inside {
        match t.kind {
            Kind::OQuote => quotes += 1,
            Kind::CQuote => quotes -= 1,
            _ if quotes > 0 => {}
            Kind::TemplateInterp | Kind::TemplateSeqEnd | Kind::QuotedLit => return None,
            _ => {}
        }
    }
    let first = inside.iter().position(|t| t.kind != Kind::Newline)?;
    let last = inside.iter().rposition(|t| t.kind != Kind::Newline)?;
    let trimmed = &inside[first..=last];
    let multi_line = trimmed.iter().any(|t| t.kind == Kind::Newline);
    let parenthesized = trimmed[0].kind == Kind::OParen
        && trimmed.len() > 1
        && trimmed[trimmed.len() - 1].kind == Kind::CParen;
    let mut out = Vec::with_capacity(trimmed.len() + 2);
    if multi_line && !parenthesized {
        out.push(Token::new(Kind::OParen, "("));
        out.extend_from_slice(trimmed);
        out.push(Token::new(Kind::CParen, ")"));
    } else {
        out.extend_from_slice(trimmed);
    }
    Some(out)
}

/// Legacy type constraints in a variable's `type`.
fn type_expr(tokens: &[Token]) -> Option<Vec<Token>> {
    let call = |name: &str, arg: &str| {
        vec![
            Token::new(Kind::Ident, name),
            Token::new(Kind::OParen, "("),
            Token::new(Kind::Ident, arg),
            Token::new(Kind::CParen, ")"),
        ]
    };
    match tokens {
        [kw] if kw.kind == Kind::Ident => match kw.text.as_str() {
            "list" | "map" | "set" => Some(call(&kw.text, "any")),
            _ => None,
        },
        [o, lit, c]
            if o.kind == Kind::OQuote && lit.kind == Kind::QuotedLit && c.kind == Kind::CQuote =>
        {
            match lit.text.as_str() {
                "string" => Some(vec![Token::new(Kind::Ident, "string")]),
                "list" | "map" => Some(call(&lit.text, "string")),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip_as_hclwrite_writes_them() {
        assert_eq!(
            unescape_quoted(r"a\tb\u00e9\\").as_deref(),
            Some("a\tb\u{e9}\\")
        );
        assert_eq!(escape_quoted("a\tb\u{e9}\u{a0}\\"), r"a\tbé\u00a0\\");
        assert_eq!(unescape_quoted("$${").as_deref(), Some("${"));
        assert_eq!(escape_quoted("${"), "$${");
        assert_eq!(escape_quoted("\u{1F600}"), "\u{1F600}");
        assert_eq!(escape_quoted("\u{e000}"), r"\ue000");
    }
}
