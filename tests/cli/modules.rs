//! Module blocks: inputs and outputs, count/for_each, nested addresses, moved/removed/import
//! blocks, and errors located inside modules.

use super::{work, Work};

const NET: &str = r#"
variable "prefix" {
  type        = string
  description = "Name prefix."
  validation {
    condition     = length(var.prefix) > 1
    error_message = "prefix needs at least two characters"
  }
}
locals {
  label = "${var.prefix}-net"
}
resource "terraform_data" "this" {
  input = local.label
}
module "inner" {
  source = "./inner"
  name   = terraform_data.this.output
}
output "id" {
  value = terraform_data.this.id
}
output "label" {
  value = module.inner.label
}
"#;

const INNER: &str = r#"
variable "name" {
  type = string
}
resource "terraform_data" "leaf" {
  input = "leaf-${var.name}"
}
output "label" {
  value = terraform_data.leaf.output
}
"#;

const ROOT: &str = r#"
variable "names" {
  default = ["aa", "bb"]
}
module "net" {
  source = "./modules/net"
  prefix = "root"
}
module "many" {
  source   = "./modules/net"
  for_each = toset(var.names)
  prefix   = each.key
}
module "counted" {
  source = "./modules/net"
  count  = 2
  prefix = "c${count.index}"
}
output "net_label" {
  value = module.net.label
}
output "many" {
  value = { for k, m in module.many : k => m.label }
}
output "counted" {
  value = module.counted[*].label
}
output "indexed" {
  value = [module.counted[1].label, module.many["bb"].label]
}
"#;

fn modules_work() -> Work {
    work(&[
        ("main.tf", ROOT),
        ("modules/net/main.tf", NET),
        ("modules/net/inner/main.tf", INNER),
    ])
}

fn state_addresses(w: &Work) -> Vec<String> {
    let out = w.run(&["state", "list"]).expect(0).stdout;
    out.lines().map(str::to_string).collect()
}

fn ids(w: &Work) -> std::collections::BTreeMap<String, String> {
    let st = w.state();
    st["resources"]
        .as_object()
        .expect("resources")
        .iter()
        .map(|(k, r)| {
            let id = r["attributes"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (k.clone(), id)
        })
        .collect()
}

#[test]
fn module_inputs_outputs_count_for_each_and_nested_addresses() {
    let w = modules_work();
    let plan = w.run(&["plan", "--json"]).expect(0);
    let json: serde_json::Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    let changes = json["resource_changes"].as_array().expect("changes");
    let nested = changes
        .iter()
        .find(|c| c["address"] == "module.many[\"aa\"].module.inner.terraform_data.leaf")
        .expect("nested instance planned");
    assert_eq!(nested["module_address"], "module.many[\"aa\"].module.inner");
    assert_eq!(changes.len(), 10, "5 module instances × 2 resources");

    w.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(
        state_addresses(&w),
        [
            "module.counted[0].module.inner.terraform_data.leaf",
            "module.counted[0].terraform_data.this",
            "module.counted[1].module.inner.terraform_data.leaf",
            "module.counted[1].terraform_data.this",
            "module.many[\"aa\"].module.inner.terraform_data.leaf",
            "module.many[\"aa\"].terraform_data.this",
            "module.many[\"bb\"].module.inner.terraform_data.leaf",
            "module.many[\"bb\"].terraform_data.this",
            "module.net.module.inner.terraform_data.leaf",
            "module.net.terraform_data.this",
        ]
    );
    let out: serde_json::Value =
        serde_json::from_str(&w.run(&["output", "--json"]).expect(0).stdout).expect("outputs");
    assert_eq!(out["net_label"]["value"], "leaf-root-net");
    assert_eq!(out["many"]["value"]["bb"], "leaf-bb-net");
    assert_eq!(
        out["indexed"]["value"],
        serde_json::json!(["leaf-c1-net", "leaf-bb-net"])
    );
    assert_eq!(
        out["counted"]["value"],
        serde_json::json!(["leaf-c0-net", "leaf-c1-net"])
    );
    w.run(&["plan", "--detailed-exitcode"]).expect(0);

    let shrunk = ROOT
        .replace("count  = 2", "count  = 1")
        .replace("module.counted[1].label", "module.counted[0].label");
    w.write("main.tf", &shrunk);
    let shrink = w.run(&["plan", "--json"]).expect(0);
    let json: serde_json::Value = serde_json::from_str(&shrink.stdout).expect("plan JSON");
    let gone: Vec<_> = json["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["change"]["actions"] == serde_json::json!(["delete"]))
        .map(|c| (c["address"].clone(), c["action_reason"].clone()))
        .collect();
    assert_eq!(gone.len(), 2, "{gone:?}");
    assert!(gone.iter().all(|(a, r)| a
        .as_str()
        .is_some_and(|a| a.starts_with("module.counted[1]."))
        && r == "delete_because_no_module"));
}

#[test]
fn moved_blocks_rename_modules_and_resources_without_destroying() {
    let w = work(&[
        (
            "main.tf",
            r#"
module "old" {
  source = "./modules/inner"
  name   = "x"
}
resource "terraform_data" "a" {
  count = 2
  input = count.index
}
"#,
        ),
        ("modules/inner/main.tf", INNER),
    ]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    let before = ids(&w);
    w.write(
        "main.tf",
        r#"
module "new" {
  source = "./modules/inner"
  name   = "x"
}
moved {
  from = module.old
  to   = module.new
}
module "wrapped" {
  source = "./modules/wrap"
}
moved {
  from = terraform_data.a
  to   = module.wrapped.terraform_data.b
}
"#,
    );
    w.write(
        "modules/wrap/main.tf",
        "resource \"terraform_data\" \"b\" {\n  count = 2\n  input = count.index\n}\n",
    );
    let plan = w.run(&["plan"]).expect(0);
    assert!(
        plan.stdout.contains(
            "# module.old.terraform_data.leaf has moved to module.new.terraform_data.leaf"
        ),
        "{}",
        plan.stdout
    );
    assert!(plan
        .stdout
        .contains("# terraform_data.a[1] has moved to module.wrapped.terraform_data.b[1]"));
    assert!(plan.stdout.contains("0 to add, 0 to change, 0 to destroy"));
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["plan", "--json"]).expect(0).stdout).expect("JSON");
    let moved = json["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["address"] == "module.wrapped.terraform_data.b[0]")
        .expect("moved change");
    assert_eq!(moved["previous_address"], "terraform_data.a[0]");
    assert_eq!(moved["change"]["actions"], serde_json::json!(["no-op"]));

    w.run(&["apply", "--auto-approve"]).expect(0);
    let after = ids(&w);
    assert_eq!(
        after["module.new.terraform_data.leaf"],
        before["module.old.terraform_data.leaf"]
    );
    assert_eq!(
        after["module.wrapped.terraform_data.b[1]"],
        before["terraform_data.a[1]"]
    );
    assert_eq!(after.len(), 3);
    w.run(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn removed_block_forgets_without_destroying_and_import_block_adopts() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"keep\" {\n  input = 1\n}\n",
    )]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    w.write(
        "main.tf",
        r#"
removed {
  from = terraform_data.keep
  lifecycle {
    destroy = false
  }
}
import {
  to = terraform_data.adopted["k"]
  id = "existing-id"
}
resource "terraform_data" "adopted" {
  for_each = toset(["k"])
  input    = "v"
}
"#,
    );
    let plan = w.run(&["plan"]).expect(0);
    assert!(plan.stdout.contains(
        "# terraform_data.keep will no longer be managed by Hangar, but will not be destroyed"
    ));
    assert!(
        plan.stdout.contains("# (imported from \"existing-id\")"),
        "{}",
        plan.stdout
    );
    assert!(plan
        .stdout
        .contains("Plan: 1 to import, 0 to add, 1 to change, 0 to destroy."));
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["plan", "--json"]).expect(0).stdout).expect("JSON");
    let changes = json["resource_changes"].as_array().expect("changes");
    let forget = changes
        .iter()
        .find(|c| c["address"] == "terraform_data.keep")
        .expect("forget");
    assert_eq!(forget["change"]["actions"], serde_json::json!(["forget"]));
    let imp = changes
        .iter()
        .find(|c| c["address"] == "terraform_data.adopted[\"k\"]")
        .expect("import");
    assert_eq!(imp["change"]["importing"]["id"], "existing-id");
    assert_eq!(imp["change"]["actions"], serde_json::json!(["update"]));

    let apply = w.run(&["apply", "--auto-approve"]).expect(0);
    assert!(apply
        .stdout
        .contains("Resources: 1 imported, 0 added, 1 changed, 0 destroyed."));
    let st = w.state();
    let resources = st["resources"].as_object().expect("resources");
    assert!(!resources.contains_key("terraform_data.keep"));
    let adopted = &resources["terraform_data.adopted[\"k\"]"];
    assert_eq!(adopted["attributes"]["id"], "existing-id");
    assert_eq!(adopted["attributes"]["input"], "v");
    w.run(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn errors_inside_modules_point_at_the_module_file_and_the_call() {
    let w = modules_work();
    w.write(
        "main.tf",
        "module \"net\" {\n  source = \"./modules/net\"\n  prefix = \"x\"\n  bogus  = 1\n}\n",
    );
    let bad = w.run(&["plan"]).expect(1);
    assert!(
        bad.stderr
            .contains("An argument named \"bogus\" is not expected here"),
        "{}",
        bad.stderr
    );
    assert!(bad.stderr.contains("main.tf:4:"), "{}", bad.stderr);

    w.write(
        "main.tf",
        "module \"net\" {\n  source = \"./modules/net\"\n  prefix = \"x\"\n}\n",
    );
    let invalid = w.run(&["plan"]).expect(1);
    assert!(
        invalid
            .stderr
            .contains("prefix needs at least two characters"),
        "{}",
        invalid.stderr
    );
    assert!(
        invalid.stderr.contains("on modules/net/main.tf:2:1"),
        "{}",
        invalid.stderr
    );
    assert!(invalid
        .stderr
        .contains("In module.net (module block at main.tf:1:1)."));
    let validated = w.run(&["validate"]).expect(1);
    assert!(validated
        .stderr
        .contains("prefix needs at least two characters"));

    w.write(
        "modules/net/inner/main.tf",
        &INNER.replace("\"leaf-${var.name}\"", "tonumber(\"abc\")"),
    );
    w.write(
        "main.tf",
        "module \"net\" {\n  source = \"./modules/net\"\n  prefix = \"xy\"\n}\n",
    );
    let typed = w.run(&["plan"]).expect(1);
    assert!(
        typed.stderr.contains("on modules/net/inner/main.tf:6:20"),
        "{}",
        typed.stderr
    );
    assert!(typed.stderr.contains(
        "In module.net.module.inner (module block at modules/net/main.tf:16:1), called from module.net (module block at main.tf:1:1)."
    ), "{}", typed.stderr);

    w.write("main.tf", "module \"net\" {\n  source = \"./nowhere\"\n}\n");
    let missing = w.run(&["plan"]).expect(1);
    assert!(
        missing.stderr.contains("Module not found"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_module_directory_validates_alone() {
    let w = modules_work();
    let validate = || {
        let mut c = std::process::Command::new(super::bin());
        c.arg("-C")
            .arg(w.path().join("modules/net"))
            .arg("validate");
        super::Run::from(c.env("NO_COLOR", "1").output().expect("run hangar"))
    };
    let out = validate().expect(0);
    assert!(out.stdout.contains("The configuration is valid"));
    w.write(
        "modules/net/inner/main.tf",
        &INNER.replace("input = \"leaf-${var.name}\"", "nope  = 1"),
    );
    let bad = validate().expect(1);
    assert!(
        bad.stderr.contains("on inner/main.tf:6:3"),
        "{}",
        bad.stderr
    );
}

#[test]
fn init_installs_git_sources_at_the_locked_commit() {
    let repo = tempfile::tempdir().expect("tempdir");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(repo.path())
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let module = |input: &str| {
        std::fs::create_dir_all(repo.path().join("net")).expect("mkdir");
        let text = format!(
            "variable \"n\" {{}}\nresource \"terraform_data\" \"x\" {{\n  input = {input}\n}}\noutput \"v\" {{\n  value = terraform_data.x.output\n}}\n"
        );
        std::fs::write(repo.path().join("net/main.tf"), text).expect("write");
    };
    git(&["init", "-q"]);
    module("var.n");
    git(&["add", "-A"]);
    git(&["commit", "-qm", "v1"]);
    git(&["tag", "v1"]);
    let source = format!("git::file://{}//net?ref=v1", repo.path().display());
    let w = work(&[(
        "main.tf",
        &format!("module \"net\" {{\n  source = \"{source}\"\n  n      = \"hi\"\n}}\noutput \"v\" {{\n  value = module.net.v\n}}\n"),
    )]);
    let before = w.run(&["plan"]).expect(1);
    assert!(
        before.stderr.contains("run `hangar init`"),
        "{}",
        before.stderr
    );
    let init = w.run(&["init"]).expect(0);
    assert!(
        init.stdout.contains("- net in .hangar/modules/"),
        "{}",
        init.stdout
    );
    let lock: serde_json::Value =
        serde_json::from_str(&w.read(".hangar.lock.json")).expect("lock file is JSON");
    let commit = lock["modules"][&source]["commit"]
        .as_str()
        .expect("commit")
        .to_string();
    assert_eq!(commit.len(), 40);

    module("\"v2-${var.n}\"");
    git(&["commit", "-qam", "v2"]);
    git(&["tag", "-f", "v1"]);
    w.run(&["init"]).expect(0);
    w.run(&["apply", "--auto-approve"]).expect(0);
    let out: serde_json::Value =
        serde_json::from_str(&w.run(&["output", "--json"]).expect(0).stdout).expect("JSON");
    assert_eq!(out["v"]["value"], "hi", "the lock keeps the first commit");

    w.run(&["init", "--upgrade"]).expect(0);
    let plan = w.run(&["plan"]).expect(0);
    assert!(
        plan.stdout.contains("\"hi\" -> \"v2-hi\""),
        "{}",
        plan.stdout
    );
}

#[test]
fn check_blocks_warn_without_failing_and_module_providers_must_be_passed() {
    let w = work(&[
        (
            "main.tf",
            r#"
resource "terraform_data" "a" {
  input = "actual"
}
check "input_is_expected" {
  assert {
    condition     = terraform_data.a.input == "expected"
    error_message = "terraform_data.a carries ${terraform_data.a.input}, not expected"
  }
}
module "m" {
  source = "./m"
}
"#,
        ),
        (
            "m/main.tf",
            r#"
check "inside" {
  assert {
    condition     = 1 + 1 == 3
    error_message = "arithmetic still works"
  }
}
"#,
        ),
    ]);
    let plan = w.run(&["plan"]).expect(0);
    assert!(
        plan.stderr
            .contains("Warning: Check block assertion failed: check.input_is_expected"),
        "{}",
        plan.stderr
    );
    assert!(plan
        .stderr
        .contains("terraform_data.a carries actual, not expected"));
    assert!(plan.stderr.contains("arithmetic still works"));
    assert!(plan
        .stderr
        .contains("In module.m (module block at main.tf:11:1)."));
    w.run(&["apply", "--auto-approve"]).expect(0);

    w.write(
        "m/main.tf",
        "resource \"terraform_data\" \"x\" {\n  provider = terraform.other\n}\n",
    );
    let missing = w.run(&["plan"]).expect(1);
    assert!(
        missing
            .stderr
            .contains("Provider configuration not present"),
        "{}",
        missing.stderr
    );
    assert!(missing
        .stderr
        .contains("module.m uses provider terraform.other"));
    w.write("m/main.tf", "provider \"terraform\" {}\n");
    let declared = w.run(&["plan"]).expect(1);
    assert!(declared
        .stderr
        .contains("Provider configuration in a called module"));
}

#[test]
fn state_mv_and_rm_take_module_and_whole_resource_addresses() {
    let w = modules_work();
    w.run(&["apply", "--auto-approve"]).expect(0);
    let before = ids(&w);
    let mv = w
        .run(&["state", "mv", "module.many", "module.renamed"])
        .expect(0);
    assert!(
        mv.stdout.contains("Successfully moved 4 object(s)."),
        "{}",
        mv.stdout
    );
    let after = ids(&w);
    assert_eq!(
        after["module.renamed[\"aa\"].module.inner.terraform_data.leaf"],
        before["module.many[\"aa\"].module.inner.terraform_data.leaf"]
    );
    assert!(!after.keys().any(|k| k.starts_with("module.many")));
    let rm = w.run(&["state", "rm", "module.counted"]).expect(0);
    assert!(rm
        .stdout
        .contains("Successfully removed 4 resource instance(s)."));
    assert_eq!(state_addresses(&w).len(), 6);
    w.run(&["state", "rm", "module.counted"]).expect(1);
}

#[test]
fn a_moved_block_inside_a_module_applies_in_every_instance_and_depends_on_waits() {
    let w = work(&[
        (
            "main.tf",
            r#"
resource "terraform_data" "first" {
  input = "first"
}
module "m" {
  source     = "./m"
  for_each   = { a = "x", b = "y" }
  value      = each.value
  depends_on = [terraform_data.first]
}
output "values" {
  value = { for k, m in module.m : k => m.value }
}
"#,
        ),
        (
            "m/main.tf",
            "variable \"value\" {}\nresource \"terraform_data\" \"old\" {\n  input = var.value\n}\noutput \"value\" {\n  value = terraform_data.old.output\n}\n",
        ),
    ]);
    let apply = w.run(&["apply", "--auto-approve"]).expect(0);
    let first_done = apply
        .stdout
        .find("terraform_data.first: Creation complete")
        .expect("first created");
    let module_start = apply
        .stdout
        .find("module.m[\"a\"].terraform_data.old: Creating...")
        .expect("module resource created");
    assert!(first_done < module_start, "{}", apply.stdout);
    let before = ids(&w);
    w.write(
        "m/main.tf",
        "variable \"value\" {}\nresource \"terraform_data\" \"new\" {\n  input = var.value\n}\nmoved {\n  from = terraform_data.old\n  to   = terraform_data.new\n}\noutput \"value\" {\n  value = terraform_data.new.output\n}\n",
    );
    let plan = w.run(&["plan"]).expect(0);
    assert!(plan.stdout.contains(
        "# module.m[\"b\"].terraform_data.old has moved to module.m[\"b\"].terraform_data.new"
    ));
    w.run(&["apply", "--auto-approve"]).expect(0);
    let after = ids(&w);
    assert_eq!(
        after["module.m[\"a\"].terraform_data.new"],
        before["module.m[\"a\"].terraform_data.old"]
    );
    assert_eq!(
        after["module.m[\"b\"].terraform_data.new"],
        before["module.m[\"b\"].terraform_data.old"]
    );
    let out: serde_json::Value =
        serde_json::from_str(&w.run(&["output", "--json"]).expect(0).stdout).expect("JSON");
    assert_eq!(
        out["values"]["value"],
        serde_json::json!({"a": "x", "b": "y"})
    );
}

#[test]
fn module_validation_rules_may_refer_to_the_modules_other_variables() {
    let module = r#"
variable "min" {
  type    = number
  default = 1
}
variable "max" {
  type    = number
  default = 4
}
variable "desired" {
  type = number
  validation {
    condition     = var.desired >= var.min && var.desired <= var.max
    error_message = "desired must lie between ${var.min} and ${var.max}."
  }
}
"#;
    let w = work(&[
        ("m/main.tf", module),
        (
            "main.tf",
            "module \"m\" {\n  source  = \"./m\"\n  desired = 7\n}\n",
        ),
    ]);
    for cmd in ["validate", "plan"] {
        let out = w.run(&[cmd]).expect(1);
        assert!(
            out.stderr.contains("desired must lie between 1 and 4."),
            "{cmd}: {}",
            out.stderr
        );
    }
    w.write(
        "main.tf",
        "module \"m\" {\n  source  = \"./m\"\n  desired = 7\n  max     = 8\n}\n",
    );
    w.run(&["validate"]).expect(0);
    w.run(&["plan"]).expect(0);
}
