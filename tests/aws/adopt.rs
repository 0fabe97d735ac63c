//! Crash safety: an object created by a run that was killed before recording it is found again
//! by its `hangar:token` tag and adopted, never created twice; an intent whose object never
//! came to exist is settled.

use crate::{moto, moto_buckets, provider_block, work};

fn state_with_intent(token: &str, addr: &str) -> String {
    serde_json::json!({
        "format_version": 1,
        "serial": 1,
        "lineage": "4a0c2b8e-0000-4000-8000-000000000001",
        "hangar_version": "0.1.0",
        "resources": {},
        "outputs": {},
        "pending": { token: { "addr": addr, "action": "create" } }
    })
    .to_string()
}

#[test]
fn an_object_left_by_a_killed_apply_is_adopted_not_duplicated() {
    let _g = moto::exclusive();
    let tagging = "<Tagging><TagSet>\
        <Tag><Key>hangar:workspace</Key><Value>default</Value></Tag>\
        <Tag><Key>hangar:address</Key><Value>aws_s3_bucket.left</Value></Tag>\
        <Tag><Key>hangar:token</Key><Value>tok-1</Value></Tag>\
        </TagSet></Tagging>";
    let create = "<CreateBucketConfiguration><LocationConstraint>eu-central-1</LocationConstraint></CreateBucketConfiguration>";
    let (status, body) = moto::http("PUT", "/adopt-left", create);
    assert!(status < 300, "{status} {body}");
    let (status, body) = moto::http("PUT", "/adopt-left?tagging", tagging);
    assert!(status < 300, "{status} {body}");

    let cfg = format!(
        "{}\nresource \"aws_s3_bucket\" \"left\" {{\n  bucket = \"adopt-left\"\n}}\nresource \"aws_s3_bucket\" \"never\" {{\n  bucket = \"adopt-never\"\n}}\n",
        provider_block("")
    );
    let w = work(&cfg);
    w.write(
        "hangar.tfstate",
        &state_with_intent("tok-1", "aws_s3_bucket.left"),
    );
    let mut doc: serde_json::Value =
        serde_json::from_str(&state_with_intent("tok-1", "aws_s3_bucket.left")).expect("json");
    doc["pending"]["tok-2"] =
        serde_json::json!({"addr": "aws_s3_bucket.never", "action": "create"});
    w.write("hangar.tfstate", &doc.to_string());

    let plan = w.run(&["plan"]).expect(0);
    assert!(
        plan.stderr.contains("Adopted aws_s3_bucket.left"),
        "{}",
        plan.stderr
    );
    assert!(
        !plan.stdout.contains("aws_s3_bucket.left will be created"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("aws_s3_bucket.never will be created"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(
        w.resource("aws_s3_bucket.left")["attributes"]["bucket"],
        "adopt-left"
    );
    assert_eq!(
        w.state()["pending"],
        serde_json::json!({}),
        "every intent settled"
    );
    let buckets = moto_buckets();
    assert_eq!(
        buckets
            .iter()
            .filter(|b| b.as_str() == "adopt-left")
            .count(),
        1,
        "{buckets:?}"
    );
    let replan = w.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(
        replan.stderr.is_empty() || !replan.stderr.contains("Adopted"),
        "{}",
        replan.stderr
    );
}
