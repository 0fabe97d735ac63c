//! Reading JSON text into a tree that remembers where everything stands: the byte range of every
//! value and property name, each number's text exactly as written (numbers are arbitrary
//! precision), and properties in file order with duplicates kept (Terraform's JSON syntax gives
//! duplicate block-type names meaning; expression objects report them when evaluated).
//!
//! Only strict JSON (RFC 8259) is accepted; trailing commas and comments are syntax errors, with
//! Terraform's wording where it has one.

use std::ops::Range;

/// A JSON value and where it stands.
#[derive(Debug, Clone)]
pub struct Node {
    /// Bytes of the whole value (strings include their quotes).
    pub span: Range<usize>,
    /// What it is.
    pub kind: Kind,
}

/// The kinds of JSON value.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number; its text is the node's span.
    Number,
    /// A string, decoded.
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object's properties in file order.
    Object(Vec<Property>),
}

/// One `"name": value` of an object.
#[derive(Debug, Clone)]
pub struct Property {
    /// The name, decoded.
    pub name: String,
    /// Bytes of the name, quotes included.
    pub name_span: Range<usize>,
    /// The value.
    pub value: Node,
}

/// A syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// Where it was found.
    pub at: usize,
    /// One line saying what is wrong.
    pub summary: &'static str,
    /// What was expected.
    pub detail: String,
}

impl Node {
    /// Whether the value is a string none of whose characters were escaped: its decoded text
    /// is then byte for byte the text between its quotes.
    pub fn is_plain_string(&self, text: &str) -> bool {
        matches!(&self.kind, Kind::String(s) if text.get(self.span.start + 1..self.span.end - 1) == Some(s.as_str()))
    }

    /// A short name for the kind of value, for messages.
    pub fn what(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number => "a number",
            Kind::String(_) => "a string",
            Kind::Array(_) => "an array",
            Kind::Object(_) => "an object",
        }
    }
}

/// Reads one JSON value filling `text` (whitespace around it allowed).
///
/// Fails at the first syntax error.
pub fn read(text: &str) -> Result<Node, SyntaxError> {
    let mut r = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    r.ws();
    if r.at >= r.bytes.len() {
        return Err(r.error(
            "Empty JSON file",
            "A JSON configuration file must contain an object.".into(),
        ));
    }
    let v = r.value(0)?;
    r.ws();
    if r.at < r.bytes.len() {
        return Err(r.error(
            "Extraneous data after value",
            "Extra characters appear after the JSON value.".into(),
        ));
    }
    Ok(v)
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 512;

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, summary: &'static str, detail: String) -> SyntaxError {
        SyntaxError {
            at: self.at.min(self.bytes.len()),
            summary,
            detail,
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error(
                "Nesting too deep",
                format!("JSON values may nest at most {MAX_DEPTH} levels deep."),
            ));
        }
        let start = self.at;
        let kind = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Kind::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                Kind::Number
            }
            Some(b'a'..=b'z' | b'A'..=b'Z') => {
                let end = self.bytes[self.at..]
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .map_or(self.bytes.len(), |n| self.at + n);
                let word = &self.text[self.at..end];
                let kind = match word {
                    "null" => Kind::Null,
                    "true" => Kind::Bool(true),
                    "false" => Kind::Bool(false),
                    _ => {
                        return Err(self.error(
                            "Invalid JSON keyword",
                            format!(
                            "{word:?} is not a valid JSON keyword: only true, false and null are."
                        ),
                        ))
                    }
                };
                self.at = end;
                kind
            }
            None => {
                return Err(self.error(
                    "Missing JSON value",
                    "The file ends where a value was expected.".into(),
                ))
            }
            Some(_) => {
                return Err(self.error(
                    "Invalid JSON value",
                    "A JSON value (string, number, object, array, true, false or null) was \
                     expected here."
                        .into(),
                ))
            }
        };
        Ok(Node {
            span: start..self.at,
            kind,
        })
    }

    fn object(&mut self, depth: usize) -> Result<Kind, SyntaxError> {
        self.at += 1;
        let mut props = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Kind::Object(props));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.error(
                    "Invalid object property name",
                    "A JSON object property name must be a string in double quotes.".into(),
                ));
            }
            let name_start = self.at;
            let name = self.string()?;
            let name_span = name_start..self.at;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.error(
                    "Missing property value colon",
                    "JSON uses a colon as its name/value delimiter, not an equals sign.".into(),
                ));
            }
            self.at += 1;
            self.ws();
            let value = self.value(depth + 1)?;
            props.push(Property {
                name,
                name_span,
                value,
            });
            self.ws();
            match self.peek() {
                Some(b',') => {
                    let comma = self.at;
                    self.at += 1;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.at = comma;
                        return Err(self.error(
                            "Trailing comma in object",
                            "JSON does not permit a trailing comma after the final property in \
                             an object."
                                .into(),
                        ));
                    }
                }
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Kind::Object(props));
                }
                _ => {
                    return Err(self.error(
                        "Missing attribute seperator comma",
                        "A comma must appear between each property definition in an object.".into(),
                    ))
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Kind, SyntaxError> {
        self.at += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Kind::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => {
                    let comma = self.at;
                    self.at += 1;
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.at = comma;
                        return Err(self.error(
                            "Trailing comma in array",
                            "JSON does not permit a trailing comma after the final value in an \
                             array."
                                .into(),
                        ));
                    }
                }
                Some(b']') => {
                    self.at += 1;
                    return Ok(Kind::Array(items));
                }
                _ => {
                    return Err(self.error(
                        "Missing array element separator",
                        "A comma must appear between each value in an array.".into(),
                    ))
                }
            }
        }
    }

    fn number(&mut self) -> Result<(), SyntaxError> {
        let digits = |r: &mut Self| {
            let from = r.at;
            while let Some(b'0'..=b'9') = r.peek() {
                r.at += 1;
            }
            r.at > from
        };
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let int_start = self.at;
        if !digits(self) {
            return Err(self.error(
                "Invalid number",
                "A digit must follow the minus sign.".into(),
            ));
        }
        if self.bytes[int_start] == b'0' && self.at - int_start > 1 {
            self.at = int_start;
            return Err(self.error(
                "Invalid number",
                "JSON numbers may not have leading zeros.".into(),
            ));
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !digits(self) {
                return Err(self.error(
                    "Invalid number",
                    "A digit must follow the decimal point.".into(),
                ));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if !digits(self) {
                return Err(self.error(
                    "Invalid number",
                    "A digit must follow the exponent marker.".into(),
                ));
            }
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let h = self
            .text
            .get(self.at..self.at + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| {
                self.error(
                    "Invalid escape sequence",
                    "\\u must be followed by four hexadecimal digits.".into(),
                )
            })?;
        let v = u32::from_str_radix(h, 16).unwrap_or(0);
        self.at += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let open = self.at;
        self.at += 1;
        let mut out = String::new();
        loop {
            let run_start = self.at;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            out.push_str(&self.text[run_start..self.at]);
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 1;
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi)
                                && self.text.get(self.at..self.at + 2) == Some("\\u")
                            {
                                self.at += 2;
                                let lo = self.hex4()?;
                                0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                            } else {
                                hi
                            };
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                            continue;
                        }
                        _ => {
                            return Err(self.error(
                                "Invalid escape sequence",
                                "JSON strings allow the escapes \\\" \\\\ \\/ \\b \\f \\n \\r \\t \
                                 and \\uXXXX."
                                    .into(),
                            ))
                        }
                    };
                    self.at += 1;
                    out.push(c);
                }
                Some(_) => {
                    return Err(self.error(
                        "Invalid character in string",
                        "Control characters (such as a newline) must be escaped in JSON strings."
                            .into(),
                    ))
                }
                None => {
                    self.at = open;
                    return Err(self.error(
                        "Unterminated string",
                        "This string has no closing quote.".into(),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_numbers_and_duplicate_names() {
        let text = r#" {"a": [1.50, "x\u00e9"], "a": null} "#;
        let n = read(text).expect("reads");
        let Kind::Object(props) = &n.kind else {
            panic!("object")
        };
        assert_eq!(props.len(), 2);
        assert_eq!(&text[props[0].name_span.clone()], "\"a\"");
        let Kind::Array(items) = &props[0].value.kind else {
            panic!("array")
        };
        assert_eq!(&text[items[0].span.clone()], "1.50");
        assert!(matches!(&items[1].kind, Kind::String(s) if s == "xé"));
        assert!(!items[1].is_plain_string(text));
    }

    #[test]
    fn reports_terraforms_errors_where_they_are() {
        let e = read("{\"a\": 1,}").expect_err("trailing comma");
        assert_eq!((e.summary, e.at), ("Trailing comma in object", 7));
        let e = read("{\"a\": \"x}").expect_err("unterminated");
        assert_eq!((e.summary, e.at), ("Unterminated string", 6));
        let e = read("{\"a\" = 1}").expect_err("equals");
        assert_eq!(e.summary, "Missing property value colon");
        assert_eq!(
            read("\"\\ud83d\\ude00\"").map(|n| match n.kind {
                Kind::String(s) => s,
                _ => String::new(),
            }),
            Ok("😀".to_string())
        );
    }
}
