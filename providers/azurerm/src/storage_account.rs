//! `azurerm_storage_account`: a storage account (api-version 2023-05-01).
//!
//! Create is ARM's long-running PUT (`Location` polling, `timeouts.create`, default 60m), then
//! the blob service's versioning setting. In place (PATCH): `account_replication_type`,
//! `min_tls_version`, `allow_nested_items_to_be_public`, `public_network_access_enabled`,
//! tags; `blob_properties.versioning_enabled` through the blob service. Name, group, location,
//! tier and kind replace it. `primary_access_key` comes from `listKeys`. Import id: the
//! account's ARM id. Left out: network rules, customer-managed keys, static websites, queue and
//! share properties.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use hangar_core::{Type, Value};
use hangar_provider::{
    AttributeSchema, BlockSchema, NestedBlock, Nesting, OperationContext, PlanRequest,
    PlanResponse, ProviderError, RemoteObject, ResourceSchema,
};
use serde::{Deserialize, Serialize};

use crate::attrs;
use crate::resource::{one_block, ArmId, Azure, Default, PlanRules, Resource};
use crate::tags;
use crate::wait::{self, fail};

/// Api-version of storage accounts, blob services and containers.
pub const API: &str = "2023-05-01";
const TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// Replication types Terraform accepts.
pub const REPLICATION: &[&str] = &["LRS", "GRS", "RAGRS", "ZRS", "GZRS", "RAGZRS"];

/// Whether replication type `r` keeps a copy in the location's paired region.
pub fn geo_redundant(r: &str) -> bool {
    matches!(
        r.to_ascii_uppercase().replace('-', "").as_str(),
        "GRS" | "RAGRS" | "GZRS" | "RAGZRS"
    )
}

/// `azurerm_storage_account`.
pub struct StorageAccount;

/// The account's SKU.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sku {
    /// `Standard_LRS`, `Premium_ZRS`, ...
    pub name: String,
}

/// A storage account as ARM shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// ARM id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Location.
    pub location: String,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// SKU.
    pub sku: Sku,
    /// Kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Properties.
    #[serde(default)]
    pub properties: AccountProperties,
}

/// A storage account's properties.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountProperties {
    /// Provisioning state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
    /// `TLS1_0`, `TLS1_1`, `TLS1_2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_tls_version: Option<String>,
    /// Whether containers may be made public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_blob_public_access: Option<bool>,
    /// `Enabled` or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_network_access: Option<String>,
    /// HTTPS only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_https_traffic_only: Option<bool>,
    /// Service endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_endpoints: Option<Endpoints>,
    /// Where the primary copy is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_location: Option<String>,
    /// Where the geo-redundant copy is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_location: Option<String>,
}

/// Service endpoints.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Endpoints {
    /// The blob endpoint, with a trailing slash.
    #[serde(default)]
    pub blob: Option<String>,
}

#[derive(Serialize)]
struct AccountPatch {
    sku: Sku,
    tags: BTreeMap<String, String>,
    properties: AccountProperties,
}

/// The blob service of an account.
#[derive(Debug, Serialize, Deserialize)]
struct BlobService {
    #[serde(default)]
    properties: BlobServiceProperties,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BlobServiceProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    is_versioning_enabled: Option<bool>,
}

/// `listKeys`' answer.
#[derive(Debug, Deserialize)]
pub struct KeyList {
    /// The keys.
    pub keys: Vec<KeyEntry>,
}

/// One account key.
#[derive(Debug, Deserialize)]
pub struct KeyEntry {
    /// The key, base64.
    pub value: String,
}

/// The id of account `name` in group `group`.
pub fn account_id(az: &Azure, group: &str, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Storage/storageAccounts/{name}",
        az.group_id(group)
    )
}

/// The first key of the account at `id`.
pub async fn primary_key(az: &Azure, id: &str) -> Result<String, ProviderError> {
    let keys: KeyList = az
        .arm
        .post(&format!("{id}/listKeys"), API)
        .await
        .map_err(|e| fail("StorageAccounts.ListKeys", id, "read", e))?;
    keys.keys
        .into_iter()
        .next()
        .map(|k| k.value)
        .ok_or_else(|| wait::refuse("StorageAccounts.ListKeys", format!("{id}: no keys")))
}

fn properties(planned: &Value) -> AccountProperties {
    AccountProperties {
        minimum_tls_version: attrs::string(planned, "min_tls_version"),
        allow_blob_public_access: attrs::boolean(planned, "allow_nested_items_to_be_public"),
        public_network_access: attrs::boolean(planned, "public_network_access_enabled")
            .map(|b| if b { "Enabled" } else { "Disabled" }.to_string()),
        supports_https_traffic_only: Some(true),
        ..AccountProperties::default()
    }
}

fn sku(planned: &Value) -> Sku {
    Sku {
        name: format!(
            "{}_{}",
            attrs::string(planned, "account_tier").unwrap_or_default(),
            attrs::string(planned, "account_replication_type").unwrap_or_default()
        ),
    }
}

fn versioning(v: &Value) -> Option<bool> {
    attrs::block(v, "blob_properties").and_then(|b| attrs::boolean(b, "versioning_enabled"))
}

impl StorageAccount {
    async fn read_id(
        &self,
        az: &Azure,
        id: &str,
        shape: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(acc): Option<Account> = az
            .arm
            .get(id, API)
            .await
            .map_err(|e| fail("StorageAccounts.GetProperties", id, "read", e))?
        else {
            return Ok(None);
        };
        let parsed = ArmId::parse(id);
        let svc: Option<BlobService> = az
            .arm
            .get(&format!("{id}/blobServices/default"), API)
            .await
            .map_err(|e| fail("BlobServices.GetServiceProperties", id, "read", e))?;
        let key = primary_key(az, id).await?;
        let (tier, repl) = acc.sku.name.split_once('_').unwrap_or((&acc.sku.name, ""));
        let p = &acc.properties;
        let versioned = svc
            .and_then(|s| s.properties.is_versioning_enabled)
            .unwrap_or(false);
        let had_block = !attrs::blocks(shape, "blob_properties").is_empty();
        let blob_props = (had_block || versioned)
            .then(|| attrs::object([("versioning_enabled", Value::Bool(versioned))]));
        let name = acc.name.clone().unwrap_or_else(|| {
            parsed
                .as_ref()
                .and_then(|p| p.name("storageAccounts").map(str::to_string))
                .unwrap_or_default()
        });
        let mut m = BTreeMap::new();
        m.insert(
            "id".into(),
            Value::string(acc.id.clone().unwrap_or_else(|| id.to_string())),
        );
        m.insert("name".into(), Value::string(name));
        m.insert(
            "resource_group_name".into(),
            attrs::opt_string(parsed.map(|p| p.group)),
        );
        m.insert("location".into(), Value::string(&acc.location));
        m.insert("account_tier".into(), Value::string(tier));
        m.insert("account_replication_type".into(), Value::string(repl));
        m.insert(
            "account_kind".into(),
            Value::string(acc.kind.clone().unwrap_or_else(|| "StorageV2".into())),
        );
        m.insert(
            "min_tls_version".into(),
            Value::string(
                p.minimum_tls_version
                    .clone()
                    .unwrap_or_else(|| "TLS1_0".into()),
            ),
        );
        m.insert(
            "allow_nested_items_to_be_public".into(),
            Value::Bool(p.allow_blob_public_access.unwrap_or(true)),
        );
        m.insert(
            "public_network_access_enabled".into(),
            Value::Bool(
                p.public_network_access
                    .as_deref()
                    .is_none_or(|s| s.eq_ignore_ascii_case("Enabled")),
            ),
        );
        m.insert(
            "primary_location".into(),
            attrs::opt_string(p.primary_location.clone()),
        );
        m.insert(
            "secondary_location".into(),
            Value::string(p.secondary_location.clone().unwrap_or_default()),
        );
        m.insert(
            "primary_blob_endpoint".into(),
            attrs::opt_string(p.primary_endpoints.as_ref().and_then(|e| e.blob.clone())),
        );
        m.insert("primary_access_key".into(), Value::string(key).sensitive());
        m.insert("blob_properties".into(), one_block(blob_props));
        m.insert(
            "tags".into(),
            tags::user(&acc.tags, attrs::get(shape, "tags")),
        );
        m.insert("timeouts".into(), attrs::get(shape, "timeouts").clone());
        Ok(Some(RemoteObject {
            deferred: None,
            private: Vec::new(),
            attrs: Value::Object(m),
            region: Some(acc.location),
        }))
    }

    async fn set_versioning(
        &self,
        az: &Azure,
        id: &str,
        enabled: bool,
        w: &hangar_azurerm_client::arm::Wait,
    ) -> Result<(), ProviderError> {
        let svc_id = format!("{id}/blobServices/default");
        let _: BlobService = az
            .arm
            .put(
                &svc_id,
                API,
                &BlobService {
                    properties: BlobServiceProperties {
                        is_versioning_enabled: Some(enabled),
                    },
                },
                w,
            )
            .await
            .map_err(|e| fail("BlobServices.SetServiceProperties", &svc_id, "update", e))?;
        Ok(())
    }

    fn id_of(az: &Azure, v: &Value) -> Option<String> {
        attrs::string(v, "id").or_else(|| {
            Some(account_id(
                az,
                &attrs::string(v, "resource_group_name")?,
                &attrs::string(v, "name")?,
            ))
        })
    }
}

#[async_trait]
impl Resource for StorageAccount {
    fn type_name(&self) -> &'static str {
        "azurerm_storage_account"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        let a = &mut b.attributes;
        let s = Type::String;
        a.insert("id".into(), AttributeSchema::computed(s.clone()));
        for n in ["name", "resource_group_name", "location", "account_tier"] {
            a.insert(n.into(), AttributeSchema::required(s.clone()).force_new());
        }
        a.insert(
            "account_replication_type".into(),
            AttributeSchema::required(s.clone())
                .describe("LRS, GRS, RAGRS, ZRS, GZRS or RAGZRS; geo-redundant types copy data to the location's paired region."),
        );
        a.insert(
            "account_kind".into(),
            AttributeSchema::optional(s.clone())
                .force_new()
                .describe("Default StorageV2."),
        );
        a.insert(
            "min_tls_version".into(),
            AttributeSchema::optional(s.clone()).describe("Default TLS1_2."),
        );
        a.insert(
            "allow_nested_items_to_be_public".into(),
            AttributeSchema::optional(Type::Bool).describe("Default true."),
        );
        a.insert(
            "public_network_access_enabled".into(),
            AttributeSchema::optional(Type::Bool).describe("Default true."),
        );
        a.insert(
            "tags".into(),
            AttributeSchema::optional(Type::Map(Box::new(Type::String))),
        );
        for n in [
            "primary_location",
            "secondary_location",
            "primary_blob_endpoint",
        ] {
            a.insert(n.into(), AttributeSchema::computed(s.clone()));
        }
        a.insert(
            "primary_access_key".into(),
            AttributeSchema::computed(s.clone()).sensitive(),
        );
        let mut bp = BlockSchema::default();
        bp.attributes.insert(
            "versioning_enabled".into(),
            AttributeSchema::optional(Type::Bool).describe("Default false."),
        );
        b.blocks.insert(
            "blob_properties".into(),
            NestedBlock {
                nesting: Nesting::List,
                block: bp,
                force_new: false,
            },
        );
        b.blocks.insert("timeouts".into(), wait::timeouts_block());
        ResourceSchema {
            version: 0,
            block: b,
            refreshable: true,
        }
    }

    fn rules(&self) -> PlanRules {
        PlanRules {
            defaults: &[
                ("account_kind", Default::Str("StorageV2")),
                ("min_tls_version", Default::Str("TLS1_2")),
                ("allow_nested_items_to_be_public", Default::Bool(true)),
                ("public_network_access_enabled", Default::Bool(true)),
            ],
            block_defaults: &[(
                "blob_properties",
                "versioning_enabled",
                Default::Bool(false),
            )],
            single: &["blob_properties"],
            nested_force_new: &[],
        }
    }

    fn plan(
        &self,
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        if let Some(r) = attrs::string(&req.config, "account_replication_type") {
            if !REPLICATION.contains(&r.as_str()) {
                return Err(wait::refuse(
                    "Plan",
                    format!(
                        "azurerm_storage_account: account_replication_type \"{r}\" is not one of {}",
                        REPLICATION.join(", ")
                    ),
                ));
            }
        }
        if let Some(t) = attrs::string(&req.config, "account_tier") {
            if t != "Standard" && t != "Premium" {
                return Err(wait::refuse(
                    "Plan",
                    format!(
                        "azurerm_storage_account: account_tier \"{t}\" is not Standard or Premium"
                    ),
                ));
            }
        }
        if let Some(n) = attrs::string(&req.config, "name") {
            let ok = (3..=24).contains(&n.len())
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
            if !ok {
                return Err(wait::refuse(
                    "Plan",
                    format!(
                        "azurerm_storage_account: name \"{n}\" must be 3 to 24 lower-case letters \
                         and digits"
                    ),
                ));
            }
        }
        let prior_repl = req
            .prior
            .as_ref()
            .and_then(|p| attrs::string(p, "account_replication_type"));
        let mut resp = self.rules().plan(schema, req)?;
        // A change of replication moves (or drops) the secondary copy.
        let new_repl = attrs::string(&resp.planned, "account_replication_type");
        if prior_repl.is_some() && prior_repl != new_repl && resp.requires_replace.is_empty() {
            resp.planned = attrs::with(
                resp.planned,
                "secondary_location",
                Value::Unknown(Type::String),
            );
        }
        Ok(resp)
    }

    async fn create(
        &self,
        az: &Azure,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let id = Self::id_of(az, planned).ok_or_else(|| {
            wait::refuse(
                "StorageAccounts.Create",
                "name and resource_group_name must be set",
            )
        })?;
        let name = attrs::string(planned, "name").unwrap_or_default();
        let body = Account {
            id: None,
            name: None,
            location: attrs::string(planned, "location").unwrap_or_default(),
            tags: tags::to_write(planned, ctx),
            sku: sku(planned),
            kind: attrs::string(planned, "account_kind"),
            properties: properties(planned),
        };
        let w = wait::wait(
            planned,
            "create",
            TIMEOUT,
            format!("creation of storage account {name}"),
        )?;
        let _: Account = az
            .arm
            .put(&id, API, &body, &w)
            .await
            .map_err(|e| fail("StorageAccounts.Create", &id, "create", e))?;
        if let Some(v) = versioning(planned) {
            self.set_versioning(az, &id, v, &w).await?;
        }
        self.read_id(az, &id, planned).await?.ok_or_else(|| {
            wait::refuse(
                "StorageAccounts.GetProperties",
                format!("{id} vanished after create"),
            )
        })
    }

    async fn read(&self, az: &Azure, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(id) = Self::id_of(az, prior) else {
            return Ok(None);
        };
        self.read_id(az, &id, prior).await
    }

    async fn update(
        &self,
        az: &Azure,
        prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let id = Self::id_of(az, prior).unwrap_or_default();
        let name = attrs::string(prior, "name").unwrap_or_default();
        let w = wait::wait(
            planned,
            "update",
            TIMEOUT,
            format!("update of storage account {name}"),
        )?;
        let patch = AccountPatch {
            sku: sku(planned),
            tags: tags::to_write(planned, ctx),
            properties: properties(planned),
        };
        let _: Account = az
            .arm
            .patch(&id, API, &patch, &w)
            .await
            .map_err(|e| fail("StorageAccounts.Update", &id, "update", e))?;
        let (old, new) = (versioning(prior), versioning(planned));
        if old.unwrap_or(false) != new.unwrap_or(false) {
            self.set_versioning(az, &id, new.unwrap_or(false), &w)
                .await?;
        }
        self.read_id(az, &id, planned).await?.ok_or_else(|| {
            wait::refuse(
                "StorageAccounts.GetProperties",
                format!("{id} vanished during update"),
            )
        })
    }

    async fn delete(&self, az: &Azure, prior: &Value) -> Result<(), ProviderError> {
        let Some(id) = Self::id_of(az, prior) else {
            return Ok(());
        };
        let w = wait::wait(
            prior,
            "delete",
            TIMEOUT,
            format!("deletion of storage account {id}"),
        )?;
        match az.arm.delete(&id, API, &w).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(fail("StorageAccounts.Delete", &id, "delete", e)),
        }
    }

    async fn import(&self, az: &Azure, id: &str) -> Result<RemoteObject, ProviderError> {
        let ok = ArmId::parse(id)
            .is_some_and(|p| p.names.len() == 1 && p.name("storageAccounts").is_some());
        if !ok {
            return Err(wait::refuse(
                "Import",
                format!(
                    "\"{id}\" is not a storage account id (/subscriptions/SUBSCRIPTION/resourceGroups/\
                     GROUP/providers/Microsoft.Storage/storageAccounts/NAME)"
                ),
            ));
        }
        self.read_id(az, id, &Value::NULL)
            .await?
            .ok_or_else(|| ProviderError {
                call: "Import".into(),
                code: Some("ResourceNotFound".into()),
                message: format!("storage account {id} does not exist"),
            })
    }
}
