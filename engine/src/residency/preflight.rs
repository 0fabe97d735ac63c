//! The plan-time residency check: before any cloud call, every place the configuration would
//! send data to goes through the [`Gate`].
//!
//! An offline walk ([`crate::walk::offline`]) evaluates the configuration without calling any
//! provider: variables, locals and module outputs as far as they are known, every resource and
//! data source instance from its configuration (computed attributes unknown, data sources
//! unknown). Each provider configuration of a cloud provider is judged by its
//! [`Provider::provider_places`](hangar_provider::Provider::provider_places) and each instance
//! by [`Provider::places`](hangar_provider::Provider::places). A location known at plan time
//! through a reference (`location = azurerm_resource_group.rg.location`) is proven like a
//! literal; a place that names another object (`Target::SameAs`, a replication destination's
//! ARN) is proven by following the attribute's reference to that object in this configuration
//! and judging where *it* is placed. Anything unknown, unprovable or outside is refused.

use std::collections::HashMap;

use hangar_core::{Cloud, Diagnostics, ModulePath, ResourceAddr, ResourceMode, Value};
use hangar_provider::{Place, Target};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};

use super::gate::{Gate, Resolved};
use crate::body::eval_body;
use crate::config::{Config, ProviderRef, Resource};
use crate::graph::{referenced_node, Node, OrderedGraph};
use crate::registry::Registry;
use crate::scope::{EvalScope, InstanceNames, Values};
use crate::walk::{offline, Rule, Source};

/// What the pre-flight proved: the locations each instance was admitted at.
#[derive(Debug, Default)]
pub struct Proven {
    /// Instance address → the locations its configuration places it at.
    pub declared: HashMap<String, Vec<String>>,
    /// Instance address → the cloud those locations are in (for a provider without a cloud
    /// of its own, the cloud of the object it names).
    pub clouds: HashMap<String, Cloud>,
    /// Instance address → the instances it lives beside (`SameAs` places: an agent and its
    /// cluster), whose observed region is its own.
    pub beside: HashMap<String, Vec<String>>,
    /// Warnings (unprovable endpoints).
    pub warnings: Diagnostics,
    /// Refusals.
    pub errors: Diagnostics,
}

struct Seen<'a> {
    resource: &'a Resource,
    addr: String,
    module: ModulePath,
    data: bool,
    places: Vec<Place>,
}

/// Judges every provider and resource instance of `cfg` through `gate`; fails with every
/// refusal found (and the warnings). Calls no cloud.
pub fn check(
    cfg: &Config,
    graph: &OrderedGraph,
    registry: &Registry,
    values: &mut Values,
    gate: &Gate,
) -> Result<Proven, Diagnostics> {
    let mut p = prove(cfg, graph, registry, values, gate);
    if p.errors.has_errors() {
        let mut all = std::mem::take(&mut p.errors);
        all.extend(p.warnings);
        Err(all)
    } else {
        Ok(p)
    }
}

/// Judges every provider and resource instance of `cfg` through `gate`, keeping refusals in
/// [`Proven::errors`] (for reports that show them beside what was proven). Calls no cloud.
pub fn prove(
    cfg: &Config,
    graph: &OrderedGraph,
    registry: &Registry,
    values: &mut Values,
    gate: &Gate,
) -> Proven {
    let mut seen: Vec<Seen<'_>> = Vec::new();
    offline(
        cfg,
        graph,
        values,
        Rule::BestEffort,
        Source::Config(registry),
        |values, inst, _| {
            // A module called with `count = 0` (or an empty `for_each`) places nothing.
            if values.known_empty(&inst.resource.addr.module) {
                return;
            }
            let Some(provider) = registry.get(&inst.resource.provider.name) else {
                return;
            };
            let data = inst.resource.addr.mode == ResourceMode::Data;
            let places = provider.places(&inst.resource.addr.type_, data, &inst.config);
            // Providers with no location (terraform, time) have nothing to judge, unless they
            // say their objects cannot be placed (a plugin of an unknown cloud).
            // A provider without a cloud of its own (`hangar`) is judged through the objects
            // its places name (`SameAs`).
            let judged = places
                .iter()
                .any(|p| matches!(p.target, Target::Global { .. } | Target::SameAs { .. }));
            if provider.cloud().is_none() && !judged {
                return;
            }
            seen.push(Seen {
                resource: inst.resource,
                addr: inst.addr.to_string(),
                module: inst.module,
                data,
                places,
            });
        },
    );
    let mut diags = Diagnostics::new();
    let mut proven = Proven::default();
    let mut provider_regions: HashMap<ProviderRef, Option<String>> = HashMap::new();
    for p in used_providers(cfg) {
        let Some(provider) = registry.get(&p.name) else {
            continue;
        };
        let Some(cloud) = provider.cloud() else {
            continue;
        };
        let block = cfg.providers.get(&(p.name.clone(), p.alias.clone()));
        let config = provider_config(cfg, registry, values, &p);
        let places = provider.provider_places(&config);
        let who = format!("provider {p}");
        let j = gate.provider(&who, cloud, &places, block.map(|b| b.decl.clone()));
        let region = places
            .iter()
            .find(|x| x.path.as_deref() == Some("region"))
            .and_then(|x| match &x.target {
                Target::Location(l) => Some(l.clone()),
                _ => None,
            });
        provider_regions.insert(p, region);
        split(j.diags, &mut diags, &mut proven.warnings);
    }
    let mut located: HashMap<String, (Cloud, Vec<String>)> = HashMap::new();
    for s in &seen {
        let r = s.resource;
        // Without a cloud of its own, an instance lives in the cloud of the object it names
        // (or, with only `Global` places, needs none).
        let own = registry.get(&r.provider.name).and_then(|p| p.cloud());
        let mut cloud = own.unwrap_or(Cloud::Aws);
        // The cloud it is listed in: its provider's, or the named object's; none for a plugin of
        // unknown cloud (judged in AWS's catalogue above only so its places can be read).
        let mut known = own;
        let default = provider_regions.get(&r.provider).cloned().flatten();
        // Each resolved place with the cloud its location is named in: a `SameAs` place's is
        // the named object's.
        let mut resolved: Vec<(&Place, Resolved, Cloud)> = Vec::new();
        for place in &s.places {
            match &place.target {
                Target::Location(l) => resolved.push((place, Resolved::At(l.clone()), cloud)),
                Target::Unknown => resolved.push((place, Resolved::Unknown, cloud)),
                Target::Unprovable(u) => {
                    resolved.push((place, Resolved::Unprovable(u.clone()), cloud))
                }
                Target::Global { type_name } => {
                    resolved.push((place, Resolved::Global(type_name.clone()), cloud))
                }
                // Without a default region, the provider's own judgement already refused it.
                Target::ProviderDefault => {
                    if let Some(d) = &default {
                        resolved.push((place, Resolved::At(d.clone()), cloud));
                    }
                }
                Target::SameAs { type_name } => {
                    match same_as(cfg, values, r, &s.module, place, type_name, &located) {
                        Ok((there, locs, with)) => {
                            let beside = proven.beside.entry(s.addr.clone()).or_default();
                            beside.extend(with);
                            beside.sort();
                            beside.dedup();
                            if own.is_none() {
                                cloud = there;
                                known = Some(there);
                            }
                            resolved
                                .extend(locs.into_iter().map(|l| (place, Resolved::At(l), there)))
                        }
                        Err((shown, wrong)) => {
                            resolved.push((place, Resolved::Unmanaged(shown, wrong), cloud))
                        }
                    }
                }
            }
        }
        let mut locations = Vec::new();
        // What it names, admitted or not: an object placed by reference to a refused one is
        // refused at the same location (not as unknown).
        let mut named = Vec::new();
        for (place, one, in_cloud) in resolved {
            if let Resolved::At(l) = &one {
                named.push(l.clone());
            }
            let at = place_range(r, place).or_else(|| Some(r.decl.clone()));
            let j = gate.places(&s.addr, in_cloud, &[(place, one)], s.data, at);
            split(j.diags, &mut diags, &mut proven.warnings);
            locations.extend(j.locations);
        }
        located.insert(s.addr.clone(), (cloud, named));
        if let Some(c) = known {
            proven.clouds.insert(s.addr.clone(), c);
        }
        proven.declared.insert(s.addr.clone(), locations);
    }
    proven.errors = diags;
    proven
}

fn split(found: Diagnostics, errors: &mut Diagnostics, warnings: &mut Diagnostics) {
    for d in found.0 {
        if d.is_error() {
            errors.push(d);
        } else {
            warnings.push(d);
        }
    }
}

/// Every provider configuration some resource uses, plus every declared one.
fn used_providers(cfg: &Config) -> Vec<ProviderRef> {
    let mut out: Vec<ProviderRef> = cfg.resources.values().map(|r| r.provider.clone()).collect();
    out.extend(cfg.providers.keys().map(|(name, alias)| ProviderRef {
        name: name.clone(),
        alias: alias.clone(),
    }));
    out.sort_by_key(ProviderRef::config_addr);
    out.dedup();
    out
}

/// A provider block evaluated as far as it can be without calling anything (unknown parts
/// stay unknown); an undeclared provider configuration is all nulls.
pub(crate) fn provider_config(
    cfg: &Config,
    registry: &Registry,
    values: &Values,
    p: &ProviderRef,
) -> Value {
    let schema = registry
        .schema(&p.name)
        .map(|s| s.provider.clone())
        .unwrap_or_default();
    match cfg.providers.get(&(p.name.clone(), p.alias.clone())) {
        Some(block) => {
            let names = InstanceNames::default();
            let scope = EvalScope {
                cfg,
                values,
                names: &names,
                module: &ModulePath::root(),
            };
            eval_body(&block.body, &schema, &scope, &cfg.dir, None).unwrap_or(Value::unknown())
        }
        None => Value::Object(
            schema
                .attributes
                .keys()
                .map(|k| (k.clone(), Value::NULL))
                .collect(),
        ),
    }
}

/// Where a `SameAs` place resolved: the cloud, the locations, the instances it lives beside.
type Beside = (Cloud, Vec<String>, Vec<String>);
/// A `SameAs` place that names nothing managed here: the expression as written, and the
/// (found, expected) types when it names a managed object of another type.
type NotBeside = (String, Option<(String, String)>);

/// The cloud and locations of the object a `SameAs` place names, found by following the
/// attribute's references to resources of `type_name` in the same module instance; `Err` with
/// the expression's text when it names nothing managed here.
fn same_as(
    cfg: &Config,
    values: &Values,
    r: &Resource,
    module: &ModulePath,
    place: &Place,
    type_name: &str,
    located: &HashMap<String, (Cloud, Vec<String>)>,
) -> Result<Beside, NotBeside> {
    let expr = place
        .path
        .as_deref()
        .and_then(|p| expr_at_path(&r.body.body, p));
    let Some(expr) = expr else {
        return Err((place.path.clone().unwrap_or_default(), None));
    };
    let mut out = Vec::new();
    // A managed object of another type than the place is judged by (a GKE cluster given to an
    // agent whose cluster_type is left at EKS's).
    let mut wrong = None;
    for reference in hangar_lang::references(expr) {
        let Some(Node::Resource(target)) = referenced_node(cfg, &r.addr.module, &reference.chain)
        else {
            continue;
        };
        if target.type_ != type_name {
            if cfg.resources.contains_key(&target) {
                wrong = Some((target.type_.clone(), type_name.to_string()));
            }
            continue;
        }
        let here = ResourceAddr {
            module: module.clone(),
            ..target.clone()
        };
        let prefix = here.to_string();
        let mut there = None;
        let mut with = Vec::new();
        for (addr, (cloud, locs)) in located {
            let same = addr == &prefix
                || addr
                    .strip_prefix(&prefix)
                    .is_some_and(|rest| rest.starts_with('['));
            if same {
                out.extend(locs.iter().cloned());
                there = Some(*cloud);
                with.push(addr.clone());
            }
        }
        if let (Some(cloud), false) = (there, out.is_empty()) {
            with.sort();
            return Ok((cloud, out, with));
        }
    }
    let _ = values;
    Err((expr.to_string().trim().to_string(), wrong))
}

/// The expression at an attribute path like `rule[0].destination[0].bucket` in a body
/// (blocks by name and position, the last name an attribute).
fn expr_at_path<'b>(body: &'b Body, path: &str) -> Option<&'b Expression> {
    let mut parts: Vec<(&str, usize)> = Vec::new();
    for seg in path.split('.') {
        match seg.split_once('[') {
            Some((name, idx)) => {
                parts.push((name, idx.trim_end_matches(']').parse().ok()?));
            }
            None => parts.push((seg, 0)),
        }
    }
    let (last, blocks) = parts.split_last()?;
    let mut here = body;
    for (name, index) in blocks {
        here = here
            .iter()
            .filter_map(|s| match s {
                Structure::Block(b) if b.ident.as_str() == *name => Some(&b.body),
                _ => None,
            })
            .nth(*index)?;
    }
    here.get_attribute(last.0).map(|a| &a.value)
}

/// Where to point a refusal of `place`: its attribute, when it has one.
fn place_range(r: &Resource, place: &Place) -> Option<hangar_core::SourceRange> {
    let e = expr_at_path(&r.body.body, place.path.as_deref()?)?;
    Some(
        crate::config::Expr {
            expr: e.clone(),
            file: r.body.file.clone(),
        }
        .range(),
    )
}
