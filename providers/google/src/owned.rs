//! Finding the objects a workspace owns by its ownership labels (see [`crate::labels`]), for
//! drift reports of objects that state does not record and for crash adoption.
//!
//! Looks only at the types asked for: every bucket of the provider's project, and the GKE
//! clusters (and their node pools) of the project in every location (`locations/-`), kept
//! when their location lies in one of the requested regions (all, when none are requested).
//! A type that cannot be listed (no project, no permission, no endpoint) is reported in
//! `skipped` rather than failing the whole search.

use hangar_core::geo::{spans, Cloud};
use hangar_provider::{ListOwnedRequest, ListOwnedResponse, OwnedObject, ProviderError};

use crate::container::cluster_id;
use crate::error::api;
use crate::labels;
use crate::resource::Google;

/// Every bucket, cluster and node pool of the requested types labelled as `req.workspace`'s.
pub async fn list_owned(
    g: &Google,
    req: &ListOwnedRequest,
) -> Result<ListOwnedResponse, ProviderError> {
    let wants = |t: &str| req.types.iter().any(|x| x == t);
    let mut found = ListOwnedResponse::default();
    let project = match &g.clients.project {
        Some(p) => p.clone(),
        None => {
            if req.types.iter().any(|t| t.starts_with("google_")) {
                found.skipped.push(ProviderError::new(
                    "ListOwned",
                    "no project in the provider block: cannot list its objects",
                ));
            }
            return Ok(found);
        }
    };
    let in_regions = |location: &str| {
        req.regions.is_empty()
            || spans(Cloud::Gcp, location).is_some_and(|rs| {
                rs.iter()
                    .any(|r| req.regions.iter().any(|q| q.eq_ignore_ascii_case(r)))
            })
    };
    if wants("google_storage_bucket") {
        match g.clients.storage.list_buckets(&project).await {
            Ok(buckets) => {
                for b in buckets {
                    let l = b.labels.clone().unwrap_or_default();
                    if labels::get(&l, "workspace").as_deref() != Some(req.workspace.as_str()) {
                        continue;
                    }
                    let name = b.name.clone().unwrap_or_default();
                    found.objects.push(OwnedObject {
                        type_name: "google_storage_bucket".into(),
                        id: name,
                        address: labels::get(&l, "address"),
                        token: labels::get(&l, "token"),
                        region: b.location.clone(),
                    });
                }
            }
            Err(e) => found.skipped.push(api(e)),
        }
    }
    let want_pools = wants("google_container_node_pool");
    if wants("google_container_cluster") || want_pools {
        match g.clients.container.list_clusters(&project, "-").await {
            Ok(clusters) => {
                for c in clusters {
                    let location = c.location.clone().unwrap_or_default();
                    if !in_regions(&location) {
                        continue;
                    }
                    let l = c.resource_labels.clone().unwrap_or_default();
                    if wants("google_container_cluster")
                        && labels::get(&l, "workspace").as_deref() == Some(req.workspace.as_str())
                    {
                        found.objects.push(OwnedObject {
                            type_name: "google_container_cluster".into(),
                            id: cluster_id(&project, &location, &c.name),
                            address: labels::get(&l, "address"),
                            token: labels::get(&l, "token"),
                            region: Some(location.clone()),
                        });
                    }
                    if !want_pools {
                        continue;
                    }
                    let pools = match c.node_pools.clone() {
                        Some(p) => p,
                        None => match g
                            .clients
                            .container
                            .list_node_pools(&project, &location, &c.name)
                            .await
                        {
                            Ok(p) => p,
                            Err(e) if e.is_not_found() => continue,
                            Err(e) => {
                                found.skipped.push(api(e));
                                continue;
                            }
                        },
                    };
                    for p in pools {
                        let rl = p
                            .config
                            .as_ref()
                            .and_then(|c| c.resource_labels.clone())
                            .unwrap_or_default();
                        if labels::get(&rl, "workspace").as_deref() != Some(req.workspace.as_str())
                        {
                            continue;
                        }
                        found.objects.push(OwnedObject {
                            type_name: "google_container_node_pool".into(),
                            id: format!(
                                "{}/nodePools/{}",
                                cluster_id(&project, &location, &c.name),
                                p.name
                            ),
                            address: labels::get(&rl, "address"),
                            token: labels::get(&rl, "token"),
                            region: Some(location.clone()),
                        });
                    }
                }
            }
            Err(e) => found.skipped.push(api(e)),
        }
    }
    Ok(found)
}
