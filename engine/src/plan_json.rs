//! Terraform's machine-readable plan format (`terraform show -json PLANFILE`), for policy tools.
//!
//! Checkov, conftest/OPA and similar tools read `resource_changes[].change` with its
//! `before`/`after`/`after_unknown`/`before_sensitive`/`after_sensitive` mirrors; Hangar emits
//! the same shapes and encodings so those tools read Hangar plans unchanged. Sensitive values
//! stay in clear inside `before`/`after`, exactly as Terraform does: the file is as sensitive as
//! a Terraform plan file.

use serde_json::{json, Map, Value as Json};

use hangar_core::json::{sensitive_mirror, to_json, unknown_mirror};
use std::collections::{BTreeMap, BTreeSet};

use hangar_core::{InstanceKey, ModulePath, ResourceMode, Value};

use crate::plan::{Action, Plan, PlanValue, ResourceChange};

/// Terraform's JSON plan format version this output follows.
pub const JSON_FORMAT_VERSION: &str = "1.2";

/// The provider source address Terraform reports for a local provider name.
pub fn provider_source(config_addr: &str) -> String {
    let (name, _) = crate::planner::parse_provider_addr(config_addr);
    match name.as_str() {
        "terraform" => "terraform.io/builtin/terraform".into(),
        other => format!("registry.terraform.io/hashicorp/{other}"),
    }
}

fn mode(m: ResourceMode) -> &'static str {
    match m {
        ResourceMode::Managed => "managed",
        ResourceMode::Data => "data",
    }
}

/// The fields naming a resource instance; `module_address` only in `resource_changes`.
fn identity(c: &ResourceChange, obj: &mut Map<String, Json>, with_module: bool) {
    let a = &c.addr;
    obj.insert("address".into(), Json::String(a.to_string()));
    if with_module && !a.resource.module.is_root() {
        obj.insert(
            "module_address".into(),
            Json::String(a.resource.module.to_string()),
        );
    }
    obj.insert("mode".into(), Json::String(mode(a.resource.mode).into()));
    obj.insert("type".into(), Json::String(a.resource.type_.clone()));
    obj.insert("name".into(), Json::String(a.resource.name.clone()));
    match &a.key {
        InstanceKey::None => {}
        InstanceKey::Int(i) => {
            obj.insert("index".into(), json!(i));
        }
        InstanceKey::Str(s) => {
            obj.insert("index".into(), json!(s));
        }
    }
    obj.insert(
        "provider_name".into(),
        Json::String(provider_source(&c.provider)),
    );
}

fn mirror_or_false(v: Option<&PlanValue>) -> Json {
    match v {
        None => Json::Bool(false),
        Some(v) => v.sensitive_mirror(),
    }
}

fn change_json(
    action: Action,
    (before, before_enc): (Option<&Value>, Option<&PlanValue>),
    (after, after_enc): (Option<&Value>, Option<&PlanValue>),
) -> Map<String, Json> {
    let mut m = Map::with_capacity(8);
    m.insert("actions".into(), json!(action.json_actions()));
    m.insert("before".into(), before.map(to_json).unwrap_or(Json::Null));
    match after {
        Some(a) if a.is_unknown() => {}
        Some(a) => {
            m.insert("after".into(), to_json(a));
        }
        None => {
            m.insert("after".into(), Json::Null);
        }
    }
    m.insert(
        "after_unknown".into(),
        after
            .map(unknown_mirror)
            .unwrap_or_else(|| Json::Object(Map::new())),
    );
    m.insert("before_sensitive".into(), mirror_or_false(before_enc));
    m.insert("after_sensitive".into(), mirror_or_false(after_enc));
    m
}

/// One module instance of `planned_values`: its resources, then its called modules', nested.
fn module_values(
    path: &ModulePath,
    resources: &mut BTreeMap<ModulePath, Vec<Json>>,
) -> Map<String, Json> {
    let mut m = Map::new();
    if let Some(rs) = resources.remove(path) {
        m.insert("resources".into(), Json::Array(rs));
    }
    if !path.is_root() {
        m.insert("address".into(), Json::String(path.to_string()));
    }
    let children: BTreeSet<ModulePath> = resources
        .keys()
        .filter(|k| k.0.len() > path.0.len() && k.starts_with(path))
        .map(|k| ModulePath(k.0[..=path.0.len()].to_vec()))
        .collect();
    let children: Vec<Json> = children
        .iter()
        .map(|c| Json::Object(module_values(c, resources)))
        .collect();
    if !children.is_empty() {
        m.insert("child_modules".into(), Json::Array(children));
    }
    m
}

/// The plan in Terraform's JSON plan format.
pub fn plan_to_json(plan: &Plan) -> Json {
    let mut root = Map::new();
    root.insert("format_version".into(), json!(JSON_FORMAT_VERSION));
    root.insert("hangar_version".into(), json!(plan.hangar_version));
    if !plan.variables.is_empty() {
        let vars: Map<String, Json> = plan
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), json!({ "value": to_json(&v.value) })))
            .collect();
        root.insert("variables".into(), Json::Object(vars));
    }
    let mut planned_resources: BTreeMap<ModulePath, Vec<Json>> = BTreeMap::new();
    let mut changes = Vec::new();
    for c in &plan.resource_changes {
        let before = c.before.as_ref().map(|b| &b.value);
        let after = c.after.as_ref().map(|a| &a.value);
        if after.is_some() || c.action == Action::Forget {
            let mut r = Map::with_capacity(10);
            identity(c, &mut r, false);
            r.insert("schema_version".into(), json!(0));
            if let Some(a) = &after {
                r.insert("values".into(), to_json(a));
            }
            let mirror = c.after.as_ref().map(|e| e.sensitive_mirror());
            let sensitive = match &after {
                Some(a) => mirror.unwrap_or_else(|| sensitive_mirror(a)),
                None => Json::Bool(false),
            };
            r.insert("sensitive_values".into(), sensitive);
            planned_resources
                .entry(c.addr.resource.module.clone())
                .or_default()
                .push(Json::Object(r));
        }
        let mut rc = Map::with_capacity(12);
        identity(c, &mut rc, true);
        if let Some(prev) = &c.previous_address {
            let rest = std::mem::take(&mut rc);
            let mut fields = rest.into_iter();
            rc.extend(fields.next());
            rc.insert("previous_address".into(), Json::String(prev.to_string()));
            rc.extend(fields);
        }
        let mut ch = change_json(
            c.action,
            (before, c.before.as_ref()),
            (after, c.after.as_ref()),
        );
        if !c.replace_paths.is_empty() {
            let paths: Vec<Json> = c.replace_paths.iter().map(|p| json!([p])).collect();
            ch.insert("replace_paths".into(), Json::Array(paths));
        }
        if let Some(import) = &c.importing {
            ch.insert("importing".into(), json!({ "id": import.id }));
        }
        rc.insert("change".into(), Json::Object(ch));
        let reason = match (c.action, c.reason.as_deref()) {
            (_, Some(r)) => Some(r.to_string()),
            (a, None) if a.is_replace() => Some(
                if c.replace_paths.iter().any(|p| p == "replace_triggered_by") {
                    "replace_by_triggers".to_string()
                } else {
                    "replace_because_cannot_update".to_string()
                },
            ),
            _ => None,
        };
        if let Some(r) = reason {
            rc.insert("action_reason".into(), Json::String(r));
        }
        changes.push(Json::Object(rc));
    }
    let mut outputs_planned = Map::new();
    let mut output_changes = Map::new();
    for o in &plan.output_changes {
        let before = o.before.as_ref().map(|b| b.value.clone());
        let after = o.after.as_ref().map(|a| a.value.clone());
        if let Some(a) = &after {
            let mut pv = Map::new();
            pv.insert("sensitive".into(), json!(o.sensitive));
            if a.is_wholly_known() {
                pv.insert("value".into(), to_json(a));
            }
            outputs_planned.insert(o.name.clone(), Json::Object(pv));
        }
        let mut ch = change_json(
            o.action,
            (before.as_ref(), o.before.as_ref()),
            (after.as_ref(), o.after.as_ref()),
        );
        if let Some(a) = &after {
            ch.insert("after_unknown".into(), json!(!a.is_wholly_known()));
            ch.insert("after_sensitive".into(), json!(o.sensitive));
        }
        // Terraform keeps one sensitivity flag per output change, for before and after alike.
        let before_sensitive =
            o.sensitive || before.as_ref().is_some_and(|b| b.contains_sensitive());
        ch.insert("before_sensitive".into(), json!(before_sensitive));
        output_changes.insert(o.name.clone(), Json::Object(ch));
    }
    let mut planned = Map::new();
    if !outputs_planned.is_empty() {
        planned.insert("outputs".into(), Json::Object(outputs_planned));
    }
    let root_module = module_values(&ModulePath::root(), &mut planned_resources);
    planned.insert("root_module".into(), Json::Object(root_module));
    root.insert("planned_values".into(), Json::Object(planned));
    if !changes.is_empty() {
        root.insert("resource_changes".into(), Json::Array(changes));
    }
    if !output_changes.is_empty() {
        root.insert("output_changes".into(), Json::Object(output_changes));
    }
    root.insert("applyable".into(), json!(plan.has_changes()));
    root.insert("complete".into(), json!(true));
    root.insert("errored".into(), json!(false));
    Json::Object(root)
}
