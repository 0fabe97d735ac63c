//! Data sources: `aws_s3_bucket`, `aws_eks_cluster`, `aws_region`, `aws_caller_identity`.
//!
//! Each reads at plan time from the configured region and fails (with AWS's error) when the
//! object it names does not exist.

use std::collections::BTreeMap;

use async_trait::async_trait;
use hangar_core::{Type, Value};
use hangar_provider::{AttributeSchema, BlockSchema, ProviderError, RemoteObject, ResourceSchema};

use crate::attrs;
use crate::eks::cluster::Cluster;
use crate::error::call;
use crate::resource::{Aws, DataSource};
use crate::s3::{locate, partition};

fn schema(
    args: &[(&'static str, AttributeSchema)],
    computed: &[(&'static str, Type)],
) -> ResourceSchema {
    let mut b = BlockSchema::default();
    for (n, a) in args {
        b.attributes.insert(n.to_string(), a.clone());
    }
    for (n, t) in computed {
        b.attributes
            .insert(n.to_string(), AttributeSchema::computed(t.clone()));
    }
    ResourceSchema {
        block: b,
        refreshable: true,
        version: 0,
    }
}

fn required(call_name: &str, config: &Value, name: &str) -> Result<String, ProviderError> {
    attrs::string(config, name)
        .ok_or_else(|| ProviderError::new(call_name, format!("{name} is required")))
}

/// `data "aws_s3_bucket"`.
pub struct BucketData;

#[async_trait]
impl DataSource for BucketData {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket"
    }

    fn schema(&self) -> ResourceSchema {
        schema(
            &[("bucket", AttributeSchema::required(Type::String))],
            &[
                ("id", Type::String),
                ("arn", Type::String),
                ("region", Type::String),
                ("bucket_domain_name", Type::String),
                ("bucket_regional_domain_name", Type::String),
            ],
        )
    }

    async fn read(&self, aws: &Aws, config: &Value) -> Result<RemoteObject, ProviderError> {
        let name = required("GetBucketLocation", config, "bucket")?;
        let (_, region) = locate(aws, &name).await?.ok_or_else(|| ProviderError {
            call: "GetBucketLocation".into(),
            code: Some("NoSuchBucket".into()),
            message: format!("The specified bucket {name} does not exist"),
        })?;
        let attrs = attrs::object([
            ("id", Value::string(&name)),
            ("bucket", Value::string(&name)),
            (
                "arn",
                Value::string(format!("arn:{}:s3:::{name}", partition(&region))),
            ),
            ("region", Value::string(&region)),
            (
                "bucket_domain_name",
                Value::string(format!("{name}.s3.amazonaws.com")),
            ),
            (
                "bucket_regional_domain_name",
                Value::string(format!("{name}.s3.{region}.amazonaws.com")),
            ),
        ]);
        Ok(RemoteObject {
            attrs,
            region: Some(region),
            deferred: None,
            private: Vec::new(),
        })
    }
}

/// `data "aws_eks_cluster"`.
pub struct ClusterData;

#[async_trait]
impl DataSource for ClusterData {
    fn type_name(&self) -> &'static str {
        "aws_eks_cluster"
    }

    fn schema(&self) -> ResourceSchema {
        let set = || Type::Set(Box::new(Type::String));
        schema(
            &[("name", AttributeSchema::required(Type::String))],
            &[
                ("id", Type::String),
                ("arn", Type::String),
                ("endpoint", Type::String),
                ("version", Type::String),
                ("platform_version", Type::String),
                ("status", Type::String),
                ("role_arn", Type::String),
                (
                    "certificate_authority",
                    Type::List(Box::new(Type::object([("data".to_string(), Type::String)]))),
                ),
                (
                    "vpc_config",
                    Type::List(Box::new(Type::object([
                        ("subnet_ids".to_string(), set()),
                        ("security_group_ids".to_string(), set()),
                        ("endpoint_public_access".to_string(), Type::Bool),
                        ("endpoint_private_access".to_string(), Type::Bool),
                    ]))),
                ),
                ("enabled_cluster_log_types", set()),
                ("tags", Type::Map(Box::new(Type::String))),
            ],
        )
    }

    async fn read(&self, aws: &Aws, config: &Value) -> Result<RemoteObject, ProviderError> {
        let name = required("DescribeCluster", config, "name")?;
        let obj = Cluster
            .read_named(aws, &name, &Value::NULL)
            .await?
            .ok_or_else(|| ProviderError {
                call: "DescribeCluster".into(),
                code: Some(crate::eks::NOT_FOUND.into()),
                message: format!("No cluster found for name: {name}."),
            })?;
        let Value::Object(mut m) = obj.attrs else {
            return Err(ProviderError::new(
                "DescribeCluster",
                "unexpected cluster shape",
            ));
        };
        // The data source shows every tag but Hangar's own, and plain sets for empty lists.
        let all = attrs::string_map(&Value::Object(m.clone()), "tags_all");
        let visible: BTreeMap<String, String> = all
            .into_iter()
            .filter(|(k, _)| !crate::tags::is_system(k))
            .collect();
        m.insert("tags".into(), attrs::string_map_value(&visible));
        m.remove("tags_all");
        m.remove("timeouts");
        for key in ["enabled_cluster_log_types"] {
            if m.get(key).is_none_or(Value::is_null) {
                m.insert(key.into(), Value::Set(Vec::new()));
            }
        }
        Ok(RemoteObject {
            attrs: Value::Object(m),
            region: obj.region,
            deferred: None,
            private: Vec::new(),
        })
    }
}

/// Human names of AWS regions, for `aws_region.description`.
const REGION_NAMES: &[(&str, &str)] = &[
    ("af-south-1", "Africa (Cape Town)"),
    ("ap-east-1", "Asia Pacific (Hong Kong)"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)"),
    ("ap-northeast-2", "Asia Pacific (Seoul)"),
    ("ap-northeast-3", "Asia Pacific (Osaka)"),
    ("ap-south-1", "Asia Pacific (Mumbai)"),
    ("ap-south-2", "Asia Pacific (Hyderabad)"),
    ("ap-southeast-1", "Asia Pacific (Singapore)"),
    ("ap-southeast-2", "Asia Pacific (Sydney)"),
    ("ap-southeast-3", "Asia Pacific (Jakarta)"),
    ("ap-southeast-4", "Asia Pacific (Melbourne)"),
    ("ca-central-1", "Canada (Central)"),
    ("ca-west-1", "Canada West (Calgary)"),
    ("cn-north-1", "China (Beijing)"),
    ("cn-northwest-1", "China (Ningxia)"),
    ("eu-central-1", "Europe (Frankfurt)"),
    ("eu-central-2", "Europe (Zurich)"),
    ("eu-north-1", "Europe (Stockholm)"),
    ("eu-south-1", "Europe (Milan)"),
    ("eu-south-2", "Europe (Spain)"),
    ("eu-west-1", "Europe (Ireland)"),
    ("eu-west-2", "Europe (London)"),
    ("eu-west-3", "Europe (Paris)"),
    ("il-central-1", "Israel (Tel Aviv)"),
    ("me-central-1", "Middle East (UAE)"),
    ("me-south-1", "Middle East (Bahrain)"),
    ("sa-east-1", "South America (Sao Paulo)"),
    ("us-east-1", "US East (N. Virginia)"),
    ("us-east-2", "US East (Ohio)"),
    ("us-gov-east-1", "AWS GovCloud (US-East)"),
    ("us-gov-west-1", "AWS GovCloud (US-West)"),
    ("us-west-1", "US West (N. California)"),
    ("us-west-2", "US West (Oregon)"),
];

/// `data "aws_region"`: the provider's region, or the one named.
pub struct RegionData;

#[async_trait]
impl DataSource for RegionData {
    fn type_name(&self) -> &'static str {
        "aws_region"
    }

    fn schema(&self) -> ResourceSchema {
        schema(
            &[
                ("name", AttributeSchema::optional_computed(Type::String)),
                ("region", AttributeSchema::optional_computed(Type::String)),
            ],
            &[
                ("id", Type::String),
                ("description", Type::String),
                ("endpoint", Type::String),
            ],
        )
    }

    async fn read(&self, aws: &Aws, config: &Value) -> Result<RemoteObject, ProviderError> {
        let name = attrs::string(config, "region")
            .or_else(|| attrs::string(config, "name"))
            .unwrap_or_else(|| aws.clients.region.clone());
        let description = REGION_NAMES
            .iter()
            .find(|(r, _)| *r == name)
            .map(|(_, d)| *d);
        let suffix = if name.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        let attrs = attrs::object([
            ("id", Value::string(&name)),
            ("name", Value::string(&name)),
            ("region", Value::string(&name)),
            ("description", attrs::opt_string(description)),
            ("endpoint", Value::string(format!("ec2.{name}.{suffix}"))),
        ]);
        // A region's name and endpoint are public metadata, not an object living anywhere.
        Ok(RemoteObject {
            attrs,
            region: None,
            deferred: None,
            private: Vec::new(),
        })
    }
}

/// `data "aws_caller_identity"`: STS GetCallerIdentity.
pub struct CallerIdentity;

#[async_trait]
impl DataSource for CallerIdentity {
    fn type_name(&self) -> &'static str {
        "aws_caller_identity"
    }

    fn schema(&self) -> ResourceSchema {
        schema(
            &[],
            &[
                ("id", Type::String),
                ("account_id", Type::String),
                ("arn", Type::String),
                ("user_id", Type::String),
            ],
        )
    }

    async fn read(&self, aws: &Aws, _config: &Value) -> Result<RemoteObject, ProviderError> {
        let out = call(
            "GetCallerIdentity",
            aws.clients.sts.get_caller_identity().send().await,
        )?;
        let account = out.account().unwrap_or_default().to_string();
        let attrs = attrs::object([
            ("id", Value::string(&account)),
            ("account_id", Value::string(account)),
            ("arn", attrs::opt_string(out.arn())),
            ("user_id", attrs::opt_string(out.user_id())),
        ]);
        Ok(RemoteObject {
            attrs,
            region: None,
            deferred: None,
            private: Vec::new(),
        })
    }
}
