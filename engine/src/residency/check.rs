//! The plan-time residency check: runs before any cloud call and refuses every placement it
//! cannot prove inside the workspace.
//!
//! Provider configurations of cloud providers must name their region (a region left to the
//! SDK's environment cannot be proven); resources may override it with a `region` or
//! `location` argument, which must be known at plan time; replication destinations must be
//! buckets of this configuration, whose region is then checked the same way. Values come from
//! variables and locals only: anything derived from a resource is unknown here, and an unknown
//! region is refused.

use std::collections::HashMap;

use hangar_core::{Diagnostic, Diagnostics, ResourceAddr, Value};
use hcl_edit::structure::{Body, Structure};

use super::Policy;
use crate::body::eval_expr;
use crate::calls;
use crate::config::{Config, Expr, ProviderRef, Resource};
use crate::expand::expand;
use crate::graph::{referenced_node, Node, OrderedGraph};
use crate::scope::{EvalScope, InstanceNames, Values};
use hangar_core::Cloud;

/// Where one resource instance will live, as configuration declares it.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    /// Cloud.
    pub cloud: Cloud,
    /// Declared region, `None` when unknown.
    pub region: Option<String>,
}

/// Checks every placement of `cfg`; returns the declared region of each cloud resource block.
pub fn check_config(
    cfg: &Config,
    graph: &OrderedGraph,
    values: &mut Values,
    policy: &Policy,
) -> Result<HashMap<ResourceAddr, Placement>, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut provider_regions: HashMap<ProviderRef, Option<String>> = HashMap::new();
    let mut placements = HashMap::new();
    for (_, node) in graph.order() {
        match node {
            Node::Provider(p) => {
                let Some(cloud) = Cloud::of_provider(&p.name) else {
                    continue;
                };
                let region = provider_region(cfg, values, p, cloud, policy, &mut diags);
                provider_regions.insert(p.clone(), region);
            }
            Node::Resource(addr) => {
                let r = &cfg.resources[addr];
                let Some(cloud) = Cloud::of_provider(&r.provider.name) else {
                    continue;
                };
                let inherited = provider_regions.get(&r.provider).cloned().flatten();
                let mut instances = values.instances_of(&addr.module);
                if instances.is_empty() {
                    if known_empty(values, &addr.module) {
                        // A module called with `count = 0` (or an empty `for_each`) places
                        // nothing.
                        continue;
                    }
                    instances.push(addr.module.clone());
                }
                for mi in instances {
                    let region = resource_region(
                        cfg,
                        values,
                        r,
                        &mi,
                        cloud,
                        inherited.clone(),
                        policy,
                        &placements,
                        &mut diags,
                    );
                    placements.insert(addr.in_module(&mi), Placement { cloud, region });
                }
            }
            other => calls::eval_offline(cfg, values, other),
        }
    }
    for r in cfg.resources.values() {
        if r.addr.type_ == "aws_s3_bucket_replication_configuration" {
            check_destinations(cfg, values, r, &placements, policy, &mut diags);
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(placements)
    }
}

/// Whether module `path` (a configuration path) is known to have no instances: every instance
/// of its caller expanded the call, to nothing.
fn known_empty(values: &Values, path: &hangar_core::ModulePath) -> bool {
    let Some((parent, name, _)) = path.split_last() else {
        return false;
    };
    let parents = values.instances_of(&parent);
    if parents.is_empty() {
        return known_empty(values, &parent);
    }
    values.instances_of(path).is_empty()
        && parents.iter().all(|pi| {
            values
                .modules
                .get(pi)
                .is_some_and(|m| m.calls.contains_key(name))
        })
}

fn refuse(
    diags: &mut Diagnostics,
    what: &str,
    detail: String,
    at: Option<hangar_core::SourceRange>,
) {
    diags.push(Diagnostic::error(format!("Residency violation: {what}"), detail).at(at));
}

fn provider_region(
    cfg: &Config,
    values: &Values,
    p: &ProviderRef,
    cloud: Cloud,
    policy: &Policy,
    diags: &mut Diagnostics,
) -> Option<String> {
    if cloud == Cloud::Azure {
        // azurerm has no provider-level region: every Azure resource carries its own
        // `location`, judged below.
        return None;
    }
    let Some(block) = cfg.providers.get(&(p.name.clone(), p.alias.clone())) else {
        refuse(
            diags,
            &format!("provider {p} has no region"),
            format!(
                "Provider configuration {p} is not declared, so its region would come from the environment and cannot be proven \
                 inside workspace \"{}\" (geography \"{}\"). Declare it with region = workspace.region.",
                policy.workspace, policy.geography
            ),
            None,
        );
        return None;
    };
    let attr = match cloud {
        Cloud::Aws | Cloud::Gcp => "region",
        Cloud::Azure => "location",
    };
    let Some(a) = block.body.body.get_attribute(attr) else {
        refuse(
            diags,
            &format!("provider {p} has no {attr}"),
            format!(
                "Provider configuration {p} does not set \"{attr}\", so it would come from the environment and cannot be proven \
                 inside workspace \"{}\" (geography \"{}\"). Set {attr} = workspace.region.",
                policy.workspace, policy.geography
            ),
            Some(block.decl.clone()),
        );
        return None;
    };
    let e = Expr {
        expr: a.value.clone(),
        file: block.body.file.clone(),
    };
    let names = InstanceNames::default();
    let scope = EvalScope {
        cfg,
        values,
        names: &names,
        module: &hangar_core::ModulePath::root(),
    };
    match eval_expr(&e, &scope, &cfg.dir) {
        Ok(v) => judge(&format!("provider {p}"), &v, cloud, policy, diags, &e),
        Err(d) => {
            diags.extend(d);
            None
        }
    }
}

/// Checks one region value; returns it when known (admitted or not).
fn judge(
    who: &str,
    v: &Value,
    cloud: Cloud,
    policy: &Policy,
    diags: &mut Diagnostics,
    e: &Expr,
) -> Option<String> {
    match v.as_str() {
        Some(region) => match policy.admits(cloud, region) {
            Ok(()) => Some(region.to_string()),
            Err(why) => {
                refuse(
                    diags,
                    &format!("{who} targets region {region}"),
                    format!("{who}: {}", policy.explain(cloud, region, &why)),
                    Some(e.range()),
                );
                Some(region.to_string())
            }
        },
        None if v.is_null() => None,
        None => {
            refuse(
                diags,
                &format!("{who} has a region unknown until apply"),
                format!(
                    "{who}: the region is not known at plan time, so it cannot be proven inside workspace \"{}\" (geography \"{}\"). \
                     Derive it from variables, locals or workspace.region only.",
                    policy.workspace, policy.geography
                ),
                Some(e.range()),
            );
            None
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn resource_region(
    cfg: &Config,
    values: &Values,
    r: &Resource,
    module: &hangar_core::ModulePath,
    cloud: Cloud,
    inherited: Option<String>,
    policy: &Policy,
    placements: &HashMap<ResourceAddr, Placement>,
    diags: &mut Diagnostics,
) -> Option<String> {
    let attr = ["region", "location"]
        .into_iter()
        .find_map(|n| r.body.body.get_attribute(n));
    let Some(a) = attr else { return inherited };
    let e = Expr {
        expr: a.value.clone(),
        file: r.body.file.clone(),
    };
    let instances = {
        let names = InstanceNames::default();
        let scope = EvalScope {
            cfg,
            values,
            names: &names,
            module,
        };
        expand(r, &scope, &cfg.dir)
            .map(|x| x.instances())
            .unwrap_or_else(|_| {
                vec![(
                    hangar_core::InstanceKey::None,
                    InstanceNames {
                        count_index: None,
                        each: Some((Value::unknown(), Value::unknown())),
                        self_value: None,
                    },
                )]
            })
    };
    let mut last = None;
    for (key, names) in instances {
        let scope = EvalScope {
            cfg,
            values,
            names: &names,
            module,
        };
        let who = format!("{}", r.addr.in_module(module).instance(key));
        match eval_expr(&e, &scope, &cfg.dir) {
            Ok(v) if v.is_null() => last = inherited.clone(),
            Ok(v) if v.is_unknown() => {
                let v = by_reference(cfg, r, module, &e, placements).map_or(v, Value::string);
                last = judge(&who, &v, cloud, policy, diags, &e);
            }
            Ok(v) => last = judge(&who, &v, cloud, policy, diags, &e),
            Err(d) => diags.extend(d),
        }
    }
    last
}

/// The region of an expression that is exactly another resource's `location` or `region`
/// (`azurerm_resource_group.rg.location`, the Azure idiom) when that resource's own placement
/// is known: such a location is proven like a literal.
fn by_reference(
    cfg: &Config,
    r: &Resource,
    module: &hangar_core::ModulePath,
    e: &Expr,
    placements: &HashMap<ResourceAddr, Placement>,
) -> Option<String> {
    let refs = hangar_lang::references(&e.expr);
    let [only] = refs.as_slice() else {
        return None;
    };
    let text = e.expr.to_string();
    let plain = text.trim() == only.chain.join(".");
    let attr = only.chain.last().map(String::as_str);
    if !plain || !matches!(attr, Some("location" | "region")) {
        return None;
    }
    match referenced_node(cfg, &r.addr.module, &only.chain) {
        Some(Node::Resource(a)) => placements.get(&a.in_module(module))?.region.clone(),
        _ => None,
    }
}

fn check_destinations(
    cfg: &Config,
    values: &Values,
    r: &Resource,
    placements: &HashMap<ResourceAddr, Placement>,
    policy: &Policy,
    diags: &mut Diagnostics,
) {
    let mut exprs = Vec::new();
    collect_destination_buckets(&r.body.body, &mut exprs, false);
    for e in exprs {
        let e = Expr {
            expr: e,
            file: r.body.file.clone(),
        };
        let who = format!("{} replication destination", r.addr);
        let refs = hangar_lang::references(&e.expr);
        let target =
            refs.iter()
                .find_map(|x| match referenced_node(cfg, &r.addr.module, &x.chain) {
                    Some(Node::Resource(a)) if a.type_ == "aws_s3_bucket" => Some(a),
                    _ => None,
                });
        if let Some(bucket) = target {
            match placements.get(&bucket) {
                Some(Placement {
                    region: Some(region),
                    cloud,
                }) => {
                    if let Err(why) = policy.admits(*cloud, region) {
                        refuse(
                            diags,
                            &format!("{who} is in region {region}"),
                            format!("{who} {bucket}: {}", policy.explain(*cloud, region, &why)),
                            Some(e.range()),
                        );
                    }
                }
                _ => refuse(
                    diags,
                    &format!("{who} has no provable region"),
                    format!(
                        "{who} {bucket}: its region cannot be proven inside workspace \"{}\".",
                        policy.workspace
                    ),
                    Some(e.range()),
                ),
            }
            continue;
        }
        let names = InstanceNames::default();
        let scope = EvalScope {
            cfg,
            values,
            names: &names,
            module: &r.addr.module,
        };
        let shown = eval_expr(&e, &scope, &cfg.dir)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "(unknown)".into());
        refuse(
            diags,
            &format!("{who} is outside this configuration"),
            format!(
                "{who} \"{shown}\" is not a bucket managed by this configuration, so its region cannot be proven inside workspace \
                 \"{}\" (geography \"{}\") without calling the cloud. Replicate only to buckets declared here.",
                policy.workspace, policy.geography
            ),
            Some(e.range()),
        );
    }
}

fn collect_destination_buckets(
    body: &Body,
    out: &mut Vec<hcl_edit::expr::Expression>,
    in_destination: bool,
) {
    for s in body.iter() {
        match s {
            Structure::Attribute(a) if in_destination && a.key.as_str() == "bucket" => {
                out.push(a.value.clone())
            }
            Structure::Block(b) => collect_destination_buckets(
                &b.body,
                out,
                in_destination || b.ident.as_str() == "destination",
            ),
            _ => {}
        }
    }
}
