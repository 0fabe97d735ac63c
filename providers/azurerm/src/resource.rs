//! What every azurerm resource type implements, the plan rules they share, and ARM ids.
//!
//! A [`Resource`] is one managed type; the provider dispatches to it by type name. Its plan is
//! the schema's default plan refined by [`PlanRules`]: Terraform's defaults for unset
//! arguments, at most one of each single-object block, replacement when a `force_new`
//! attribute inside a block changes, and `location` normalised the way azurerm does
//! (`"West Europe"` plans as `westeurope`, so it never diffs against what ARM reports).

use async_trait::async_trait;
use hangar_azurerm_client::arm::Arm;
use hangar_azurerm_client::http::Http;
use hangar_core::Value;
use hangar_provider::plan::{differs, plan_by_schema};
use hangar_provider::{
    OperationContext, PlanRequest, PlanResponse, ProviderError, RemoteObject, ResourceSchema,
};

use crate::attrs;

/// A configured provider's clients and settings, as every resource sees them.
#[derive(Debug, Clone)]
pub struct Azure {
    /// Resource Manager.
    pub arm: Arm,
    /// The shared HTTP client (for blob data-plane calls).
    pub http: Http,
    /// The subscription managed.
    pub subscription_id: String,
    /// `storage_endpoint`: a path-style blob endpoint override.
    pub storage_endpoint: Option<String>,
    /// The storage DNS suffix of the environment.
    pub storage_suffix: String,
}

impl Azure {
    /// `/subscriptions/{id}`.
    pub fn subscription(&self) -> String {
        format!("/subscriptions/{}", self.subscription_id)
    }

    /// The id of resource group `name`.
    pub fn group_id(&self, name: &str) -> String {
        format!("{}/resourceGroups/{name}", self.subscription())
    }
}

/// One managed resource type.
#[async_trait]
pub trait Resource: Send + Sync {
    /// Terraform's name of the type (`azurerm_resource_group`).
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
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        self.rules().plan(schema, req)
    }
    /// Creates the object `planned` describes; fails with Azure's error.
    async fn create(
        &self,
        az: &Azure,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError>;
    /// Reads the object `prior` records; `None` when it is gone.
    async fn read(&self, az: &Azure, prior: &Value) -> Result<Option<RemoteObject>, ProviderError>;
    /// Changes the object in place from `prior` to `planned`; fails with Azure's error.
    async fn update(
        &self,
        az: &Azure,
        prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError>;
    /// Deletes the object; succeeds when it is already gone.
    async fn delete(&self, az: &Azure, prior: &Value) -> Result<(), ProviderError>;
    /// Reads an existing object by its import id; fails when it does not exist.
    async fn import(&self, az: &Azure, id: &str) -> Result<RemoteObject, ProviderError>;
    /// The id of the object a create with `token` made, for objects that tags cannot find.
    async fn find_created(
        &self,
        az: &Azure,
        token: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let _ = (az, token, planned);
        Ok(None)
    }
}

/// A default for an unset argument.
#[derive(Debug, Clone, Copy)]
pub enum Default {
    /// A bool.
    Bool(bool),
    /// A string.
    Str(&'static str),
}

impl Default {
    fn value(self) -> Value {
        match self {
            Default::Bool(b) => Value::Bool(b),
            Default::Str(s) => Value::string(s),
        }
    }
}

/// Refinements of the schema's default plan; see the module documentation.
#[derive(Debug, Clone, std::default::Default)]
pub struct PlanRules {
    /// Top-level arguments and the value an unset one takes.
    pub defaults: &'static [(&'static str, Default)],
    /// `(block, attribute, value)`: defaults inside single-object list blocks.
    pub block_defaults: &'static [(&'static str, &'static str, Default)],
    /// List blocks that hold at most one object.
    pub single: &'static [&'static str],
    /// `(block, attribute)`: attributes inside blocks whose change replaces the object.
    pub nested_force_new: &'static [(&'static str, &'static str)],
}

/// `location` as ARM reports it: lower case, without spaces (`West Europe` → `westeurope`).
pub fn normalize_location(l: &str) -> String {
    l.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

impl PlanRules {
    /// Plans `req` by `schema` and these rules.
    pub fn plan(
        &self,
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
        crate::wait::check_timeouts(&req.config)?;
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
        let req = PlanRequest {
            private: Vec::new(),
            type_name: req.type_name,
            prior,
            config,
        };
        let mut resp = plan_by_schema(schema, &req);
        if !nested.is_empty() {
            if resp.requires_replace.is_empty() {
                let as_new = PlanRequest {
                    private: Vec::new(),
                    prior: None,
                    ..req.clone()
                };
                resp = plan_by_schema(schema, &as_new);
            }
            resp.requires_replace.extend(nested);
        }
        Ok(resp)
    }

    fn with_defaults(&self, mut config: Value) -> Value {
        if let Some(l) = attrs::get(&config, "location").as_str() {
            let n = normalize_location(l);
            config = attrs::with(config, "location", Value::string(n));
        }
        for (name, dflt) in self.defaults {
            if attrs::get(&config, name).is_null()
                && config.get_attr(name).is_some_and(|v| !v.is_unknown())
            {
                config = attrs::with(config, name, dflt.value());
            }
        }
        for (b, a, dflt) in self.block_defaults {
            if let Value::Object(m) = &mut config {
                if let Some(Value::List(items)) = m.get_mut(*b) {
                    for item in items.iter_mut() {
                        if attrs::get(item, a).is_null()
                            && !item.get_attr(a).is_some_and(Value::is_unknown)
                        {
                            *item = attrs::with(item.clone(), a, dflt.value());
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

/// A parsed ARM resource id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmId {
    /// Subscription id.
    pub subscription: String,
    /// Resource group name.
    pub group: String,
    /// `(type, name)` pairs after `providers/{namespace}`, outermost first.
    pub names: Vec<(String, String)>,
}

impl ArmId {
    /// Parses `/subscriptions/{s}/resourceGroups/{g}[/providers/{ns}/{type}/{name}...]`
    /// (keywords matched case-insensitively); `None` when `id` is not one.
    pub fn parse(id: &str) -> Option<ArmId> {
        let segs: Vec<&str> = id.trim_end_matches('/').split('/').collect();
        if segs.len() < 5
            || !segs[0].is_empty()
            || !segs[1].eq_ignore_ascii_case("subscriptions")
            || !segs[3].eq_ignore_ascii_case("resourcegroups")
            || segs[2].is_empty()
            || segs[4].is_empty()
        {
            return None;
        }
        let mut names = Vec::new();
        if segs.len() > 5 {
            if !segs[5].eq_ignore_ascii_case("providers")
                || segs.len() < 9
                || !(segs.len() - 7).is_multiple_of(2)
            {
                return None;
            }
            let mut i = 7;
            while i + 1 < segs.len() {
                if segs[i + 1].is_empty() {
                    return None;
                }
                names.push((segs[i].to_string(), segs[i + 1].to_string()));
                i += 2;
            }
        }
        Some(ArmId {
            subscription: segs[2].to_string(),
            group: segs[4].to_string(),
            names,
        })
    }

    /// The name given for `type_` (matched case-insensitively).
    pub fn name(&self, type_: &str) -> Option<&str> {
        self.names
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(type_))
            .map(|(_, n)| n.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse() {
        let id = ArmId::parse(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/agentPools/p",
        )
        .expect("id");
        assert_eq!(id.group, "rg");
        assert_eq!(id.name("managedclusters"), Some("c"));
        assert_eq!(id.name("agentPools"), Some("p"));
        assert!(ArmId::parse("/subscriptions/s/resourcegroups/rg").is_some());
        assert!(ArmId::parse("rg").is_none());
        assert!(ArmId::parse("/subscriptions/s/resourceGroups/rg/providers/X/y").is_none());
    }

    #[test]
    fn locations_normalise() {
        assert_eq!(
            normalize_location("Germany West Central"),
            "germanywestcentral"
        );
        assert_eq!(normalize_location("westeurope"), "westeurope");
    }
}
