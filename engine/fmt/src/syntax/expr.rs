//! Expressions and templates: HCL's operator precedence, terms, traversals and splats, function
//! calls, collection constructors, `for` expressions, and the inside of quoted and heredoc
//! templates (interpolations, balanced `if`/`for` directives, escapes).
//!
//! Deliberately left out: anything only evaluation can tell (types, unknown functions or
//! variables, duplicate object keys).

use super::{Parser, Result, SyntaxError, Tok, MAX_DEPTH};
use crate::lexer::{Kind, Token};

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

    pub(super) fn expression(&mut self) -> Result<()> {
        self.nested(Self::expression_inner)
    }

    /// Runs `f` one nesting level deeper, failing past [`MAX_DEPTH`].
    pub(super) fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
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
pub(super) fn check_escapes(t: &Token) -> Result<()> {
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
