//! Terraform's JSON configuration syntax (`*.tf.json`), translated into native syntax so a JSON
//! file loads into exactly the same configuration model as an HCL file.
//!
//! The mapping is Terraform's (HCL's JSON specification): the root object's properties are block
//! types; each label is one more level of object nesting (`"resource": {"TYPE": {"NAME":
//! {...}}}`); an array in place of a block body gives several blocks; `null` gives none. Every
//! string value is a template (`"${var.x}"`), except where Terraform takes a string as an
//! expression or keyword — `variable.type`, `depends_on`, a resource's `provider`, a module's
//! `providers`, `lifecycle.ignore_changes`/`replace_triggered_by`, `moved`/`removed`/`import`
//! addresses, a `dynamic` block's `iterator` — and where Terraform evaluates without a context
//! (a variable's `default`, backend settings), where strings are taken literally. A `"//"`
//! property of a block body is a comment.
//!
//! Whether a property of a resource, data source or provider body is an argument or a nested
//! block depends on the provider's schema, which is not known here: such properties are
//! translated as arguments, and [`crate::body`] reads an argument whose name the schema knows
//! as a block as one or more blocks (see [`is_json`]).
//!
//! The translation keeps a map from every piece of native code back to the JSON it came from
//! ([`hangar_lang::Translation`]), so every later diagnostic points at `file:line:column` in the
//! JSON as written. Left out: override files (`override.tf.json`), which Hangar does not support
//! in either syntax.

mod read;
mod shape;

use std::ops::Range;

use hangar_core::{Diagnostic, Diagnostics, SourceRange};
use hangar_lang::{Mapping, SourceFile, Translation};

use read::{Kind, Node, Property};
use shape::{Body, Child, Mode, ROOT_BLOCKS};

/// Terraform's (and Hangar's) top-level block types.
pub const TOP_LEVEL_BLOCKS: &[&str] = ROOT_BLOCKS;

pub use read::{read, SyntaxError};

/// Whether `file` was written in Terraform's JSON syntax (its arguments may stand for blocks).
pub fn is_json(file: &SourceFile) -> bool {
    file.is_translated()
}

/// Whether a file name is a JSON configuration file.
pub fn is_json_name(name: &str) -> bool {
    name.ends_with(".tf.json")
}

/// Translates the JSON configuration `text` of the file shown as `name`.
///
/// Fails with every problem of the file's structure: JSON syntax (the first error), a root that
/// is not an object, unknown block types, values of the wrong JSON type, invalid names.
pub fn translate(name: &str, text: String) -> Result<SourceFile, Diagnostics> {
    let plain = SourceFile::new(name, text);
    let root = match read::read(&plain.text) {
        Ok(n) => n,
        Err(e) => {
            let at = e.at..(e.at + 1).min(plain.text.len());
            return Err(Diagnostic::error(e.summary, e.detail)
                .at(Some(original_range(&plain, at)))
                .into());
        }
    };
    let mut t = Translator {
        src: &plain.text,
        code: String::with_capacity(plain.text.len() * 2),
        map: Vec::new(),
        problems: Vec::new(),
    };
    match &root.kind {
        Kind::Object(props) => t.body(props, Body::Root),
        _ => t.problem(
            "Incorrect JSON value type",
            "The root of a JSON configuration file must be an object, whose properties are \
             block types."
                .into(),
            root.span.start..root.span.start + 1,
        ),
    }
    let Translator {
        code,
        map,
        problems,
        ..
    } = t;
    let diags: Vec<Diagnostic> = problems
        .into_iter()
        .map(|(summary, detail, at)| {
            Diagnostic::error(summary, detail).at(Some(original_range(&plain, at)))
        })
        .collect();
    if !diags.is_empty() {
        return Err(Diagnostics(diags));
    }
    let SourceFile { name, text, .. } = plain;
    Ok(SourceFile::translated(
        name,
        text,
        Translation { code, map },
    ))
}

/// A JSON variables file (`*.tfvars.json`): each property of its root object with where its
/// name stands and its value, taken literally as Terraform does (strings are not templates;
/// arrays are tuples, objects objects, numbers exact).
///
/// Fails on a JSON syntax error or a root that is not an object.
pub fn literal_object(
    file: &SourceFile,
) -> Result<Vec<(String, Range<usize>, hangar_core::Value)>, Diagnostics> {
    let root = read::read(&file.text).map_err(|e| {
        Diagnostics::from(
            Diagnostic::error(e.summary, e.detail).at(Some(original_range(
                file,
                e.at..(e.at + 1).min(file.text.len()),
            ))),
        )
    })?;
    let Kind::Object(props) = root.kind else {
        return Err(Diagnostic::error(
            "Incorrect JSON value type",
            "A variables file in JSON must hold one object, whose properties are variable names.",
        )
        .at(Some(original_range(
            file,
            root.span.start..root.span.start + 1,
        )))
        .into());
    };
    Ok(props
        .into_iter()
        .map(|p| {
            let v = literal(&file.text, p.value);
            (p.name, p.name_span, v)
        })
        .collect())
}

/// A JSON value as a value, literally.
fn literal(text: &str, n: Node) -> hangar_core::Value {
    use hangar_core::Value;
    match n.kind {
        Kind::Null => Value::NULL,
        Kind::Bool(b) => Value::Bool(b),
        Kind::Number => hangar_core::Number::parse(&text[n.span])
            .map(Value::Number)
            .unwrap_or(Value::NULL),
        Kind::String(s) => Value::String(s),
        Kind::Array(items) => Value::Tuple(items.into_iter().map(|i| literal(text, i)).collect()),
        Kind::Object(props) => Value::Object(
            props
                .into_iter()
                .map(|p| (p.name, literal(text, p.value)))
                .collect(),
        ),
    }
}

fn original_range(file: &SourceFile, at: Range<usize>) -> SourceRange {
    SourceRange {
        filename: file.name.clone(),
        start: file.pos(at.start),
        end: file.pos(at.end.max(at.start)),
    }
}

/// Builds the native code and its map while walking the JSON.
struct Translator<'a> {
    src: &'a str,
    code: String,
    map: Vec<Mapping>,
    problems: Vec<(&'static str, String, Range<usize>)>,
}

impl Translator<'_> {
    fn problem(&mut self, summary: &'static str, detail: String, at: Range<usize>) {
        self.problems.push((summary, detail, at));
    }

    /// Appends code standing for the original text at `anchor` as a whole.
    fn synth(&mut self, s: &str, anchor: usize) {
        let at = self.code.len();
        match self.map.last() {
            Some(m) if !m.exact && m.original == anchor => {}
            _ => self.map.push(Mapping {
                code: at,
                original: anchor,
                exact: false,
            }),
        }
        self.code.push_str(s);
    }

    /// Appends original text verbatim.
    fn copy(&mut self, r: Range<usize>) {
        self.map.push(Mapping {
            code: self.code.len(),
            original: r.start,
            exact: true,
        });
        let src = self.src;
        self.code.push_str(&src[r]);
    }

    /// The properties of a block body of kind `kind`.
    fn body<'p>(&mut self, props: impl IntoIterator<Item = &'p Property>, kind: Body) {
        for p in props {
            match kind.child(&p.name) {
                Child::Comment => {}
                Child::Unknown => {
                    let hint =
                        hangar_core::suggest::did_you_mean(&p.name, ROOT_BLOCKS.iter().copied());
                    self.problem(
                        "Extraneous JSON object property",
                        format!("No argument or block type is named \"{}\".{hint}", p.name),
                        p.name_span.clone(),
                    );
                }
                Child::Attr(mode) => self.attribute(p, mode),
                Child::Block(labels, body) => self.labelled(
                    p,
                    &p.name,
                    p.name_span.clone(),
                    labels,
                    &mut Vec::new(),
                    body,
                ),
            }
        }
    }

    /// Peels one label level per entry of `labels` off `p`'s value, then writes the block(s).
    fn labelled(
        &mut self,
        p: &Property,
        ty: &str,
        ty_span: Range<usize>,
        labels: &[&str],
        taken: &mut Vec<(String, Range<usize>)>,
        body: Body,
    ) {
        let Some((label, rest)) = labels.split_first() else {
            self.blocks(&p.value, ty, ty_span, taken, body);
            return;
        };
        let levels: Vec<&Property> = match &p.value.kind {
            Kind::Null => return,
            Kind::Object(props) => props.iter().collect(),
            Kind::Array(items) => {
                let mut all = Vec::new();
                for item in items {
                    match &item.kind {
                        Kind::Object(props) => all.extend(props.iter()),
                        _ => self.problem(
                            "Incorrect JSON value type",
                            format!(
                                "A JSON object is required here, to specify {label} labels for \
                                 this block."
                            ),
                            item.span.start..item.span.start + 1,
                        ),
                    }
                }
                all
            }
            _ => {
                self.problem(
                    "Incorrect JSON value type",
                    format!(
                        "Either a JSON object or JSON array of objects is required here, to \
                         specify {label} labels for this block."
                    ),
                    p.value.span.start..p.value.span.start + 1,
                );
                return;
            }
        };
        if levels.is_empty() {
            self.problem(
                "Missing block label",
                format!(
                    "At least one object property is required, whose name represents the {ty} \
                     block's {label}."
                ),
                p.value.span.start..p.value.span.start + 1,
            );
        }
        for level in levels {
            taken.push((level.name.clone(), level.name_span.clone()));
            self.labelled(level, ty, ty_span.clone(), rest, taken, body);
            taken.pop();
        }
    }

    /// One block per object of `value` (an object, or an array of objects).
    fn blocks(
        &mut self,
        value: &Node,
        ty: &str,
        ty_span: Range<usize>,
        labels: &[(String, Range<usize>)],
        body: Body,
    ) {
        match &value.kind {
            Kind::Null => {}
            Kind::Object(_) => self.block(value, ty, &ty_span, labels, body),
            Kind::Array(items) => {
                for item in items {
                    self.block(item, ty, &ty_span, labels, body);
                }
            }
            _ => self.problem(
                "Incorrect JSON value type",
                format!(
                    "Either a JSON object or a JSON array is required, representing the \
                     contents of one or more \"{ty}\" blocks."
                ),
                value.span.start..value.span.start + 1,
            ),
        }
    }

    /// `TYPE "LABEL"... {` body `}`; the type stands for its last label (what the block is
    /// called), or for the type's own name when it has no labels.
    fn block(
        &mut self,
        value: &Node,
        ty: &str,
        ty_span: &Range<usize>,
        labels: &[(String, Range<usize>)],
        body: Body,
    ) {
        let props: Vec<&Property> = match &value.kind {
            Kind::Object(props) => props.iter().collect(),
            Kind::Array(items) => items
                .iter()
                .filter_map(|i| match &i.kind {
                    Kind::Object(props) => Some(props.iter()),
                    _ => {
                        self.problem(
                            "Incorrect JSON value type",
                            "A JSON object is required here, to define arguments and child \
                             blocks."
                                .into(),
                            i.span.start..i.span.start + 1,
                        );
                        None
                    }
                })
                .flatten()
                .collect(),
            Kind::Null => return,
            _ => {
                self.problem(
                    "Incorrect JSON value type",
                    format!("A JSON object is required here, representing a \"{ty}\" block."),
                    value.span.start..value.span.start + 1,
                );
                return;
            }
        };
        let anchor = labels
            .last()
            .map_or(ty_span.start + 1, |(_, span)| span.start + 1);
        self.synth(ty, anchor);
        for (name, span) in labels {
            self.synth(" ", span.start);
            self.string_literal(name, span.clone());
        }
        self.synth(" {\n", value.span.start);
        self.body(props, body);
        self.synth("}\n", value.span.end.saturating_sub(1));
    }

    /// A label or other plain string: copied when written without escapes.
    fn string_literal(&mut self, s: &str, span: Range<usize>) {
        if self.src.get(span.start + 1..span.end - 1) == Some(s) && !s.contains("${") {
            self.copy(span);
        } else {
            let quoted = quote(s, false);
            self.synth(&quoted, span.start);
        }
    }

    /// `NAME = VALUE`.
    fn attribute(&mut self, p: &Property, mode: Mode) {
        if !is_identifier(&p.name) {
            self.problem(
                "Invalid argument name",
                format!(
                    "\"{}\" is not a valid argument name: a name starts with a letter or an \
                     underscore and holds only letters, digits, underscores and dashes.",
                    p.name
                ),
                p.name_span.clone(),
            );
            return;
        }
        let name_at = p.name_span.start + 1..p.name_span.end - 1;
        if self.src.get(name_at.clone()) == Some(p.name.as_str()) {
            self.copy(name_at);
        } else {
            self.synth(&p.name, p.name_span.start);
        }
        self.synth(" = ", p.value.span.start);
        self.value(&p.value, mode);
        self.synth("\n", p.value.span.end.saturating_sub(1));
    }

    /// A value in `mode`.
    fn value(&mut self, v: &Node, mode: Mode) {
        match (mode, &v.kind) {
            (Mode::Expr, Kind::String(s)) => self.native(v, s),
            (Mode::ExprList | Mode::IgnoreChanges, Kind::Array(items)) => {
                self.synth("[", v.span.start);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.synth(", ", item.span.start);
                    }
                    self.value(item, Mode::Expr);
                }
                self.synth("]", v.span.end - 1);
            }
            (Mode::IgnoreChanges, Kind::String(s)) => self.native(v, s),
            (Mode::Providers, Kind::Object(props)) => {
                self.synth("{\n", v.span.start);
                for p in props {
                    self.native(
                        &Node {
                            span: p.name_span.clone(),
                            kind: Kind::String(p.name.clone()),
                        },
                        &p.name,
                    );
                    self.synth(" = ", p.value.span.start);
                    self.value(&p.value, Mode::Expr);
                    self.synth("\n", p.value.span.end - 1);
                }
                self.synth("}", v.span.end - 1);
            }
            (Mode::Literal, _) => self.expression(v, true),
            _ => self.expression(v, false),
        }
    }

    /// A string holding native syntax, written as that syntax.
    fn native(&mut self, v: &Node, s: &str) {
        let (from, mapped) = (self.code.len(), self.map.len());
        self.native_raw(v, s);
        self.checked(from, mapped, v.span.clone(), false);
    }

    fn native_raw(&mut self, v: &Node, s: &str) {
        if s.trim().is_empty() {
            self.problem(
                "Invalid expression",
                "An expression is required here, written as a JSON string.".into(),
                v.span.clone(),
            );
            self.synth("null", v.span.start);
        } else if v.is_plain_string(self.src) {
            self.copy(v.span.start + 1..v.span.end - 1);
        } else {
            self.synth(s, v.span.start + 1);
        }
    }

    /// A JSON value as a native expression: strings are templates unless `literal`.
    fn expression(&mut self, v: &Node, literal: bool) {
        match &v.kind {
            Kind::Null | Kind::Bool(_) | Kind::Number => self.copy(v.span.clone()),
            Kind::String(_) => self.template(v.span.clone(), literal),
            Kind::Array(items) => {
                self.synth("[", v.span.start);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.synth(", ", item.span.start);
                    }
                    self.expression(item, literal);
                }
                self.synth("]", v.span.end - 1);
            }
            Kind::Object(props) => {
                self.synth("{\n", v.span.start);
                for p in props {
                    self.template(p.name_span.clone(), literal);
                    self.synth(" = ", p.value.span.start);
                    self.expression(&p.value, literal);
                    self.synth("\n", p.value.span.end - 1);
                }
                self.synth("}", v.span.end - 1);
            }
        }
    }

    /// The JSON string at `span` (quotes included) as a native quoted template: runs without
    /// escapes are copied, escapes native syntax lacks are rewritten. When `literal`, `${` and
    /// `%{` are escaped so the text stays as written.
    fn template(&mut self, span: Range<usize>, literal: bool) {
        let (from, mapped) = (self.code.len(), self.map.len());
        self.template_raw(span.clone(), literal);
        self.checked(from, mapped, span, true);
    }

    /// Parses the code written since `from` on its own: a string that is not a valid template
    /// or expression is reported where it is written and replaced by `null`, so one bad string
    /// neither hides nor garbles the rest of the file (Terraform too parses each string alone).
    fn checked(&mut self, from: usize, mapped: usize, span: Range<usize>, template: bool) {
        let Err(e) = hcl_edit::parser::parse_expr(&self.code[from..]) else {
            return;
        };
        let at = self.original(from + e.location().offset());
        let text = &self.code[from..];
        let unclosed = template && unclosed_interpolation(text);
        let (summary, detail) = if unclosed {
            (
                "Unclosed template interpolation sequence",
                "There is no closing brace for this interpolation sequence before the end of \
                 the string. This might be caused by incorrect nesting inside the given \
                 expression."
                    .to_string(),
            )
        } else {
            ("Invalid expression", first_line(e.message()))
        };
        // An unclosed interpolation is shown from where the string opens, not where it ends.
        let from_at = if unclosed {
            span.start
        } else {
            at.max(span.start)
        };
        self.problem(summary, detail, from_at..span.end);
        self.code.truncate(from);
        self.map.truncate(mapped);
        self.synth("null", span.start);
    }

    /// The original offset of code offset `at` (as [`Translation`] maps it).
    fn original(&self, at: usize) -> usize {
        let i = self.map.partition_point(|m| m.code <= at);
        match i.checked_sub(1).map(|i| self.map[i]) {
            Some(m) if m.exact => m.original + (at - m.code),
            Some(m) => m.original,
            None => 0,
        }
    }

    fn template_raw(&mut self, span: Range<usize>, literal: bool) {
        let src = self.src;
        let inner = span.start + 1..span.end - 1;
        self.copy(span.start..span.start + 1);
        let bytes = src.as_bytes();
        let mut run = inner.start;
        let mut i = inner.start;
        while i < inner.end {
            let b = bytes[i];
            let special = b == b'\\'
                || (literal && (b == b'$' || b == b'%') && bytes.get(i + 1) == Some(&b'{'));
            if !special {
                i += 1;
                continue;
            }
            if run < i {
                self.copy(run..i);
            }
            if b != b'\\' {
                // `${` or `%{` taken literally: doubled marker.
                self.synth(if b == b'$' { "$" } else { "%" }, i);
                run = i;
                i += 1;
                continue;
            }
            let esc = bytes.get(i + 1).copied().unwrap_or(b'\\');
            let (len, replacement): (usize, Option<String>) = match esc {
                b'"' | b'\\' | b'n' | b'r' | b't' => (2, None),
                b'/' => (2, Some("/".into())),
                b'b' => (2, Some("\\u0008".into())),
                b'f' => (2, Some("\\u000c".into())),
                b'u' => {
                    let hi = src
                        .get(i + 2..i + 6)
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .unwrap_or(0);
                    if (0xD800..0xDC00).contains(&hi) && src.get(i + 6..i + 8) == Some("\\u") {
                        let lo = src
                            .get(i + 8..i + 12)
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                            .unwrap_or(0xDC00);
                        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF);
                        (12, Some(format!("\\U{c:08X}")))
                    } else {
                        (6, None)
                    }
                }
                _ => (2, None),
            };
            match replacement {
                None => self.copy(i..i + len),
                Some(r) => self.synth(&r, i),
            }
            i += len;
            run = i;
        }
        if run < inner.end {
            self.copy(run..inner.end);
        }
        self.copy(span.end - 1..span.end);
    }
}

/// Whether a quoted template opens an interpolation or directive it never closes.
fn unclosed_interpolation(text: &str) -> bool {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'$' | b'%'
                if b.get(i + 1) == Some(&b'{') && b.get(i.wrapping_sub(1)) != Some(&b[i]) =>
            {
                depth += 1;
                i += 1;
            }
            b'{' if depth > 0 => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    depth > 0
}

/// The first line of a parser message (the rest repeats the input).
fn first_line(msg: &str) -> String {
    let line = msg.lines().next().unwrap_or(msg).trim();
    let mut out = line.to_string();
    if let Some(c) = out.get_mut(0..1) {
        c.make_ascii_uppercase();
    }
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// Whether `s` is a native-syntax identifier.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// `s` as a native quoted string; `${`/`%{` escaped unless `template`.
fn quote(s: &str, template: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if !template && chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests;
