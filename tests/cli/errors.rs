//! Bad input: every problem reported at once, located with file:line:col and a caret.

use crate::work;

#[test]
fn syntax_errors_point_at_the_spot() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = (\n}\n",
    )]);
    let out = w.run(&["plan"]).expect(1);
    assert!(
        out.stderr.contains("Error: Invalid syntax") || out.stderr.contains("Error:"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("main.tf:"), "{}", out.stderr);
    assert!(out.stderr.contains('^'), "caret: {}", out.stderr);
    assert!(!w.path().join("hangar.tfstate").exists(), "nothing written");
}

#[test]
fn every_configuration_error_is_reported_with_its_location() {
    let w = work(&[(
        "main.tf",
        r#"resource "terraform_data" "a" {
  inptu = "typo"
}

resource "terraform_data" "b" {
  input = var.missing
}

output "o" {
  value = terraform_data.nope.id
}
"#,
    )]);
    let out = w.run(&["plan"]).expect(1);
    let e = &out.stderr;
    assert!(
        e.contains("Unsupported argument") && e.contains("main.tf:2:3"),
        "{e}"
    );
    assert!(
        e.contains("Reference to undeclared input variable") && e.contains("main.tf:6:"),
        "{e}"
    );
    assert!(
        e.contains("Reference to undeclared resource") && e.contains("main.tf:10:"),
        "{e}"
    );
    assert!(
        e.contains("  2 |   inptu = \"typo\""),
        "source line quoted: {e}"
    );
}

#[test]
fn variable_type_errors_name_the_variable() {
    let w = work(&[(
        "main.tf",
        "variable \"n\" {\n  type = number\n}\nresource \"terraform_data\" \"a\" {\n  input = var.n\n}\n",
    )]);
    let out = w.run(&["plan", "--var", "n=abc"]).expect(1);
    assert!(
        out.stderr.contains("Invalid value for input variable"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("var.n"), "{}", out.stderr);
    let missing = w.run(&["plan"]).expect(1);
    assert!(
        missing.stderr.contains("No value for required variable"),
        "{}",
        missing.stderr
    );
}

#[test]
fn cycles_name_every_address_with_locations() {
    let w = work(&[(
        "main.tf",
        r#"resource "terraform_data" "a" {
  input = terraform_data.c.id
}
resource "terraform_data" "b" {
  input = terraform_data.a.id
}
resource "terraform_data" "c" {
  input = terraform_data.b.id
}
"#,
    )]);
    let out = w.run(&["plan"]).expect(1);
    for addr in [
        "terraform_data.a (main.tf:1:1)",
        "terraform_data.b (main.tf:4:1)",
        "terraform_data.c (main.tf:7:1)",
    ] {
        assert!(out.stderr.contains(addr), "{addr} in {}", out.stderr);
    }
    assert!(out.stderr.contains("Cycle"), "{}", out.stderr);
}

#[test]
fn cycles_through_locals_and_modules_name_where_each_is_declared() {
    let w = work(&[
        (
            "main.tf",
            r#"locals {
  a = local.b
  b = module.m.out
}
module "m" {
  source = "./m"
  in     = local.a
}
"#,
        ),
        (
            "m/main.tf",
            "variable \"in\" {}\noutput \"out\" {\n  value = var.in\n}\n",
        ),
    ]);
    let out = w.run(&["plan"]).expect(1);
    for at in [
        "local.a (main.tf:2:3)",
        "local.b (main.tf:3:3)",
        "module.m.var.in (m/main.tf:1:1)",
        "module.m.output.out (m/main.tf:2:1)",
    ] {
        assert!(out.stderr.contains(at), "{at} in {}", out.stderr);
    }
}

#[test]
fn a_large_file_parsed_in_pieces_reports_each_mistake_where_it_is_in_order() {
    // About 600 KB: cut into pieces parsed (and their resource blocks taken apart) on every
    // core. Line 1 is an argument no file takes; block r{i} holds lines 2+3i to 4+3i.
    let mut text = String::from("x = 1\n");
    for i in 0..12_000 {
        text += &format!("resource \"terraform_data\" \"r{i}\" {{\n  input = \"{i}\"\n}}\n");
    }
    text += "resource \"terraform_data\" \"both\" {\n  count    = 1\n  for_each = {}\n}\n";
    text += "resource \"terraform_data\" \"r5\" {\n}\n";
    let w = work(&[("main.tf", &text)]);
    let out = w.run(&["validate"]).expect(1);
    let at = |what: &str| {
        out.stderr
            .find(what)
            .unwrap_or_else(|| panic!("{what} in {}", out.stderr))
    };
    let unsupported = at("Unsupported argument");
    let both = at("Invalid combination of \"count\" and \"for_each\"");
    let duplicate = at("Duplicate resource \"terraform_data\" configuration");
    assert!(unsupported < both && both < duplicate, "{}", out.stderr);
    for place in ["main.tf:1:1", "main.tf:36002:1", "main.tf:36006:1"] {
        assert!(out.stderr.contains(place), "{place} in {}", out.stderr);
    }
}

#[test]
fn invalid_count_is_refused() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  count = -1\n}\n",
    )]);
    let out = w.run(&["plan"]).expect(1);
    assert!(
        out.stderr.contains("Invalid count argument"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("main.tf:2:11"), "{}", out.stderr);
}

#[test]
fn unknown_resource_types_are_reported() {
    let w = work(&[("main.tf", "resource \"nosuch_thing\" \"a\" {}\n")]);
    let out = w.run(&["plan"]).expect(1);
    assert!(out.stderr.contains("nosuch"), "{}", out.stderr);
}

#[test]
fn a_variable_validation_may_refer_to_its_own_variable() {
    let w = work(&[(
        "main.tf",
        "variable \"n\" {\n  default = 5\n  validation {\n    condition     = var.n > 3\n    error_message = \"Too small.\"\n  }\n}\n",
    )]);
    w.run(&["plan"]).expect(0);
    let out = w.run(&["plan", "--var", "n=1"]).expect(1);
    assert!(out.stderr.contains("Too small."), "{}", out.stderr);
}

#[test]
fn root_variable_validation_may_refer_to_other_variables() {
    let w = work(&[(
        "main.tf",
        "variable \"min\" {\n  default = 3\n}\nvariable \"n\" {\n  default = 1\n  validation {\n    condition     = var.n >= var.min\n    error_message = \"n must be at least ${var.min}.\"\n  }\n}\n",
    )]);
    let out = w.run(&["plan"]).expect(1);
    assert!(
        out.stderr.contains("n must be at least 3."),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("on main.tf:4:1"), "{}", out.stderr);
    w.run(&["plan", "--var", "min=1"]).expect(0);
}
