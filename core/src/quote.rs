//! Go's `strconv.Quote`, byte for byte.
//!
//! Terraform quotes strings this way in the console, in function error messages and in cty's
//! set hashing (which orders sets), so Hangar must too. It leaves out Go's other quoting
//! flavours (`QuoteToASCII`, `QuoteRune`) and the `time` package's own quoting.

mod print_table;

use std::fmt::Write;

/// Quotes `s` as Go's `strconv.Quote` does: `\a \b \f \n \r \t \v \\ \"` escapes, printable
/// runes as they are, other runes as `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
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
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint` (as `strconv.IsPrint`): letters, marks, numbers, punctuation,
/// symbols and the ASCII space, by Unicode 15.0.0 as Terraform's Go knows it. A generated table
/// ([`print_table`](self)), kept by hand for byte-exact Terraform output.
pub fn is_go_print(c: char) -> bool {
    let u = c as u32;
    print_table::PRINT
        .binary_search_by(|&(lo, hi)| {
            if hi < u {
                std::cmp::Ordering::Less
            } else if lo > u {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("é\u{a0}\u{1}\t\""), "\"é\\u00a0\\x01\\t\\\"\"");
        assert_eq!(go_quote("\u{7f}\u{ad}\u{fffe}"), "\"\\x7f\\u00ad\\ufffe\"");
        assert_eq!(go_quote("😀\u{16d40}"), "\"😀\\U00016d40\"");
    }

    #[test]
    fn printable_runes_follow_unicode_15() {
        // Checked against Terraform 1.15.5's console: U+1E4D0 (Unicode 15.0) prints as itself,
        // U+2FFC (15.1) and U+0897 (16.0) are escaped, as are U+0378 (unassigned), U+2028 and
        // private use.
        for c in [' ', 'a', 'é', '\u{1e4d0}', '\u{31350}', '\u{11f00}'] {
            assert!(is_go_print(c), "{c:?}");
        }
        for c in [
            '\u{a0}', '\u{ad}', '\u{2ffc}', '\u{897}', '\u{378}', '\u{2028}', '\u{e000}',
        ] {
            assert!(!is_go_print(c), "{c:?}");
        }
    }
}
