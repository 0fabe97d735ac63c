//! Terraform's machine-readable plan format (`terraform show -json PLANFILE`), for policy tools.
//!
//! Checkov, conftest/OPA and similar tools read `resource_changes[].change` with its
//! `before`/`after`/`after_unknown`/`before_sensitive`/`after_sensitive` mirrors; Hangar emits
//! the same shapes and encodings so those tools read Hangar plans unchanged. Sensitive values
//! stay in clear inside `before`/`after`, exactly as Terraform does: the file is as sensitive as
//! a Terraform plan file.
//!
//! The document is a tree of typed serde structs that borrow from the [`Plan`]: values are
//! serialized straight from [`Value`]s and each resource's entry is built only while it is
//! written, so [`write_plan_json`] streams a 100k-resource plan without holding the document
//! (only a reference per resource, to group `planned_values` by module). Left out: the
//! `configuration` and `prior_state` sections of Terraform's format.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value as Json};

use hangar_core::json::{number_to_json, unknown_mirror};
use hangar_core::{InstanceKey, ModulePath, ResourceInstanceAddr, ResourceMode, Value};

use crate::plan::{Action, OutputChange, Plan, PlanValue, ResourceChange};

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

/// Writes the plan in Terraform's JSON plan format to `w` (compact, no trailing newline),
/// streaming: nothing but the output buffer grows with the plan.
pub fn write_plan_json<W: std::io::Write>(plan: &Plan, w: W) -> serde_json::Result<()> {
    serde_json::to_writer(w, &PlanJson::new(plan))
}

/// The plan in Terraform's JSON plan format, as a JSON tree (for tests and small plans; use
/// [`write_plan_json`] to write one).
pub fn plan_to_json(plan: &Plan) -> Json {
    serde_json::to_value(PlanJson::new(plan)).unwrap_or(Json::Null)
}

/// The whole document.
#[derive(Serialize)]
pub struct PlanJson<'a> {
    /// [`JSON_FORMAT_VERSION`].
    format_version: &'static str,
    /// The Hangar version that made the plan.
    hangar_version: &'a str,
    /// Input variables by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    variables: BTreeMap<&'a str, VariableJson<'a>>,
    /// The planned outputs and resources, by module.
    planned_values: PlannedValues<'a>,
    /// One entry per resource instance.
    #[serde(skip_serializing_if = "Changes::is_empty")]
    resource_changes: Changes<'a>,
    /// One entry per output.
    #[serde(skip_serializing_if = "Entries::is_empty")]
    output_changes: Entries<&'a str, ChangeJson<'a>>,
    /// Whether applying the plan changes anything.
    applyable: bool,
    /// Always true: Hangar writes no partial plans.
    complete: bool,
    /// Always false: a failed plan is reported as an error instead.
    errored: bool,
}

impl<'a> PlanJson<'a> {
    /// The document for `plan`; cheap (it groups references to resource changes by module).
    pub fn new(plan: &'a Plan) -> PlanJson<'a> {
        let mut by_module: BTreeMap<&'a ModulePath, Vec<&'a ResourceChange>> = BTreeMap::new();
        for c in &plan.resource_changes {
            if c.after.is_some() || c.action == Action::Forget {
                by_module
                    .entry(&c.addr.resource.module)
                    .or_default()
                    .push(c);
            }
        }
        let outputs = plan
            .output_changes
            .iter()
            .filter_map(|o| {
                let a = &o.after.as_ref()?.value;
                Some((
                    o.name.as_str(),
                    PlannedOutput {
                        sensitive: o.sensitive,
                        value: a.is_wholly_known().then_some(Val(a)),
                    },
                ))
            })
            .collect();
        PlanJson {
            format_version: JSON_FORMAT_VERSION,
            hangar_version: &plan.hangar_version,
            variables: plan
                .variables
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str(),
                        VariableJson {
                            value: Val(&v.value),
                        },
                    )
                })
                .collect(),
            planned_values: PlannedValues {
                outputs: Entries(outputs),
                root_module: module_values(&ModulePath::root(), &mut by_module),
            },
            resource_changes: Changes(&plan.resource_changes),
            output_changes: Entries(
                plan.output_changes
                    .iter()
                    .map(|o| (o.name.as_str(), output_change(o)))
                    .collect(),
            ),
            applyable: plan.has_changes(),
            complete: true,
            errored: false,
        }
    }
}

/// `variables.NAME`.
#[derive(Serialize)]
struct VariableJson<'a> {
    value: Val<'a>,
}

/// `planned_values`.
#[derive(Serialize)]
struct PlannedValues<'a> {
    #[serde(skip_serializing_if = "Entries::is_empty")]
    outputs: Entries<&'a str, PlannedOutput<'a>>,
    root_module: ModuleValues<'a>,
}

/// `planned_values.outputs.NAME`.
#[derive(Serialize)]
struct PlannedOutput<'a> {
    sensitive: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Val<'a>>,
}

/// One module instance of `planned_values`: its resources, then its called modules', nested.
#[derive(Serialize)]
struct ModuleValues<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<PlannedResources<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    child_modules: Vec<ModuleValues<'a>>,
}

fn module_values<'a>(
    path: &ModulePath,
    resources: &mut BTreeMap<&'a ModulePath, Vec<&'a ResourceChange>>,
) -> ModuleValues<'a> {
    let own = resources.remove(path).map(PlannedResources);
    let children: BTreeSet<ModulePath> = resources
        .keys()
        .filter(|k| k.0.len() > path.0.len() && k.starts_with(path))
        .map(|k| ModulePath(k.0[..=path.0.len()].to_vec()))
        .collect();
    ModuleValues {
        resources: own,
        address: (!path.is_root()).then(|| path.to_string()),
        child_modules: children
            .iter()
            .map(|c| module_values(c, resources))
            .collect(),
    }
}

/// `resources` of a module in `planned_values`, serialized one by one.
struct PlannedResources<'a>(Vec<&'a ResourceChange>);

impl Serialize for PlannedResources<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for c in &self.0 {
            let after = c.after.as_ref();
            seq.serialize_element(&PlannedResource {
                id: Identity::new(c, false),
                schema_version: 0,
                values: after.map(|a| Val(&a.value)),
                sensitive_values: after.map_or(Json::Bool(false), PlanValue::sensitive_mirror),
            })?;
        }
        seq.end()
    }
}

/// One resource instance of `planned_values`.
#[derive(Serialize)]
struct PlannedResource<'a> {
    #[serde(flatten)]
    id: Identity<'a>,
    schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<Val<'a>>,
    sensitive_values: Json,
}

/// The fields naming a resource instance; `module_address` (and `previous_address`) only in
/// `resource_changes`.
#[derive(Serialize)]
struct Identity<'a> {
    address: Disp<&'a ResourceInstanceAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_address: Option<Disp<&'a ResourceInstanceAddr>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    module_address: Option<Disp<&'a ModulePath>>,
    mode: &'static str,
    #[serde(rename = "type")]
    type_: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<Index<'a>>,
    provider_name: String,
}

impl<'a> Identity<'a> {
    fn new(c: &'a ResourceChange, in_changes: bool) -> Identity<'a> {
        let a = &c.addr;
        Identity {
            address: Disp(a),
            previous_address: c.previous_address.as_ref().filter(|_| in_changes).map(Disp),
            module_address: (in_changes && !a.resource.module.is_root())
                .then_some(Disp(&a.resource.module)),
            mode: match a.resource.mode {
                ResourceMode::Managed => "managed",
                ResourceMode::Data => "data",
            },
            type_: &a.resource.type_,
            name: &a.resource.name,
            index: match &a.key {
                InstanceKey::None => None,
                InstanceKey::Int(i) => Some(Index::Int(*i)),
                InstanceKey::Str(s) => Some(Index::Str(s)),
            },
            provider_name: provider_source(&c.provider),
        }
    }
}

/// An instance key: a `count` index or a `for_each` key.
#[derive(Serialize)]
#[serde(untagged)]
enum Index<'a> {
    Int(i64),
    Str(&'a str),
}

/// `resource_changes`, each entry built while it is written.
struct Changes<'a>(&'a [ResourceChange]);

impl Changes<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Changes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            seq.serialize_element(&resource_change(c))?;
        }
        seq.end()
    }
}

/// One entry of `resource_changes`.
#[derive(Serialize)]
struct ResourceChangeJson<'a> {
    #[serde(flatten)]
    id: Identity<'a>,
    change: ChangeJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action_reason: Option<&'a str>,
}

fn resource_change(c: &ResourceChange) -> ResourceChangeJson<'_> {
    let mut change = change_json(c.action, c.before.as_ref(), c.after.as_ref());
    if !c.replace_paths.is_empty() {
        change.replace_paths = Some(c.replace_paths.iter().map(|p| [p.as_str()]).collect());
    }
    change.importing = c.importing.as_ref().map(|i| Importing { id: &i.id });
    let action_reason = match (c.action, c.reason.as_deref()) {
        (_, Some(r)) => Some(r),
        (a, None) if a.is_replace() => Some(
            if c.replace_paths.iter().any(|p| p == "replace_triggered_by") {
                "replace_by_triggers"
            } else {
                "replace_because_cannot_update"
            },
        ),
        _ => None,
    };
    ResourceChangeJson {
        id: Identity::new(c, true),
        change,
        action_reason,
    }
}

/// A `change` object, of a resource instance or an output.
#[derive(Serialize)]
struct ChangeJson<'a> {
    actions: &'static [&'static str],
    before: Option<Val<'a>>,
    /// Absent when the whole value is unknown, `null` when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<Option<Val<'a>>>,
    after_unknown: Json,
    before_sensitive: Json,
    after_sensitive: Json,
    #[serde(skip_serializing_if = "Option::is_none")]
    replace_paths: Option<Vec<[&'a str; 1]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    importing: Option<Importing<'a>>,
}

/// `change.importing`.
#[derive(Serialize)]
struct Importing<'a> {
    id: &'a str,
}

fn mirror_or_false(v: Option<&PlanValue>) -> Json {
    v.map_or(Json::Bool(false), PlanValue::sensitive_mirror)
}

fn change_json<'a>(
    action: Action,
    before: Option<&'a PlanValue>,
    after: Option<&'a PlanValue>,
) -> ChangeJson<'a> {
    let after_value = after.map(|a| &a.value);
    ChangeJson {
        actions: action.json_actions(),
        before: before.map(|b| Val(&b.value)),
        after: match after_value {
            Some(a) if a.is_unknown() => None,
            Some(a) => Some(Some(Val(a))),
            None => Some(None),
        },
        after_unknown: after_value
            .map(unknown_mirror)
            .unwrap_or_else(|| Json::Object(Map::new())),
        before_sensitive: mirror_or_false(before),
        after_sensitive: mirror_or_false(after),
        replace_paths: None,
        importing: None,
    }
}

fn output_change(o: &OutputChange) -> ChangeJson<'_> {
    let mut ch = change_json(o.action, o.before.as_ref(), o.after.as_ref());
    if let Some(a) = &o.after {
        ch.after_unknown = Json::Bool(!a.value.is_wholly_known());
        ch.after_sensitive = Json::Bool(o.sensitive);
    }
    if let Some(b) = &o.before {
        ch.before_sensitive = Json::Bool(b.value.contains_sensitive());
    }
    ch
}

/// A value in JSON as Terraform writes it: marks peeled, unknowns `null` (and left out of
/// objects), numbers with every digit. Serialized straight from the [`Value`].
#[derive(Clone, Copy)]
struct Val<'a>(&'a Value);

impl Serialize for Val<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.peel() {
            Value::Null(_) | Value::Unknown(_) => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => number_to_json(n).serialize(s),
            Value::String(x) => s.serialize_str(x),
            Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
                s.collect_seq(xs.iter().map(Val))
            }
            Value::Map(m) | Value::Object(m) => {
                let mut map = s.serialize_map(None)?;
                for (k, v) in m.iter().filter(|(_, v)| !v.is_unknown()) {
                    map.serialize_entry(k, &Val(v))?;
                }
                map.end()
            }
            Value::Sensitive(_) => unreachable!("peel removes marks"),
        }
    }
}

/// Serializes through `Display` (addresses), without an intermediate `String`.
struct Disp<T>(T);

impl<T: Display> Serialize for Disp<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A JSON object written from ordered entries.
struct Entries<K, V>(Vec<(K, V)>);

impl<K, V> Entries<K, V> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Serialize, V: Serialize> Serialize for Entries<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}
