//! An artifacts bucket end to end: create, no-op re-plan, update in place, out-of-band
//! delete, replace, destroy — checked through hangar's state and by asking moto directly.

use crate::{moto, moto_buckets, provider_block, work};

fn config(name: &str, env: &str) -> String {
    format!(
        r#"{provider}
resource "aws_s3_bucket" "artifacts" {{
  bucket        = "{name}"
  force_destroy = true
  tags = {{
    env = "{env}"
  }}
}}

resource "aws_s3_bucket_versioning" "artifacts" {{
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

output "arn" {{
  value = aws_s3_bucket.artifacts.arn
}}
"#,
        provider = provider_block("  default_tags {\n    tags = { team = \"platform\" }\n  }")
    )
}

#[test]
fn bucket_lifecycle_through_the_binary() {
    let _g = moto::exclusive();
    let w = work(&config("e2e-artifacts", "dev"));
    w.run(&["init"]).expect(0);
    let plan = w.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout
            .contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    let apply = w.run(&["apply", "--auto-approve"]).expect(0);
    assert!(apply.stdout.contains("2 added"), "{}", apply.stdout);

    // hangar's state: attributes and the region read back from S3
    let rec = w.resource("aws_s3_bucket.artifacts");
    assert_eq!(rec["region"], "eu-central-1", "{rec}");
    assert_eq!(rec["attributes"]["arn"], "arn:aws:s3:::e2e-artifacts");
    assert_eq!(rec["attributes"]["tags"], serde_json::json!({"env": "dev"}));
    assert_eq!(rec["attributes"]["tags_all"]["team"], "platform");
    assert_eq!(
        rec["attributes"]["tags_all"]["hangar:address"],
        "aws_s3_bucket.artifacts"
    );
    assert_eq!(
        w.resource("aws_s3_bucket_versioning.artifacts")["region"],
        "eu-central-1"
    );

    // moto's view, over plain HTTP
    assert!(moto_buckets().contains(&"e2e-artifacts".to_string()));
    let (_, loc) = moto::http("GET", "/e2e-artifacts?location", "");
    assert!(loc.contains("eu-central-1"), "{loc}");
    let (_, ver) = moto::http("GET", "/e2e-artifacts?versioning", "");
    assert_eq!(moto::xml_values(&ver, "Status"), vec!["Enabled"], "{ver}");
    let (_, tagging) = moto::http("GET", "/e2e-artifacts?tagging", "");
    let keys = moto::xml_values(&tagging, "Key");
    for k in [
        "env",
        "team",
        "hangar:workspace",
        "hangar:address",
        "hangar:token",
    ] {
        assert!(keys.iter().any(|x| x == k), "{k} not in {tagging}");
    }

    // re-plan is a no-op
    let replan = w.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(replan.stdout.contains("No changes."), "{}", replan.stdout);

    // update in place
    w.write("main.tf", &config("e2e-artifacts", "prod"));
    let up = w.run(&["apply", "--auto-approve"]).expect(0);
    assert!(
        up.stdout.contains("0 added, 1 changed, 0 destroyed"),
        "{}",
        up.stdout
    );
    let (_, tagging) = moto::http("GET", "/e2e-artifacts?tagging", "");
    assert!(tagging.contains("<Value>prod</Value>"), "{tagging}");
    w.run(&["plan", "--detailed-exitcode"]).expect(0);

    // deleted behind hangar's back: the next plan creates it again
    moto::http("DELETE", "/e2e-artifacts", "");
    assert!(!moto_buckets().contains(&"e2e-artifacts".to_string()));
    let plan = w.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout
            .contains("aws_s3_bucket.artifacts will be created"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "--auto-approve"]).expect(0);
    assert!(moto_buckets().contains(&"e2e-artifacts".to_string()));

    // a new name replaces the bucket (and the versioning that names it)
    w.write("main.tf", &config("e2e-artifacts-2", "prod"));
    let plan = w.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    w.run(&["apply", "--auto-approve"]).expect(0);
    let names = moto_buckets();
    assert!(
        names.contains(&"e2e-artifacts-2".to_string())
            && !names.contains(&"e2e-artifacts".to_string()),
        "{names:?}"
    );

    w.run(&["destroy", "--auto-approve"]).expect(0);
    assert!(!moto_buckets().contains(&"e2e-artifacts-2".to_string()));
}

#[test]
fn cloud_errors_reach_the_user_with_aws_code() {
    let _g = moto::exclusive();
    let w = work(&format!(
        "{}\nresource \"aws_s3_bucket\" \"bad\" {{\n  bucket = \"ab\"\n}}\n",
        provider_block("")
    ));
    w.run(&["init"]).expect(0);
    let r = w.run(&["apply", "--auto-approve"]);
    assert_ne!(r.code, 0);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(
        all.contains("CreateBucket failed (InvalidBucketName)"),
        "{all}"
    );
    assert!(
        !all.contains("SdkError") && !all.contains("panicked"),
        "{all}"
    );
}

#[test]
fn an_existing_bucket_is_imported_and_then_managed() {
    let _g = moto::exclusive();
    let body = "<CreateBucketConfiguration><LocationConstraint>eu-central-1</LocationConstraint>\
                </CreateBucketConfiguration>";
    let (status, xml) = moto::http("PUT", "/made-by-hand", body);
    assert_eq!(status, 200, "{xml}");
    let w = work(&format!(
        "{}\nresource \"aws_s3_bucket\" \"adopted\" {{\n  bucket = \"made-by-hand\"\n}}\n",
        provider_block("")
    ));
    w.run(&["init"]).expect(0);
    w.run(&["import", "aws_s3_bucket.adopted", "made-by-hand"])
        .expect(0);
    let rec = w.resource("aws_s3_bucket.adopted");
    assert_eq!(
        rec["attributes"]["arn"], "arn:aws:s3:::made-by-hand",
        "{rec}"
    );
    let plan = w.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    w.run(&["destroy", "--auto-approve"]).expect(0);
    assert!(!moto_buckets().contains(&"made-by-hand".to_string()));
}
