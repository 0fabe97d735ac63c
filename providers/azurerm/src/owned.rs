//! Finding the objects a workspace owns by their `hangar:workspace` tag, for drift reports of
//! objects that state does not record and for crash adoption.
//!
//! Resource Manager is global: one tag search (`/resourcegroups` and `/resources` with
//! `$filter=tagName eq 'hangar:workspace' and tagValue eq '...'`) covers every region of the
//! subscription, so the request's regions need not bound it (objects report their location).
//! Node pools are searched in every cluster of the subscription, by their pool tags; containers
//! in every storage account, by their metadata (containers managed through the Blob data plane
//! are not listed; `find_created` covers their crash adoption). A type that cannot be listed
//! is reported in `skipped`.

use std::collections::BTreeMap;

use hangar_provider::{ListOwnedRequest, ListOwnedResponse, OwnedObject, ProviderError};
use serde::Deserialize;

use crate::resource::Azure;
use crate::tags;
use crate::wait::fail;
use crate::{kubernetes, resource_group, storage_account};

/// One entry of a list answer.
#[derive(Deserialize)]
struct Listed {
    id: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    properties: Option<ListedProperties>,
}

#[derive(Deserialize, Default)]
struct ListedProperties {
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
}

fn owned(
    type_name: &str,
    id: String,
    tags: &BTreeMap<String, String>,
    region: Option<String>,
) -> OwnedObject {
    OwnedObject {
        type_name: type_name.into(),
        id,
        address: tags.get(tags::ADDRESS).cloned(),
        token: tags.get(tags::TOKEN).cloned(),
        region,
    }
}

fn filter(workspace: &str) -> String {
    format!(
        "tagName eq '{}' and tagValue eq '{}'",
        tags::WORKSPACE,
        workspace.replace('\'', "''")
    )
}

fn query(f: &str) -> String {
    f.replace(' ', "%20")
        .replace('\'', "%27")
        .replace(':', "%3A")
}

/// Every object of the requested types tagged `hangar:workspace = req.workspace`.
pub async fn list_owned(
    az: &Azure,
    req: &ListOwnedRequest,
) -> Result<ListOwnedResponse, ProviderError> {
    let wants = |t: &str| req.types.iter().any(|x| x == t);
    let mut found = ListOwnedResponse::default();
    let f = query(&filter(&req.workspace));
    if wants("azurerm_resource_group") {
        let path = format!("{}/resourcegroups?$filter={f}", az.subscription());
        match az.arm.list::<Listed>(&path, resource_group::API).await {
            Ok(gs) => found.objects.extend(
                gs.into_iter()
                    .map(|g| owned("azurerm_resource_group", g.id, &g.tags, g.location)),
            ),
            Err(e) => found
                .skipped
                .push(fail("ResourceGroups.List", &path, "read", e)),
        }
    }
    let top = [
        (
            "azurerm_kubernetes_cluster",
            "Microsoft.ContainerService/managedClusters",
        ),
        (
            "azurerm_storage_account",
            "Microsoft.Storage/storageAccounts",
        ),
    ];
    if top.iter().any(|(t, _)| wants(t)) {
        let path = format!("{}/resources?$filter={f}", az.subscription());
        match az.arm.list::<Listed>(&path, resource_group::API).await {
            Ok(rs) => {
                for r in rs {
                    if let Some((t, _)) = top.iter().find(|(_, k)| k.eq_ignore_ascii_case(&r.kind))
                    {
                        if wants(t) {
                            found.objects.push(owned(t, r.id, &r.tags, r.location));
                        }
                    }
                }
            }
            Err(e) => found.skipped.push(fail("Resources.List", &path, "read", e)),
        }
    }
    if wants("azurerm_kubernetes_cluster_node_pool") {
        if let Err(e) = node_pools(az, &req.workspace, &mut found.objects).await {
            found.skipped.push(e);
        }
    }
    if wants("azurerm_storage_container") {
        if let Err(e) = containers(az, &req.workspace, &mut found.objects).await {
            found.skipped.push(e);
        }
    }
    Ok(found)
}

async fn node_pools(
    az: &Azure,
    workspace: &str,
    out: &mut Vec<OwnedObject>,
) -> Result<(), ProviderError> {
    let path = format!(
        "{}/providers/Microsoft.ContainerService/managedClusters",
        az.subscription()
    );
    let clusters: Vec<Listed> = az
        .arm
        .list(&path, kubernetes::API)
        .await
        .map_err(|e| fail("ManagedClusters.List", &path, "read", e))?;
    for c in clusters {
        let pools_path = format!("{}/agentPools", c.id);
        let pools: Vec<Listed> = az
            .arm
            .list(&pools_path, kubernetes::API)
            .await
            .map_err(|e| fail("AgentPools.List", &pools_path, "read", e))?;
        for p in pools {
            let t = p.properties.unwrap_or_default().tags;
            if t.get(tags::WORKSPACE).map(String::as_str) == Some(workspace) {
                out.push(owned(
                    "azurerm_kubernetes_cluster_node_pool",
                    p.id,
                    &t,
                    c.location.clone(),
                ));
            }
        }
    }
    Ok(())
}

async fn containers(
    az: &Azure,
    workspace: &str,
    out: &mut Vec<OwnedObject>,
) -> Result<(), ProviderError> {
    let path = format!(
        "{}/providers/Microsoft.Storage/storageAccounts",
        az.subscription()
    );
    let accounts: Vec<Listed> = az
        .arm
        .list(&path, storage_account::API)
        .await
        .map_err(|e| fail("StorageAccounts.List", &path, "read", e))?;
    for a in accounts {
        let cpath = format!("{}/blobServices/default/containers", a.id);
        let cs: Vec<Listed> = az
            .arm
            .list(&cpath, storage_account::API)
            .await
            .map_err(|e| fail("BlobContainers.List", &cpath, "read", e))?;
        for c in cs {
            let meta = c.properties.unwrap_or_default().metadata;
            if tags::from_metadata(&meta, tags::WORKSPACE).map(String::as_str) == Some(workspace) {
                let t: BTreeMap<String, String> = [tags::ADDRESS, tags::TOKEN]
                    .iter()
                    .filter_map(|k| {
                        tags::from_metadata(&meta, k).map(|v| (k.to_string(), v.clone()))
                    })
                    .collect();
                out.push(owned(
                    "azurerm_storage_container",
                    c.id,
                    &t,
                    a.location.clone(),
                ));
            }
        }
    }
    Ok(())
}
