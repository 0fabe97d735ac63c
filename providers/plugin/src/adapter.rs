//! A running plugin as a Hangar provider: [`PluginProvider`] implements
//! [`hangar_provider::Provider`] and configures into a [`ConfiguredPlugin`] implementing
//! [`hangar_provider::ConfiguredProvider`].
//!
//! Calls follow Terraform's sequence: configuration is conformed to the schema (every attribute
//! present, absent blocks empty) before it is encoded; `plan` validates the resource
//! configuration, sends the proposed new state and keeps only those `requires_replace` paths
//! whose value really changes, as Terraform does; create, update and delete are all
//! `ApplyResourceChange`; `import` is `ImportResourceState` followed by `ReadResource`. Private
//! state and deferrals pass through the request and response structs. Values coming back are
//! checked against the schema and given sensitive marks from it. Every error names the provider
//! and, where there is one, the resource type. A plugin process is configured once: configuring
//! the same [`PluginProvider`] again starts another process of the same plugin (its schema
//! comes from memory).

// Plugin errors carry the provider, call, type and the plugin's last output; they are rare and
// returned once per call, so their size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hangar_core::{Diagnostic, Diagnostics, Type, Value};
use hangar_provider::{
    ApplyRequest, ConfigureRequest, ConfiguredProvider, Deferred, ImportRequest, PlanRequest,
    PlanResponse, Provider, ProviderError, ReadDataRequest, ReadRequest, RemoteObject,
    ResourceSchema, Schema, UpgradeRequest,
};

use crate::cache;
use crate::host::{PluginError, PluginOptions, Process};
use crate::objchange::proposed_new;
use crate::proto::tfplugin6 as v6;
use crate::schema::{ProviderSchemas, WireSchema};
use crate::wire::{decode_dynamic, to_msgpack, ValueError};

mod convert;

use convert::*;

/// Starts provider plugins.
pub struct PluginHost;

impl PluginHost {
    /// Starts the plugin executable at `path` and loads its schema (from the cache when
    /// `opts.schema_cache_dir` holds this build's and the plugin does not need the call);
    /// fails when the plugin cannot be started or its schema cannot be read.
    pub async fn start(
        path: impl AsRef<Path>,
        opts: PluginOptions,
    ) -> Result<PluginProvider, PluginError> {
        let path = path.as_ref().to_path_buf();
        let process = Process::start(&path, &opts).await?;
        let cache_file = opts.schema_cache_dir.as_ref().map(|d| {
            cache::cache_path(
                d,
                &path,
                &opts.name,
                opts.version.as_deref(),
                opts.cache_key.as_deref(),
            )
        });
        let cached = cache_file.as_deref().and_then(cache::load);
        let (resp, from_cache) = match cached {
            Some(r)
                if r.server_capabilities
                    .as_ref()
                    .is_some_and(|c| c.get_provider_schema_optional) =>
            {
                (r, true)
            }
            _ => {
                let r = process.get_schema().await?;
                refuse_on_errors(&opts.name, "GetProviderSchema", None, &r.diagnostics)?;
                if let Some(f) = &cache_file {
                    cache::store(f, &r);
                }
                (r, false)
            }
        };
        let schemas = ProviderSchemas::from_v6(&resp).map_err(|source| PluginError::Schema {
            provider: opts.name.clone(),
            source,
        })?;
        let schema = schemas.to_hangar();
        Ok(PluginProvider {
            shared: Arc::new(Shared {
                name: intern(&opts.name),
                path,
                opts,
                schemas,
                schema,
                from_cache,
                idle: Mutex::new(Some(Arc::new(process))),
            }),
        })
    }
}

/// Provider names as `&'static str` (the provider interface's type), each leaked once.
fn intern(name: &str) -> &'static str {
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.get(name) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

struct Shared {
    name: &'static str,
    path: PathBuf,
    opts: PluginOptions,
    schemas: ProviderSchemas,
    schema: Schema,
    from_cache: bool,
    idle: Mutex<Option<Arc<Process>>>,
}

/// A started plugin, not yet configured.
pub struct PluginProvider {
    shared: Arc<Shared>,
}

impl PluginProvider {
    /// The plugin's schemas at full fidelity.
    pub fn wire_schemas(&self) -> &ProviderSchemas {
        &self.shared.schemas
    }

    /// Whether the schema came from the on-disk cache rather than the plugin.
    pub fn schema_from_cache(&self) -> bool {
        self.shared.from_cache
    }

    /// The protocol version of the unconfigured process (`None` once it was configured).
    pub fn protocol(&self) -> Option<u32> {
        self.idle().map(|p| p.protocol())
    }

    /// The operating system's id of the unconfigured process (`None` once it was configured).
    pub fn pid(&self) -> Option<u32> {
        self.idle().and_then(|p| p.pid())
    }

    fn idle(&self) -> Option<Arc<Process>> {
        self.shared.idle.lock().ok().and_then(|g| g.clone())
    }

    /// Stops the unconfigured process, if any (configured ones stop with their
    /// [`ConfiguredPlugin`]).
    pub async fn shutdown(&self) {
        let p = self.shared.idle.lock().ok().and_then(|mut g| g.take());
        if let Some(p) = p {
            p.shutdown().await;
        }
    }

    /// Validates and configures a provider block, returning the configured plugin; fails with
    /// the plugin's diagnostics or when the plugin cannot be reached.
    pub async fn configure_plugin(&self, config: &Value) -> Result<ConfiguredPlugin, PluginError> {
        let sh = &self.shared;
        let taken = sh.idle.lock().ok().and_then(|mut g| g.take());
        let process = match taken {
            Some(p) => p,
            None => {
                let p = Process::start(&sh.path, &sh.opts).await?;
                if !sh.schemas.schema_optional {
                    let r = p.get_schema().await?;
                    refuse_on_errors(sh.name, "GetProviderSchema", None, &r.diagnostics)?;
                }
                Arc::new(p)
            }
        };
        let config = sh.schemas.provider.block.conform(config);
        let enc = encode(
            sh.name,
            "ValidateProviderConfig",
            None,
            "configuration",
            &config,
            &sh.schemas.provider,
        )?;
        let r = process
            .validate_provider_config(v6::validate_provider_config::Request {
                config: Some(enc.clone()),
            })
            .await?;
        refuse_on_errors(sh.name, "ValidateProviderConfig", None, &r.diagnostics)?;
        let r = process
            .configure_provider(v6::configure_provider::Request {
                terraform_version: sh.opts.terraform_version.clone(),
                config: Some(enc),
                client_capabilities: Some(self.capabilities()),
            })
            .await?;
        refuse_on_errors(sh.name, "ConfigureProvider", None, &r.diagnostics)?;
        let region = ["region", "location"].iter().find_map(|k| {
            config
                .get_attr(k)
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        Ok(ConfiguredPlugin {
            shared: sh.clone(),
            process,
            region,
        })
    }

    fn capabilities(&self) -> v6::ClientCapabilities {
        capabilities(&self.shared.opts)
    }
}

fn capabilities(opts: &PluginOptions) -> v6::ClientCapabilities {
    v6::ClientCapabilities {
        deferral_allowed: opts.deferral_allowed,
        write_only_attributes_allowed: false,
    }
}

#[async_trait]
impl Provider for PluginProvider {
    fn name(&self) -> &'static str {
        self.shared.name
    }

    fn schema(&self) -> Schema {
        self.shared.schema.clone()
    }

    async fn configure(
        &self,
        req: ConfigureRequest,
    ) -> Result<Box<dyn ConfiguredProvider>, Diagnostics> {
        match self.configure_plugin(&req.config).await {
            Ok(c) => Ok(Box::new(c)),
            Err(e) => {
                let mut d = Diagnostics::default();
                d.push(Diagnostic::error(
                    format!("Failed to configure provider {}", self.shared.name),
                    e.to_string(),
                ));
                Err(d)
            }
        }
    }
}

/// A configured plugin process.
pub struct ConfiguredPlugin {
    shared: Arc<Shared>,
    process: Arc<Process>,
    region: Option<String>,
}

impl ConfiguredPlugin {
    /// Stops the plugin: `StopProvider`, go-plugin's shutdown, then kill.
    pub async fn shutdown(&self) {
        self.process.shutdown().await;
    }

    /// The operating system's id of the plugin process.
    pub fn pid(&self) -> Option<u32> {
        self.process.pid()
    }

    fn resource(&self, type_name: &str) -> Result<&WireSchema, PluginError> {
        self.shared
            .schemas
            .resources
            .get(type_name)
            .ok_or_else(|| PluginError::Usage {
                provider: self.shared.name.to_string(),
                message: format!("the plugin has no resource type {type_name}"),
            })
    }

    fn data_source(&self, type_name: &str) -> Result<&WireSchema, PluginError> {
        self.shared
            .schemas
            .data_sources
            .get(type_name)
            .ok_or_else(|| PluginError::Usage {
                provider: self.shared.name.to_string(),
                message: format!("the plugin has no data source {type_name}"),
            })
    }

    fn caps(&self) -> Option<v6::ClientCapabilities> {
        Some(capabilities(&self.shared.opts))
    }

    fn object(&self, attrs: Value, private: Vec<u8>, deferred: Option<Deferred>) -> RemoteObject {
        let region = ["region", "location"]
            .iter()
            .find_map(|k| {
                attrs
                    .get_attr(k)
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .or_else(|| arn_region(&attrs))
            .or_else(|| self.region.clone());
        RemoteObject {
            attrs,
            region,
            private,
            deferred,
        }
    }

    fn decode(
        &self,
        call: &str,
        type_name: &str,
        what: &str,
        dv: Option<&v6::DynamicValue>,
        schema: &WireSchema,
    ) -> Result<Value, PluginError> {
        let (mp, js) = dv
            .map(|d| (d.msgpack.as_slice(), d.json.as_slice()))
            .unwrap_or_default();
        let v = decode_dynamic(mp, js, &schema.ty).map_err(|source| PluginError::BadValue {
            provider: self.shared.name.to_string(),
            call: call.to_string(),
            type_name: Some(type_name.to_string()),
            what: format!("the plugin's {what}"),
            source,
        })?;
        Ok(schema.block.mark_sensitive(v))
    }

    async fn plan_call(&self, req: &PlanRequest) -> Result<PlanResponse, PluginError> {
        let (name, t) = (self.shared.name, req.type_name.as_str());
        let schema = self.resource(t)?;
        let config = schema.block.conform(&req.config);
        let prior = match &req.prior {
            Some(p) if !p.is_null() => schema.block.conform(p),
            _ => Value::Null(schema.ty.clone()),
        };
        let enc_config = encode(
            name,
            "ValidateResourceConfig",
            Some(t),
            "configuration",
            &config,
            schema,
        )?;
        let r = self
            .process
            .validate_resource_config(v6::validate_resource_config::Request {
                type_name: t.to_string(),
                config: Some(enc_config.clone()),
                client_capabilities: self.caps(),
            })
            .await?;
        refuse_on_errors(name, "ValidateResourceConfig", Some(t), &r.diagnostics)?;
        let proposed = proposed_new(&schema.block, &prior, &config);
        let r = self
            .process
            .plan_resource_change(v6::plan_resource_change::Request {
                type_name: t.to_string(),
                prior_state: Some(encode(
                    name,
                    "PlanResourceChange",
                    Some(t),
                    "prior state",
                    &prior,
                    schema,
                )?),
                proposed_new_state: Some(encode(
                    name,
                    "PlanResourceChange",
                    Some(t),
                    "proposed state",
                    &proposed,
                    schema,
                )?),
                config: Some(enc_config),
                prior_private: req.private.clone(),
                provider_meta: None,
                client_capabilities: self.caps(),
            })
            .await?;
        refuse_on_errors(name, "PlanResourceChange", Some(t), &r.diagnostics)?;
        let planned = self.decode(
            "PlanResourceChange",
            t,
            "planned state",
            r.planned_state.as_ref(),
            schema,
        )?;
        let mut requires_replace = Vec::new();
        if !prior.is_null() {
            for p in &r.requires_replace {
                let before = at_path(&prior, p);
                let after = at_path(&planned, p);
                if hangar_provider::plan::differs(&before, &after) {
                    requires_replace.push(path_text(p));
                }
            }
        }
        Ok(PlanResponse {
            planned,
            requires_replace,
            private: r.planned_private,
            deferred: r.deferred.map(deferred),
        })
    }

    async fn apply_call(
        &self,
        req: &ApplyRequest,
        action: &str,
    ) -> Result<Option<RemoteObject>, PluginError> {
        let (name, t) = (self.shared.name, req.type_name.as_str());
        let schema = self.resource(t)?;
        let null = Value::Null(schema.ty.clone());
        let prior = req
            .prior
            .as_ref()
            .filter(|p| !p.is_null())
            .map(|p| schema.block.conform(p))
            .unwrap_or(null.clone());
        let planned = req
            .planned
            .as_ref()
            .filter(|p| !p.is_null())
            .map(|p| schema.block.conform(p))
            .unwrap_or(null.clone());
        let config = match (&req.config, &req.planned) {
            (Some(c), _) if !c.is_null() => schema.block.conform(c),
            (_, Some(p)) if !p.is_null() => config_from_planned(schema, &planned),
            _ => null.clone(),
        };
        let mut private = req.private.clone();
        if planned.is_null() && self.shared.schemas.plan_destroy {
            // Providers with the plan_destroy capability expect a plan of the destroy first.
            let r = self
                .process
                .plan_resource_change(v6::plan_resource_change::Request {
                    type_name: t.to_string(),
                    prior_state: Some(encode(
                        name,
                        "PlanResourceChange",
                        Some(t),
                        "prior state",
                        &prior,
                        schema,
                    )?),
                    proposed_new_state: Some(encode(
                        name,
                        "PlanResourceChange",
                        Some(t),
                        "proposed state",
                        &null,
                        schema,
                    )?),
                    config: Some(encode(
                        name,
                        "PlanResourceChange",
                        Some(t),
                        "configuration",
                        &null,
                        schema,
                    )?),
                    prior_private: private.clone(),
                    provider_meta: None,
                    client_capabilities: self.caps(),
                })
                .await?;
            refuse_on_errors(name, "PlanResourceChange", Some(t), &r.diagnostics)?;
            private = r.planned_private;
        }
        let r = self
            .process
            .apply_resource_change(v6::apply_resource_change::Request {
                type_name: t.to_string(),
                prior_state: Some(encode(
                    name,
                    "ApplyResourceChange",
                    Some(t),
                    "prior state",
                    &prior,
                    schema,
                )?),
                planned_state: Some(encode(
                    name,
                    "ApplyResourceChange",
                    Some(t),
                    "planned state",
                    &planned,
                    schema,
                )?),
                config: Some(encode(
                    name,
                    "ApplyResourceChange",
                    Some(t),
                    "configuration",
                    &config,
                    schema,
                )?),
                planned_private: private,
                provider_meta: None,
            })
            .await?;
        refuse_on_errors(name, "ApplyResourceChange", Some(t), &r.diagnostics)?;
        let new = self.decode(
            "ApplyResourceChange",
            t,
            "new state",
            r.new_state.as_ref(),
            schema,
        )?;
        if new.is_null() {
            if planned.is_null() {
                return Ok(None);
            }
            return Err(PluginError::Refused {
                provider: name.to_string(),
                call: "ApplyResourceChange".into(),
                type_name: Some(t.to_string()),
                message: format!("the plugin returned no object after {action}"),
            });
        }
        if !new.is_wholly_known() {
            return Err(PluginError::Refused {
                provider: name.to_string(),
                call: "ApplyResourceChange".into(),
                type_name: Some(t.to_string()),
                message: format!("the plugin left values unknown after {action}"),
            });
        }
        Ok(Some(self.object(new, r.private, None)))
    }

    async fn read_call(
        &self,
        type_name: &str,
        state: &Value,
        private: Vec<u8>,
    ) -> Result<Option<RemoteObject>, PluginError> {
        let (name, t) = (self.shared.name, type_name);
        let schema = self.resource(t)?;
        let state = schema.block.conform(state);
        let r = self
            .process
            .read_resource(v6::read_resource::Request {
                type_name: t.to_string(),
                current_state: Some(encode(
                    name,
                    "ReadResource",
                    Some(t),
                    "recorded state",
                    &state,
                    schema,
                )?),
                private,
                provider_meta: None,
                client_capabilities: self.caps(),
            })
            .await?;
        refuse_on_errors(name, "ReadResource", Some(t), &r.diagnostics)?;
        let new = self.decode("ReadResource", t, "new state", r.new_state.as_ref(), schema)?;
        if new.is_null() {
            return Ok(None);
        }
        Ok(Some(self.object(new, r.private, r.deferred.map(deferred))))
    }
}

#[async_trait]
impl ConfiguredProvider for ConfiguredPlugin {
    fn region(&self) -> Option<String> {
        self.region.clone()
    }

    async fn plan(
        &self,
        _schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        self.plan_call(&req)
            .await
            .map_err(|e| to_provider_error(e, "PlanResourceChange"))
    }

    async fn create(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError> {
        match self.apply_call(&req, "create").await {
            Ok(Some(o)) => Ok(o),
            Ok(None) => Err(ProviderError::new(
                "ApplyResourceChange",
                "no object created",
            )),
            Err(e) => Err(to_provider_error(e, "ApplyResourceChange")),
        }
    }

    async fn update(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError> {
        match self.apply_call(&req, "update").await {
            Ok(Some(o)) => Ok(o),
            Ok(None) => Err(ProviderError::new(
                "ApplyResourceChange",
                "no object after update",
            )),
            Err(e) => Err(to_provider_error(e, "ApplyResourceChange")),
        }
    }

    async fn delete(&self, req: ApplyRequest) -> Result<(), ProviderError> {
        let req = ApplyRequest {
            planned: None,
            config: None,
            ..req
        };
        self.apply_call(&req, "delete")
            .await
            .map(|_| ())
            .map_err(|e| to_provider_error(e, "ApplyResourceChange"))
    }

    async fn read(&self, req: ReadRequest) -> Result<Option<RemoteObject>, ProviderError> {
        self.read_call(&req.type_name, &req.prior, req.private)
            .await
            .map_err(|e| to_provider_error(e, "ReadResource"))
    }

    async fn read_data(&self, req: ReadDataRequest) -> Result<RemoteObject, ProviderError> {
        let run = async {
            let (name, t) = (self.shared.name, req.type_name.as_str());
            let schema = self.data_source(t)?;
            let config = schema.block.conform(&req.config);
            let enc = encode(
                name,
                "ReadDataSource",
                Some(t),
                "configuration",
                &config,
                schema,
            )?;
            let r = self
                .process
                .validate_data_resource_config(v6::validate_data_resource_config::Request {
                    type_name: t.to_string(),
                    config: Some(enc.clone()),
                })
                .await?;
            refuse_on_errors(name, "ValidateDataResourceConfig", Some(t), &r.diagnostics)?;
            let r = self
                .process
                .read_data_source(v6::read_data_source::Request {
                    type_name: t.to_string(),
                    config: Some(enc),
                    provider_meta: None,
                    client_capabilities: self.caps(),
                })
                .await?;
            refuse_on_errors(name, "ReadDataSource", Some(t), &r.diagnostics)?;
            let v = self.decode("ReadDataSource", t, "data", r.state.as_ref(), schema)?;
            Ok::<_, PluginError>(self.object(v, Vec::new(), r.deferred.map(deferred)))
        };
        run.await
            .map_err(|e| to_provider_error(e, "ReadDataSource"))
    }

    async fn import(&self, req: ImportRequest) -> Result<RemoteObject, ProviderError> {
        let run = async {
            let (name, t) = (self.shared.name, req.type_name.as_str());
            let schema = self.resource(t)?;
            let r = self
                .process
                .import_resource_state(v6::import_resource_state::Request {
                    type_name: t.to_string(),
                    id: req.id.clone(),
                    client_capabilities: self.caps(),
                })
                .await?;
            refuse_on_errors(name, "ImportResourceState", Some(t), &r.diagnostics)?;
            let Some(first) = r.imported_resources.iter().find(|x| x.type_name == t) else {
                return Err(PluginError::Refused {
                    provider: name.to_string(),
                    call: "ImportResourceState".into(),
                    type_name: Some(t.to_string()),
                    message: format!("the plugin imported no {t} for id {:?}", req.id),
                });
            };
            let state = self.decode(
                "ImportResourceState",
                t,
                "imported state",
                first.state.as_ref(),
                schema,
            )?;
            if let Some(d) = r.deferred {
                return Ok(self.object(state, first.private.clone(), Some(deferred(d))));
            }
            match self.read_call(t, &state, first.private.clone()).await? {
                Some(o) => Ok(o),
                None => Err(PluginError::Refused {
                    provider: name.to_string(),
                    call: "ImportResourceState".into(),
                    type_name: Some(t.to_string()),
                    message: format!(
                        "Cannot import non-existent remote object: no {t} with id {:?}",
                        req.id
                    ),
                }),
            }
        };
        run.await
            .map_err(|e| to_provider_error(e, "ImportResourceState"))
    }

    async fn upgrade_state(&self, req: UpgradeRequest) -> Result<Value, ProviderError> {
        let run = async {
            let (name, t) = (self.shared.name, req.type_name.as_str());
            let schema = self.resource(t)?;
            let r = self
                .process
                .upgrade_resource_state(v6::upgrade_resource_state::Request {
                    type_name: t.to_string(),
                    version: req.version,
                    raw_state: Some(v6::RawState {
                        json: serde_json::to_vec(&req.raw).unwrap_or_default(),
                        flatmap: Default::default(),
                    }),
                })
                .await?;
            refuse_on_errors(name, "UpgradeResourceState", Some(t), &r.diagnostics)?;
            self.decode(
                "UpgradeResourceState",
                t,
                "upgraded state",
                r.upgraded_state.as_ref(),
                schema,
            )
        };
        run.await
            .map_err(|e| to_provider_error(e, "UpgradeResourceState"))
    }
}

/// The region an object's `arn` names (`arn:PARTITION:SERVICE:REGION:ACCOUNT:...`), when it
/// names one: what the cloud itself reports, where the object has no region attribute.
fn arn_region(attrs: &Value) -> Option<String> {
    let arn = attrs.get_attr("arn")?.as_str()?;
    let mut parts = arn.splitn(5, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let region = parts.nth(2)?;
    (!region.is_empty()).then(|| region.to_string())
}

#[cfg(test)]
mod tests {
    use super::arn_region;
    use hangar_core::Value;

    fn with_arn(arn: &str) -> Value {
        Value::Object([("arn".to_string(), Value::string(arn))].into())
    }

    #[test]
    fn arn_names_the_region_when_it_has_one() {
        assert_eq!(
            arn_region(&with_arn("arn:aws:ec2:eu-central-1:123456789012:vpc/vpc-1")).as_deref(),
            Some("eu-central-1")
        );
        // Global and region-less ARNs (IAM, S3 buckets) name none.
        assert_eq!(
            arn_region(&with_arn("arn:aws:iam::123456789012:role/x")),
            None
        );
        assert_eq!(arn_region(&with_arn("arn:aws:s3:::bucket")), None);
        assert_eq!(arn_region(&with_arn("not-an-arn")), None);
        assert_eq!(arn_region(&Value::Object(Default::default())), None);
    }
}
