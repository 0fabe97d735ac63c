//! `azurerm_storage_container`: a blob container, managed the two ways Terraform's azurerm 4.x
//! does: with `storage_account_id` through Resource Manager
//! (`.../blobServices/default/containers/{name}`, api-version 2023-05-01; the id is that ARM
//! id), or with `storage_account_name` through the Blob data plane (the id is the container's
//! URL), authorised with the account key that `listKeys` returns.
//!
//! `container_access_type` (`private`, `blob`, `container`) and `metadata` change in place;
//! anything else replaces the container. Containers have no tags: Hangar's ownership values
//! live in their metadata (see [`crate::tags`]). The region is the storage account's. Import
//! id: either id form.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use hangar_azurerm_client::blob::{BlobAccount, BlobAuth};
use hangar_core::{Type, Value};
use hangar_provider::{
    AttributeSchema, BlockSchema, OperationContext, PlanRequest, PlanResponse, ProviderError,
    RemoteObject, ResourceSchema,
};
use serde::{Deserialize, Serialize};

use crate::attrs;
use crate::resource::{ArmId, Azure, Default, PlanRules, Resource};
use crate::storage_account::{primary_key, Account, API};
use crate::tags;
use crate::wait::{self, fail};

const TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// `azurerm_storage_container`.
pub struct StorageContainer;

/// A container as Resource Manager shows it.
#[derive(Debug, Serialize, Deserialize)]
struct Container {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default)]
    properties: ContainerProperties,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContainerProperties {
    /// `None`, `Blob` or `Container`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public_access: Option<String>,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    has_immutability_policy: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    has_legal_hold: Option<bool>,
}

/// A list answer of storage accounts.
#[derive(Deserialize)]
struct AccountRef {
    id: String,
    name: String,
}

/// Where a container lives.
enum Home {
    /// Through Resource Manager: the account's ARM id.
    Arm(String),
    /// Through the data plane: the account's name.
    Data(String),
}

fn arm_access(t: &str) -> String {
    match t {
        "blob" => "Blob".into(),
        "container" => "Container".into(),
        _ => "None".into(),
    }
}

fn tf_access(a: Option<&str>) -> String {
    match a.map(str::to_ascii_lowercase).as_deref() {
        Some("blob") => "blob".into(),
        Some("container") => "container".into(),
        _ => "private".into(),
    }
}

fn home(v: &Value) -> Option<Home> {
    if let Some(id) = attrs::string(v, "storage_account_id") {
        return Some(Home::Arm(id));
    }
    attrs::string(v, "storage_account_name").map(Home::Data)
}

/// The account named `name` in the subscription (its ARM id and location), found by listing.
async fn find_account(az: &Azure, name: &str) -> Result<Option<String>, ProviderError> {
    let path = format!(
        "{}/providers/Microsoft.Storage/storageAccounts",
        az.subscription()
    );
    let all: Vec<AccountRef> = az
        .arm
        .list(&path, API)
        .await
        .map_err(|e| fail("StorageAccounts.List", &path, "read", e))?;
    Ok(all.into_iter().find(|a| a.name == name).map(|a| a.id))
}

async fn account(az: &Azure, id: &str) -> Result<Option<Account>, ProviderError> {
    az.arm
        .get(id, API)
        .await
        .map_err(|e| fail("StorageAccounts.GetProperties", id, "read", e))
}

/// The data plane of account `name`: its endpoint (the `storage_endpoint` override, else the
/// account's blob endpoint) with its key, and its location.
async fn data_plane(az: &Azure, name: &str) -> Result<(BlobAccount, String), ProviderError> {
    let id = find_account(az, name).await?.ok_or_else(|| ProviderError {
        call: "StorageAccounts.List".into(),
        code: Some("StorageAccountNotFound".into()),
        message: format!(
            "storage account {name} was not found in subscription {}",
            az.subscription_id
        ),
    })?;
    let acc = account(az, &id).await?.ok_or_else(|| {
        wait::refuse(
            "StorageAccounts.GetProperties",
            format!("{id} does not exist"),
        )
    })?;
    let endpoint = match &az.storage_endpoint {
        Some(e) => format!("{e}/{name}"),
        None => acc
            .properties
            .primary_endpoints
            .and_then(|e| e.blob)
            .unwrap_or_else(|| format!("https://{name}.blob.{}", az.storage_suffix)),
    };
    let key = primary_key(az, &id).await?;
    let auth =
        BlobAuth::shared_key(&key).map_err(|e| fail("StorageAccounts.ListKeys", &id, "read", e))?;
    Ok((
        BlobAccount::new(az.http.clone(), &endpoint, name, auth),
        acc.location,
    ))
}

#[allow(
    clippy::too_many_arguments,
    reason = "one read-back shape for both id forms"
)]
fn shape(
    id: String,
    name: &str,
    access: String,
    meta: &BTreeMap<String, String>,
    flags: (bool, bool),
    rm_id: String,
    prior: &Value,
    region: String,
) -> RemoteObject {
    let mut m = BTreeMap::new();
    m.insert("id".into(), Value::string(id));
    m.insert("name".into(), Value::string(name));
    m.insert(
        "storage_account_id".into(),
        attrs::get(prior, "storage_account_id").clone(),
    );
    m.insert(
        "storage_account_name".into(),
        attrs::get(prior, "storage_account_name").clone(),
    );
    m.insert("container_access_type".into(), Value::string(access));
    m.insert(
        "metadata".into(),
        tags::user_metadata(meta, attrs::get(prior, "metadata")),
    );
    m.insert("has_immutability_policy".into(), Value::Bool(flags.0));
    m.insert("has_legal_hold".into(), Value::Bool(flags.1));
    m.insert("resource_manager_id".into(), Value::string(rm_id));
    m.insert("timeouts".into(), attrs::get(prior, "timeouts").clone());
    RemoteObject {
        deferred: None,
        private: Vec::new(),
        attrs: Value::Object(m),
        region: Some(region),
    }
}

impl StorageContainer {
    async fn read_in(
        &self,
        az: &Azure,
        home: &Home,
        name: &str,
        shape_of: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        match home {
            Home::Arm(account_id) => {
                let id = format!("{account_id}/blobServices/default/containers/{name}");
                let Some(c): Option<Container> = az
                    .arm
                    .get(&id, API)
                    .await
                    .map_err(|e| fail("BlobContainers.Get", &id, "read", e))?
                else {
                    return Ok(None);
                };
                let Some(acc) = account(az, account_id).await? else {
                    return Ok(None);
                };
                let p = c.properties;
                Ok(Some(shape(
                    id.clone(),
                    name,
                    tf_access(p.public_access.as_deref()),
                    &p.metadata,
                    (
                        p.has_immutability_policy.unwrap_or(false),
                        p.has_legal_hold.unwrap_or(false),
                    ),
                    id,
                    shape_of,
                    acc.location,
                )))
            }
            Home::Data(account_name) => {
                let (blob, location) = data_plane(az, account_name).await?;
                let url = blob.url(name, None);
                let Some(p) = blob
                    .container_properties(name)
                    .await
                    .map_err(|e| fail("Containers.GetProperties", &url, "read", e))?
                else {
                    return Ok(None);
                };
                let rm_id = match find_account(az, account_name).await? {
                    Some(a) => format!("{a}/blobServices/default/containers/{name}"),
                    None => String::new(),
                };
                Ok(Some(shape(
                    url,
                    name,
                    tf_access(p.public_access.as_deref()),
                    &p.metadata,
                    (p.has_immutability_policy, p.has_legal_hold),
                    rm_id,
                    shape_of,
                    location,
                )))
            }
        }
    }

    async fn write(
        &self,
        az: &Azure,
        planned: &Value,
        ctx: &OperationContext,
        create: bool,
    ) -> Result<RemoteObject, ProviderError> {
        let name = attrs::string(planned, "name").unwrap_or_default();
        let home = home(planned).ok_or_else(|| {
            wait::refuse(
                "BlobContainers.Create",
                "set storage_account_id or storage_account_name",
            )
        })?;
        let access =
            attrs::string(planned, "container_access_type").unwrap_or_else(|| "private".into());
        let meta = tags::metadata_to_write(planned, ctx);
        let knob = if create { "create" } else { "update" };
        match &home {
            Home::Arm(account_id) => {
                let id = format!("{account_id}/blobServices/default/containers/{name}");
                let w = wait::wait(planned, knob, TIMEOUT, format!("container {name}"))?;
                let body = Container {
                    id: None,
                    properties: ContainerProperties {
                        public_access: Some(arm_access(&access)),
                        metadata: meta,
                        ..ContainerProperties::default()
                    },
                };
                let call = if create {
                    "BlobContainers.Create"
                } else {
                    "BlobContainers.Update"
                };
                if create {
                    if self.read_in(az, &home, &name, planned).await?.is_some() {
                        return Err(ProviderError {
                            call: call.into(),
                            code: Some("ContainerAlreadyExists".into()),
                            message: format!(
                                "{id}: the container already exists; import it to manage it"
                            ),
                        });
                    }
                    let _: Container = az
                        .arm
                        .put(&id, API, &body, &w)
                        .await
                        .map_err(|e| fail(call, &id, knob, e))?;
                } else {
                    let _: Container = az
                        .arm
                        .patch(&id, API, &body, &w)
                        .await
                        .map_err(|e| fail(call, &id, knob, e))?;
                }
            }
            Home::Data(account_name) => {
                let (blob, _) = data_plane(az, account_name).await?;
                let url = blob.url(&name, None);
                let public = (access != "private").then_some(access.as_str());
                if create {
                    blob.create_container(&name, public, &meta)
                        .await
                        .map_err(|e| fail("Containers.Create", &url, knob, e))?;
                } else {
                    blob.set_container_access(&name, public)
                        .await
                        .map_err(|e| fail("Containers.SetAccessControl", &url, knob, e))?;
                    blob.set_container_metadata(&name, &meta)
                        .await
                        .map_err(|e| fail("Containers.SetMetadata", &url, knob, e))?;
                }
            }
        }
        self.read_in(az, &home, &name, planned)
            .await?
            .ok_or_else(|| {
                wait::refuse(
                    "BlobContainers.Get",
                    format!("container {name} vanished after write"),
                )
            })
    }

    /// Where the container with import id `id` lives, and its name.
    fn parse_id(&self, az: &Azure, id: &str) -> Option<(Home, String)> {
        if id.starts_with('/') {
            let p = ArmId::parse(id)?;
            let name = p.name("containers")?.to_string();
            let account = p.name("storageAccounts")?;
            let account_id = format!(
                "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/{account}",
                p.subscription, p.group
            );
            return Some((Home::Arm(account_id), name));
        }
        let rest = id.split_once("://")?.1.trim_end_matches('/');
        let (host, path) = rest.split_once('/')?;
        let segs: Vec<&str> = path.split('/').collect();
        let name = segs.last()?.to_string();
        let account = if host.contains(".blob.") {
            host.split('.').next()?.to_string()
        } else if segs.len() >= 2 {
            segs[segs.len() - 2].to_string()
        } else {
            return None;
        };
        let _ = az;
        Some((Home::Data(account), name))
    }
}

#[async_trait]
impl Resource for StorageContainer {
    fn type_name(&self) -> &'static str {
        "azurerm_storage_container"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        let a = &mut b.attributes;
        let s = Type::String;
        a.insert("id".into(), AttributeSchema::computed(s.clone()));
        a.insert(
            "name".into(),
            AttributeSchema::required(s.clone()).force_new(),
        );
        a.insert(
            "storage_account_id".into(),
            AttributeSchema::optional(s.clone()).force_new().describe(
                "The account's ARM id: the container is managed through Resource Manager.",
            ),
        );
        a.insert(
            "storage_account_name".into(),
            AttributeSchema::optional(s.clone()).force_new().describe(
                "The account's name: the container is managed through the Blob data plane.",
            ),
        );
        a.insert(
            "container_access_type".into(),
            AttributeSchema::optional(s.clone()).describe("private (default), blob or container."),
        );
        a.insert(
            "metadata".into(),
            AttributeSchema::optional(Type::Map(Box::new(Type::String))),
        );
        a.insert(
            "has_immutability_policy".into(),
            AttributeSchema::computed(Type::Bool),
        );
        a.insert(
            "has_legal_hold".into(),
            AttributeSchema::computed(Type::Bool),
        );
        a.insert("resource_manager_id".into(), AttributeSchema::computed(s));
        b.blocks.insert("timeouts".into(), wait::timeouts_block());
        ResourceSchema {
            version: 0,
            block: b,
            refreshable: true,
        }
    }

    fn rules(&self) -> PlanRules {
        PlanRules {
            defaults: &[("container_access_type", Default::Str("private"))],
            ..PlanRules::default()
        }
    }

    fn plan(
        &self,
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        let id = req
            .config
            .get_attr("storage_account_id")
            .cloned()
            .unwrap_or(Value::NULL);
        let name = req
            .config
            .get_attr("storage_account_name")
            .cloned()
            .unwrap_or(Value::NULL);
        if !id.is_null() && !name.is_null() {
            return Err(wait::refuse(
                "Plan",
                "azurerm_storage_container: set only one of storage_account_id and storage_account_name",
            ));
        }
        if id.is_null() && name.is_null() {
            return Err(wait::refuse(
                "Plan",
                "azurerm_storage_container: set storage_account_id (or storage_account_name)",
            ));
        }
        if let Some(t) = attrs::string(&req.config, "container_access_type") {
            if !["private", "blob", "container"].contains(&t.as_str()) {
                return Err(wait::refuse(
                    "Plan",
                    format!("azurerm_storage_container: container_access_type \"{t}\" is not private, blob or container"),
                ));
            }
        }
        self.rules().plan(schema, req)
    }

    async fn create(
        &self,
        az: &Azure,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        self.write(az, planned, ctx, true).await
    }

    async fn read(&self, az: &Azure, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let (Some(home), Some(name)) = (home(prior), attrs::string(prior, "name")) else {
            return Ok(None);
        };
        match self.read_in(az, &home, &name, prior).await {
            // The account itself is gone: so is the container.
            Err(e) if e.code.as_deref() == Some("StorageAccountNotFound") => Ok(None),
            other => other,
        }
    }

    async fn update(
        &self,
        az: &Azure,
        _prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        self.write(az, planned, ctx, false).await
    }

    async fn delete(&self, az: &Azure, prior: &Value) -> Result<(), ProviderError> {
        let (Some(home), Some(name)) = (home(prior), attrs::string(prior, "name")) else {
            return Ok(());
        };
        match home {
            Home::Arm(account_id) => {
                let id = format!("{account_id}/blobServices/default/containers/{name}");
                let w = wait::wait(
                    prior,
                    "delete",
                    TIMEOUT,
                    format!("deletion of container {name}"),
                )?;
                match az.arm.delete(&id, API, &w).await {
                    Ok(()) => Ok(()),
                    Err(e) if e.is_not_found() => Ok(()),
                    Err(e) => Err(fail("BlobContainers.Delete", &id, "delete", e)),
                }
            }
            Home::Data(account_name) => {
                let (blob, _) = match data_plane(az, &account_name).await {
                    Ok(b) => b,
                    Err(e) if e.code.as_deref() == Some("StorageAccountNotFound") => return Ok(()),
                    Err(e) => return Err(e),
                };
                let url = blob.url(&name, None);
                blob.delete_container(&name)
                    .await
                    .map(|_| ())
                    .map_err(|e| fail("Containers.Delete", &url, "delete", e))
            }
        }
    }

    async fn import(&self, az: &Azure, id: &str) -> Result<RemoteObject, ProviderError> {
        let (home, name) = self.parse_id(az, id).ok_or_else(|| {
            wait::refuse(
                "Import",
                format!(
                    "\"{id}\" is neither a container's ARM id (.../storageAccounts/ACCOUNT/\
                     blobServices/default/containers/NAME) nor its URL"
                ),
            )
        })?;
        let shape = match &home {
            Home::Arm(a) => attrs::object([("storage_account_id", Value::string(a))]),
            Home::Data(n) => attrs::object([("storage_account_name", Value::string(n))]),
        };
        self.read_in(az, &home, &name, &shape)
            .await?
            .ok_or_else(|| ProviderError {
                call: "Import".into(),
                code: Some("ContainerNotFound".into()),
                message: format!("container {id} does not exist"),
            })
    }

    async fn find_created(
        &self,
        az: &Azure,
        token: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let (Some(home), Some(name)) = (home(planned), attrs::string(planned, "name")) else {
            return Ok(None);
        };
        let Some(found) = self.read_in(az, &home, &name, &Value::NULL).await? else {
            return Ok(None);
        };
        // The metadata read back excludes system values: look at them directly.
        let meta = match &home {
            Home::Arm(account_id) => {
                let id = format!("{account_id}/blobServices/default/containers/{name}");
                let c: Option<Container> = az
                    .arm
                    .get(&id, API)
                    .await
                    .map_err(|e| fail("BlobContainers.Get", &id, "read", e))?;
                c.map(|c| c.properties.metadata).unwrap_or_default()
            }
            Home::Data(account_name) => {
                let (blob, _) = data_plane(az, account_name).await?;
                blob.container_properties(&name)
                    .await
                    .map_err(|e| fail("Containers.GetProperties", &name, "read", e))?
                    .map(|p| p.metadata)
                    .unwrap_or_default()
            }
        };
        Ok(
            (tags::from_metadata(&meta, tags::TOKEN).map(String::as_str) == Some(token))
                .then(|| attrs::string(&found.attrs, "id"))
                .flatten(),
        )
    }
}
