//! `import` and `moved` blocks for plugin resources, through the binary: an object the plugin
//! holds is imported (ImportResourceState, then ReadResource), re-plans clean, and is renamed
//! with a `moved` block without being touched.

use libtest_mimic::Trial;

use crate::{trial, work, PluginDirs, REQUIRED};

pub fn tests() -> Vec<Trial> {
    vec![trial(
        "import_and_moved_blocks_for_plugin_resources",
        import_and_move,
    )]
}

fn thing(name: &str) -> String {
    format!(
        r#"
resource "hangartest_thing" "{name}" {{
  name   = "outside"
  region = "test-1"
  size   = 7
}}
"#
    )
}

fn import_and_move() {
    // An object made by another configuration sharing the plugin's object store.
    let other = work(&format!("{REQUIRED}{}", thing("made")));
    other.run(&["init"]).expect(0);
    other.run(&["apply", "-auto-approve"]).expect(0);
    let id = other.instance("hangartest_thing.made").expect("made")["attributes"]["id"]
        .as_str()
        .expect("id")
        .to_string();

    let mut w = work(&format!(
        "{REQUIRED}{}\nimport {{\n  to = hangartest_thing.a\n  id = \"{id}\"\n}}\n",
        thing("a")
    ));
    w.extra_env.push((
        hangar_testkit::test_plugin::STATE_ENV.into(),
        other.objects().display().to_string(),
    ));
    w.run(&["init"]).expect(0);
    let r = w.run(&["plan", "-detailed-exitcode"]).expect(2);
    assert!(
        r.stdout.contains("hangartest_thing.a will be imported")
            && r.stdout
                .contains("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."),
        "{}",
        r.all()
    );
    w.run(&["apply", "-auto-approve"]).expect(0);
    let a = w.instance("hangartest_thing.a").expect("imported");
    assert_eq!(a["attributes"]["id"], id.as_str());
    assert_eq!(a["attributes"]["size"], 7, "read back after import: {a}");
    assert!(!a["private"].as_str().unwrap_or_default().is_empty(), "{a}");
    w.run(&["plan", "-detailed-exitcode"]).expect(0);

    // Renamed with a moved block: nothing is created or destroyed (a move alone is a change,
    // exit code 2, as in Terraform).
    w.write(
        "main.tf",
        &format!(
            "{REQUIRED}{}\nmoved {{\n  from = hangartest_thing.a\n  to   = hangartest_thing.b\n}}\n",
            thing("b")
        ),
    );
    let r = w.run(&["plan", "-detailed-exitcode"]).expect(2);
    assert!(
        r.stdout
            .contains("Plan: 0 to add, 0 to change, 0 to destroy.")
            && r.stdout
                .contains("hangartest_thing.a has moved to hangartest_thing.b"),
        "{}",
        r.all()
    );
    w.run(&["apply", "-auto-approve"]).expect(0);
    let b = w.instance("hangartest_thing.b").expect("moved");
    assert_eq!(b["attributes"]["id"], id.as_str());
    assert!(w.instance("hangartest_thing.a").is_none());
    w.run(&["plan", "-detailed-exitcode"]).expect(0);
}
