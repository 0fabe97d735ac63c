//! Terraform's "values representation": resources and outputs grouped module by module, as in
//! `planned_values`, `prior_state` and `terraform show -json` of state.
//!
//! A module's resources come first, then its called module instances (`child_modules`), each
//! nested under its parent. Unknown attributes are omitted from `values`; `sensitive_values`
//! mirrors the sensitive marks. Leaves out deposed objects (Hangar records none).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value as Json;

use hangar_core::json::{from_json, mark_paths, sensitive_mirror, to_json};
use hangar_core::{InstanceKey, ModulePath, ResourceInstanceAddr, ResourceMode, Type, Value};
use hangar_state::StateDoc;

use super::{provider_source, TERRAFORM_VERSION};

/// A state as `terraform show -json` prints it (and as a plan's `prior_state`).
#[derive(Debug, Serialize)]
pub struct JsonState {
    /// Version of this format (`1.0`).
    pub format_version: &'static str,
    /// The Terraform release whose formats Hangar follows.
    pub terraform_version: &'static str,
    /// The outputs and the root module.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<StateValues>,
}

/// Outputs and the module tree (of resources `R`: built values, or a plan's resources built
/// only while they are written).
#[derive(Debug, Serialize)]
pub struct StateValues<R = ResourceValues> {
    /// Root outputs by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, OutputValue>,
    /// The root module with its children.
    pub root_module: ModuleValues<R>,
}

/// One output's value.
#[derive(Debug, Serialize)]
pub struct OutputValue {
    /// Declared sensitive.
    pub sensitive: bool,
    /// Terraform's JSON type (`"string"`, `["list","string"]`); absent while unknown.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub ty: Option<Json>,
    /// The value; absent while unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Json>,
}

impl OutputValue {
    /// The representation of a value (absent type and value while not wholly known).
    pub fn of(v: &Value, sensitive: bool) -> OutputValue {
        let known = v.is_wholly_known();
        OutputValue {
            sensitive,
            ty: known.then(|| type_json(&v.ty())),
            value: known.then(|| to_json(v)),
        }
    }
}

/// One module instance: its resources, then its child module instances.
#[derive(Debug, Serialize)]
pub struct ModuleValues<R = ResourceValues> {
    /// Resource instances, by address.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<R>,
    /// The module instance address (absent for the root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Called module instances.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub child_modules: Vec<ModuleValues<R>>,
}

/// One resource instance's values; `V` is the JSON of the values (built, or
/// [`KnownJson`](hangar_core::json::KnownJson) written from the value in place).
#[derive(Debug, Serialize)]
pub struct ResourceValues<V = Json> {
    /// Instance address.
    pub address: String,
    /// `managed` or `data`.
    pub mode: &'static str,
    /// Resource type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Resource name.
    pub name: String,
    /// `count` index or `for_each` key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<Json>,
    /// Provider source address.
    pub provider_name: String,
    /// Schema version of the values.
    pub schema_version: u64,
    /// Known attribute values (unknowns omitted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<V>,
    /// Mirror of the sensitive marks.
    pub sensitive_values: Json,
    /// Resources this one depends on (state only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Whether the object is tainted (state only).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tainted: bool,
}

/// `managed` or `data`.
pub fn mode_name(m: ResourceMode) -> &'static str {
    match m {
        ResourceMode::Managed => "managed",
        ResourceMode::Data => "data",
    }
}

/// An instance key as the `index` field shows it.
pub fn index_json(k: &InstanceKey) -> Option<Json> {
    match k {
        InstanceKey::None => None,
        InstanceKey::Int(i) => Some(Json::from(*i)),
        InstanceKey::Str(s) => Some(Json::String(s.clone())),
    }
}

impl ResourceValues {
    /// The representation of one instance's value.
    pub fn new(addr: &ResourceInstanceAddr, provider: &str, value: Option<&Value>) -> Self {
        ResourceValues::of(
            addr,
            provider,
            value.map(to_json),
            value.map_or(Json::Bool(false), sensitive_mirror),
        )
    }
}

impl<V> ResourceValues<V> {
    /// One instance's entry with its values and their sensitive mirror as given.
    pub fn of(
        addr: &ResourceInstanceAddr,
        provider: &str,
        values: Option<V>,
        mirror: Json,
    ) -> Self {
        ResourceValues {
            address: addr.to_string(),
            mode: mode_name(addr.resource.mode),
            type_: addr.resource.type_.clone(),
            name: addr.resource.name.clone(),
            index: index_json(&addr.key),
            provider_name: provider_source(provider),
            schema_version: 0,
            values,
            sensitive_values: mirror,
            depends_on: Vec::new(),
            tainted: false,
        }
    }
}

/// Groups resource instances (in any order) into the module tree, each module's resources in
/// the order of their addresses (`address` gives an instance's).
pub fn module_tree<R>(
    resources: Vec<(ModulePath, R)>,
    address: impl Fn(&R) -> String,
) -> ModuleValues<R> {
    let mut by_module: BTreeMap<ModulePath, Vec<R>> = BTreeMap::new();
    for (m, r) in resources {
        by_module.entry(m).or_default().push(r);
    }
    for rs in by_module.values_mut() {
        rs.sort_by_cached_key(&address);
    }
    module_values(&ModulePath::root(), &mut by_module)
}

fn module_values<R>(
    path: &ModulePath,
    resources: &mut BTreeMap<ModulePath, Vec<R>>,
) -> ModuleValues<R> {
    let own = resources.remove(path).unwrap_or_default();
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

/// A state document in `terraform show -json` form.
pub fn state_to_json(doc: &StateDoc) -> JsonState {
    let resources = doc
        .resources
        .values()
        .map(|r| {
            let v = mark_paths(from_json(&r.attributes), &r.sensitive_paths);
            let mut rv = ResourceValues::new(&r.addr, &r.provider, Some(&v));
            rv.values = Some(r.attributes.clone());
            rv.depends_on = r.dependencies.clone();
            rv.tainted = r.tainted;
            (r.addr.resource.module.clone(), rv)
        })
        .collect();
    let outputs = doc
        .outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                OutputValue::of(&from_json(&o.value), o.sensitive),
            )
        })
        .collect();
    JsonState {
        format_version: "1.0",
        terraform_version: TERRAFORM_VERSION,
        values: Some(StateValues {
            outputs,
            root_module: module_tree(resources, |r: &ResourceValues| r.address.clone()),
        }),
    }
}

/// Terraform's JSON encoding of a type (`"string"`, `["list","string"]`, `["object",{...}]`).
pub fn type_json(t: &Type) -> Json {
    let pair = |kind: &str, inner: Json| Json::Array(vec![Json::String(kind.into()), inner]);
    match t {
        Type::Dynamic => Json::String("dynamic".into()),
        Type::Bool => Json::String("bool".into()),
        Type::Number => Json::String("number".into()),
        Type::String => Json::String("string".into()),
        Type::List(e) => pair("list", type_json(e)),
        Type::Set(e) => pair("set", type_json(e)),
        Type::Map(e) => pair("map", type_json(e)),
        Type::Tuple(es) => pair("tuple", Json::Array(es.iter().map(type_json).collect())),
        Type::Object(o) => pair(
            "object",
            Json::Object(
                o.attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), type_json(t)))
                    .collect(),
            ),
        ),
    }
}
