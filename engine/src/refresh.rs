//! Refresh: re-read every recorded object of one provider configuration, in parallel.
//!
//! Each object's read-back value replaces the recorded one for planning. Differences become
//! drift [`Observation`]s; an object read back outside the workspace's geography is an error
//! for plan and apply, and a `residency` observation for drift detection. With `find_orphans`
//! the provider is also asked for objects carrying this workspace's tags that state lacks.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use hangar_core::json::mark_paths;
use hangar_core::{Diagnostic, Diagnostics, ResourceMode, Value};
use hangar_provider::{ConfiguredProvider, ReadRequest};
use hangar_state::StateDoc;

use crate::config::ProviderRef;
use crate::drift::{diff_attrs, Kind, Observation};
use crate::plan::EncodedValue;
use crate::planner::{record_value, PlanOptions};
use crate::registry::Registry;
use crate::ui::Ui;
use hangar_core::Cloud;

/// What refreshing one provider configuration found.
#[derive(Default)]
pub struct Refreshed {
    /// Instance address → value now (`None`: deleted out of band).
    pub values: HashMap<String, Option<Value>>,
    /// Differences from state.
    pub observations: Vec<Observation>,
    /// How many provider API calls were made.
    pub api_calls: u64,
    /// Objects an interrupted create left behind, found by their token and adopted (address).
    pub adopted: Vec<String>,
    /// Tokens of interrupted creates proven to have left nothing behind.
    pub settled: Vec<String>,
    /// Types or regions the orphan search could not list, as warnings.
    pub warnings: Vec<Diagnostic>,
}

/// The request for objects owned by the workspace, of the types the configuration or state
/// uses through provider `p`.
fn owned_request(
    prior: &StateDoc,
    cfg_types: &HashSet<String>,
    p: &ProviderRef,
    opts: &PlanOptions,
) -> hangar_provider::ListOwnedRequest {
    let owner = p.config_addr();
    let mut types: Vec<String> = prior
        .resources
        .values()
        .filter(|r| r.provider == owner)
        .map(|r| r.addr.resource.type_.clone())
        .chain(cfg_types.iter().cloned())
        .chain(prior.pending.values().filter_map(|i| {
            let a: hangar_core::ResourceInstanceAddr = i.addr.parse().ok()?;
            Some(a.resource.type_)
        }))
        .collect();
    types.sort();
    types.dedup();
    hangar_provider::ListOwnedRequest {
        workspace: opts.workspace.clone(),
        types,
        regions: Vec::new(),
    }
}

fn skipped_warning(p: &ProviderRef, e: &hangar_provider::ProviderError) -> Diagnostic {
    Diagnostic::warning(
        format!("Could not search {p} for untracked objects"),
        format!(
            "{}: {}. Objects of this kind that carry the workspace's tags but are not in state would go unreported.",
            e.call, e.message
        ),
    )
}

/// Refreshes every recorded object owned by `p`; fails on read errors and, unless in drift
/// mode, on residency violations.
pub async fn refresh_provider(
    prior: &StateDoc,
    registry: &Registry,
    cfg_types: &HashSet<String>,
    p: &ProviderRef,
    prov: &Arc<dyn ConfiguredProvider>,
    opts: &PlanOptions,
    ui: &dyn Ui,
) -> Result<Refreshed, Diagnostics> {
    let owner = p.config_addr();
    let cloud = Cloud::of_provider(&p.name);
    let sem = Arc::new(tokio::sync::Semaphore::new(opts.parallelism.max(1)));
    let mut out = Refreshed::default();
    let mut tasks = tokio::task::JoinSet::new();
    for (key, rec) in &prior.resources {
        if rec.provider != owner || rec.addr.resource.mode != ResourceMode::Managed {
            continue;
        }
        let Some(schema) = registry.resource_schema(&p.name, &rec.addr.resource.type_, false)
        else {
            continue;
        };
        let recorded = record_value(rec, Some(&schema.block.object_type()));
        if !schema.refreshable {
            out.values.insert(key.clone(), Some(recorded));
            continue;
        }
        let id = recorded
            .get_attr("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        ui.line(&format!("{key}: Refreshing state... [id={id}]"));
        let (prov, sem, key, type_name) = (
            prov.clone(),
            sem.clone(),
            key.clone(),
            rec.addr.resource.type_.clone(),
        );
        out.api_calls += 1;
        tasks.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let r = prov
                .read(ReadRequest {
                    type_name,
                    prior: recorded.clone(),
                    private: Vec::new(),
                })
                .await;
            (key, recorded, r)
        });
    }
    let mut diags = Diagnostics::new();
    while let Some(joined) = tasks.join_next().await {
        let Ok((key, recorded, r)) = joined else {
            continue;
        };
        match r {
            Ok(Some(obj)) => {
                if let (Some(policy), Some(region), Some(cloud)) =
                    (&opts.policy, &obj.region, cloud)
                {
                    if let Err(why) = policy.admits(cloud, region) {
                        let detail = format!(
                            "{key} was read back from the cloud in region \"{region}\". {}",
                            policy.explain(cloud, region, &why)
                        );
                        if opts.drift {
                            out.observations.push(Observation {
                                address: key.clone(),
                                kind: Kind::Residency,
                                attributes: Vec::new(),
                                region: Some(region.clone()),
                                detail,
                                refreshed: None,
                            });
                        } else {
                            diags.push(Diagnostic::error(
                                format!("Residency violation: {key} is in region {region}"),
                                detail,
                            ));
                        }
                    }
                }
                let now = mark_paths(obj.attrs, &hangar_core::json::sensitive_paths(&recorded));
                let changed = diff_attrs(&recorded, &now);
                if !changed.is_empty() {
                    let names: Vec<_> = changed.iter().map(|a| a.name.clone()).collect();
                    out.observations.push(Observation {
                        address: key.clone(),
                        kind: Kind::Changed,
                        attributes: changed,
                        region: obj.region.clone(),
                        detail: format!("{key} changed outside Hangar: {}", names.join(", ")),
                        refreshed: Some(EncodedValue::encode(&now)),
                    });
                }
                out.values.insert(key, Some(now));
            }
            Ok(None) => {
                out.observations.push(Observation {
                    address: key.clone(),
                    kind: Kind::Deleted,
                    attributes: Vec::new(),
                    region: None,
                    detail: format!("{key} was deleted outside Hangar"),
                    refreshed: None,
                });
                out.values.insert(key, None);
            }
            Err(e) => diags.push(Diagnostic::error(
                format!("Error refreshing {key}"),
                format!("{}: {}", e.call, e.message),
            )),
        }
    }
    let request = owned_request(prior, cfg_types, p, opts);
    adopt_interrupted(
        prior, registry, p, prov, opts, &request, &mut out, &mut diags,
    )
    .await;
    if opts.find_orphans && cloud.is_some() {
        out.api_calls += 1;
        match prov.list_owned(request).await {
            Ok(found) => {
                out.warnings
                    .extend(found.skipped.iter().map(|e| skipped_warning(p, e)));
                let found = found.objects;
                let known: HashSet<(String, String)> = prior
                    .resources
                    .values()
                    .filter_map(|r| {
                        let id = r.attributes.get("id").and_then(|v| v.as_str())?;
                        Some((r.addr.resource.type_.clone(), id.to_string()))
                    })
                    .collect();
                for o in found {
                    if known.contains(&(o.type_name.clone(), o.id.clone())) {
                        continue;
                    }
                    let address = o
                        .address
                        .clone()
                        .unwrap_or_else(|| format!("{}[id={}]", o.type_name, o.id));
                    out.observations.push(Observation {
                        address,
                        kind: Kind::Orphan,
                        attributes: Vec::new(),
                        region: o.region.clone(),
                        detail: format!(
                            "{} \"{}\" carries workspace \"{}\"'s tags but is not in state (created by an interrupted run, or removed from state?)",
                            o.type_name, o.id, opts.workspace
                        ),
                        refreshed: Some(EncodedValue::encode(&Value::Object([("id".to_string(), Value::string(o.id))].into()))),
                    });
                }
            }
            Err(e) => diags.push(Diagnostic::error(
                format!("Error listing {p} objects"),
                format!("{}: {}", e.call, e.message),
            )),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}

/// Resolves intents of creates that a killed run left pending: an object carrying the intent's
/// token is adopted (read back by id) so the plan does not create it twice; when the provider
/// can search and finds nothing, the intent is settled. Providers that cannot search leave the
/// intent pending (the planner warns about it).
async fn adopt_interrupted(
    prior: &StateDoc,
    registry: &Registry,
    p: &ProviderRef,
    prov: &Arc<dyn ConfiguredProvider>,
    opts: &PlanOptions,
    request: &hangar_provider::ListOwnedRequest,
    out: &mut Refreshed,
    diags: &mut Diagnostics,
) {
    let candidates: Vec<(&String, &hangar_state::Intent, String)> = prior
        .pending
        .iter()
        .filter(|(_, i)| i.action == "create" && !prior.resources.contains_key(&i.addr))
        .filter_map(|(t, i)| {
            let addr: hangar_core::ResourceInstanceAddr = i.addr.parse().ok()?;
            registry.resource_schema(&p.name, &addr.resource.type_, false)?;
            Some((t, i, addr.resource.type_))
        })
        .collect();
    if candidates.is_empty() || !prov.can_list_owned() {
        return;
    }
    out.api_calls += 1;
    let owned = match prov.list_owned(request.clone()).await {
        Ok(o) => {
            out.warnings
                .extend(o.skipped.iter().map(|e| skipped_warning(p, e)));
            o.objects
        }
        Err(e) => {
            diags.push(Diagnostic::error(
                format!("Error looking for objects of interrupted runs ({p})"),
                format!("{}: {}", e.call, e.message),
            ));
            return;
        }
    };
    for (token, intent, type_name) in candidates {
        let tagged = owned
            .iter()
            .find(|o| o.token.as_deref() == Some(token.as_str()) && o.type_name == type_name);
        let id = match (tagged, &intent.planned) {
            (Some(o), _) => o.id.clone(),
            (None, Some(planned)) => {
                out.api_calls += 1;
                let planned = hangar_core::json::from_json(planned);
                match prov.find_created(&type_name, token, &planned).await {
                    Ok(Some(id)) => id,
                    Ok(None) => {
                        out.settled.push(token.clone());
                        continue;
                    }
                    Err(e) => {
                        diags.push(Diagnostic::error(
                            format!("Error looking for {}", intent.addr),
                            format!("{}: {}", e.call, e.message),
                        ));
                        continue;
                    }
                }
            }
            (None, None) => {
                out.settled.push(token.clone());
                continue;
            }
        };
        out.api_calls += 1;
        match prov
            .import(hangar_provider::ImportRequest {
                type_name: type_name.clone(),
                id,
            })
            .await
        {
            Ok(obj) => {
                if let (Some(policy), Some(region), Some(cloud)) =
                    (&opts.policy, &obj.region, Cloud::of_provider(&p.name))
                {
                    if let Err(why) = policy.admits(cloud, region) {
                        diags.push(Diagnostic::error(
                            format!("Residency violation: {} is in region {region}", intent.addr),
                            format!(
                                "An interrupted run created it there: {}",
                                policy.explain(cloud, region, &why)
                            ),
                        ));
                        continue;
                    }
                }
                out.values.insert(intent.addr.clone(), Some(obj.attrs));
                out.adopted.push(intent.addr.clone());
            }
            Err(e) => diags.push(Diagnostic::error(
                format!("Error adopting {}", intent.addr),
                format!("{}: {}", e.call, e.message),
            )),
        }
    }
}
