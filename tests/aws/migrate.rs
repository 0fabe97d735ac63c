//! Migrating AWS resources that Terraform itself created: Terraform's CLI with hashicorp/aws
//! from a filesystem mirror applies a bucket against moto, Hangar adopts its state and re-plans
//! with no changes, and Terraform re-plans Hangar's `state pull --format terraform` with no
//! changes. Skipped with a message where the Terraform CLI or the mirror is missing (CI
//! machines may have neither); tests/cli/migrate.rs covers the same with Terraform's builtin
//! provider through the oracle.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{moto, provider_block, work};

/// The Terraform CLI and provider mirror, when this machine has both.
fn terraform() -> Option<(PathBuf, PathBuf)> {
    let mirror = PathBuf::from(std::env::var("TF_PLUGINS").unwrap_or("/opt/tf-plugins".into()));
    let cli = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("terraform"))
        .find(|p| p.is_file());
    match (
        cli,
        mirror.join("registry.terraform.io/hashicorp/aws").is_dir(),
    ) {
        (Some(cli), true) => Some((cli, mirror)),
        _ => {
            eprintln!(
                "SKIPPED: needs the Terraform CLI on PATH and hashicorp/aws in a filesystem mirror at {}",
                mirror.display()
            );
            None
        }
    }
}

const RESOURCES: &str = r#"
resource "aws_s3_bucket" "logs" {
  bucket        = "migrated-from-terraform"
  force_destroy = true
  tags = {
    team = "data"
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}
"#;

fn run_tf(cli: &Path, dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(cli)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", dir.join("tfrc"))
        .env("CHECKPOINT_DISABLE", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .output()
        .expect("run terraform")
}

#[track_caller]
fn ok(o: std::process::Output) -> String {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "terraform failed:\n{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

#[test]
fn aws_state_written_by_terraform_migrates_in_and_back_out() {
    let Some((cli, mirror)) = terraform() else {
        return;
    };
    let _g = moto::exclusive();
    let e = &moto::moto().endpoint;
    let tf = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tf.path().join("tfrc"),
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .expect("tfrc");
    let provider = format!(
        r#"provider "aws" {{
  region                      = "eu-central-1"
  access_key                  = "test"
  secret_key                  = "test"
  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = true
  endpoints {{
    s3  = "{e}"
    eks = "{e}"
    sts = "{e}"
  }}
}}
"#
    );
    std::fs::write(tf.path().join("main.tf"), format!("{provider}{RESOURCES}")).expect("main.tf");
    ok(run_tf(
        &cli,
        tf.path(),
        &["init", "-input=false", "-no-color"],
    ));
    ok(run_tf(
        &cli,
        tf.path(),
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    ));

    let w = work(&format!(
        "workspace \"eu-prod\" {{\n  geography = \"eu\"\n  region    = \"eu-central-1\"\n}}\n{}{RESOURCES}",
        provider_block("")
    ));
    std::fs::copy(
        tf.path().join("terraform.tfstate"),
        w.path().join("terraform.tfstate"),
    )
    .expect("copy state");
    let out = w
        .run(&["state", "migrate-from-terraform", "terraform.tfstate"])
        .expect(0)
        .stdout;
    assert!(out.contains("Adopted aws_s3_bucket.logs"), "{out}");
    assert!(
        out.contains("Adopted aws_s3_bucket_versioning.logs"),
        "{out}"
    );
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);

    let pulled = w
        .run(&["state", "pull", "--format", "terraform"])
        .expect(0)
        .stdout;
    std::fs::write(tf.path().join("terraform.tfstate"), pulled).expect("write state");
    let back = run_tf(
        &cli,
        tf.path(),
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
    );
    assert_eq!(
        back.status.code(),
        Some(0),
        "terraform plan of Hangar's state:\n{}\n{}",
        String::from_utf8_lossy(&back.stdout),
        String::from_utf8_lossy(&back.stderr)
    );
    w.run(&["destroy", "--auto-approve"]).expect(0);
}

/// `migrate-from-terraform s3://BUCKET/KEY` reads the state Terraform kept in its S3 backend
/// (here the one Terraform 1.15 wrote in tests/fixtures/tfstate, uploaded to moto), with the
/// workspace's own `backend "s3"` settings; Hangar's state then lives beside it, under the
/// workspace's key prefix.
#[test]
fn terraform_state_in_its_s3_backend_is_migrated() {
    let _g = moto::exclusive();
    let e = &moto::moto().endpoint;
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tfstate");
    let create = "<CreateBucketConfiguration><LocationConstraint>eu-central-1</LocationConstraint></CreateBucketConfiguration>";
    let (status, body) = moto::http("PUT", "/tf-remote-state", create);
    assert!(status < 300, "{status} {body}");
    let state = std::fs::read_to_string(fixture.join("terraform.tfstate")).expect("fixture");
    let (status, body) = moto::http("PUT", "/tf-remote-state/net/terraform.tfstate", &state);
    assert!(status < 300, "{status} {body}");
    let main = std::fs::read_to_string(fixture.join("main.tf")).expect("main.tf");
    let w = work(&format!(
        r#"workspace "eu-prod" {{
  geography = "eu"
  region    = "eu-central-1"
}}

terraform {{
  backend "s3" {{
    bucket         = "tf-remote-state"
    key            = "net/terraform.tfstate"
    region         = "eu-central-1"
    endpoint       = "{e}"
    use_path_style = true
    access_key     = "test"
    secret_key     = "test"
  }}
}}

{main}"#
    ));
    std::fs::create_dir_all(w.path().join("modules/m")).expect("mkdir");
    std::fs::copy(
        fixture.join("modules/m/main.tf"),
        w.path().join("modules/m/main.tf"),
    )
    .expect("copy module");
    let out = w
        .run(&[
            "state",
            "migrate-from-terraform",
            "s3://tf-remote-state/net/terraform.tfstate",
        ])
        .expect(0)
        .stdout;
    assert!(out.contains("Migrated 6 resource instance(s)"), "{out}");
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    let listed = w.run(&["state", "list"]).expect(0).stdout;
    assert_eq!(listed.lines().count(), 6, "{listed}");
    // Terraform's own object is left where it was, Hangar's state sits beside it.
    let (status, keys) = moto::http("GET", "/tf-remote-state", "");
    assert_eq!(status, 200, "{keys}");
    let keys = moto::xml_values(&keys, "Key");
    assert!(
        keys.iter().any(|k| k == "net/terraform.tfstate"),
        "{keys:?}"
    );
    assert!(keys.iter().any(|k| k.contains("eu-prod")), "{keys:?}");
}
