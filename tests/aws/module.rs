//! The shipped `modules/aws-data-plane`, called from a workspace bound to eu-west-1: everything
//! it creates must land there, configured as the module promises (versioned, encrypted, private
//! bucket; cluster and node group), re-plan clean, refuse bad inputs at plan time pointing into
//! the module's `variables.tf`, and destroy completely.

use std::path::Path;

use crate::{moto, moto_buckets, work};

const REGION: &str = "eu-west-1";

fn config() -> String {
    let e = &moto::moto().endpoint;
    format!(
        r#"
workspace "eu-prod" {{
  geography = "eu"
  region    = "{REGION}"
}}

variable "name" {{
  type    = string
  default = "dp-module-test"
}}

variable "subnet_ids" {{
  type    = list(string)
  default = ["subnet-aaa", "subnet-bbb"]
}}

provider "aws" {{
  region            = workspace.region
  access_key        = "test"
  secret_key        = "test"
  s3_use_path_style = true
  endpoints {{
    s3  = "{e}"
    eks = "{e}"
    sts = "{e}"
  }}
}}

module "data_plane" {{
  source = "./modules/aws-data-plane"

  name             = var.name
  subnet_ids       = var.subnet_ids
  cluster_role_arn = "arn:aws:iam::123456789012:role/dp-cluster"
  node_role_arn    = "arn:aws:iam::123456789012:role/dp-node"
  tags             = {{ team = "platform" }}
}}

output "bucket" {{
  value = module.data_plane.bucket_name
}}

output "bucket_region" {{
  value = module.data_plane.bucket_region
}}

output "cluster_arn" {{
  value = module.data_plane.cluster_arn
}}

output "cluster_endpoint" {{
  value = module.data_plane.cluster_endpoint
}}
"#
    )
}

/// Copies the shipped module's `.tf` files to `modules/aws-data-plane` under `dir`.
fn copy_module(dir: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/aws-data-plane");
    let to = dir.join("modules/aws-data-plane");
    std::fs::create_dir_all(&to).expect("mkdir");
    for f in std::fs::read_dir(&from).expect("read module dir") {
        let f = f.expect("dir entry").path();
        if f.extension().is_some_and(|e| e == "tf") {
            std::fs::copy(&f, to.join(f.file_name().expect("file name"))).expect("copy");
        }
    }
}

/// The 1-based line of `variable "NAME"` in the shipped module's `variables.tf`.
fn variable_line(name: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/aws-data-plane/variables.tf");
    let text = std::fs::read_to_string(path).expect("variables.tf");
    let decl = format!("variable \"{name}\"");
    text.lines()
        .position(|l| l.starts_with(&decl))
        .unwrap_or_else(|| panic!("no {decl} in variables.tf"))
        + 1
}

/// A GET to moto's EKS API as if signed for `region` (moto reads the region from the
/// unverified signature, and otherwise answers for us-east-1).
fn eks_get(region: &str, path: &str) -> (u16, String) {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/{region}/eks/aws4_request, SignedHeaders=host, Signature=0"
    );
    moto::http_with("GET", path, &[("authorization", &auth)], "")
}

#[test]
fn shipped_data_plane_module_applies_in_the_workspace_region_and_validates_inputs() {
    let _g = moto::exclusive();
    let w = work(&config());
    copy_module(w.path());
    w.run(&["init"]).expect(0);
    w.run(&["validate"]).expect(0);
    let apply = w.run(&["apply", "--auto-approve"]).expect(0);
    assert!(
        apply.stdout.contains("6 added, 0 changed, 0 destroyed"),
        "{}",
        apply.stdout
    );

    let listed = w.run(&["state", "list"]).expect(0).stdout;
    for addr in [
        "module.data_plane.aws_eks_cluster.main",
        "module.data_plane.aws_eks_node_group.workers",
        "module.data_plane.aws_s3_bucket.artifacts",
        "module.data_plane.aws_s3_bucket_versioning.artifacts",
        "module.data_plane.aws_s3_bucket_server_side_encryption_configuration.artifacts",
        "module.data_plane.aws_s3_bucket_public_access_block.artifacts",
    ] {
        assert!(listed.lines().any(|l| l == addr), "{addr} in\n{listed}");
    }

    let out = w.run(&["output", "--json"]).expect(0).stdout;
    let out: serde_json::Value = serde_json::from_str(&out).expect("output JSON");
    assert_eq!(out["bucket"]["value"], "dp-module-test-artifacts", "{out}");
    assert_eq!(out["bucket_region"]["value"], REGION, "{out}");
    let arn = out["cluster_arn"]["value"].as_str().expect("cluster arn");
    assert!(arn.starts_with(&format!("arn:aws:eks:{REGION}:")), "{arn}");
    assert!(
        out["cluster_endpoint"]["value"]
            .as_str()
            .is_some_and(|e| e.starts_with("https://")),
        "{out}"
    );

    // What moto itself says about the bucket.
    let bucket = "dp-module-test-artifacts";
    assert!(moto_buckets().iter().any(|b| b == bucket));
    let (_, location) = moto::http("GET", &format!("/{bucket}?location"), "");
    assert!(
        location.contains(&format!(">{REGION}</LocationConstraint>")),
        "{location}"
    );
    let (_, versioning) = moto::http("GET", &format!("/{bucket}?versioning"), "");
    assert_eq!(
        moto::xml_values(&versioning, "Status"),
        ["Enabled"],
        "{versioning}"
    );
    let (_, enc) = moto::http("GET", &format!("/{bucket}?encryption"), "");
    assert_eq!(moto::xml_values(&enc, "SSEAlgorithm"), ["AES256"], "{enc}");
    let (_, pab) = moto::http("GET", &format!("/{bucket}?publicAccessBlock"), "");
    for flag in [
        "BlockPublicAcls",
        "IgnorePublicAcls",
        "BlockPublicPolicy",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(moto::xml_values(&pab, flag), ["true"], "{flag}: {pab}");
    }

    // ... and about the cluster and its nodes: in the workspace's region, not moto's default.
    let (status, cluster) = eks_get(REGION, "/clusters/dp-module-test");
    assert_eq!(status, 200, "{cluster}");
    assert!(
        cluster.contains("\"version\": \"1.30\"") || cluster.contains("\"version\":\"1.30\""),
        "{cluster}"
    );
    let (status, _) = eks_get("us-east-1", "/clusters/dp-module-test");
    assert_eq!(status, 404, "the cluster must not exist in us-east-1");
    let (status, ng) = eks_get(
        REGION,
        "/clusters/dp-module-test/node-groups/dp-module-test-workers",
    );
    assert_eq!(status, 200, "{ng}");

    let replan = w.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(replan.stdout.contains("No changes."), "{}", replan.stdout);

    // Bad inputs are refused at plan time by the module's own validation rules, pointing at the
    // variable's declaration in the module.
    for (var, message, variable) in [
        (
            "name=Data-Plane",
            "The name must consist of lowercase letters, digits and hyphens",
            "name",
        ),
        (
            r#"subnet_ids=["subnet-aaa"]"#,
            "EKS needs at least two subnets",
            "subnet_ids",
        ),
    ] {
        let bad = w.run(&["plan", "--var", var]).expect(1);
        assert!(bad.stderr.contains(message), "{var}: {}", bad.stderr);
        let at = format!(
            "modules/aws-data-plane/variables.tf:{}",
            variable_line(variable)
        );
        assert!(
            bad.stderr.contains(&at),
            "{var}: expected {at} in\n{}",
            bad.stderr
        );
    }

    let destroy = w.run(&["destroy", "--auto-approve"]).expect(0);
    assert!(destroy.stdout.contains("6 destroyed"), "{}", destroy.stdout);
    assert!(!moto_buckets().iter().any(|b| b == bucket));
    let (status, _) = eks_get(REGION, "/clusters/dp-module-test");
    assert_eq!(status, 404, "the cluster must be gone");
}
