//! Terraform's number: an arbitrary-precision decimal, never an `f64`.
//!
//! `0.1 + 0.2 == 0.3` holds and `9007199254740993` stays exact. The representation is private so
//! it can be tuned to match Terraform's 512-bit `big.Float` digit for digit; callers only see
//! the arithmetic, comparison, parsing and formatting below. Transcendental functions go through
//! `f64`, as Terraform's do.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use bigdecimal::{BigDecimal, One, ToPrimitive, Zero};

/// Significant decimal digits kept by inexact operations (division), about what 512 bits hold.
const PRECISION: u64 = 154;

/// An arbitrary-precision number with Terraform's semantics.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(BigDecimal);

/// Why arithmetic on numbers failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Terraform refuses division (and modulo) by zero.
    #[error("Division by zero")]
    DivisionByZero,
    /// The text is not a number literal.
    #[error("cannot parse {0:?} as a number")]
    Parse(String),
}

impl Number {
    /// Zero, the default count and the identity of addition.
    pub fn zero() -> Self {
        Number(BigDecimal::zero())
    }

    /// Parses a decimal literal as HCL and `tonumber` accept it (`1`, `-2.5`, `1e3`).
    pub fn parse(s: &str) -> Result<Self, NumberError> {
        let t = s.trim();
        if t.is_empty() || t.starts_with('+') || t.contains('_') {
            return Err(NumberError::Parse(s.to_string()));
        }
        BigDecimal::from_str(t)
            .map(|d| Number(d.normalized()))
            .map_err(|_| NumberError::Parse(s.to_string()))
    }

    /// Converts from an `f64`, for results of functions that Terraform computes in float64.
    pub fn from_f64(f: f64) -> Option<Self> {
        if !f.is_finite() {
            return None;
        }
        BigDecimal::from_str(&format!("{f:?}")).ok().map(|d| Number(d.normalized()))
    }

    /// The nearest `f64`, for transcendental functions.
    pub fn to_f64(&self) -> f64 {
        self.0.to_f64().unwrap_or(f64::NAN)
    }

    /// The value as an `i64` when it is a whole number in range.
    pub fn to_i64(&self) -> Option<i64> {
        if self.is_integer() {
            self.0.to_i64()
        } else {
            None
        }
    }

    /// Whether the number has no fractional part (what `count` and indexes require).
    pub fn is_integer(&self) -> bool {
        self.0.is_integer()
    }

    /// Whether the number is below zero.
    pub fn is_negative(&self) -> bool {
        self.0 < BigDecimal::zero()
    }

    /// Sum.
    pub fn add(&self, o: &Number) -> Number {
        Number((&self.0 + &o.0).normalized())
    }

    /// Difference.
    pub fn sub(&self, o: &Number) -> Number {
        Number((&self.0 - &o.0).normalized())
    }

    /// Product.
    pub fn mul(&self, o: &Number) -> Number {
        Number((&self.0 * &o.0).normalized())
    }

    /// Quotient; fails on division by zero like Terraform.
    pub fn div(&self, o: &Number) -> Result<Number, NumberError> {
        if o.0.is_zero() {
            return Err(NumberError::DivisionByZero);
        }
        let q = (&self.0 / &o.0).with_prec(PRECISION);
        Ok(Number(q.normalized()))
    }

    /// Remainder with the sign of the dividend, as Terraform's `%`.
    pub fn rem(&self, o: &Number) -> Result<Number, NumberError> {
        if o.0.is_zero() {
            return Err(NumberError::DivisionByZero);
        }
        Ok(Number((&self.0 % &o.0).normalized()))
    }

    /// Negation.
    pub fn neg(&self) -> Number {
        Number(-self.0.clone())
    }

    /// Largest integer not above the number.
    pub fn floor(&self) -> Number {
        let t = self.0.with_scale_round(0, bigdecimal::RoundingMode::Floor);
        Number(t.normalized())
    }

    /// Smallest integer not below the number.
    pub fn ceil(&self) -> Number {
        let t = self.0.with_scale_round(0, bigdecimal::RoundingMode::Ceiling);
        Number(t.normalized())
    }

    /// Absolute value.
    pub fn abs(&self) -> Number {
        Number(self.0.abs())
    }

    /// Numeric comparison.
    pub fn cmp_num(&self, o: &Number) -> Ordering {
        self.0.cmp(&o.0)
    }

    /// One, the identity of multiplication.
    pub fn one() -> Self {
        Number(BigDecimal::one())
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number(BigDecimal::from(i))
    }
}

impl From<u64> for Number {
    fn from(i: u64) -> Self {
        Number(BigDecimal::from(i))
    }
}

impl From<usize> for Number {
    fn from(i: usize) -> Self {
        Number(BigDecimal::from(i as u64))
    }
}

impl fmt::Display for Number {
    /// Plain decimal notation without exponent, as Terraform prints numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0.normalized();
        if d.is_zero() {
            return f.write_str("0");
        }
        let (digits, scale) = d.as_bigint_and_exponent();
        let neg = digits < bigdecimal::num_bigint::BigInt::zero();
        let mut s = digits.magnitude().to_string();
        if scale <= 0 {
            s.push_str(&"0".repeat((-scale) as usize));
        } else {
            let scale = scale as usize;
            if s.len() <= scale {
                s = format!("0.{}{}", "0".repeat(scale - s.len()), s);
            } else {
                s.insert(s.len() - scale, '.');
            }
        }
        if neg {
            f.write_str("-")?;
        }
        f.write_str(&s)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).expect("number")
    }

    #[test]
    fn decimal_arithmetic_is_exact() {
        assert_eq!(n("0.1").add(&n("0.2")), n("0.3"));
        assert_eq!(n("9007199254740993").to_string(), "9007199254740993");
    }

    #[test]
    fn formats_without_exponent() {
        assert_eq!(n("1e3").to_string(), "1000");
        assert_eq!(n("1.50").to_string(), "1.5");
        assert_eq!(n("-0.001").to_string(), "-0.001");
    }

    #[test]
    fn division_by_zero_is_an_error() {
        assert_eq!(n("1").div(&n("0")), Err(NumberError::DivisionByZero));
    }
}
