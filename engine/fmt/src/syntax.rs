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
                Kind::QuotedLit => check_escapes(t)?,
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

/// Binary operators by precedence, loosest first.
const BINARY_LEVELS: [&[Kind]; 6] = [
    &[Kind::Or],
    &[Kind::And],
    &[Kind::EqualOp, Kind::NotEqual],
    &[Kind::Gt, Kind::Gte, Kind::Lt, Kind::Lte],
    &[Kind::Plus, Kind::Minus],
    &[Kind::Star, Kind::Slash, Kind::Percent],
];

impl Parser<'_> {
    // ---- expressions ----

    fn expression(&mut self) -> Result<()> {
        self.nested(Self::expression_inner)
    }

    /// Runs `f` one nesting level deeper, failing past [`MAX_DEPTH`].
    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        if self.depth >= MAX_DEPTH {
            return Err(
                self.error_here("Nesting too deep: blocks and expressions nest past 200 levels")
            );
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn expression_inner(&mut self) -> Result<()> {
        self.binary(0)?;
        if self.peek_is(Kind::Question) {
            self.read();
            self.expression()?;
            self.expect(
                Kind::Colon,
                "Missing false expression in conditional: the conditional operator (...?...:...) \
                 requires a false expression, delimited by a colon",
            )?;
            self.expression()?;
        }
        Ok(())
    }

    fn binary(&mut self, level: usize) -> Result<()> {
        let Some(ops) = BINARY_LEVELS.get(level) else {
            return self.term_with_traversals();
        };
        self.binary(level + 1)?;
        while let Tok::Kind(k) = self.peek() {
            if !ops.contains(&k) {
                break;
            }
            self.read();
            self.binary(level + 1)?;
        }
        Ok(())
    }

    fn term_with_traversals(&mut self) -> Result<()> {
        self.term()?;
        self.traversals()
    }

    fn term(&mut self) -> Result<()> {
        let Some(t) = self.peek_token().cloned() else {
            return Err(self.error_here(
                "Missing expression: expected the start of an expression, but found the end of \
                 the file",
            ));
        };
        match self.peek() {
            Tok::Kind(Kind::OParen) => {
                self.read();
                self.with_newlines(false, |p| {
                    p.expression()?;
                    p.expect(
                        Kind::CParen,
                        "Unbalanced parentheses: expected a closing parenthesis to terminate the \
                         expression",
                    )
                })
            }
            Tok::Kind(Kind::Number) => {
                self.read();
                check_number(&t)
            }
            Tok::Kind(Kind::Ident) => {
                self.read();
                if self.peek_is(Kind::OParen) || self.peek_is(Kind::DoubleColon) {
                    self.function_call()
                } else {
                    Ok(())
                }
            }
            Tok::Kind(Kind::OQuote | Kind::OHeredoc) => {
                self.read();
                self.template()
            }
            Tok::Kind(Kind::Minus | Kind::Bang) => {
                self.read();
                self.nested(Self::term_with_traversals)
            }
            Tok::Kind(Kind::OBrack) => {
                self.read();
                if self.with_newlines(false, |p| Ok(p.peek_keyword("for")))? {
                    return self.for_expression(Kind::CBrack);
                }
                self.with_newlines(false, Self::tuple_items)
            }
            Tok::Kind(Kind::OBrace) => {
                self.read();
                if self.with_newlines(false, |p| Ok(p.peek_keyword("for")))? {
                    return self.for_expression(Kind::CBrace);
                }
                self.with_newlines(true, Self::object_items)
            }
            Tok::Kind(Kind::Newline) => Err(self.error_here(
                "Missing expression: expected the start of an expression, but found the end of \
                 the line",
            )),
            _ => Err(self.error_here(
                "Invalid expression: expected the start of an expression, but found an invalid \
                 expression token",
            )),
        }
    }

    fn traversals(&mut self) -> Result<()> {
        loop {
            match self.peek() {
                Tok::Kind(Kind::Dot) => {
                    self.read();
                    match self.peek() {
                        Tok::Kind(Kind::Ident) => {
                            self.read();
                        }
                        Tok::Kind(Kind::Number) => self.legacy_index()?,
                        Tok::Kind(Kind::Star) => {
                            self.read();
                            self.attribute_only_splat()?;
                        }
                        _ => {
                            return Err(self.error_here(
                                "Invalid attribute name: an attribute name is required after a dot",
                            ))
                        }
                    }
                }
                Tok::Kind(Kind::OBrack) => {
                    self.read();
                    if self.peek_is(Kind::Star) {
                        self.read();
                        self.expect(
                            Kind::CBrack,
                            "Missing close bracket on splat index: the star for a full splat \
                             operator must be immediately followed by a closing bracket (\"]\")",
                        )?;
                        // The rest of the traversal applies to each element.
                        continue;
                    }
                    self.with_newlines(false, |p| {
                        p.expression()?;
                        p.expect(
                            Kind::CBrack,
                            "Missing close bracket on index: the index operator must end with a \
                             closing bracket (\"]\")",
                        )
                    })?;
                }
                _ => return Ok(()),
            }
        }
    }

    /// `.0` (a legacy way of writing `[0]`); `.0.1` lexes as one number and is rejected.
    fn legacy_index(&mut self) -> Result<()> {
        let t = self.peek_token().cloned();
        self.read();
        match t {
            Some(t) if t.text.contains('.') => Err(SyntaxError {
                offset: t.offset,
                message: "Invalid legacy index syntax: when using the legacy index syntax, \
                          chaining two indexes together is not permitted; use the modern index \
                          syntax instead"
                    .to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// After `.*`: only attribute names (or legacy numeric indexes) may follow.
    fn attribute_only_splat(&mut self) -> Result<()> {
        while self.peek_is(Kind::Dot) {
            self.read();
            match self.peek() {
                Tok::Kind(Kind::Number) => self.legacy_index()?,
                Tok::Kind(Kind::Ident) => {
                    self.read();
                }
                Tok::Kind(Kind::Star) => {
                    return Err(self.error_here(
                        "Nested splat expression not allowed: a splat expression (*) cannot be \
                         used inside another attribute-only splat expression",
                    ))
                }
                _ => {
                    return Err(self.error_here(
                        "Invalid attribute name: an attribute name is required after a dot",
                    ))
                }
            }
        }
        Ok(())
    }

    /// After the function name: optional `::name` parts, then the argument list.
    fn function_call(&mut self) -> Result<()> {
        while self.peek_is(Kind::DoubleColon) {
            self.read();
            self.expect(
                Kind::Ident,
                "Missing function name: the scope operator (::) must be followed by a name",
            )?;
        }
        self.expect(
            Kind::OParen,
            "Missing function call: a function namespace must be followed by a function call",
        )?;
        self.with_newlines(false, |p| loop {
            if p.peek_is(Kind::CParen) {
                p.read();
                return Ok(());
            }
            p.expression()?;
            match p.peek() {
                Tok::Kind(Kind::CParen) => {
                    p.read();
                    return Ok(());
                }
                Tok::Kind(Kind::Ellipsis) => {
                    p.read();
                    return p.expect(
                        Kind::CParen,
                        "Missing closing parenthesis: an expanded function argument (with \
                             ...) must be immediately followed by closing parentheses",
                    );
                }
                Tok::Kind(Kind::Comma) => {
                    p.read();
                }
                _ => {
                    return Err(p.error_here(
                        "Missing argument separator: a comma is required to separate each \
                             function argument from the next",
                    ))
                }
            }
        })
    }

    fn tuple_items(&mut self) -> Result<()> {
        loop {
            if self.peek_is(Kind::CBrack) {
                self.read();
                return Ok(());
            }
            self.expression()?;
            match self.peek() {
                Tok::Kind(Kind::CBrack) => {
                    self.read();
                    return Ok(());
                }
                Tok::Kind(Kind::Comma) => {
                    self.read();
                }
                _ => {
                    return Err(self.error_here(
                        "Missing item separator: expected a comma to mark the beginning of the \
                         next item",
                    ))
                }
            }
        }
    }

    fn object_items(&mut self) -> Result<()> {
        loop {
            match self.peek() {
                Tok::Kind(Kind::Newline) => {
                    self.read();
                    continue;
                }
                Tok::Kind(Kind::CBrace) => {
                    self.read();
                    return Ok(());
                }
                _ => {}
            }
            self.expression()?;
            match self.peek() {
                Tok::Kind(Kind::Equal | Kind::Colon) => {
                    self.read();
                }
                _ => {
                    return Err(self.error_here(
                        "Missing key/value separator: expected an equals sign (\"=\") to mark \
                         the beginning of the attribute value",
                    ))
                }
            }
            self.expression()?;
            match self.peek() {
                Tok::Kind(Kind::CBrace) => {
                    self.read();
                    return Ok(());
                }
                Tok::Kind(Kind::Comma | Kind::Newline) => {
                    self.read();
                }
                _ => {
                    return Err(self.error_here(
                        "Missing attribute separator: expected a newline or comma to mark the \
                         beginning of the next attribute",
                    ))
                }
            }
        }
    }

    /// `for k, v in coll : [key =>] value [...] [if cond]` up to `close`; the opener is read.
    fn for_expression(&mut self, close: Kind) -> Result<()> {
        self.with_newlines(false, |p| {
            p.read(); // `for`
            p.for_intro()?;
            p.expect(
                Kind::Colon,
                "Invalid 'for' expression: for expression requires a colon after the collection \
                 expression",
            )?;
            p.expression()?;
            let mut has_key = false;
            if p.peek_is(Kind::FatArrow) {
                p.read();
                has_key = true;
                p.expression()?;
            }
            let mut grouped = false;
            if p.peek_is(Kind::Ellipsis) {
                p.read();
                grouped = true;
            }
            if p.peek_keyword("if") {
                p.read();
                p.expression()?;
            }
            if !p.peek_is(close) {
                return Err(p.error_here(
                    "Invalid 'for' expression: extra characters after the end of the 'for' \
                     expression",
                ));
            }
            if close == Kind::CBrack && has_key {
                return Err(p.error_here(
                    "Invalid 'for' expression: key expression is not valid when building a tuple",
                ));
            }
            if close == Kind::CBrack && grouped {
                return Err(p.error_here(
                    "Invalid 'for' expression: grouping ellipsis (...) cannot be used when \
                     building a tuple",
                ));
            }
            if close == Kind::CBrace && !has_key {
                return Err(p.error_here(
                    "Invalid 'for' expression: key expression is required when building an object",
                ));
            }
            p.read();
            Ok(())
        })
    }

    /// `name [, name] in collection` of a `for` expression or directive.
    fn for_intro(&mut self) -> Result<()> {
        self.expect(
            Kind::Ident,
            "Invalid 'for' expression: for expression requires variable name after 'for'",
        )?;
        if self.peek_is(Kind::Comma) {
            self.read();
            self.expect(
                Kind::Ident,
                "Invalid 'for' expression: for expression requires value variable name after comma",
            )?;
        }
        if !self.peek_keyword("in") {
            return Err(self.error_here(
                "Invalid 'for' expression: for expression requires the 'in' keyword after its \
                 name declarations",
            ));
        }
        self.read();
        self.expression()
    }

    /// A quoted or heredoc template after its opener, through its closer.
    fn template(&mut self) -> Result<()> {
        #[derive(PartialEq)]
        enum Open {
            If { has_else: bool },
            For,
        }
        let mut open: Vec<(Open, usize)> = Vec::new();
        loop {
            let Some(t) = self.tokens.get(self.pos).cloned() else {
                return Err(self.error_here("Unterminated template string"));
            };
            self.pos += 1;
            match t.kind {
                Kind::CQuote | Kind::CHeredoc => break,
                Kind::QuotedLit => check_escapes(&t)?,
                Kind::StringLit => {}
                Kind::TemplateInterp => self.with_newlines(false, |p| {
                    p.expression()?;
                    p.expect(
                        Kind::TemplateSeqEnd,
                        "Extra characters after interpolation expression: expected a closing \
                         brace to end the interpolation expression",
                    )
                })?,
                Kind::TemplateControl => {
                    let kw = self.with_newlines(false, |p| {
                        let Some(kw) = p.peek_token().filter(|t| t.kind == Kind::Ident).cloned()
                        else {
                            return Err(p.error_here(
                                "Invalid template directive: a template directive keyword \
                                 (\"if\", \"for\", etc) is expected at the beginning of a %{ \
                                 sequence",
                            ));
                        };
                        p.read();
                        match kw.text.as_str() {
                            "if" => p.expression()?,
                            "for" => p.for_intro()?,
                            "else" | "endif" | "endfor" => {}
                            _ => {
                                return Err(SyntaxError {
                                    offset: kw.offset,
                                    message: "Invalid template control keyword: expected \"if\", \
                                              \"for\", \"else\", \"endif\" or \"endfor\""
                                        .to_string(),
                                })
                            }
                        }
                        p.expect(
                            Kind::TemplateSeqEnd,
                            "Extra characters in template directive: expected a closing brace",
                        )?;
                        Ok(kw)
                    })?;
                    let misplaced = |word: &str| SyntaxError {
                        offset: kw.offset,
                        message: format!("Unexpected \"{word}\" directive"),
                    };
                    match kw.text.as_str() {
                        "if" => open.push((Open::If { has_else: false }, kw.offset)),
                        "for" => open.push((Open::For, kw.offset)),
                        "else" => match open.last_mut() {
                            Some((Open::If { has_else }, _)) if !*has_else => *has_else = true,
                            _ => return Err(misplaced("else")),
                        },
                        "endif" => match open.pop() {
                            Some((Open::If { .. }, _)) => {}
                            _ => return Err(misplaced("endif")),
                        },
                        _ => match open.pop() {
                            Some((Open::For, _)) => {}
                            _ => return Err(misplaced("endfor")),
                        },
                    }
                }
                _ => {
                    return Err(SyntaxError {
                        offset: t.offset,
                        message: "Unterminated template string".to_string(),
                    })
                }
            }
        }
        match open.last() {
            Some((kind, offset)) => Err(SyntaxError {
                offset: *offset,
                message: format!(
                    "Unterminated template directive: no \"{}\" closes this directive",
                    if *kind == Open::For {
                        "endfor"
                    } else {
                        "endif"
                    }
                ),
            }),
            None => Ok(()),
        }
    }
}

/// A number literal must be digits, an optional fraction and an optional exponent.
fn check_number(t: &Token) -> Result<()> {
    let b = t.text.as_bytes();
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    let mut i = 0;
    let mut ok = digits(&mut i);
    if ok && b.get(i) == Some(&b'.') {
        i += 1;
        ok = digits(&mut i);
    }
    if ok && matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        ok = digits(&mut i);
    }
    if ok && i == b.len() {
        Ok(())
    } else {
        Err(SyntaxError {
            offset: t.offset,
            message: format!(
                "Invalid number literal: \"{}\" is not a valid number",
                t.text
            ),
        })
    }
}

/// Escapes in a quoted literal chunk: `\n \r \t \" \\ \uNNNN \UNNNNNNNN` only.
fn check_escapes(t: &Token) -> Result<()> {
    let mut chars = t.text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            continue;
        }
        let bad = || SyntaxError {
            offset: t.offset + i,
            message: "Invalid escape sequence: the symbol after the backslash is not a valid \
                      escape"
                .to_string(),
        };
        match chars.next() {
            Some((_, 'n' | 'r' | 't' | '"' | '\\')) => {}
            Some((_, u @ ('u' | 'U'))) => {
                let n = if u == 'u' { 4 } else { 8 };
                let hex: String = chars.by_ref().take(n).map(|(_, c)| c).collect();
                let valid = hex.len() == n
                    && hex.chars().all(|c| c.is_ascii_hexdigit())
                    && u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .is_some();
                if !valid {
                    return Err(bad());
                }
            }
            _ => return Err(bad()),
        }
    }
    Ok(())
}
