//! What every AWS resource and data source type implements, and the plan rules they share.
//!
//! A [`Resource`] is one managed type; the provider dispatches to it by type name. Its plan is
//! the schema's default plan refined by [`PlanRules`]: Terraform's defaults for unset
//! booleans, at most one of each single-object block, replacement when a `force_new` attribute
//! inside a block changes, and `tags_all` computed from default tags and `tags`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use hangar_core::Value;
use hangar_provider::plan::{differs, plan_by_schema};
use hangar_provider::{
    OperationContext, PlanRequest, PlanResponse, ProviderError, RemoteObject, ResourceSchema,
};

use crate::attrs;
use crate::config::Clients;

/// A configured provider's clients and settings, as every resource sees them.
#[derive(Debug, Clone)]
pub struct Aws {
    /// SDK clients.
    pub clients: Clients,
    /// `default_tags { tags }`.
    pub default_tags: BTreeMap<String, String>,
}

/// One managed resource type.
#[async_trait]
pub trait Resource: Send + Sync {
    /// Terraform's name of the type (`aws_s3_bucket`).
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
        aws: &Aws,
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        self.rules().plan(aws, schema, req)
    }
    /// Creates the object `planned` describes; fails with AWS's error.
    async fn create(
        &self,
        aws: &Aws,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError>;
    /// Reads the object `prior` records; `None` when it is gone.
    async fn read(&self, aws: &Aws, prior: &Value) -> Result<Option<RemoteObject>, ProviderError>;
    /// Changes the object in place from `prior` to `planned`; fails with AWS's error.
    async fn update(
        &self,
        aws: &Aws,
        prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError>;
    /// Deletes the object; succeeds when it is already gone.
    async fn delete(&self, aws: &Aws, prior: &Value) -> Result<(), ProviderError>;
    /// Reads an existing object by its import id; fails when it does not exist.
    async fn import(&self, aws: &Aws, id: &str) -> Result<RemoteObject, ProviderError>;
}

/// One data source type.
#[async_trait]
pub trait DataSource: Send + Sync {
    /// Terraform's name of the type.
    fn type_name(&self) -> &'static str;
    /// Its schema.
    fn schema(&self) -> ResourceSchema;
    /// Reads it; fails when the object does not exist.
    async fn read(&self, aws: &Aws, config: &Value) -> Result<RemoteObject, ProviderError>;
}

/// Refinements of the schema's default plan; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct PlanRules {
    /// Top-level bools and the value an unset one takes.
    pub defaults: &'static [(&'static str, bool)],
    /// `(block, attribute, value)`: bools inside single-object list blocks.
    pub block_defaults: &'static [(&'static str, &'static str, bool)],
    /// List blocks that hold at most one object.
    pub single: &'static [&'static str],
    /// `(block, attribute)`: attributes inside blocks whose change replaces the object.
    pub nested_force_new: &'static [(&'static str, &'static str)],
    /// Whether the type has `tags` / `tags_all`.
    pub tags: bool,
}

impl PlanRules {
    /// Plans `req` by `schema` and these rules.
    pub fn plan(
        &self,
        aws: &Aws,
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
        let config = self.with_defaults(req.config);
        let prior = req.prior.filter(|p| !p.is_null());
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
            type_name: req.type_name,
            prior,
            config,
            private: Vec::new(),
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
        }
        if self.tags {
            let all = crate::tags::plan_all(
                attrs::get(&req.config, "tags"),
                &aws.default_tags,
                req.prior.as_ref(),
            );
            resp.planned = attrs::with(resp.planned, "tags_all", all);
        }
        Ok(resp)
    }

    fn with_defaults(&self, mut config: Value) -> Value {
        for (name, dflt) in self.defaults {
            if attrs::get(&config, name).is_null() {
                config = attrs::with(config, name, Value::Bool(*dflt));
            }
        }
        for (b, a, dflt) in self.block_defaults {
            if let Value::Object(m) = &mut config {
                if let Some(Value::List(items)) = m.get_mut(*b) {
                    for item in items.iter_mut() {
                        if attrs::get(item, a).is_null() {
                            *item = attrs::with(item.clone(), a, Value::Bool(*dflt));
                        }
                    }
                }
            }
        }
        config
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
