//! `yamlencode` and `yamldecode` as go-cty-yaml does them: double-quoted strings and keys,
//! literal blocks for multi-line strings, YAML 1.1 scalar resolution (`yes` is `true`).

use std::collections::{BTreeMap, HashMap};

use hangar_core::{Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::util::s;

/// Encodes a value as YAML text.
pub fn encode(v: &Value) -> String {
    let mut out = String::new();
    node(v, 0, &mut out, Ctx::Top);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    // A plain scalar document is open-ended, so the emitter closes it explicitly.
    if matches!(
        v.peel(),
        Value::Null(_) | Value::Unknown(_) | Value::Bool(_) | Value::Number(_)
    ) {
        out.push_str("...\n");
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Top,
    MapValue,
    SeqItem,
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || u == 0x85
        || ((0xA0..=0xD7FF).contains(&u))
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
        || (0x10000..=0x10FFFF).contains(&u)
}

fn double_quoted(x: &str) -> String {
    double_quoted_at(x, 0, 0, false)
}

/// go-yaml's double-quoted writer: starting at column `col`, it breaks lines at a space once
/// the line is past 80 columns, continuing at `indent`.
fn double_quoted_at(x: &str, col: usize, indent: usize, allow_breaks: bool) -> String {
    let mut out = String::from("\"");
    let mut column = col + 1;
    let chars: Vec<char> = x.chars().collect();
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            if allow_breaks && !spaces && column > 80 && i > 0 && i < chars.len() - 1 {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                column = indent;
                if chars.get(i + 1) == Some(&' ') {
                    out.push('\\');
                    column += 1;
                }
            } else {
                out.push(' ');
                column += 1;
            }
            spaces = true;
            continue;
        }
        spaces = false;
        let before = out.len();
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            '\u{feff}' => out.push_str("\\uFEFF"),
            c if !is_printable(c) => {
                let u = c as u32;
                if u <= 0xFF {
                    out.push_str(&format!("\\x{u:02X}"));
                } else if u <= 0xFFFF {
                    out.push_str(&format!("\\u{u:04X}"));
                } else {
                    out.push_str(&format!("\\U{u:08X}"));
                }
            }
            c => out.push(c),
        }
        column += out[before..].chars().count();
    }
    out.push('"');
    out
}

fn literal_ok(x: &str) -> bool {
    if !x.contains('\n') {
        return false;
    }
    if x.chars()
        .any(|c| !is_printable(c) || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}')
    {
        return false;
    }
    // Trailing spaces before a line break prevent block style.
    !x.contains(" \n")
}

fn literal(x: &str, indent: usize) -> String {
    let mut head = String::from("|");
    if x.starts_with(' ') || x.starts_with('\n') {
        head.push('2');
    }
    let trailing = x.len() - x.trim_end_matches('\n').len();
    match trailing {
        0 => head.push('-'),
        1 => {}
        _ => head.push('+'),
    }
    let body = if trailing == 1 {
        &x[..x.len() - 1]
    } else {
        x.trim_end_matches('\n')
    };
    let pad = " ".repeat(indent);
    let mut out = head;
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    if trailing > 1 {
        for _ in 1..trailing {
            out.push('\n');
        }
    }
    out
}

fn scalar(v: &Value, indent: usize, col: usize) -> Option<String> {
    Some(match v.peel() {
        Value::Null(_) | Value::Unknown(_) => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(x) => {
            if literal_ok(x) {
                literal(x, indent)
            } else {
                double_quoted_at(x, col, indent, true)
            }
        }
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) if xs.is_empty() => "[]".into(),
        Value::Map(m) | Value::Object(m) if m.is_empty() => "{}".into(),
        _ => return None,
    })
}

fn node(v: &Value, indent: usize, out: &mut String, ctx: Ctx) {
    let block_indent = match ctx {
        Ctx::Top => indent + 2,
        Ctx::MapValue => indent + 2,
        Ctx::SeqItem => indent,
    };
    let line_start = out.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = out[line_start..].chars().count() + usize::from(ctx != Ctx::Top);
    if let Some(sc) = scalar(v, block_indent, col) {
        match ctx {
            Ctx::Top => out.push_str(&sc),
            _ => {
                out.push(' ');
                out.push_str(&sc);
            }
        }
        out.push('\n');
        return;
    }
    match v.peel() {
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
            let mut first = true;
            if ctx == Ctx::MapValue {
                out.push('\n');
            }
            for x in xs {
                if !(first && ctx == Ctx::SeqItem) {
                    out.push_str(&" ".repeat(indent));
                } else {
                    out.push(' ');
                }
                first = false;
                out.push('-');
                node(x, indent + 2, out, Ctx::SeqItem);
            }
        }
        Value::Map(m) | Value::Object(m) => {
            let mut first = true;
            let inner = if ctx == Ctx::MapValue {
                indent + 2
            } else {
                indent
            };
            if ctx == Ctx::MapValue {
                out.push('\n');
            }
            for (k, x) in m {
                if !(first && ctx == Ctx::SeqItem) {
                    out.push_str(&" ".repeat(inner));
                } else {
                    out.push(' ');
                }
                first = false;
                out.push_str(&double_quoted(k));
                out.push(':');
                let is_seq = matches!(x.peel(), Value::List(v) | Value::Set(v) | Value::Tuple(v) if !v.is_empty());
                if is_seq {
                    // Sequences under a key are not indented further.
                    out.push('\n');
                    let mut tmp = String::new();
                    node(x, inner, &mut tmp, Ctx::Top);
                    out.push_str(&tmp);
                } else {
                    node(x, inner, out, Ctx::MapValue);
                }
            }
        }
        _ => {}
    }
}

#[derive(Debug)]
enum Node {
    Scalar(String, TScalarStyle, Option<String>),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Clone for Node {
    fn clone(&self) -> Self {
        match self {
            Node::Scalar(a, b, c) => Node::Scalar(a.clone(), *b, c.clone()),
            Node::Seq(x) => Node::Seq(x.clone()),
            Node::Map(x) => Node::Map(x.clone()),
        }
    }
}

#[derive(Default)]
struct Builder {
    stack: Vec<(Node, usize)>,
    anchors: HashMap<usize, Node>,
    docs: Vec<Node>,
    pending_key: Vec<Option<Node>>,
    error: Option<String>,
    doc_starts: usize,
    second_doc_line: usize,
}

impl Builder {
    fn push_value(&mut self, n: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, n.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(n),
            Some((Node::Seq(xs), _)) => xs.push(n),
            Some((Node::Map(kvs), _)) => {
                let slot = self.pending_key.last_mut().expect("map key slot");
                match slot.take() {
                    None => *slot = Some(n),
                    Some(k) => kvs.push((k, n)),
                }
            }
            Some(_) => {}
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::DocumentStart => {
                self.doc_starts += 1;
                if self.doc_starts == 2 {
                    self.second_doc_line = mark.line();
                }
            }
            Event::Scalar(v, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                self.push_value(Node::Scalar(v, style, tag), anchor);
            }
            Event::SequenceStart(anchor, _) => self.stack.push((Node::Seq(Vec::new()), anchor)),
            Event::MappingStart(anchor, _) => {
                self.stack.push((Node::Map(Vec::new()), anchor));
                self.pending_key.push(None);
            }
            Event::SequenceEnd => {
                if let Some((n, a)) = self.stack.pop() {
                    self.push_value(n, a);
                }
            }
            Event::MappingEnd => {
                self.pending_key.pop();
                if let Some((n, a)) = self.stack.pop() {
                    self.push_value(n, a);
                }
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(n) => self.push_value(n, 0),
                None => self.error = Some("unknown anchor referenced".into()),
            },
            _ => {}
        }
    }
}

/// Decodes YAML text as `yamldecode` does.
pub fn decode(text: &str) -> Result<Value, String> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut b, true).map_err(|e| {
        if e.info().starts_with("mapping values are not allowed") {
            e.info().to_string()
        } else {
            format!(
                "on line {}, column {}: {}",
                e.marker().line(),
                e.marker().col() + 1,
                e.info()
            )
        }
    })?;
    if let Some(e) = b.error {
        return Err(e);
    }
    match b.docs.len() {
        0 => Err("on line 1, column 1: missing start of document".into()),
        1 => to_value(&b.docs[0]),
        _ => Err(format!(
            "on line {}, column 1: unexpected extra content after value",
            b.second_doc_line.saturating_sub(1)
        )),
    }
}

fn to_value(n: &Node) -> Result<Value, String> {
    Ok(match n {
        Node::Scalar(v, style, tag) => resolve(v, *style, tag.as_deref())?,
        Node::Seq(xs) => Value::Tuple(xs.iter().map(to_value).collect::<Result<_, _>>()?),
        Node::Map(kvs) => {
            let mut m = BTreeMap::new();
            for (k, v) in kvs {
                let key = match k {
                    Node::Scalar(x, style, tag) => match resolve(x, *style, tag.as_deref())? {
                        Value::String(s) => s,
                        Value::Bool(b) => b.to_string(),
                        Value::Number(n) => n.to_string(),
                        _ => "null".to_string(),
                    },
                    _ => return Err("only string keys are supported".into()),
                };
                m.insert(key, to_value(v)?);
            }
            Value::Object(m)
        }
    })
}

fn resolve(v: &str, style: TScalarStyle, tag: Option<&str>) -> Result<Value, String> {
    if style != TScalarStyle::Plain {
        return Ok(s(v));
    }
    if let Some(t) = tag {
        let t = t
            .trim_start_matches("tag:yaml.org,2002:")
            .trim_start_matches("!!");
        return Ok(match t {
            "str" => s(v),
            "null" => Value::NULL,
            "bool" => match resolve_plain(v) {
                Value::Bool(b) => Value::Bool(b),
                _ => return Err(format!("cannot decode {v:?} as a bool")),
            },
            "int" | "float" => match resolve_plain(v) {
                Value::Number(n) => Value::Number(n),
                _ => return Err(format!("cannot decode {v:?} as a number")),
            },
            _ => s(v),
        });
    }
    if style != TScalarStyle::Plain {
        return Ok(s(v));
    }
    Ok(resolve_plain(v))
}

fn resolve_plain(v: &str) -> Value {
    match v {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => return Value::NULL,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Number(Number::infinity(false))
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Number(Number::infinity(true)),
        _ => {}
    }
    if let Some(ts) = yaml_timestamp(v) {
        return s(ts);
    }
    let c = v.as_bytes()[0];
    if c.is_ascii_digit() || c == b'-' || c == b'+' || c == b'.' {
        let plain = v.to_string();
        let (neg, body) = match plain.as_bytes().first() {
            Some(b'-') => (true, &plain[1..]),
            Some(b'+') => (false, &plain[1..]),
            _ => (false, plain.as_str()),
        };
        let radix = body
            .strip_prefix("0x")
            .map(|h| (h, 16))
            .or_else(|| body.strip_prefix("0o").map(|o| (o, 8)));
        if let Some((digits, r)) = radix {
            if let Ok(i) = i64::from_str_radix(digits, r) {
                return Value::Number(Number::from(if neg { -i } else { i }));
            }
        } else if (body.bytes().all(|b| b.is_ascii_digit()) && !body.is_empty())
            || is_yaml_float(body)
        {
            if let Ok(n) = Number::parse(&plain) {
                return Value::Number(n);
            }
        }
    }
    s(v)
}

fn is_yaml_float(b: &str) -> bool {
    let b = b.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let s0 = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s0 {
            return false;
        }
    }
    i == b.len()
}

/// A YAML timestamp (`2001-12-14`, `2001-12-14T21:59:43Z`) as an RFC 3339 string.
fn yaml_timestamp(v: &str) -> Option<String> {
    let b = v.as_bytes();
    let date_ok = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    if !date_ok {
        return None;
    }
    if b.len() == 10 {
        return Some(format!("{v}T00:00:00Z"));
    }
    if b.len() == 20 && (b[10] == b'T' || b[10] == b't') && b[19] == b'Z' {
        return Some(format!("{}T{}", &v[..10], &v[11..]));
    }
    None
}
