//! The issue's test with the real `hashicorp/aws` plugin, where a filesystem mirror holds a 5.x
//! version, against moto: the shipped `modules/aws-data-plane-foundation` creates the VPC,
//! subnets and IAM roles through the plugin, and the shipped `modules/aws-data-plane` the EKS
//! cluster, node group and bucket through the native provider, in one apply of an `eu`
//! workspace; the re-plan is clean; `hangar residency` lists both kinds (the IAM roles as global,
//! named by `global_types`); a change made out of band to the VPC (EC2 CreateTags) and to the
//! bucket (S3 PutBucketTagging) is found by `hangar drift`, which also says that the plugin's
//! types could not be searched for untracked objects; plan and apply put both back; a VPC
//! through a plugin alias in `us-east-1` is refused before that plugin is configured; destroy
//! removes everything. Without a mirror the test says so and passes.

use libtest_mimic::Trial;

use crate::aws::{
    aws_mirror, endpoint_names, plugin_provider, query, us_vpc_config, vpcs, REQUIRED_AWSPLUGIN,
};
use crate::mixed::{items, retag_bucket};
use crate::moto;
use crate::{trial, work, PluginDirs, Work};

pub fn tests() -> Vec<Trial> {
    vec![trial(
        "real_aws_plugin_builds_the_data_plane_foundation",
        data_plane,
    )]
}

const NAME: &str = "dp-plugin";

fn config(endpoint: &str, endpoints: &[String], us_vpc: bool) -> String {
    let us = if us_vpc {
        us_vpc_config(endpoint, endpoints, "10.61.0.0/16")
    } else {
        String::new()
    };
    format!(
        r#"{REQUIRED_AWSPLUGIN}
workspace "eu" {{
  geography    = "eu"
  region       = "eu-central-1"
  global_types = ["aws_iam_*"]
}}

provider "aws" {{
  region            = workspace.region
  access_key        = "test"
  secret_key        = "test"
  s3_use_path_style = true
  endpoints {{
    s3  = "{endpoint}"
    eks = "{endpoint}"
    sts = "{endpoint}"
  }}
}}
{}
module "foundation" {{
  source             = "./modules/aws-data-plane-foundation"
  name               = "{NAME}"
  vpc_cidr           = "10.60.0.0/16"
  availability_zones = ["eu-central-1a", "eu-central-1b"]
}}

module "data_plane" {{
  source           = "./modules/aws-data-plane"
  name             = "{NAME}"
  subnet_ids       = module.foundation.subnet_ids
  cluster_role_arn = module.foundation.cluster_role_arn
  node_role_arn    = module.foundation.node_role_arn
  force_destroy    = true
}}
{us}
"#,
        plugin_provider("", "eu-central-1", endpoint, endpoints),
    )
}

/// Copies the shipped modules the configuration calls into the working directory.
fn copy_modules(w: &Work) {
    let root = hangar_testkit::repo_root();
    for m in ["aws-data-plane", "aws-data-plane-foundation"] {
        for e in std::fs::read_dir(root.join("modules").join(m)).expect("module dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "tf") {
                let name = p.file_name().expect("name").to_string_lossy().into_owned();
                w.write(
                    &format!("modules/{m}/{name}"),
                    &std::fs::read_to_string(&p).expect("read module file"),
                );
            }
        }
    }
}

/// Tags the VPC `id` through moto's EC2 API, as someone outside Hangar would.
fn tag_vpc(id: &str) {
    query(
        "ec2",
        "eu-central-1",
        &format!(
            "Action=CreateTags&Version=2016-11-15&ResourceId.1={id}&Tag.1.Key=owner&Tag.1.Value=mallory"
        ),
        "CreateTagsResponse",
    );
}

/// moto's IAM role names.
fn roles() -> Vec<String> {
    let out = query(
        "iam",
        "us-east-1",
        "Action=ListRoles&Version=2010-05-08",
        "ListRolesResponse",
    );
    moto::xml_values(&out, "RoleName")
}

fn data_plane() {
    let Some((root, exe)) = aws_mirror() else {
        println!("SKIP real_aws_plugin_builds_the_data_plane_foundation: no hashicorp/aws 5.x in a filesystem mirror (looked in Terraform's implied mirrors and /opt/tf-plugins)");
        return;
    };
    let endpoints = endpoint_names(&exe);
    let _guard = moto::exclusive();
    let e = moto::moto().endpoint.clone();
    let w = work(&config(&e, &endpoints, false));
    copy_modules(&w);
    w.add_mirror(&root);
    w.run(&["init"]).expect(0);

    w.create_all(15);
    let vpc = w
        .instance("module.foundation.aws_vpc.this")
        .expect("vpc in state");
    let vpc_id = vpc["attributes"]["id"].as_str().expect("id").to_string();
    assert!(vpcs("eu-central-1").contains(&vpc_id), "moto has the VPC");
    let mut subnets: Vec<String> = (0..2)
        .map(|i| {
            w.instance(&format!("module.foundation.aws_subnet.private[{i}]"))
                .expect("subnet")["attributes"]["id"]
                .as_str()
                .expect("subnet id")
                .to_string()
        })
        .collect();
    subnets.sort();
    let cluster = w
        .instance("module.data_plane.aws_eks_cluster.main")
        .expect("cluster");
    let mut used: Vec<String> =
        serde_json::from_value(cluster["attributes"]["vpc_config"][0]["subnet_ids"].clone())
            .expect("subnet ids");
    used.sort();
    assert_eq!(
        used, subnets,
        "the native cluster runs in the plugin's subnets"
    );
    let role = w
        .instance("module.foundation.aws_iam_role.cluster")
        .expect("role");
    assert_eq!(
        cluster["attributes"]["role_arn"], role["attributes"]["arn"],
        "the native cluster assumes the plugin's role"
    );
    let names = roles();
    for r in ["dp-plugin-cluster", "dp-plugin-node"] {
        assert!(names.iter().any(|n| n == r), "{names:?}");
    }

    let r = w.run(&["plan", "-detailed-exitcode"]).expect(0);
    assert!(r.stdout.contains("No changes."), "{}", r.all());

    let r = w.run(&["residency"]).expect(0);
    let verdict = |addr: &str| r.residency_row(addr);
    for addr in [
        "module.foundation.aws_vpc.this",
        "module.foundation.aws_subnet.private[1]",
        "module.data_plane.aws_eks_cluster.main",
        "module.data_plane.aws_s3_bucket.artifacts",
    ] {
        assert_eq!(verdict(addr), "aws eu-central-1 eu-central-1 ok", "{addr}");
    }
    for addr in [
        "module.foundation.aws_iam_role.node",
        "module.foundation.aws_iam_role_policy_attachment.cluster",
    ] {
        assert!(
            verdict(addr).ends_with("global (global_types)"),
            "{addr}: {}",
            verdict(addr)
        );
    }
    assert!(
        r.stdout.contains("15 resource(s), 0 violation(s)."),
        "{}",
        r.stdout
    );

    // The attachments were made after the roles were recorded, so IAM now reports the roles'
    // managed_policy_arns; record that (Terraform's refresh-only apply) before checking drift.
    w.run(&["apply", "-refresh-only", "-auto-approve"])
        .expect(0);
    let r = w.run(&["drift", "--json"]).expect(0);
    let clean: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(clean["summary"]["drift"], 0, "{clean}");
    let unsearched = clean["unsearched"].as_array().expect("unsearched");
    assert_eq!(unsearched.len(), 1, "{clean}");
    assert_eq!(unsearched[0]["provider"], "provider awsplugin");
    assert_eq!(
        unsearched[0]["types"],
        serde_json::json!([
            "aws_iam_role",
            "aws_iam_role_policy_attachment",
            "aws_subnet",
            "aws_vpc"
        ])
    );

    // Out of band: the plugin's VPC and the native bucket.
    tag_vpc(&vpc_id);
    retag_bucket(&format!("{NAME}-artifacts"));
    let r = w.run(&["drift", "--json"]).expect(2);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let found = items(&report);
    assert_eq!(
        found,
        vec![
            (
                "module.data_plane.aws_s3_bucket.artifacts".to_string(),
                "changed".to_string(),
                vec!["tags".to_string(), "tags_all".to_string()]
            ),
            (
                "module.foundation.aws_vpc.this".to_string(),
                "changed".to_string(),
                vec!["tags".to_string(), "tags_all".to_string()]
            ),
        ],
        "{report}"
    );
    let r = w.run(&["plan", "-detailed-exitcode"]).expect(2);
    assert!(
        r.stdout
            .contains("Plan: 0 to add, 2 to change, 0 to destroy."),
        "{}",
        r.all()
    );
    w.run(&["apply", "-auto-approve"]).expect(0);
    w.run(&["plan", "-detailed-exitcode"]).expect(0);

    // A VPC through the us-east-1 alias is refused before that plugin is configured.
    w.write("main.tf", &config(&e, &endpoints, true));
    let r = w.run(&["plan"]).expect(1);
    assert!(
        r.stderr.contains("Residency violation") && r.stderr.contains("us-east-1"),
        "{}",
        r.all()
    );
    assert!(
        !vpcs("us-east-1").contains("10.61.0.0/16"),
        "no VPC in us-east-1"
    );

    w.write("main.tf", &config(&e, &endpoints, false));
    let r = w.run(&["destroy", "-auto-approve"]).expect(0);
    assert!(
        r.stdout
            .contains("Destroy complete! Resources: 15 destroyed."),
        "{}",
        r.all()
    );
    assert!(!vpcs("eu-central-1").contains(&vpc_id), "VPC deleted");
    assert!(
        !roles().iter().any(|n| n.starts_with("dp-plugin-")),
        "roles deleted"
    );
}
