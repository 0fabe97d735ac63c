//! Many independent plugin resources planned on every core: the plugin's gRPC calls made from
//! several threads at once plan what one thread plans, apply, and re-plan clean.

use libtest_mimic::Trial;

use crate::{trial, work, REQUIRED};

pub fn tests() -> Vec<Trial> {
    vec![trial(
        "independent_plugin_resources_plan_alike_on_one_thread_and_several",
        parallel,
    )]
}

/// 200 independent blocks: one level, enough to be planned on two threads.
fn config() -> String {
    let mut s =
        format!("{REQUIRED}\nprovider \"hangartest\" {{\n  region = \"eu-central-1\"\n}}\n");
    for i in 0..200 {
        s += &format!("resource \"hangartest_thing\" \"t{i}\" {{\n  name = \"thing-{i}\"\n}}\n");
    }
    s
}

/// The JSON plan without its timestamp.
fn plan_json(w: &crate::Work, parallelism: &str) -> serde_json::Value {
    let r = w.run(&["plan", "-json", parallelism]).expect(0);
    let mut doc: serde_json::Value = serde_json::from_str(r.stdout.trim()).expect("plan json");
    doc.as_object_mut().expect("object").remove("timestamp");
    doc
}

fn parallel() {
    let w = work(&config());
    w.run(&["init"]).expect(0);
    let one = plan_json(&w, "-parallelism=1");
    let many = plan_json(&w, "-parallelism=10");
    let creates = one["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["change"]["actions"] == serde_json::json!(["create"]))
        .count();
    assert_eq!(creates, 200);
    assert_eq!(one, many, "the plans differ between one thread and several");
    w.run(&["apply", "-auto-approve"]).expect(0);
    let r = w.run(&["plan", "-detailed-exitcode"]).expect(0);
    assert!(r.stdout.contains("No changes."), "{}", r.stdout);
}
