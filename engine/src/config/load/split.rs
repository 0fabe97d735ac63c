//! Splitting a large file at top-level block boundaries, so its parts parse in parallel.
//!
//! [`split_points`] scans the text once, tracking just enough of HCL's lexical structure to know
//! when it stands at the start of a line outside any block, string, heredoc, comment or
//! interpolation: brackets of every kind, quoted strings with escapes and `${`/`%{` templates,
//! heredocs (`<<EOF`, `<<-EOF`), and `#`, `//` and `/* */` comments. It splits only before a line
//! that starts a new top-level item. When the text is not what it expects (an unclosed string,
//! more closing than opening brackets, anything left open at the end) it returns no split, and
//! the caller parses the file whole: a split never changes what a valid file means, and an
//! invalid one is reported by the one whole-file parse, exactly as before.

/// Where the lexer stands.
enum Ctx {
    /// Expressions and structure, with the bracket depth inside this context.
    Code(usize),
    /// A quoted string.
    Str,
    /// A heredoc's lines until the one holding only its marker.
    Heredoc(String),
}

/// Byte offsets, each at the start of a line that begins a top-level item, that cut `text` into
/// at most `parts` pieces of similar size. Empty when the file should be parsed whole.
pub(super) fn split_points(text: &str, parts: usize) -> Vec<usize> {
    let b = text.as_bytes();
    let mut targets = (1..parts).map(|k| k * b.len() / parts).peekable();
    let mut points = Vec::new();
    let mut stack = vec![Ctx::Code(0)];
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        let at_line_start = std::mem::replace(&mut line_start, false);
        let nested = stack.len() > 1;
        match stack.last_mut() {
            Some(Ctx::Code(depth)) => {
                if at_line_start && *depth == 0 && !nested && (c.is_ascii_alphabetic() || c == b'_')
                {
                    if let Some(&t) = targets.peek() {
                        if i >= t {
                            points.push(i);
                            while targets.peek().is_some_and(|&t| t <= i) {
                                targets.next();
                            }
                        }
                    }
                }
                match c {
                    b'\n' => line_start = true,
                    b'"' => stack.push(Ctx::Str),
                    b'#' => i = line_end(b, i) - 1,
                    b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i) - 1,
                    b'/' if b.get(i + 1) == Some(&b'*') => match find(b, i + 2, b"*/") {
                        Some(end) => i = end + 1,
                        None => return Vec::new(),
                    },
                    b'<' if b.get(i + 1) == Some(&b'<') => {
                        let mut j = i + 2;
                        if b.get(j) == Some(&b'-') {
                            j += 1;
                        }
                        let start = j;
                        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                            j += 1;
                        }
                        // `<<` without a marker and a newline is an operator-free error: give up.
                        if j == start || b.get(j) != Some(&b'\n') {
                            return Vec::new();
                        }
                        stack.push(Ctx::Heredoc(text[start..j].to_string()));
                        i = j;
                        line_start = true;
                    }
                    b'{' | b'[' | b'(' => *depth += 1,
                    b'}' | b']' | b')' => {
                        if *depth > 0 {
                            *depth -= 1;
                        } else if nested && c == b'}' {
                            stack.pop();
                        } else {
                            return Vec::new();
                        }
                    }
                    _ => i = skip(b, i, &CODE_SPECIAL),
                }
            }
            Some(Ctx::Str) => match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'\n' => return Vec::new(),
                b'$' | b'%' if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') => i += 2,
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                    stack.push(Ctx::Code(0));
                    i += 1;
                }
                _ => i = skip(b, i, &STR_SPECIAL),
            },
            Some(Ctx::Heredoc(marker)) => {
                if at_line_start {
                    let end = line_end(b, i);
                    let line = text[i..end].trim_matches(|c: char| c == ' ' || c == '\t');
                    if line == marker {
                        stack.pop();
                        i = end;
                        line_start = true;
                        continue;
                    }
                }
                match c {
                    b'\n' => line_start = true,
                    b'$' | b'%' if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') => {
                        i += 2
                    }
                    b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                        stack.push(Ctx::Code(0));
                        i += 1;
                    }
                    _ => {}
                }
            }
            None => return Vec::new(),
        }
        i += 1;
    }
    if matches!(stack.as_slice(), [Ctx::Code(0)]) {
        points
    } else {
        Vec::new()
    }
}

/// Bytes that mean something to the scanner in code, and in a quoted string: every other byte
/// is skipped in a tight loop (the scan runs before parsing can start, on one core).
const CODE_SPECIAL: [bool; 256] = table(b"\n\"#/<{[(}])");
const STR_SPECIAL: [bool; 256] = table(b"\\\"\n$%");

const fn table(special: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut k = 0;
    while k < special.len() {
        t[special[k] as usize] = true;
        k += 1;
    }
    t
}

/// The last offset from `i` before the next byte `special` marks (or the text's end), for a
/// byte at `i` that needed no handling.
fn skip(b: &[u8], i: usize, special: &[bool; 256]) -> usize {
    let mut j = i;
    while j + 1 < b.len() && !special[usize::from(b[j + 1])] {
        j += 1;
    }
    j
}

/// The offset of the newline ending the line at `i` (or the text's end).
fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + p)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::split_points;

    /// Every piece parses on its own, and the pieces' items are the whole file's.
    fn check(text: &str, parts: usize) -> Vec<usize> {
        let points = split_points(text, parts);
        let whole = hcl_edit::parser::parse_body(text).expect("whole file parses");
        let mut bounds = vec![0];
        bounds.extend(&points);
        bounds.push(text.len());
        let mut n = 0;
        for w in bounds.windows(2) {
            let body = hcl_edit::parser::parse_body(&text[w[0]..w[1]]).expect("piece parses");
            n += body.len();
        }
        assert_eq!(n, whole.len());
        points
    }

    #[test]
    fn splits_between_blocks_only() {
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&format!(
                "resource \"a\" \"r{i}\" {{\n  x = \"}}${{var.v[\"{{\"]}}\"\n  y = <<-EOT\n    resource \"no\" \"split\" {{\n    ${{jsonencode({{a = \"}}\"}})}}\n  EOT\n  # }}\n  /* }}\nnot a block\n*/\n  z = {{ a = [1, (2)] }}\n}}\n\n"
            ));
        }
        let points = check(&text, 4);
        assert_eq!(points.len(), 3, "{points:?}");
        for p in points {
            assert!(
                text[p..].starts_with("resource \"a\""),
                "{}",
                &text[p..p + 20]
            );
        }
    }

    #[test]
    fn gives_up_on_what_it_does_not_expect() {
        assert!(split_points("a = \"unclosed\nb = 1\nc = 2\n", 2).is_empty());
        assert!(split_points("}\na = 1\nb = 2\n", 2).is_empty());
        assert!(split_points("x {\n a = 1\nb = 2\n", 2).is_empty());
        assert!(split_points("a = <<EOT\nb = 2\nc = 3\n", 2).is_empty());
    }

    #[test]
    fn small_or_single_item_files_stay_whole() {
        assert!(split_points("a {\n}\n", 1).is_empty());
        assert!(split_points("a {\n  b = 1\n  c = 2\n}\n", 4).is_empty());
    }
}
