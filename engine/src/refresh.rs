//! Refresh: re-read every recorded object of one provider configuration, in parallel.
//!
//! Each object's read-back value replaces the recorded one for planning. Differences become
//! drift [`Observation`]s; an object read back outside the workspace's geography is an error
//! for plan and apply, and a `residency` observation for drift detection. With `find_orphans`
//! the provider is also asked for objects carrying this workspace's tags that state lacks; a
//! provider plugin cannot be asked (Terraform's protocol has no such call), so its types are
//! reported as [`Unsearched`] instead, with a warning.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use hangar_core::json::mark_paths;
use hangar_core::{Diagnostic, Diagnostics, ResourceMode, Value};
use hangar_provider::ReadRequest;
use hangar_state::StateDoc;

use crate::config::ProviderRef;
use crate::drift::{diff_attrs, Kind, Observation, Unsearched, PLUGIN_CANNOT_LIST};
use crate::events::{Event, Events};
use crate::plan::EncodedValue;
use crate::planner::{record_value, PlanOptions};
use crate::registry::Registry;
use crate::residency::gated::GatedProvider;

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
    /// Types whose untracked objects could not be searched for at all (plugin types).
    pub unsearched: Vec<Unsearched>,
}

/// The request for objects owned by the workspace, of the types the configuration or state
/// uses through provider `p`.
fn owned_request(
    prior: &StateDoc,
    cfg_types: &HashSet<String>,
    p: &ProviderRef,
    cloud: Option<hangar_core::Cloud>,
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
        // Every region of the cloud: tagged objects outside the geography are exactly the
        // ones a search of the workspace's own regions would miss.
        regions: cloud
            .map(|c| hangar_core::geo::regions(c).map(str::to_string).collect())
            .unwrap_or_default(),
    }
}

/// One warning for everything a search for owned objects could not list.
fn skipped_warning(
    p: &ProviderRef,
    skipped: &[hangar_provider::ProviderError],
) -> Option<Diagnostic> {
    if skipped.is_empty() {
        return None;
    }
    let what: Vec<String> = skipped
        .iter()
        .map(|e| format!("{}: {}", e.call, e.message))
        .collect();
    Some(Diagnostic::warning(
        format!("Could not search {p} everywhere for untracked objects"),
        format!(
            "{}. Objects there that carry the workspace's tags but are not in state would go unreported.",
            what.join("; ")
        ),
    ))
}

/// Refreshes every recorded object owned by `p`; fails on read errors and, unless in drift
/// mode, on residency violations.
pub async fn refresh_provider(
    prior: &StateDoc,
    registry: &Registry,
    cfg_types: &HashSet<String>,
    p: &ProviderRef,
    prov: &Arc<GatedProvider>,
    opts: &PlanOptions,
    events: &dyn Events,
) -> Result<Refreshed, Diagnostics> {
    let owner = p.config_addr();
    let cloud = registry.get(&p.name).and_then(|x| x.cloud());
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
        events.event(Event::Refreshing {
            address: key.clone(),
            id,
        });
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
                .read(
                    &key,
                    ReadRequest {
                        type_name,
                        prior: recorded.clone(),
                        private: Vec::new(),
                    },
                )
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
            Ok(Some(read)) => {
                let obj = read.object;
                if let Some(v) = read.violation {
                    if opts.drift {
                        out.observations.push(Observation {
                            address: key.clone(),
                            kind: Kind::Residency,
                            attributes: Vec::new(),
                            region: obj.region.clone(),
                            detail: v.detail,
                            refreshed: None,
                        });
                    } else {
                        diags.push(v);
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
    let request = owned_request(prior, cfg_types, p, cloud, opts);
    adopt_interrupted(prior, registry, p, prov, &request, &mut out, &mut diags).await;
    let plugin = registry.is_plugin(&p.name);
    if opts.find_orphans && plugin {
        plugin_unsearched(registry, p, &request, &mut out);
    }
    if opts.find_orphans && cloud.is_some() && !plugin {
        out.api_calls += 1;
        match prov.list_owned(request).await {
            Ok(found) => {
                out.warnings.extend(skipped_warning(p, &found.skipped));
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
                    // Named by the object itself, never by the address its tag claims: a
                    // healthy recorded object may live at that address.
                    let address = format!("{}[id={}]", o.type_name, o.id);
                    let tagged = o
                        .address
                        .as_deref()
                        .map(|a| format!(", tagged as {a}"))
                        .unwrap_or_default();
                    let violation = o.region.as_deref().and_then(|r| prov.verdict(&address, r));
                    let (kind, detail) = match violation {
                        Some(v) => (
                            Kind::Residency,
                            format!(
                                "{} \"{}\"{tagged} carries workspace \"{}\"'s tags, is not in state, and lies outside the workspace: {}",
                                o.type_name, o.id, opts.workspace, v.detail
                            ),
                        ),
                        None => (
                            Kind::Orphan,
                            format!(
                                "{} \"{}\"{tagged} carries workspace \"{}\"'s tags but is not in state (created by an interrupted run, or removed from state?)",
                                o.type_name, o.id, opts.workspace
                            ),
                        ),
                    };
                    out.observations.push(Observation {
                        address,
                        kind,
                        attributes: Vec::new(),
                        region: o.region.clone(),
                        detail,
                        refreshed: Some(EncodedValue::encode(&Value::Object(
                            [("id".to_string(), Value::string(o.id))].into(),
                        ))),
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

/// Records that the managed types of plugin configuration `p` in `request` were not searched
/// for untracked objects, as an [`Unsearched`] entry and a warning naming them.
fn plugin_unsearched(
    registry: &Registry,
    p: &ProviderRef,
    request: &hangar_provider::ListOwnedRequest,
    out: &mut Refreshed,
) {
    let types: Vec<String> = request
        .types
        .iter()
        .filter(|t| registry.resource_schema(&p.name, t, false).is_some())
        .cloned()
        .collect();
    if types.is_empty() {
        return;
    }
    out.warnings.push(Diagnostic::warning(
        format!(
            "Orphan search not available for plugin types {}",
            types.join(", ")
        ),
        format!("provider {p} is a provider plugin: {PLUGIN_CANNOT_LIST}."),
    ));
    out.unsearched.push(Unsearched {
        provider: format!("provider {p}"),
        types,
        reason: PLUGIN_CANNOT_LIST.to_string(),
    });
}

/// Resolves intents of creates that a killed run left pending: an object carrying the intent's
/// token is adopted (read back by id) so the plan does not create it twice; when the provider
/// can search and finds nothing, the intent is settled. Providers that cannot search leave the
/// intent pending (the planner warns about it).
async fn adopt_interrupted(
    prior: &StateDoc,
    registry: &Registry,
    p: &ProviderRef,
    prov: &Arc<GatedProvider>,
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
            out.warnings.extend(skipped_warning(p, &o.skipped));
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
            .import(
                &intent.addr,
                hangar_provider::ImportRequest {
                    type_name: type_name.clone(),
                    id,
                },
            )
            .await
        {
            Ok(found) => {
                let obj = found.object;
                if let Some(mut v) = found.violation {
                    v.detail = format!("An interrupted run created it there: {}", v.detail);
                    diags.push(v);
                    continue;
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
