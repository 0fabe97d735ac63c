//! The residency evidence has no holes (issue #19), against moto: data sources that would read
//! across the border, tagged objects outside the geography in any region, and configurations
//! that nothing binds to a geography.

use crate::{moto, provider_block, work};

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

fn workspace(name: &str, extra: &str) -> String {
    format!(
        "workspace \"{name}\" {{\n  geography = \"eu\"\n  region    = \"eu-central-1\"\n{extra}}}\n"
    )
}

/// A bucket straight in moto, in us-east-1, with `tags` (key, value).
fn us_bucket(name: &str, tags: &[(&str, &str)]) {
    let (status, body) = moto::http("PUT", &format!("/{name}"), "");
    assert_eq!(status, 200, "{body}");
    if !tags.is_empty() {
        let set: String = tags
            .iter()
            .map(|(k, v)| format!("<Tag><Key>{k}</Key><Value>{v}</Value></Tag>"))
            .collect();
        let (status, body) = moto::http(
            "PUT",
            &format!("/{name}?tagging"),
            &format!("<Tagging><TagSet>{set}</TagSet></Tagging>"),
        );
        assert!(status < 300, "{status} {body}");
    }
}

/// An EKS call to moto signed for `region` (moto reads the region from the signature).
fn eks(region: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/{region}/eks/aws4_request, SignedHeaders=host, Signature=0"
    );
    moto::http_with(
        method,
        path,
        &[
            ("content-type", "application/json"),
            ("authorization", &auth),
        ],
        body,
    )
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn a_data_source_reading_across_the_border_is_refused_unless_allowed() {
    let _g = moto::exclusive();
    let foreign = unique("foreign-read");
    us_bucket(&foreign, &[]);
    let body = format!(
        "{}\ndata \"aws_s3_bucket\" \"foreign\" {{\n  bucket = \"{foreign}\"\n}}\n\noutput \"where\" {{\n  value = data.aws_s3_bucket.foreign.region\n}}\n",
        provider_block("")
    );
    let w = work(&format!("{}{body}", workspace("reads", "")));
    let r = w.run(&["plan"]).expect(1);
    assert!(r.stderr.contains("Residency violation"), "{}", r.stderr);
    assert!(
        r.stderr.contains("data.aws_s3_bucket.foreign") && r.stderr.contains("us-east-1"),
        "{}",
        r.stderr
    );

    w.write(
        "main.tf",
        &format!(
            "{}{body}",
            workspace("reads", "  allowed_reads = [\"us-east-1\"]\n")
        ),
    );
    w.run(&["plan"]).expect(0);
    w.run(&["apply", "--auto-approve"]).expect(0);
    let r = w.run(&["residency"]).expect(0);
    assert!(
        r.stdout.contains("data.aws_s3_bucket.foreign") && r.stdout.contains("allowed read"),
        "{}",
        r.stdout
    );
}

#[test]
fn tagged_objects_outside_the_geography_are_residency_violations_in_every_region() {
    let _g = moto::exclusive();
    let ws = unique("holes").replace('-', "");
    let healthy = unique("healthy");
    // The workspace uses buckets and clusters: the search covers those types, in every region.
    let w = work(&format!(
        "{}{}\nresource \"aws_s3_bucket\" \"healthy\" {{\n  bucket        = \"{healthy}\"\n  force_destroy = true\n}}\n\nresource \"aws_eks_cluster\" \"main\" {{\n  name     = \"{healthy}\"\n  role_arn = \"arn:aws:iam::123456789012:role/eks\"\n  vpc_config {{\n    subnet_ids = [\"subnet-aaa\"]\n  }}\n}}\n",
        workspace(&ws, ""),
        provider_block("")
    ));
    w.run(&["apply", "--auto-approve"]).expect(0);
    w.run(&["drift"]).expect(0);

    // A bucket in us-east-1 carrying this workspace's tags, claiming the healthy bucket's address.
    let stray = unique("stray");
    us_bucket(
        &stray,
        &[
            ("hangar:workspace", &ws),
            ("hangar:address", "aws_s3_bucket.healthy"),
        ],
    );
    // An EKS cluster in us-west-2 carrying this workspace's tags.
    let cluster = unique("stray-cluster");
    let (status, body) = eks(
        "us-west-2",
        "POST",
        "/clusters",
        &format!(
            r#"{{"name":"{cluster}","roleArn":"arn:aws:iam::123456789012:role/eks","resourcesVpcConfig":{{"subnetIds":["subnet-1"]}},"tags":{{"hangar:workspace":"{ws}"}}}}"#
        ),
    );
    assert!(status < 300, "{status} {body}");

    let junit = w.path().join("drift.xml");
    let out = w
        .run(&["drift", "--json", "--junit", junit.to_str().expect("utf-8")])
        .expect(2);
    let report = json(&out.stdout);
    let items = report["items"].as_array().expect("items");
    let find = |addr: &str| {
        items
            .iter()
            .find(|i| i["address"] == addr)
            .unwrap_or_else(|| panic!("no item {addr} in {report}"))
    };
    let bucket_item = find(&format!("aws_s3_bucket[id={stray}]"));
    assert_eq!(bucket_item["kind"], "residency", "{bucket_item}");
    assert_eq!(bucket_item["region"], "us-east-1");
    let cluster_item = find(&format!("aws_eks_cluster[id={cluster}]"));
    assert_eq!(cluster_item["kind"], "residency", "{cluster_item}");
    assert_eq!(cluster_item["region"], "us-west-2");
    assert!(
        !items
            .iter()
            .any(|i| i["address"] == "aws_s3_bucket.healthy"),
        "the healthy bucket has no finding: {report}"
    );

    // JUnit: each stray object fails its own test case; the healthy bucket's passes.
    let xml = std::fs::read_to_string(&junit).expect("junit");
    let case = |name: &str| -> String {
        let start = xml
            .find(&format!("name=\"{name}\""))
            .unwrap_or_else(|| panic!("no test case {name}: {xml}"));
        let end = xml[start..]
            .find("</testcase>")
            .map_or(xml.len(), |e| start + e);
        xml[start..end].to_string()
    };
    assert!(!case("aws_s3_bucket.healthy").contains("<failure"), "{xml}");
    assert!(
        case(&format!("aws_s3_bucket[id={stray}]")).contains("<failure"),
        "{xml}"
    );
    assert!(
        case(&format!("aws_eks_cluster[id={cluster}]")).contains("<failure"),
        "{xml}"
    );

    let r = w.run(&["residency"]).expect(1);
    assert!(
        r.stdout.contains(&format!("aws_s3_bucket[id={stray}]")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!("aws_eks_cluster[id={cluster}]")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("VIOLATION"), "{}", r.stdout);
    let r = w.run(&["residency", "--json"]).expect(1);
    assert!(
        json(&r.stdout)["violations"].as_u64() >= Some(2),
        "{}",
        r.stdout
    );

    let (status, body) = moto::http("DELETE", &format!("/{stray}"), "");
    assert!(status < 300, "{status} {body}");
    eks("us-west-2", "DELETE", &format!("/clusters/{cluster}"), "");
    w.run(&["destroy", "--auto-approve"]).expect(0);
}

#[test]
fn an_unbound_configuration_says_so_and_init_offers_a_workspace_block() {
    let _g = moto::exclusive();
    let b = unique("unbound");
    let w = work(&format!(
        "{}\nresource \"aws_s3_bucket\" \"x\" {{\n  bucket = \"{b}\"\n}}\n",
        provider_block("")
    ));
    let r = w.run(&["init"]).expect(0);
    assert!(
        r.stdout.contains("workspace \"default\" {")
            && r.stdout.contains("geography = \"eu\"")
            && r.stdout.contains("region    = \"eu-central-1\""),
        "{}",
        r.stdout
    );
    let r = w.run(&["plan"]).expect(0);
    let lines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("Not bound to a geography"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", r.stderr);

    // A configuration without cloud resources has nothing to bind: no warning.
    let local = work("resource \"terraform_data\" \"a\" {\n  input = 1\n}\n");
    let r = local.run(&["plan"]).expect(0);
    assert!(!r.stderr.contains("Not bound"), "{}", r.stderr);
}
