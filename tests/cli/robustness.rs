//! No panic on any input: mutated configurations (deleted, duplicated and inserted fragments
//! of real ones) must end in diagnostics or success, never a crash.

use crate::work;

/// A small deterministic generator, so failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

const PIECES: &[&str] = &[
    "{",
    "}",
    "\"",
    "${",
    "[",
    "]",
    "=",
    "\n",
    "count = ",
    "var.x",
    "-1",
    "for_each = ",
    "\"\\u00e9\"",
    "workspace \"w\" {",
    "<<EOT\n",
    "%{",
    "..",
    "*",
    "null",
    "?",
    ":",
];

fn char_floor(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[test]
fn mutated_configurations_never_crash_hangar() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources: Vec<String> = [
        "examples/data-plane-local/main.tf",
        "examples/hub-and-spoke/main.tf",
        "examples/aws-data-plane/main.tf",
        "modules/aws-data-plane/main.tf",
        "modules/aws-data-plane/variables.tf",
    ]
    .iter()
    .map(|p| std::fs::read_to_string(root.join(p)).expect("example"))
    .collect();
    let mut rng = Lcg(42);
    for case in 0..60 {
        let mut s = sources[rng.next(sources.len())].clone();
        for _ in 0..1 + rng.next(4) {
            let k = char_floor(&s, rng.next(s.len()));
            match rng.next(3) {
                0 => {
                    let end = char_floor(&s, (k + 1 + rng.next(5)).min(s.len()));
                    s.replace_range(k..end.max(k), "");
                }
                1 => {
                    let end = char_floor(&s, (k + 1 + rng.next(20)).min(s.len()));
                    let dup = s[k..end.max(k)].to_string();
                    s.insert_str(k, &dup);
                }
                _ => s.insert_str(k, PIECES[rng.next(PIECES.len())]),
            }
        }
        let w = work(&[("main.tf", &s)]);
        for args in [
            &["validate"][..],
            &[
                "plan",
                "--refresh=false",
                "--var",
                "aws_endpoint=http://127.0.0.1:9",
            ][..],
        ] {
            let out = w.run(args);
            assert!(
                out.code == 0 || out.code == 1,
                "case {case}, {args:?} exited {} on:\n{s}\n--- stderr\n{}",
                out.code,
                out.stderr
            );
            assert!(
                !out.stderr.contains("panicked"),
                "case {case}: {}",
                out.stderr
            );
        }
    }
}
