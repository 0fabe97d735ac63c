//! Decides whether a token sequence is valid HCL native syntax, as Terraform's parser does.
//!
//! `terraform fmt` refuses to touch a file that `hclsyntax.ParseConfig` rejects, so this follows
//! that parser's grammar and its syntax-level checks: bodies of attributes and blocks (one-line
//! blocks hold a single attribute), no attribute defined twice in one body, literal-only block
//! labels, expressions with HCL's operator precedence, traversals and splats (no splat nested in
//! an attribute-only splat, no `.0.1` legacy index), function calls (`provider::ns::f` too),
//! tuple/object constructors, `for` expressions, conditionals, templates with balanced
//! `if`/`for` directives, valid escapes in quoted strings and valid number literals.
//!
//! Newlines matter as in HCL: they end attributes and separate object items, and are ignored
//! inside parentheses, brackets, template sequences and `for` expressions. Line comments act as
//! newlines; inline comments are skipped.
//!
//! Deliberately left out: everything checked only when a configuration is decoded or evaluated
//! (duplicate object keys, unknown functions, block schemas); Terraform's formatter accepts those.

use std::collections::HashSet;

use crate::lexer::{Kind, Token};

mod expr;

/// A syntax error: where (byte offset) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) offset: usize,
    pub(crate) message: String,
}

type Result<T> = std::result::Result<T, SyntaxError>;

/// Checks a whole file.
pub(crate) fn check(tokens: &[Token], src_len: usize) -> Result<()> {
    let mut p = Parser {
        tokens,
        pos: 0,
        newlines: vec![true],
        src_len,
        depth: 0,
    };
    p.body(None)
}

/// A significant token as the parser sees it: a line comment counts as a newline.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok {
    Kind(Kind),
    Eof,
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    /// Whether newlines are significant, innermost context last.
    newlines: Vec<bool>,
    src_len: usize,
    /// Current nesting of blocks and expressions, bounded by [`MAX_DEPTH`].
    depth: usize,
}

/// Deepest nesting of blocks and expressions accepted. Real configurations stay far below; the
/// bound keeps the recursive parser off the end of the stack.
const MAX_DEPTH: usize = 200;

impl Parser<'_> {
    fn include_newlines(&self) -> bool {
        self.newlines.last().copied().unwrap_or(true)
    }

    /// Index of the next significant token, skipping comments (and newlines where ignored).
    fn next_index(&self) -> Option<usize> {
        let nl = self.include_newlines();
        let mut i = self.pos;
        while let Some(t) = self.tokens.get(i) {
            match t.kind {
                Kind::Comment if nl && t.ends_line() => return Some(i),
                Kind::Comment => {}
                Kind::Newline if !nl => {}
                _ => return Some(i),
            }
            i += 1;
        }
        None
    }

    fn peek(&self) -> Tok {
        match self.next_index() {
            Some(i) => {
                let t = &self.tokens[i];
                if t.kind == Kind::Comment {
                    Tok::Kind(Kind::Newline)
                } else {
                    Tok::Kind(t.kind)
                }
            }
            None => Tok::Eof,
        }
    }

    fn peek_token(&self) -> Option<&Token> {
        self.next_index().map(|i| &self.tokens[i])
    }

    fn peek_is(&self, kind: Kind) -> bool {
        self.peek() == Tok::Kind(kind)
    }

    fn peek_keyword(&self, word: &str) -> bool {
        self.peek_token()
            .is_some_and(|t| t.kind == Kind::Ident && t.text == word)
    }

    /// Consumes the next significant token.
    fn read(&mut self) -> Option<&Token> {
        let i = self.next_index()?;
        self.pos = i + 1;
        self.tokens.get(i)
    }

    fn error_here(&self, message: &str) -> SyntaxError {
        let offset = self.peek_token().map_or(self.src_len, |t| t.offset);
        SyntaxError {
            offset,
            message: message.to_string(),
        }
    }

    fn expect(&mut self, kind: Kind, message: &str) -> Result<()> {
        if self.peek_is(kind) {
            self.read();
            Ok(())
        } else {
            Err(self.error_here(message))
        }
    }

    fn with_newlines<T>(
        &mut self,
        include: bool,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        self.newlines.push(include);
        let r = f(self);
        self.newlines.pop();
        r
    }

    // ---- bodies ----

    /// A body up to `end` (a closing brace) or the end of input.
    fn body(&mut self, end: Option<Kind>) -> Result<()> {
        let mut attrs: HashSet<String> = HashSet::new();
        loop {
            match self.peek() {
                Tok::Kind(k) if Some(k) == end => {
                    self.read();
                    return Ok(());
                }
                Tok::Eof if end.is_none() => return Ok(()),
                Tok::Eof => {
                    return Err(self.error_here(
                        "Unclosed configuration block: there is no closing brace for this block \
                         before the end of the file",
                    ))
                }
                Tok::Kind(Kind::Newline) => {
                    self.read();
                }
                Tok::Kind(Kind::Ident) => {
                    if let Some((name, offset)) = self.body_item()? {
                        if !attrs.insert(name.clone()) {
                            return Err(SyntaxError {
                                offset,
                                message: format!(
                                    "Attribute redefined: the argument \"{name}\" was already set"
                                ),
                            });
                        }
                    }
                }
                Tok::Kind(Kind::OQuote) => {
                    return Err(
                        self.error_here("Invalid argument name: argument names must not be quoted")
                    )
                }
                Tok::Kind(_) => {
                    return Err(self.error_here("Argument or block definition required"))
                }
            }
        }
    }
}

impl Parser<'_> {
    /// An attribute (returns its name and offset) or a block (returns `None`).
    fn body_item(&mut self) -> Result<Option<(String, usize)>> {
        let ident = self
            .read()
            .cloned()
            .ok_or_else(|| self.error_here("expected a name"))?;
        match self.peek() {
            Tok::Kind(Kind::Equal) => {
                self.attribute(false)?;
                Ok(Some((ident.text, ident.offset)))
            }
            Tok::Kind(Kind::OQuote | Kind::OBrace | Kind::Ident) => {
                self.nested(Self::block)?;
                Ok(None)
            }
            _ => Err(self.error_here(
                "Argument or block definition required: to set an argument, use the equals sign \
                 \"=\" to introduce the argument value",
            )),
        }
    }

    fn attribute(&mut self, single_line: bool) -> Result<()> {
        self.read(); // `=`
        self.expression()?;
        if single_line {
            return Ok(());
        }
        match self.peek() {
            Tok::Kind(Kind::Newline) => {
                self.read();
                Ok(())
            }
            Tok::Eof => Ok(()),
            Tok::Kind(Kind::Comma) => Err(self.error_here(
                "Unexpected comma after argument: argument definitions must be separated by \
                 newlines, not commas",
            )),
            _ => Err(self.error_here(
                "Missing newline after argument: an argument definition must end with a newline",
            )),
        }
    }

    fn block(&mut self) -> Result<()> {
        loop {
            match self.peek() {
                Tok::Kind(Kind::OBrace) => {
                    self.read();
                    break;
                }
                Tok::Kind(Kind::OQuote) => self.label_string()?,
                Tok::Kind(Kind::Ident) => {
                    self.read();
                }
                Tok::Kind(Kind::Equal) => {
                    return Err(self.error_here(
                        "Invalid block definition: the equals sign \"=\" indicates an argument \
                         definition, and must not be used when defining a block",
                    ))
                }
                Tok::Kind(Kind::Newline) => {
                    return Err(self.error_here(
                        "Invalid block definition: a block definition must have block content \
                         delimited by \"{\" and \"}\", starting on the same line as the block header",
                    ))
                }
                _ => {
                    return Err(self.error_here(
                        "Invalid block definition: either a quoted string block label or an \
                         opening brace (\"{\") is expected here",
                    ))
                }
            }
        }
        match self.peek() {
            Tok::Kind(Kind::Newline | Kind::CBrace) | Tok::Eof => self.body(Some(Kind::CBrace))?,
            _ => self.single_attribute_body()?,
        }
        match self.peek() {
            Tok::Kind(Kind::Newline) => {
                self.read();
                Ok(())
            }
            Tok::Eof => Ok(()),
            _ => Err(self.error_here(
                "Missing newline after block definition: a block definition must end with a newline",
            )),
        }
    }

    /// `{ name = value }` on one line.
    fn single_attribute_body(&mut self) -> Result<()> {
        if !self.peek_is(Kind::Ident) {
            return Err(self.error_here("Argument or block definition required"));
        }
        self.read();
        match self.peek() {
            Tok::Kind(Kind::Equal) => self.attribute(true)?,
            Tok::Kind(Kind::OQuote | Kind::OBrace | Kind::Ident) => {
                return Err(self.error_here(
                    "Argument definition required: a single-line block definition can contain \
                     only a single argument",
                ))
            }
            _ => return Err(self.error_here("Argument or block definition required")),
        }
        self.expect(
            Kind::CBrace,
            "Invalid single-argument block definition: a single-line block definition must end \
             with a closing brace immediately after its single argument definition",
        )
    }

    /// A quoted block label: literal text only.
    fn label_string(&mut self) -> Result<()> {
        self.read(); // `"`
        loop {
            let Some(t) = self.tokens.get(self.pos) else {
                return Err(self.error_here("Unterminated template string"));
            };
            self.pos += 1;
            match t.kind {
                Kind::CQuote => return Ok(()),
                Kind::QuotedLit => expr::check_escapes(t)?,
                Kind::TemplateInterp | Kind::TemplateControl => {
                    return Err(SyntaxError {
                        offset: t.offset,
                        message: "Invalid string literal: template sequences are not allowed in \
                                  this string"
                            .to_string(),
                    })
                }
                _ => {
                    return Err(SyntaxError {
                        offset: t.offset,
                        message: "Unterminated template string".to_string(),
                    })
                }
            }
        }
    }
}
