//! Differential test of `hangar_core::Number` arithmetic against Terraform's answers recorded in
//! `tests/fixtures/numbers.txt` (see `tests/gen/gen_numbers.py`).

#![allow(clippy::unwrap_used)]

use hangar_core::Number;

enum Tree {
    Leaf(String),
    Node(String, Vec<Tree>),
}

fn parse_tree(toks: &mut std::iter::Peekable<std::vec::IntoIter<String>>) -> Tree {
    let t = toks.next().expect("token");
    if t == "(" {
        let op = toks.next().expect("op");
        let mut kids = Vec::new();
        while toks.peek().map(String::as_str) != Some(")") {
            kids.push(parse_tree(toks));
        }
        toks.next();
        Tree::Node(op, kids)
    } else {
        Tree::Leaf(t)
    }
}

fn eval(t: &Tree) -> Result<Number, String> {
    match t {
        Tree::Leaf(s) => {
            if let Some(i) = s.strip_prefix("i:") {
                let b: hangar_core::number::BigUint = i
                    .trim_start_matches('-')
                    .parse()
                    .map_err(|_| "bad int".to_string())?;
                let b = num_bigint::BigInt::from_biguint(
                    if i.starts_with('-') {
                        num_bigint::Sign::Minus
                    } else {
                        num_bigint::Sign::Plus
                    },
                    b,
                );
                Ok(Number::from_bigint(&b))
            } else if let Some(f) = s.strip_prefix("f:") {
                Ok(Number::from_f64(f.parse::<f64>().map_err(|e| e.to_string())?).expect("finite"))
            } else {
                Number::parse(s).map_err(|e| e.to_string())
            }
        }
        Tree::Node(op, kids) => {
            let a = eval(&kids[0])?;
            match op.as_str() {
                "neg" => return Ok(a.neg()),
                "abs" => return Ok(a.abs()),
                "floor" | "ceil" => {
                    let v = hangar_funcs::call(&ctx(), op, vec![hangar_core::Value::Number(a)])
                        .map_err(|e| e.to_string())?;
                    return Ok(v.as_number().expect("number").clone());
                }
                _ => {}
            }
            let b = eval(&kids[1])?;
            match op.as_str() {
                "+" => a.try_add(&b).map_err(|e| e.to_string()),
                "-" => a.try_sub(&b).map_err(|e| e.to_string()),
                "*" => a.try_mul(&b).map_err(|e| e.to_string()),
                "/" => a.div(&b).map_err(|e| e.to_string()),
                "%" => a.rem(&b).map_err(|e| e.to_string()),
                _ => panic!("unknown op {op}"),
            }
        }
    }
}

fn ctx() -> hangar_funcs::FuncContext<'static> {
    hangar_funcs::FuncContext {
        base_dir: std::path::Path::new("."),
        render_template: None,
    }
}

#[test]
fn arithmetic_matches_terraform() {
    let text = include_str!("fixtures/numbers.txt");
    let mut failures = Vec::new();
    let mut total = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (expr, want) = line.split_once(" => ").expect("case");
        let toks: Vec<String> = expr
            .replace('(', " ( ")
            .replace(')', " ) ")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let tree = parse_tree(&mut toks.into_iter().peekable());
        total += 1;
        let got = match eval(&tree) {
            Ok(n) => n.to_string(),
            Err(_) => "ERROR".to_string(),
        };
        if got != want {
            failures.push(format!("{expr}\n  want {want}\n  got  {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
