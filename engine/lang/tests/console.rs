//! Differential test: every expression in `fixtures/console/cases.txt` evaluated by Hangar must
//! print, through `console_format`, exactly what Terraform 1.15.5's console printed (recorded in
//! `expected.json` by `generate.py`), or fail with the same error summaries.
//!
//! Mismatches that come from other crates still being written (functions not yet in
//! `hangar-funcs`) are counted as pending, not failures; known divergences are listed with a
//! reason.

mod support;

use std::collections::BTreeMap;

use hangar_core::Diagnostics;
use hangar_lang::{console_format, eval, SourceFile};
use serde_json::Value as Json;
use support::{context, MapScope};

/// Cases where Hangar knowingly differs from Terraform, with the reason.
const KNOWN_DIVERGENCES: &[(&str, &str)] = &[
    ("{a = 1, a = 2}", "hcl-edit rejects duplicate object keys at parse time; Terraform keeps the last"),
    (
        "var.empty_list[*].x",
        "Terraform type-checks against the empty list's element type; Hangar values carry no element type",
    ),
    ("1 / 0", "Terraform yields +Inf; Hangar's decimal numbers have no infinity and report an error"),
    ("var.num / 0", "Terraform yields +Inf; Hangar's decimal numbers have no infinity"),
    ("0 / 0", "Terraform yields NaN/error via big.Float panic recovery; Hangar reports division by zero"),
    ("1 % 0", "Terraform's modulo by zero yields the dividend; Hangar reports division by zero"),
];

enum Outcome {
    Pass,
    /// Hangar could not parse it and Terraform reported an error too.
    ParseAgreed,
    /// A function Hangar does not have yet, or a number digit-for-digit precision that
    /// `hangar_core::Number` (owned elsewhere) does not match yet.
    Pending(String),
    Fail(String),
}

fn summaries(d: &Diagnostics) -> Vec<String> {
    let mut s: Vec<String> = d.0.iter().map(|d| d.summary.clone()).collect();
    s.sort();
    s.dedup();
    s
}

/// Whether two printed numbers agree to 15 significant digits (an `f64`'s worth).
fn numbers_agree_roughly(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y || ((x - y) / y).abs() < 1e-15,
        _ => false,
    }
}

/// Functions called in the expression text that `hangar-funcs` does not provide yet.
fn missing_functions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic()
            && (i == 0
                || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_' || bytes[i - 1] == '.'))
        {
            let start = i;
            while i < bytes.len() && (bytes[i].is_alphanumeric() || bytes[i] == '_') {
                i += 1;
            }
            let name: String = bytes[start..i].iter().collect();
            if bytes.get(i) == Some(&'(')
                && !["can", "try"].contains(&name.as_str())
                && !hangar_funcs::exists(&name)
            {
                out.push(name);
            }
        } else {
            i += 1;
        }
    }
    out
}

fn check(scope: &MapScope, case: &Json) -> Outcome {
    let outcome = compare(scope, case);
    if let Outcome::Fail(why) = &outcome {
        let missing = missing_functions(case["expr"].as_str().unwrap_or_default());
        if !missing.is_empty() {
            return Outcome::Pending(format!("needs {missing:?}: {why}"));
        }
    }
    outcome
}

fn compare(scope: &MapScope, case: &Json) -> Outcome {
    let expr_text = case["expr"].as_str().unwrap_or_default();
    let file = SourceFile::new("<console-input>", expr_text);
    let expr = match hcl_edit::parser::parse_expr(expr_text) {
        Ok(e) => e,
        Err(e) if case.get("errors").is_some() => {
            let _ = e;
            return Outcome::ParseAgreed;
        }
        Err(e) => return Outcome::Fail(format!("parse error: {e}")),
    };
    let got = eval(&expr, &context(scope, &file));
    if let Err(d) = &got {
        if let Some(missing) = d.0.iter().find(|d| d.summary == "Call to unknown function") {
            let expected_unknown = case["errors"].as_array().is_some_and(|es| {
                es.iter()
                    .any(|e| e["summary"] == "Call to unknown function")
            });
            if !expected_unknown {
                return Outcome::Pending(missing.detail.clone());
            }
        }
    }
    match (got, case.get("output"), case.get("errors")) {
        (Ok(v), Some(want), _) => {
            let got = console_format(&v);
            let want = want.as_str().unwrap_or_default();
            if got == want {
                Outcome::Pass
            } else if numbers_agree_roughly(&got, want) {
                Outcome::Pending(format!("number precision: want {want}, got {got}"))
            } else {
                Outcome::Fail(format!("want:\n{want}\ngot:\n{got}"))
            }
        }
        (Err(d), Some(want), _) => Outcome::Fail(format!(
            "want:\n{}\ngot errors: {:?}",
            want.as_str().unwrap_or_default(),
            d.0.iter()
                .map(|d| format!("{}: {}", d.summary, d.detail))
                .collect::<Vec<_>>()
        )),
        (Ok(v), None, Some(errs)) => {
            Outcome::Fail(format!("want errors {errs}\ngot:\n{}", console_format(&v)))
        }
        (Err(d), None, Some(errs)) => {
            let mut want: Vec<String> = errs
                .as_array()
                .map(|es| {
                    es.iter()
                        .filter_map(|e| e["summary"].as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            want.sort();
            want.dedup();
            if summaries(&d) == want {
                Outcome::Pass
            } else {
                Outcome::Fail(format!(
                    "want errors {want:?}\ngot errors: {:?}",
                    d.0.iter()
                        .map(|d| format!("{}: {}", d.summary, d.detail))
                        .collect::<Vec<_>>()
                ))
            }
        }
        (_, None, None) => Outcome::Fail("malformed fixture".into()),
    }
}

#[test]
fn expressions_match_terraform_console() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/console");
    let scope_text = std::fs::read_to_string(format!("{dir}/scope.tf")).expect("scope.tf");
    let scope = MapScope::load("scope.tf", &scope_text);
    let expected: Json = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/expected.json")).expect("expected.json"),
    )
    .expect("expected.json parses");
    let cases = expected.as_array().expect("a list of cases");
    assert!(cases.len() >= 500, "the fixture should be large");
    let known: BTreeMap<&str, &str> = KNOWN_DIVERGENCES.iter().copied().collect();
    let (mut pass, mut pending, mut failures, mut parse) = (0, Vec::new(), Vec::new(), 0);
    for case in cases {
        let expr = case["expr"].as_str().unwrap_or_default();
        match check(&scope, case) {
            Outcome::Pass => pass += 1,
            Outcome::ParseAgreed => parse += 1,
            Outcome::Pending(why) => pending.push(format!("{expr}: {why}")),
            Outcome::Fail(_) if known.contains_key(expr) => {}
            Outcome::Fail(why) => failures.push(format!("--- {expr}\n{why}")),
        }
    }
    eprintln!(
        "{pass} pass, {parse} parse errors agreed, {} pending on hangar-funcs, {} known divergences, {} failures",
        pending.len(),
        known.len(),
        failures.len()
    );
    if std::env::var_os("HANGAR_SHOW_PENDING").is_some() {
        eprintln!("pending:\n{}", pending.join("\n"));
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
