//! Create → no-op re-plan → update → replace → destroy, checked through state and exit codes.

use crate::{work, Work};

const CONFIG: &str = r#"
variable "greeting" {
  type    = string
  default = "hello"
}

variable "generation" {
  type    = number
  default = 1
}

resource "terraform_data" "first" {
  input            = var.greeting
  triggers_replace = [var.generation]
}

resource "terraform_data" "copies" {
  count = 2
  input = "${terraform_data.first.output}-${count.index}"
}

resource "terraform_data" "keyed" {
  for_each = { a = "x", b = "y" }
  input    = each.key
}

output "copies" {
  value = terraform_data.copies[*].output
}
"#;

fn attr(w: &Work, addr: &str, name: &str) -> serde_json::Value {
    w.state()["resources"][addr]["attributes"][name].clone()
}

#[test]
fn full_lifecycle() {
    let w = work(&[("main.tf", CONFIG)]);
    let plan = w.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout
            .contains("Plan: 5 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("# terraform_data.keyed[\"a\"] will be created"),
        "{}",
        plan.stdout
    );

    let apply = w.run(&["apply", "--auto-approve"]).expect(0);
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 5 added, 0 changed, 0 destroyed."),
        "{}",
        apply.stdout
    );
    assert!(
        apply.stdout.contains("\"hello-1\""),
        "outputs printed: {}",
        apply.stdout
    );
    assert_eq!(attr(&w, "terraform_data.copies[1]", "output"), "hello-1");
    assert_eq!(
        w.state()["outputs"]["copies"]["value"],
        serde_json::json!(["hello-0", "hello-1"])
    );
    let first_id = attr(&w, "terraform_data.first", "id");

    let replan = w.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(replan.stdout.contains("No changes."), "{}", replan.stdout);

    let update = w
        .run(&["apply", "--auto-approve", "--var", "greeting=hi"])
        .expect(0);
    assert!(
        update.stdout.contains("0 added, 3 changed, 0 destroyed"),
        "{}",
        update.stdout
    );
    assert_eq!(
        attr(&w, "terraform_data.first", "id"),
        first_id,
        "update keeps the id"
    );
    assert_eq!(attr(&w, "terraform_data.copies[0]", "input"), "hi-0");

    let replace = w
        .run(&["plan", "--var", "greeting=hi", "--var", "generation=2"])
        .expect(0);
    assert!(
        replace
            .stdout
            .contains("# terraform_data.first must be replaced"),
        "{}",
        replace.stdout
    );
    // Terraform renders terraform_data's dynamically typed triggers_replace without
    // "# forces replacement"; the JSON plan's replace_paths still names it.
    assert!(
        replace.stdout.contains("~ triggers_replace = [")
            && !replace.stdout.contains("# forces replacement"),
        "{}",
        replace.stdout
    );
    w.run(&[
        "apply",
        "--auto-approve",
        "--var",
        "greeting=hi",
        "--var",
        "generation=2",
    ])
    .expect(0);
    assert_ne!(
        attr(&w, "terraform_data.first", "id"),
        first_id,
        "replacement has a new id"
    );

    let shrink = CONFIG.replace("count = 2", "count = 1");
    w.write("main.tf", &shrink);
    let plan = w
        .run(&["plan", "--var", "greeting=hi", "--var", "generation=2"])
        .expect(0);
    assert!(
        plan.stdout
            .contains("# (because index [1] is out of range for count)"),
        "{}",
        plan.stdout
    );

    let destroy = w.run(&["destroy", "--auto-approve"]).expect(0);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 5 destroyed."),
        "{}",
        destroy.stdout
    );
    assert_eq!(w.state()["resources"], serde_json::json!({}));
    assert!(w.run(&["state", "list"]).expect(0).stdout.is_empty());
}

#[test]
fn removing_a_resource_from_configuration_destroys_it_after_its_dependents() {
    let w = work(&[(
        "main.tf",
        r#"
resource "terraform_data" "base" { input = "x" }
resource "terraform_data" "top" { input = terraform_data.base.output }
"#,
    )]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    w.write("main.tf", "");
    let out = w.run(&["apply", "--auto-approve"]).expect(0);
    let top = out
        .stdout
        .find("terraform_data.top: Destruction complete")
        .expect("top destroyed");
    let base = out
        .stdout
        .find("terraform_data.base: Destroying")
        .expect("base destroyed");
    assert!(
        top < base,
        "dependents are destroyed first:\n{}",
        out.stdout
    );
}

#[test]
fn sensitive_values_are_redacted_in_plan_and_output() {
    let w = work(&[(
        "main.tf",
        r#"
variable "secret" {
  type      = string
  default   = "hunter2"
  sensitive = true
}
resource "terraform_data" "s" { input = var.secret }
output "leak" {
  value     = terraform_data.s.input
  sensitive = true
}
"#,
    )]);
    let plan = w.run(&["plan"]).expect(0);
    assert!(!plan.stdout.contains("hunter2"), "{}", plan.stdout);
    assert!(plan.stdout.contains("(sensitive value)"), "{}", plan.stdout);
    let apply = w.run(&["apply", "--auto-approve"]).expect(0);
    assert!(!apply.stdout.contains("hunter2"), "{}", apply.stdout);
    assert!(
        apply.stdout.contains("leak = <sensitive>"),
        "{}",
        apply.stdout
    );
    assert_eq!(
        w.run(&["output", "--raw", "leak"]).expect(0).stdout,
        "hunter2"
    );
    let paths = &w.state()["resources"]["terraform_data.s"]["sensitive_paths"];
    assert!(
        paths.as_array().is_some_and(|p| !p.is_empty()),
        "sensitive paths recorded: {paths}"
    );
}

#[test]
fn destroy_works_when_outputs_and_locals_use_resources_that_go_away() {
    let w = work(&[(
        "main.tf",
        r#"
resource "terraform_data" "a" { input = { name = "x" } }
locals { n = terraform_data.a.output.name }
output "name" { value = upper(local.n) }
"#,
    )]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(w.run(&["output", "--raw", "name"]).expect(0).stdout, "X");
    w.run(&["destroy", "--auto-approve"]).expect(0);
    assert_eq!(w.state()["outputs"], serde_json::json!({}));
}

/// Text recorded from `terraform plan -no-color` (Terraform 1.15) for the same change.
#[test]
fn update_plan_aligns_and_hides_like_terraform() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input            = \"x\"\n  triggers_replace = \"t\"\n}\n",
    )]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    w.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input            = \"y\"\n  triggers_replace = \"t\"\n}\n",
    );
    let plan = w.run(&["plan"]).expect(0).stdout;
    let body: Vec<&str> = plan
        .lines()
        .skip_while(|l| !l.contains("# terraform_data.a will be updated in-place"))
        .take(7)
        .collect();
    let id = body[2].split('"').nth(1).unwrap_or_default().to_string();
    assert_eq!(
        body,
        [
            "  # terraform_data.a will be updated in-place",
            "  ~ resource \"terraform_data\" \"a\" {",
            &format!("        id               = \"{id}\""),
            "      ~ input            = \"x\" -> \"y\"",
            "      ~ output           = \"x\" -> (known after apply)",
            "        # (1 unchanged attribute hidden)",
            "    }",
        ]
    );
}
