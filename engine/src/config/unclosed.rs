//! Where an unclosed string, heredoc or interpolation opens.
//!
//! A parser that meets a quoted string without its closing quote gives up far below it, often
//! at the end of the file; Terraform instead reports the string where it opens ("Invalid
//! multi-line string", "Unterminated template string"). [`find`] scans native-syntax text the
//! way HCL's scanner does — comments, quoted templates with their escapes and `${ }`/`%{ }`
//! sequences nested to any depth, heredocs — just far enough to find the first such opening.
//! It leaves every other syntax error to the parser.

/// What was left open, and where it opens (a byte offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unclosed {
    /// A quoted string that runs into the end of its line.
    MultiLineString(usize),
    /// A quoted string that runs into the end of the file.
    String(usize),
    /// A heredoc whose closing marker never comes.
    Heredoc(usize),
    /// A `${` or `%{` sequence never closed.
    Interpolation(usize),
}

impl Unclosed {
    /// Where it opens.
    pub fn at(self) -> usize {
        match self {
            Unclosed::MultiLineString(at)
            | Unclosed::String(at)
            | Unclosed::Heredoc(at)
            | Unclosed::Interpolation(at) => at,
        }
    }

    /// Terraform's summary and detail for it.
    pub fn message(self) -> (&'static str, &'static str) {
        match self {
            Unclosed::MultiLineString(_) => (
                "Invalid multi-line string",
                "Quoted strings may not be split over multiple lines. To produce a multi-line \
                 string, either use the \\n escape to represent a newline character or use the \
                 \"heredoc\" multi-line template syntax.",
            ),
            Unclosed::String(_) | Unclosed::Heredoc(_) => (
                "Unterminated template string",
                "No closing marker was found for the string.",
            ),
            Unclosed::Interpolation(_) => (
                "Unclosed template interpolation sequence",
                "There is no closing brace for this interpolation sequence before the end of \
                 the quoted template. This might be caused by incorrect nesting inside the given \
                 expression.",
            ),
        }
    }
}

enum Ctx {
    /// Expressions; `opened` is where the `${`/`%{` that started them is, if any.
    Code {
        braces: usize,
        opened: Option<usize>,
    },
    /// A quoted template opened at `start`.
    Quoted { start: usize },
}

/// The first string, heredoc or interpolation `text` leaves open, if any.
pub fn find(text: &str) -> Option<Unclosed> {
    let b = text.as_bytes();
    let mut stack = vec![Ctx::Code {
        braces: 0,
        opened: None,
    }];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match stack.last_mut() {
            Some(Ctx::Code { braces, opened }) => match c {
                b'#' => i = line_end(b, i),
                b'/' if next == Some(b'/') => i = line_end(b, i),
                b'/' if next == Some(b'*') => {
                    i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                    continue;
                }
                b'"' => stack.push(Ctx::Quoted { start: i }),
                b'<' if next == Some(b'<') => {
                    if let Some((marker, body)) = heredoc_start(text, i) {
                        match heredoc_end(text, body, marker) {
                            Some(after) => {
                                i = after;
                                continue;
                            }
                            None => return Some(Unclosed::Heredoc(i)),
                        }
                    }
                    i += 1;
                }
                b'{' => *braces += 1,
                b'}' if *braces == 0 && opened.is_some() => {
                    stack.pop();
                }
                b'}' => *braces = braces.saturating_sub(1),
                _ => {}
            },
            Some(Ctx::Quoted { start }) => match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'\n' => {
                    let start = *start;
                    // A quote inside an unclosed `${` is usually the template's own closing
                    // quote, read as the start of a nested string.
                    let outer = stack.iter().rev().skip(1).find_map(|c| match c {
                        Ctx::Code {
                            opened: Some(at), ..
                        } => Some(*at),
                        _ => None,
                    });
                    return Some(match outer {
                        Some(at) => Unclosed::Interpolation(at),
                        None => Unclosed::MultiLineString(start),
                    });
                }
                b'$' | b'%' if next == Some(c) && b.get(i + 2) == Some(&b'{') => i += 2,
                b'$' | b'%' if next == Some(b'{') => {
                    stack.push(Ctx::Code {
                        braces: 0,
                        opened: Some(i),
                    });
                    i += 1;
                }
                _ => {}
            },
            None => break,
        }
        i += 1;
    }
    match stack.last() {
        Some(Ctx::Quoted { start }) => Some(Unclosed::String(*start)),
        Some(Ctx::Code {
            opened: Some(at), ..
        }) => Some(Unclosed::Interpolation(*at)),
        _ => None,
    }
}

/// The offset of the newline ending the line `i` is on (or the end).
fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |n| i + n)
}

/// For `<<MARKER` or `<<-MARKER` at `i` followed by a newline: the marker and where the body
/// starts.
fn heredoc_start(text: &str, i: usize) -> Option<(&str, usize)> {
    let rest = text.get(i + 2..)?;
    let rest_at = i + 2 + usize::from(rest.starts_with('-'));
    let rest = &text[rest_at..];
    let len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    let marker = &rest[..len];
    let after = &rest[len..];
    if marker.is_empty() || !(after.starts_with('\n') || after.starts_with("\r\n")) {
        return None;
    }
    Some((marker, rest_at + len + after.find('\n')? + 1))
}

/// Where scanning resumes after the line closing a heredoc whose body starts at `from`.
fn heredoc_end(text: &str, from: usize, marker: &str) -> Option<usize> {
    let mut at = from;
    for line in text[from..].split_inclusive('\n') {
        at += line.len();
        if line.trim() == marker {
            return Some(at);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_where_an_unclosed_string_opens() {
        let t = "a = \"ok ${x} \\\" }\"\nb = \"hello\n}\n\nc = 1\n";
        assert_eq!(find(t), Some(Unclosed::MultiLineString(23)));
        assert_eq!(find("a = \"open"), Some(Unclosed::String(4)));
        assert_eq!(
            find("a = \"${var.x\"\n}\n"),
            Some(Unclosed::Interpolation(5))
        );
        assert_eq!(find("a = <<EOT\nhello\n}\n"), Some(Unclosed::Heredoc(4)));
    }

    #[test]
    fn leaves_well_formed_text_alone() {
        let t = "# \"quote in a comment\n/* \" */ a = <<-EOT\n  x \"\n  EOT\nb = \"$${y} %%{z} ${ {a = \"}\"}.a }\"\nc = { d = \"e\" }\n";
        assert_eq!(find(t), None);
    }
}
