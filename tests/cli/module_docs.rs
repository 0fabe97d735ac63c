//! `hangar module docs`: inputs/outputs tables printed, written into README.md, and checked.

use crate::work;

const MODULE: &str = r#"variable "name" {
  description = "Bucket name."
  type        = string
}

variable "tags" {
  description = "Tags for every object."
  type        = map(string)
  default     = { team = "platform" }
}

output "arn" {
  description = "The bucket's ARN."
  value       = var.name
  sensitive   = true
}
"#;

#[test]
fn prints_writes_and_checks_the_readme_section() {
    let w = work(&[
        ("modules/bucket/main.tf", MODULE),
        ("modules/bucket/README.md", "# Bucket\n\nStores things.\n"),
    ]);
    let out = w.run(&["module", "docs", "modules/bucket"]).expect(0);
    assert_eq!(
        out.stdout,
        "## Inputs\n\n\
         | Name | Description | Type | Default | Required |\n\
         |------|-------------|------|---------|:--------:|\n\
         | `name` | Bucket name. | `string` | n/a | yes |\n\
         | `tags` | Tags for every object. | `map(string)` | `{ team = \"platform\" }` | no |\n\
         \n## Outputs\n\n\
         | Name | Description | Sensitive |\n\
         |------|-------------|:---------:|\n\
         | `arn` | The bucket's ARN. | yes |\n"
    );

    let stale = w
        .run(&["module", "docs", "modules/bucket", "--check"])
        .expect(1);
    assert!(
        stale.stderr.contains("modules/bucket/README.md")
            && stale.stderr.contains("no generated documentation section"),
        "{}",
        stale.stderr
    );

    w.run(&["module", "docs", "modules/bucket", "--write"])
        .expect(0);
    let readme = w.read("modules/bucket/README.md");
    assert!(
        readme.starts_with("# Bucket\n\nStores things.\n\n<!-- BEGIN_HANGAR_DOCS -->\n## Inputs"),
        "{readme}"
    );
    assert!(readme.ends_with("<!-- END_HANGAR_DOCS -->\n"), "{readme}");
    assert!(readme.contains(&out.stdout), "{readme}");
    let ok = w
        .run(&["module", "docs", "modules/bucket", "--check"])
        .expect(0);
    assert!(ok.stdout.contains("up to date"), "{}", ok.stdout);

    w.write(
        "modules/bucket/main.tf",
        &MODULE.replace("Bucket name.", "The bucket's globally unique name."),
    );
    let changed = w
        .run(&["module", "docs", "modules/bucket", "--check"])
        .expect(1);
    assert!(
        changed
            .stderr
            .contains("modules/bucket/README.md is out of date"),
        "{}",
        changed.stderr
    );
    assert_eq!(
        w.read("modules/bucket/README.md"),
        readme,
        "--check writes nothing"
    );
}

#[test]
fn reports_configuration_errors_and_missing_directories() {
    let w = work(&[("m/main.tf", "variable \"a\" {\n  bogus = 1\n}\n")]);
    let bad = w.run(&["module", "docs", "m"]).expect(1);
    assert!(bad.stderr.contains("bogus"), "{}", bad.stderr);
    let missing = w.run(&["module", "docs", "nowhere"]).expect(1);
    assert!(missing.stderr.contains("nowhere"), "{}", missing.stderr);
}

#[test]
fn every_shipped_module_readme_is_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("modules")).expect("modules/") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        let out = std::process::Command::new(crate::bin())
            .arg("-C")
            .arg(root)
            .args(["module", "docs", "--check"])
            .arg(&dir)
            .env("NO_COLOR", "1")
            .output()
            .expect("run hangar");
        assert!(
            out.status.success(),
            "{}: {}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        checked += 1;
    }
    assert!(checked >= 1, "no shipped modules found");
}
