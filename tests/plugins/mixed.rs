//! The issue's done-when, with the test plugin so it runs on every machine: a configuration
//! mixing a native resource (`aws_s3_bucket`, against moto) and a plugin resource
//! (`hangartest_thing`) plans, applies, re-plans clean, is listed by `hangar residency` for
//! both, drifts (a change made out of band to each: the bucket's tags through moto's S3 API, the
//! plugin object's tags in the test plugin's store), is put back by plan and apply, and is
//! destroyed. The same sequence with the real `hashicorp/aws` plugin is in `aws_data_plane`.

use libtest_mimic::Trial;

use crate::moto;
use crate::{trial, work, PluginDirs, REQUIRED};

pub fn tests() -> Vec<Trial> {
    vec![trial(
        "mixed_native_aws_and_plugin_drift_against_moto",
        mixed,
    )]
}

const BUCKET: &str = "hangar-mixed-plugin-logs";

fn config(endpoint: &str) -> String {
    format!(
        r#"{REQUIRED}
workspace "eu" {{
  geography    = "eu"
  region       = "eu-central-1"
  global_types = ["hangartest_*"]
}}

provider "aws" {{
  region            = workspace.region
  access_key        = "test"
  secret_key        = "test"
  s3_use_path_style = true
  endpoints {{
    s3  = "{endpoint}"
    sts = "{endpoint}"
  }}
}}

provider "hangartest" {{
  region = workspace.region
}}

resource "aws_s3_bucket" "logs" {{
  bucket        = "{BUCKET}"
  force_destroy = true
  tags = {{
    team = "platform"
  }}
}}

resource "hangartest_thing" "a" {{
  name = "thing-a"
  tags = {{
    bucket = aws_s3_bucket.logs.bucket
  }}
}}
"#
    )
}

/// `(address, kind, changed attribute names)` of every drift report item, sorted.
pub fn items(report: &serde_json::Value) -> Vec<(String, String, Vec<String>)> {
    let mut out: Vec<_> = report["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["address"].as_str().unwrap_or_default().to_string(),
                i["kind"].as_str().unwrap_or_default().to_string(),
                i["attributes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a["name"].as_str().map(str::to_string))
                    .collect(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Replaces the bucket's tags through moto's S3 API, as someone outside Hangar would.
pub fn retag_bucket(bucket: &str) {
    let tagging =
        "<Tagging><TagSet><Tag><Key>owner</Key><Value>mallory</Value></Tag></TagSet></Tagging>";
    let (status, body) = moto::http("PUT", &format!("/{bucket}?tagging"), tagging);
    assert!(status < 300, "{status} {body}");
}

fn mixed() {
    let _guard = moto::exclusive();
    let w = work(&config(&moto::moto().endpoint));
    w.run(&["init"]).expect(0);

    w.create_all(2);
    let thing = w.instance("hangartest_thing.a").expect("thing in state");
    assert_eq!(thing["attributes"]["tags"]["bucket"], BUCKET);
    assert_eq!(w.objects_of("hangartest_thing").len(), 1);
    let (status, _) = moto::http("HEAD", &format!("/{BUCKET}"), "");
    assert_eq!(status, 200, "the bucket is in moto");
    let r = w.run(&["plan", "-detailed-exitcode"]).expect(0);
    assert!(r.stdout.contains("No changes."), "{}", r.all());

    // Residency: a row for each, the native one placed, the plugin one global by name.
    let r = w.run(&["residency"]).expect(0);
    let row = |addr: &str| r.residency_row(addr);
    assert_eq!(
        row("aws_s3_bucket.logs"),
        "aws eu-central-1 eu-central-1 ok"
    );
    assert_eq!(
        row("hangartest_thing.a"),
        "- - eu-central-1 global (global_types)"
    );

    // A clean drift check searched the native type and says it could not search the plugin's.
    let r = w.run(&["drift", "--json"]).expect(0);
    let clean: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(clean["summary"]["drift"], 0, "{clean}");
    assert_eq!(
        clean["unsearched"][0]["types"],
        serde_json::json!(["hangartest_thing"]),
        "{clean}"
    );
    assert_eq!(clean["unsearched"].as_array().map(Vec::len), Some(1));

    // Out of band: the bucket's tags through moto, the plugin object's tags in its store.
    retag_bucket(BUCKET);
    let files = w.objects_of("hangartest_thing");
    let mut obj: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).expect("object")).expect("JSON");
    obj["tags"]["bucket"] = "elsewhere".into();
    std::fs::write(&files[0], obj.to_string()).expect("write object");

    let r = w.run(&["drift", "--json"]).expect(2);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let found = items(&report);
    assert_eq!(report["summary"]["drift"], 2, "{report}");
    assert!(
        found.contains(&(
            "aws_s3_bucket.logs".into(),
            "changed".into(),
            vec!["tags".into(), "tags_all".into()]
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "hangartest_thing.a".into(),
            "changed".into(),
            vec!["tags".into()]
        )),
        "{found:?}"
    );

    // Plan puts both back; then all is clean again.
    let r = w.run(&["plan", "-detailed-exitcode"]).expect(2);
    for line in [
        "# aws_s3_bucket.logs will be updated in-place",
        "# hangartest_thing.a will be updated in-place",
        "Plan: 0 to add, 2 to change, 0 to destroy.",
    ] {
        assert!(r.stdout.contains(line), "missing {line:?} in\n{}", r.all());
    }
    w.run(&["apply", "-auto-approve"]).expect(0);
    w.run(&["plan", "-detailed-exitcode"]).expect(0);
    w.run(&["drift"]).expect(0);

    let r = w.run(&["destroy", "-auto-approve"]).expect(0);
    assert!(
        r.stdout
            .contains("Destroy complete! Resources: 2 destroyed."),
        "{}",
        r.all()
    );
    assert!(w.objects_of("hangartest_thing").is_empty());
    let (status, _) = moto::http("HEAD", &format!("/{BUCKET}"), "");
    assert_eq!(status, 404, "the bucket is gone from moto");
}
