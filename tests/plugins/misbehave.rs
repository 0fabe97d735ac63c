//! A misbehaving plugin through the binary: a crash mid-apply, a hung call, a bad handshake and
//! a value that does not match the schema each give an error naming the provider and the
//! resource, and state keeps every operation that finished.

use libtest_mimic::Trial;

use crate::{trial, work, PluginDirs, Work, REQUIRED};

pub fn tests() -> Vec<Trial> {
    vec![
        trial("plugin_crash_mid_apply_keeps_finished_work", crash),
        trial("hung_plugin_call_times_out", hang),
        trial("bad_handshake_names_the_provider", bad_handshake),
        trial("value_not_matching_schema_is_refused", bad_value),
        trial(
            "killed_create_of_a_plugin_resource_is_reported_and_importable",
            killed_create,
        ),
    ]
}

/// Hangar killed while a plugin creates an object: the plugin stops with it, and the journal
/// keeps the create's intent. The next plan warns, saying a plugin cannot search for the object
/// and what to do; applying again creates it once and settles the intent.
fn killed_create() {
    let w = work(&format!(
        "{REQUIRED}\nresource \"hangartest_slow\" \"s\" {{\n  name     = \"slow\"\n  delay_ms = 1500\n}}\n"
    ));
    w.run(&["init"]).expect(0);
    let mut child = w
        .cmd(&["apply", "-auto-approve"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    w.wait_for_text(
        "hangar.tfstate.journal",
        "Intent",
        std::time::Duration::from_secs(30),
    );
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    std::thread::sleep(std::time::Duration::from_millis(2000));
    assert!(
        w.objects_of("hangartest_slow").is_empty(),
        "the plugin stops with hangar, before its create finishes"
    );
    let plan = w.run(&["plan"]).expect(0);
    assert!(
        plan.stderr
            .contains("Interrupted operation on hangartest_slow.s")
            && plan.stderr.contains("Its provider is a plugin")
            && plan.stderr.contains("hangar import"),
        "{}",
        plan.all()
    );
    w.run(&["apply", "-auto-approve"]).expect(0);
    let again = w.run(&["plan", "-detailed-exitcode"]).expect(0);
    assert!(
        !again.stderr.contains("Interrupted operation"),
        "settled: {}",
        again.all()
    );
    assert_eq!(
        w.objects_of("hangartest_slow").len(),
        1,
        "not created twice"
    );
}

fn config() -> String {
    format!(
        r#"{REQUIRED}
resource "terraform_data" "seed" {{
  input = "x"
}}

resource "hangartest_thing" "ok" {{
  name = "fine"
}}

resource "hangartest_thing" "boom" {{
  name       = "boom"
  depends_on = [hangartest_thing.ok, terraform_data.seed]
}}
"#
    )
}

fn with_mode(mode: &str) -> Work {
    let mut w = work(&config());
    w.run(&["init"]).expect(0);
    w.extra_env
        .push((hangar_testkit::test_plugin::MODE_ENV.into(), mode.into()));
    w
}

fn crash() {
    let w = with_mode("crash-on-apply:boom");
    let r = w.run(&["apply", "-auto-approve"]).expect(1);
    assert!(
        r.stderr.contains("hangartest_thing.boom")
            && r.stderr.contains("provider hangartest")
            && r.stderr.contains("crashed during ApplyResourceChange")
            && r.stderr.contains("panic: test plugin crashed"),
        "{}",
        r.all()
    );
    // The operations that finished before the crash are in state.
    assert!(w.instance("terraform_data.seed").is_some());
    let ok = w.instance("hangartest_thing.ok").expect("ok kept");
    assert_eq!(ok["attributes"]["name"], "fine");
    assert!(w.instance("hangartest_thing.boom").is_none());

    // Without the fault, the next apply finishes the rest.
    let mut w = w;
    w.extra_env.clear();
    let r = w.run(&["apply", "-auto-approve"]).expect(0);
    assert!(
        r.stdout
            .contains("Resources: 1 added, 0 changed, 0 destroyed."),
        "{}",
        r.all()
    );
    w.run(&["destroy", "-auto-approve"]).expect(0);
}

fn hang() {
    let mut w = with_mode("hang-on-apply");
    w.extra_env
        .push(("HANGAR_PLUGIN_TIMEOUT".into(), "2s".into()));
    let start = std::time::Instant::now();
    let r = w.run(&["apply", "-auto-approve"]).expect(1);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "gave up in time"
    );
    assert!(
        r.stderr.contains("hangartest_thing.ok")
            && r.stderr.contains("provider hangartest")
            && r.stderr
                .contains("did not answer ApplyResourceChange within 2s"),
        "{}",
        r.all()
    );
    assert!(w.instance("terraform_data.seed").is_some());
    assert!(w.instance("hangartest_thing.boom").is_none());
}

fn bad_handshake() {
    let w = with_mode("bad-handshake");
    let r = w.run(&["plan"]).expect(1);
    assert!(
        r.stderr.contains("Failed to start provider plugin")
            && r.stderr
                .contains("provider hangartest: bad plugin handshake"),
        "{}",
        r.all()
    );
}

fn bad_value() {
    let w = with_mode("bad-value");
    let r = w.run(&["apply", "-auto-approve"]).expect(1);
    assert!(
        r.stderr.contains("hangartest_thing.ok")
            && r.stderr.contains("provider hangartest")
            && r.stderr.contains("does not match the schema"),
        "{}",
        r.all()
    );
    assert!(w.instance("terraform_data.seed").is_some());
}
