//! Round-trip property tests of the wire encodings over random types and values.
//!
//! A small deterministic generator (xorshift, fixed seeds) instead of a property-testing crate:
//! each case prints its seed on failure so it can be replayed.

use std::collections::BTreeMap;

use hangar_core::{Number, Type, Value};

use crate::cty::{type_from_json, type_to_json};
use crate::wire::{from_msgpack, to_msgpack};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn gen_type(r: &mut Rng, depth: u32) -> Type {
    let leaf = depth == 0 || r.below(3) == 0;
    if leaf {
        return match r.below(4) {
            0 => Type::String,
            1 => Type::Number,
            2 => Type::Bool,
            _ => Type::Dynamic,
        };
    }
    match r.below(5) {
        0 => Type::List(Box::new(gen_type(r, depth - 1))),
        1 => Type::Set(Box::new(gen_prim(r))),
        2 => Type::Map(Box::new(gen_type(r, depth - 1))),
        3 => Type::Tuple((0..r.below(3)).map(|_| gen_type(r, depth - 1)).collect()),
        _ => Type::object((0..r.below(4)).map(|i| (format!("a{i}"), gen_type(r, depth - 1)))),
    }
}

fn gen_prim(r: &mut Rng) -> Type {
    match r.below(3) {
        0 => Type::String,
        1 => Type::Number,
        _ => Type::Bool,
    }
}

fn gen_number(r: &mut Rng) -> Number {
    match r.below(5) {
        0 => Number::from(r.next() as i64),
        1 => Number::from(r.below(1000) as i64 - 500),
        2 => Number::from_f64(r.below(1 << 20) as f64 / 64.0).unwrap_or_default(),
        3 => Number::parse(&format!("{}.{}", r.below(1_000_000), r.below(1000) + 1))
            .unwrap_or_default(),
        _ => Number::parse(&format!("{}{:020}", r.below(1000) + 1, r.next())).unwrap_or_default(),
    }
}

fn gen_string(r: &mut Rng) -> String {
    let alphabet = ["a", "Z", "0", " ", "é", "日", "\"", "\n", "long-ish-text-"];
    (0..r.below(6))
        .map(|_| alphabet[r.below(alphabet.len() as u64) as usize])
        .collect()
}

fn gen_value(r: &mut Rng, t: &Type) -> Value {
    match r.below(12) {
        0 => return Value::Null(t.clone()),
        1 => return Value::Unknown(t.clone()),
        _ => {}
    }
    match t {
        Type::String => Value::String(gen_string(r)),
        Type::Number => Value::Number(gen_number(r)),
        Type::Bool => Value::Bool(r.below(2) == 0),
        Type::Dynamic => {
            // A known value of some concrete type, without typed nulls inside whose type the
            // value's own type would not record.
            match r.below(3) {
                0 => Value::String(gen_string(r)),
                1 => Value::Number(gen_number(r)),
                _ => Value::List(
                    (0..=r.below(3))
                        .map(|_| Value::Bool(r.below(2) == 0))
                        .collect(),
                ),
            }
        }
        Type::List(et) => Value::List((0..r.below(4)).map(|_| gen_value(r, et)).collect()),
        Type::Set(et) => Value::set(
            (0..r.below(4))
                .map(|_| gen_value(r, et))
                .filter(|v| !v.is_unknown() && !v.is_null())
                .collect(),
        ),
        Type::Map(et) => Value::Map(
            (0..r.below(4))
                .map(|i| (format!("k{i}{}", gen_string(r)), gen_value(r, et)))
                .collect::<BTreeMap<_, _>>(),
        ),
        Type::Tuple(ts) => Value::Tuple(ts.iter().map(|t| gen_value(r, t)).collect()),
        Type::Object(o) => Value::Object(
            o.attrs
                .iter()
                .map(|(k, t)| (k.clone(), gen_value(r, t)))
                .collect(),
        ),
    }
}

#[test]
fn msgpack_round_trips_random_values() {
    for seed in 1..=3000u64 {
        let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let t = gen_type(&mut r, 3);
        let v = gen_value(&mut r, &t);
        let bytes =
            to_msgpack(&v, &t).unwrap_or_else(|e| panic!("seed {seed}: encode {v:?} as {t}: {e}"));
        let back =
            from_msgpack(&bytes, &t).unwrap_or_else(|e| panic!("seed {seed}: decode as {t}: {e}"));
        assert_eq!(back, v, "seed {seed}: type {t}");
    }
}

#[test]
fn sensitive_marks_never_reach_the_wire() {
    for seed in 1..=500u64 {
        let mut r = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
        let t = gen_type(&mut r, 2);
        let v = gen_value(&mut r, &t);
        let plain = to_msgpack(&v, &t).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let marked =
            to_msgpack(&v.clone().sensitive(), &t).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(plain, marked, "seed {seed}");
    }
}

#[test]
fn type_json_round_trips_random_types() {
    for seed in 1..=2000u64 {
        let mut r = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
        let t = gen_type(&mut r, 4);
        let j = type_to_json(&t);
        assert_eq!(
            type_from_json(&j).unwrap_or_else(|e| panic!("seed {seed}: {e}")),
            t
        );
    }
}
