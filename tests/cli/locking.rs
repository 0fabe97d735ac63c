//! Concurrency and crashes: a second run is refused naming the holder; a killed apply leaves
//! loadable state that the next apply completes without duplicates.

use std::time::Duration;

use crate::work;

#[test]
fn a_second_concurrent_run_is_refused_and_names_the_holder() {
    let w = work(&[(
        "main.tf",
        "resource \"time_sleep\" \"wait\" {\n  create_duration = \"3s\"\n}\n",
    )]);
    let mut first = w.cmd(&["apply", "--auto-approve"]).spawn().expect("spawn");
    w.wait_for("hangar.tfstate.lock.info", Duration::from_secs(20));
    let second = w.run(&["plan"]).expect(1);
    assert!(
        second.stderr.contains("Error acquiring the state lock"),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("Operation: apply"),
        "{}",
        second.stderr
    );
    assert!(second.stderr.contains("ID:"), "{}", second.stderr);
    let status = first.wait().expect("wait");
    assert!(status.success());
    w.run(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_killed_apply_leaves_state_that_the_next_apply_completes() {
    let mut cfg = String::new();
    for i in 0..6 {
        cfg.push_str(&format!(
            "resource \"time_sleep\" \"s{i}\" {{\n  create_duration = \"{}ms\"\n}}\n",
            300 * (i + 1)
        ));
    }
    let w = work(&[("main.tf", &cfg)]);
    let mut child = w
        .cmd(&["apply", "--auto-approve", "--parallelism", "6"])
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(1000));
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let listed = w.run(&["state", "list"]).expect(0);
    let done: Vec<&str> = listed.stdout.lines().collect();
    assert!(
        !done.is_empty() && done.len() < 6,
        "some but not all recorded: {done:?}"
    );
    let plan = w.run(&["plan"]).expect(0);
    let expected = format!(
        "Plan: {} to add, 0 to change, 0 to destroy.",
        6 - done.len()
    );
    assert!(
        plan.stdout.contains(&expected),
        "{expected}\n{}",
        plan.stdout
    );
    w.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(
        w.run(&["state", "list"]).expect(0).stdout.lines().count(),
        6
    );
    w.run(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn force_unlock_needs_the_right_id() {
    let w = work(&[("main.tf", "")]);
    let out = w.run(&["force-unlock", "no-such-id"]);
    assert_ne!(out.code, 0, "{}", out.stdout);
}

#[test]
fn lock_timeout_waits_for_a_live_run_and_lock_id_names_the_owner() {
    let w = work(&[(
        "main.tf",
        "resource \"time_sleep\" \"wait\" {\n  create_duration = \"2s\"\n}\n",
    )]);
    let mut first = w
        .cmd(&["--lock-id", "ci-job-42", "apply", "--auto-approve"])
        .spawn()
        .expect("spawn");
    w.wait_for("hangar.tfstate.lock.info", Duration::from_secs(20));
    let refused = w.run(&["plan"]).expect(1);
    assert!(refused.stderr.contains("ci-job-42"), "{}", refused.stderr);
    let waited = w.run(&["--lock-timeout", "30s", "plan", "--detailed-exitcode"]);
    assert!(first.wait().expect("wait").success());
    assert_eq!(waited.code, 0, "{}\n{}", waited.stdout, waited.stderr);
}

#[test]
fn an_operation_killed_mid_flight_leaves_a_visible_intent() {
    let w = work(&[(
        "main.tf",
        "resource \"time_sleep\" \"slow\" {\n  create_duration = \"30s\"\n}\n",
    )]);
    let mut child = w.cmd(&["apply", "--auto-approve"]).spawn().expect("spawn");
    w.wait_for_text("hangar.tfstate.journal", "Intent", Duration::from_secs(20));
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let plan = w.run(&["plan"]).expect(0);
    assert!(
        plan.stderr
            .contains("Interrupted operation on time_sleep.slow"),
        "{}",
        plan.stderr
    );
    w.write(
        "main.tf",
        "resource \"time_sleep\" \"slow\" {\n  create_duration = \"1ms\"\n}\n",
    );
    w.run(&["apply", "--auto-approve"]).expect(0);
    let again = w.run(&["plan"]).expect(0);
    assert!(
        !again.stderr.contains("Interrupted operation"),
        "settled: {}",
        again.stderr
    );
}
