//! Hangar's Azure provider (`azurerm`): resource groups, AKS clusters and node pools, storage
//! accounts and blob containers, through the documented Azure Resource Manager and Blob REST
//! APIs.
//!
//! Types and attributes carry Terraform's azurerm names and semantics (ids are ARM ids;
//! `force_new` where azurerm replaces), so existing configurations read the same. Each resource
//! type pins the api-version Terraform's azurerm uses for it. Long-running operations
//! (`Azure-AsyncOperation` / `Location` polling, `provisioningState`) wait within the
//! resource's `timeouts`. Every Azure error becomes a
//! [`ProviderError`](hangar_provider::ProviderError) with the call, ARM's (or Blob Storage's)
//! error code and its message naming the resource id. Every created object carries Hangar's
//! ownership tags (see [`tags`]), kept out of `tags`.
//!
//! Why REST rather than SDK crates: the management crate the design names
//! (`azure_mgmt_containerservice`) is frozen on `azure_core` 0.10 and cannot share credentials
//! with `azure_identity` 1.x; `azure_core` 1.x's own transport is reqwest 0.13 and
//! `azure_identity` 1.x only accepts `https` authorities, so tests could not aim it at a local
//! token endpoint. The HTTP, token and signing code lives in `hangar-azurerm-client` (shared
//! with the `azurerm` state backend), on the workspace's one hyper + rustls stack.
//!
//! Left out on purpose: resource types other than the five in [`AzurermProvider::schema`], data
//! sources, managed identity and certificate credentials, and credential validation at
//! configure time (a bad credential fails the first call, with Entra ID's message).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use hangar_provider::attrs;
pub mod config;
mod kubernetes;
mod node_pool;
mod owned;
pub mod place;
pub mod resource;
mod resource_group;
mod storage_account;
mod storage_container;
pub mod tags;
pub mod wait;

use async_trait::async_trait;
use hangar_core::{Cloud, Diagnostics, Value};
use hangar_provider::{
    ApplyRequest, ConfigureRequest, ConfiguredProvider, ImportRequest, ListOwnedRequest,
    ListOwnedResponse, Place, PlanRequest, PlanResponse, Provider, ProviderError, ReadRequest,
    RemoteObject, ResourceSchema, Schema,
};

use resource::{Azure, Resource};

/// Api-versions per resource type, as pinned.
pub mod api {
    pub use crate::kubernetes::API as KUBERNETES;
    pub use crate::resource_group::API as RESOURCE_GROUPS;
    pub use crate::storage_account::API as STORAGE;
}

/// The `azurerm` provider.
#[derive(Debug, Default)]
pub struct AzurermProvider;

fn resources() -> Vec<&'static dyn Resource> {
    vec![
        &resource_group::ResourceGroup,
        &kubernetes::KubernetesCluster,
        &node_pool::NodePool,
        &storage_account::StorageAccount,
        &storage_container::StorageContainer,
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
impl Provider for AzurermProvider {
    fn name(&self) -> &'static str {
        "azurerm"
    }

    fn schema(&self) -> Schema {
        Schema {
            provider: config::schema(),
            resources: resources()
                .into_iter()
                .map(|r| (r.type_name().to_string(), r.schema()))
                .collect(),
            data_sources: Default::default(),
        }
    }

    fn cloud(&self) -> Option<Cloud> {
        Some(Cloud::Azure)
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
        Ok(Box::new(Configured(settings.connect()?)))
    }
}

/// The `azurerm` provider, configured.
struct Configured(Azure);

fn require<'a>(v: &'a Option<Value>, call: &str) -> Result<&'a Value, ProviderError> {
    v.as_ref()
        .filter(|v| !v.is_null())
        .ok_or_else(|| ProviderError::new(call, "the engine sent no object"))
}

#[async_trait]
impl ConfiguredProvider for Configured {
    fn region(&self) -> Option<String> {
        None
    }

    async fn plan(
        &self,
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        resource(&req.type_name)?.plan(schema, req)
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
