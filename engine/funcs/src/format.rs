//! `format` and `formatlist`: cty's printf-like formatting.

use hangar_core::{Number, Type, Value};
use num_bigint::BigInt;
use unicode_segmentation::UnicodeSegmentation;

use crate::encoding::{json_encode, json_string};
use crate::util::{elems, s, str_of};
use crate::{p, Call, Def, FuncError};
use hangar_core::convert::convert;

pub(crate) fn def(name: &str) -> Option<Def> {
    Some(match name {
        "format" => Def::new(vec![p("format", Type::String)], Type::String, format)
            .var(p("args", Type::Dynamic).null()),
        "formatlist" => Def::new(
            vec![p("format", Type::String)],
            Type::List(Box::new(Type::String)),
            formatlist,
        )
        .var(p("args", Type::Dynamic).null().unknown()),
        _ => return None,
    })
}

fn format(_: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    if !a[1..].iter().all(Value::is_wholly_known) {
        return Ok(Value::Unknown(Type::String));
    }
    let out = format_fsm(str_of(&a[0]), &a[1..]).map_err(fsm_err)?;
    Ok(s(out))
}

fn fsm_err(e: String) -> FuncError {
    if let Some(rest) = e.strip_prefix('\u{0}') {
        if let Some((i, m)) = rest.split_once('\u{0}') {
            return FuncError::arg(i.parse().unwrap_or(1), m);
        }
    }
    FuncError::fail(e)
}

fn formatlist(_: &Call<'_>, a: Vec<Value>, ret: &Type) -> Result<Value, FuncError> {
    let fmt = str_of(&a[0]).to_string();
    let args = &a[1..];
    if args.is_empty() {
        let out = format_fsm(&fmt, args).map_err(fsm_err)?;
        return Ok(Value::List(vec![s(out)]));
    }
    let mut iter_len: Option<usize> = None;
    let mut chooser = 0;
    let mut unknown = false;
    for (i, x) in args.iter().enumerate() {
        let is_seq = matches!(Value::ty(x), Type::List(_) | Type::Set(_) | Type::Tuple(_));
        if is_seq && !x.is_null() {
            if !matches!(Value::ty(x), Type::Tuple(_)) && x.is_unknown() {
                unknown = true;
                continue;
            }
            let len = match x.peel() {
                Value::Unknown(Type::Tuple(ts)) => ts.len(),
                v => elems(v).len(),
            };
            match iter_len {
                None => {
                    iter_len = Some(len);
                    chooser = i;
                }
                Some(l) if l != len => {
                    return Err(FuncError::arg(
                        i + 1,
                        format!(
                            "argument {} has length {len}, which is inconsistent with argument {} of length {l}",
                            i + 1,
                            chooser + 1
                        ),
                    ))
                }
                _ => {}
            }
            if x.is_unknown() {
                unknown = true;
            }
        }
    }
    if unknown {
        return Ok(Value::Unknown(ret.clone()));
    }
    let n = iter_len.unwrap_or(1);
    let mut out = Vec::with_capacity(n);
    'results: for idx in 0..n {
        let mut fa = Vec::with_capacity(args.len());
        for x in args {
            let is_seq = matches!(Value::ty(x), Type::List(_) | Type::Set(_) | Type::Tuple(_));
            let v = if is_seq && !x.is_null() {
                elems(x)[idx].clone()
            } else {
                x.clone()
            };
            if !v.is_wholly_known() {
                out.push(Value::Unknown(Type::String));
                continue 'results;
            }
            fa.push(v);
        }
        let text = format_fsm(&fmt, &fa).map_err(|e| match fsm_err(e) {
            FuncError::Failed(m) => {
                FuncError::fail(format!("error on format iteration {idx}: {m}"))
            }
            other => other,
        })?;
        out.push(s(text));
    }
    Ok(Value::List(out))
}

#[derive(Default, Debug)]
struct Verb {
    raw: String,
    offset: usize,
    arg: usize,
    mode: char,
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    prec: Option<usize>,
    width: Option<usize>,
}

fn format_fsm(fmt: &str, args: &[Value]) -> Result<String, String> {
    let b = fmt.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut next = 1usize;
    let mut max_used = 0usize;
    while i < b.len() {
        if b[i] != b'%' {
            let ch = fmt[i..].chars().next().unwrap_or('\0');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        if b.get(i + 1) == Some(&b'%') {
            out.push('%');
            i += 2;
            continue;
        }
        let start = i;
        i += 1;
        let mut v = Verb {
            arg: next,
            offset: start,
            ..Default::default()
        };
        while i < b.len() {
            match b[i] {
                b'0' => v.zero = true,
                b'#' => v.sharp = true,
                b'-' => v.minus = true,
                b'+' => v.plus = true,
                b' ' => v.space = true,
                _ => break,
            }
            i += 1;
        }
        let bad = |at: usize| -> String {
            if at >= b.len() {
                let _ = start;
                format!("invalid format string starting at offset {at}")
            } else {
                let ch = fmt[at..].chars().next().unwrap_or('\0');
                format!(
                    "unrecognized format character {} at offset {at}",
                    go_quote_rune(ch)
                )
            }
        };
        if i < b.len() && b[i] == b'[' {
            i += 1;
            if i >= b.len() || !(b'1'..=b'9').contains(&b[i]) {
                return Err(bad(i));
            }
            let mut n = 0usize;
            while i < b.len() && b[i].is_ascii_digit() {
                n = n * 10 + (b[i] - b'0') as usize;
                i += 1;
            }
            if i >= b.len() || b[i] != b']' {
                return Err(bad(i));
            }
            i += 1;
            v.arg = n;
        }
        if i < b.len() && (b'1'..=b'9').contains(&b[i]) {
            let mut n = 0usize;
            while i < b.len() && b[i].is_ascii_digit() {
                n = n * 10 + (b[i] - b'0') as usize;
                i += 1;
            }
            v.width = Some(n);
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let mut n = 0usize;
            while i < b.len() && b[i].is_ascii_digit() {
                n = n * 10 + (b[i] - b'0') as usize;
                i += 1;
            }
            v.prec = Some(n);
        }
        if i >= b.len() || !b[i].is_ascii_alphabetic() {
            return Err(bad(i));
        }
        v.mode = b[i] as char;
        i += 1;
        v.raw = fmt[start..i].to_string();
        format_append(&v, &mut out, args)?;
        next = v.arg + 1;
        max_used = max_used.max(v.arg);
    }
    if max_used < args.len() {
        return Err(format!(
            "\u{0}{}\u{0}too many arguments; only {max_used} used by format string",
            max_used + 1
        ));
    }
    Ok(out)
}

fn go_quote_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '"' => "'\"'".into(),
        c => {
            let q = hangar_core::quote::go_quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

fn format_append(v: &Verb, out: &mut String, args: &[Value]) -> Result<(), String> {
    if v.arg == 0 || v.arg > args.len() {
        return Err(format!(
            "not enough arguments for {:?} at {}: need index {} but have {} total",
            v.raw,
            v.offset,
            v.arg,
            args.len()
        ));
    }
    let arg = &args[v.arg - 1];
    if v.mode != 'v' && arg.is_null() {
        return Err(format!(
            "unsupported value for {:?} at {}: null value cannot be formatted",
            v.raw, v.offset
        ));
    }
    let unsupported = |e: String| format!("unsupported value for {:?} at {}: {e}", v.raw, v.offset);
    match v.mode {
        'v' => {
            if !v.sharp && !arg.is_null() {
                match arg.peel() {
                    Value::String(x) => {
                        out.push_str(&pad(v, x));
                        return Ok(());
                    }
                    Value::Number(n) => {
                        out.push_str(&pad(v, &n.text('g', -1)));
                        return Ok(());
                    }
                    _ => {}
                }
            }
            let mut j = String::new();
            json_encode(arg, &mut j);
            out.push_str(&pad(v, &j));
            Ok(())
        }
        't' => {
            let b = convert(arg.clone(), &Type::Bool).map_err(|e| unsupported(e.message))?;
            out.push_str(if b.as_bool() == Some(true) {
                "true"
            } else {
                "false"
            });
            Ok(())
        }
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = convert(arg.clone(), &Type::Number).map_err(|e| unsupported(e.message))?;
            let n = n.as_number().cloned().unwrap_or_default();
            if matches!(v.mode, 'b' | 'd' | 'o' | 'x' | 'X') {
                let Some(i) = n.to_bigint().filter(|_| n.is_integer()) else {
                    return Err(unsupported("an integer is required".into()));
                };
                out.push_str(&fmt_int(v, &i));
            } else {
                out.push_str(&fmt_float(v, &n));
            }
            Ok(())
        }
        's' | 'q' => {
            let x = convert(arg.clone(), &Type::String).map_err(|e| unsupported(e.message))?;
            let mut text = str_of(&x).to_string();
            if let Some(p) = v.prec.filter(|p| *p > 0) {
                text = text.graphemes(true).take(p).collect();
            }
            if v.mode == 's' {
                out.push_str(&pad(v, &text));
            } else {
                let mut j = String::new();
                json_string(&text, &mut j);
                out.push_str(&pad(v, &j));
            }
            Ok(())
        }
        m => Err(format!(
            "unsupported format verb {} in {:?} at offset {}",
            go_quote_rune(m),
            v.raw,
            v.offset
        )),
    }
}

fn pad(v: &Verb, text: &str) -> String {
    let Some(w) = v.width else {
        return text.to_string();
    };
    let n = text.graphemes(true).count();
    if n >= w {
        return text.to_string();
    }
    let pc = if v.zero { "0" } else { " " };
    let pads = pc.repeat(w - n);
    if v.minus {
        format!("{text}{pads}")
    } else {
        format!("{pads}{text}")
    }
}

/// Go's `fmt` padding for numbers: sign handling, zero padding after the sign.
fn pad_number(v: &Verb, sign: &str, body: &str, zero_ok: bool) -> String {
    let len = sign.chars().count() + body.chars().count();
    let w = v.width.unwrap_or(0);
    if len >= w {
        return format!("{sign}{body}");
    }
    let n = w - len;
    if v.minus {
        format!("{sign}{body}{}", " ".repeat(n))
    } else if v.zero && zero_ok {
        format!("{sign}{}{body}", "0".repeat(n))
    } else {
        format!("{}{sign}{body}", " ".repeat(n))
    }
}

fn fmt_float(v: &Verb, n: &Number) -> String {
    let mode = if v.mode == 'G' || v.mode == 'E' || v.mode == 'e' || v.mode == 'g' || v.mode == 'f'
    {
        v.mode
    } else {
        'g'
    };
    let prec: i32 = match (v.prec, mode) {
        (Some(p), _) => p as i32,
        (None, 'g' | 'G') => -1,
        (None, _) => 6,
    };
    let text = n.text(mode, prec);
    let (sign, body) = if let Some(b) = text.strip_prefix('-') {
        ("-", b.to_string())
    } else if let Some(b) = text.strip_prefix('+') {
        (if v.space { " " } else { "+" }, b.to_string())
    } else if v.plus {
        ("+", text)
    } else if v.space {
        (" ", text)
    } else {
        ("", text)
    };
    pad_number(v, sign, &body, !n.is_infinite())
}

fn fmt_int(v: &Verb, i: &BigInt) -> String {
    let neg = i.sign() == num_bigint::Sign::Minus;
    let mag = i.magnitude();
    let mut digits = match v.mode {
        'b' => mag.to_str_radix(2),
        'o' => mag.to_str_radix(8),
        'x' => mag.to_str_radix(16),
        'X' => mag.to_str_radix(16).to_uppercase(),
        _ => mag.to_str_radix(10),
    };
    if let Some(p) = v.prec {
        if p == 0 && digits == "0" {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    let prefix = if v.sharp {
        match v.mode {
            'b' => "0b",
            'o' => "0",
            'x' => "0x",
            'X' => "0X",
            _ => "",
        }
    } else {
        ""
    };
    let sign = if neg {
        "-"
    } else if v.plus {
        "+"
    } else if v.space {
        " "
    } else {
        ""
    };
    let body = format!("{prefix}{digits}");
    pad_number(v, sign, &body, v.prec.is_none())
}
