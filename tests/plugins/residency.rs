//! Residency for plugin resources through the binary: a type the location catalogue cannot
//! place (every type of the cloud-less test plugin) is refused in a bound workspace, before any
//! plugin call that could create something, unless `global_types` names it.

use libtest_mimic::Trial;

use crate::{trial, work, PluginDirs, REQUIRED};

pub fn tests() -> Vec<Trial> {
    vec![trial(
        "unplaceable_plugin_types_need_global_types",
        unplaceable,
    )]
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
