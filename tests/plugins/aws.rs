//! The real `hashicorp/aws` plugin through the binary, where a filesystem mirror holds a 5.x
//! version (Terraform's implied mirrors, then `/opt/tf-plugins`), against moto: an `aws_vpc` and
//! an `aws_subnet` through the plugin beside a native `aws_s3_bucket` tagged with the VPC's id,
//! in one apply of an `eu` workspace; a clean re-plan; `hangar residency` lists the plugin's
//! resources with the region they report; destroy. And an `aws_vpc` through a plugin alias in
//! `us-east-1` is refused in the `eu` workspace before the plugin is configured (moto sees no
//! call). Without a mirror the test says so and passes.
//!
//! Nothing can leave 127.0.0.1: every attribute of the plugin's `endpoints` block is moto (the
//! names are read from the plugin's own schema), credential validation, account lookups and
//! the instance metadata service are off, and credentials are dummies.

use std::path::PathBuf;

use hangar_provider::Provider;
use hangar_provider_plugin::install::{find_in, Constraint, Mirror, ProviderSource};
use hangar_provider_plugin::{PluginHost, PluginOptions};
use libtest_mimic::Trial;

use crate::moto;
use crate::{trial, work, PluginDirs};

pub fn tests() -> Vec<Trial> {
    vec![
        trial("real_aws_plugin_beside_native_aws", real_aws),
        trial(
            "terraform_accepts_hangars_lock_file",
            terraform_accepts_lock,
        ),
    ]
}

/// The mirror holding hashicorp/aws 5.x, and the package's executable.
pub fn aws_mirror() -> Option<(PathBuf, PathBuf)> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut roots: Vec<PathBuf> = Mirror::implied(&cwd).into_iter().map(|m| m.root).collect();
    roots.push(PathBuf::from("/opt/tf-plugins"));
    let src = ProviderSource::parse("hashicorp/aws").ok()?;
    let constraint = Constraint::parse("~> 5.0").ok()?;
    roots.into_iter().find_map(|r| {
        let found = find_in(&[Mirror::new(&r)], &src, &constraint)?;
        Some((r, found.executable()?))
    })
}

/// Every attribute name of the plugin's `endpoints` block, from its schema.
pub fn endpoint_names(exe: &PathBuf) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let env = [
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ];
        let p = PluginHost::start(
            exe,
            PluginOptions {
                name: "aws".into(),
                env: env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            },
        )
        .await
        .expect("start the aws plugin");
        let schema = p.schema();
        let names = schema.provider.blocks["endpoints"]
            .block
            .attributes
            .iter()
            .filter(|(_, a)| a.ty == hangar_core::Type::String)
            .map(|(k, _)| k.clone())
            .collect();
        p.shutdown().await;
        names
    })
}

/// A `provider "awsplugin"` block in `region` (`alias` is a line such as `alias = "us"`, or
/// empty) with every attribute of `endpoints` pointing at moto's `endpoint`, dummy credentials,
/// and every check that would call AWS itself turned off.
pub fn plugin_provider(alias: &str, region: &str, endpoint: &str, endpoints: &[String]) -> String {
    let lines: String = endpoints
        .iter()
        .map(|n| format!("    {n} = \"{endpoint}\"\n"))
        .collect();
    format!(
        r#"
provider "awsplugin" {{
  {alias}
  region                      = "{region}"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  endpoints {{
{lines}  }}
}}
"#
    )
}

/// `required_providers` choosing `hashicorp/aws` 5.x as `awsplugin`.
pub const REQUIRED_AWSPLUGIN: &str = r#"
terraform {
  required_providers {
    awsplugin = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}
"#;

/// A plugin alias `awsplugin.us` in `us-east-1` and an `aws_vpc.us` with `cidr` through it:
/// what an `eu` workspace must refuse before the alias is configured.
pub fn us_vpc_config(endpoint: &str, endpoints: &[String], cidr: &str) -> String {
    plugin_provider("alias = \"us\"", "us-east-1", endpoint, endpoints)
        + &format!(
            r#"
resource "aws_vpc" "us" {{
  provider   = awsplugin.us
  cidr_block = "{cidr}"
}}
"#
        )
}

/// The configuration; `us_vpc` adds an `aws_vpc` through a plugin alias in `us-east-1`.
fn config(endpoint: &str, endpoints: &[String], us_vpc: bool) -> String {
    let us = if us_vpc {
        us_vpc_config(endpoint, endpoints, "10.41.0.0/16")
    } else {
        String::new()
    };
    format!(
        r#"{REQUIRED_AWSPLUGIN}

workspace "eu" {{
  geography = "eu"
  region    = "eu-central-1"
}}

provider "aws" {{
  region            = "eu-central-1"
  access_key        = "test"
  secret_key        = "test"
  s3_use_path_style = true
  endpoints {{
    s3  = "{endpoint}"
    sts = "{endpoint}"
  }}
}}
{}
resource "aws_vpc" "main" {{
  provider   = awsplugin
  cidr_block = "10.40.0.0/16"
  tags = {{
    Name = "hangar-plugin"
  }}
}}

resource "aws_subnet" "a" {{
  provider          = awsplugin
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.1.0/24"
  availability_zone = "eu-central-1a"
}}

resource "aws_s3_bucket" "logs" {{
  bucket        = "hangar-plugin-mixed-logs"
  force_destroy = true
  tags = {{
    vpc = aws_vpc.main.id
  }}
}}
{us}
"#,
        plugin_provider("", "eu-central-1", endpoint, endpoints),
    )
}

fn real_aws() {
    let Some((root, exe)) = aws_mirror() else {
        println!("SKIP real_aws_plugin_beside_native_aws: no hashicorp/aws 5.x in a filesystem mirror (looked in Terraform's implied mirrors and /opt/tf-plugins)");
        return;
    };
    let endpoints = endpoint_names(&exe);
    assert!(endpoints.len() > 100, "{} endpoints", endpoints.len());
    let _guard = moto::exclusive();
    let e = moto::moto().endpoint.clone();
    let w = work(&config(&e, &endpoints, false));
    w.add_mirror(&root);
    let r = w.run(&["init"]).expect(0);
    assert!(
        r.stdout.contains("- Installed hashicorp/aws v5."),
        "{}",
        r.all()
    );

    let r = w.run(&["apply", "-auto-approve"]).expect(0);
    assert!(
        r.stdout
            .contains("Resources: 3 added, 0 changed, 0 destroyed."),
        "{}",
        r.all()
    );
    let vpc = w.instance("aws_vpc.main").expect("vpc in state");
    let vpc_id = vpc["attributes"]["id"].as_str().expect("id").to_string();
    assert!(vpc_id.starts_with("vpc-"), "{vpc}");
    assert_eq!(vpc["region"], "eu-central-1", "{vpc}");
    let subnet = w.instance("aws_subnet.a").expect("subnet");
    assert_eq!(subnet["attributes"]["vpc_id"], vpc_id.as_str());
    let bucket = w.instance("aws_s3_bucket.logs").expect("bucket");
    assert_eq!(bucket["attributes"]["tags"]["vpc"], vpc_id.as_str());
    assert!(vpcs("eu-central-1").contains(&vpc_id), "moto has the VPC");

    let r = w.run(&["plan", "-detailed-exitcode"]).expect(0);
    assert!(r.stdout.contains("No changes."), "{}", r.all());

    let r = w.run(&["residency"]).expect(0);
    for addr in ["aws_vpc.main", "aws_subnet.a", "aws_s3_bucket.logs"] {
        let row = r
            .stdout
            .lines()
            .find(|l| l.starts_with(addr))
            .unwrap_or_else(|| panic!("no row for {addr} in\n{}", r.stdout));
        assert!(row.contains("eu-central-1"), "{row}");
    }

    // A VPC through the us-east-1 alias is refused before that plugin is configured.
    w.write("main.tf", &config(&e, &endpoints, true));
    let r = w.run(&["plan"]).expect(1);
    assert!(
        r.stderr.contains("us-east-1") && r.stderr.contains("Residency violation"),
        "{}",
        r.all()
    );
    assert!(
        r.stderr.contains("provider awsplugin.us") || r.stderr.contains("aws_vpc.us"),
        "{}",
        r.all()
    );
    assert!(
        !vpcs("us-east-1").contains("10.41.0.0/16"),
        "no VPC was made in us-east-1"
    );

    w.write("main.tf", &config(&e, &endpoints, false));
    let r = w.run(&["destroy", "-auto-approve"]).expect(0);
    assert!(
        r.stdout
            .contains("Destroy complete! Resources: 3 destroyed."),
        "{}",
        r.all()
    );
    assert!(!vpcs("eu-central-1").contains(&vpc_id), "VPC deleted");
}

/// Terraform itself (where its CLI is on PATH) reuses the lock file `hangar init` wrote for the
/// AWS plugin and leaves it byte for byte unchanged. Checkpoint (Terraform's telemetry) is off,
/// and the only installation method is the filesystem mirror, so nothing leaves the machine.
fn terraform_accepts_lock() {
    let Some((root, _)) = aws_mirror() else {
        println!(
            "SKIP terraform_accepts_hangars_lock_file: no hashicorp/aws 5.x in a filesystem mirror"
        );
        return;
    };
    let Some(terraform) = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("terraform"))
            .find(|t| t.is_file())
    }) else {
        println!("SKIP terraform_accepts_hangars_lock_file: no terraform on PATH");
        return;
    };
    let w = work(
        r#"
terraform {
  required_providers {
    awsplugin = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}
"#,
    );
    w.add_mirror(&root);
    w.run(&["init"]).expect(0);
    let ours = w.read(".terraform.lock.hcl");
    // The same environment the binary gets (HOME, CLI configuration, no AWS profiles).
    let env = w.cmd(&[]);
    let out = std::process::Command::new(terraform)
        .arg(format!("-chdir={}", w.path().display()))
        .args(["init", "-input=false", "-no-color"])
        .envs(
            env.get_envs()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
        )
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("run terraform");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Reusing previous version of hashicorp/aws from the dependency lock file"),
        "{stdout}"
    );
    assert_eq!(
        w.read(".terraform.lock.hcl"),
        ours,
        "Terraform kept the file"
    );
}

/// moto's answer to an AWS query-protocol call (`Action=...&Version=...` in `body`) of
/// `service` in `region`, asserting it answered `expect` (moto reads service and region from
/// the credential scope and checks no signature).
pub fn query(service: &str, region: &str, body: &str, expect: &str) -> String {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20250101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    let (_, out) = moto::http_with(
        "POST",
        "/",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("authorization", &auth),
        ],
        body,
    );
    assert!(out.contains(expect), "{out}");
    out
}

/// moto's answer to EC2 `DescribeVpcs` in `region`.
pub fn vpcs(region: &str) -> String {
    query(
        "ec2",
        region,
        "Action=DescribeVpcs&Version=2016-11-15",
        "DescribeVpcsResponse",
    )
}
