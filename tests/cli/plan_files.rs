//! Saved plans: apply executes exactly them, and refuses stale ones.

use crate::work;

const CONFIG: &str = "resource \"terraform_data\" \"a\" {\n  input = \"one\"\n}\n";

#[test]
fn a_saved_plan_applies_exactly_and_only_once() {
    let w = work(&[("main.tf", CONFIG)]);
    w.run(&["plan", "--out", "p.plan"]).expect(0);
    let show = w.run(&["show", "p.plan"]).expect(0);
    assert!(
        show.stdout.contains("# terraform_data.a will be created"),
        "{}",
        show.stdout
    );
    w.run(&["apply", "p.plan"]).expect(0);
    assert_eq!(
        w.state()["resources"]["terraform_data.a"]["attributes"]["input"],
        "one"
    );
    let again = w.run(&["apply", "p.plan"]).expect(1);
    assert!(
        again.stderr.contains("Saved plan is stale"),
        "{}",
        again.stderr
    );
}

#[test]
fn a_plan_made_before_another_apply_is_refused() {
    let w = work(&[("main.tf", CONFIG)]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    w.write("main.tf", &CONFIG.replace("one", "two"));
    w.run(&["plan", "--out", "p.plan"]).expect(0);
    w.run(&["apply", "--auto-approve", "--var-file", "/dev/null"])
        .expect(0);
    let out = w.run(&["apply", "p.plan"]).expect(1);
    assert!(out.stderr.contains("Saved plan is stale"), "{}", out.stderr);
}

#[test]
fn a_plan_for_other_configuration_is_refused() {
    let w = work(&[("main.tf", CONFIG)]);
    w.run(&["plan", "--out", "p.plan"]).expect(0);
    w.write("main.tf", &CONFIG.replace("one", "three"));
    let out = w.run(&["apply", "p.plan"]).expect(1);
    assert!(
        out.stderr.contains("does not match the configuration"),
        "{}",
        out.stderr
    );
    assert!(!w.path().join("hangar.tfstate").exists());
}

#[test]
fn garbage_plan_files_are_rejected() {
    let w = work(&[("main.tf", CONFIG), ("p.plan", "not a plan")]);
    let out = w.run(&["apply", "p.plan"]).expect(1);
    assert!(
        out.stderr.contains("is not a Hangar plan file"),
        "{}",
        out.stderr
    );
}
