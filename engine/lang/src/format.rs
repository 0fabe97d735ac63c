//! Rendering values exactly as `terraform console` prints them.
//!
//! Strings are quoted the way Go's `strconv.Quote` does, or printed as a heredoc when they span
//! lines; numbers are plain decimals; typed collections are wrapped in `tolist(...)`,
//! `toset(...)` and `tomap(...)`; typed nulls name their type; unknown values print as
//! `(known after apply)` and sensitive ones as `(sensitive value)`. Object keys are not aligned:
//! the console writes `"k" = v` with single spaces.

use std::fmt::Write;

use hangar_core::quote::go_quote;
use hangar_core::{Type, Value};

/// Formats a value exactly as `terraform console` prints it, so results compare as text.
pub fn console_format(v: &Value) -> String {
    let mut out = String::new();
    format_value(v, 0, &mut out);
    out
}

fn format_value(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Sensitive(_) => out.push_str("(sensitive value)"),
        Value::Unknown(_) => out.push_str("(known after apply)"),
        Value::Null(t) => out.push_str(&null_text(t)),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => format_string(s, indent, out),
        Value::Tuple(xs) => format_seq(xs, indent, out),
        Value::Object(m) => format_map(m, indent, out),
        Value::List(xs) => {
            out.push_str("tolist(");
            format_seq(xs, indent, out);
            out.push(')');
        }
        Value::Set(xs) => {
            out.push_str("toset(");
            format_seq(xs, indent, out);
            out.push(')');
        }
        Value::Map(m) => {
            out.push_str("tomap(");
            format_map(m, indent, out);
            out.push(')');
        }
    }
}

fn null_text(t: &Type) -> String {
    match t {
        Type::Dynamic => "null".into(),
        Type::String => "tostring(null)".into(),
        Type::Number => "tonumber(null)".into(),
        Type::Bool => "tobool(null)".into(),
        Type::List(e) => format!("tolist(null) /* of {} */", e.friendly_name()),
        Type::Set(e) => format!("toset(null) /* of {} */", e.friendly_name()),
        Type::Map(e) => format!("tomap(null) /* of {} */", e.friendly_name()),
        t => format!("null /* {} */", t.friendly_name()),
    }
}

fn format_string(s: &str, indent: usize, out: &mut String) {
    let lines: Vec<&str> = s.split('\n').collect();
    if lines.len() < 2 {
        out.push_str(&go_quote(s));
        return;
    }
    let mut delim = String::from("EOT");
    while lines.iter().any(|l| l.trim() == delim) {
        delim.push('_');
    }
    out.push_str(if indent > 0 { "<<-" } else { "<<" });
    out.push_str(&delim);
    let pad = " ".repeat(indent);
    for line in lines {
        out.push('\n');
        out.push_str(&pad);
        out.push_str(line);
    }
    out.push('\n');
    out.push_str(&pad);
    out.push_str(&delim);
}

fn format_seq(xs: &[Value], indent: usize, out: &mut String) {
    out.push('[');
    let inner = indent + 2;
    for x in xs {
        out.push('\n');
        out.push_str(&" ".repeat(inner));
        format_value(x, inner, out);
        out.push(',');
    }
    if !xs.is_empty() {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push(']');
}

fn format_map(m: &std::collections::BTreeMap<String, Value>, indent: usize, out: &mut String) {
    out.push('{');
    let inner = indent + 2;
    for (k, v) in m {
        out.push('\n');
        out.push_str(&" ".repeat(inner));
        format_string(k, inner, out);
        out.push_str(" = ");
        format_value(v, inner, out);
    }
    if !m.is_empty() {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn nested_collections_indent_and_wrap() {
        let m: BTreeMap<String, Value> = [("a".to_string(), Value::int(1))].into();
        let v = Value::Tuple(vec![
            Value::List(vec![Value::Object(m)]),
            Value::List(vec![]),
        ]);
        assert_eq!(
            console_format(&v),
            "[\n  tolist([\n    {\n      \"a\" = 1\n    },\n  ]),\n  tolist([]),\n]"
        );
    }

    #[test]
    fn strings_quote_like_go_and_multiline_uses_heredocs() {
        let v = Value::Tuple(vec![Value::string("a\nEOT")]);
        assert_eq!(console_format(&v), "[\n  <<-EOT_\n  a\n  EOT\n  EOT_,\n]");
    }

    #[test]
    fn marks_and_typed_nulls() {
        assert_eq!(
            console_format(&Value::int(1).sensitive()),
            "(sensitive value)"
        );
        assert_eq!(console_format(&Value::unknown()), "(known after apply)");
        assert_eq!(
            console_format(&Value::Null(Type::List(Box::new(Type::String)))),
            "tolist(null) /* of string */"
        );
    }
}
