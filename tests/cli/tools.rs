//! validate, fmt, graph, console, output, state commands.

use std::io::Write;
use std::process::Stdio;

use crate::work;

#[test]
fn validate_reports_schema_errors_without_state() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  id = \"x\"\n}\n",
    )]);
    let out = w.run(&["validate"]).expect(1);
    assert!(
        out.stderr.contains("read-only") || out.stderr.contains("Invalid or unknown key"),
        "{}",
        out.stderr
    );
    w.write(
        "main.tf",
        "variable \"v\" {}\nresource \"terraform_data\" \"a\" {\n  input = var.v\n}\n",
    );
    let ok = w.run(&["validate"]).expect(0);
    assert!(ok.stdout.contains("Success"), "{}", ok.stdout);
    assert!(!w.path().join("hangar.tfstate").exists());
}

#[test]
fn validate_accepts_module_counts_that_depend_on_variables() {
    // Terraform's validate has no variable values: a module called `count = var.on ? 1 : 0`
    // is validated once, not refused as an unpredictable count; its body is still checked.
    let main = "variable \"on\" {\n  type = bool\n}\nmodule \"m\" {\n  source = \"./m\"\n  count  = var.on ? 1 : 0\n  name   = \"x\"\n}\n";
    let child =
        "variable \"name\" {}\nresource \"terraform_data\" \"a\" {\n  input = var.name\n}\n";
    let w = work(&[("main.tf", main), ("m/main.tf", child)]);
    let ok = w.run(&["validate"]).expect(0);
    assert!(ok.stdout.contains("Success"), "{}", ok.all());
    w.write(
        "m/main.tf",
        "variable \"name\" {}\nresource \"terraform_data\" \"a\" {\n  id = var.name\n}\n",
    );
    let bad = w.run(&["validate"]).expect(1);
    assert!(bad.stderr.contains("m/main.tf"), "{}", bad.all());
}

#[test]
fn graph_prints_dot_with_dependency_edges() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {}\nresource \"terraform_data\" \"b\" {\n  input = terraform_data.a.id\n}\n",
    )]);
    let out = w.run(&["graph"]).expect(0);
    assert!(out.stdout.starts_with("digraph {"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("\"terraform_data.b\" -> \"terraform_data.a\""),
        "{}",
        out.stdout
    );
}

#[test]
fn console_evaluates_against_state_and_variables() {
    let w = work(&[(
        "main.tf",
        "variable \"n\" {\n  default = 3\n}\nlocals {\n  twice = var.n * 2\n}\nresource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n",
    )]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    let mut child = w
        .cmd(&["console"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"local.twice\nterraform_data.a.output\n[var.n, \"a\"]\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text, "6\n\"x\"\n[\n  3,\n  \"a\",\n]\n");
}

#[test]
fn state_mv_and_rm_edit_state() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = 1\n}\n",
    )]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    w.run(&["state", "mv", "terraform_data.a", "terraform_data.b"])
        .expect(0);
    assert_eq!(
        w.run(&["state", "list"]).expect(0).stdout,
        "terraform_data.b\n"
    );
    let show = w.run(&["state", "show", "terraform_data.b"]).expect(0);
    assert!(show.stdout.contains("input  = 1"), "{}", show.stdout);
    w.run(&["state", "rm", "terraform_data.b"]).expect(0);
    assert_eq!(w.run(&["state", "list"]).expect(0).stdout, "");
    w.run(&["state", "rm", "terraform_data.b"]).expect(1);
}

#[test]
fn output_prints_values_as_terraform_does() {
    let w = work(&[(
        "main.tf",
        "output \"s\" {\n  value = \"text\"\n}\noutput \"l\" {\n  value = [1, 2]\n}\n",
    )]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(w.run(&["output", "--raw", "s"]).expect(0).stdout, "text");
    assert_eq!(w.run(&["output", "s"]).expect(0).stdout, "\"text\"\n");
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["output", "--json"]).expect(0).stdout).expect("json");
    assert_eq!(json["l"]["value"], serde_json::json!([1, 2]));
    w.run(&["output", "nope"]).expect(1);
}

#[test]
fn fmt_check_reports_and_fmt_rewrites() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\ninput = 1\n  triggers_replace = 2\n}\n",
    )]);
    let check = w.run(&["fmt", "--check"]).expect(3);
    assert_eq!(check.stdout, "main.tf\n");
    w.run(&["fmt"]).expect(0);
    assert_eq!(
        w.read("main.tf"),
        "resource \"terraform_data\" \"a\" {\n  input            = 1\n  triggers_replace = 2\n}\n"
    );
    w.run(&["fmt", "--check"]).expect(0);
    w.write("bad.tf", "resource {\n");
    let bad = w.run(&["fmt"]).expect(2);
    assert!(bad.stderr.contains("bad.tf"), "{}", bad.stderr);
    assert_eq!(w.read("bad.tf"), "resource {\n");
}

#[test]
fn fmt_diff_prints_a_unified_diff_like_terraform() {
    // Formatting unwraps a multi-line legacy interpolation, so the file loses two lines and the
    // hunks after it must still line up. The expected text is what `terraform fmt -diff
    // -write=false -recursive` (1.15.5) printed for this file.
    let input = "locals {\n  a = \"${\n    var.a\n  }\"\n  bb   = 2\n}\n\n\
                 resource \"null_resource\" \"x\" {\n  count = 1\n\n\n\n\n\n  \
                 triggers = {\n  k = \"v\"\n  }\n}\n";
    let w = work(&[("sub/main.tf", input)]);
    let run = w
        .run(&["fmt", "--check", "--diff", "--recursive"])
        .expect(3);
    assert_eq!(
        run.stdout,
        "sub/main.tf
--- old/sub/main.tf
+++ new/sub/main.tf
@@ -1,8 +1,6 @@
 locals {
-  a = \"${
-    var.a
-  }\"
-  bb   = 2
+  a  = var.a
+  bb = 2
 }
 
 resource \"null_resource\" \"x\" {
@@ -13,6 +11,6 @@
 
 
   triggers = {
-  k = \"v\"
+    k = \"v\"
   }
 }
"
    );
    assert_eq!(
        w.read("sub/main.tf"),
        input,
        "--check leaves the file as it is"
    );
}

#[test]
fn import_adopts_an_object_into_state_once() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n",
    )]);
    let out = w
        .run(&["import", "terraform_data.a", "existing-id"])
        .expect(0);
    assert!(out.stdout.contains("Import successful!"), "{}", out.stdout);
    assert_eq!(
        w.state()["resources"]["terraform_data.a"]["attributes"]["id"],
        "existing-id"
    );
    let again = w
        .run(&["import", "terraform_data.a", "existing-id"])
        .expect(1);
    assert!(
        again.stderr.contains("already managing"),
        "{}",
        again.stderr
    );
    let missing = w.run(&["import", "terraform_data.nope", "x"]).expect(1);
    assert!(
        missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );
}

#[test]
fn drift_on_a_clean_workspace_exits_zero_with_valid_reports() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = 1\n}\n",
    )]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    let out = w
        .run(&["drift", "--json", "--junit", "drift.xml"])
        .expect(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON report");
    assert_eq!(report["format_version"], "1.0");
    assert_eq!(report["summary"]["drift"], 0);
    let junit = w.read("drift.xml");
    assert!(
        junit.contains("<testcase name=\"terraform_data.a\" classname=\"hangar.drift.default\">"),
        "{junit}"
    );
    assert!(junit.contains("failures=\"0\""), "{junit}");
    let state_before = w.read("hangar.tfstate");
    w.run(&["drift"]).expect(0);
    assert_eq!(
        w.read("hangar.tfstate"),
        state_before,
        "drift writes nothing"
    );
}

#[test]
fn drift_fails_on_an_expired_allowlist_entry() {
    let w = work(&[
        ("main.tf", "resource \"terraform_data\" \"a\" {}\n"),
        ("ci/allow.hcl", "allow {\n  address = \"terraform_data.*\"\n  reason  = \"old\"\n  expires = \"2020-01-01\"\n}\n"),
    ]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    let out = w.run(&["drift", "--allow", "ci/allow.hcl"]).expect(2);
    assert!(out.stdout.contains("EXPIRED"), "{}", out.stdout);
    w.write("ci/bad.hcl", "allow {\n  address = 1\n}\n");
    w.run(&["drift", "--allow", "ci/bad.hcl"]).expect(1);
}

#[test]
fn pending_configuration_is_not_drift() {
    let w = work(&[("main.tf", "resource \"terraform_data\" \"a\" {}\n")]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    w.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {}\nresource \"terraform_data\" \"b\" {}\n",
    );
    let out = w.run(&["drift", "--json"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON report");
    assert_eq!(report["summary"]["pending"], 1);
    assert_eq!(report["pending"][0]["address"], "terraform_data.b");
}

#[test]
fn state_pull_and_push_round_trip_and_init_migrates_between_backends() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = 1\n}\n",
    )]);
    w.run(&["init"]).expect(0);
    w.run(&["apply", "--auto-approve"]).expect(0);
    let pulled = w.run(&["state", "pull"]).expect(0).stdout;
    let doc: serde_json::Value = serde_json::from_str(&pulled).expect("state JSON");
    assert!(doc["resources"]["terraform_data.a"].is_object());
    w.write("pulled.json", &pulled);
    w.run(&["state", "push", "pulled.json"]).expect(0);
    w.run(&["plan", "--detailed-exitcode"]).expect(0);

    w.write(
        "backend.tf",
        "terraform {\n  backend \"local\" {\n    path = \"moved/hangar.tfstate\"\n  }\n}\n",
    );
    let refused = w.run(&["init"]).expect(1);
    assert!(
        refused.stderr.contains("Backend configuration changed"),
        "{}",
        refused.stderr
    );
    w.run(&["init", "--migrate-state"]).expect(0);
    assert!(w.path().join("moved/hangar.tfstate").exists());
}
