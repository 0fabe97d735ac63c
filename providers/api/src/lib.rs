//! The interface every Hangar provider implements, apart from any implementation.
//!
//! A [`Provider`] is unconfigured: it can describe its [`Schema`] and be configured. Configuring
//! it returns a [`ConfiguredProvider`], the only thing that can plan, create, read, update,
//! delete and import — so no code can call a cloud before the provider block was evaluated.
//! Every call takes one request struct and returns one response struct. Providers never touch
//! state files: they get prior objects in requests and hand new objects back. Providers
//! describe where data goes ([`place`]); they never judge it — the engine's residency gate does.
//!
//! This crate owns the interface only and depends on `hangar-core` alone: never on the engine,
//! state, or any cloud SDK.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod attrs;
pub mod place;
pub mod plan;
pub mod schema;
pub mod wait;

use async_trait::async_trait;
use hangar_core::{Cloud, Diagnostics, Value};

pub use place::{Place, Target};
pub use schema::{AttributeSchema, BlockSchema, NestedBlock, Nesting, ResourceSchema, Schema};

/// A cloud's error or a provider's refusal, with enough to tell the user what happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{call}: {message}")]
pub struct ProviderError {
    /// The API call (or step) that failed, e.g. `CreateBucket`.
    pub call: String,
    /// The cloud's own error code, when it gave one (`BucketAlreadyExists`).
    pub code: Option<String>,
    /// The cloud's message.
    pub message: String,
}

impl ProviderError {
    /// An error from `call` with `message`.
    pub fn new(call: impl Into<String>, message: impl Into<String>) -> Self {
        ProviderError {
            call: call.into(),
            code: None,
            message: message.into(),
        }
    }
}

/// A remote object as the provider sees it after an operation or a read.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteObject {
    /// All attributes, known.
    pub attrs: Value,
    /// The region the object really lives in, read back from the cloud (residency checks).
    pub region: Option<String>,
    /// Opaque bytes the provider keeps beside the object (a plugin's private state): recorded
    /// with the object and handed back on its next plan, apply and read. Empty for native
    /// providers.
    pub private: Vec<u8>,
    /// Set when the provider put the read or import off until more is known.
    pub deferred: Option<Deferred>,
}

impl Default for RemoteObject {
    fn default() -> Self {
        RemoteObject {
            attrs: Value::NULL,
            region: None,
            private: Vec::new(),
            deferred: None,
        }
    }
}

/// Why a provider put a change off (Terraform's deferred actions): the engine must plan the
/// object again once the reason is gone, never apply it as planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deferred {
    /// The resource's configuration has unknowns the provider needs.
    ResourceConfigUnknown,
    /// The provider's configuration has unknowns.
    ProviderConfigUnknown,
    /// Something this object depends on does not exist yet.
    AbsentPrerequisite,
    /// A reason this version of the protocol does not name.
    Other,
}

/// Who is asking, written onto cloud objects so an unrecorded object can be found again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OperationContext {
    /// Resource instance address.
    pub address: String,
    /// Workspace name.
    pub workspace: String,
    /// Unique token of this operation (the intent journal records it before the call).
    pub token: String,
}

/// Configuration of a provider block, evaluated.
#[derive(Debug, Clone)]
pub struct ConfigureRequest {
    /// The provider block's arguments as an object (nulls for unset ones).
    pub config: Value,
}

/// Asks for the planned new state of one resource instance.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// Resource type.
    pub type_name: String,
    /// Recorded state, `None` when the object does not exist yet.
    pub prior: Option<Value>,
    /// Configuration, possibly with unknowns.
    pub config: Value,
    /// The private state recorded with `prior` (empty when none).
    pub private: Vec<u8>,
}

/// The planned new state and whether it needs a replacement.
#[derive(Debug, Clone)]
pub struct PlanResponse {
    /// Planned state: configuration plus prior/unknown computed attributes.
    pub planned: Value,
    /// Attribute paths whose change forces replacement.
    pub requires_replace: Vec<String>,
    /// Private state to hand to the apply of this plan (empty for native providers).
    pub private: Vec<u8>,
    /// Set when the provider put the change off until more is known.
    pub deferred: Option<Deferred>,
}

/// Creates, updates or deletes one object.
#[derive(Debug, Clone)]
pub struct ApplyRequest {
    /// Resource type.
    pub type_name: String,
    /// Recorded state before (`None` for create).
    pub prior: Option<Value>,
    /// Planned state after, fully known now (`None` for delete).
    pub planned: Option<Value>,
    /// Who is asking.
    pub context: OperationContext,
    /// The configuration the plan was made from (`None` for delete, or when the caller has
    /// only the plan: a plugin then derives it from `planned`).
    pub config: Option<Value>,
    /// The private state from the plan (for delete: the one recorded with `prior`).
    pub private: Vec<u8>,
}

/// Reads one object back.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    /// Resource type.
    pub type_name: String,
    /// Recorded state.
    pub prior: Value,
    /// The private state recorded with it (empty when none).
    pub private: Vec<u8>,
}

/// Reads a data source.
#[derive(Debug, Clone)]
pub struct ReadDataRequest {
    /// Data source type.
    pub type_name: String,
    /// Its configuration, known.
    pub config: Value,
}

/// Imports an existing object by its cloud id.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// Resource type.
    pub type_name: String,
    /// Cloud id.
    pub id: String,
}

/// Asks a provider to read state recorded under an older schema version into the current one.
#[derive(Debug, Clone)]
pub struct UpgradeRequest {
    /// Resource type.
    pub type_name: String,
    /// The schema version the state was recorded with.
    pub version: i64,
    /// The recorded attributes as JSON.
    pub raw: serde_json::Value,
}

/// A cloud object that carries this workspace's ownership tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedObject {
    /// Resource type it corresponds to (`aws_s3_bucket`).
    pub type_name: String,
    /// Its cloud id.
    pub id: String,
    /// The `hangar:address` tag, if present.
    pub address: Option<String>,
    /// The `hangar:token` tag: the operation that created it, matched against intents.
    pub token: Option<String>,
    /// Where it lives.
    pub region: Option<String>,
}

/// Asks for every object carrying a workspace's ownership tags.
#[derive(Debug, Clone, Default)]
pub struct ListOwnedRequest {
    /// Workspace name (`hangar:workspace` tag value).
    pub workspace: String,
    /// Only these resource types (the ones the workspace's configuration or state uses); a
    /// provider never lists types outside this set.
    pub types: Vec<String>,
    /// Search these regions (every region of the cloud where the tags could be), bounded and in
    /// parallel; empty means the configured region only.
    pub regions: Vec<String>,
}

/// What a search for owned objects found, and what it could not search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOwnedResponse {
    /// Objects found.
    pub objects: Vec<OwnedObject>,
    /// Types or regions that could not be listed (no permission, no endpoint): reported as
    /// warnings, never as failures of the whole search.
    pub skipped: Vec<ProviderError>,
}

/// A provider before configuration: knows its schema, can be configured.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Local name (`aws`, `terraform`, `time`).
    fn name(&self) -> &'static str;
    /// Resource types, data sources and the provider block's schema.
    fn schema(&self) -> Schema;
    /// The cloud this provider's objects live in; `None` for providers with no location
    /// (`terraform`, `time`), which the residency gate leaves alone, and for providers whose
    /// objects live beside another provider's (`hangar`), which it judges only through their
    /// [`Target::SameAs`](place::Target::SameAs) places, in the named object's cloud.
    fn cloud(&self) -> Option<Cloud> {
        None
    }
    /// Where a provider block with this (evaluated, possibly partly unknown) configuration
    /// sends data: its default region and every endpoint override. Pure; calls no cloud.
    fn provider_places(&self, config: &Value) -> Vec<Place> {
        let _ = config;
        Vec::new()
    }
    /// Where one instance of resource (or, when `data`, data source) `type_name` with this
    /// configuration puts or reads data. Pure; calls no cloud. The default reads a `region` or
    /// `location` attribute and otherwise inherits the provider's region.
    fn places(&self, type_name: &str, data: bool, config: &Value) -> Vec<Place> {
        let _ = (type_name, data);
        place::by_location_attribute(config)
    }
    /// Validates the provider block and returns the configured provider; fails with diagnostics
    /// when the configuration is invalid.
    async fn configure(
        &self,
        req: ConfigureRequest,
    ) -> Result<Box<dyn ConfiguredProvider>, Diagnostics>;
}

/// A configured provider: the only thing that talks to a cloud.
#[async_trait]
pub trait ConfiguredProvider: Send + Sync {
    /// The region this configuration targets by default, for residency checks.
    fn region(&self) -> Option<String>;

    /// Plans one resource instance; the default follows the schema (see [`plan::plan_by_schema`]).
    async fn plan(
        &self,
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        Ok(plan::plan_by_schema(schema, &req))
    }

    /// Creates the object; fails with the cloud's error.
    async fn create(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError>;

    /// Updates the object in place; fails with the cloud's error.
    async fn update(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError>;

    /// Deletes the object; fails with the cloud's error.
    async fn delete(&self, req: ApplyRequest) -> Result<(), ProviderError>;

    /// Reads the object back; `Ok(None)` when it no longer exists.
    async fn read(&self, req: ReadRequest) -> Result<Option<RemoteObject>, ProviderError>;

    /// Reads a data source.
    async fn read_data(&self, req: ReadDataRequest) -> Result<RemoteObject, ProviderError> {
        Err(ProviderError::new(
            "ReadDataSource",
            format!("unsupported data source {}", req.type_name),
        ))
    }

    /// Whether [`ConfiguredProvider::list_owned`] really searches the cloud, so that finding
    /// nothing proves an interrupted create left nothing behind.
    fn can_list_owned(&self) -> bool {
        false
    }

    /// The id of the object that the create with `token` and `planned` attributes made, for
    /// objects that cannot carry their token from the first API call (an S3 bucket is tagged
    /// only after CreateBucket). The default finds none; tags found by `list_owned` cover the rest.
    async fn find_created(
        &self,
        type_name: &str,
        token: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let _ = (type_name, token, planned);
        Ok(None)
    }

    /// Every object of the requested types and regions tagged `hangar:workspace =
    /// req.workspace`, so drift detection can report objects that state does not record and
    /// crash recovery can adopt them. A type or region it cannot list goes into
    /// [`ListOwnedResponse::skipped`]; only a failure of the whole search is an error. The
    /// default finds none.
    async fn list_owned(&self, req: ListOwnedRequest) -> Result<ListOwnedResponse, ProviderError> {
        let _ = req;
        Ok(ListOwnedResponse::default())
    }

    /// Reads recorded state of an older schema version as the current schema's value (a
    /// plugin's `UpgradeResourceState`); the default refuses, since native providers keep one
    /// schema version.
    async fn upgrade_state(&self, req: UpgradeRequest) -> Result<Value, ProviderError> {
        Err(ProviderError::new(
            "UpgradeResourceState",
            format!("{} has no older schema versions", req.type_name),
        ))
    }

    /// Imports an existing object; fails when it does not exist or import is unsupported.
    async fn import(&self, req: ImportRequest) -> Result<RemoteObject, ProviderError> {
        Err(ProviderError::new(
            "Import",
            format!("{} does not support import", req.type_name),
        ))
    }
}
