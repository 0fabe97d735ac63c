//! Residency end to end: every way a configuration could place something outside its
//! workspace's geography is refused by `plan` and `apply`, with a message naming the address,
//! the region and the geography — and moto (the AWS emulator) holds no new object afterwards.

use hangar_testkit::moto;

use hangar_testkit::work::{Hangar, Work};

/// The binary, with dummy AWS credentials and no way to reach real AWS.
fn hangar() -> Hangar {
    Hangar::new(env!("CARGO_BIN_EXE_hangar"))
        .offline_aws()
        .aws_test_keys()
}

/// A scratch directory holding `main_tf`.
fn work(main_tf: &str) -> Work {
    hangar().work().file("main.tf", main_tf)
}

/// Asks moto (plain HTTP, path-style) whether a bucket exists.
fn bucket_exists(name: &str) -> bool {
    moto::http("HEAD", &format!("/{name}"), "").0 == 200
}

fn header(geography: &str, region: &str) -> String {
    let e = &moto::moto().endpoint;
    format!(
        r#"
workspace "ws" {{
  geography = "{geography}"
  region    = "{region}"
}}

provider "aws" {{
  region            = workspace.region
  s3_use_path_style = true
  endpoints {{
    s3  = "{e}"
    eks = "{e}"
    sts = "{e}"
  }}
}}
"#
    )
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// Plan and apply both refuse, each message names `needles`, and `bucket` was never created.
#[track_caller]
fn refused(cfg: &str, bucket: &str, needles: &[&str]) {
    let w = work(cfg);
    for args in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let r = w.run(args);
        assert_eq!(
            r.code, 1,
            "{args:?} must fail\n--- stdout\n{}\n--- stderr\n{}",
            r.stdout, r.stderr
        );
        assert!(r.stderr.contains("Residency violation"), "{}", r.stderr);
        for n in needles {
            assert!(
                r.stderr.contains(n),
                "{args:?}: missing {n:?} in\n{}",
                r.stderr
            );
        }
        assert!(
            !r.stdout.contains("Creating..."),
            "nothing may be created:\n{}",
            r.stdout
        );
    }
    assert!(!bucket_exists(bucket), "moto holds no bucket {bucket}");
}

#[test]
fn a_provider_alias_in_another_region_is_refused() {
    let b = unique("alias");
    let cfg = format!(
        "{}\nprovider \"aws\" {{\n  alias  = \"us\"\n  region = \"us-east-1\"\n}}\nresource \"aws_s3_bucket\" \"x\" {{\n  provider = aws.us\n  bucket   = \"{b}\"\n}}\n",
        header("eu", "eu-central-1")
    );
    refused(
        &cfg,
        &b,
        &[
            "provider aws.us",
            "us-east-1",
            "geography \"eu\"",
            "main.tf:",
        ],
    );
}

#[test]
fn a_per_resource_region_override_is_refused() {
    let b = unique("override");
    let cfg = format!("{}\nresource \"aws_s3_bucket\" \"x\" {{\n  bucket = \"{b}\"\n  region = \"ap-southeast-1\"\n}}\n", header("eu", "eu-central-1"));
    refused(
        &cfg,
        &b,
        &["aws_s3_bucket.x", "ap-southeast-1", "geography \"eu\""],
    );
}

#[test]
fn regions_from_a_variable_a_local_and_a_function_are_refused() {
    let b = unique("derived");
    let base = header("eu", "eu-central-1");
    let tail = format!("resource \"aws_s3_bucket\" \"x\" {{\n  bucket = \"{b}\"\n}}\n");
    let variable = format!("{base}\nvariable \"r\" {{\n  default = \"us-west-2\"\n}}\nprovider \"aws\" {{\n  alias  = \"v\"\n  region = var.r\n}}\n{tail}");
    refused(&variable, &b, &["provider aws.v", "us-west-2"]);
    let local = format!("{base}\nlocals {{\n  r = \"sa-east-1\"\n}}\nprovider \"aws\" {{\n  alias  = \"l\"\n  region = local.r\n}}\n{tail}");
    refused(&local, &b, &["provider aws.l", "sa-east-1"]);
    let function = format!("{base}\nprovider \"aws\" {{\n  alias  = \"f\"\n  region = lower(\"US-EAST-2\")\n}}\n{tail}");
    refused(&function, &b, &["provider aws.f", "us-east-2"]);
}

#[test]
fn replication_to_another_geography_is_refused() {
    let src = unique("src");
    let dst = unique("dst");
    let cfg = format!(
        r#"{}
provider "aws" {{
  alias  = "us"
  region = "us-east-1"
}}
resource "aws_s3_bucket" "src" {{
  bucket = "{src}"
}}
resource "aws_s3_bucket" "dst" {{
  provider = aws.us
  bucket   = "{dst}"
}}
resource "aws_s3_bucket_replication_configuration" "r" {{
  bucket = aws_s3_bucket.src.id
  role   = "arn:aws:iam::123456789012:role/replication"
  rule {{
    id     = "all"
    status = "Enabled"
    destination {{
      bucket = aws_s3_bucket.dst.arn
    }}
  }}
}}
"#,
        header("eu", "eu-central-1")
    );
    refused(&cfg, &src, &["replication destination", "us-east-1"]);
    assert!(!bucket_exists(&dst));
}

#[test]
fn an_unknown_region_cannot_be_proven_and_is_refused() {
    let b = unique("unknown");
    let cfg = format!(
        "{}\nresource \"aws_s3_bucket\" \"x\" {{\n  bucket = \"{b}\"\n}}\nresource \"aws_s3_bucket\" \"y\" {{\n  bucket = \"{b}-y\"\n  region = aws_s3_bucket.x.region\n}}\n",
        header("eu", "eu-central-1")
    );
    refused(&cfg, &b, &["aws_s3_bucket.y", "not known at plan time"]);
}

#[test]
fn a_bound_workspace_cannot_change_geography() {
    let b = unique("bound");
    let body = format!("resource \"aws_s3_bucket\" \"x\" {{\n  bucket = \"{b}\"\n}}\n");
    let w = work(&format!("{}\n{body}", header("eu", "eu-central-1")));
    let first = w.run(&["apply", "--auto-approve"]);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    assert!(bucket_exists(&b));
    w.write(
        "main.tf",
        &format!(
            "{}\n{body}\nresource \"aws_s3_bucket\" \"more\" {{\n  bucket = \"{b}-more\"\n}}\n",
            header("us", "us-east-1")
        ),
    );
    for args in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let r = w.run(args);
        assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("Workspace binding cannot change"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("bound to geography \"eu\""),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("new workspace"), "{}", r.stderr);
    }
    assert!(!bucket_exists(&format!("{b}-more")));
    w.write(
        "main.tf",
        &format!("{}\n{body}", header("eu", "eu-central-1")),
    );
    let r = w.run(&["destroy", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn a_workspace_region_outside_its_geography_is_refused() {
    let w = work(&header("eu", "us-east-1"));
    let r = w.run(&["plan"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Workspace region outside its geography"),
        "{}",
        r.stderr
    );
}

#[test]
fn validate_runs_the_same_checks_without_credentials() {
    let cfg = format!(
        "{}\nprovider \"aws\" {{\n  alias  = \"us\"\n  region = \"us-east-1\"\n}}\n",
        header("eu", "eu-central-1")
    );
    let w = work(&cfg);
    let r = w.run(&["validate"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("Residency violation"), "{}", r.stderr);
}

/// A state bucket in moto, created in `region` (us-east-1: no location constraint).
fn state_bucket(name: &str, region: &str) {
    let body = if region == "us-east-1" {
        String::new()
    } else {
        format!("<CreateBucketConfiguration><LocationConstraint>{region}</LocationConstraint></CreateBucketConfiguration>")
    };
    let (status, text) = moto::http("PUT", &format!("/{name}"), &body);
    assert_eq!(status, 200, "creating {name}: {text}");
}

#[test]
fn a_state_backend_outside_the_geography_is_refused() {
    let b = unique("statebackend");
    state_bucket(&format!("{b}-state"), "us-east-1");
    let e = &moto::moto().endpoint;
    let cfg = format!(
        "terraform {{\n  backend \"s3\" {{\n    bucket         = \"{b}-state\"\n    key            = \"hangar.tfstate\"\n    region         = \"us-east-1\"\n    endpoint       = \"{e}\"\n    use_path_style = true\n    access_key     = \"test\"\n    secret_key     = \"test\"\n  }}\n}}\n{}\nresource \"aws_s3_bucket\" \"x\" {{\n  bucket = \"{b}\"\n}}\n",
        header("eu", "eu-central-1")
    );
    refused(
        &cfg,
        &b,
        &["state backend", "us-east-1", "geography \"eu\""],
    );
}

#[test]
fn a_state_bucket_declared_inside_but_really_outside_is_refused() {
    let b = unique("statelies");
    state_bucket(&format!("{b}-state"), "us-east-1");
    let e = &moto::moto().endpoint;
    let cfg = format!(
        "terraform {{\n  backend \"s3\" {{\n    bucket         = \"{b}-state\"\n    key            = \"hangar.tfstate\"\n    region         = \"eu-central-1\"\n    endpoint       = \"{e}\"\n    use_path_style = true\n    access_key     = \"test\"\n    secret_key     = \"test\"\n  }}\n}}\n{}\nresource \"aws_s3_bucket\" \"x\" {{\n  bucket = \"{b}\"\n}}\n",
        header("eu", "eu-central-1")
    );
    refused(
        &cfg,
        &b,
        &["state backend", "us-east-1", "geography \"eu\""],
    );
    let w = work(&cfg);
    let r = w.run(&["validate"]);
    assert_eq!(
        r.code, 1,
        "validate checks the backend too\n{}\n{}",
        r.stdout, r.stderr
    );
    assert!(r.stderr.contains("state backend"), "{}", r.stderr);
    assert!(
        moto::http("GET", &format!("/{b}-state/hangar.tfstate"), "").0 == 404,
        "no state may have been written to the foreign bucket"
    );
}

#[test]
fn a_backend_that_cannot_tell_where_it_is_must_be_declared() {
    let b = unique("pgstate");
    let cfg = |state_location: &str| {
        format!(
            "terraform {{\n  backend \"pg\" {{\n    conn_str = \"postgres://hangar@127.0.0.1:1/nowhere\"\n  }}\n}}\n{}\nresource \"aws_s3_bucket\" \"x\" {{\n  bucket = \"{b}\"\n}}\n",
            header("eu", "eu-central-1").replace(
                "  region    = \"eu-central-1\"\n}",
                &format!("  region    = \"eu-central-1\"\n{state_location}}}"),
            )
        )
    };
    refused(&cfg(""), &b, &["state backend", "state_location"]);
    let w = work(&cfg("  state_location = \"eu-central-1\"\n"));
    let r = w.run(&["validate"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let w = work(&cfg("  state_location = \"us-east-1\"\n"));
    let r = w.run(&["validate"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("state backend in region us-east-1"),
        "{}",
        r.stderr
    );
}
