//! Residency for plugin resources through the binary: a type the location catalogue cannot
//! place (every type of the cloud-less test plugin) is refused in a bound workspace, before any
//! plugin call that could create something, unless `global_types` names it. `hangar residency`
//! lists such resources with a row of their own (no cloud, verdict `global (global_types)`, or
//! a violation once the workspace block stops naming them), and `hangar drift` says per provider
//! that plugin types cannot be searched for untracked objects.

use libtest_mimic::Trial;

use crate::{trial, work, PluginDirs, REQUIRED};

pub fn tests() -> Vec<Trial> {
    vec![
        trial("unplaceable_plugin_types_need_global_types", unplaceable),
        trial(
            "residency_rows_for_plugin_types_of_unknown_cloud",
            rows_of_unknown_cloud,
        ),
        trial("drift_says_plugin_types_are_not_searched", unsearched),
    ]
}

fn config(global_types: &str) -> String {
    format!(
        r#"{REQUIRED}
workspace "eu" {{
  geography = "eu"
  region    = "eu-central-1"
  {global_types}
}}

resource "terraform_data" "seed" {{
  input = "x"
}}

resource "hangartest_thing" "a" {{
  name = "thing-a"
}}
"#
    )
}

fn unplaceable() {
    let w = work(&config(""));
    w.run(&["init"]).expect(0);
    for args in [&["plan"][..], &["apply", "-auto-approve"][..]] {
        let r = w.run(args).expect(1);
        assert!(
            r.stderr
                .contains("Residency violation: hangartest_thing.a cannot be placed")
                && r.stderr.contains("global_types = [\"hangartest_thing\"]"),
            "{}",
            r.all()
        );
    }
    assert!(w.objects_of("hangartest_thing").is_empty());
    assert!(
        !w.path().join("hangar.tfstate.d/eu/hangar.tfstate").exists() || {
            w.state()["resources"]
                .as_object()
                .is_none_or(|m| m.is_empty())
        }
    );

    // Named as global (a glob), it is managed like any other resource.
    w.write("main.tf", &config("global_types = [\"hangartest_*\"]"));
    w.run(&["apply", "-auto-approve"]).expect(0);
    assert_eq!(w.objects_of("hangartest_thing").len(), 1);
    w.run(&["plan", "-detailed-exitcode"]).expect(0);
    w.run(&["destroy", "-auto-approve"]).expect(0);
    assert!(w.objects_of("hangartest_thing").is_empty());
}

fn rows_of_unknown_cloud() {
    let w = work(&config("global_types = [\"hangartest_*\"]"));
    w.run(&["init"]).expect(0);
    w.run(&["apply", "-auto-approve"]).expect(0);

    let r = w.run(&["residency"]).expect(0);
    assert_eq!(
        r.residency_row("hangartest_thing.a"),
        "- - test-1 global (global_types)"
    );
    // The built-in terraform_data lives nowhere but in state: no row.
    assert!(!r.stdout.contains("terraform_data.seed"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("Not searched for untracked objects: hangartest_thing (provider hangartest)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("1 resource(s), 0 violation(s)."),
        "{}",
        r.stdout
    );

    let r = w.run(&["residency", "--json"]).expect(0);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let rows = j["resources"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{j}");
    assert_eq!(rows[0]["address"], "hangartest_thing.a");
    assert_eq!(rows[0]["cloud"], serde_json::Value::Null);
    assert_eq!(rows[0]["verdict"], "global (global_types)");
    assert_eq!(j["unsearched"][0]["types"][0], "hangartest_thing", "{j}");

    // Once the workspace block stops naming the type, its row is a violation.
    w.write("main.tf", &config(""));
    let r = w.run(&["residency"]).expect(1);
    let row = r.residency_row("hangartest_thing.a");
    assert!(
        row.contains("VIOLATION: objects of type hangartest_thing have no region"),
        "{row}"
    );
    assert!(
        r.stdout.contains("Refused by the configuration"),
        "{}",
        r.stdout
    );
    w.write("main.tf", &config("global_types = [\"hangartest_*\"]"));
    w.run(&["destroy", "-auto-approve"]).expect(0);
}

fn unsearched() {
    let w = work(&config("global_types = [\"hangartest_*\"]"));
    w.run(&["init"]).expect(0);
    w.run(&["apply", "-auto-approve"]).expect(0);

    // No drift, but the report says the plugin's types were not searched: exit 0, not silence.
    let r = w.run(&["drift"]).expect(0);
    assert!(
        r.stdout.contains(
            "SKIPPED orphan search for hangartest_thing (provider hangartest): Terraform's plugin protocol has no call"
        ),
        "{}",
        r.all()
    );
    assert!(
        r.stderr
            .contains("Orphan search not available for plugin types hangartest_thing"),
        "{}",
        r.all()
    );
    let junit = w.path().join("drift.xml");
    let r = w
        .run(&["drift", "--json", "--junit", junit.to_str().expect("utf-8")])
        .expect(0);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(j["summary"]["drift"], 0, "{j}");
    let u = &j["unsearched"];
    assert_eq!(u.as_array().map(Vec::len), Some(1), "{j}");
    assert_eq!(u[0]["provider"], "provider hangartest", "{j}");
    assert_eq!(
        u[0]["types"],
        serde_json::json!(["hangartest_thing"]),
        "{j}"
    );
    assert!(
        u[0]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("Terraform's plugin protocol has no call")),
        "{j}"
    );
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(
        xml.contains("name=\"orphan search: provider hangartest\"") && xml.contains("<skipped"),
        "{xml}"
    );
    w.run(&["destroy", "-auto-approve"]).expect(0);
}
