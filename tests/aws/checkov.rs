//! Checkov, the most common policy gate on plan JSON, reads Hangar's plan of
//! `examples/aws-data-plane` exactly as it reads Terraform's.
//!
//! Checkov is installed pinned from PyPI by `.ci/checkov` (skipped with a message when PyPI
//! cannot be reached). Terraform's plan of the same configuration was recorded by
//! `tests/fixtures/checkov/gen.sh` (Terraform 1.11.4, hashicorp/aws 5.100.0, against moto).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

use crate::{moto, work, Work};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The pinned Checkov, installed on first use; `None` (after a message) when PyPI is unreachable.
fn checkov() -> Option<PathBuf> {
    let o = Command::new("bash")
        .arg(root().join(".ci/checkov"))
        .arg("path")
        .output()
        .expect("run .ci/checkov");
    match o.status.code() {
        Some(0) => Some(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())),
        Some(3) => {
            eprintln!(
                "SKIPPED: Checkov could not be installed from PyPI:\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        _ => panic!(
            ".ci/checkov failed:\n{}",
            String::from_utf8_lossy(&o.stderr)
        ),
    }
}

/// Checkov's findings on a plan file: (check id, resource, passed or failed), and the
/// number of resources it read.
fn findings(
    checkov: &Path,
    plan: &Path,
    extra: &[&str],
) -> (BTreeSet<(String, String, bool)>, u64) {
    let o = Command::new(checkov)
        .args([
            "--framework",
            "terraform_plan",
            "--skip-download",
            "--compact",
            "-o",
            "json",
        ])
        .arg("-f")
        .arg(plan)
        .args(extra)
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .output()
        .expect("run checkov");
    let text = String::from_utf8_lossy(&o.stdout);
    let mut doc: Json = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "checkov output is not JSON ({e}):\n{text}\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    if let Json::Array(mut xs) = doc {
        doc = xs.remove(0);
    }
    let mut out = BTreeSet::new();
    for (key, passed) in [("passed_checks", true), ("failed_checks", false)] {
        for c in doc["results"][key].as_array().into_iter().flatten() {
            out.insert((
                c["check_id"].as_str().unwrap_or_default().to_string(),
                c["resource"].as_str().unwrap_or_default().to_string(),
                passed,
            ));
        }
    }
    let resources = doc["summary"]["resource_count"].as_u64().unwrap_or(0);
    (out, resources)
}

/// Hangar's saved plan of examples/aws-data-plane (module copied beside it), as `show --json`.
fn hangar_plan() -> (Work, PathBuf) {
    let main = std::fs::read_to_string(root().join("examples/aws-data-plane/main.tf"))
        .expect("example")
        .replace("../../modules/aws-data-plane", "./modules/aws-data-plane");
    let w = work(&main);
    let module = root().join("modules/aws-data-plane");
    let target = w.path().join("modules/aws-data-plane");
    std::fs::create_dir_all(&target).expect("mkdir");
    for f in std::fs::read_dir(&module).expect("module").flatten() {
        std::fs::copy(f.path(), target.join(f.file_name())).expect("copy");
    }
    let endpoint = format!("aws_endpoint={}", moto::moto().endpoint);
    w.run(&["plan", "--var", &endpoint, "--out", "p.hplan"])
        .expect(0);
    let json = w.run(&["show", "--json", "p.hplan"]).expect(0).stdout;
    let path = w.path().join("hangar-plan.json");
    std::fs::write(&path, json).expect("write plan JSON");
    (w, path)
}

#[test]
fn checkov_finds_the_same_on_hangar_and_terraform_plans() {
    let Some(checkov) = checkov() else { return };
    let theirs = root().join("tests/fixtures/checkov/terraform-plan.json");
    let (tf, tf_resources) = findings(&checkov, &theirs, &[]);
    // What Checkov 3.3.30 says of Terraform's plan (measured, see the fixture's gen.sh).
    assert_eq!(tf_resources, 6);
    assert_eq!(tf.iter().filter(|f| f.2).count(), 15, "{tf:#?}");
    let failed: BTreeSet<(&str, &str)> = tf
        .iter()
        .filter(|f| !f.2)
        .map(|f| (f.0.as_str(), f.1.as_str()))
        .collect();
    let bucket = "module.data_plane.aws_s3_bucket.artifacts";
    let cluster = "module.data_plane.aws_eks_cluster.main";
    let expected: BTreeSet<(&str, &str)> = [
        ("CKV_AWS_18", bucket),
        ("CKV_AWS_144", bucket),
        ("CKV_AWS_145", bucket),
        ("CKV2_AWS_61", bucket),
        ("CKV2_AWS_62", bucket),
        ("CKV_AWS_37", cluster),
        ("CKV_AWS_58", cluster),
    ]
    .into();
    assert_eq!(failed, expected);

    let (_w, ours) = hangar_plan();
    let (hg, hg_resources) = findings(&checkov, &ours, &[]);
    assert_eq!(hg_resources, tf_resources, "resources Checkov read");
    assert_eq!(hg, tf, "Checkov's findings on Hangar's plan vs Terraform's");
}

#[test]
fn a_custom_policy_follows_configuration_references() {
    let Some(checkov) = checkov() else { return };
    let policies = root().join("tests/fixtures/checkov/policies");
    let args = [
        "--external-checks-dir",
        policies.to_str().expect("utf-8 path"),
        "--check",
        "CKV2_HANGAR_1",
    ];
    let bucket = "module.data_plane.aws_s3_bucket.artifacts".to_string();
    let pass: BTreeSet<_> = [("CKV2_HANGAR_1".to_string(), bucket.clone(), true)].into();
    let theirs = root().join("tests/fixtures/checkov/terraform-plan.json");
    assert_eq!(
        findings(&checkov, &theirs, &args).0,
        pass,
        "on Terraform's plan"
    );
    let (w, ours) = hangar_plan();
    assert_eq!(findings(&checkov, &ours, &args).0, pass, "on Hangar's plan");
    // The policy holds only through `configuration`: without it, the bucket is unconnected.
    let mut plan: Json =
        serde_json::from_str(&std::fs::read_to_string(&ours).expect("read")).expect("plan JSON");
    plan.as_object_mut()
        .expect("object")
        .remove("configuration");
    let stripped = w.path().join("no-configuration.json");
    std::fs::write(&stripped, plan.to_string()).expect("write");
    let fail: BTreeSet<_> = [("CKV2_HANGAR_1".to_string(), bucket, false)].into();
    assert_eq!(findings(&checkov, &stripped, &args).0, fail);
}
