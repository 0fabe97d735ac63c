//! `import` blocks against moto: a bucket made outside Hangar is read at plan time, shown as
//! an import, recorded by apply without being created again, and then managed like any other;
//! a bucket outside the workspace's geography is refused before anything is recorded.

use crate::{moto, moto_buckets, provider_block, work};

fn make_bucket(name: &str, region: &str) {
    let create = format!(
        "<CreateBucketConfiguration><LocationConstraint>{region}</LocationConstraint></CreateBucketConfiguration>"
    );
    let (status, body) = moto::http("PUT", &format!("/{name}"), &create);
    assert!(status < 300, "{status} {body}");
}

#[test]
fn an_import_block_adopts_an_existing_bucket_once() {
    let _g = moto::exclusive();
    make_bucket("import-block-existing", "eu-central-1");
    let cfg = format!(
        "{}\nimport {{\n  to = aws_s3_bucket.logs\n  id = \"import-block-existing\"\n}}\nresource \"aws_s3_bucket\" \"logs\" {{\n  bucket = \"import-block-existing\"\n}}\n",
        provider_block("")
    );
    let w = work(&cfg);
    let plan = w.run(&["plan"]).expect(0);
    assert!(
        plan.stdout.contains("# aws_s3_bucket.logs will be"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("1 to import, 0 to add"),
        "{}",
        plan.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["plan", "--json"]).expect(0).stdout).expect("JSON");
    let change = &json["resource_changes"][0];
    assert_eq!(change["change"]["importing"]["id"], "import-block-existing");

    let apply = w.run(&["apply", "--auto-approve"]).expect(0);
    assert!(
        apply.stdout.contains("1 imported, 0 added"),
        "{}",
        apply.stdout
    );
    let rec = w.resource("aws_s3_bucket.logs");
    assert_eq!(rec["attributes"]["bucket"], "import-block-existing");
    assert_eq!(rec["region"], "eu-central-1");
    let count = moto_buckets()
        .iter()
        .filter(|b| *b == "import-block-existing")
        .count();
    assert_eq!(count, 1);
    w.run(&["plan", "--detailed-exitcode"]).expect(0);
    w.run(&["destroy", "--auto-approve"]).expect(0);
    assert!(!moto_buckets().contains(&"import-block-existing".to_string()));
}

#[test]
fn an_import_block_outside_the_geography_is_refused() {
    let _g = moto::exclusive();
    make_bucket("import-block-faraway", "us-west-2");
    let cfg = format!(
        "workspace \"eu-prod\" {{\n  geography = \"eu\"\n  region    = \"eu-central-1\"\n}}\n{}\nimport {{\n  to = aws_s3_bucket.far\n  id = \"import-block-faraway\"\n}}\nresource \"aws_s3_bucket\" \"far\" {{\n  bucket = \"import-block-faraway\"\n}}\n",
        provider_block("")
    );
    let w = work(&cfg);
    let plan = w.run(&["plan"]).expect(1);
    assert!(
        plan.stderr
            .contains("Residency violation: aws_s3_bucket.far is in region us-west-2"),
        "{}",
        plan.stderr
    );
    let apply = w.run(&["apply", "--auto-approve"]).expect(1);
    assert!(
        apply.stderr.contains("Residency violation"),
        "{}",
        apply.stderr
    );
    let recorded = std::fs::read_to_string(w.path().join("hangar.tfstate")).unwrap_or_default();
    assert!(!recorded.contains("import-block-faraway"), "{recorded}");
    let (status, _) = moto::http("DELETE", "/import-block-faraway", "");
    assert!(status < 300);
}
