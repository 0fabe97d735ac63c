//! What every GCP resource and data source type implements, and the plan rules they share.
//!
//! A [`Resource`] is one managed type; the provider dispatches to it by type name. Its plan is
//! the schema's default plan refined by [`PlanRules`]: Terraform's defaults for unset
//! arguments, upper-cased locations (Terraform stores GCS locations upper case), `project` and
//! `location` filled in from the provider block, nested computed attributes kept from the
//! recorded object, replacement when a `force_new` attribute inside a block changes, and
//! `terraform_labels` / `effective_labels` from `default_labels`, the labels and the recorded
//! ownership labels.

use std::collections::BTreeMap;

use async_trait::async_trait;
use hangar_core::Value;
use hangar_provider::plan::{differs, plan_by_schema};
use hangar_provider::{
    OperationContext, PlanRequest, PlanResponse, ProviderError, RemoteObject, ResourceSchema,
};

use crate::attrs;
use crate::config::Clients;
use crate::labels;

/// A configured provider's clients and settings, as every resource sees them.
#[derive(Debug, Clone)]
pub struct Google {
    /// API clients and defaults.
    pub clients: Clients,
    /// `default_labels`.
    pub default_labels: BTreeMap<String, String>,
}

/// One managed resource type.
#[async_trait]
pub trait Resource: Send + Sync {
    /// Terraform's name of the type (`google_storage_bucket`).
    fn type_name(&self) -> &'static str;
    /// Its schema.
    fn schema(&self) -> ResourceSchema;
    /// Its plan rules.
    fn rules(&self) -> PlanRules {
        PlanRules::default()
    }
    /// Plans one instance; by default the schema's plan refined by [`Resource::rules`].
    fn plan(
        &self,
        g: &Google,
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        self.rules().plan(g, schema, req)
    }
    /// Creates the object `planned` describes; fails with Google's error.
    async fn create(
        &self,
        g: &Google,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError>;
    /// Reads the object `prior` records; `None` when it is gone.
    async fn read(&self, g: &Google, prior: &Value) -> Result<Option<RemoteObject>, ProviderError>;
    /// Changes the object in place from `prior` to `planned`; fails with Google's error.
    async fn update(
        &self,
        g: &Google,
        prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError>;
    /// Deletes the object; succeeds when it is already gone.
    async fn delete(&self, g: &Google, prior: &Value) -> Result<(), ProviderError>;
    /// Reads an existing object by its import id; fails when it does not exist.
    async fn import(&self, g: &Google, id: &str) -> Result<RemoteObject, ProviderError>;
    /// The id of the object an interrupted create with `token` made, if it exists.
    async fn find_created(
        &self,
        g: &Google,
        token: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let _ = (g, token, planned);
        Ok(None)
    }
}

/// One data source type.
#[async_trait]
pub trait DataSource: Send + Sync {
    /// Terraform's name of the type.
    fn type_name(&self) -> &'static str;
    /// Its schema.
    fn schema(&self) -> ResourceSchema;
    /// Reads it; fails when the object does not exist.
    async fn read(&self, g: &Google, config: &Value) -> Result<RemoteObject, ProviderError>;
}

/// Refinements of the schema's default plan; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct PlanRules {
    /// Top-level bools and the value an unset one takes.
    pub defaults: &'static [(&'static str, bool)],
    /// Top-level strings and the value an unset one takes.
    pub string_defaults: &'static [(&'static str, &'static str)],
    /// Top-level strings stored upper case.
    pub upper: &'static [&'static str],
    /// `(block, attribute)`: string lists/sets inside blocks stored upper case.
    pub nested_upper: &'static [(&'static str, &'static str)],
    /// List blocks that hold at most one object.
    pub single: &'static [&'static str],
    /// `(block, attribute)`: attributes inside blocks whose change replaces the object.
    pub nested_force_new: &'static [(&'static str, &'static str)],
    /// `(block, attribute)`: optional attributes inside blocks the cloud fills in when unset:
    /// the recorded value, else unknown.
    pub nested_computed: &'static [(&'static str, &'static str)],
    /// Blocks the cloud fills in when the configuration has none: the recorded block is kept.
    pub computed_blocks: &'static [&'static str],
    /// The attribute holding the user's labels (`labels`, `resource_labels`), if the type
    /// has labels.
    pub labels: Option<&'static str>,
    /// Whether `project` defaults to the provider's.
    pub project: bool,
    /// Whether `location` defaults to the provider's zone, else region.
    pub location: bool,
}

impl PlanRules {
    /// Plans `req` by `schema` and these rules.
    pub fn plan(
        &self,
        g: &Google,
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        for b in self.single {
            if attrs::blocks(&req.config, b).len() > 1 {
                return Err(ProviderError::new(
                    "Plan",
                    format!("{}: at most one \"{b}\" block is allowed", req.type_name),
                ));
            }
        }
        if let Some(l) = self.labels {
            for (k, v) in attrs::string_map(&req.config, l) {
                if let Some(why) = labels::invalid(&k, &v) {
                    return Err(ProviderError::new(
                        "Plan",
                        format!("{}: invalid {l}: {why}", req.type_name),
                    ));
                }
            }
        }
        let prior = req.prior.filter(|p| !p.is_null());
        let config = self.with_defaults(g, req.config, prior.as_ref());
        let mut nested = Vec::new();
        if let Some(p) = &prior {
            for (b, a) in self.nested_force_new {
                let old = attrs::block(p, b).map(|o| attrs::get(o, a).clone());
                let new = attrs::block(&config, b).map(|o| attrs::get(o, a).clone());
                let (old, new) = (old.unwrap_or(Value::NULL), new.unwrap_or(Value::NULL));
                if differs(&old, &new) {
                    nested.push(format!("{b}.0.{a}"));
                }
            }
        }
        let mut req = PlanRequest {
            private: Vec::new(),
            type_name: req.type_name,
            prior,
            config,
        };
        let mut resp = plan_by_schema(schema, &req);
        if !nested.is_empty() {
            if resp.requires_replace.is_empty() {
                let as_new = PlanRequest {
                    prior: None,
                    ..req.clone()
                };
                resp = plan_by_schema(schema, &as_new);
            }
            resp.requires_replace.extend(nested);
        }
        if !resp.requires_replace.is_empty() {
            req.prior = None;
            // A replacement's nested computed attributes are new too.
            resp.planned = self.fill_nested(resp.planned, None);
        }
        if let Some(l) = self.labels {
            let user = attrs::get(&req.config, l);
            resp.planned = attrs::with(
                resp.planned,
                "terraform_labels",
                labels::terraform(user, &g.default_labels),
            );
            resp.planned = attrs::with(
                resp.planned,
                "effective_labels",
                labels::plan_effective(user, &g.default_labels, req.prior.as_ref()),
            );
        }
        Ok(resp)
    }

    fn with_defaults(&self, g: &Google, mut config: Value, prior: Option<&Value>) -> Value {
        for (name, dflt) in self.defaults {
            if attrs::get(&config, name).is_null() {
                config = attrs::with(config, name, Value::Bool(*dflt));
            }
        }
        for (name, dflt) in self.string_defaults {
            if attrs::get(&config, name).is_null() {
                config = attrs::with(config, name, Value::string(*dflt));
            }
        }
        for name in self.upper {
            if let Some(s) = attrs::string(&config, name) {
                config = attrs::with(config, name, Value::string(s.to_ascii_uppercase()));
            }
        }
        if self.project && attrs::get(&config, "project").is_null() {
            if let Some(p) = &g.clients.project {
                config = attrs::with(config, "project", Value::string(p.clone()));
            }
        }
        if self.location && attrs::get(&config, "location").is_null() {
            if let Some(l) = g.clients.default_location() {
                config = attrs::with(config, "location", Value::string(l));
            }
        }
        for b in self.computed_blocks {
            let empty =
                attrs::blocks(&config, b).is_empty() && attrs::get(&config, b).is_wholly_known();
            if let Some(p) = prior.filter(|p| empty && !attrs::blocks(p, b).is_empty()) {
                config = attrs::with(config, b, attrs::get(p, b).clone());
            }
        }
        if let Value::Object(m) = &mut config {
            for (b, a) in self.nested_upper {
                if let Some(Value::List(items)) = m.get_mut(*b) {
                    for item in items.iter_mut() {
                        let up = match attrs::get(item, a) {
                            Value::Set(xs) | Value::List(xs) => Some(Value::set(
                                xs.iter()
                                    .map(|x| match x.peel().as_str() {
                                        Some(s) => Value::string(s.to_ascii_uppercase()),
                                        None => x.clone(),
                                    })
                                    .collect(),
                            )),
                            _ => None,
                        };
                        if let Some(up) = up {
                            *item = attrs::with(item.clone(), a, up);
                        }
                    }
                }
            }
        }
        self.fill_nested(config, prior)
    }

    /// Nested computed attributes left unset: the recorded value (`prior`), else unknown.
    fn fill_nested(&self, mut v: Value, prior: Option<&Value>) -> Value {
        let Value::Object(m) = &mut v else {
            return v;
        };
        for (b, a) in self.nested_computed {
            let old = prior.map(|p| attrs::blocks(p, b)).unwrap_or_default();
            if let Some(Value::List(items)) = m.get_mut(*b) {
                for (i, item) in items.iter_mut().enumerate() {
                    let cur = attrs::get(item, a);
                    if !cur.is_null() && !cur.is_unknown() {
                        continue;
                    }
                    let recorded = old
                        .get(i)
                        .map(|o| attrs::get(o, a).clone())
                        .filter(|x| !x.is_null());
                    let x = match (recorded, prior) {
                        (Some(r), Some(_)) => r,
                        _ => Value::unknown(),
                    };
                    *item = attrs::with(item.clone(), a, x);
                }
            }
        }
        v
    }
}

/// A single-object list block as Terraform records it: `[object]`, or `[]` when absent.
pub fn one_block(v: Option<Value>) -> Value {
    Value::List(v.into_iter().collect())
}

/// The config-only attributes `names` of `from`, copied onto `to` (read results keep what
/// only the configuration knows).
pub fn keep(to: &mut BTreeMap<String, Value>, from: &Value, names: &[&str]) {
    for n in names {
        to.insert(n.to_string(), attrs::get(from, n).clone());
    }
}
