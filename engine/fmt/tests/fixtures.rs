//! Differential tests against Terraform's own formatter.
//!
//! Every `tests/fixtures/<case>/in.tf` comes with what `terraform fmt` (1.15) made of it,
//! recorded by `tests/fixtures/generate.sh`: `out.tf` when Terraform formats it, `error.txt` when
//! Terraform rejects it. For each case this checks, byte for byte:
//! - `format(in) == out`, and `format(out) == out` (formatting is idempotent);
//! - or, for rejected sources, that `format` returns an error.
//!
//! Cases listed in `tests/fixtures/KNOWN_FAILURES` (one `case  reason` per line) are expected to
//! fail; the test reports them, and fails if one of them starts passing so the list stays honest.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn known_failures(dir: &Path) -> BTreeMap<String, String> {
    let text = fs::read_to_string(dir.join("KNOWN_FAILURES")).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((case, reason)) => (case.to_string(), reason.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

/// Checks one case; `Err` describes the first mismatch.
fn check(dir: &Path) -> Result<(), String> {
    let input = fs::read_to_string(dir.join("in.tf")).map_err(|e| format!("in.tf: {e}"))?;
    let got = std::panic::catch_unwind(|| hangar_fmt::format(&input))
        .map_err(|_| "format panicked".to_string())?;
    let out_path = dir.join("out.tf");
    if !out_path.exists() {
        return match got {
            Err(_) => Ok(()),
            Ok(text) => Err(format!(
                "Terraform rejects this source but format accepted it:\n{text}"
            )),
        };
    }
    let want = fs::read_to_string(&out_path).map_err(|e| format!("out.tf: {e}"))?;
    let got = got.map_err(|e| format!("format failed: {e}"))?;
    if got != want {
        return Err(format!(
            "output differs from Terraform's\n--- want\n{want}\n--- got\n{got}\n---\n{}",
            first_difference(&want, &got)
        ));
    }
    let again = hangar_fmt::format(&want).map_err(|e| format!("format(out) failed: {e}"))?;
    if again != want {
        return Err(format!(
            "formatting is not idempotent\n--- want\n{want}\n--- got\n{again}\n---\n{}",
            first_difference(&want, &again)
        ));
    }
    Ok(())
}

fn first_difference(want: &str, got: &str) -> String {
    for (n, (w, g)) in want.split('\n').zip(got.split('\n')).enumerate() {
        if w != g {
            return format!("line {}: want {w:?}, got {g:?}", n + 1);
        }
    }
    format!(
        "lengths differ: want {} lines, got {}",
        want.split('\n').count(),
        got.split('\n').count()
    )
}

#[test]
fn fixtures_match_terraform_fmt() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let known = known_failures(&dir);
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .expect("fixtures directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("in.tf").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 60, "expected at least 60 fixtures");

    let mut passed = 0;
    let mut failures = Vec::new();
    let mut known_hit = Vec::new();
    let mut unexpectedly_passing = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        match (check(case), known.get(&name)) {
            (Ok(()), None) => passed += 1,
            (Ok(()), Some(_)) => unexpectedly_passing.push(name),
            (Err(e), None) => failures.push(format!("== {name}: {e}")),
            (Err(_), Some(reason)) => known_hit.push(format!("{name} ({reason})")),
        }
    }
    let stale: Vec<_> = known
        .keys()
        .filter(|k| !cases.iter().any(|c| c.ends_with(k.as_str())))
        .collect();
    eprintln!(
        "fixtures: {passed} of {} pass; {} known failures{}",
        cases.len(),
        known_hit.len(),
        if known_hit.is_empty() {
            String::new()
        } else {
            format!(": {}", known_hit.join(", "))
        }
    );
    assert!(
        stale.is_empty(),
        "KNOWN_FAILURES names missing cases: {stale:?}"
    );
    assert!(
        unexpectedly_passing.is_empty(),
        "listed in KNOWN_FAILURES but passing now (remove them): {unexpectedly_passing:?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
