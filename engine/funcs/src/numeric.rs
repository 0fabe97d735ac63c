//! Number functions: `abs`, `ceil`, `floor`, `log`, `max`, `min`, `parseint`, `pow`, `signum`.

use hangar_core::number::BigUint;
use hangar_core::{Number, Type, Value};
use num_bigint::{BigInt, Sign};

use crate::util::{float, int, str_of, to_f64, to_int};
use crate::{p, Call, Def, FuncError};

fn num(v: &Value) -> Number {
    v.as_number().cloned().unwrap_or_default()
}

pub(crate) fn def(name: &str) -> Option<Def> {
    let n = || Type::Number;
    Some(match name {
        "abs" => Def::new(vec![p("num", n()).dynamic().marked()], n(), |_, a, _| {
            let (v, m) = a[0].clone().unmark();
            Ok(Value::Number(num(&v).abs()).mark_if(m))
        }),
        "ceil" => Def::new(vec![p("num", n())], n(), |_, a, _| {
            Ok(Value::Number(num(&a[0]).ceil()))
        }),
        "floor" => Def::new(vec![p("num", n())], n(), |_, a, _| {
            Ok(Value::Number(num(&a[0]).floor()))
        }),
        "log" => Def::new(vec![p("num", n()), p("base", n())], n(), |_, a, _| {
            float(go_log(to_f64(&a[0])) / go_log(to_f64(&a[1]))).map_err(|_| nan())
        }),
        "pow" => Def::new(vec![p("num", n()), p("power", n())], n(), |_, a, _| {
            float(to_f64(&a[0]).powf(to_f64(&a[1]))).map_err(|_| nan())
        }),
        "signum" => Def::new(vec![p("num", n())], n(), |_, a, _| {
            let i = to_int(&a[0]).map_err(FuncError::fail)?;
            Ok(int(i.signum()))
        }),
        "max" => Def::new(vec![], n(), |_, a, _| extreme(a, true)).var(p("numbers", n()).dynamic()),
        "min" => {
            Def::new(vec![], n(), |_, a, _| extreme(a, false)).var(p("numbers", n()).dynamic())
        }
        "parseint" => Def::new(
            vec![p("number", Type::Dynamic), p("base", n())],
            n(),
            parseint,
        )
        .type_fn(|a| {
            let t = Value::ty(&a[0]);
            if t != Type::String {
                return Err(FuncError::arg(
                    0,
                    format!(
                        "first argument must be a string, not {}",
                        Type::friendly_name(&t)
                    ),
                ));
            }
            Ok(Type::Number)
        }),
        _ => return None,
    })
}

fn nan() -> FuncError {
    FuncError::fail("panic in function implementation: Float.SetFloat64(NaN)")
}

fn go_log(x: f64) -> f64 {
    x.ln()
}

fn extreme(a: Vec<Value>, max: bool) -> Result<Value, FuncError> {
    if a.is_empty() {
        return Err(FuncError::fail("must pass at least one number"));
    }
    let mut best: Option<Value> = None;
    for v in a {
        let better = match &best {
            None => true,
            Some(b) => {
                let o = num(&v).cmp_num(&num(b));
                if max {
                    o.is_gt()
                } else {
                    o.is_lt()
                }
            }
        };
        if better {
            best = Some(v);
        }
    }
    Ok(best.unwrap_or(Value::NULL))
}

fn parseint(_: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    let text = str_of(&a[0]).to_string();
    let base = to_int(&a[1]).map_err(|m| FuncError::arg(1, m))?;
    if !(2..=62).contains(&base) {
        return Err(FuncError::arg(
            1,
            "base must be a whole number between 2 and 62 inclusive",
        ));
    }
    let bad = || FuncError::arg(0, format!("cannot parse {text:?} as a base {base} integer"));
    let (neg, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text.as_str()),
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let mut acc = BigUint::from(0u32);
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return Err(bad()),
        };
        if i64::from(d) >= base {
            return Err(bad());
        }
        acc = acc * BigUint::from(base as u64) + BigUint::from(d);
    }
    let i = BigInt::from_biguint(if neg { Sign::Minus } else { Sign::Plus }, acc);
    Ok(Value::Number(Number::from_bigint(&i)))
}
