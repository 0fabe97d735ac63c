//! Values rendered as `terraform console` prints them (Terraform's `repl.FormatValue`):
//! quoted strings with Go escapes, heredocs for multi-line strings, `tolist([...])`,
//! `toset([...])`, `tomap({...})` around collections, `(known after apply)` for unknowns and
//! `(sensitive value)` for sensitive values.

use hangar_core::{Type, Value};

/// Renders a value the way `terraform console` prints it.
pub fn render(v: &Value) -> String {
    format_value(v, 0)
}

fn format_value(v: &Value, indent: usize) -> String {
    match v {
        Value::Unknown(_) => "(known after apply)".into(),
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::Null(t) => match t {
            Type::Dynamic => "null".into(),
            Type::String => "tostring(null)".into(),
            Type::Number => "tonumber(null)".into(),
            Type::Bool => "tobool(null)".into(),
            Type::List(e) => format!("tolist(null) /* of {} */", Type::friendly_name(e)),
            Type::Set(e) => format!("toset(null) /* of {} */", Type::friendly_name(e)),
            Type::Map(e) => format!("tomap(null) /* of {} */", Type::friendly_name(e)),
            other => format!("null /* {} */", Type::friendly_name(other)),
        },
        Value::String(s) => {
            if let Some(h) = format_multiline(s, indent) {
                h
            } else {
                go_quote(s)
            }
        }
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Object(m) => format_mapping(m, indent),
        Value::Tuple(xs) => format_sequence(xs, indent),
        Value::List(xs) => format!("tolist({})", format_sequence(xs, indent)),
        Value::Set(xs) => format!("toset({})", format_sequence(xs, indent)),
        Value::Map(m) => format!("tomap({})", format_mapping(m, indent)),
    }
}

fn format_multiline(s: &str, indent: usize) -> Option<String> {
    let lines: Vec<&str> = s.split('\n').collect();
    if lines.len() < 2 {
        return None;
    }
    let op = if indent > 0 { "<<-" } else { "<<" };
    let mut delim = "EOT".to_string();
    while lines.iter().any(|l| l.trim() == delim) {
        delim.push('_');
    }
    let mut out = format!("{op}{delim}");
    for l in &lines {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
        out.push_str(l);
    }
    out.push('\n');
    out.push_str(&" ".repeat(indent));
    out.push_str(&delim);
    Some(out)
}

fn format_mapping(m: &std::collections::BTreeMap<String, Value>, indent: usize) -> String {
    let mut out = String::from("{");
    let inner = indent + 2;
    for (k, v) in m {
        out.push('\n');
        out.push_str(&" ".repeat(inner));
        out.push_str(&format_value(&Value::String(k.clone()), inner));
        out.push_str(" = ");
        out.push_str(&format_value(v, inner));
    }
    if !m.is_empty() {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push('}');
    out
}

fn format_sequence(xs: &[Value], indent: usize) -> String {
    let mut out = String::from("[");
    let inner = indent + 2;
    for x in xs {
        out.push('\n');
        out.push_str(&" ".repeat(inner));
        out.push_str(&format_value(x, inner));
        out.push(',');
    }
    if !xs.is_empty() {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push(']');
    out
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_print(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint`: graphic characters and the ASCII space.
pub fn is_go_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    !matches!(u,
        0x00AD | 0x061C | 0x180E | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xFFFE | 0xFFFF | 0xF0000..=0x10FFFF
        | 0x110BD | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F
        | 0x0600..=0x0605 | 0x06DD | 0x070F | 0x08E2)
}

/// The type of a value, for callers that want to show it (`type()` in the console).
pub fn type_string(v: &Value) -> String {
    Value::ty(v).to_string()
}
