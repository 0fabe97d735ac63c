//! Runs the crash torture script with a modest count: random SIGKILLs of an apply, then exactly
//! the configured buckets must exist in moto and in state.

#[test]
fn random_kills_leave_no_leaked_or_duplicated_bucket() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("bash")
        .arg(root.join("tests/torture/torture.sh"))
        .args(["4", "12"])
        .env("HANGAR", env!("CARGO_BIN_EXE_hangar"))
        .output()
        .expect("run torture.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("torture: 1 passed, 0 failed"), "{stdout}");
    assert!(stdout.contains("in state: 12, in moto: 12"), "{stdout}");
}
