//! `hangar drift` against moto: out-of-band changes made directly in the emulator are each
//! reported with the right kind and exit code 2; JSON and JUnit reports are valid; an allowlisted
//! change is reported as allowed; an expired entry fails; a clean workspace exits 0.

use crate::{moto, provider_block, work, Work};

fn config() -> String {
    format!(
        r#"
workspace "drift-eu" {{
  geography = "eu"
  region    = "eu-central-1"
}}
{provider}
resource "aws_s3_bucket" "data" {{
  bucket        = "drift-data"
  force_destroy = true
  tags = {{
    owner = "platform"
  }}
}}

resource "aws_s3_bucket" "scratch" {{
  bucket        = "drift-scratch"
  force_destroy = true
}}

resource "aws_eks_cluster" "main" {{
  name     = "drift-cluster"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  tags = {{
    owner = "platform"
  }}
  vpc_config {{
    subnet_ids = ["subnet-aaa", "subnet-bbb"]
  }}
}}
"#,
        provider = provider_block("")
    )
}

/// EKS TagResource over plain HTTP; moto reads the region from the (unverified) signature.
fn eks_tag(arn: &str, body: &str) -> (u16, String) {
    let auth = "AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/eks/aws4_request, SignedHeaders=host, Signature=0";
    moto::http_with(
        "POST",
        &format!("/tags/{arn}"),
        &[
            ("content-type", "application/json"),
            ("authorization", auth),
        ],
        body,
    )
}

fn report(w: &Work, args: &[&str], code: i32) -> serde_json::Value {
    let mut all = vec!["-w", "drift-eu", "drift", "--json"];
    all.extend_from_slice(args);
    let out = w.run(&all).expect(code);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

fn kinds(r: &serde_json::Value) -> Vec<(String, String, bool)> {
    let mut v: Vec<_> = r["items"]
        .as_array()
        .map(|xs| {
            xs.iter()
                .map(|i| {
                    (
                        i["address"].as_str().unwrap_or("").to_string(),
                        i["kind"].as_str().unwrap_or("").to_string(),
                        i["allowed"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn out_of_band_changes_are_reported_by_kind() {
    let _g = moto::exclusive();
    let w = work(&config());
    w.run(&["-w", "drift-eu", "apply", "--auto-approve"])
        .expect(0);
    let clean = report(&w, &[], 0);
    assert_eq!(clean["summary"]["drift"], 0, "{clean}");

    let tagging =
        "<Tagging><TagSet><Tag><Key>owner</Key><Value>mallory</Value></Tag></TagSet></Tagging>";
    let (status, body) = moto::http("PUT", "/drift-data?tagging", tagging);
    assert!(status < 300, "{status} {body}");
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(w.path().join("hangar.tfstate.d/drift-eu/hangar.tfstate"))
            .expect("state"),
    )
    .expect("json");
    let arn = state["resources"]["aws_eks_cluster.main"]["attributes"]["arn"]
        .as_str()
        .expect("arn")
        .to_string();
    let (status, body) = eks_tag(&arn, r#"{"tags":{"owner":"mallory"}}"#);
    assert!(status < 300, "{status} {body}");
    let (status, body) = moto::http("DELETE", "/drift-scratch", "");
    assert!(status < 300, "{status} {body}");
    let (status, body) = moto::http(
        "PUT",
        "/drift-orphan",
        "<CreateBucketConfiguration><LocationConstraint>eu-central-1</LocationConstraint></CreateBucketConfiguration>",
    );
    assert!(status < 300, "{status} {body}");
    let orphan_tags = "<Tagging><TagSet><Tag><Key>hangar:workspace</Key><Value>drift-eu</Value></Tag></TagSet></Tagging>";
    let (status, body) = moto::http("PUT", "/drift-orphan?tagging", orphan_tags);
    assert!(status < 300, "{status} {body}");

    let junit = w.path().join("drift.xml");
    let r = report(&w, &["--junit", junit.to_str().expect("utf-8 path")], 2);
    let k = kinds(&r);
    assert!(
        k.contains(&("aws_s3_bucket.data".into(), "changed".into(), false)),
        "{k:?}"
    );
    assert!(
        k.contains(&("aws_eks_cluster.main".into(), "changed".into(), false)),
        "{k:?}"
    );
    assert!(
        k.contains(&("aws_s3_bucket.scratch".into(), "deleted".into(), false)),
        "{k:?}"
    );
    assert!(
        k.iter()
            .any(|(a, kind, _)| kind == "orphan" && a.contains("drift-orphan")),
        "{k:?}"
    );
    let data = r["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["address"] == "aws_s3_bucket.data")
        .expect("data item")
        .clone();
    assert!(
        data["attributes"]
            .as_array()
            .expect("attrs")
            .iter()
            .any(|a| a["name"] == "tags"),
        "{data}"
    );
    assert!(r["api_calls"].as_u64().unwrap_or(0) >= 4, "{r}");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(
        xml.starts_with("<?xml") && failure_types(&xml).contains(&"changed".to_string()),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"aws_s3_bucket.scratch\"")
            && failure_types(&xml).contains(&"deleted".to_string()),
        "{xml}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let allow = dir.path().join("allow.hcl");
    std::fs::write(
        &allow,
        "allow {\n  address   = \"aws_s3_bucket.data\"\n  attribute = \"tags*\"\n  reason    = \"owner tag managed elsewhere\"\n  expires   = \"2999-01-01\"\n}\n",
    )
    .expect("write allowlist");
    let r = report(&w, &["--allow", allow.to_str().expect("utf-8 path")], 2);
    assert!(
        kinds(&r).contains(&("aws_s3_bucket.data".into(), "changed".into(), true)),
        "{r}"
    );
    std::fs::write(
        &allow,
        "allow {\n  address = \"*\"\n  reason  = \"old\"\n  expires = \"2001-01-01\"\n}\n",
    )
    .expect("write");
    let r = report(&w, &["--allow", allow.to_str().expect("utf-8 path")], 2);
    assert_eq!(r["summary"]["expired_allowances"], 1, "{r}");

    let state_file = w.path().join("hangar.tfstate.d/drift-eu/hangar.tfstate");
    let before = std::fs::read_to_string(&state_file).expect("state");
    report(&w, &[], 2);
    assert_eq!(
        std::fs::read_to_string(&state_file).expect("state"),
        before,
        "drift writes nothing"
    );
}

#[test]
fn a_bucket_whose_real_region_is_outside_the_binding_is_residency_drift() {
    let _g = moto::exclusive();
    let w = work(&config());
    w.run(&["-w", "drift-eu", "apply", "--auto-approve"])
        .expect(0);
    let (status, body) = moto::http("PUT", "/drift-moved", "");
    assert!(status < 300, "{status} {body}");
    let state_file = w.path().join("hangar.tfstate.d/drift-eu/hangar.tfstate");
    let text = std::fs::read_to_string(&state_file).expect("state");
    std::fs::write(
        &state_file,
        text.replace("\"drift-scratch\"", "\"drift-moved\""),
    )
    .expect("rewrite state");
    let r = report(&w, &[], 2);
    let k = kinds(&r);
    assert!(
        k.contains(&("aws_s3_bucket.scratch".into(), "residency".into(), false)),
        "{r}"
    );
    let item = r["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["kind"] == "residency")
        .expect("residency")
        .clone();
    assert_eq!(item["region"], "us-east-1", "{item}");
    let plan = w.run(&["-w", "drift-eu", "plan"]).expect(1);
    assert!(
        plan.stderr.contains("Residency violation"),
        "{}",
        plan.stderr
    );
}

#[test]
fn the_ci_script_checks_every_workspace_and_fails_on_drift() {
    let _g = moto::exclusive();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    // The example calls ../../modules/aws-data-plane and ../../modules/azure-data-plane: copy
    // them, keeping the layout.
    let cfg = dir.path().join("examples/hub-and-spoke");
    let module = dir.path().join("modules/aws-data-plane");
    let azure_module = dir.path().join("modules/azure-data-plane");
    let gcp_module = dir.path().join("modules/gcp-data-plane");
    for (from, to) in [
        ("examples/hub-and-spoke", &cfg),
        ("modules/aws-data-plane", &module),
        ("modules/azure-data-plane", &azure_module),
        ("modules/gcp-data-plane", &gcp_module),
    ] {
        std::fs::create_dir_all(to).expect("mkdir");
        for f in std::fs::read_dir(root.join(from)).expect("read dir") {
            let f = f.expect("dir entry").path();
            if f.extension().is_none_or(|e| e != "tf") {
                continue;
            }
            std::fs::copy(&f, to.join(f.file_name().expect("file name"))).expect("copy");
        }
    }
    // Every workspace also configures the azurerm provider (the eu-azure workspace uses it):
    // point it at the ARM test server, with its credentials.
    let arm = hangar_testkit::arm::ArmServer::start_blocking(Default::default());
    let azure_env = [
        ("ARM_SUBSCRIPTION_ID", arm.config.subscription_id.clone()),
        ("ARM_TENANT_ID", arm.config.tenant_id.clone()),
        ("ARM_CLIENT_ID", arm.config.client_id.clone()),
        ("ARM_CLIENT_SECRET", arm.config.client_secret.clone()),
        ("AZURE_AUTHORITY_HOST", arm.endpoint.clone()),
    ];
    let flags = format!(
        "--var aws_endpoint={} --var arm_endpoint={}",
        moto::moto().endpoint,
        arm.endpoint
    );
    let script = |code: i32| {
        let out = std::process::Command::new("bash")
            .arg(root.join("examples/ci/drift.sh"))
            .arg(&cfg)
            .arg(dir.path().join("reports"))
            .env("HANGAR", env!("CARGO_BIN_EXE_hangar"))
            .env("HANGAR_DRIFT_FLAGS", &flags)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_COLOR", "1")
            .envs(azure_env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("run drift.sh");
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for ws in ["eu-prod", "us-prod"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hangar"))
            .arg("-C")
            .arg(&cfg)
            .args([
                "-w",
                ws,
                "apply",
                "--auto-approve",
                "--var",
                &format!("aws_endpoint={}", moto::moto().endpoint),
                "--var",
                &format!("arm_endpoint={}", arm.endpoint),
            ])
            .envs(azure_env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("apply");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    script(0);
    assert!(
        dir.path().join("reports/eu-prod.xml").exists()
            && dir.path().join("reports/us-prod.xml").exists()
    );
    let (status, body) = moto::http("DELETE", "/dp-us-prod-artifacts", "");
    assert!(status < 300, "{status} {body}");
    script(2);
    let xml = std::fs::read_to_string(dir.path().join("reports/us-prod.xml")).expect("report");
    assert!(
        failure_types(&xml).contains(&"deleted".to_string()),
        "{xml}"
    );
}

/// The `type` of every `<failure ...>` element of a JUnit report.
fn failure_types(xml: &str) -> Vec<String> {
    xml.split("<failure")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>')?];
            let at = tag.find("type=\"")? + 6;
            Some(tag[at..].split('"').next()?.to_string())
        })
        .collect()
}
