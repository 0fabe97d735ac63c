//! `jsondecode`'s parser: JSON to values as cty decodes it (objects, tuples, 512-bit numbers,
//! later duplicate keys win), with Go's `encoding/json` error wording.

use std::collections::BTreeMap;

use hangar_core::{Number, Value};

use crate::util::s;

struct P<'a> {
    b: &'a [u8],
    i: usize,
}

fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        c if c.is_ascii_graphic() || c == b' ' => format!("'{}'", c as char),
        c => {
            let q = hangar_core::quote::go_quote(&(c as char).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

impl<'a> P<'a> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn value(&mut self, ctx: &str) -> Result<Value, String> {
        self.ws();
        let Some(c) = self.peek() else {
            return Err("EOF".into());
        };
        match c {
            b'{' => {
                self.i += 1;
                let mut m = BTreeMap::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Value::Object(m));
                }
                loop {
                    self.ws();
                    match self.peek() {
                        None => return Err("EOF".into()),
                        Some(b'"') => {}
                        Some(c) => {
                            return Err(format!(
                                "invalid character {} looking for beginning of object key string",
                                quote_char(c)
                            ))
                        }
                    }
                    let k = self.string()?;
                    self.ws();
                    match self.peek() {
                        None => return Err("EOF".into()),
                        Some(b':') => self.i += 1,
                        Some(c) => {
                            return Err(format!(
                                "invalid character {} after object key",
                                quote_char(c)
                            ))
                        }
                    }
                    let v = self.value("value")?;
                    m.insert(k, v);
                    self.ws();
                    match self.peek() {
                        None => return Err("EOF".into()),
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::Object(m));
                        }
                        Some(c) => {
                            return Err(format!(
                                "invalid character {} after object key:value pair",
                                quote_char(c)
                            ))
                        }
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut xs = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Value::Tuple(xs));
                }
                loop {
                    xs.push(self.value("value")?);
                    self.ws();
                    match self.peek() {
                        None => return Err("EOF".into()),
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::Tuple(xs));
                        }
                        Some(c) => {
                            return Err(format!(
                                "invalid character {} after array element",
                                quote_char(c)
                            ))
                        }
                    }
                }
            }
            b'"' => Ok(s(self.string()?)),
            b't' => self.lit("true", Value::Bool(true)),
            b'f' => self.lit("false", Value::Bool(false)),
            b'n' => self.lit("null", Value::NULL),
            b'-' | b'0'..=b'9' => self.number(),
            c => Err(format!(
                "invalid character {} looking for beginning of {ctx}",
                quote_char(c)
            )),
        }
    }

    fn lit(&mut self, word: &str, v: Value) -> Result<Value, String> {
        for (k, w) in word.bytes().enumerate() {
            match self.b.get(self.i + k) {
                None => return Err("unexpected EOF".into()),
                Some(&c) if c != w => {
                    return Err(format!(
                        "invalid character {} in literal {word} (expecting {})",
                        quote_char(c),
                        quote_char(w)
                    ))
                }
                _ => {}
            }
        }
        self.i += word.len();
        Ok(v)
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.i += 1;
                }
            }
            Some(c) => {
                return Err(format!(
                    "invalid character {} in numeric literal",
                    quote_char(c)
                ))
            }
            None => return Err("unexpected EOF".into()),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            match self.peek() {
                Some(b'0'..=b'9') => {}
                Some(c) => {
                    return Err(format!(
                        "invalid character {} after decimal point in numeric literal",
                        quote_char(c)
                    ))
                }
                None => return Err("unexpected EOF".into()),
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            match self.peek() {
                Some(b'0'..=b'9') => {}
                Some(c) => {
                    return Err(format!(
                        "invalid character {} in exponent of numeric literal",
                        quote_char(c)
                    ))
                }
                None => return Err("unexpected EOF".into()),
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        Number::parse(text)
            .map(Value::Number)
            .map_err(|e| e.to_string())
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err("unexpected EOF".into());
            };
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err("unexpected EOF".into());
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.b.get(self.i) == Some(&b'\\')
                                && self.b.get(self.i + 1) == Some(&b'u')
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                } else {
                                    self.i = save;
                                }
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        c => {
                            return Err(format!(
                                "invalid character {} in string escape code",
                                quote_char(c)
                            ))
                        }
                    }
                }
                c if c < 0x20 => {
                    return Err(format!(
                        "invalid character {} in string literal",
                        quote_char(c)
                    ))
                }
                c => out.push(c),
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(c) = self.peek() else {
                return Err("unexpected EOF".into());
            };
            let d = (c as char).to_digit(16).ok_or_else(|| {
                format!(
                    "invalid character {} in \\u hexadecimal character escape",
                    quote_char(c)
                )
            })?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }
}

/// Decodes JSON text as `jsondecode` does.
pub fn decode(text: &str) -> Result<Value, String> {
    let mut p = P {
        b: text.as_bytes(),
        i: 0,
    };
    let v = p.value("value")?;
    p.ws();
    if p.i < p.b.len() {
        let _ = v;
        return Err("extraneous data after JSON object".into());
    }
    Ok(v)
}
