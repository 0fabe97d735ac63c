//! Hangar's AWS provider: EKS clusters and node groups, S3 buckets and their configuration,
//! through the official AWS SDK for Rust.
//!
//! Types and attributes carry Terraform's names (`aws_s3_bucket`, `aws_eks_cluster`, ...), so
//! existing configurations read the same. Every cloud error becomes a
//! [`ProviderError`](hangar_provider::ProviderError) with the API call, AWS's error code and
//! AWS's message. Every created object carries Hangar's system tags (see [`tags`]), kept out of
//! `tags` so that re-plans are no-ops. Long operations wait with the resource's `timeouts`.
//!
//! Left out on purpose: resource types other than the ones listed in [`AwsProvider::schema`],
//! assume-role chains in the provider block, and credential validation at configure time (a
//! bad credential fails the first call, with AWS's message).
//!
//! It owns everything AWS-specific, including where AWS objects and endpoints are
//! ([`place`]); it depends on `hangar-core`, `hangar-provider` and the AWS SDK only, never on
//! the engine or state.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use hangar_provider::attrs;
pub mod config;
mod data;
mod eks;
pub mod error;
mod owned;
pub mod place;
pub mod resource;
mod s3;
pub mod tags;
pub mod wait;

use async_trait::async_trait;
use hangar_core::{Cloud, Diagnostics, Value};
use hangar_provider::{
    ApplyRequest, ConfigureRequest, ConfiguredProvider, ImportRequest, ListOwnedRequest,
    ListOwnedResponse, Place, PlanRequest, PlanResponse, Provider, ProviderError, ReadDataRequest,
    ReadRequest, RemoteObject, ResourceSchema, Schema,
};

use resource::{Aws, DataSource, Resource};

/// The `aws` provider.
#[derive(Debug, Default)]
pub struct AwsProvider;

fn resources() -> Vec<&'static dyn Resource> {
    vec![
        &s3::bucket::Bucket,
        &s3::settings::Versioning,
        &s3::settings::Encryption,
        &s3::settings::PublicAccessBlock,
        &s3::replication::Replication,
        &eks::cluster::Cluster,
        &eks::node_group::NodeGroup,
    ]
}

fn data_sources() -> Vec<&'static dyn DataSource> {
    vec![
        &data::BucketData,
        &data::ClusterData,
        &data::RegionData,
        &data::CallerIdentity,
    ]
}

fn resource(type_name: &str) -> Result<&'static dyn Resource, ProviderError> {
    resources()
        .into_iter()
        .find(|r| r.type_name() == type_name)
        .ok_or_else(|| {
            ProviderError::new("Resource", format!("unsupported resource type {type_name}"))
        })
}

#[async_trait]
impl Provider for AwsProvider {
    fn name(&self) -> &'static str {
        "aws"
    }

    fn schema(&self) -> Schema {
        Schema {
            provider: config::schema(),
            resources: resources()
                .into_iter()
                .map(|r| (r.type_name().to_string(), r.schema()))
                .collect(),
            data_sources: data_sources()
                .into_iter()
                .map(|d| (d.type_name().to_string(), d.schema()))
                .collect(),
        }
    }

    fn cloud(&self) -> Option<Cloud> {
        Some(Cloud::Aws)
    }

    fn provider_places(&self, config: &Value) -> Vec<Place> {
        place::provider_places(config)
    }

    fn places(&self, type_name: &str, data: bool, config: &Value) -> Vec<Place> {
        place::places(type_name, data, config)
    }

    async fn configure(
        &self,
        req: ConfigureRequest,
    ) -> Result<Box<dyn ConfiguredProvider>, Diagnostics> {
        let settings = config::Settings::from_value(&req.config)?;
        let clients = config::Clients::connect(&settings).await?;
        Ok(Box::new(Configured(Aws {
            clients,
            default_tags: settings.default_tags,
        })))
    }
}

/// The `aws` provider, configured.
struct Configured(Aws);

fn require<'a>(v: &'a Option<Value>, call: &str) -> Result<&'a Value, ProviderError> {
    v.as_ref()
        .filter(|v| !v.is_null())
        .ok_or_else(|| ProviderError::new(call, "the engine sent no object"))
}

#[async_trait]
impl ConfiguredProvider for Configured {
    fn region(&self) -> Option<String> {
        Some(self.0.clients.region.clone())
    }

    async fn plan(
        &self,
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        resource(&req.type_name)?.plan(&self.0, schema, req)
    }

    async fn create(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError> {
        let planned = require(&req.planned, "Create")?;
        resource(&req.type_name)?
            .create(&self.0, planned, &req.context)
            .await
    }

    async fn update(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError> {
        let prior = require(&req.prior, "Update")?;
        let planned = require(&req.planned, "Update")?;
        resource(&req.type_name)?
            .update(&self.0, prior, planned, &req.context)
            .await
    }

    async fn delete(&self, req: ApplyRequest) -> Result<(), ProviderError> {
        let prior = require(&req.prior, "Delete")?;
        resource(&req.type_name)?.delete(&self.0, prior).await
    }

    async fn read(&self, req: ReadRequest) -> Result<Option<RemoteObject>, ProviderError> {
        resource(&req.type_name)?.read(&self.0, &req.prior).await
    }

    async fn read_data(&self, req: ReadDataRequest) -> Result<RemoteObject, ProviderError> {
        let d = data_sources()
            .into_iter()
            .find(|d| d.type_name() == req.type_name)
            .ok_or_else(|| {
                ProviderError::new(
                    "ReadDataSource",
                    format!("unsupported data source {}", req.type_name),
                )
            })?;
        d.read(&self.0, &req.config).await
    }

    async fn import(&self, req: ImportRequest) -> Result<RemoteObject, ProviderError> {
        resource(&req.type_name)?.import(&self.0, &req.id).await
    }

    fn can_list_owned(&self) -> bool {
        true
    }

    async fn find_created(
        &self,
        type_name: &str,
        token: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        match type_name {
            "aws_s3_bucket" => s3::bucket::find_created(&self.0, token, planned).await,
            _ => Ok(None),
        }
    }

    async fn list_owned(&self, req: ListOwnedRequest) -> Result<ListOwnedResponse, ProviderError> {
        owned::list_owned(&self.0, &req).await
    }
}
