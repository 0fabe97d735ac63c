//! Client-side encryption: encrypted state and plans are unreadable without the key, readable
//! with the previous key after rotation, and plaintext is never written once enabled.

use crate::{work, Work};

fn config(enc: &str) -> String {
    format!("terraform {{\n  encryption {{\n{enc}  }}\n}}\nresource \"terraform_data\" \"s\" {{\n  input = \"top-secret-value\"\n}}\n")
}

fn files_contain(w: &Work, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![w.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_none_or(|x| x != "tf")
                && std::fs::read_to_string(&p)
                    .unwrap_or_default()
                    .contains(needle)
            {
                hits.push(p.display().to_string());
            }
        }
    }
    hits
}

#[test]
fn encrypted_state_needs_its_key_and_survives_rotation() {
    let w = work(&[(
        "main.tf",
        &config("    passphrase_env = \"HANGAR_TEST_PASS\"\n"),
    )]);
    let old = [("HANGAR_TEST_PASS", "correct horse")];
    w.run_env(&["apply", "--auto-approve"], &old).expect(0);
    assert_eq!(
        files_contain(&w, "top-secret-value"),
        Vec::<String>::new(),
        "no plaintext on disk"
    );
    let shown = w
        .run_env(&["state", "show", "terraform_data.s"], &old)
        .expect(0);
    assert!(
        shown.stdout.contains("top-secret-value"),
        "{}",
        shown.stdout
    );

    let missing = w.run(&["plan"]).expect(1);
    assert!(
        missing.stderr.contains("HANGAR_TEST_PASS"),
        "{}",
        missing.stderr
    );
    let wrong = w
        .run_env(&["plan"], &[("HANGAR_TEST_PASS", "battery staple")])
        .expect(1);
    assert!(
        wrong.stderr.contains("Wrong passphrase or key"),
        "{}",
        wrong.stderr
    );
    assert!(
        wrong
            .stderr
            .contains("the passphrase in HANGAR_TEST_PASS does not open it"),
        "{}",
        wrong.stderr
    );
    assert!(!wrong.stderr.contains("corrupt"), "{}", wrong.stderr);

    w.write("main.tf", &config(""));
    let plain = w.run(&["plan"]);
    assert_eq!(plain.code, 1, "{}", plain.stderr);
    w.write(
        "main.tf",
        "resource \"terraform_data\" \"s\" {\n  input = \"top-secret-value\"\n}\n",
    );
    let unconfigured = w.run(&["plan"]).expect(1);
    assert!(
        unconfigured.stderr.contains("State is encrypted"),
        "{}",
        unconfigured.stderr
    );

    let rotate = "    passphrase_env          = \"HANGAR_TEST_NEW\"\n    fallback_passphrase_env = \"HANGAR_TEST_PASS\"\n";
    w.write(
        "main.tf",
        &config(rotate).replace("top-secret-value", "rotated-secret"),
    );
    let both = [
        ("HANGAR_TEST_NEW", "new pass"),
        ("HANGAR_TEST_PASS", "correct horse"),
    ];
    w.run_env(&["apply", "--auto-approve"], &both).expect(0);
    w.write(
        "main.tf",
        &config("    passphrase_env = \"HANGAR_TEST_NEW\"\n")
            .replace("top-secret-value", "rotated-secret"),
    );
    w.run_env(
        &["plan", "--detailed-exitcode"],
        &[("HANGAR_TEST_NEW", "new pass")],
    )
    .expect(0);
    assert_eq!(files_contain(&w, "rotated-secret"), Vec::<String>::new());
}

#[test]
fn saved_plans_are_encrypted_too() {
    let w = work(&[(
        "main.tf",
        &config("    passphrase_env = \"HANGAR_TEST_PASS\"\n"),
    )]);
    let env = [("HANGAR_TEST_PASS", "pw")];
    w.run_env(&["plan", "--out", "p.plan"], &env).expect(0);
    assert!(!w.read("p.plan").contains("top-secret-value"));
    assert!(w.run(&["show", "p.plan"]).code != 0);
    w.run_env(&["apply", "p.plan"], &env).expect(0);
}
