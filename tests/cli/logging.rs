//! `HANGAR_LOG`: at `debug` every provider call is logged to standard error; unset, nothing is.
use crate::work;

#[test]
fn hangar_log_debug_logs_each_provider_call_and_is_silent_by_default() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = 1\n}\n",
    )]);
    let quiet = w.run(&["plan"]).expect(0);
    assert_eq!(quiet.stderr, "", "nothing on stderr without HANGAR_LOG");

    let loud = w.run_env(&["plan"], &[("HANGAR_LOG", "debug")]).expect(0);
    let calls: Vec<&str> = loud
        .stderr
        .lines()
        .filter(|l| l.contains("DEBUG") && l.contains("provider call"))
        .collect();
    assert!(
        calls
            .iter()
            .any(|l| l.contains("terraform_data.a") && l.contains("call=\"Plan\"")),
        "a debug line for the plan call of terraform_data.a\n{}",
        loud.stderr
    );
    assert_eq!(loud.stdout, quiet.stdout, "logging never touches stdout");
}
