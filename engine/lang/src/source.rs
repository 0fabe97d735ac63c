//! Source files and the mapping from byte offsets to line/column positions.
//!
//! Parsers hand out byte ranges; diagnostics need 1-based lines and character columns. A
//! [`SourceFile`] keeps the text and its line starts so that mapping is a binary search. It does
//! not read files from disk: the caller supplies the text.
//!
//! A file written in another syntax (Terraform's JSON configuration syntax) is parsed through a
//! [`Translation`] into native syntax: parsed spans then index the translation's code, and every
//! position is mapped back to the original text, so diagnostics still point at what the user
//! wrote.

use std::ops::Range;

use hangar_core::{SourcePos, SourceRange};

/// One configuration file's text, kept so diagnostics can point into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// Path of the file as the user named it.
    pub name: String,
    /// The whole text (of a [`part`](SourceFile::part): the part's text).
    pub text: String,
    line_starts: Vec<usize>,
    /// For a part: the line index and byte offset in the whole file where its text starts.
    line_base: usize,
    byte_base: usize,
    translation: Option<Translation>,
}

/// Native-syntax code standing for a file written in another syntax, with the way back.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Translation {
    /// The native-syntax text that parsed spans index.
    pub code: String,
    /// Where runs of `code` came from, in increasing `code` order.
    pub map: Vec<Mapping>,
}

/// From offset `code` on (until the next mapping), the translation stands for the original text
/// at `original`: byte for byte when `exact`, otherwise as a whole (a synthesized token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// Offset in the translation's code.
    pub code: usize,
    /// Offset in the original text.
    pub original: usize,
    /// Whether the run is a verbatim copy (offsets advance together).
    pub exact: bool,
}

impl Translation {
    /// The original offset of code offset `at`.
    fn original(&self, at: usize) -> usize {
        let i = self.map.partition_point(|m| m.code <= at);
        match i.checked_sub(1).map(|i| self.map[i]) {
            Some(m) if m.exact => m.original + (at - m.code),
            Some(m) => m.original,
            None => 0,
        }
    }

    /// The original offset of a range ending at code offset `at` (exclusive).
    fn original_end(&self, at: usize) -> usize {
        if at == 0 {
            return 0;
        }
        let i = self.map.partition_point(|m| m.code < at);
        match i.checked_sub(1).map(|i| self.map[i]) {
            Some(m) if m.exact => m.original + (at - m.code),
            Some(m) => m.original + 1,
            None => 0,
        }
    }
}

impl SourceFile {
    /// Wraps a file's text, indexing its line starts once.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            text,
            line_starts,
            line_base: 0,
            byte_base: 0,
            translation: None,
        }
    }

    /// A file written in another syntax: `text` as written, `translation` what is parsed.
    pub fn translated(
        name: impl Into<String>,
        text: impl Into<String>,
        translation: Translation,
    ) -> Self {
        SourceFile {
            translation: Some(translation),
            ..SourceFile::new(name, text)
        }
    }

    /// The native-syntax text that parsed spans index: the text itself, or its translation.
    pub fn code(&self) -> &str {
        match &self.translation {
            Some(t) => &t.code,
            None => &self.text,
        }
    }

    /// Whether the file was written in another syntax (Terraform's JSON) and translated.
    pub fn is_translated(&self) -> bool {
        self.translation.is_some()
    }

    /// The lines of this file in `bytes` (which must start at a line start) as a file of
    /// their own whose positions are still this file's: a parser given only the part's text
    /// hands out offsets into it, and [`pos`](SourceFile::pos) maps them back.
    pub fn part(&self, bytes: Range<usize>) -> SourceFile {
        debug_assert!(bytes.start == 0 || self.text.as_bytes()[bytes.start - 1] == b'\n');
        let mut part = SourceFile::new(self.name.clone(), &self.text[bytes.clone()]);
        part.line_base =
            self.line_base + self.line_starts.partition_point(|&s| s <= bytes.start) - 1;
        part.byte_base = self.byte_base + bytes.start;
        part
    }

    /// The position of a byte offset (clamped into the text, snapped back to a char boundary).
    pub fn pos(&self, byte: usize) -> SourcePos {
        let mut byte = byte.min(self.text.len());
        while !self.text.is_char_boundary(byte) {
            byte -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= byte).max(1);
        let start = self.line_starts[line - 1];
        let column = self.text[start..byte].chars().count() + 1;
        SourcePos {
            line: line + self.line_base,
            column,
            byte: byte + self.byte_base,
        }
    }

    /// The source range of a byte range of [`code`](Self::code), for locating diagnostics;
    /// positions are in the original text.
    pub fn range(&self, bytes: Range<usize>) -> SourceRange {
        let bytes = match &self.translation {
            Some(t) => t.original(bytes.start)..t.original_end(bytes.end.max(bytes.start)),
            None => bytes,
        };
        SourceRange {
            filename: self.name.clone(),
            start: self.pos(bytes.start),
            end: self.pos(bytes.end.max(bytes.start)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_bytes_to_lines_and_char_columns() {
        let f = SourceFile::new("main.tf", "a = 1\nbé = \"x\"\n");
        let r = f.range(10..13);
        assert_eq!(r.filename, "main.tf");
        assert_eq!((r.start.line, r.start.column, r.start.byte), (2, 4, 10));
        assert_eq!((r.end.line, r.end.column), (2, 7));
        assert_eq!(
            f.pos(0),
            SourcePos {
                line: 1,
                column: 1,
                byte: 0
            }
        );
    }

    #[test]
    fn translated_positions_point_into_the_original() {
        // Original `{"a": 12}` translated as `a = 12\n`: `a` synthesized, `12` copied.
        let t = Translation {
            code: "a = 12\n".into(),
            map: vec![
                Mapping {
                    code: 0,
                    original: 1,
                    exact: false,
                },
                Mapping {
                    code: 4,
                    original: 6,
                    exact: true,
                },
                Mapping {
                    code: 6,
                    original: 8,
                    exact: false,
                },
            ],
        };
        let f = SourceFile::translated("x.tf.json", "{\"a\": 12}", t);
        assert_eq!(f.code(), "a = 12\n");
        let r = f.range(4..6);
        assert_eq!((r.start.column, r.end.column), (7, 9));
        let r = f.range(0..1);
        assert_eq!((r.start.column, r.end.column), (2, 3));
    }

    #[test]
    fn parts_keep_the_whole_files_positions() {
        let f = SourceFile::new("main.tf", "a = 1\nbé = 2\nc = 3\nd = 4\n");
        let part = f.part(14..26);
        assert_eq!(part.text, "c = 3\nd = 4\n");
        assert_eq!(part.range(6..7), f.range(20..21));
        assert_eq!(part.pos(6).line, 4);
        assert_eq!(part.part(6..12).range(0..1), f.range(20..21));
    }

    #[test]
    fn clamps_out_of_range_offsets() {
        let f = SourceFile::new("x", "é");
        assert_eq!(f.pos(1).byte, 0);
        assert_eq!(f.pos(99).byte, 2);
    }
}
