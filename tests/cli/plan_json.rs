//! `plan --json` against Terraform's own `show -json` for the same configurations.
//!
//! Fixtures in tests/fixtures/plan_json/<case>/terraform.json were recorded from Terraform 1.15
//! by gen.sh. Generated ids (UUIDs) differ between runs and are normalized; everything else in
//! `resource_changes`, `output_changes` and `planned_values` resources must match.

use serde_json::Value as Json;

use crate::{work, Work};

fn fixture(case: &str, file: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/plan_json")
        .join(case)
        .join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn normalize(j: &Json) -> Json {
    match j {
        Json::String(s) if s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4 => {
            Json::String("<uuid>".into())
        }
        Json::Array(xs) => Json::Array(xs.iter().map(normalize).collect()),
        Json::Object(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), normalize(v))).collect()),
        other => other.clone(),
    }
}

fn by_address(j: &Json, key: &str) -> Vec<(String, Json)> {
    let mut v: Vec<(String, Json)> = j[key]
        .as_array()
        .map(|xs| {
            xs.iter()
                .map(|x| {
                    (
                        x["address"].as_str().unwrap_or("").to_string(),
                        normalize(x),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Copies a case's `modules/` directory beside the configuration.
fn copy_modules(from: &std::path::Path, to: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    std::fs::create_dir_all(to).expect("mkdir");
    for e in entries.flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_modules(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy module file");
        }
    }
}

/// Every resource of `planned_values`, keyed by address, with the module instance holding it.
fn planned(module: &Json, out: &mut Vec<(String, Json)>) {
    let at = module["address"].as_str().unwrap_or("").to_string();
    for (addr, r) in by_address(module, "resources") {
        out.push((format!("{at} {addr}"), r));
    }
    for child in module["child_modules"].as_array().into_iter().flatten() {
        planned(child, out);
    }
}

/// A working directory in the case's state: modules copied, `before.tf` applied, `main.tf` in place.
fn setup(case: &str) -> Work {
    let w = work(&[]);
    let case_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/plan_json")
        .join(case);
    copy_modules(&case_dir.join("modules"), &w.path().join("modules"));
    if let Ok(before) = std::fs::read_to_string(case_dir.join("before.tf")) {
        w.write("main.tf", &before);
        w.run(&["apply", "--auto-approve"]).expect(0);
    }
    w.write("main.tf", &fixture(case, "main.tf"));
    w
}

/// Generated ids (UUIDs) replaced, so two runs' plans compare.
fn without_ids(text: &str) -> String {
    text.split('"')
        .map(|part| match normalize(&Json::String(part.to_string())) {
            Json::String(s) => s,
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\"")
}

/// The human plan from the actions on, against what `terraform plan -no-color` printed.
/// `plan` with `--destroy` for a case that has a file named `destroy`, plus `extra`.
fn plan_args<'a>(case: &str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["plan"];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan_json");
    if dir.join(case).join("destroy").exists() {
        args.push("--destroy");
    }
    args.extend_from_slice(extra);
    args
}

fn compare_text(case: &str) {
    let w = setup(case);
    let plan = w.run(&plan_args(case, &[])).expect(0).stdout;
    let ours = plan
        .find("will perform the following actions")
        .map(|i| &plan[i..])
        .unwrap_or_default()
        .replace("Hangar", "Terraform");
    let theirs = fixture(case, "terraform-plan.txt");
    let theirs = &theirs[theirs.find("will perform").unwrap_or(0)..];
    assert_eq!(
        without_ids(ours.trim_end()),
        without_ids(theirs.trim_end()),
        "plan text of {case}"
    );
}

fn compare(case: &str) {
    let w = setup(case);
    let ours: Json = serde_json::from_str(&w.run(&plan_args(case, &["--json"])).expect(0).stdout)
        .expect("plan --json is JSON");
    let theirs: Json = serde_json::from_str(&fixture(case, "terraform.json")).expect("fixture");
    assert_eq!(ours["format_version"], theirs["format_version"]);
    let a = by_address(&ours, "resource_changes");
    let b = by_address(&theirs, "resource_changes");
    assert_eq!(a.len(), b.len(), "same resources");
    for ((addr, x), (_, y)) in a.iter().zip(&b) {
        assert_eq!(
            x, y,
            "resource_changes for {addr}\nhangar:    {x}\nterraform: {y}"
        );
    }
    assert_eq!(
        normalize(&ours["output_changes"]),
        normalize(&theirs["output_changes"]),
        "output_changes"
    );
    let (mut pa, mut pb) = (Vec::new(), Vec::new());
    planned(&ours["planned_values"]["root_module"], &mut pa);
    planned(&theirs["planned_values"]["root_module"], &mut pb);
    pa.sort_by(|a, b| a.0.cmp(&b.0));
    pb.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(pa, pb, "planned_values resources, module by module");
    let (mut qa, mut qb) = (Vec::new(), Vec::new());
    planned(&ours["prior_state"]["values"]["root_module"], &mut qa);
    planned(&theirs["prior_state"]["values"]["root_module"], &mut qb);
    qa.sort_by(|a, b| a.0.cmp(&b.0));
    qb.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(qa, qb, "prior_state resources, module by module");
    for key in ["variables", "configuration", "checks"] {
        assert_eq!(ours[key], theirs[key], "{key}");
    }
    for key in ["planned_values", "prior_state"] {
        let path = if key == "prior_state" {
            &ours[key]["values"]
        } else {
            &ours[key]
        };
        let theirs_path = if key == "prior_state" {
            &theirs[key]["values"]
        } else {
            &theirs[key]
        };
        assert_eq!(
            normalize(&path["outputs"]),
            normalize(&theirs_path["outputs"]),
            "{key} outputs"
        );
    }
    // Terraform lists relevant attributes in walk order; compare them as sets.
    let set = |j: &Json| {
        let mut v: Vec<String> = j
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| format!("{} {}", r["resource"], r["attribute"]))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        set(&ours["relevant_attributes"]),
        set(&theirs["relevant_attributes"]),
        "relevant_attributes"
    );
    let keys = |j: &Json| {
        let mut k: Vec<String> = j
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        k.retain(|k| k != "hangar_version");
        k.sort();
        k
    };
    assert_eq!(keys(&ours), keys(&theirs), "top-level keys");
}

#[test]
fn module_plan_matches_terraform() {
    compare("modules");
}

#[test]
fn plan_text_matches_terraform() {
    for case in ["create", "update", "modules", "refactor"] {
        compare_text(case);
    }
}

/// The cases recorded for Terraform's refactoring, lifecycle, output and sensitivity rules.
const SEMANTICS: [&str; 8] = [
    "cbd_chain",
    "implicit_move",
    "implicit_move_back",
    "ignore_changes",
    "outputs",
    "destroy_outputs",
    "sensitive_only",
    "replace_triggered",
];

#[test]
fn semantics_plan_json_matches_terraform() {
    for case in SEMANTICS {
        compare(case);
    }
}

#[test]
fn semantics_plan_text_matches_terraform() {
    for case in SEMANTICS {
        compare_text(case);
    }
}

#[test]
fn moved_removed_and_import_plan_matches_terraform() {
    compare("refactor");
}

#[test]
fn create_plan_matches_terraform() {
    compare("create");
}

#[test]
fn update_replace_delete_plan_matches_terraform() {
    compare("update");
}

#[test]
fn show_json_of_state_nests_child_modules_like_terraform() {
    let w = setup("modules");
    w.run(&["apply", "--auto-approve"]).expect(0);
    let shown: Json = serde_json::from_str(&w.run(&["show", "--json"]).expect(0).stdout)
        .expect("show --json is JSON");
    assert_eq!(shown["format_version"], "1.0");
    assert!(shown["terraform_version"].is_string());
    let root = &shown["values"]["root_module"];
    let children: Vec<&str> = root["child_modules"]
        .as_array()
        .expect("child modules")
        .iter()
        .map(|m| m["address"].as_str().unwrap_or_default())
        .collect();
    assert!(children.contains(&"module.net"), "{children:?}");
    let net = root["child_modules"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["address"] == "module.net")
        .expect("module.net");
    assert_eq!(
        net["resources"][0]["address"],
        "module.net.terraform_data.this"
    );
    assert_eq!(
        net["child_modules"][0]["address"],
        "module.net.module.inner"
    );
    assert_eq!(shown["values"]["outputs"]["net_label"]["type"], "string");
}

/// Applying each case converges: the apply succeeds and a re-plan shows no changes.
#[test]
fn semantics_apply_and_converge() {
    for case in [
        "implicit_move",
        "implicit_move_back",
        "ignore_changes",
        "outputs",
        "sensitive_only",
    ] {
        let w = setup(case);
        w.run(&["apply", "--auto-approve"]).expect(0);
        let again = w.run(&["plan", "--detailed-exitcode"]);
        assert_eq!(
            again.code, 0,
            "{case} re-plan:\n{}\n{}",
            again.stdout, again.stderr
        );
    }
    // ignore_changes: the ignored arguments keep their prior value in state.
    let w = setup("ignore_changes");
    let plan = w.run(&["plan"]).expect(0).stdout;
    assert!(plan.contains("No changes."), "{plan}");
    w.run(&["apply", "--auto-approve"]).expect(0);
    let shown = w
        .run(&["state", "show", "terraform_data.every"])
        .expect(0)
        .stdout;
    assert!(shown.contains("input            = \"a\""), "{shown}");
    assert!(shown.contains("triggers_replace = 1"), "{shown}");
    // A removed output leaves state.
    let w = setup("outputs");
    w.run(&["apply", "--auto-approve"]).expect(0);
    let outputs = w.run(&["output", "--json"]).expect(0).stdout;
    assert!(!outputs.contains("removed"), "{outputs}");
    assert!(outputs.contains("changed"), "{outputs}");
    // The implicit move keeps the object: same id before and after.
    let w = setup("implicit_move");
    let before = w
        .run(&["state", "show", "terraform_data.x"])
        .expect(0)
        .stdout;
    w.run(&["apply", "--auto-approve"]).expect(0);
    let after = w
        .run(&["state", "show", "terraform_data.x[0]"])
        .expect(0)
        .stdout;
    let id = |s: &str| s.lines().find(|l| l.contains(" id ")).map(str::to_string);
    assert_eq!(id(&before), id(&after));
}

#[test]
fn dividing_by_zero_cannot_be_planned() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"t\" {\n  input = 1 / 0\n}\n",
    )]);
    let r = w.run(&["plan"]).expect(1);
    assert!(
        r.stderr.contains("cannot serialize infinity"),
        "{}",
        r.stderr
    );
    let w = work(&[("main.tf", "output \"o\" {\n  value = 1 / 0\n}\n")]);
    let r = w.run(&["plan"]).expect(1);
    assert!(r.stderr.contains("output.o"), "{}", r.stderr);
}

/// `prevent_destroy` refuses a replacement and a destroy plan with Terraform 1.15's words:
/// "Instance cannot be destroyed ... Resource terraform_data.keep has lifecycle.prevent_destroy
/// set, but the plan calls for this resource to be destroyed."
#[test]
fn prevent_destroy_refuses_like_terraform() {
    let config = |n: u32| {
        format!(
            "resource \"terraform_data\" \"keep\" {{\n  triggers_replace = {n}\n  lifecycle {{\n    prevent_destroy = true\n  }}\n}}\n"
        )
    };
    let w = work(&[("main.tf", &config(1))]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    w.write("main.tf", &config(2));
    for args in [&["plan"][..], &["plan", "--destroy"][..]] {
        let r = w.run(args).expect(1);
        assert!(
            r.stderr.contains("Instance cannot be destroyed"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains(
                "Resource terraform_data.keep has lifecycle.prevent_destroy set, but the plan"
            ),
            "{}",
            r.stderr
        );
    }
}
