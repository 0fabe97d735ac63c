//! Terraform's number: a binary floating-point number with a per-value mantissa precision,
//! exactly like Go's `*big.Float` that Terraform (through cty) uses, never an `f64`.
//!
//! Literals and strings parse as `big.ParseFloat(s, 10, 512, ToNearestEven)`: 512 bits of
//! mantissa, so `0.1 + 0.2 == 0.3` holds and `9007199254740993` stays exact, while `10 / 3`
//! rounds to 512 bits and prints as Terraform prints it
//! (`3.333…332`, the shortest decimal that reads back as the same 512-bit value). Integers
//! made by functions (`length`, `count.index`) carry 64 bits and floats from `f64` 53 bits, as in
//! cty; arithmetic takes the larger precision of its operands, so results match Terraform digit
//! for digit. Negative zero and the two infinities exist, as in Terraform (`5 / 0` is `+Inf`).
//!
//! Equality, ordering and hashing are numeric: precision and the sign of zero do not count.

mod decimal;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

pub use bigdecimal::num_bigint::BigUint;
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::{ToPrimitive, Zero};

/// Precision (mantissa bits) of parsed numbers, as cty's `ParseNumberVal`.
pub const PARSE_PREC: u32 = 512;
/// Precision of integers made by `Number::from(i64)`, as cty's `NumberIntVal`.
pub const INT_PREC: u32 = 64;
/// Precision of numbers made from `f64`, as cty's `NumberFloatVal`.
pub const FLOAT_PREC: u32 = 53;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Form {
    Zero,
    Finite,
    Inf,
}

/// An arbitrary-precision number with Terraform's semantics.
///
/// The value is `(-1)^neg * mant * 2^exp`; a finite mantissa is odd (normalized), so two equal
/// finite numbers have equal fields apart from `prec`.
#[derive(Clone)]
pub struct Number {
    neg: bool,
    form: Form,
    mant: BigUint,
    exp: i64,
    prec: u32,
}

/// Why arithmetic on numbers failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Kept for callers that refuse division by zero themselves; Terraform's own `/` gives an
    /// infinity instead, and its `%` returns the dividend.
    #[error("Division by zero")]
    DivisionByZero,
    /// The text is not a number literal.
    #[error("cannot parse {0:?} as a number")]
    Parse(String),
    /// The operation has no numeric result (Go's `big.ErrNaN`); the message is cty's.
    #[error("{0}")]
    NotANumber(&'static str),
}

/// Rounds `m * 2^exp` (plus a nonzero tail below `m` when `sticky`) to `prec` bits, nearest-even.
/// Returns a normalized (odd) mantissa, or zero.
fn round_to(m: BigUint, exp: i64, sticky: bool, prec: u32) -> (BigUint, i64) {
    if m.is_zero() {
        return (m, 0);
    }
    let bits = m.bits();
    let (mut m, mut exp) = if bits > u64::from(prec) {
        let shift = bits - u64::from(prec);
        let kept = &m >> shift;
        let half = m.bit(shift - 1);
        let rest = sticky || (shift >= 2 && m.trailing_zeros().unwrap_or(0) < shift - 1);
        let odd = kept.bit(0);
        let kept = if half && (rest || odd) {
            kept + 1u32
        } else {
            kept
        };
        (kept, exp + shift as i64)
    } else {
        (m, exp)
    };
    if m.is_zero() {
        return (m, 0);
    }
    let tz = m.trailing_zeros().unwrap_or(0);
    if tz > 0 {
        m >>= tz;
        exp += tz as i64;
    }
    (m, exp)
}

fn pow5(n: u64) -> BigUint {
    BigUint::from(5u32).pow(n as u32)
}

impl Number {
    fn zero_with(neg: bool, prec: u32) -> Number {
        Number {
            neg,
            form: Form::Zero,
            mant: BigUint::zero(),
            exp: 0,
            prec,
        }
    }

    fn inf_with(neg: bool, prec: u32) -> Number {
        Number {
            neg,
            form: Form::Inf,
            mant: BigUint::zero(),
            exp: 0,
            prec,
        }
    }

    /// A finite number `±m * 2^exp` rounded to `prec` bits (`sticky`: inexact tail below `m`).
    fn make(neg: bool, m: BigUint, exp: i64, sticky: bool, prec: u32) -> Number {
        let (m, exp) = round_to(m, exp, sticky, prec);
        if m.is_zero() {
            return Number::zero_with(neg, prec);
        }
        Number {
            neg,
            form: Form::Finite,
            mant: m,
            exp,
            prec,
        }
    }

    /// Zero, the default count and the identity of addition (64-bit, as `cty.Zero`).
    pub fn zero() -> Self {
        Number::zero_with(false, INT_PREC)
    }

    /// One, the identity of multiplication (64-bit).
    pub fn one() -> Self {
        Number::from(1i64)
    }

    /// Positive or negative infinity.
    pub fn infinity(negative: bool) -> Self {
        Number::inf_with(negative, 0)
    }

    /// Parses a number as Terraform does (`big.ParseFloat(s, 10, 512, ToNearestEven)`):
    /// `1`, `-2.5`, `1e3`, `.5`, `5.`, `+1`, `Inf`; no spaces, no underscores, no hex.
    pub fn parse(s: &str) -> Result<Self, NumberError> {
        Number::parse_prec(s, PARSE_PREC)
    }

    /// Like [`Number::parse`] at another precision.
    pub fn parse_prec(s: &str, prec: u32) -> Result<Self, NumberError> {
        let bad = || NumberError::Parse(s.to_string());
        match s {
            "Inf" | "inf" | "+Inf" | "+inf" => return Ok(Number::inf_with(false, prec)),
            "-Inf" | "-inf" => return Ok(Number::inf_with(true, prec)),
            _ => {}
        }
        let b = s.as_bytes();
        let mut i = 0;
        let mut neg = false;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            neg = b[i] == b'-';
            i += 1;
        }
        let mut digits = String::new();
        let mut frac: i64 = 0;
        let mut seen_dot = false;
        let mut ndigits = 0usize;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_digit() {
                digits.push(c as char);
                ndigits += 1;
                if seen_dot {
                    frac += 1;
                }
            } else if c == b'.' && !seen_dot {
                seen_dot = true;
            } else {
                break;
            }
            i += 1;
        }
        if ndigits == 0 {
            return Err(bad());
        }
        let mut exp: i64 = 0;
        let mut ebase = 10;
        if i < b.len() && matches!(b[i], b'e' | b'E' | b'p' | b'P') {
            if matches!(b[i], b'p' | b'P') {
                ebase = 2;
            }
            i += 1;
            let mut eneg = false;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                eneg = b[i] == b'-';
                i += 1;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                exp = exp
                    .checked_mul(10)
                    .and_then(|e| e.checked_add(i64::from(b[i] - b'0')))
                    .ok_or_else(bad)?;
                i += 1;
            }
            if i == start {
                return Err(bad());
            }
            if eneg {
                exp = -exp;
            }
        }
        if i != b.len() {
            return Err(bad());
        }
        let m: BigUint = digits.parse().map_err(|_| bad())?;
        if m.is_zero() {
            return Ok(Number::zero_with(neg, prec));
        }
        let (exp5, exp2) = if ebase == 10 {
            (exp - frac, exp - frac)
        } else {
            (-frac, exp - frac)
        };
        if (m.bits() as i64 + exp2).abs() > i64::from(i32::MAX) {
            return Err(bad());
        }
        if exp5 == 0 {
            return Ok(Number::make(neg, m, exp2, false, prec));
        }
        // 5^|exp5| as Go computes it: exact up to 5^27, then by squaring at prec+64 bits.
        let (p, pexp) = go_pow5(exp5.unsigned_abs(), prec + 64);
        if exp5 < 0 {
            Ok(Number::quo_parts(neg, &m, exp2, &p, pexp, prec))
        } else {
            let prod = &m * &p;
            Ok(Number::make(neg, prod, exp2 + pexp, false, prec))
        }
    }

    fn quo_parts(neg: bool, a: &BigUint, ea: i64, b: &BigUint, eb: i64, prec: u32) -> Number {
        let need = u64::from(prec) + 2 + b.bits();
        let k = need.saturating_sub(a.bits());
        let num = a << k;
        let q = &num / b;
        let r = &num - &q * b;
        Number::make(neg, q, ea - eb - k as i64, !r.is_zero(), prec)
    }

    /// Converts from an `f64` exactly, with 53 bits of precision (`cty.NumberFloatVal`).
    pub fn from_f64(f: f64) -> Option<Self> {
        if f.is_nan() {
            return None;
        }
        if f.is_infinite() {
            return Some(Number::inf_with(f < 0.0, FLOAT_PREC));
        }
        if f == 0.0 {
            return Some(Number::zero_with(f.is_sign_negative(), FLOAT_PREC));
        }
        let bits = f.to_bits();
        let neg = bits >> 63 == 1;
        let e = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1u64 << 52) - 1);
        let (m, exp) = if e == 0 {
            (frac, -1074)
        } else {
            (frac | (1u64 << 52), e - 1075)
        };
        Some(Number::make(neg, BigUint::from(m), exp, false, FLOAT_PREC))
    }

    /// The nearest `f64` (ties to even), for functions that Terraform computes in float64.
    pub fn to_f64(&self) -> f64 {
        let v = match self.form {
            Form::Zero => 0.0,
            Form::Inf => f64::INFINITY,
            Form::Finite => {
                let top = self.mant.bits() as i64 + self.exp - 1; // value in [2^top, 2^(top+1))
                if top > 1023 {
                    f64::INFINITY
                } else {
                    let prec = if top >= -1022 { 53 } else { 53 - (-1022 - top) };
                    if prec <= 0 {
                        // Below the smallest subnormal: round to 0 or 2^-1074.
                        let half = top == -1075 && self.mant.bits() > 1;
                        if top >= -1075 && (half || top > -1075) {
                            f64::from_bits(1)
                        } else {
                            0.0
                        }
                    } else {
                        let (m, e) = round_to(self.mant.clone(), self.exp, false, prec as u32);
                        let m = m.to_u64().unwrap_or(0) as f64;
                        scale2(m, e)
                    }
                }
            }
        };
        if self.neg {
            -v
        } else {
            v
        }
    }

    /// The value as an `i64` when it is a whole number in range.
    pub fn to_i64(&self) -> Option<i64> {
        if !self.is_integer() {
            return None;
        }
        let i = self.to_bigint()?;
        i.to_i64()
    }

    /// The value as a big integer when it is a whole number.
    pub fn to_bigint(&self) -> Option<BigInt> {
        match self.form {
            Form::Zero => Some(BigInt::zero()),
            Form::Inf => None,
            Form::Finite if self.exp >= 0 => {
                let m = &self.mant << (self.exp as u64);
                Some(BigInt::from_biguint(
                    if self.neg { Sign::Minus } else { Sign::Plus },
                    m,
                ))
            }
            Form::Finite => None,
        }
    }

    /// A whole number from a big integer, with Go's `SetInt` precision (max(bits, 64)).
    pub fn from_bigint(i: &BigInt) -> Number {
        let neg = i.sign() == Sign::Minus;
        let m = i.magnitude().clone();
        let prec = (m.bits() as u32).max(INT_PREC);
        if m.is_zero() {
            return Number::zero_with(false, prec);
        }
        Number::make(neg, m, 0, false, prec)
    }

    /// Whether the number has no fractional part (what `count` and indexes require).
    pub fn is_integer(&self) -> bool {
        match self.form {
            Form::Zero => true,
            Form::Inf => false,
            Form::Finite => self.exp >= 0,
        }
    }

    /// Whether the number is below zero (negative zero is not).
    pub fn is_negative(&self) -> bool {
        self.neg && self.form != Form::Zero
    }

    /// Whether the sign bit is set (true for `-0` too).
    pub fn sign_bit(&self) -> bool {
        self.neg
    }

    /// Whether the number is zero (of either sign).
    pub fn is_zero(&self) -> bool {
        self.form == Form::Zero
    }

    /// Whether the number is an infinity.
    pub fn is_infinite(&self) -> bool {
        self.form == Form::Inf
    }

    /// -1, 0 or 1.
    pub fn signum(&self) -> i32 {
        match (self.form, self.neg) {
            (Form::Zero, _) => 0,
            (_, true) => -1,
            (_, false) => 1,
        }
    }

    /// The mantissa precision in bits that this value carries.
    pub fn prec(&self) -> u32 {
        self.prec
    }

    /// Go's `MinPrec`: bits needed to represent the value exactly (0 for zero and infinities).
    pub fn min_prec(&self) -> u32 {
        match self.form {
            Form::Finite => self.mant.bits() as u32,
            _ => 0,
        }
    }

    /// The value rounded to `prec` bits, carrying that precision (Go's `SetPrec`).
    pub fn with_prec(&self, prec: u32) -> Number {
        match self.form {
            Form::Finite => Number::make(self.neg, self.mant.clone(), self.exp, false, prec),
            _ => Number {
                prec,
                ..self.clone()
            },
        }
    }

    fn set_prec_from(&self, prec: u32) -> Number {
        // Go's `z.Set(x)` into a z of precision `prec`: rounds only when x has more bits.
        if self.prec > prec {
            self.with_prec(prec)
        } else {
            Number {
                prec,
                ..self.clone()
            }
        }
    }

    /// Sum (Go's `Add` at the larger precision). Opposing infinities give `+0`; see
    /// [`Number::try_add`].
    pub fn add(&self, o: &Number) -> Number {
        self.try_add(o)
            .unwrap_or_else(|_| Number::zero_with(false, self.prec.max(o.prec)))
    }

    /// Sum, failing on opposing infinities as Terraform does.
    pub fn try_add(&self, o: &Number) -> Result<Number, NumberError> {
        let prec = self.prec.max(o.prec);
        match (self.form, o.form) {
            (Form::Finite, Form::Finite) => Ok(add_finite(self, o.neg, o, prec)),
            (Form::Inf, Form::Inf) if self.neg != o.neg => Err(NumberError::NotANumber(
                "can't compute sum of opposing infinities",
            )),
            (Form::Zero, Form::Zero) => Ok(Number::zero_with(self.neg && o.neg, prec)),
            (Form::Inf, _) | (_, Form::Zero) => Ok(self.set_prec_from(prec)),
            _ => Ok(o.set_prec_from(prec)),
        }
    }

    /// Difference (cty computes `a + (-b)`). Equal infinities give `+0`; see
    /// [`Number::try_sub`].
    pub fn sub(&self, o: &Number) -> Number {
        self.add(&o.neg())
    }

    /// Difference, failing on subtracting an infinity from itself as Terraform does.
    pub fn try_sub(&self, o: &Number) -> Result<Number, NumberError> {
        self.try_add(&o.neg())
            .map_err(|_| NumberError::NotANumber("can't subtract infinity from itself"))
    }

    /// Product (cty: computed at 512 bits, kept at the larger operand precision or the bits the
    /// product needs). Zero times infinity gives `+0`; see [`Number::try_mul`].
    pub fn mul(&self, o: &Number) -> Number {
        self.try_mul(o)
            .unwrap_or_else(|_| Number::zero_with(false, self.prec.max(o.prec)))
    }

    /// Product, failing on zero times infinity as Terraform does.
    pub fn try_mul(&self, o: &Number) -> Result<Number, NumberError> {
        let mut res_prec = self.prec.max(o.prec);
        let t = go_mul(self, o, 512)?;
        let mp = t.min_prec();
        if mp > res_prec {
            res_prec = mp;
        }
        Ok(t.with_prec(res_prec))
    }

    /// Quotient (Go's `Quo` at the larger precision): `x / 0` is an infinity as in Terraform;
    /// `0 / 0` and `Inf / Inf` fail.
    pub fn div(&self, o: &Number) -> Result<Number, NumberError> {
        let prec = self.prec.max(o.prec);
        let neg = self.neg != o.neg;
        match (self.form, o.form) {
            (Form::Finite, Form::Finite) => Ok(Number::quo_parts(
                neg, &self.mant, self.exp, &o.mant, o.exp, prec,
            )),
            (Form::Zero, Form::Zero) | (Form::Inf, Form::Inf) => Err(NumberError::NotANumber(
                "can't divide zero by zero or infinity by infinity",
            )),
            (Form::Zero, _) | (_, Form::Inf) => Ok(Number::zero_with(neg, prec)),
            _ => Ok(Number::inf_with(neg, prec)),
        }
    }

    /// Remainder with the sign of the dividend, as Terraform's `%` (cty's `Modulo`):
    /// `x % 0` is `x`; infinities fail.
    pub fn rem(&self, o: &Number) -> Result<Number, NumberError> {
        // cty compares with its canonical infinity values by identity, which computed
        // infinities never are: a finite value modulo an infinity multiplies the infinity by
        // zero, and an infinite dividend has no integer part; both fail.
        if o.form == Form::Inf && self.form != Form::Inf {
            return Err(NumberError::NotANumber(
                "can't use modulo with zero and infinity",
            ));
        }
        if self.form == Form::Inf {
            return Err(NumberError::NotANumber(
                "panic in function implementation: runtime error: invalid memory address or nil pointer dereference",
            ));
        }
        if o.form == Form::Zero {
            return Ok(self.clone());
        }
        let rat = self.div(o)?;
        let i = rat.trunc_bigint();
        let prec = self.prec;
        let work = Number::from_bigint_prec(&i, prec);
        let work = go_mul(o, &work, prec)?;
        Ok(go_sub(self, &work, prec))
    }

    fn trunc_bigint(&self) -> BigInt {
        match self.form {
            Form::Finite => {
                let m = if self.exp >= 0 {
                    &self.mant << (self.exp as u64)
                } else {
                    &self.mant >> ((-self.exp) as u64)
                };
                BigInt::from_biguint(if self.neg { Sign::Minus } else { Sign::Plus }, m)
            }
            _ => BigInt::zero(),
        }
    }

    /// The integer part, rounding toward zero (Go's `Float.Int` then `SetInt`), at this value's
    /// precision; a zero result is `+0`.
    pub fn trunc(&self) -> Number {
        if self.form == Form::Inf {
            return self.clone();
        }
        Number::from_bigint_prec(&self.trunc_bigint(), self.prec)
    }

    fn from_bigint_prec(i: &BigInt, prec: u32) -> Number {
        if i.is_zero() {
            return Number::zero_with(false, prec);
        }
        Number::make(
            i.sign() == Sign::Minus,
            i.magnitude().clone(),
            0,
            false,
            prec,
        )
    }

    /// Negation (keeps the precision; `-0` exists).
    pub fn neg(&self) -> Number {
        Number {
            neg: !self.neg,
            ..self.clone()
        }
    }

    /// Largest integer not above the number (infinities stay), at this value's precision, as
    /// Terraform's `floor`.
    pub fn floor(&self) -> Number {
        if self.form == Form::Inf {
            return self.clone();
        }
        let mut i = self.trunc_bigint();
        if !self.is_integer() && self.neg {
            i -= 1;
        }
        Number::from_bigint_prec(&i, self.prec)
    }

    /// Smallest integer not below the number (infinities stay), at this value's precision, as
    /// Terraform's `ceil`.
    pub fn ceil(&self) -> Number {
        if self.form == Form::Inf {
            return self.clone();
        }
        let mut i = self.trunc_bigint();
        if !self.is_integer() && !self.neg {
            i += 1;
        }
        Number::from_bigint_prec(&i, self.prec)
    }

    /// Absolute value (`abs(-0)` is `0`).
    pub fn abs(&self) -> Number {
        Number {
            neg: false,
            ..self.clone()
        }
    }

    /// Numeric comparison (`-0 == 0`; precision is ignored).
    pub fn cmp_num(&self, o: &Number) -> Ordering {
        let rank = |n: &Number| -> i32 {
            match (n.form, n.neg) {
                (Form::Inf, true) => -2,
                (Form::Finite, true) => -1,
                (Form::Zero, _) => 0,
                (Form::Finite, false) => 1,
                (Form::Inf, false) => 2,
            }
        };
        let (ra, rb) = (rank(self), rank(o));
        if ra != rb || ra.abs() != 1 {
            return ra.cmp(&rb);
        }
        let mag = cmp_mag(self, o);
        if self.neg {
            mag.reverse()
        } else {
            mag
        }
    }
}

/// `m * 2^e` as an f64, for `m` < 2^53 and a result known to be in range.
fn scale2(m: f64, e: i64) -> f64 {
    let mut v = m;
    let mut e = e;
    while e > 0 {
        let s = e.min(1000);
        v *= 2f64.powi(s as i32);
        e -= s;
    }
    while e < 0 {
        let s = (-e).min(1000);
        v /= 2f64.powi(s as i32);
        e += s;
    }
    v
}

fn cmp_mag(a: &Number, b: &Number) -> Ordering {
    let ta = a.mant.bits() as i64 + a.exp;
    let tb = b.mant.bits() as i64 + b.exp;
    if ta != tb {
        return ta.cmp(&tb);
    }
    let e = a.exp.min(b.exp);
    let x = &a.mant << ((a.exp - e) as u64);
    let y = &b.mant << ((b.exp - e) as u64);
    x.cmp(&y)
}

/// Exact signed sum of two finite numbers (`b` taken with sign `bneg`), rounded to `prec`.
fn add_finite(a: &Number, bneg: bool, b: &Number, prec: u32) -> Number {
    let e = a.exp.min(b.exp);
    let x = &a.mant << ((a.exp - e) as u64);
    let y = &b.mant << ((b.exp - e) as u64);
    if a.neg == bneg {
        Number::make(a.neg, x + y, e, false, prec)
    } else {
        match x.cmp(&y) {
            Ordering::Greater => Number::make(a.neg, x - y, e, false, prec),
            Ordering::Less => Number::make(bneg, y - x, e, false, prec),
            Ordering::Equal => Number::zero_with(false, prec),
        }
    }
}

/// Go's `z.Mul(x, y)` with `z` of precision `prec`.
fn go_mul(x: &Number, y: &Number, prec: u32) -> Result<Number, NumberError> {
    let neg = x.neg != y.neg;
    match (x.form, y.form) {
        (Form::Finite, Form::Finite) => Ok(Number::make(
            neg,
            &x.mant * &y.mant,
            x.exp + y.exp,
            false,
            prec,
        )),
        (Form::Zero, Form::Inf) | (Form::Inf, Form::Zero) => {
            Err(NumberError::NotANumber("can't multiply zero by infinity"))
        }
        (Form::Inf, _) | (_, Form::Inf) => Ok(Number::inf_with(neg, prec)),
        _ => Ok(Number::zero_with(neg, prec)),
    }
}

/// Go's `z.Sub(x, y)` with `z` of precision `prec`, for finite or zero operands.
fn go_sub(x: &Number, y: &Number, prec: u32) -> Number {
    match (x.form, y.form) {
        (Form::Finite, Form::Finite) => add_finite(x, !y.neg, y, prec),
        (Form::Zero, Form::Zero) => Number::zero_with(x.neg && !y.neg, prec),
        (_, Form::Zero) => x.set_prec_from(prec),
        _ => y.set_prec_from(prec).neg(),
    }
}

/// `5^n` as Go's `pow5` computes it into a Float of precision `prec`: exact up to `5^27`,
/// then by binary powering with the factor at `prec + 64` bits and the product at `prec`.
fn go_pow5(n: u64, prec: u32) -> (BigUint, i64) {
    const M: u64 = 27;
    if n <= M {
        return (pow5(n), 0);
    }
    let (mut z, mut ze) = round_to(pow5(M), 0, false, prec);
    let mut n = n - M;
    let (mut f, mut fe) = (BigUint::from(5u32), 0i64);
    while n > 0 {
        if n & 1 != 0 {
            let (m, e) = round_to(&z * &f, ze + fe, false, prec);
            z = m;
            ze = e;
        }
        let (m, e) = round_to(&f * &f, fe + fe, false, prec + 64);
        f = m;
        fe = e;
        n >>= 1;
    }
    (z, ze)
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_num(other) == Ordering::Equal
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_num(other)
    }
}

impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self.form {
            Form::Zero => 0u8.hash(state),
            Form::Inf => (1u8, self.neg).hash(state),
            Form::Finite => (2u8, self.neg, &self.mant, self.exp).hash(state),
        }
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        if i == 0 {
            return Number::zero_with(false, INT_PREC);
        }
        Number::make(i < 0, BigUint::from(i.unsigned_abs()), 0, false, INT_PREC)
    }
}

impl From<u64> for Number {
    fn from(i: u64) -> Self {
        if i == 0 {
            return Number::zero_with(false, INT_PREC);
        }
        Number::make(false, BigUint::from(i), 0, false, INT_PREC)
    }
}

impl From<usize> for Number {
    fn from(i: usize) -> Self {
        Number::from(i as u64)
    }
}

impl fmt::Display for Number {
    /// Terraform's rendering: `Text('f', -1)` (plain digits, shortest round-trip, `-0`, `+Inf`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text('f', -1))
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Default for Number {
    fn default() -> Self {
        Number::zero()
    }
}

#[cfg(test)]
mod tests;
