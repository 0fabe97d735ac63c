//! The `provider "aws"` block: its schema, its validation and the SDK clients it yields.
//!
//! Region and credentials come from the block when set and otherwise from the SDK's default
//! chains (environment, shared profiles, container and instance metadata); the standard
//! `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` variables are honoured by the SDK itself.
//! Whenever an S3 endpoint is overridden, S3 is addressed path-style, since emulators and
//! private endpoints rarely serve virtual-hosted bucket names. Nothing here calls AWS: a bad
//! credential shows up at the first real call, as the SDK reports it.

use std::collections::BTreeMap;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::Credentials;
use aws_smithy_http_client::tls;
use hangar_core::{Diagnostic, Diagnostics, Type, Value};
use hangar_provider::{AttributeSchema, BlockSchema, NestedBlock, Nesting};

use crate::attrs;

/// Services whose endpoint the `endpoints` block can override.
pub const SERVICES: [&str; 3] = ["eks", "s3", "sts"];

/// The schema of the `provider "aws"` block.
pub fn schema() -> BlockSchema {
    let mut b = BlockSchema::default();
    let a = &mut b.attributes;
    let opt = |t: Type, d: &'static str| AttributeSchema::optional(t).describe(d);
    a.insert(
        "region".into(),
        opt(
            Type::String,
            "Region to manage objects in; default from AWS_REGION or the profile.",
        ),
    );
    a.insert(
        "profile".into(),
        opt(
            Type::String,
            "Shared-config profile for credentials and region.",
        ),
    );
    a.insert(
        "access_key".into(),
        opt(Type::String, "Static access key id (with secret_key).").sensitive(),
    );
    a.insert(
        "secret_key".into(),
        opt(Type::String, "Static secret access key (with access_key).").sensitive(),
    );
    a.insert(
        "token".into(),
        opt(
            Type::String,
            "Session token for temporary static credentials.",
        )
        .sensitive(),
    );
    a.insert(
        "s3_use_path_style".into(),
        opt(
            Type::Bool,
            "Address S3 buckets path-style (always on with an endpoint override).",
        ),
    );
    a.insert(
        "max_retries".into(),
        opt(
            Type::Number,
            "Maximum attempts of one API call (SDK default when unset).",
        ),
    );
    let mut endpoints = BlockSchema::default();
    for s in SERVICES {
        endpoints.attributes.insert(
            s.into(),
            AttributeSchema::optional(Type::String).describe("Endpoint URL override."),
        );
    }
    b.blocks.insert(
        "endpoints".into(),
        NestedBlock {
            nesting: Nesting::Single,
            block: endpoints,
            force_new: false,
        },
    );
    let mut default_tags = BlockSchema::default();
    default_tags.attributes.insert(
        "tags".into(),
        AttributeSchema::optional(Type::Map(Box::new(Type::String)))
            .describe("Tags put on every object that takes tags."),
    );
    b.blocks.insert(
        "default_tags".into(),
        NestedBlock {
            nesting: Nesting::Single,
            block: default_tags,
            force_new: false,
        },
    );
    b
}

/// The provider block, validated.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `region`.
    pub region: Option<String>,
    /// `profile`.
    pub profile: Option<String>,
    /// `access_key`, `secret_key`, `token`.
    pub static_credentials: Option<(String, String, Option<String>)>,
    /// `s3_use_path_style`.
    pub s3_use_path_style: bool,
    /// `max_retries`.
    pub max_retries: Option<u32>,
    /// `endpoints { service = url }`.
    pub endpoints: BTreeMap<String, String>,
    /// `default_tags { tags = {...} }`.
    pub default_tags: BTreeMap<String, String>,
}

impl Settings {
    /// Reads the evaluated provider block; fails with every mistake found in it.
    pub fn from_value(v: &Value) -> Result<Settings, Diagnostics> {
        let mut diags = Diagnostics::new();
        let mut s = Settings {
            region: attrs::string(v, "region").filter(|r| !r.is_empty()),
            profile: attrs::string(v, "profile").filter(|p| !p.is_empty()),
            s3_use_path_style: attrs::boolean(v, "s3_use_path_style").unwrap_or(false),
            ..Settings::default()
        };
        match (
            attrs::string(v, "access_key"),
            attrs::string(v, "secret_key"),
        ) {
            (Some(a), Some(k)) => {
                s.static_credentials = Some((a, k, attrs::string(v, "token")));
            }
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => diags.push(Diagnostic::error(
                "Incomplete static credentials",
                "The aws provider needs both access_key and secret_key, or neither (to use \
                 the default credential chain).",
            )),
        }
        match attrs::get(v, "max_retries").as_number() {
            None => {}
            Some(n) => match n.to_i64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) if n > 0 => s.max_retries = Some(n),
                _ => diags.push(Diagnostic::error(
                    "Invalid max_retries",
                    "max_retries must be a whole number of at least 1.",
                )),
            },
        }
        if let Some(e) = attrs::block(v, "endpoints") {
            for svc in SERVICES {
                let Some(url) = attrs::string(e, svc).filter(|u| !u.is_empty()) else {
                    continue;
                };
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    diags.push(Diagnostic::error(
                        "Invalid endpoint URL",
                        format!("endpoints.{svc} = \"{url}\" is not an http:// or https:// URL."),
                    ));
                    continue;
                }
                s.endpoints.insert(svc.to_string(), url);
            }
        }
        if let Some(d) = attrs::block(v, "default_tags") {
            s.default_tags = attrs::string_map(d, "tags");
            for k in s.default_tags.keys() {
                if crate::tags::is_system(k) {
                    diags.push(Diagnostic::error(
                        "Reserved tag key",
                        format!("default_tags may not set \"{k}\": Hangar writes it itself."),
                    ));
                }
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(s)
        }
    }
}

/// The service clients of one configured provider.
#[derive(Debug, Clone)]
pub struct Clients {
    /// The region the provider manages objects in.
    pub region: String,
    /// S3, configured for `region`.
    pub s3: aws_sdk_s3::Client,
    s3_conf: aws_sdk_s3::Config,
    /// EKS.
    pub eks: aws_sdk_eks::Client,
    eks_conf: aws_sdk_eks::Config,
    /// STS.
    pub sts: aws_sdk_sts::Client,
}

impl Clients {
    /// Builds the SDK configuration from `s`; fails when no region can be found.
    pub async fn connect(s: &Settings) -> Result<Clients, Diagnostics> {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http);
        if let Some(r) = &s.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(p) = &s.profile {
            loader = loader.profile_name(p);
        }
        if let Some((key, secret, token)) = &s.static_credentials {
            loader = loader.credentials_provider(Credentials::new(
                key.clone(),
                secret.clone(),
                token.clone(),
                None,
                "hangar-provider-block",
            ));
        }
        if let Some(n) = s.max_retries {
            loader = loader.retry_config(RetryConfig::standard().with_max_attempts(n));
        }
        let sdk: SdkConfig = loader.load().await;
        let Some(region) = sdk.region().map(ToString::to_string) else {
            return Err(Diagnostic::error(
                "Missing region",
                "The aws provider needs a region: set region in the provider block, or \
                 AWS_REGION, or a region in the selected profile.",
            )
            .into());
        };
        let s3_endpoint_overridden = s.endpoints.contains_key("s3")
            || sdk.endpoint_url().is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        let mut s3 = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(s.s3_use_path_style || s3_endpoint_overridden);
        if let Some(e) = s.endpoints.get("s3") {
            s3 = s3.endpoint_url(e);
        }
        let s3_conf = s3.build();
        let mut eks = aws_sdk_eks::config::Builder::from(&sdk);
        if let Some(e) = s.endpoints.get("eks") {
            eks = eks.endpoint_url(e);
        }
        let eks_conf = eks.build();
        let mut sts = aws_sdk_sts::config::Builder::from(&sdk);
        if let Some(e) = s.endpoints.get("sts") {
            sts = sts.endpoint_url(e);
        }
        Ok(Clients {
            region,
            s3: aws_sdk_s3::Client::from_conf(s3_conf.clone()),
            s3_conf,
            eks: aws_sdk_eks::Client::from_conf(eks_conf.clone()),
            eks_conf,
            sts: aws_sdk_sts::Client::from_conf(sts.build()),
        })
    }

    /// An EKS client for `region` (same credentials and endpoint override).
    pub fn eks_in(&self, region: &str) -> aws_sdk_eks::Client {
        if region == self.region {
            self.eks.clone()
        } else {
            let conf = self
                .eks_conf
                .to_builder()
                .region(Region::new(region.to_string()))
                .build();
            aws_sdk_eks::Client::from_conf(conf)
        }
    }

    /// An S3 client for a bucket in `region` (S3 answers a bucket's calls only in its region).
    pub fn s3_in(&self, region: &str) -> aws_sdk_s3::Client {
        if region == self.region {
            self.s3.clone()
        } else {
            let conf = self
                .s3_conf
                .to_builder()
                .region(Region::new(region.to_string()))
                .build();
            aws_sdk_s3::Client::from_conf(conf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use attrs::object;

    #[test]
    fn half_static_credentials_and_bad_endpoints_are_reported_together() {
        let v = object([
            ("access_key", Value::string("AKIA")),
            (
                "endpoints",
                object([("s3", Value::string("localhost:9000"))]),
            ),
        ]);
        let d = Settings::from_value(&v).expect_err("invalid");
        assert_eq!(d.0.len(), 2, "{d:?}");
    }

    #[test]
    fn endpoints_and_default_tags_are_read() {
        let v = object([
            ("region", Value::string("eu-central-1")),
            (
                "endpoints",
                object([("s3", Value::string("http://127.0.0.1:1"))]),
            ),
            (
                "default_tags",
                object([(
                    "tags",
                    Value::Map([("team".to_string(), Value::string("a"))].into()),
                )]),
            ),
        ]);
        let s = Settings::from_value(&v).expect("valid");
        assert_eq!(s.endpoints["s3"], "http://127.0.0.1:1");
        assert_eq!(s.default_tags["team"], "a");
        assert_eq!(s.region.as_deref(), Some("eu-central-1"));
    }
}
