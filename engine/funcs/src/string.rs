//! String functions: `upper`, `lower`, `title`, `trim*`, `chomp`, `indent`, `strrev`, `substr`,
//! `join`, `split`, `replace`, `regex`, `regexall`, `startswith`, `endswith`, `strcontains`.

use std::collections::BTreeMap;

use hangar_core::{Type, Value};
use unicode_segmentation::UnicodeSegmentation;

use crate::util::{elems, s, str_of, to_int};
use crate::{p, Call, Def, FuncError};

fn str_t() -> Type {
    Type::String
}

fn list_str() -> Type {
    Type::List(Box::new(Type::String))
}

pub(crate) fn def(name: &str) -> Option<Def> {
    Some(match name {
        "upper" => Def::new(vec![p("str", str_t()).marked()], str_t(), |_, a, _| {
            map_str(&a[0], upper)
        }),
        "lower" => Def::new(vec![p("str", str_t()).marked()], str_t(), |_, a, _| {
            map_str(&a[0], lower)
        }),
        "title" => Def::new(vec![p("str", str_t())], str_t(), |_, a, _| {
            Ok(s(title(str_of(&a[0]))))
        }),
        "trimspace" => Def::new(vec![p("str", str_t())], str_t(), |_, a, _| {
            Ok(s(str_of(&a[0]).trim_matches(go_is_space)))
        }),
        "trim" => Def::new(
            vec![p("str", str_t()), p("cutset", str_t())],
            str_t(),
            |_, a, _| {
                let cut: Vec<char> = str_of(&a[1]).chars().collect();
                Ok(s(str_of(&a[0]).trim_matches(|c| cut.contains(&c))))
            },
        ),
        "trimprefix" => Def::new(
            vec![p("str", str_t()), p("prefix", str_t())],
            str_t(),
            |_, a, _| {
                let (x, pre) = (str_of(&a[0]), str_of(&a[1]));
                Ok(s(x.strip_prefix(pre).unwrap_or(x)))
            },
        ),
        "trimsuffix" => Def::new(
            vec![p("str", str_t()), p("suffix", str_t())],
            str_t(),
            |_, a, _| {
                let (x, suf) = (str_of(&a[0]), str_of(&a[1]));
                Ok(s(x.strip_suffix(suf).unwrap_or(x)))
            },
        ),
        "chomp" => Def::new(vec![p("str", str_t())], str_t(), |_, a, _| {
            let mut t = str_of(&a[0]);
            loop {
                if let Some(x) = t.strip_suffix("\r\n") {
                    t = x;
                } else if let Some(x) = t.strip_suffix('\n') {
                    t = x;
                } else if let Some(x) = t.strip_suffix('\r') {
                    t = x;
                } else {
                    break;
                }
            }
            Ok(s(t))
        }),
        "indent" => Def::new(
            vec![p("spaces", Type::Number), p("str", str_t())],
            str_t(),
            |_, a, _| {
                let n = to_int(&a[0]).map_err(FuncError::fail)?;
                if n < 0 {
                    return Err(FuncError::fail(
                        "panic in function implementation: strings: negative Repeat count",
                    ));
                }
                let pad = " ".repeat(n as usize);
                Ok(s(str_of(&a[1]).replace('\n', &format!("\n{pad}"))))
            },
        ),
        "strrev" => Def::new(vec![p("str", str_t())], str_t(), |_, a, _| {
            Ok(s(str_of(&a[0]).graphemes(true).rev().collect::<String>()))
        }),
        "substr" => Def::new(
            vec![
                p("str", str_t()).marked(),
                p("offset", Type::Number),
                p("length", Type::Number),
            ],
            str_t(),
            |_, a, _| {
                let (v, marked) = a[0].clone().unmark();
                let off = to_int(&a[1]).map_err(FuncError::fail)?;
                let len = to_int(&a[2]).map_err(FuncError::fail)?;
                Ok(s(substr(str_of(&v), off, len)).mark_if(marked))
            },
        ),
        "join" => {
            Def::new(vec![p("separator", str_t())], str_t(), join).var(p("lists", list_str()))
        }
        "split" => Def::new(
            vec![p("separator", str_t()), p("str", str_t())],
            list_str(),
            |_, a, _| {
                let (sep, x) = (str_of(&a[0]), str_of(&a[1]));
                let parts: Vec<Value> = if sep.is_empty() {
                    x.chars().map(|c| s(c.to_string())).collect()
                } else {
                    x.split(sep).map(s).collect()
                };
                Ok(Value::List(parts))
            },
        ),
        "replace" => Def::new(
            vec![
                p("str", str_t()),
                p("substr", str_t()),
                p("replace", str_t()),
            ],
            str_t(),
            |_, a, _| {
                let (x, sub, rep) = (str_of(&a[0]), str_of(&a[1]), str_of(&a[2]));
                if sub.len() > 1 && sub.starts_with('/') && sub.ends_with('/') {
                    let re = compile(&sub[1..sub.len() - 1]).map_err(FuncError::fail)?;
                    return Ok(s(re.replace_all(x, rep).into_owned()));
                }
                if sub.is_empty() {
                    // Go's strings.Replace inserts around every character.
                    let mut out = String::from(rep);
                    for c in x.chars() {
                        out.push(c);
                        out.push_str(rep);
                    }
                    return Ok(s(out));
                }
                Ok(s(x.replace(sub, rep)))
            },
        ),
        "regex" => Def::new(
            vec![p("pattern", str_t()), p("string", str_t())],
            Type::Dynamic,
            regex,
        )
        .type_fn(|a| {
            if a[0].is_unknown() {
                return Ok(Type::Dynamic);
            }
            regex_result_type(str_of(&a[0])).map_err(|m| FuncError::arg(0, m))
        }),
        "regexall" => Def::new(
            vec![p("pattern", str_t()), p("string", str_t())],
            Type::Dynamic,
            regexall,
        )
        .type_fn(|a| {
            if a[0].is_unknown() {
                return Ok(Type::List(Box::new(Type::Dynamic)));
            }
            regex_result_type(str_of(&a[0]))
                .map(|t| Type::List(Box::new(t)))
                .map_err(|m| FuncError::arg(0, m))
        }),
        "startswith" => Def::new(
            vec![p("str", str_t()), p("prefix", str_t())],
            Type::Bool,
            |_, a, _| Ok(Value::Bool(str_of(&a[0]).starts_with(str_of(&a[1])))),
        ),
        "endswith" => Def::new(
            vec![p("str", str_t()), p("suffix", str_t())],
            Type::Bool,
            |_, a, _| Ok(Value::Bool(str_of(&a[0]).ends_with(str_of(&a[1])))),
        ),
        "strcontains" => Def::new(
            vec![p("str", str_t()), p("substr", str_t())],
            Type::Bool,
            |_, a, _| Ok(Value::Bool(str_of(&a[0]).contains(str_of(&a[1])))),
        ),
        _ => return None,
    })
}

fn map_str(v: &Value, f: fn(&str) -> String) -> Result<Value, FuncError> {
    let (inner, marked) = v.clone().unmark_deep();
    Ok(s(f(str_of(&inner))).mark_if(marked))
}

/// Go's `unicode.IsSpace`.
pub(crate) fn go_is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || (c as u32 > 0xff && c.is_whitespace())
}

/// Go's simple (one-to-one) case mapping.
fn simple_upper(c: char) -> char {
    match c {
        'ı' => 'I',
        'ſ' => 'S',
        'ß' => 'ß',
        _ => {
            let mut it = c.to_uppercase();
            match (it.next(), it.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        }
    }
}

fn simple_lower(c: char) -> char {
    match c {
        'İ' => 'i',
        _ => {
            let mut it = c.to_lowercase();
            match (it.next(), it.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        }
    }
}

fn upper(x: &str) -> String {
    x.chars().map(simple_upper).collect()
}

fn lower(x: &str) -> String {
    x.chars().map(simple_lower).collect()
}

fn simple_title(c: char) -> char {
    match c {
        'ǆ' | 'ǅ' | 'Ǆ' => 'ǅ',
        'ǉ' | 'ǈ' | 'Ǉ' => 'ǈ',
        'ǌ' | 'ǋ' | 'Ǌ' => 'ǋ',
        'ǳ' | 'ǲ' | 'Ǳ' => 'ǲ',
        _ => simple_upper(c),
    }
}

/// Go's `strings.Title`.
fn title(x: &str) -> String {
    fn is_sep(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphabetic() || c.is_numeric() {
            return false;
        }
        go_is_space(c)
    }
    let mut prev = ' ';
    let mut out = String::with_capacity(x.len());
    for c in x.chars() {
        if is_sep(prev) {
            out.push(simple_title(c));
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

fn substr(x: &str, offset: i64, length: i64) -> String {
    let gs: Vec<&str> = x.graphemes(true).collect();
    let mut offset = offset;
    if offset < 0 {
        offset += gs.len() as i64;
    } else if length == 0 {
        return String::new();
    }
    let start = if offset > 0 {
        if offset as usize >= gs.len() {
            // cty returns "" when the offset reaches the end mid-scan.
            if offset as usize > gs.len() || gs.is_empty() {
                return String::new();
            }
            gs.len()
        } else {
            offset as usize
        }
    } else {
        0
    };
    let rest = &gs[start..];
    if length < 0 {
        return rest.concat();
    }
    let end = (length as usize).min(rest.len());
    rest[..end].concat()
}

fn join(_: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    let sep = str_of(&a[0]).to_string();
    let lists = &a[1..];
    if lists.is_empty() {
        return Err(FuncError::fail("at least one list is required"));
    }
    if !lists.iter().all(Value::is_wholly_known) {
        return Ok(Value::Unknown(Type::String));
    }
    let mut items = Vec::new();
    for (ai, l) in lists.iter().enumerate() {
        for (ei, v) in elems(l).iter().enumerate() {
            if v.is_null() {
                let msg = if lists.len() > 1 {
                    format!(
                        "element {ei} of list {} is null; cannot concatenate null values",
                        ai + 1
                    )
                } else {
                    format!("element {ei} is null; cannot concatenate null values")
                };
                return Err(FuncError::arg(ai + 1, msg));
            }
            items.push(str_of(v).to_string());
        }
    }
    Ok(s(items.join(&sep)))
}

/// Compiles a Go (RE2) regular expression, with Go-like error text.
pub(crate) fn compile(pat: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(pat).map_err(|e| go_regex_error(pat, &e))
}

fn go_regex_error(pat: &str, e: &regex::Error) -> String {
    let text = e.to_string();
    let code = if text.contains("unclosed group") {
        format!("missing closing ): `{pat}`")
    } else if text.contains("unopened group") {
        format!("unexpected ): `{pat}`")
    } else if text.contains("unclosed character class") {
        let i = pat.rfind('[').unwrap_or(0);
        format!("missing closing ]: `{}`", &pat[i..])
    } else if text.contains("repetition operator missing expression") {
        let op = pat
            .chars()
            .find(|c| matches!(c, '*' | '+' | '?'))
            .unwrap_or('*');
        format!("missing argument to repetition operator: `{op}`")
    } else if text.contains("unrecognized escape") || text.contains("incomplete escape") {
        let i = pat.rfind('\\').unwrap_or(0);
        let end = (i + 2).min(pat.len());
        format!("invalid escape sequence: `{}`", &pat[i..end])
    } else {
        text.lines().last().unwrap_or("").trim().to_string()
    };
    format!("error parsing regexp: {code}")
}

fn regex_result_type(pat: &str) -> Result<Type, String> {
    let re = regex::Regex::new(pat).map_err(|e| {
        let msg = go_regex_error(pat, &e);
        let code = msg.trim_start_matches("error parsing regexp: ");
        match code.rsplit_once(": `") {
            Some((c, expr)) => format!(
                "invalid regexp pattern: {c} in {}",
                expr.trim_end_matches('`')
            ),
            None => format!("error parsing pattern: {msg}"),
        }
    })?;
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let unnamed = names.iter().filter(|n| n.is_none()).count();
    let named: Vec<&str> = names.iter().flatten().copied().collect();
    Ok(match (unnamed, named.len()) {
        (0, 0) => Type::String,
        (n, 0) => Type::Tuple(vec![Type::String; n]),
        (0, _) => Type::object(named.iter().map(|n| (n.to_string(), Type::String))),
        _ => {
            return Err(
                "invalid regexp pattern: cannot mix both named and unnamed capture groups".into(),
            )
        }
    })
}

fn regex_match(re: &regex::Regex, caps: &regex::Captures<'_>, ty: &Type) -> Value {
    match ty {
        Type::String => s(caps.get(0).map(|m| m.as_str()).unwrap_or("")),
        Type::Object(_) => {
            let mut m = BTreeMap::new();
            for (i, name) in re.capture_names().enumerate().skip(1) {
                if let Some(n) = name {
                    let v = caps
                        .get(i)
                        .map(|g| s(g.as_str()))
                        .unwrap_or(Value::Null(Type::String));
                    m.insert(n.to_string(), v);
                }
            }
            Value::Object(m)
        }
        _ => Value::Tuple(
            (1..caps.len())
                .map(|i| {
                    caps.get(i)
                        .map(|g| s(g.as_str()))
                        .unwrap_or(Value::Null(Type::String))
                })
                .collect(),
        ),
    }
}

fn regex(_: &Call<'_>, a: Vec<Value>, ty: &Type) -> Result<Value, FuncError> {
    if *ty == Type::Dynamic {
        return Ok(Value::Unknown(Type::Dynamic));
    }
    let re = compile(str_of(&a[0])).map_err(|m| FuncError::arg(0, m))?;
    let caps = re
        .captures(str_of(&a[1]))
        .ok_or_else(|| FuncError::fail("pattern did not match any part of the given string"))?;
    Ok(regex_match(&re, &caps, ty))
}

fn regexall(_: &Call<'_>, a: Vec<Value>, ty: &Type) -> Result<Value, FuncError> {
    let ety = crate::util::elem_ty(ty);
    if ety == Type::Dynamic {
        return Ok(Value::Unknown(ty.clone()));
    }
    let re = compile(str_of(&a[0])).map_err(|m| FuncError::arg(0, m))?;
    let out: Vec<Value> = re
        .captures_iter(str_of(&a[1]))
        .map(|c| regex_match(&re, &c, &ety))
        .collect();
    Ok(Value::List(out))
}
