//! The test plugin's behaviour: plan, apply, read, import and data-source rules over objects
//! kept as JSON files, served for protocols 6 and 5.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hangar_core::{Type, Value};
use hangar_provider_plugin::proto::{tfplugin5 as v5, tfplugin6 as v6};
use hangar_provider_plugin::schema::{ProviderSchemas, WireSchema};
use hangar_provider_plugin::wire;
use tonic::{Request, Response, Status};

use super::schema::provider_schema;

/// The test provider: shared by every connection of one plugin process.
#[derive(Clone)]
pub struct TestProvider {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    mode: String,
    schema: v6::get_provider_schema::Response,
    types: ProviderSchemas,
    region: Mutex<Option<String>>,
}

fn diag(summary: &str, detail: &str, attr: Option<&str>) -> v6::Diagnostic {
    v6::Diagnostic {
        severity: v6::diagnostic::Severity::Error as i32,
        summary: summary.into(),
        detail: detail.into(),
        attribute: attr.map(|a| v6::AttributePath {
            steps: vec![v6::attribute_path::Step {
                selector: Some(v6::attribute_path::step::Selector::AttributeName(a.into())),
            }],
        }),
    }
}

fn path(name: &str) -> v6::AttributePath {
    v6::AttributePath {
        steps: vec![v6::attribute_path::Step {
            selector: Some(v6::attribute_path::step::Selector::AttributeName(
                name.into(),
            )),
        }],
    }
}

fn bad(e: impl std::fmt::Display) -> Status {
    Status::invalid_argument(e.to_string())
}

fn set(v: &mut Value, k: &str, x: Value) {
    if let Value::Object(m) = v {
        m.insert(k.to_string(), x);
    }
}

fn get(v: &Value, k: &str) -> Value {
    v.get_attr(k).cloned().unwrap_or(Value::NULL)
}

impl TestProvider {
    /// A provider keeping objects under `dir`, misbehaving as `mode` says.
    pub fn new(dir: PathBuf, mode: String, protocol: u32) -> Self {
        let schema = provider_schema(protocol);
        let types = ProviderSchemas::from_v6(&schema).unwrap_or_default();
        TestProvider {
            inner: Arc::new(Inner {
                dir,
                mode,
                schema,
                types,
                region: Mutex::new(None),
            }),
        }
    }

    fn resource(&self, t: &str) -> Result<&WireSchema, Status> {
        self.inner
            .types
            .resources
            .get(t)
            .ok_or_else(|| bad(format!("unknown resource type {t}")))
    }

    fn decode(&self, dv: Option<&v6::DynamicValue>, s: &WireSchema) -> Result<Value, Status> {
        let (m, j) = dv
            .map(|d| (d.msgpack.as_slice(), d.json.as_slice()))
            .unwrap_or_default();
        wire::decode_dynamic(m, j, &s.ty).map_err(bad)
    }

    fn encode(&self, v: &Value, s: &WireSchema) -> Result<v6::DynamicValue, Status> {
        Ok(v6::DynamicValue {
            msgpack: wire::to_msgpack(v, &s.ty).map_err(bad)?,
            json: Vec::new(),
        })
    }

    fn file(&self, t: &str, id: &str) -> PathBuf {
        self.inner.dir.join(t).join(format!("{id}.json"))
    }

    fn load(&self, t: &str, id: &str, s: &WireSchema) -> Result<Option<Value>, Status> {
        match std::fs::read(self.file(t, id)) {
            Ok(b) => wire::from_json_bytes(&b, &s.ty).map(Some).map_err(bad),
            Err(_) => Ok(None),
        }
    }

    fn save(&self, t: &str, v: &Value) -> Result<(), Status> {
        let id = get(v, "id").as_str().unwrap_or_default().to_string();
        let f = self.file(t, &id);
        if let Some(d) = f.parent() {
            std::fs::create_dir_all(d).map_err(|e| Status::internal(e.to_string()))?;
        }
        let j = hangar_core::json::to_json(v);
        std::fs::write(&f, j.to_string()).map_err(|e| Status::internal(e.to_string()))
    }

    fn region(&self) -> String {
        self.inner
            .region
            .lock()
            .ok()
            .and_then(|r| r.clone())
            .unwrap_or_else(|| "test-1".into())
    }

    async fn hang_if(&self, mode: &str) {
        if self.inner.mode == mode {
            eprintln!("test plugin: hanging in {mode}");
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
    }

    fn validate_config(&self, t: &str, cfg: &Value) -> Vec<v6::Diagnostic> {
        let mut d = Vec::new();
        if t == "hangartest_thing" {
            if let Some(n) = get(cfg, "size").as_number() {
                if n.is_negative() {
                    d.push(diag(
                        "Invalid size",
                        "size must not be negative",
                        Some("size"),
                    ));
                }
            }
        }
        d
    }

    fn plan(&self, t: &str, prior: &Value, proposed: &Value) -> Value {
        if proposed.is_null() {
            return proposed.clone();
        }
        let mut planned = proposed.clone();
        let new = prior.is_null();
        for k in ["id", "arn"] {
            if planned.get_attr(k).is_some_and(Value::is_null) {
                let v = if new {
                    Value::Unknown(Type::String)
                } else {
                    get(prior, k)
                };
                set(&mut planned, k, v);
            }
        }
        if t == "hangartest_thing" {
            if get(&planned, "region").is_null() {
                set(&mut planned, "region", Value::string(self.region()));
            }
            if get(&planned, "size").is_null() {
                set(&mut planned, "size", Value::Unknown(Type::Number));
            }
            let arn_changes = !new && get(&planned, "region") != get(prior, "region");
            if arn_changes {
                set(&mut planned, "arn", Value::Unknown(Type::String));
            }
            if let Some(rules) = get(&planned, "rule").as_seq() {
                let rules = rules
                    .iter()
                    .map(|r| {
                        let mut r = r.clone();
                        if get(&r, "protocol").is_null() {
                            set(&mut r, "protocol", Value::string("tcp"));
                        }
                        if get(&r, "rule_id").is_null() {
                            set(&mut r, "rule_id", Value::Unknown(Type::String));
                        }
                        r
                    })
                    .collect();
                set(&mut planned, "rule", Value::List(rules));
            }
        }
        planned
    }

    fn fill(&self, t: &str, planned: &Value, prior: &Value) -> Value {
        let mut v = planned.clone();
        let id = match get(prior, "id").as_str() {
            Some(id) => id.to_string(),
            None => {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default();
                let short = t.trim_start_matches("hangartest_");
                format!("{short}-{:x}", nanos ^ u128::from(std::process::id()))
            }
        };
        set(&mut v, "id", Value::string(id.clone()));
        if t == "hangartest_thing" {
            let region = get(&v, "region").as_str().unwrap_or("test-1").to_string();
            set(
                &mut v,
                "arn",
                Value::string(format!("arn:hangartest:{region}:thing/{id}")),
            );
            if get(&v, "size").is_unknown() {
                set(&mut v, "size", Value::int(1));
            }
            if let Some(rules) = get(&v, "rule").as_seq() {
                let rules = rules
                    .iter()
                    .map(|r| {
                        let mut r = r.clone();
                        if get(&r, "rule_id").is_unknown() {
                            let port = get(&r, "port")
                                .as_number()
                                .map(|n| n.to_string())
                                .unwrap_or_default();
                            set(&mut r, "rule_id", Value::string(format!("r-{port}")));
                        }
                        r
                    })
                    .collect();
                set(&mut v, "rule", Value::List(rules));
            }
        }
        v
    }

    async fn apply(
        &self,
        req: v6::apply_resource_change::Request,
    ) -> Result<v6::apply_resource_change::Response, Status> {
        let t = req.type_name.as_str();
        let s = self.resource(t)?;
        let prior = self.decode(req.prior_state.as_ref(), s)?;
        let planned = self.decode(req.planned_state.as_ref(), s)?;
        let name = get(&planned, "name")
            .as_str()
            .or(get(&prior, "name").as_str())
            .unwrap_or_default()
            .to_string();
        let mode = self.inner.mode.as_str();
        if mode == "crash-on-apply" || mode.strip_prefix("crash-on-apply:") == Some(name.as_str()) {
            eprintln!("panic: test plugin crashed while applying {t} {name:?}");
            eprintln!("goroutine 1 [running]: (simulated)");
            std::process::exit(2);
        }
        self.hang_if("hang-on-apply").await;
        if planned.is_null() {
            if let Some(id) = get(&prior, "id").as_str() {
                let _ = std::fs::remove_file(self.file(t, id));
            }
            return Ok(v6::apply_resource_change::Response {
                new_state: Some(self.encode(&Value::Null(s.ty.clone()), s)?),
                ..Default::default()
            });
        }
        if t == "hangartest_slow" && prior.is_null() {
            let ms = get(&planned, "delay_ms")
                .as_number()
                .and_then(|n| n.to_i64())
                .unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms.max(0) as u64)).await;
        }
        let new = self.fill(t, &planned, &prior);
        self.save(t, &new)?;
        if mode == "bad-value" {
            // {"id": "x", "bogus": true}: an attribute the schema does not have.
            let msgpack = vec![
                0x82, 0xa2, b'i', b'd', 0xa1, b'x', 0xa5, b'b', b'o', b'g', b'u', b's', 0xc3,
            ];
            return Ok(v6::apply_resource_change::Response {
                new_state: Some(v6::DynamicValue {
                    msgpack,
                    json: vec![],
                }),
                ..Default::default()
            });
        }
        Ok(v6::apply_resource_change::Response {
            new_state: Some(self.encode(&new, s)?),
            private: format!("applied-by-test-plugin:{t}").into_bytes(),
            ..Default::default()
        })
    }
}

#[tonic::async_trait]
impl v6::provider_server::Provider for TestProvider {
    async fn get_metadata(
        &self,
        _: Request<v6::get_metadata::Request>,
    ) -> Result<Response<v6::get_metadata::Response>, Status> {
        let s = &self.inner.schema;
        Ok(Response::new(v6::get_metadata::Response {
            server_capabilities: s.server_capabilities,
            diagnostics: vec![],
            data_sources: s
                .data_source_schemas
                .keys()
                .map(|k| v6::get_metadata::DataSourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            resources: s
                .resource_schemas
                .keys()
                .map(|k| v6::get_metadata::ResourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<v6::get_provider_schema::Request>,
    ) -> Result<Response<v6::get_provider_schema::Response>, Status> {
        Ok(Response::new(self.inner.schema.clone()))
    }

    async fn validate_provider_config(
        &self,
        req: Request<v6::validate_provider_config::Request>,
    ) -> Result<Response<v6::validate_provider_config::Response>, Status> {
        let cfg = self.decode(req.get_ref().config.as_ref(), &self.inner.types.provider)?;
        let mut diagnostics = Vec::new();
        if get(&cfg, "region").as_str() == Some("") {
            diagnostics.push(diag(
                "Invalid region",
                "region must not be empty",
                Some("region"),
            ));
        }
        Ok(Response::new(v6::validate_provider_config::Response {
            diagnostics,
        }))
    }

    async fn validate_resource_config(
        &self,
        req: Request<v6::validate_resource_config::Request>,
    ) -> Result<Response<v6::validate_resource_config::Response>, Status> {
        let r = req.into_inner();
        let cfg = self.decode(r.config.as_ref(), self.resource(&r.type_name)?)?;
        Ok(Response::new(v6::validate_resource_config::Response {
            diagnostics: self.validate_config(&r.type_name, &cfg),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        _: Request<v6::validate_data_resource_config::Request>,
    ) -> Result<Response<v6::validate_data_resource_config::Response>, Status> {
        Ok(Response::new(
            v6::validate_data_resource_config::Response::default(),
        ))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<v6::upgrade_resource_state::Request>,
    ) -> Result<Response<v6::upgrade_resource_state::Response>, Status> {
        let r = req.into_inner();
        let s = self.resource(&r.type_name)?;
        let raw = r.raw_state.map(|x| x.json).unwrap_or_default();
        let mut j: serde_json::Value = serde_json::from_slice(&raw).map_err(bad)?;
        // Version 0 of hangartest_thing called `name` `label`.
        if r.type_name == "hangartest_thing" && r.version == 0 {
            if let Some(o) = j.as_object_mut() {
                if let Some(l) = o.remove("label") {
                    o.insert("name".into(), l);
                }
            }
        }
        let v = wire::from_json_bytes(j.to_string().as_bytes(), &s.ty).map_err(bad)?;
        Ok(Response::new(v6::upgrade_resource_state::Response {
            upgraded_state: Some(self.encode(&v, s)?),
            diagnostics: vec![],
        }))
    }

    async fn configure_provider(
        &self,
        req: Request<v6::configure_provider::Request>,
    ) -> Result<Response<v6::configure_provider::Response>, Status> {
        let cfg = self.decode(req.get_ref().config.as_ref(), &self.inner.types.provider)?;
        let mut diagnostics = Vec::new();
        if get(&cfg, "api_token").as_str() == Some("reject") {
            diagnostics.push(diag(
                "Invalid credentials",
                "the api_token was rejected",
                Some("api_token"),
            ));
        }
        if let (Ok(mut r), Some(region)) = (self.inner.region.lock(), get(&cfg, "region").as_str())
        {
            *r = Some(region.to_string());
        }
        Ok(Response::new(v6::configure_provider::Response {
            diagnostics,
        }))
    }

    async fn read_resource(
        &self,
        req: Request<v6::read_resource::Request>,
    ) -> Result<Response<v6::read_resource::Response>, Status> {
        let r = req.into_inner();
        let s = self.resource(&r.type_name)?;
        let cur = self.decode(r.current_state.as_ref(), s)?;
        let id = get(&cur, "id").as_str().unwrap_or_default().to_string();
        let found = self.load(&r.type_name, &id, s)?;
        let new = match found {
            Some(mut v) => {
                // Sensitive inputs are not readable back, as with real APIs: keep the recorded one.
                if r.type_name == "hangartest_thing" {
                    set(&mut v, "secret", get(&cur, "secret"));
                }
                v
            }
            None => Value::Null(s.ty.clone()),
        };
        Ok(Response::new(v6::read_resource::Response {
            new_state: Some(self.encode(&new, s)?),
            diagnostics: vec![],
            private: r.private,
            deferred: None,
        }))
    }

    async fn plan_resource_change(
        &self,
        req: Request<v6::plan_resource_change::Request>,
    ) -> Result<Response<v6::plan_resource_change::Response>, Status> {
        self.hang_if("hang-on-plan").await;
        let r = req.into_inner();
        let s = self.resource(&r.type_name)?;
        let prior = self.decode(r.prior_state.as_ref(), s)?;
        let proposed = self.decode(r.proposed_new_state.as_ref(), s)?;
        let planned = self.plan(&r.type_name, &prior, &proposed);
        let requires_replace = if prior.is_null() || planned.is_null() {
            vec![]
        } else if r.type_name == "hangartest_thing" {
            vec![path("name"), path("region")]
        } else {
            vec![path("name")]
        };
        let mut private = r.prior_private;
        if private.is_empty() {
            private = b"planned-by-test-plugin".to_vec();
        }
        Ok(Response::new(v6::plan_resource_change::Response {
            planned_state: Some(self.encode(&planned, s)?),
            requires_replace,
            planned_private: private,
            diagnostics: vec![],
            legacy_type_system: false,
            deferred: None,
        }))
    }

    async fn apply_resource_change(
        &self,
        req: Request<v6::apply_resource_change::Request>,
    ) -> Result<Response<v6::apply_resource_change::Response>, Status> {
        self.apply(req.into_inner()).await.map(Response::new)
    }

    async fn import_resource_state(
        &self,
        req: Request<v6::import_resource_state::Request>,
    ) -> Result<Response<v6::import_resource_state::Response>, Status> {
        let r = req.into_inner();
        let s = self.resource(&r.type_name)?;
        let mut state = BTreeMap::new();
        state.insert("id".to_string(), Value::string(r.id.clone()));
        let v = Value::Object(state);
        Ok(Response::new(v6::import_resource_state::Response {
            imported_resources: vec![v6::import_resource_state::ImportedResource {
                type_name: r.type_name.clone(),
                state: Some(self.encode(&v, s)?),
                private: b"imported".to_vec(),
            }],
            diagnostics: vec![],
            deferred: None,
        }))
    }

    async fn read_data_source(
        &self,
        req: Request<v6::read_data_source::Request>,
    ) -> Result<Response<v6::read_data_source::Response>, Status> {
        let r = req.into_inner();
        let ds = self
            .inner
            .types
            .data_sources
            .get(&r.type_name)
            .ok_or_else(|| bad("unknown data source"))?;
        let thing = self.resource("hangartest_thing")?;
        let cfg = self.decode(r.config.as_ref(), ds)?;
        let want = get(&cfg, "name").as_str().unwrap_or_default().to_string();
        let dir = self.inner.dir.join("hangartest_thing");
        let mut found = None;
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(b) = std::fs::read(e.path()) else {
                continue;
            };
            let Ok(v) = wire::from_json_bytes(&b, &thing.ty) else {
                continue;
            };
            if get(&v, "name").as_str() == Some(want.as_str()) {
                found = Some(v);
            }
        }
        let Some(v) = found else {
            return Ok(Response::new(v6::read_data_source::Response {
                state: None,
                diagnostics: vec![diag(
                    "No such thing",
                    &format!("no hangartest_thing is named {want:?}"),
                    Some("name"),
                )],
                deferred: None,
            }));
        };
        let mut out = cfg.clone();
        set(&mut out, "id", get(&v, "id"));
        set(&mut out, "size", get(&v, "size"));
        Ok(Response::new(v6::read_data_source::Response {
            state: Some(self.encode(&out, ds)?),
            diagnostics: vec![],
            deferred: None,
        }))
    }

    async fn stop_provider(
        &self,
        _: Request<v6::stop_provider::Request>,
    ) -> Result<Response<v6::stop_provider::Response>, Status> {
        Ok(Response::new(v6::stop_provider::Response::default()))
    }
}

/// Protocol 5: the same behaviour under protocol 5's names.
#[tonic::async_trait]
impl v5::provider_server::Provider for TestProvider {
    async fn get_metadata(
        &self,
        r: Request<v6::get_metadata::Request>,
    ) -> Result<Response<v6::get_metadata::Response>, Status> {
        v6::provider_server::Provider::get_metadata(self, r).await
    }

    async fn get_schema(
        &self,
        _: Request<v5::get_provider_schema::Request>,
    ) -> Result<Response<v5::get_provider_schema::Response>, Status> {
        // Protocol 5's schema messages are its own; re-encode the v6 answer (which has no
        // nested attributes in protocol 5 mode) through protobuf, field numbers being equal.
        use prost::Message;
        let bytes = self.inner.schema.encode_to_vec();
        v5::get_provider_schema::Response::decode(bytes.as_slice())
            .map(Response::new)
            .map_err(|e| Status::internal(e.to_string()))
    }

    async fn prepare_provider_config(
        &self,
        r: Request<v6::validate_provider_config::Request>,
    ) -> Result<Response<v6::validate_provider_config::Response>, Status> {
        v6::provider_server::Provider::validate_provider_config(self, r).await
    }

    async fn validate_resource_type_config(
        &self,
        r: Request<v6::validate_resource_config::Request>,
    ) -> Result<Response<v6::validate_resource_config::Response>, Status> {
        v6::provider_server::Provider::validate_resource_config(self, r).await
    }

    async fn validate_data_source_config(
        &self,
        r: Request<v6::validate_data_resource_config::Request>,
    ) -> Result<Response<v6::validate_data_resource_config::Response>, Status> {
        v6::provider_server::Provider::validate_data_resource_config(self, r).await
    }

    async fn upgrade_resource_state(
        &self,
        r: Request<v6::upgrade_resource_state::Request>,
    ) -> Result<Response<v6::upgrade_resource_state::Response>, Status> {
        v6::provider_server::Provider::upgrade_resource_state(self, r).await
    }

    async fn configure(
        &self,
        r: Request<v6::configure_provider::Request>,
    ) -> Result<Response<v6::configure_provider::Response>, Status> {
        v6::provider_server::Provider::configure_provider(self, r).await
    }

    async fn read_resource(
        &self,
        r: Request<v6::read_resource::Request>,
    ) -> Result<Response<v6::read_resource::Response>, Status> {
        v6::provider_server::Provider::read_resource(self, r).await
    }

    async fn plan_resource_change(
        &self,
        r: Request<v6::plan_resource_change::Request>,
    ) -> Result<Response<v6::plan_resource_change::Response>, Status> {
        v6::provider_server::Provider::plan_resource_change(self, r).await
    }

    async fn apply_resource_change(
        &self,
        r: Request<v6::apply_resource_change::Request>,
    ) -> Result<Response<v6::apply_resource_change::Response>, Status> {
        v6::provider_server::Provider::apply_resource_change(self, r).await
    }

    async fn import_resource_state(
        &self,
        r: Request<v6::import_resource_state::Request>,
    ) -> Result<Response<v6::import_resource_state::Response>, Status> {
        v6::provider_server::Provider::import_resource_state(self, r).await
    }

    async fn read_data_source(
        &self,
        r: Request<v6::read_data_source::Request>,
    ) -> Result<Response<v6::read_data_source::Response>, Status> {
        v6::provider_server::Provider::read_data_source(self, r).await
    }

    async fn stop(
        &self,
        r: Request<v6::stop_provider::Request>,
    ) -> Result<Response<v6::stop_provider::Response>, Status> {
        v6::provider_server::Provider::stop_provider(self, r).await
    }
}
