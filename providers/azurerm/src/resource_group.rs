//! `azurerm_resource_group`: a resource group (api-version 2021-04-01).
//!
//! Create is a PUT (ARM answers at once); tags change in place with a PATCH; name and location
//! replace it. Delete waits for ARM's long-running delete (`timeouts.delete`, default 90m),
//! which deletes everything in the group. Import id: the group's ARM id.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use hangar_core::{Type, Value};
use hangar_provider::{
    AttributeSchema, BlockSchema, OperationContext, ProviderError, RemoteObject, ResourceSchema,
};
use serde::{Deserialize, Serialize};

use crate::attrs;
use crate::resource::{ArmId, Azure, Resource};
use crate::tags;
use crate::wait::{self, fail};

/// Api-version of resource groups.
pub const API: &str = "2021-04-01";
const TIMEOUT: Duration = Duration::from_secs(90 * 60);

/// `azurerm_resource_group`.
pub struct ResourceGroup;

/// A resource group as ARM shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Group {
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
}

/// A PATCH of tags.
#[derive(Serialize)]
struct TagsPatch {
    tags: BTreeMap<String, String>,
}

fn shape_of(az: &Azure, g: Group, fallback_name: &str, prior: &Value) -> RemoteObject {
    let name = g.name.clone().unwrap_or_else(|| fallback_name.to_string());
    let mut m = BTreeMap::new();
    m.insert(
        "id".into(),
        Value::string(g.id.clone().unwrap_or_else(|| az.group_id(&name))),
    );
    m.insert("name".into(), Value::string(&name));
    m.insert("location".into(), Value::string(&g.location));
    m.insert(
        "tags".into(),
        tags::user(&g.tags, attrs::get(prior, "tags")),
    );
    m.insert("timeouts".into(), attrs::get(prior, "timeouts").clone());
    RemoteObject {
        deferred: None,
        private: Vec::new(),
        attrs: Value::Object(m),
        region: Some(g.location),
    }
}

impl ResourceGroup {
    async fn read_named(
        &self,
        az: &Azure,
        name: &str,
        shape: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let id = az.group_id(name);
        let g: Option<Group> = az
            .arm
            .get(&id, API)
            .await
            .map_err(|e| fail("ResourceGroups.Get", &id, "read", e))?;
        Ok(g.map(|g| shape_of(az, g, name, shape)))
    }
}

#[async_trait]
impl Resource for ResourceGroup {
    fn type_name(&self) -> &'static str {
        "azurerm_resource_group"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        let a = &mut b.attributes;
        a.insert(
            "id".into(),
            AttributeSchema::computed(Type::String).describe("The group's ARM id."),
        );
        a.insert(
            "name".into(),
            AttributeSchema::required(Type::String).force_new(),
        );
        a.insert(
            "location".into(),
            AttributeSchema::required(Type::String)
                .force_new()
                .describe("Azure region of the group's metadata."),
        );
        a.insert(
            "tags".into(),
            AttributeSchema::optional(Type::Map(Box::new(Type::String))),
        );
        b.blocks.insert("timeouts".into(), wait::timeouts_block());
        ResourceSchema {
            version: 0,
            block: b,
            refreshable: true,
        }
    }

    async fn create(
        &self,
        az: &Azure,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let name = attrs::string(planned, "name")
            .ok_or_else(|| wait::refuse("ResourceGroups.CreateOrUpdate", "name is not set"))?;
        let id = az.group_id(&name);
        let location = attrs::string(planned, "location").unwrap_or_default();
        // Terraform refuses to adopt an existing group silently.
        if let Some(existing) = self.read_named(az, &name, planned).await? {
            let _ = existing;
            return Err(ProviderError {
                call: "ResourceGroups.CreateOrUpdate".into(),
                code: Some("ResourceAlreadyExists".into()),
                message: format!(
                    "{id}: a resource group with this name already exists; import it with \
                     `hangar import` to manage it"
                ),
            });
        }
        let body = Group {
            id: None,
            name: None,
            location,
            tags: tags::to_write(planned, ctx),
        };
        let w = wait::wait(
            planned,
            "create",
            TIMEOUT,
            format!("creation of resource group {name}"),
        )?;
        let g: Group = az
            .arm
            .put(&id, API, &body, &w)
            .await
            .map_err(|e| fail("ResourceGroups.CreateOrUpdate", &id, "create", e))?;
        Ok(shape_of(az, g, &name, planned))
    }

    async fn read(&self, az: &Azure, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(name) = attrs::string(prior, "name") else {
            return Ok(None);
        };
        self.read_named(az, &name, prior).await
    }

    async fn update(
        &self,
        az: &Azure,
        prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let name = attrs::string(prior, "name").unwrap_or_default();
        let id = az.group_id(&name);
        let w = wait::wait(
            planned,
            "update",
            TIMEOUT,
            format!("update of resource group {name}"),
        )?;
        let g: Group = az
            .arm
            .patch(
                &id,
                API,
                &TagsPatch {
                    tags: tags::to_write(planned, ctx),
                },
                &w,
            )
            .await
            .map_err(|e| fail("ResourceGroups.Update", &id, "update", e))?;
        Ok(shape_of(az, g, &name, planned))
    }

    async fn delete(&self, az: &Azure, prior: &Value) -> Result<(), ProviderError> {
        let Some(name) = attrs::string(prior, "name") else {
            return Ok(());
        };
        let id = az.group_id(&name);
        let w = wait::wait(
            prior,
            "delete",
            TIMEOUT,
            format!("deletion of resource group {name}"),
        )?;
        match az.arm.delete(&id, API, &w).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(fail("ResourceGroups.Delete", &id, "delete", e)),
        }
    }

    async fn import(&self, az: &Azure, id: &str) -> Result<RemoteObject, ProviderError> {
        let parsed = ArmId::parse(id)
            .filter(|p| p.names.is_empty())
            .ok_or_else(|| {
                wait::refuse(
                    "Import",
                    format!(
                        "\"{id}\" is not a resource group id \
                     (/subscriptions/SUBSCRIPTION/resourceGroups/NAME)"
                    ),
                )
            })?;
        self.read_named(az, &parsed.group, &Value::NULL)
            .await?
            .ok_or_else(|| ProviderError {
                call: "Import".into(),
                code: Some("ResourceGroupNotFound".into()),
                message: format!("resource group {id} does not exist"),
            })
    }
}
