//! Planning independent resource blocks on several threads plans exactly what planning them
//! one at a time does: the same changes, the same values, the same diagnostics in the same
//! order, for a first plan, a re-plan with updates and orphans, and a plan with errors.
//!
//! `-parallelism=1` plans on one thread; the default plans levels of 64 or more blocks per
//! thread on every core (a single-core machine plans both on one thread, and still agrees).

use hangar_engine::events::NoEvents;
use hangar_engine::workspace::{Cancel, Error, Mode, Options, Workspace};

/// Blocks per layer: several threads' worth of independent blocks.
const WIDTH: usize = 300;

/// Three layers of `WIDTH` blocks, each depending on one block of the layer before, a
/// counted block and an output reading every layer. `changed` blocks of the first layer get
/// another input; the last `dropped` blocks of the third layer are left out.
fn config(changed: usize, dropped: usize) -> String {
    let mut s = String::new();
    for i in 0..WIDTH {
        let input = if i < changed { "changed" } else { "seed" };
        s += &format!("resource \"terraform_data\" \"a_{i}\" {{\n  input = \"{input}-{i}\"\n}}\n");
        s += &format!(
            "resource \"terraform_data\" \"b_{i}\" {{\n  input = \"${{terraform_data.a_{i}.output}}/b\"\n}}\n"
        );
        if i < WIDTH - dropped {
            s += &format!(
                "resource \"terraform_data\" \"c_{i}\" {{\n  input = [terraform_data.b_{i}.output, {i}]\n}}\n"
            );
        }
    }
    s += "resource \"terraform_data\" \"counted\" {\n  count = 3\n  input = count.index\n}\n";
    s += "output \"ends\" {\n  value = [terraform_data.a_0.output, terraform_data.b_7.output, terraform_data.counted[2].output]\n}\n";
    s
}

fn open(dir: &std::path::Path, parallelism: usize) -> Workspace {
    let mut o = Options::new(dir);
    o.environment = Default::default();
    o.parallelism = parallelism;
    Workspace::open(o).expect("open")
}

/// The plan of `dir` at `parallelism`, as its JSON document (the timestamp left out), or
/// its diagnostics.
fn plan(dir: &std::path::Path, parallelism: usize) -> Result<serde_json::Value, Vec<String>> {
    let ws = open(dir, parallelism);
    let session = ws.begin("plan").expect("begin");
    match session.plan(Mode::Normal, &NoEvents) {
        Ok(plan) => {
            let mut out = Vec::new();
            session.write_plan_json(&plan, &mut out).expect("plan json");
            let mut doc: serde_json::Value = serde_json::from_slice(&out).expect("json");
            doc.as_object_mut().expect("object").remove("timestamp");
            Ok(doc)
        }
        Err(Error::Diags(d)) => Err(d
            .0
            .iter()
            .map(|d| {
                let line = d.subject.as_ref().map_or(0, |r| r.start.line);
                format!("line {line}: {}: {}", d.summary, d.detail)
            })
            .collect()),
        Err(e) => panic!("plan failed: {e}"),
    }
}

fn actions(doc: &serde_json::Value, action: &str) -> usize {
    doc["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["change"]["actions"] == serde_json::json!([action]))
        .count()
}

#[test]
fn planning_on_several_threads_plans_what_one_thread_plans() {
    let dir = tempfile::tempdir().expect("tempdir");
    let main = dir.path().join("main.tf");
    std::fs::write(&main, config(0, 0)).expect("write");

    let one = plan(dir.path(), 1).expect("plan on one thread");
    let many = plan(dir.path(), 10).expect("plan on every core");
    assert_eq!(actions(&one, "create"), 3 * WIDTH + 3);
    assert_eq!(
        one, many,
        "a first plan differs between one thread and several"
    );

    // Apply it, then change five inputs of the first layer and drop four blocks of the last:
    // the re-plan updates what changed (and what depends on it) and deletes the orphans.
    let ws = open(dir.path(), 10);
    let session = ws.begin("apply").expect("begin");
    let planned = session.plan(Mode::Normal, &NoEvents).expect("plan");
    let applied = session
        .apply(&planned, &NoEvents, &Cancel::default())
        .expect("apply");
    assert!(!applied.diags.has_errors(), "{:?}", applied.diags);
    drop(session);
    drop(ws);
    std::fs::write(&main, config(5, 4)).expect("write");

    let one = plan(dir.path(), 1).expect("re-plan on one thread");
    let many = plan(dir.path(), 10).expect("re-plan on every core");
    assert_eq!(actions(&one, "delete"), 4);
    assert_eq!(actions(&one, "update"), 5 * 3);
    assert_eq!(actions(&one, "no-op"), 3 * WIDTH + 3 - 4 - 15);
    assert_eq!(
        one, many,
        "a re-plan differs between one thread and several"
    );
}

#[test]
fn errors_found_on_several_threads_are_reported_as_one_thread_reports_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Three independent blocks of the first layer fail; what depends on them is skipped
    // (one mistake, one error), everything else plans.
    let mut text = config(0, 0);
    for i in [250, 3, 121] {
        text = text.replace(
            &format!("input = \"seed-{i}\""),
            &format!("input = \"seed\" + {i}"),
        );
    }
    std::fs::write(dir.path().join("main.tf"), text).expect("write");

    let one = plan(dir.path(), 1).expect_err("the plan must fail");
    let many = plan(dir.path(), 10).expect_err("the plan must fail");
    assert_eq!(one.len(), 3, "{one:#?}");
    assert_eq!(
        one, many,
        "the errors differ between one thread and several"
    );
    // Each block takes nine lines; `a_{i}`'s input is the second line of its group.
    for i in [250, 3, 121] {
        let line = format!("line {}: ", 9 * i + 2);
        assert!(
            one.iter().any(|d| d.starts_with(&line)),
            "no error for a_{i}: {one:#?}"
        );
    }
}
