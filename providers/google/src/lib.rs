//! Hangar's `google` provider: GKE clusters and node pools and Cloud Storage buckets, over
//! Google's documented REST/JSON APIs (`container/v1`, `storage/v1`) through
//! [`hangar_google_client`].
//!
//! Why the JSON APIs and not an SDK crate: the official `google-cloud-storage` 1.x
//! administers buckets over gRPC only, which no local emulator speaks, and would bring
//! tonic/prost into every cold build; `gcloud-storage` speaks the JSON API but brings reqwest
//! and its own token stack. The JSON API over the hyper 1 and rustls (ring) client the AWS SDK
//! already compiles serves real Google Cloud and fake-gcs-server alike, with
//! `storage_custom_endpoint`; GKE, which has no emulator, is tested at the HTTP boundary
//! against a server in `hangar-testkit` that follows the documented shapes.
//!
//! Types and attributes carry Terraform's names (`google_storage_bucket`,
//! `google_container_cluster`, `google_container_node_pool`; data sources
//! `google_storage_bucket` and `google_client_config`). Every API error becomes a
//! [`ProviderError`] with the API method, Google's code and Google's message (the engine
//! adds the resource address). Every created object carries Hangar's ownership labels (see
//! [`labels`]), kept out of the user's labels so that re-plans are no-ops. Long-running GKE
//! operations are polled to completion within the resource's `timeouts`.
//!
//! Left out on purpose: other resource types, the metadata server as a credential source,
//! and credential validation at configure time (a bad credential fails the first call, with
//! Google's message).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use hangar_provider::attrs;
mod client_config;
pub mod config;
mod container;
pub mod error;
pub mod labels;
mod owned;
pub mod place;
pub mod resource;
mod storage;
pub mod wait;

use async_trait::async_trait;
use hangar_core::{Cloud, Diagnostics, Value};
use hangar_provider::{
    ApplyRequest, ConfigureRequest, ConfiguredProvider, ImportRequest, ListOwnedRequest,
    ListOwnedResponse, Place, PlanRequest, PlanResponse, Provider, ProviderError, ReadDataRequest,
    ReadRequest, RemoteObject, ResourceSchema, Schema,
};

use resource::{DataSource, Google, Resource};

/// The `google` provider.
#[derive(Debug, Default)]
pub struct GoogleProvider;

fn resources() -> Vec<&'static dyn Resource> {
    vec![
        &storage::bucket::Bucket,
        &container::cluster::Cluster,
        &container::node_pool::NodePool,
    ]
}

fn data_sources() -> Vec<&'static dyn DataSource> {
    vec![&storage::data::BucketData, &client_config::ClientConfig]
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
impl Provider for GoogleProvider {
    fn name(&self) -> &'static str {
        "google"
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
        Some(Cloud::Gcp)
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
        let clients = config::Clients::connect(&settings)?;
        Ok(Box::new(Configured(Google {
            clients,
            default_labels: settings.default_labels,
        })))
    }
}

/// The `google` provider, configured.
struct Configured(Google);

fn require<'a>(v: &'a Option<Value>, call: &str) -> Result<&'a Value, ProviderError> {
    v.as_ref()
        .filter(|v| !v.is_null())
        .ok_or_else(|| ProviderError::new(call, "the engine sent no object"))
}

#[async_trait]
impl ConfiguredProvider for Configured {
    fn region(&self) -> Option<String> {
        let c = &self.0.clients;
        c.region.clone().or_else(|| {
            c.zone
                .as_deref()
                .and_then(|z| hangar_core::geo::zone_region(Cloud::Gcp, z))
                .map(str::to_string)
        })
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
        resource(type_name)?
            .find_created(&self.0, token, planned)
            .await
    }

    async fn list_owned(&self, req: ListOwnedRequest) -> Result<ListOwnedResponse, ProviderError> {
        owned::list_owned(&self.0, &req).await
    }
}
