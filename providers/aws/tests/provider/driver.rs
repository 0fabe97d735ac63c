//! The AWS side of the shared provider lifecycle suite (`hangar_testkit::lifecycle`, which
//! GCP and Azure run too): the provider block pointing at moto, the environment that keeps the
//! SDK away from real AWS, and raw SDK clients for changes behind the provider's back.

use std::collections::BTreeMap;

use hangar_core::Value;
use hangar_provider_aws::AwsProvider;
use hangar_testkit::lifecycle::{obj, Driver};

use crate::moto;

/// The region every object of the suite is created in and must report.
pub const REGION: &str = "eu-central-1";

/// The provider block pointing at moto, plus `extra` arguments.
pub fn provider_block(extra: &[(&str, Value)]) -> Value {
    let m = moto::moto();
    let mut block = BTreeMap::from([
        ("region".to_string(), Value::string(REGION)),
        ("access_key".to_string(), Value::string("test")),
        ("secret_key".to_string(), Value::string("test")),
        ("s3_use_path_style".to_string(), Value::Bool(true)),
        (
            "endpoints".to_string(),
            obj([
                ("s3", Value::string(&m.endpoint)),
                ("eks", Value::string(&m.endpoint)),
                ("sts", Value::string(&m.endpoint)),
            ]),
        ),
    ]);
    for (k, v) in extra {
        block.insert(k.to_string(), v.clone());
    }
    Value::Object(block)
}

/// Environment every test runs with: nothing may fall through to real AWS.
pub fn isolate() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Safe: set once, before any test thread reads the environment through the SDK.
        for k in [
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_S3",
            "HTTPS_PROXY",
            "HTTP_PROXY",
        ] {
            std::env::remove_var(k);
        }
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", "/dev/null");
        std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    });
}

/// The AWS provider configured against moto.
pub async fn driver() -> Driver {
    driver_with(&[]).await
}

/// The AWS provider configured against moto, with `extra` provider arguments.
pub async fn driver_with(extra: &[(&str, Value)]) -> Driver {
    isolate();
    Driver::new(&AwsProvider, &provider_block(extra), REGION).await
}

/// The raw S3 and EKS clients, for changes behind the provider's back.
pub async fn sdk() -> (aws_sdk_s3::Client, aws_sdk_eks::Client) {
    isolate();
    let m = moto::moto();
    let creds = aws_sdk_s3::config::Credentials::new("test", "test", None, None, "test");
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(creds)
        .http_client(http)
        .endpoint_url(&m.endpoint)
        .load()
        .await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    (s3, aws_sdk_eks::Client::new(&conf))
}
