//! Unit tests of Terraform's number semantics.
use super::*;

fn n(s: &str) -> Number {
    Number::parse(s).expect("number")
}

fn div(a: &str, b: &str) -> String {
    n(a).div(&n(b)).expect("div").to_string()
}

#[test]
fn decimal_arithmetic_matches_terraform() {
    assert_eq!(n("0.1").add(&n("0.2")), n("0.3"));
    assert_eq!(n("0.1").add(&n("0.2")).to_string(), "0.3");
    assert_eq!(n("9007199254740993").to_string(), "9007199254740993");
    assert_eq!(
        n("123456789012345678901234567890").mul(&n("3")).to_string(),
        "370370367037037036703703703670"
    );
}

#[test]
fn division_prints_like_terraform() {
    let third = "3.".to_string() + &"3".repeat(153) + "2";
    assert_eq!(div("10", "3"), third);
    let two_thirds = "0.".to_string() + &"6".repeat(153) + "7";
    assert_eq!(div("2", "3"), two_thirds);
    assert_eq!(
        n("1").div(&n("3")).expect("div").mul(&n("3")).to_string(),
        "1"
    );
    // 64-bit integers (length() results) divide at 64 bits.
    let a = Number::from(3i64);
    let b = Number::from(7i64);
    assert_eq!(
        a.div(&b).expect("div").to_string(),
        "0.42857142857142857144"
    );
}

#[test]
fn formats_without_exponent() {
    assert_eq!(n("1e3").to_string(), "1000");
    assert_eq!(n("1.50").to_string(), "1.5");
    assert_eq!(n("-0.001").to_string(), "-0.001");
    assert_eq!(n("1e-20").to_string(), "0.00000000000000000001");
    assert_eq!(n("1e30").to_string(), "1000000000000000000000000000000");
    assert_eq!(n("0").neg().to_string(), "-0");
    let root2 = Number::from_f64(std::f64::consts::SQRT_2).expect("f");
    assert_eq!(root2.to_string(), "1.4142135623730951");
}

#[test]
fn modulo_follows_cty() {
    assert_eq!(n("-7").rem(&n("3")).expect("rem").to_string(), "-1");
    assert_eq!(n("7.5").rem(&n("2")).expect("rem").to_string(), "1.5");
    assert_eq!(n("7").rem(&n("-3")).expect("rem").to_string(), "1");
    assert_eq!(n("5").rem(&n("0")).expect("rem").to_string(), "5");
}

#[test]
fn division_by_zero_is_infinite() {
    assert_eq!(n("5").div(&n("0")).expect("div").to_string(), "+Inf");
    assert!(n("0").div(&n("0")).is_err());
}

#[test]
fn equality_and_hash_are_numeric() {
    use std::collections::hash_map::DefaultHasher;
    let h = |x: &Number| {
        let mut s = DefaultHasher::new();
        x.hash(&mut s);
        s.finish()
    };
    let a = Number::from(3i64);
    let b = n("3");
    assert_eq!(a, b);
    assert_eq!(h(&a), h(&b));
    assert_eq!(n("0"), n("0").neg());
    assert_eq!(h(&n("0")), h(&n("0").neg()));
}

#[test]
fn floats_round_trip() {
    for f in [0.1, 1e300, 5e-324, 2.2250738585072014e-308, 123.456, -7.0] {
        assert_eq!(Number::from_f64(f).expect("f").to_f64(), f);
    }
    assert_eq!(n("0.1").to_f64(), 0.1);
    assert_eq!(n("1e-400").to_f64(), 0.0);
}
