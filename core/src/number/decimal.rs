//! Go's `math/big` decimal conversion, used to print numbers exactly as Terraform does
//! (shortest round-trip digits, `%e`/`%f` layouts).

use super::*;

/// Go's `math/big` multi-precision decimal: `0.mant * 10^exp`, no trailing zeros.
pub(super) struct Decimal {
    pub(super) mant: Vec<u8>,
    pub(super) exp: i64,
}

impl Decimal {
    pub(super) fn new(m: &BigUint, exp: i64) -> Decimal {
        if m.is_zero() {
            return Decimal {
                mant: Vec::new(),
                exp: 0,
            };
        }
        let (s, k) = if exp >= 0 {
            ((m << (exp as u64)).to_string(), 0i64)
        } else {
            let k = -exp;
            ((m * pow5(k as u64)).to_string(), k)
        };
        let mut mant = s.into_bytes();
        let exp = mant.len() as i64 - k;
        while mant.last() == Some(&b'0') {
            mant.pop();
        }
        Decimal { mant, exp }
    }

    fn at(&self, i: i64) -> u8 {
        if i >= 0 && (i as usize) < self.mant.len() {
            self.mant[i as usize]
        } else {
            b'0'
        }
    }

    pub(super) fn round(&mut self, n: i64) {
        if n < 0 || n >= self.mant.len() as i64 {
            return;
        }
        if self.should_round_up(n as usize) {
            self.round_up(n);
        } else {
            self.round_down(n);
        }
    }

    fn should_round_up(&self, n: usize) -> bool {
        if self.mant[n] == b'5' && n + 1 == self.mant.len() {
            return n > 0 && (self.mant[n - 1] - b'0') & 1 != 0;
        }
        self.mant[n] >= b'5'
    }

    fn round_up(&mut self, n: i64) {
        if n < 0 || n >= self.mant.len() as i64 {
            return;
        }
        let mut n = n as usize;
        while n > 0 && self.mant[n - 1] >= b'9' {
            n -= 1;
        }
        if n == 0 {
            self.mant.truncate(1);
            self.mant[0] = b'1';
            self.exp += 1;
            return;
        }
        self.mant[n - 1] += 1;
        self.mant.truncate(n);
    }

    fn round_down(&mut self, n: i64) {
        if n < 0 || n >= self.mant.len() as i64 {
            return;
        }
        self.mant.truncate(n as usize);
        while self.mant.last() == Some(&b'0') {
            self.mant.pop();
        }
        if self.mant.is_empty() {
            self.exp = 0;
        }
    }
}

pub(super) fn round_shortest(d: &mut Decimal, x: &Number) {
    if d.mant.is_empty() {
        return;
    }
    // x = mant * 2^exp with mant of exactly prec+1 bits (lsb = 1/2 ulp).
    let bits = x.mant.bits() as i64;
    let s = bits - (i64::from(x.prec) + 1);
    let (mant, exp) = if s < 0 {
        (&x.mant << ((-s) as u64), x.exp + s)
    } else {
        (&x.mant >> (s as u64), x.exp + s)
    };
    let lower = Decimal::new(&(&mant - 1u32), exp);
    let upper = Decimal::new(&(&mant + 1u32), exp);
    let inclusive = !mant.bit(1);
    for i in 0..d.mant.len() {
        let m = d.mant[i];
        let l = lower.at(i as i64);
        let u = upper.at(i as i64);
        let okdown = l != m || inclusive && i + 1 == lower.mant.len();
        let okup = m != u && (inclusive || m + 1 < u || i + 1 < upper.mant.len());
        if okdown && okup {
            d.round(i as i64 + 1);
            return;
        } else if okdown {
            d.round_down(i as i64 + 1);
            return;
        } else if okup {
            d.round_up(i as i64 + 1);
            return;
        }
    }
}

pub(super) fn fmt_e(buf: &mut String, format: char, prec: i64, d: &Decimal) {
    buf.push(d.mant.first().map(|c| *c as char).unwrap_or('0'));
    if prec > 0 {
        buf.push('.');
        let mut i = 1usize;
        let m = d.mant.len().min(prec as usize + 1);
        if i < m {
            buf.push_str(std::str::from_utf8(&d.mant[i..m]).unwrap_or(""));
            i = m;
        }
        while (i as i64) <= prec {
            buf.push('0');
            i += 1;
        }
    }
    buf.push(format);
    let mut exp = if d.mant.is_empty() { 0 } else { d.exp - 1 };
    if exp < 0 {
        buf.push('-');
        exp = -exp;
    } else {
        buf.push('+');
    }
    if exp < 10 {
        buf.push('0');
    }
    buf.push_str(&exp.to_string());
}

pub(super) fn fmt_f(buf: &mut String, prec: i64, d: &Decimal) {
    if d.exp > 0 {
        let m = d.mant.len().min(d.exp as usize);
        buf.push_str(std::str::from_utf8(&d.mant[..m]).unwrap_or(""));
        for _ in m as i64..d.exp {
            buf.push('0');
        }
    } else {
        buf.push('0');
    }
    if prec > 0 {
        buf.push('.');
        for i in 0..prec {
            buf.push(d.at(d.exp + i) as char);
        }
    }
}

impl Number {
    /// Go's `Text(format, prec)` for the formats `e`, `E`, `f`, `g`, `G`; a negative `prec`
    /// asks for the shortest decimal that reads back as this value at its precision.
    pub fn text(&self, format: char, prec: i32) -> String {
        let mut buf = String::new();
        if self.neg {
            buf.push('-');
        }
        if self.form == Form::Inf {
            if !self.neg {
                buf.push('+');
            }
            buf.push_str("Inf");
            return buf;
        }
        let mut d = if self.form == Form::Finite {
            Decimal::new(&self.mant, self.exp)
        } else {
            Decimal {
                mant: Vec::new(),
                exp: 0,
            }
        };
        let mut prec = prec as i64;
        let shortest = prec < 0;
        if shortest {
            round_shortest(&mut d, self);
            prec = match format {
                'e' | 'E' => d.mant.len() as i64 - 1,
                'f' => (d.mant.len() as i64 - d.exp).max(0),
                _ => d.mant.len() as i64,
            };
        } else {
            match format {
                'e' | 'E' => d.round(1 + prec),
                'f' => d.round(d.exp + prec),
                _ => {
                    if prec == 0 {
                        prec = 1;
                    }
                    d.round(prec)
                }
            }
        }
        match format {
            'e' | 'E' => fmt_e(&mut buf, format, prec, &d),
            'f' => fmt_f(&mut buf, prec, &d),
            'g' | 'G' => {
                let mut eprec = prec;
                if eprec > d.mant.len() as i64 && d.mant.len() as i64 >= d.exp {
                    eprec = d.mant.len() as i64;
                }
                if shortest {
                    eprec = 6;
                }
                let exp = d.exp - 1;
                if exp < -4 || exp >= eprec {
                    if prec > d.mant.len() as i64 {
                        prec = d.mant.len() as i64;
                    }
                    let f = if format == 'g' { 'e' } else { 'E' };
                    fmt_e(&mut buf, f, prec - 1, &d);
                } else {
                    if prec > d.exp {
                        prec = d.mant.len() as i64;
                    }
                    fmt_f(&mut buf, (prec - d.exp).max(0), &d);
                }
            }
            _ => {
                if self.neg {
                    buf.pop();
                }
                buf.push('%');
                buf.push(format);
            }
        }
        buf
    }
}
