//! Differential test of the function library against Terraform's own answers, recorded from
//! `terraform console` into `tests/fixtures/functions.txt` by `tests/gen/gen_functions.py`.
//!
//! Each case is a call on HCL literals; a small decoder here turns the literals (strings,
//! numbers, bools, null, tuples, objects, nested calls) into values, the call result is rendered
//! the way the console prints it, and the text is compared. Cases listed in
//! `tests/fixtures/known_failures.txt` are expected to differ (they are reported, not hidden);
//! the test fails if any other case differs, or if a listed case starts passing.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use hangar_core::{Number, Value};
use hangar_funcs::{call, FuncContext, FuncError};
use hangar_lang::console_format;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> String {
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
        {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    fn string(&mut self) -> String {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let c = self.s[self.i];
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = self.s[self.i];
                    self.i += 1;
                    match e {
                        b'n' => out.push('\n'),
                        b't' => out.push('\t'),
                        b'r' => out.push('\r'),
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'u' | b'U' => {
                            let n = if e == b'u' { 4 } else { 8 };
                            let hex = std::str::from_utf8(&self.s[self.i..self.i + n]).unwrap();
                            self.i += n;
                            out.push(
                                char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap(),
                            );
                        }
                        other => panic!("unsupported escape \\{}", other as char),
                    }
                }
                b'$' if self.s.get(self.i) == Some(&b'$')
                    && self.s.get(self.i + 1) == Some(&b'{') =>
                {
                    out.push('$');
                    self.i += 1;
                }
                b'%' if self.s.get(self.i) == Some(&b'%')
                    && self.s.get(self.i + 1) == Some(&b'{') =>
                {
                    out.push('%');
                    self.i += 1;
                }
                _ => {
                    // Re-decode multi-byte UTF-8 sequences.
                    let start = self.i - 1;
                    let len = match c {
                        0..=0x7f => 1,
                        0xc0..=0xdf => 2,
                        0xe0..=0xef => 3,
                        _ => 4,
                    };
                    self.i = start + len;
                    out.push_str(std::str::from_utf8(&self.s[start..start + len]).unwrap());
                }
            }
        }
        out
    }

    fn number(&mut self) -> Number {
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_digit()
                || self.s[self.i] == b'.'
                || self.s[self.i] == b'e'
                || self.s[self.i] == b'E'
                || ((self.s[self.i] == b'-' || self.s[self.i] == b'+')
                    && matches!(self.s[self.i - 1], b'e' | b'E')))
        {
            self.i += 1;
        }
        Number::parse(std::str::from_utf8(&self.s[start..self.i]).unwrap()).unwrap()
    }

    /// An operand, with `/` between numbers (for cases like `10/3`) and `+`.
    fn expr(&mut self) -> Result<Value, FuncError> {
        let mut v = self.value()?;
        loop {
            self.ws();
            match self.s.get(self.i) {
                Some(b'/') => {
                    self.i += 1;
                    let r = self.value()?;
                    let (a, b) = (
                        v.as_number().unwrap().clone(),
                        r.as_number().unwrap().clone(),
                    );
                    v = Value::Number(a.div(&b).unwrap());
                }
                Some(b'+') => {
                    self.i += 1;
                    let r = self.value()?;
                    let (a, b) = (
                        v.as_number().unwrap().clone(),
                        r.as_number().unwrap().clone(),
                    );
                    v = Value::Number(a.add(&b));
                }
                Some(b'-') => {
                    self.i += 1;
                    let r = self.value()?;
                    let (a, b) = (
                        v.as_number().unwrap().clone(),
                        r.as_number().unwrap().clone(),
                    );
                    v = Value::Number(a.sub(&b));
                }
                Some(b'*') => {
                    self.i += 1;
                    let r = self.value()?;
                    let (a, b) = (
                        v.as_number().unwrap().clone(),
                        r.as_number().unwrap().clone(),
                    );
                    v = Value::Number(a.mul(&b));
                }
                _ => return Ok(v),
            }
        }
    }

    fn value(&mut self) -> Result<Value, FuncError> {
        self.ws();
        let c = self.s[self.i];
        match c {
            b'"' => Ok(Value::String(self.string())),
            b'-' => {
                self.i += 1;
                let v = self.value()?;
                Ok(Value::Number(v.as_number().unwrap().neg()))
            }
            b'0'..=b'9' => Ok(Value::Number(self.number())),
            b'[' => {
                self.i += 1;
                let mut xs = Vec::new();
                loop {
                    if self.eat(b']') {
                        break;
                    }
                    xs.push(self.expr()?);
                    self.eat(b',');
                }
                Ok(Value::Tuple(xs))
            }
            b'{' => {
                self.i += 1;
                let mut m = BTreeMap::new();
                loop {
                    if self.eat(b'}') {
                        break;
                    }
                    self.ws();
                    let k = if self.s[self.i] == b'"' {
                        self.string()
                    } else {
                        self.ident()
                    };
                    assert!(self.eat(b'='), "expected = in object");
                    let v = self.expr()?;
                    m.insert(k, v);
                    self.eat(b',');
                }
                Ok(Value::Object(m))
            }
            _ => {
                let name = self.ident();
                match name.as_str() {
                    "true" => return Ok(Value::Bool(true)),
                    "false" => return Ok(Value::Bool(false)),
                    "null" => return Ok(Value::NULL),
                    _ => {}
                }
                assert!(self.eat(b'('), "expected ( after {name}");
                let mut args = Vec::new();
                loop {
                    if self.eat(b')') {
                        break;
                    }
                    args.push(self.expr()?);
                    self.eat(b',');
                }
                let ctx = FuncContext {
                    base_dir: std::path::Path::new("."),
                    render_template: None,
                };
                call(&ctx, &name, args).map_err(|e| tag(e, &name))
            }
        }
    }
}

/// Remembers which function an error came from, for the diagnostic detail.
fn tag(e: FuncError, name: &str) -> FuncError {
    match e {
        FuncError::Arg { .. } | FuncError::Failed(_) => {
            FuncError::Failed(format!("{}\u{0}{}", e.summary(), e.detail(name)))
        }
        other => other,
    }
}

fn render_error(e: &FuncError) -> String {
    match e {
        FuncError::Failed(m) if m.contains('\u{0}') => {
            let (s, d) = m.split_once('\u{0}').unwrap();
            format!("!! {s} | {d}")
        }
        other => format!("!! {} | {}", other.summary(), other),
    }
}

fn eval(expr: &str) -> String {
    let mut p = Parser {
        s: expr.as_bytes(),
        i: 0,
    };
    match p.expr() {
        Ok(v) => console_format(&v),
        Err(e) => render_error(&e),
    }
}

#[test]
fn functions_match_terraform() {
    let text = std::fs::read_to_string("tests/fixtures/functions.txt").expect("fixture");
    let known: BTreeSet<String> = std::fs::read_to_string("tests/fixtures/known_failures.txt")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let mut cases: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') && cases.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix(">>> ") {
            let (_, expr) = rest.split_once(' ').expect("group and expression");
            cases.push((expr.to_string(), String::new()));
        } else if let Some(last) = cases.last_mut() {
            if !last.1.is_empty() {
                last.1.push('\n');
            }
            last.1.push_str(line);
        }
    }
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    let mut failed = 0;
    for (expr, want) in &cases {
        let got =
            std::panic::catch_unwind(|| eval(expr)).unwrap_or_else(|_| "!! PANIC".to_string());
        let ok = got == *want;
        if !ok {
            failed += 1;
        }
        match (ok, known.contains(expr)) {
            (false, false) => {
                unexpected.push(format!("{expr}\n--- want\n{want}\n--- got\n{got}\n"))
            }
            (true, true) => fixed.push(expr.clone()),
            _ => {}
        }
    }
    println!(
        "{} cases: {} match Terraform, {} known failures",
        cases.len(),
        cases.len() - failed,
        failed
    );
    assert!(
        unexpected.is_empty() && fixed.is_empty(),
        "{} unexpected mismatches:\n{}\nknown failures that now pass (remove them from known_failures.txt):\n{}",
        unexpected.len(),
        unexpected.join("\n"),
        fixed.join("\n")
    );
}
