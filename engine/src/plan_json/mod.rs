//! Terraform's machine-readable plan format (`terraform show -json PLANFILE`), for policy tools.
//!
//! Checkov, conftest/OPA and similar tools recognise a plan by `terraform_version`, read
//! `resource_changes[].change` with its `before`/`after`/`after_unknown`/`before_sensitive`/
//! `after_sensitive` mirrors, and follow `configuration` references to connect resources.
//! Hangar emits every top-level key Terraform 1.15 emits, in the same shapes and encodings
//! (typed below), plus `hangar_version`. Sensitive values stay in clear inside `before`/`after`,
//! exactly as Terraform does: the file is as sensitive as a Terraform plan file. Leaves out
//! `resource_drift` (Hangar reports drift with `hangar drift`) and `deferred_changes`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use hangar_core::json::{to_json, unknown_mirror, KnownJson};
use hangar_core::Value;

use crate::plan::{Action, Plan, PlanValue, ResourceChange};

pub mod checks;
pub mod configuration;
pub mod references;
pub mod values;

pub use checks::{CheckResult, RelevantAttribute};
pub use configuration::Configuration;
pub use values::{state_to_json, JsonState};

use values::{index_json, mode_name, module_tree, OutputValue, ResourceValues, StateValues};

/// Terraform's JSON plan format version this output follows.
pub const JSON_FORMAT_VERSION: &str = "1.2";

/// The Terraform release whose JSON formats (plan and state) Hangar's follow; the recorded
/// fixtures come from it. Policy tools recognise a plan by this key.
pub const TERRAFORM_VERSION: &str = "1.15.5";

/// The provider source address Terraform reports for a local provider name.
pub fn provider_source(config_addr: &str) -> String {
    let (name, _) = crate::planner::parse_provider_addr(config_addr);
    match name.as_str() {
        "terraform" => "terraform.io/builtin/terraform".into(),
        other => format!("registry.terraform.io/hashicorp/{other}"),
    }
}

/// The whole plan document.
#[derive(Debug, Serialize)]
pub struct JsonPlan<'a> {
    /// Format version (`1.2`).
    pub format_version: &'static str,
    /// The Terraform release whose format this follows.
    pub terraform_version: &'static str,
    /// The Hangar release that made the plan.
    pub hangar_version: &'a str,
    /// Root input variable values.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, VariableValue>,
    /// What state will hold after apply, as far as known.
    pub planned_values: StateValues<PlanResource<'a>>,
    /// One entry per resource instance.
    #[serde(skip_serializing_if = "ResourceChanges::is_empty")]
    pub resource_changes: ResourceChanges<'a>,
    /// One entry per root output.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub output_changes: BTreeMap<String, JsonChange<'a>>,
    /// The refreshed state the plan was made from.
    pub prior_state: PriorState<'a>,
    /// The configuration as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration: Option<PlanConfiguration<'a>>,
    /// Resource attributes the configuration reads.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub relevant_attributes: &'a [RelevantAttribute],
    /// Checkable objects with their status.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub checks: &'a [CheckResult],
    /// When the plan was made (RFC 3339, UTC).
    pub timestamp: &'a str,
    /// Whether applying it would do anything.
    pub applyable: bool,
    /// Whether it covers everything (Hangar never defers).
    pub complete: bool,
    /// Whether planning failed part way (a saved plan never has).
    pub errored: bool,
}

/// An input variable's value.
#[derive(Debug, Serialize)]
pub struct VariableValue {
    /// The value.
    pub value: Json,
}

/// One resource instance's change.
#[derive(Debug, Serialize)]
pub struct JsonResourceChange<'a> {
    /// Instance address.
    pub address: String,
    /// Where state recorded it before a move.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_address: Option<String>,
    /// Module instance address (absent for the root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_address: Option<String>,
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
    /// The change.
    pub change: JsonChange<'a>,
    /// Why this action (`replace_because_cannot_update`, `delete_because_no_resource_config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_reason: Option<String>,
}

/// A change of a resource instance or an output, its values written from the plan in place.
#[derive(Debug, Serialize)]
pub struct JsonChange<'a> {
    /// `["create"]`, `["delete","create"]`, ...
    pub actions: &'static [&'static str],
    /// The value before (`null` when creating).
    pub before: KnownJson<'a>,
    /// The value after, unknowns omitted; absent when wholly unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<KnownJson<'a>>,
    /// Mirror of the unknown parts of `after`.
    pub after_unknown: Json,
    /// Mirror of the sensitive parts of `before`.
    pub before_sensitive: Json,
    /// Mirror of the sensitive parts of `after`.
    pub after_sensitive: Json,
    /// Attribute paths that force the replacement.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replace_paths: Vec<Json>,
    /// The object an `import` block adopts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub importing: Option<Importing>,
}

/// `change.importing`.
#[derive(Debug, Serialize)]
pub struct Importing {
    /// The cloud's id.
    pub id: String,
}

fn mirror_or_false(v: Option<&PlanValue>) -> Json {
    v.map_or(Json::Bool(false), PlanValue::sensitive_mirror)
}

/// What `before` and `after` show for no value.
static NO_VALUE: Value = Value::NULL;

fn after_json(after: Option<&Value>) -> Option<KnownJson<'_>> {
    match after {
        Some(a) if a.is_unknown() => None,
        Some(a) => Some(KnownJson(a)),
        None => Some(KnownJson(&NO_VALUE)),
    }
}

fn resource_change(c: &ResourceChange) -> JsonResourceChange<'_> {
    let a = &c.addr;
    let before = c.before.as_ref().map(|b| &b.value);
    let after = c.after.as_ref().map(|a| &a.value);
    let reason = match (c.action, c.reason.as_deref()) {
        (_, Some(r)) => Some(r.to_string()),
        (act, None) if act.is_replace() => Some(
            if c.replace_paths.iter().any(|p| p == "replace_triggered_by") {
                "replace_by_triggers".to_string()
            } else {
                "replace_because_cannot_update".to_string()
            },
        ),
        _ => None,
    };
    JsonResourceChange {
        address: a.to_string(),
        previous_address: c.previous_address.as_ref().map(ToString::to_string),
        module_address: (!a.resource.module.is_root()).then(|| a.resource.module.to_string()),
        mode: mode_name(a.resource.mode),
        type_: a.resource.type_.clone(),
        name: a.resource.name.clone(),
        index: index_json(&a.key),
        provider_name: provider_source(&c.provider),
        change: JsonChange {
            actions: c.action.json_actions(),
            before: KnownJson(before.unwrap_or(&NO_VALUE)),
            after: after_json(after),
            after_unknown: after.map_or_else(|| Json::Object(Default::default()), unknown_mirror),
            before_sensitive: mirror_or_false(c.before.as_ref()),
            after_sensitive: mirror_or_false(c.after.as_ref()),
            replace_paths: c
                .replace_paths
                .iter()
                .filter(|p| *p != "replace_triggered_by")
                .map(|p| Json::Array(vec![Json::String(p.clone())]))
                .collect(),
            importing: c.importing.as_ref().map(|i| Importing { id: i.id.clone() }),
        },
        action_reason: reason,
    }
}

/// An output's change: `after_unknown` mirrors the unknown parts (`true` when wholly unknown,
/// `false` when known); the sensitivity mirrors are the output's `sensitive` flag.
fn output_change(o: &crate::plan::OutputChange) -> JsonChange<'_> {
    let before = o.before.as_ref().map(|b| &b.value);
    let after = o.after.as_ref().map(|a| &a.value);
    let after_unknown = match after {
        Some(a) if !a.is_wholly_known() => unknown_mirror(a),
        _ => Json::Bool(false),
    };
    let sensitive = |v: Option<&Value>| Json::Bool(v.is_some() && o.sensitive);
    JsonChange {
        actions: o.action.json_actions(),
        before: KnownJson(before.unwrap_or(&NO_VALUE)),
        after: after_json(after),
        after_unknown,
        // Terraform keeps one sensitivity flag per output change, for before and after alike.
        before_sensitive: Json::Bool(o.sensitive || before.is_some_and(Value::contains_sensitive)),
        after_sensitive: sensitive(after),
        replace_paths: Vec::new(),
        importing: None,
    }
}

/// The plan's `resource_changes`, each entry built only while it is written: a large plan is
/// streamed, never held as one JSON document.
#[derive(Debug)]
pub struct ResourceChanges<'a>(&'a [ResourceChange]);

impl ResourceChanges<'_> {
    /// Whether the plan changes no resource instance.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for ResourceChanges<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(resource_change))
    }
}

/// A resource instance of `planned_values` (after the change) or of `prior_state` (the
/// recorded object), built only while it is written.
#[derive(Debug)]
pub struct PlanResource<'a> {
    change: &'a ResourceChange,
    /// None for a forgotten instance: listed with no values, as Terraform does.
    value: Option<&'a PlanValue>,
    prior: bool,
}

impl PlanResource<'_> {
    fn values(&self) -> ResourceValues<KnownJson<'_>> {
        let c = self.change;
        let mirror = self
            .value
            .map_or(Json::Bool(false), PlanValue::sensitive_mirror);
        let known = self.value.map(|v| KnownJson(&v.value));
        let mut r = ResourceValues::of(&c.addr, &c.provider, known, mirror);
        if self.prior {
            r.depends_on = c.dependencies.clone();
        }
        r
    }
}

impl Serialize for PlanResource<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.values().serialize(s)
    }
}

/// A plan's `prior_state`: the state format over resources built while written.
#[derive(Debug, Serialize)]
pub struct PriorState<'a> {
    /// Version of the state format (`1.0`).
    pub format_version: &'static str,
    /// The Terraform release whose formats Hangar follows.
    pub terraform_version: &'static str,
    /// The outputs and the root module.
    pub values: StateValues<PlanResource<'a>>,
}

/// The plan in Terraform's JSON plan format, ready to serialize.
pub fn json_plan(plan: &Plan) -> JsonPlan<'_> {
    let mut planned = Vec::new();
    let mut prior = Vec::new();
    for c in &plan.resource_changes {
        let module = &c.addr.resource.module;
        if c.after.is_some() || c.action == Action::Forget {
            planned.push((
                module.clone(),
                PlanResource {
                    change: c,
                    value: c.after.as_ref(),
                    prior: false,
                },
            ));
        }
        let recorded = match c.action {
            Action::Read | Action::NoOp
                if c.addr.resource.mode == hangar_core::ResourceMode::Data =>
            {
                c.after.as_ref()
            }
            _ => c.before.as_ref(),
        };
        if let Some(b) = recorded.filter(|b| b.value.is_wholly_known()) {
            prior.push((
                module.clone(),
                PlanResource {
                    change: c,
                    value: Some(b),
                    prior: true,
                },
            ));
        }
    }
    let address = |r: &PlanResource| r.change.addr.to_string();
    let mut planned_outputs = BTreeMap::new();
    let mut prior_outputs = BTreeMap::new();
    let mut output_changes = BTreeMap::new();
    for o in &plan.output_changes {
        if let Some(a) = &o.after {
            planned_outputs.insert(o.name.clone(), OutputValue::of(&a.value, o.sensitive));
            if a.value.is_wholly_known() && !a.value.is_null() {
                prior_outputs.insert(o.name.clone(), OutputValue::of(&a.value, o.sensitive));
            }
        } else if let Some(b) = &o.before {
            prior_outputs.insert(o.name.clone(), OutputValue::of(&b.value, o.sensitive));
        }
        output_changes.insert(o.name.clone(), output_change(o));
    }
    JsonPlan {
        format_version: JSON_FORMAT_VERSION,
        terraform_version: TERRAFORM_VERSION,
        hangar_version: &plan.hangar_version,
        variables: plan
            .variables
            .iter()
            .map(|(k, v)| {
                let value = to_json(&v.value);
                (k.clone(), VariableValue { value })
            })
            .collect(),
        planned_values: StateValues {
            outputs: planned_outputs,
            root_module: module_tree(planned, address),
        },
        resource_changes: ResourceChanges(&plan.resource_changes),
        output_changes,
        prior_state: PriorState {
            format_version: "1.0",
            terraform_version: TERRAFORM_VERSION,
            values: StateValues {
                outputs: prior_outputs,
                root_module: module_tree(prior, address),
            },
        },
        configuration: plan.configuration.as_ref().map(PlanConfiguration::Kept),
        relevant_attributes: &plan.relevant_attributes,
        checks: &plan.checks,
        timestamp: &plan.timestamp,
        applyable: plan.has_changes(),
        complete: true,
        errored: false,
    }
}

/// Writes the plan in Terraform's JSON plan format to `w` (compact, no trailing newline),
/// serializing the typed document as it goes rather than building one JSON tree of it.
pub fn write_plan_json<W: std::io::Write>(plan: &Plan, w: W) -> serde_json::Result<()> {
    serde_json::to_writer(w, &json_plan(plan))
}

/// [`write_plan_json`] of a plan [`describe_checks`] filled in: the `configuration` section is
/// described from `cfg` resource by resource as it is written, never kept whole.
pub fn write_plan_json_live<W: std::io::Write>(
    plan: &Plan,
    cfg: &crate::config::Config,
    registry: &crate::registry::Registry,
    w: W,
) -> serde_json::Result<()> {
    let mut doc = json_plan(plan);
    if doc.configuration.is_none() {
        doc.configuration = Some(PlanConfiguration::Live(configuration::live_configuration(
            cfg, registry,
        )));
    }
    serde_json::to_writer(w, &doc)
}

/// The `configuration` a JSON plan shows: the one a plan keeps (a saved plan), or one described
/// from the configuration while it is written out.
#[derive(Debug)]
pub enum PlanConfiguration<'a> {
    /// Kept in the plan.
    Kept(&'a Configuration),
    /// Described as written.
    Live(Configuration<configuration::LiveResources<'a>>),
}

impl Serialize for PlanConfiguration<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PlanConfiguration::Kept(c) => c.serialize(s),
            PlanConfiguration::Live(c) => c.serialize(s),
        }
    }
}

/// The plan in Terraform's JSON plan format.
pub fn plan_to_json(plan: &Plan) -> Json {
    serde_json::to_value(json_plan(plan)).unwrap_or(Json::Null)
}

/// Fills in what the JSON plan describes besides changes: the configuration as written,
/// the attributes it reads, the status of every check, and the time.
pub fn describe(
    plan: &mut Plan,
    cfg: &crate::config::Config,
    registry: &crate::registry::Registry,
) {
    plan.configuration = Some(configuration::configuration(cfg, registry));
    describe_checks(plan, cfg);
}

/// [`describe`] but for the `configuration` section, which [`write_plan_json_live`] writes
/// straight from the configuration.
pub fn describe_checks(plan: &mut Plan, cfg: &crate::config::Config) {
    plan.relevant_attributes = checks::relevant_attributes(cfg, plan);
    plan.checks = checks::checks(cfg, plan);
    plan.timestamp = hangar_core::timestamp::rfc3339_utc(std::time::SystemTime::now());
}
