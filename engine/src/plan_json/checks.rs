//! `relevant_attributes` and `checks` of Terraform's plan JSON.
//!
//! `relevant_attributes` lists every resource attribute the configuration reads (each
//! reference to a resource, with its first attribute step; a whole resource has an empty
//! path), expanded over the module instances the plan has. `checks` lists every checkable
//! object — variables with `validation` blocks, resources with pre/postconditions, outputs
//! with preconditions, `check` blocks — with its status: a plan exists only when every
//! validation and precondition held, `check` blocks fail when their assertion warned, and
//! postconditions of objects still to change are `unknown` until apply.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use hangar_core::{InstanceKey, ModulePath};

use crate::config::Config;
use crate::plan::{Action, Plan};

use super::references::{expression_references, Step};
use super::values::{index_json, mode_name};

/// One attribute the configuration reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RelevantAttribute {
    /// Resource (instance) address.
    pub resource: String,
    /// The attribute path read (empty for the whole object).
    pub attribute: Vec<Json>,
}

/// One checkable object and its status.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckResult {
    /// What is checked.
    pub address: CheckAddress,
    /// `pass`, `fail`, `error` or `unknown`.
    pub status: String,
    /// Each instance of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<CheckInstance>,
}

/// The object a check belongs to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckAddress {
    /// `var`, `resource`, `output` or `check`.
    pub kind: String,
    /// Resource mode, for resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The module it is declared in (absent for the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// Its name.
    pub name: String,
    /// Its address as text.
    pub to_display: String,
    /// Resource type, for resources.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
}

/// One instance of a checkable object.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckInstance {
    /// Where it is.
    pub address: CheckInstanceAddress,
    /// Its status.
    pub status: String,
}

/// The address of one checked instance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckInstanceAddress {
    /// The resource's `count` index or `for_each` key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_key: Option<Json>,
    /// The module instance (absent for the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The instance address as text.
    pub to_display: String,
}

/// The module instances a plan has, by static module path (the root always).
fn module_instances(plan: &Plan) -> BTreeMap<ModulePath, BTreeSet<ModulePath>> {
    let mut out: BTreeMap<ModulePath, BTreeSet<ModulePath>> = BTreeMap::new();
    out.entry(ModulePath::root())
        .or_default()
        .insert(ModulePath::root());
    for c in &plan.resource_changes {
        let m = &c.addr.resource.module;
        for n in 1..=m.0.len() {
            let p = ModulePath(m.0[..n].to_vec());
            out.entry(p.static_form()).or_default().insert(p);
        }
    }
    out
}

fn prefixed(module: &ModulePath, local: &str) -> String {
    if module.is_root() {
        local.to_string()
    } else {
        format!("{module}.{local}")
    }
}

fn step_json(s: &Step) -> Json {
    match s {
        Step::Attr(a) => Json::String(a.clone()),
        Step::Key(k) => k.clone(),
    }
}

/// Every resource attribute the configuration reads, sorted.
pub fn relevant_attributes(cfg: &Config, plan: &Plan) -> Vec<RelevantAttribute> {
    let instances = module_instances(plan);
    let mut out = BTreeMap::new();
    for (path, m) in &cfg.modules {
        let mut exprs: Vec<&hcl_edit::expr::Expression> = Vec::new();
        for r in cfg.resources.values().filter(|r| r.addr.module == *path) {
            for s in r.body.body.iter() {
                collect(s, &mut exprs);
            }
            exprs.extend(r.count.iter().chain(&r.for_each).map(|e| &e.expr));
        }
        exprs.extend(m.outputs.values().map(|o| &o.value.expr));
        exprs.extend(m.locals.values().map(|l| &l.value.expr));
        for call in m.calls.values() {
            exprs.extend(call.inputs.values().map(|e| &e.expr));
        }
        let Some(module_instances) = instances.get(path) else {
            continue;
        };
        for e in exprs {
            for r in expression_references(e) {
                if r.resource.is_none() {
                    continue;
                }
                let attribute: Vec<Json> = r.remaining.first().map(step_json).into_iter().collect();
                for mi in module_instances {
                    let resource = prefixed(mi, &r.subject);
                    let key = (resource.clone(), Json::Array(attribute.clone()).to_string());
                    out.entry(key).or_insert_with(|| RelevantAttribute {
                        resource,
                        attribute: attribute.clone(),
                    });
                }
            }
        }
    }
    out.into_values().collect()
}

/// The argument expressions of a body structure, nested blocks included.
fn collect<'a>(
    s: &'a hcl_edit::structure::Structure,
    out: &mut Vec<&'a hcl_edit::expr::Expression>,
) {
    match s {
        hcl_edit::structure::Structure::Attribute(a) => out.push(&a.value),
        hcl_edit::structure::Structure::Block(b) => {
            for inner in b.body.iter() {
                collect(inner, out);
            }
        }
    }
}

fn status(ok: Option<bool>) -> String {
    match ok {
        Some(true) => "pass",
        Some(false) => "fail",
        None => "unknown",
    }
    .to_string()
}

/// Summarises instance statuses as Terraform does: any fail fails, any unknown is unknown.
fn aggregate(instances: &[CheckInstance]) -> String {
    if instances.iter().any(|i| i.status == "fail") {
        "fail".into()
    } else if instances.iter().any(|i| i.status == "unknown") {
        "unknown".into()
    } else {
        "pass".into()
    }
}

fn module_text(m: &ModulePath) -> Option<String> {
    (!m.is_root()).then(|| m.to_string())
}

/// Every checkable object of the configuration with its status in `plan`.
pub fn checks(cfg: &Config, plan: &Plan) -> Vec<CheckResult> {
    let instances = module_instances(plan);
    let mut out = Vec::new();
    let failed_checks: BTreeSet<String> = plan
        .warnings
        .iter()
        .filter_map(|d| d.summary.strip_prefix("Check block assertion failed: "))
        .map(str::to_string)
        .collect();
    for (path, m) in &cfg.modules {
        let none = BTreeSet::new();
        let mis = instances.get(path).unwrap_or(&none);
        let of_module = |name: String, kind: &str, ok: &dyn Fn(&ModulePath) -> Option<bool>| {
            let insts: Vec<CheckInstance> = mis
                .iter()
                .map(|mi| CheckInstance {
                    address: CheckInstanceAddress {
                        instance_key: None,
                        module: module_text(mi),
                        to_display: prefixed(mi, &name),
                    },
                    status: status(ok(mi)),
                })
                .collect();
            CheckResult {
                address: CheckAddress {
                    kind: kind.into(),
                    mode: None,
                    module: module_text(path),
                    name: name
                        .split_once('.')
                        .map_or(name.clone(), |x| x.1.to_string()),
                    to_display: prefixed(path, &name),
                    type_: None,
                },
                status: aggregate(&insts),
                instances: insts,
            }
        };
        for (name, v) in &m.variables {
            if !v.validations.is_empty() {
                out.push(of_module(format!("var.{name}"), "var", &|_| Some(true)));
            }
        }
        for (name, o) in &m.outputs {
            if !o.preconditions.is_empty() {
                out.push(of_module(format!("output.{name}"), "output", &|_| {
                    Some(true)
                }));
            }
        }
        for name in m.checks.keys() {
            let failed = failed_checks.contains(&format!("check.{name}"));
            out.push(of_module(format!("check.{name}"), "check", &|_| {
                Some(!failed)
            }));
        }
        for r in cfg.resources.values().filter(|r| r.addr.module == *path) {
            let l = r.lifecycle();
            if l.preconditions.is_empty() && l.postconditions.is_empty() {
                continue;
            }
            let insts: Vec<CheckInstance> = plan
                .resource_changes
                .iter()
                .filter(|c| c.addr.resource.static_form() == r.addr && c.after.is_some())
                .map(|c| {
                    let settled = l.postconditions.is_empty()
                        || matches!(c.action, Action::NoOp | Action::Read);
                    CheckInstance {
                        address: CheckInstanceAddress {
                            instance_key: match &c.addr.key {
                                InstanceKey::None => None,
                                k => index_json(k),
                            },
                            module: module_text(&c.addr.resource.module),
                            to_display: c.addr.to_string(),
                        },
                        status: status(settled.then_some(true)),
                    }
                })
                .collect();
            out.push(CheckResult {
                address: CheckAddress {
                    kind: "resource".into(),
                    mode: Some(mode_name(r.addr.mode).into()),
                    module: module_text(path),
                    name: r.addr.name.clone(),
                    to_display: r.addr.to_string(),
                    type_: Some(r.addr.type_.clone()),
                },
                status: aggregate(&insts),
                instances: insts,
            });
        }
    }
    out.sort_by(|a, b| a.address.to_display.cmp(&b.address.to_display));
    out
}
