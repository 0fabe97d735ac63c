//! Applying a plan: exactly the planned actions, concurrently, recording each as it completes.
//!
//! The create/update walk runs the configuration graph with [`run_dag`]: locals and outputs
//! are re-evaluated with real values of what was just applied, provider configurations are
//! configured, and each resource instance's body is evaluated again so "known after apply"
//! values become known; the provider's new plan must agree with every value the saved plan
//! already knew. Deletions (orphans and destroy plans) run afterwards in reverse dependency
//! order. Every finished operation goes to the [`StateWriter`] and is durable before the node
//! ends. After the first failure, or an interrupt, no new operation starts.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use hangar_core::json::{sensitive_paths, to_json};
use hangar_core::{
    Diagnostic, Diagnostics, InstanceKey, ModulePath, ResourceAddr, ResourceMode, Value,
};
use hangar_provider::{ApplyRequest, OperationContext, PlanRequest, ReadDataRequest};
use hangar_state::{InstanceRecord, JournalEntry, OutputRecord};
use tokio::sync::Semaphore;

use crate::body::{eval_body, eval_expr};
use crate::calls;
use crate::config::{Config, ProviderRef, Resource};
use crate::events::{Event, Events, Operation};
use crate::expand::{expand, Expansion};
use crate::graph::{Node, OrderedGraph};
use crate::plan::{Action, Plan, ResourceChange};
use crate::planner::{configure_provider, parse_provider_addr};
use crate::registry::Registry;
use crate::residency::gated::{GatedProvider, Observed};
use crate::scope::{EvalScope, InstanceNames, Values};
use crate::walk::run_dag;
use crate::writer::StateWriter;

/// What an apply did.
#[derive(Debug, Default)]
pub struct ApplySummary {
    /// Objects created (replacements count here too).
    pub added: usize,
    /// Objects updated in place.
    pub changed: usize,
    /// Objects destroyed (replacements count here too).
    pub destroyed: usize,
    /// Everything that went wrong.
    pub diags: Diagnostics,
    /// Whether it stopped early on an interrupt.
    pub interrupted: bool,
}

/// Everything an apply needs.
pub struct Applier<'a> {
    /// The configuration the plan was made from.
    pub cfg: &'a Config,
    /// Its graph.
    pub graph: &'a OrderedGraph,
    /// Providers.
    pub registry: &'a Registry,
    /// The plan to carry out.
    pub plan: &'a Plan,
    /// The only writer of state.
    pub writer: &'a StateWriter,
    /// Progress events.
    pub events: &'a dyn Events,
    /// Set on interrupt or failure: start nothing new.
    pub stop: &'a AtomicBool,
    /// Set by the signal handler only.
    pub interrupted: &'a AtomicBool,
    /// At most this many provider operations at once.
    pub parallelism: usize,
    /// The workspace's residency gate, which every provider call passes.
    pub gate: &'a crate::residency::gate::Gate,
}

struct Run<'a> {
    a: &'a Applier<'a>,
    values: Mutex<Values>,
    providers: Mutex<HashMap<ProviderRef, Arc<GatedProvider>>>,
    changes: HashMap<ResourceAddr, Vec<&'a ResourceChange>>,
    sem: Semaphore,
    diags: Mutex<Diagnostics>,
    added: AtomicUsize,
    changed: AtomicUsize,
    destroyed: AtomicUsize,
    outputs: Mutex<BTreeMap<String, OutputRecord>>,
}

mod delete;

impl<'a> Applier<'a> {
    /// Carries out the plan; see the module documentation.
    pub async fn run(&'a self) -> ApplySummary {
        let mut changes: HashMap<ResourceAddr, Vec<&ResourceChange>> = HashMap::new();
        for c in &self.plan.resource_changes {
            changes.entry(c.addr.resource.clone()).or_default().push(c);
        }
        let run = Run {
            a: self,
            values: Mutex::new(Values::new(
                self.plan
                    .variables
                    .iter()
                    .map(|(k, v)| (k.clone(), v.value.clone())),
                self.cfg.dir.display().to_string(),
                self.plan.workspace.clone(),
                self.gate.policy().map(crate::residency::Policy::value),
            )),
            providers: Mutex::new(HashMap::new()),
            changes,
            sem: Semaphore::new(self.parallelism.max(1)),
            diags: Mutex::new(Diagnostics::new()),
            added: AtomicUsize::new(0),
            changed: AtomicUsize::new(0),
            destroyed: AtomicUsize::new(0),
            outputs: Mutex::new(BTreeMap::new()),
        };
        let mut settled: Vec<JournalEntry> = self
            .plan
            .settled_intents
            .iter()
            .map(|t| JournalEntry::Outcome { token: t.clone() })
            .collect();
        for c in &self.plan.resource_changes {
            if let Some(from) = &c.previous_address {
                settled.push(JournalEntry::Move {
                    from: from.to_string(),
                    to: c.addr.to_string(),
                });
            }
            if c.action == Action::Forget {
                settled.push(JournalEntry::Remove {
                    addr: c.addr.to_string(),
                });
            }
        }
        if !settled.is_empty() {
            if let Err(e) = self.writer.write(settled).await {
                run.error(Diagnostic::error("Failed to persist state", e));
                self.stop.store(true, Ordering::SeqCst);
            }
        }
        let total = self
            .plan
            .resource_changes
            .iter()
            .filter(|c| !matches!(c.action, Action::NoOp | Action::Forget))
            .count();
        self.events.event(Event::ApplyStarted {
            total: total as u64,
        });
        let order: Vec<_> = self.graph.order().map(|(i, _)| i).collect();
        let pos: HashMap<_, _> = order.iter().enumerate().map(|(p, i)| (*i, p)).collect();
        let deps: Vec<Vec<usize>> = order
            .iter()
            .map(|i| self.graph.dependencies(*i).map(|d| pos[&d]).collect())
            .collect();
        run_dag(&deps, self.stop, true, |p| {
            run.visit(self.graph.node(order[p]).clone())
        })
        .await;
        if !self.plan.destroy {
            let outputs = run.outputs.lock().map(|o| o.clone()).unwrap_or_default();
            if let Err(e) = self
                .writer
                .write(vec![JournalEntry::Outputs(outputs)])
                .await
            {
                run.error(Diagnostic::error("Failed to persist state", e));
            }
        } else if let Err(e) = self
            .writer
            .write(vec![JournalEntry::Outputs(BTreeMap::new())])
            .await
        {
            run.error(Diagnostic::error("Failed to persist state", e));
        }
        run.delete_walk().await;
        self.events.event(Event::ApplyFinished);
        ApplySummary {
            added: run.added.load(Ordering::SeqCst),
            changed: run.changed.load(Ordering::SeqCst),
            destroyed: run.destroyed.load(Ordering::SeqCst),
            diags: run.diags.into_inner().unwrap_or_default(),
            interrupted: self.interrupted.load(Ordering::SeqCst),
        }
    }
}

/// How often a long operation reports that it is still running.
const STILL_RUNNING_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs one provider operation on `address`, reporting it as started and, every ten seconds,
/// as still running; returns its result and when it started (the caller reports the finish).
async fn watched<F: std::future::Future>(
    events: &dyn Events,
    address: &str,
    operation: Operation,
    id: Option<String>,
    fut: F,
) -> (F::Output, Instant) {
    let started = Instant::now();
    events.event(Event::Started {
        address: address.to_string(),
        operation,
        id,
    });
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + STILL_RUNNING_EVERY,
        STILL_RUNNING_EVERY,
    );
    tokio::pin!(fut);
    loop {
        tokio::select! {
            out = &mut fut => return (out, started),
            _ = tick.tick() => events.event(Event::StillRunning {
                address: address.to_string(),
                operation,
                elapsed: started.elapsed(),
            }),
        }
    }
}

/// Reports that an operation `watched` started finished.
fn finished(
    events: &dyn Events,
    address: &str,
    operation: Operation,
    id: Option<String>,
    started: Instant,
) {
    events.event(Event::Finished {
        address: address.to_string(),
        operation,
        id,
        elapsed: started.elapsed(),
    });
}

fn id_of(v: &Value) -> String {
    v.get_attr("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

impl Run<'_> {
    fn error(&self, d: Diagnostic) {
        if let Ok(mut g) = self.diags.lock() {
            g.push(d);
        }
    }

    fn errors(&self, ds: Diagnostics) {
        if let Ok(mut g) = self.diags.lock() {
            g.extend(ds);
        }
    }

    fn eval_with<T>(
        &self,
        names: &InstanceNames,
        module: &ModulePath,
        f: impl FnOnce(&EvalScope<'_>) -> T,
    ) -> Option<T> {
        let values = self.values.lock().ok()?;
        let scope = EvalScope {
            cfg: self.a.cfg,
            values: &values,
            names,
            module,
        };
        Some(f(&scope))
    }

    /// Runs `f` on the walk's values; false (after reporting) when it fails.
    fn update(&self, f: impl FnOnce(&Config, &mut Values) -> Result<(), Diagnostics>) -> bool {
        let Ok(mut values) = self.values.lock() else {
            return false;
        };
        match f(self.a.cfg, &mut values) {
            Ok(()) => true,
            Err(d) => {
                drop(values);
                self.errors(d);
                false
            }
        }
    }

    async fn visit(&self, node: Node) -> bool {
        let cfg = self.a.cfg;
        match node {
            Node::Variable(m, _) if m.is_root() => true,
            Node::Variable(m, name) => self.update(|c, v| calls::eval_input(c, v, &m, &name)),
            Node::Call(child) => self.update(|c, v| calls::expand_call(c, v, &child)),
            Node::Local(m, name) if self.a.plan.destroy => self.update(|c, v| {
                if calls::eval_local(c, v, &m, &name).is_err() {
                    calls::unknown_local(v, &m, &name);
                }
                Ok(())
            }),
            Node::Local(m, name) => self.update(|c, v| calls::eval_local(c, v, &m, &name)),
            Node::Check(m, name) => {
                if let Ok(v) = self.values.lock() {
                    let warnings = calls::eval_check(cfg, &v, &m, &name);
                    drop(v);
                    self.errors(warnings);
                }
                true
            }
            Node::Provider(p) => {
                let values = match self.values.lock() {
                    Ok(v) => v.clone(),
                    Err(_) => return false,
                };
                match configure_provider(cfg, self.a.registry, self.a.gate, &p, &values).await {
                    Ok(c) => {
                        if let Ok(mut m) = self.providers.lock() {
                            m.insert(p, c);
                        }
                        true
                    }
                    Err(d) => {
                        self.errors(d);
                        false
                    }
                }
            }
            Node::Resource(addr) => {
                let instances = match self.values.lock() {
                    Ok(v) => v.instances_of(&addr.module),
                    Err(_) => return false,
                };
                let r = &cfg.resources[&addr];
                let mut ok = true;
                for mi in instances {
                    ok &= self.apply_resource(r, &mi).await;
                }
                ok
            }
            Node::Output(..) if self.a.plan.destroy => true,
            Node::Output(m, name) if !m.is_root() => {
                self.update(|c, v| calls::eval_output(c, v, &m, &name))
            }
            Node::Output(_, name) => {
                let o = &cfg.root().outputs[&name];
                let names = InstanceNames::default();
                let root = ModulePath::root();
                match self.eval_with(&names, &root, |s| eval_expr(&o.value, s, &cfg.dir)) {
                    Some(Ok(v)) => {
                        let sensitive = o.sensitive || v.contains_sensitive();
                        if let Ok(mut outs) = self.outputs.lock() {
                            outs.insert(
                                name,
                                OutputRecord {
                                    value: to_json(&v),
                                    sensitive,
                                    ty: Some(v.ty().cty_json()),
                                },
                            );
                        }
                        true
                    }
                    Some(Err(d)) => {
                        self.errors(d);
                        false
                    }
                    None => false,
                }
            }
        }
    }

    fn provider(&self, p: &ProviderRef) -> Option<Arc<GatedProvider>> {
        self.providers.lock().ok()?.get(p).cloned()
    }

    async fn apply_resource(&self, r: &Resource, module: &ModulePath) -> bool {
        let cfg = self.a.cfg;
        let addr = &r.addr.in_module(module);
        let changes: Vec<&ResourceChange> = self
            .changes
            .get(addr)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|c| !matches!(c.action, Action::Delete | Action::Forget))
                    .collect()
            })
            .unwrap_or_default();
        let expansion = if self.a.plan.destroy {
            Expansion::Single
        } else {
            match self.eval_with(&InstanceNames::default(), module, |s| {
                expand(r, s, &cfg.dir)
            }) {
                Some(Ok(e)) => e,
                Some(Err(d)) => {
                    self.errors(calls::locate_in(cfg, module, d));
                    return false;
                }
                None => return false,
            }
        };
        let names: HashMap<InstanceKey, InstanceNames> =
            expansion.instances().into_iter().collect();
        let Some(provider) = self.provider(&r.provider) else {
            return false;
        };
        let schema = self.a.registry.resource_schema(
            &r.provider.name,
            &addr.type_,
            addr.mode == ResourceMode::Data,
        );
        let Some(schema) = schema else { return false };
        let results = futures_util::future::join_all(changes.iter().map(|c| {
            let names = names.get(&c.addr.key).cloned().unwrap_or_default();
            self.apply_instance(c, names, &provider, schema)
        }))
        .await;
        let mut ok = true;
        let mut instance_values = Vec::new();
        for (c, res) in changes.iter().zip(results) {
            match res {
                Some(v) => instance_values.push((c.addr.key.clone(), v)),
                None => ok = false,
            }
        }
        let value = if self.a.plan.destroy {
            let before: Vec<_> = self
                .changes
                .get(addr)
                .into_iter()
                .flatten()
                .filter_map(|c| {
                    c.before
                        .as_ref()
                        .map(|b| (c.addr.key.clone(), b.value.clone()))
                })
                .collect();
            Expansion::assemble_keys(before)
        } else {
            expansion.assemble(instance_values)
        };
        if let Ok(mut vals) = self.values.lock() {
            vals.resources.insert(addr.clone(), value);
        }
        ok
    }

    /// Applies one instance's change; its final value, or `None` after reporting an error.
    async fn apply_instance(
        &self,
        c: &ResourceChange,
        names: InstanceNames,
        provider: &Arc<GatedProvider>,
        schema: &hangar_provider::ResourceSchema,
    ) -> Option<Value> {
        let cfg = self.a.cfg;
        let r = cfg.resource(&c.addr.resource)?;
        let module = &c.addr.resource.module;
        let before = c.before.as_ref().map(|b| b.value.clone());
        let saved_after = c
            .after
            .as_ref()
            .map(|a| a.value.clone())
            .unwrap_or(Value::NULL);
        if c.action == Action::NoOp {
            if c.adopted || c.importing.is_some() {
                let v = before.clone().unwrap_or(saved_after);
                let region = c.importing.as_ref().and_then(|i| i.region.clone());
                self.record(c, &v, region).await?;
                return Some(v);
            }
            if c.addr.resource.mode == ResourceMode::Data {
                self.record(c, &saved_after, c.region.clone()).await?;
            }
            return Some(before.unwrap_or(saved_after));
        }
        let config = match self.eval_with(&names, module, |s| {
            eval_body(&r.body, &schema.block, s, &cfg.dir, Some(r.decl.clone()))
        }) {
            Some(Ok(v)) => v,
            Some(Err(d)) => {
                self.errors(calls::locate_in(cfg, module, d));
                return None;
            }
            None => return None,
        };
        let config =
            crate::planner::ignore_changes(config, before.as_ref(), &r.lifecycle().ignore_changes);
        let permit = self.sem.acquire().await.ok()?;
        if self.a.stop.load(Ordering::SeqCst) {
            return None;
        }
        let addr = c.addr.to_string();
        if c.action == Action::Read {
            let (result, started) = watched(
                self.a.events,
                &addr,
                Operation::Read,
                None,
                provider.read_data(
                    &addr,
                    ReadDataRequest {
                        type_name: c.addr.resource.type_.clone(),
                        config,
                    },
                ),
            )
            .await;
            return match result {
                Ok(read) => {
                    drop(permit);
                    finished(self.a.events, &addr, Operation::Read, None, started);
                    if let Some(v) = read.violation {
                        self.error(v);
                        self.a.stop.store(true, Ordering::SeqCst);
                        return None;
                    }
                    let obj = read.object;
                    self.record(c, &obj.attrs, obj.region.clone()).await?;
                    Some(obj.attrs)
                }
                Err(e) => {
                    self.cloud_error(c, "reading", &e);
                    None
                }
            };
        }
        let apply_config = config.clone();
        let (planned, private) = match provider
            .plan(
                &addr,
                schema,
                PlanRequest {
                    type_name: c.addr.resource.type_.clone(),
                    prior: before.clone(),
                    config,
                    private: c.private.clone(),
                },
            )
            .await
        {
            Ok(p) => (p.planned, p.private),
            Err(e) => {
                self.cloud_error(c, "planning", &e);
                return None;
            }
        };
        if let Some(path) = inconsistency(&saved_after, &planned, "") {
            self.error(
                Diagnostic::error(
                    "Provider produced inconsistent final plan",
                    format!(
                        "When expanding the plan for {addr} to include new values learned so far \
                     during apply, the provider produced an invalid new value for {path}: it \
                     does not match the value in the saved plan."
                    ),
                )
                .at(self
                    .a
                    .cfg
                    .resource(&c.addr.resource)
                    .map(|r| r.decl.clone())),
            );
            return None;
        }
        let token = uuid::Uuid::new_v4().to_string();
        let context = OperationContext {
            address: addr.clone(),
            workspace: self.a.plan.workspace.clone(),
            token,
        };
        let req = |prior: Option<Value>, planned: Option<Value>| ApplyRequest {
            type_name: c.addr.resource.type_.clone(),
            prior,
            planned,
            context: context.clone(),
            config: Some(apply_config.clone()),
            private: private.clone(),
        };
        match c.action {
            Action::Update => {
                let (result, started) = watched(
                    self.a.events,
                    &addr,
                    Operation::Update,
                    Some(id_of(before.as_ref().unwrap_or(&Value::NULL))),
                    provider.update(req(before.clone(), Some(planned.clone()))),
                )
                .await;
                match result {
                    Ok(obj) => {
                        drop(permit);
                        let v = self.finish(c, obj, &planned).await?;
                        finished(
                            self.a.events,
                            &addr,
                            Operation::Update,
                            Some(id_of(&v)),
                            started,
                        );
                        self.changed.fetch_add(1, Ordering::SeqCst);
                        Some(v)
                    }
                    Err(e) => {
                        self.cloud_error(c, "updating", &e);
                        None
                    }
                }
            }
            Action::Create | Action::DeleteThenCreate | Action::CreateThenDelete => {
                if c.action == Action::DeleteThenCreate {
                    self.delete_one(c, provider, before.clone()?, false).await?;
                }
                self.journal(JournalEntry::Intent {
                    token: context.token.clone(),
                    addr: addr.clone(),
                    action: "create".into(),
                    planned: Some(to_json(&planned)),
                })
                .await?;
                let (result, started) = watched(
                    self.a.events,
                    &addr,
                    Operation::Create,
                    None,
                    provider.create(req(None, Some(planned.clone()))),
                )
                .await;
                let created = match result {
                    Ok(obj) => obj,
                    Err(e) => {
                        self.cloud_error(c, "creating", &e);
                        self.journal(JournalEntry::Outcome {
                            token: context.token.clone(),
                        })
                        .await;
                        return None;
                    }
                };
                drop(permit);
                let v = self.finish(c, created, &planned).await?;
                finished(
                    self.a.events,
                    &addr,
                    Operation::Create,
                    Some(id_of(&v)),
                    started,
                );
                self.added.fetch_add(1, Ordering::SeqCst);
                if c.action == Action::CreateThenDelete {
                    self.delete_one(c, provider, before?, true).await?;
                }
                Some(v)
            }
            Action::NoOp | Action::Read | Action::Delete | Action::Forget => None,
        }
    }

    /// Marks, records and returns the object a create or update produced.
    async fn finish(&self, c: &ResourceChange, found: Observed, planned: &Value) -> Option<Value> {
        let obj = found.object;
        let marked = hangar_core::json::mark_paths(obj.attrs, &sensitive_paths(planned));
        // Recorded first: the object exists, and state must know it even when it is refused.
        self.record_with(c, &marked, obj.region.clone(), &obj.private)
            .await?;
        if let Some(v) = found.violation {
            self.error(v);
            self.a.stop.store(true, Ordering::SeqCst);
            return None;
        }
        Some(marked)
    }

    /// Writes one journal entry durably (intents before side effects, outcomes after).
    async fn journal(&self, entry: JournalEntry) -> Option<()> {
        match self.a.writer.write(vec![entry]).await {
            Ok(()) => Some(()),
            Err(e) => {
                self.error(Diagnostic::error("Failed to persist state", e));
                self.a.stop.store(true, Ordering::SeqCst);
                None
            }
        }
    }

    async fn record(&self, c: &ResourceChange, v: &Value, region: Option<String>) -> Option<()> {
        self.record_with(c, v, region, &c.private).await
    }

    /// Records `v` for `c`, with the provider's private data for the object.
    async fn record_with(
        &self,
        c: &ResourceChange,
        v: &Value,
        region: Option<String>,
        private: &[u8],
    ) -> Option<()> {
        use base64::Engine as _;
        let schema_version = self
            .a
            .registry
            .resource_schema(
                &parse_provider_addr(&c.provider).0,
                &c.addr.resource.type_,
                c.addr.resource.mode == ResourceMode::Data,
            )
            .map(|s| s.version)
            .unwrap_or(0);
        let rec = InstanceRecord {
            addr: c.addr.clone(),
            provider: c.provider.clone(),
            attributes: to_json(v),
            sensitive_paths: sensitive_paths(v),
            dependencies: c.dependencies.clone(),
            region,
            create_before_destroy: c.create_before_destroy,
            tainted: false,
            private: base64::engine::general_purpose::STANDARD.encode(private),
            schema_version,
        };
        match self.a.writer.write(vec![JournalEntry::Put(rec)]).await {
            Ok(()) => Some(()),
            Err(e) => {
                self.error(Diagnostic::error(
                    "Failed to persist state",
                    format!("{}: {e}", c.addr),
                ));
                self.a.stop.store(true, Ordering::SeqCst);
                None
            }
        }
    }

    /// A provider call's failure, located at the resource's block (when configuration still
    /// has it: a destroyed block's objects have none).
    fn cloud_error(&self, c: &ResourceChange, doing: &str, e: &hangar_provider::ProviderError) {
        let code = e
            .code
            .as_ref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        self.error(
            Diagnostic::error(
                format!("Error {doing} {}", c.addr),
                format!("{} failed{code}: {}", e.call, e.message),
            )
            .at(self
                .a
                .cfg
                .resource(&c.addr.resource)
                .map(|r| r.decl.clone())),
        );
    }
}

/// The first path where a known value of the saved plan differs from the final plan.
fn inconsistency(saved: &Value, fin: &Value, path: &str) -> Option<String> {
    match (saved.peel(), fin.peel()) {
        (Value::Unknown(_), _) => None,
        (Value::Object(a), Value::Object(b))
        | (Value::Map(a), Value::Map(b))
        | (Value::Object(a), Value::Map(b))
        | (Value::Map(a), Value::Object(b)) => {
            for (k, v) in a {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let other = b.get(k).cloned().unwrap_or(Value::NULL);
                if let Some(x) = inconsistency(v, &other, &p) {
                    return Some(x);
                }
            }
            None
        }
        (s, f) => {
            if s.is_wholly_known() && to_json(s) != to_json(f) {
                Some(if path.is_empty() {
                    "the object".into()
                } else {
                    path.into()
                })
            } else {
                None
            }
        }
    }
}
