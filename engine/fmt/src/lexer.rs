//! Splits HCL native syntax into the tokens Terraform's formatter works on.
//!
//! The token kinds and boundaries follow HCL's own scanner (`hclsyntax`), because the layout rules
//! in [`crate::layout`] are decided per pair of tokens: a quoted template is an open quote, literal
//! chunks, `${`/`%{` sequences and a close quote; a heredoc is its introducer (newline included),
//! literal lines and its closing marker line; `#` and `//` comments carry their line ending, so
//! they end a line like a newline does. Whitespace between tokens (spaces and tabs) is dropped: the
//! layout recomputes all of it.
//!
//! Deliberately left out: deciding whether the token sequence forms a valid program. The lexer
//! only fails on what cannot be tokenized at all (an unterminated string or comment, a character
//! HCL has no token for); grammar is checked elsewhere.

use std::fmt;

/// What a token is, named after the `hclsyntax` token types the layout rules speak of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An identifier or keyword (`resource`, `for`, `true`, `aws_instance`, `a-b`).
    Ident,
    /// A number literal.
    Number,
    /// `"` opening a quoted template.
    OQuote,
    /// `"` closing a quoted template.
    CQuote,
    /// A literal chunk inside a quoted template.
    QuotedLit,
    /// `<<EOT` or `<<-EOT` with its line ending.
    OHeredoc,
    /// A heredoc's closing marker line, without its line ending.
    CHeredoc,
    /// A literal chunk inside a heredoc.
    StringLit,
    /// `${` or `${~`.
    TemplateInterp,
    /// `%{` or `%{~`.
    TemplateControl,
    /// `}` or `~}` closing a template sequence.
    TemplateSeqEnd,
    /// `{`
    OBrace,
    /// `}`
    CBrace,
    /// `[`
    OBrack,
    /// `]`
    CBrack,
    /// `(`
    OParen,
    /// `)`
    CParen,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `...`
    Ellipsis,
    /// `::`
    DoubleColon,
    /// `:`
    Colon,
    /// `?`
    Question,
    /// `=`
    Equal,
    /// `=>`
    FatArrow,
    /// `==`
    EqualOp,
    /// `!=`
    NotEqual,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `!`
    Bang,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
    /// A comment; `#` and `//` comments include their line ending when they have one.
    Comment,
    /// A line ending (`\n` or `\r\n`) outside templates.
    Newline,
}

/// One token: its kind, its exact source text, where it starts in the source, and the spaces
/// the layout puts before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    pub(crate) text: String,
    /// Byte offset in the source (0 for tokens a rewrite made up).
    pub(crate) offset: usize,
    pub(crate) spaces: usize,
}

impl Token {
    pub(crate) fn new(kind: Kind, text: impl Into<String>) -> Self {
        Token {
            kind,
            text: text.into(),
            offset: 0,
            spaces: 0,
        }
    }

    /// Whether this token ends a line: a newline, or a line comment that carries its newline.
    pub(crate) fn ends_line(&self) -> bool {
        match self.kind {
            Kind::Newline => true,
            Kind::Comment => self.text.ends_with('\n'),
            _ => false,
        }
    }

    /// How the token changes bracket nesting: +1 for openers (`${` and `%{` included), -1 for
    /// closers, 0 otherwise.
    pub(crate) fn bracket_change(&self) -> i32 {
        match self.kind {
            Kind::OBrace
            | Kind::OBrack
            | Kind::OParen
            | Kind::TemplateInterp
            | Kind::TemplateControl => 1,
            Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
            _ => 0,
        }
    }
}

/// Why the source could not be split into tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    /// Byte offset of the problem.
    pub(crate) offset: usize,
    /// What is wrong there.
    pub(crate) message: String,
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

enum Mode {
    /// Expressions and structure; also the inside of `${ }` and `%{ }`.
    Main,
    /// Inside `"..."`.
    Quoted,
    /// Inside a heredoc body.
    Heredoc { marker: String, start_of_line: bool },
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    modes: Vec<Mode>,
    /// Current `{`/`${`/`%{` nesting, as HCL's scanner counts it.
    braces: i32,
    /// Nesting levels at which a `}` closes a template sequence rather than an object.
    ret_braces: Vec<i32>,
}

/// Splits `src` into tokens.
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, LexError> {
    let mut lx = Lexer {
        src,
        pos: 0,
        tokens: Vec::new(),
        modes: vec![Mode::Main],
        braces: 0,
        ret_braces: Vec::new(),
    };
    while lx.pos < src.len() {
        match lx.modes.last() {
            Some(Mode::Main) | None => lx.main()?,
            Some(Mode::Quoted) => lx.quoted()?,
            Some(Mode::Heredoc { .. }) => lx.heredoc()?,
        }
    }
    match lx.modes.last() {
        Some(Mode::Main) if lx.modes.len() == 1 => Ok(lx.tokens),
        Some(Mode::Heredoc { marker, .. }) => Err(lx.error(format!(
            "unterminated heredoc: no closing \"{marker}\" marker line"
        ))),
        Some(Mode::Quoted) => Err(lx.error("unterminated template string".to_string())),
        _ => Err(lx.error("unterminated template sequence".to_string())),
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || unicode_ident::is_xid_start(c)
}

fn is_ident_continue(c: char) -> bool {
    c == '-' || unicode_ident::is_xid_continue(c)
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn error(&self, message: String) -> LexError {
        LexError {
            offset: self.pos,
            message,
        }
    }

    fn push(&mut self, kind: Kind, len: usize) {
        let mut token = Token::new(kind, &self.src[self.pos..self.pos + len]);
        token.offset = self.pos;
        self.tokens.push(token);
        self.pos += len;
    }

    /// Length of a line ending at the current position, if there is one.
    fn newline_len(&self) -> Option<usize> {
        let r = self.rest().as_bytes();
        match r {
            [b'\n', ..] => Some(1),
            [b'\r', b'\n', ..] => Some(2),
            _ => None,
        }
    }

    fn main(&mut self) -> Result<(), LexError> {
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return Ok(());
        };
        if c == ' ' || c == '\t' {
            self.pos += 1;
            return Ok(());
        }
        if let Some(n) = self.newline_len() {
            self.push(Kind::Newline, n);
            return Ok(());
        }
        if c.is_ascii_digit() {
            let n = number_len(rest);
            self.push(Kind::Number, n);
            return Ok(());
        }
        if is_ident_start(c) {
            let n = rest
                .char_indices()
                .find(|&(_, c)| !is_ident_continue(c))
                .map_or(rest.len(), |(i, _)| i);
            self.push(Kind::Ident, n);
            return Ok(());
        }
        if rest.starts_with('#') || rest.starts_with("//") {
            let n = rest.find('\n').map_or(rest.len(), |i| i + 1);
            self.push(Kind::Comment, n);
            return Ok(());
        }
        if let Some(body) = rest.strip_prefix("/*") {
            let Some(end) = body.find("*/") else {
                return Err(self.error("unterminated /* comment".to_string()));
            };
            self.push(Kind::Comment, end + 4);
            return Ok(());
        }
        if rest.starts_with("<<") {
            if let Some((n, marker)) = heredoc_intro(rest) {
                self.push(Kind::OHeredoc, n);
                self.modes.push(Mode::Heredoc {
                    marker,
                    start_of_line: true,
                });
                return Ok(());
            }
        }
        const MULTI: [(&str, Kind); 9] = [
            ("...", Kind::Ellipsis),
            ("==", Kind::EqualOp),
            ("!=", Kind::NotEqual),
            (">=", Kind::Gte),
            ("<=", Kind::Lte),
            ("&&", Kind::And),
            ("||", Kind::Or),
            ("::", Kind::DoubleColon),
            ("=>", Kind::FatArrow),
        ];
        for (s, kind) in MULTI {
            if rest.starts_with(s) {
                self.push(kind, s.len());
                return Ok(());
            }
        }
        if rest.starts_with("~}") {
            self.close_brace(2, true);
            return Ok(());
        }
        let kind = match c {
            '[' => Kind::OBrack,
            ']' => Kind::CBrack,
            '(' => Kind::OParen,
            ')' => Kind::CParen,
            '.' => Kind::Dot,
            ',' => Kind::Comma,
            '*' => Kind::Star,
            '/' => Kind::Slash,
            '%' => Kind::Percent,
            '+' => Kind::Plus,
            '-' => Kind::Minus,
            '=' => Kind::Equal,
            '<' => Kind::Lt,
            '>' => Kind::Gt,
            '!' => Kind::Bang,
            '?' => Kind::Question,
            ':' => Kind::Colon,
            '{' => {
                self.braces += 1;
                Kind::OBrace
            }
            '}' => {
                self.close_brace(1, false);
                return Ok(());
            }
            '"' => {
                self.push(Kind::OQuote, 1);
                self.modes.push(Mode::Quoted);
                return Ok(());
            }
            other => {
                return Err(self.error(format!("invalid character {other:?}")));
            }
        };
        self.push(kind, 1);
        Ok(())
    }

    /// A `}` (or `~}`): ends a template sequence when the nesting says so, else closes a brace.
    fn close_brace(&mut self, len: usize, tilde: bool) {
        if self.ret_braces.last() == Some(&self.braces) {
            self.push(Kind::TemplateSeqEnd, len);
            self.braces -= 1;
            self.ret_braces.pop();
            self.modes.pop();
        } else {
            // A stray `~}` stays a sequence end so that the grammar check rejects it.
            let kind = if tilde {
                Kind::TemplateSeqEnd
            } else {
                Kind::CBrace
            };
            self.push(kind, len);
            self.braces -= 1;
        }
    }

    /// `${`/`%{` (with an optional `~`): enters an interpolation or directive.
    fn try_template_open(&mut self) -> bool {
        let rest = self.rest();
        let kind = if rest.starts_with("${") {
            Kind::TemplateInterp
        } else if rest.starts_with("%{") {
            Kind::TemplateControl
        } else {
            return false;
        };
        let n = if rest[2..].starts_with('~') { 3 } else { 2 };
        self.push(kind, n);
        self.braces += 1;
        self.ret_braces.push(self.braces);
        if let Some(Mode::Heredoc { start_of_line, .. }) = self.modes.last_mut() {
            *start_of_line = false;
        }
        self.modes.push(Mode::Main);
        true
    }

    /// A `$` or `%` that does not open a sequence: `$${`/`%%{` (an escaped introducer) or the
    /// lone character. Returns the literal's length.
    fn escaped_introducer_len(rest: &str) -> usize {
        let b = rest.as_bytes();
        if b.len() >= 3 && b[1] == b[0] && b[2] == b'{' {
            if b.get(3) == Some(&b'~') {
                4
            } else {
                3
            }
        } else {
            1
        }
    }

    fn quoted(&mut self) -> Result<(), LexError> {
        if self.try_template_open() {
            return Ok(());
        }
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return Ok(());
        };
        match c {
            '"' => {
                self.push(Kind::CQuote, 1);
                self.modes.pop();
            }
            '$' | '%' => {
                let n = Self::escaped_introducer_len(rest);
                self.push(Kind::QuotedLit, n);
            }
            '\r' | '\n' => {
                return Err(self.error(
                    "unterminated template string: quoted strings may not span lines".to_string(),
                ));
            }
            _ => {
                let mut iter = rest.char_indices().peekable();
                let mut end = rest.len();
                while let Some((i, c)) = iter.next() {
                    match c {
                        '$' | '%' | '"' | '\r' | '\n' => {
                            end = i;
                            break;
                        }
                        '\\' => match iter.next() {
                            Some((_, '\r' | '\n')) | None => {
                                self.pos += i;
                                return Err(self.error("invalid escape sequence".to_string()));
                            }
                            Some(_) => {}
                        },
                        _ => {}
                    }
                }
                self.push(Kind::QuotedLit, end);
            }
        }
        Ok(())
    }

    fn heredoc(&mut self) -> Result<(), LexError> {
        if self.try_template_open() {
            return Ok(());
        }
        let rest = self.rest();
        let (marker, start_of_line) = match self.modes.last() {
            Some(Mode::Heredoc {
                marker,
                start_of_line,
            }) => (marker.clone(), *start_of_line),
            _ => return Ok(()),
        };
        if rest.starts_with('$') || rest.starts_with('%') {
            let n = Self::escaped_introducer_len(rest);
            self.push(Kind::StringLit, n);
            self.set_start_of_line(false);
            return Ok(());
        }
        let run = rest.find(['$', '%', '\r', '\n']).unwrap_or(rest.len());
        let eol = match &rest.as_bytes()[run..] {
            [b'\n', ..] => Some(1),
            [b'\r', b'\n', ..] => Some(2),
            [b'\r', ..] => {
                self.pos += run;
                return Err(self.error("invalid carriage return in heredoc".to_string()));
            }
            _ => None,
        };
        match eol {
            Some(nl) => {
                if start_of_line && rest[..run].trim() == marker {
                    self.push(Kind::CHeredoc, run);
                    self.push(Kind::Newline, nl);
                    self.modes.pop();
                } else {
                    self.push(Kind::StringLit, run + nl);
                    self.set_start_of_line(true);
                }
            }
            None => {
                if run == 0 {
                    // End of input inside the heredoc: reported by `lex`.
                    self.pos = self.src.len();
                    return Ok(());
                }
                self.push(Kind::StringLit, run);
                self.set_start_of_line(false);
            }
        }
        Ok(())
    }

    fn set_start_of_line(&mut self, value: bool) {
        if let Some(Mode::Heredoc { start_of_line, .. }) = self.modes.last_mut() {
            *start_of_line = value;
        }
    }
}

/// Length of a number literal: a digit, then digits, `.` and exponents, never ending in `.`.
fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 1;
    let mut end = 1;
    loop {
        match b.get(i) {
            Some(c) if c.is_ascii_digit() => {
                i += 1;
                end = i;
            }
            Some(b'.') => i += 1,
            Some(b'e' | b'E') => {
                let mut j = i + 1;
                if matches!(b.get(j), Some(b'+' | b'-')) {
                    j += 1;
                }
                if b.get(j).is_some_and(u8::is_ascii_digit) {
                    i = j + 1;
                    end = i;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    end
}

/// A heredoc introducer `<<ID\n` or `<<-ID\n`: its length (line ending included) and marker.
fn heredoc_intro(s: &str) -> Option<(usize, String)> {
    let mut i = 2;
    if s[i..].starts_with('-') {
        i += 1;
    }
    let ident = &s[i..];
    let first = ident.chars().next()?;
    if !is_ident_start(first) {
        return None;
    }
    let len = ident
        .char_indices()
        .find(|&(_, c)| !is_ident_continue(c))
        .map_or(ident.len(), |(k, _)| k);
    let marker = ident[..len].to_string();
    let after = &ident[len..];
    let nl = if after.starts_with('\n') {
        1
    } else if after.starts_with("\r\n") {
        2
    } else {
        return None;
    };
    Some((i + len + nl, marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, String)> {
        lex(src)
            .expect("lexes")
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn numbers_never_end_in_a_dot() {
        assert_eq!(number_len("1.5e+3 "), 6);
        assert_eq!(number_len("0.bar"), 1);
        assert_eq!(number_len("12"), 2);
        assert_eq!(number_len("1e"), 1);
    }

    #[test]
    fn quoted_literals_split_at_dollar_and_percent() {
        let k = kinds(r#""a$b$${c}%%{""#);
        let lits: Vec<&str> = k
            .iter()
            .filter(|(k, _)| *k == Kind::QuotedLit)
            .map(|(_, t)| t.as_str())
            .collect();
        assert_eq!(lits, ["a", "$", "b", "$${", "c}", "%%{"]);
    }

    #[test]
    fn heredoc_marker_line_keeps_its_indentation() {
        let k = kinds("x = <<-EOT\n  a ${b}\n  EOT\n");
        assert!(k.contains(&(Kind::CHeredoc, "  EOT".to_string())));
        assert_eq!(k.last().map(|t| t.0), Some(Kind::Newline));
    }

    #[test]
    fn interpolation_braces_nest() {
        let k = kinds(r#""${ {a = 1} }""#);
        let seq: Vec<Kind> = k.iter().map(|t| t.0).collect();
        assert_eq!(
            seq,
            [
                Kind::OQuote,
                Kind::TemplateInterp,
                Kind::OBrace,
                Kind::Ident,
                Kind::Equal,
                Kind::Number,
                Kind::CBrace,
                Kind::TemplateSeqEnd,
                Kind::CQuote
            ]
        );
    }

    #[test]
    fn unterminated_things_fail() {
        assert!(lex("a = \"abc").is_err());
        assert!(lex("a = <<EOT\nabc\nEOT").is_err());
        assert!(lex("/* abc").is_err());
        assert!(lex("a = \"${b\"").is_err());
    }
}
