//! The real `hashicorp/aws` plugin, where a filesystem mirror holds a 5.x version, against moto:
//! start it (AutoMTLS with its P-521 certificate, protocol 5), load its schema (then again from
//! the cache), configure it with every service endpoint pointed at moto, and create, read,
//! re-plan and delete an `aws_s3_bucket`. Without a mirror the test says so and passes.
//!
//! Nothing can leave 127.0.0.1: every attribute of the provider's `endpoints` block is set to
//! moto, the instance metadata service is disabled and pointed at a closed loopback port,
//! credentials are dummies and no shared config or credentials files are read.

use std::path::PathBuf;
use std::time::Instant;

use hangar_core::Value;
use hangar_provider::{
    ApplyRequest, ConfigureRequest, OperationContext, PlanRequest, Provider, ReadRequest,
};
use hangar_provider_plugin::install::{find_in, Constraint, Mirror, ProviderSource};
use hangar_provider_plugin::{PluginHost, PluginOptions, PluginProvider};
use libtest_mimic::Trial;

use crate::support::{attr, trial};

#[path = "../../../aws/tests/moto/mod.rs"]
mod moto;

pub fn tests() -> Vec<Trial> {
    vec![trial("real_aws_plugin_against_moto", real_aws)]
}

/// The AWS plugin executable: Terraform's implied mirrors, then `/opt/tf-plugins`.
pub fn aws_plugin() -> Option<(PathBuf, String)> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut mirrors = Mirror::implied(&cwd);
    mirrors.push(Mirror::new("/opt/tf-plugins"));
    let src = ProviderSource::parse("hashicorp/aws").ok()?;
    let found = find_in(&mirrors, &src, &Constraint::parse("~> 5.0").ok()?)?;
    Some((found.executable()?, found.version.to_string()))
}

/// Options for the AWS plugin that keep it on loopback.
pub fn aws_opts(version: &str, cache: Option<PathBuf>) -> PluginOptions {
    let env = [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ("AWS_PROFILE", ""),
        ("TF_LOG", ""),
    ];
    PluginOptions {
        name: "aws".into(),
        version: Some(version.into()),
        schema_cache_dir: cache,
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        call_timeout: Some(std::time::Duration::from_secs(300)),
        ..Default::default()
    }
}

/// The provider block: dummy credentials, no lookups, every endpoint at `endpoint`.
pub fn aws_config(p: &PluginProvider, endpoint: &str) -> Value {
    let schema = p.schema();
    let endpoints = schema
        .provider
        .blocks
        .get("endpoints")
        .map(|b| {
            Value::Object(
                b.block
                    .attributes
                    .iter()
                    .filter(|(_, a)| a.ty == hangar_core::Type::String)
                    .map(|(k, _)| (k.clone(), Value::string(endpoint)))
                    .collect(),
            )
        })
        .expect("the aws provider has an endpoints block");
    let s = |x: &str| Value::string(x);
    Value::Object(
        [
            ("region", s("us-east-1")),
            ("access_key", s("test")),
            ("secret_key", s("test")),
            ("skip_credentials_validation", Value::Bool(true)),
            ("skip_requesting_account_id", Value::Bool(true)),
            ("skip_metadata_api_check", s("true")),
            ("skip_region_validation", Value::Bool(true)),
            ("s3_use_path_style", Value::Bool(true)),
            ("endpoints", Value::List(vec![endpoints])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    )
}

// The moto guard serialises tests on one moto for the whole test, across awaits on purpose.
#[allow(clippy::await_holding_lock)]
async fn real_aws() {
    let Some((exe, version)) = aws_plugin() else {
        println!("SKIP real_aws_plugin_against_moto: no hashicorp/aws 5.x in a filesystem mirror (looked in Terraform's implied mirrors and /opt/tf-plugins)");
        return;
    };
    let cache = tempfile::tempdir().expect("tmp");
    let t = Instant::now();
    let p = PluginHost::start(&exe, aws_opts(&version, Some(cache.path().to_path_buf())))
        .await
        .expect("start the aws plugin");
    let cold = t.elapsed();
    assert_eq!(p.protocol(), Some(5));
    assert!(!p.schema_from_cache());
    let schema = p.schema();
    assert!(
        schema.resources.len() > 1000,
        "{} resource types",
        schema.resources.len()
    );
    let bucket = schema.resources["aws_s3_bucket"].clone();
    assert!(schema.resources.contains_key("aws_vpc"));
    p.shutdown().await;
    let t = Instant::now();
    let p = PluginHost::start(&exe, aws_opts(&version, Some(cache.path().to_path_buf())))
        .await
        .expect("start again");
    let warm = t.elapsed();
    println!("aws plugin {version}: start + schema cold {cold:?}, with the schema cache {warm:?} (from cache: {})", p.schema_from_cache());

    let _guard = moto::exclusive();
    let endpoint = moto::moto().endpoint.clone();
    let c = p
        .configure(ConfigureRequest {
            config: aws_config(&p, &endpoint),
        })
        .await
        .map_err(|d| format!("{d:?}"))
        .expect("configure the aws plugin");
    let name = "hangar-plugin-bucket";
    let config = Value::Object(
        [
            ("bucket".to_string(), Value::string(name)),
            ("force_destroy".to_string(), Value::Bool(true)),
            (
                "tags".to_string(),
                Value::Map([("team".to_string(), Value::string("platform"))].into()),
            ),
        ]
        .into(),
    );
    let plan = c
        .plan(
            &bucket,
            PlanRequest {
                type_name: "aws_s3_bucket".into(),
                prior: None,
                config: config.clone(),
                private: vec![],
            },
        )
        .await
        .expect("plan the bucket");
    assert!(attr(&plan.planned, "arn").is_unknown());
    let ctx = OperationContext {
        address: "aws_s3_bucket.b".into(),
        workspace: "default".into(),
        token: "t".into(),
    };
    let created = c
        .create(ApplyRequest {
            type_name: "aws_s3_bucket".into(),
            prior: None,
            planned: Some(plan.planned),
            context: ctx.clone(),
            config: Some(config.clone()),
            private: plan.private,
        })
        .await
        .expect("create the bucket through the plugin");
    assert_eq!(attr(&created.attrs, "id"), &Value::string(name));
    assert_eq!(attr(&created.attrs, "region"), &Value::string("us-east-1"));
    let (status, body) = moto::http("GET", "/", "");
    assert_eq!(status, 200);
    assert!(body.contains(name), "moto lists the bucket: {body}");

    let read = c
        .read(ReadRequest {
            type_name: "aws_s3_bucket".into(),
            prior: created.attrs.clone(),
            private: created.private.clone(),
        })
        .await
        .expect("read")
        .expect("exists");
    let again = c
        .plan(
            &bucket,
            PlanRequest {
                type_name: "aws_s3_bucket".into(),
                prior: Some(read.attrs.clone()),
                config: config.clone(),
                private: read.private.clone(),
            },
        )
        .await
        .expect("re-plan");
    assert!(
        again.requires_replace.is_empty(),
        "{:?}",
        again.requires_replace
    );
    assert!(
        !hangar_provider::plan::differs(&again.planned, &read.attrs),
        "re-plan is not clean"
    );

    c.delete(ApplyRequest {
        type_name: "aws_s3_bucket".into(),
        prior: Some(read.attrs.clone()),
        planned: None,
        context: ctx,
        config: None,
        private: read.private,
    })
    .await
    .expect("delete");
    let (_, body) = moto::http("GET", "/", "");
    assert!(!body.contains(name), "bucket deleted: {body}");
}
