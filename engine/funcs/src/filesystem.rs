//! Filesystem functions: `file`, `filebase64`, `file*sha*`, `filemd5`, `fileexists`, `fileset`,
//! `templatefile`, `templatestring`, `abspath`, `dirname`, `basename`, `pathexpand`.

use std::path::{Component, Path, PathBuf};

use hangar_core::{Type, Value};

use crate::encoding::b64;
use crate::hash::{hex_digest, raw_digest};
use crate::util::{s, str_of};
use crate::{p, Call, Def, FuncError};

fn redact(text: &str, marked: bool) -> String {
    if marked {
        "(sensitive value)".into()
    } else {
        hangar_core::quote::go_quote(text)
    }
}

fn home() -> Option<String> {
    std::env::var("HOME").ok().filter(|h| !h.is_empty())
}

/// go-homedir's `Expand`.
fn expand(path: &str) -> Result<String, String> {
    if !path.starts_with('~') {
        return Ok(path.to_string());
    }
    if path.len() > 1 && !path[1..].starts_with('/') {
        return Err("cannot expand user-specific home dir".into());
    }
    let h = home().ok_or_else(|| "HOME environment variable is not set".to_string())?;
    Ok(format!("{h}{}", &path[1..]))
}

/// Go's `filepath.Clean`.
pub(crate) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            p => out.push(p),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn join(base: &str, path: &str) -> String {
    if path.starts_with('/') || base.is_empty() {
        clean(path)
    } else {
        clean(&format!("{base}/{path}"))
    }
}

fn resolve(ctx: &Call<'_>, path: &str) -> Result<String, String> {
    let p = expand(path).map_err(|e| format!("failed to expand ~: {e}"))?;
    Ok(join(&ctx.ctx.base_dir.to_string_lossy(), &p))
}

fn read(ctx: &Call<'_>, path: &str, marked: bool) -> Result<Vec<u8>, FuncError> {
    let full = resolve(ctx, path).map_err(|m| FuncError::arg(0, m))?;
    std::fs::read(&full).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            FuncError::arg(0, format!("no file exists at {}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource", redact(&full, marked)))
        } else if e.kind() == std::io::ErrorKind::IsADirectory || Path::new(&full).is_dir() {
            FuncError::arg(0, format!("failed to read file: read {full}: is a directory"))
        } else {
            FuncError::arg(0, format!("failed to read file: {e}"))
        }
    })
}

fn file_hash() -> Def {
    Def::new(
        vec![p("path", Type::String).marked()],
        Type::String,
        |c, a, _| {
            let (v, m) = a[0].clone().unmark();
            let data = read(c, str_of(&v), m)?;
            let kind = match c.name {
                "filemd5" => "md5",
                "filesha1" => "sha1",
                "filesha256" | "filebase64sha256" => "sha256",
                _ => "sha512",
            };
            let out = if c.name.starts_with("filebase64") {
                b64(&raw_digest(kind, &data))
            } else {
                hex_digest(kind, &data)
            };
            Ok(s(out).mark_if(m))
        },
    )
}

pub(crate) fn def(name: &str) -> Option<Def> {
    let st = || Type::String;
    Some(match name {
        "file" | "filebase64" => Def::new(vec![p("path", st()).marked()], st(), |c, a, _| {
            let (v, m) = a[0].clone().unmark();
            let path = str_of(&v);
            let data = read(c, path, m)?;
            if c.name == "filebase64" {
                return Ok(s(b64(&data)).mark_if(m));
            }
            let text = String::from_utf8(data).map_err(|_| {
                FuncError::fail(format!("contents of {} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead", redact(path, m)))
            })?;
            Ok(s(text).mark_if(m))
        }),
        "filemd5" => file_hash(),
        "filesha1" => file_hash(),
        "filesha256" => file_hash(),
        "filesha512" => file_hash(),
        "filebase64sha256" => file_hash(),
        "filebase64sha512" => file_hash(),
        "fileexists" => Def::new(vec![p("path", st()).marked()], Type::Bool, |c, a, _| {
            let (v, m) = a[0].clone().unmark();
            let full = resolve(c, str_of(&v)).map_err(FuncError::fail)?;
            let meta = match std::fs::metadata(&full) {
                Ok(md) => md,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Ok(Value::Bool(false).mark_if(m))
                }
                Err(_) => {
                    return Err(FuncError::fail(format!(
                        "failed to stat {}",
                        redact(&full, m)
                    )))
                }
            };
            if meta.is_file() {
                return Ok(Value::Bool(true).mark_if(m));
            }
            let what = if meta.is_dir() {
                "is a directory, not a file"
            } else {
                "is not a regular file"
            };
            Err(FuncError::fail(format!("{} {what}", redact(&full, m))))
        }),
        "fileset" => Def::new(
            vec![p("path", st()).marked(), p("pattern", st()).marked()],
            Type::Set(Box::new(st())),
            fileset,
        ),
        "templatefile" => Def::new(
            vec![p("path", st()).marked(), p("vars", Type::Dynamic)],
            Type::Dynamic,
            |c, a, _| {
                let (v, m) = a[0].clone().unmark();
                let data = read(c, str_of(&v), m)?;
                let text = String::from_utf8(data).map_err(|_| {
                    FuncError::arg(0, "contents of the template file are not valid UTF-8")
                })?;
                render(c, &text, &a[1]).map(|r| r.mark_if(m))
            },
        )
        .type_fn(|_| Ok(Type::Dynamic)),
        "templatestring" => Def::new(
            vec![p("template", st()), p("vars", Type::Dynamic)],
            Type::Dynamic,
            |c, a, _| render(c, str_of(&a[0]), &a[1]),
        ),
        "abspath" => Def::new(vec![p("path", st())], st(), |_, a, _| {
            let pth = str_of(&a[0]);
            let abs = if pth.starts_with('/') {
                clean(pth)
            } else {
                let cwd = std::env::current_dir()
                    .map_err(|e| FuncError::fail(format!("failed to get cwd: {e}")))?;
                join(&cwd.to_string_lossy(), pth)
            };
            Ok(s(abs))
        }),
        "dirname" => Def::new(vec![p("path", st())], st(), |_, a, _| {
            Ok(s(dirname(str_of(&a[0]))))
        }),
        "basename" => Def::new(vec![p("path", st())], st(), |_, a, _| {
            Ok(s(basename(str_of(&a[0]))))
        }),
        "pathexpand" => Def::new(vec![p("path", st())], st(), |_, a, _| {
            expand(str_of(&a[0])).map(s).map_err(FuncError::fail)
        }),
        _ => return None,
    })
}

fn render(c: &Call<'_>, text: &str, vars: &Value) -> Result<Value, FuncError> {
    if !matches!(vars.peel(), Value::Map(_) | Value::Object(_)) {
        return Err(FuncError::arg(1, "invalid vars value: must be a map"));
    }
    let Some(r) = c.ctx.render_template else {
        return Err(FuncError::fail(
            "templates cannot be rendered in this context",
        ));
    };
    r(text, vars).map_err(FuncError::fail)
}

/// Go's `filepath.Dir`.
fn dirname(path: &str) -> String {
    let i = path.rfind('/').map(|i| i + 1).unwrap_or(0);
    clean(&path[..i])
}

/// Go's `filepath.Base`.
fn basename(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let t = path.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn fileset(c: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    let (pv, pm) = a[0].clone().unmark();
    let (gv, gm) = a[1].clone().unmark();
    let marked = pm || gm;
    let base = resolve(c, str_of(&pv)).map_err(FuncError::fail)?;
    let pattern = join(&base, str_of(&gv));
    let rel_pattern = pattern
        .strip_prefix(&format!("{base}/"))
        .unwrap_or(&pattern)
        .to_string();
    let re = glob_regex(&rel_pattern).map_err(|e| {
        FuncError::fail(format!(
            "failed to glob pattern {}: {e}",
            redact(&pattern, gm)
        ))
    })?;
    let mut found = Vec::new();
    walk(
        Path::new(&base),
        PathBuf::new(),
        &mut |rel: &Path, is_file: bool| {
            let r = rel.to_string_lossy().replace('\\', "/");
            if is_file && re.is_match(&r) {
                found.push(s(r));
            }
        },
    );
    Ok(Value::cty_set(found).mark_if(marked))
}

fn walk(base: &Path, rel: PathBuf, f: &mut dyn FnMut(&Path, bool)) {
    let Ok(rd) = std::fs::read_dir(base.join(&rel)) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let r = rel.join(e.file_name());
        let full = base.join(&r);
        let md = std::fs::metadata(&full);
        match md {
            Ok(m) if m.is_dir() => {
                f(&r, false);
                walk(base, r, f);
            }
            Ok(m) => f(&r, m.is_file()),
            Err(_) => {}
        }
    }
}

/// A doublestar glob as a regular expression over slash-separated relative paths.
fn glob_regex(pattern: &str) -> Result<regex::Regex, String> {
    let mut re = String::from("^");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut in_alt = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' => {
                if i + 1 < chars.len() && chars[i + 1] == '*' {
                    let at_start = i == 0 || chars[i - 1] == '/';
                    let at_end = i + 2 == chars.len() || chars[i + 2] == '/';
                    if at_start && at_end {
                        if i + 2 < chars.len() {
                            re.push_str("(?:[^/]*(?:/[^/]*)*/)?");
                            i += 3;
                        } else {
                            re.push_str(".*");
                            i += 2;
                        }
                        continue;
                    }
                    re.push_str("[^/]*");
                    i += 2;
                    continue;
                }
                re.push_str("[^/]*");
            }
            '?' => re.push_str("[^/]"),
            '[' => {
                let mut j = i + 1;
                let mut class = String::from("[");
                if j < chars.len() && (chars[j] == '!' || chars[j] == '^') {
                    class.push('^');
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    if chars[j] == '\\' && j + 1 < chars.len() {
                        class.push_str(&regex::escape(&chars[j + 1].to_string()));
                        j += 2;
                        continue;
                    }
                    if chars[j] == '-' {
                        class.push('-');
                    } else {
                        class.push_str(&regex::escape(&chars[j].to_string()));
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    return Err("syntax error in pattern".into());
                }
                class.push(']');
                re.push_str(&class);
                i = j;
            }
            '{' => {
                in_alt += 1;
                re.push_str("(?:");
            }
            '}' if in_alt > 0 => {
                in_alt -= 1;
                re.push(')');
            }
            ',' if in_alt > 0 => re.push('|'),
            '\\' if i + 1 < chars.len() => {
                re.push_str(&regex::escape(&chars[i + 1].to_string()));
                i += 1;
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    if in_alt > 0 {
        return Err("syntax error in pattern".into());
    }
    re.push('$');
    regex::Regex::new(&re).map_err(|_| "syntax error in pattern".to_string())
}

#[allow(dead_code)]
fn _c(_: Component<'_>) {}
