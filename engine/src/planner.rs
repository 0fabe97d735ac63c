//! Making a plan: walk the graph, refresh what state records, diff config against it.
//!
//! The walk visits nodes dependencies-first. A provider node configures its provider and then
//! refreshes, in parallel, every recorded object that provider owns. A resource node expands
//! its instances, evaluates each body against the schema, asks the provider for the planned
//! state and chooses the [`Action`](crate::plan::Action); managed resource blocks that do not
//! depend on each other are planned at once on every core (`schedule`). Recorded instances
//! that configuration no longer has are planned for deletion. A node whose dependency failed is
//! skipped, so one mistake gives one error, while independent mistakes are all reported.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use hangar_core::json::{from_json, mark_paths};
use hangar_core::{Diagnostic, Diagnostics, ModulePath, ResourceMode, Value};

use crate::residency::gate::Gate;
use crate::residency::gated::{self, GatedProvider};
use hangar_state::{InstanceRecord, StateDoc};
use petgraph::graph::NodeIndex;

use crate::body::eval_body;
use crate::calls;
use crate::config::{Config, ProviderRef, Resource};
use crate::events::Events;
use crate::graph::{Node, OrderedGraph};
use crate::plan::{OutputChange, Plan, PlanValue, ResourceChange, PLAN_FORMAT};
use crate::registry::Registry;
use crate::scope::{EvalScope, InstanceNames, Values};

/// Maps looked up once or more per resource instance: foldhash, not SipHash (hashing the
/// keys of a 100k-instance plan was 2 % of it).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

mod data;
mod deferred;
mod imports;
mod interrupted;
mod lifecycle;
mod outputs;
mod removals;
mod resource;
mod schedule;

pub use imports::import_error;
use imports::pending_imports;
use removals::prevent_destroy_error;

pub use lifecycle::{block_paths, ignore_changes};
use lifecycle::{create_first, has_infinity, infinity_error};

/// How to plan.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Plan to destroy everything recorded.
    pub destroy: bool,
    /// Re-read recorded objects first (`--refresh=false` skips).
    pub refresh: bool,
    /// How many provider calls may run at once.
    pub parallelism: usize,
    /// Workspace name (`terraform.workspace`).
    pub workspace: String,
    /// The workspace's residency gate, which every provider call passes.
    pub gate: Gate,
    /// Drift detection: report residency violations found by refresh instead of failing.
    pub drift: bool,
    /// Also ask providers for tagged objects that state lacks.
    pub find_orphans: bool,
    /// `-target`: plan only these (and what they depend on); empty plans everything.
    pub targets: Vec<crate::moves::Endpoint>,
    /// `-replace`: instance addresses to replace even if unchanged.
    pub replace: Vec<String>,
}

/// The value of a state record, with its sensitive marks, typed by the resource schema.
pub fn record_value(rec: &InstanceRecord, ty: Option<&hangar_core::Type>) -> Value {
    let v = from_json(&rec.attributes);
    let v = match ty {
        Some(t) => hangar_core::convert::convert(v.clone(), t).unwrap_or(v),
        None => v,
    };
    mark_paths(v, &rec.sensitive_paths)
}

/// Configures the provider of `p` from its block (or an empty one).
pub async fn configure_provider(
    cfg: &Config,
    registry: &Registry,
    gate: &Gate,
    p: &ProviderRef,
    values: &Values,
) -> Result<Arc<GatedProvider>, Diagnostics> {
    let Some(provider) = registry.get(&p.name) else {
        let known: Vec<_> = registry.names().collect();
        return Err(Diagnostic::error(
            "Failed to query available provider packages",
            format!(
                "Hangar has no provider named \"{}\". Built-in providers: {}.",
                p.name,
                known.join(", ")
            ),
        )
        .into());
    };
    let schema = registry
        .schema(&p.name)
        .map(|s| s.provider.clone())
        .unwrap_or_default();
    let config = match cfg.providers.get(&(p.name.clone(), p.alias.clone())) {
        Some(block) => {
            let names = InstanceNames::default();
            let scope = EvalScope {
                cfg,
                values,
                names: &names,
                module: &hangar_core::ModulePath::root(),
            };
            eval_body(
                &block.body,
                &schema,
                &scope,
                &cfg.dir,
                Some(block.decl.clone()),
            )?
        }
        None if p.alias.is_some() => {
            return Err(Diagnostic::error(
                "Provider configuration not present",
                format!(
                    "There is no provider block for {p}: add provider \"{}\" {{ alias = \"{}\" }}.",
                    p.name,
                    p.alias.clone().unwrap_or_default()
                ),
            )
            .into())
        }
        None => Value::Object(
            schema
                .attributes
                .keys()
                .map(|k| (k.clone(), Value::NULL))
                .collect(),
        ),
    };
    let at = cfg
        .providers
        .get(&(p.name.clone(), p.alias.clone()))
        .map(|b| b.decl.clone());
    gated::configure(provider.clone(), gate, &p.to_string(), config, at)
        .await
        .map(Arc::new)
}

/// Sorts changes by address. A change is large, so this sorts positions, then moves the changes
/// into place by following the permutation's cycles (about two moves each, no second buffer):
/// sorting the changes themselves spent most of its time copying them (7 % of a 10k-block plan's
/// instructions).
fn sort_by_addr(changes: &mut [ResourceChange]) {
    let mut order: Vec<usize> = (0..changes.len()).collect();
    order.sort_by(|&i, &j| changes[i].addr.cmp(&changes[j].addr));
    // Position k receives the change at `order[k]`.
    for i in 0..order.len() {
        let mut j = i;
        loop {
            let src = std::mem::replace(&mut order[j], j);
            if src == i {
                break;
            }
            changes.swap(j, src);
            j = src;
        }
    }
}

/// Plans `cfg` against `prior`; fails with every diagnostic found.
pub async fn make_plan(
    cfg: &Config,
    graph: &OrderedGraph,
    prior: &StateDoc,
    registry: &Registry,
    variables: BTreeMap<String, Value>,
    opts: &PlanOptions,
    events: &dyn Events,
) -> Result<Plan, Diagnostics> {
    let refactoring = crate::moves::refactor(cfg, prior)?;
    let prior = refactoring.state.as_ref().unwrap_or(prior);
    let imports = pending_imports(cfg, prior)?;
    let mut p = Planner {
        cfg,
        graph,
        prior,
        imports,
        forget: &refactoring.forget,
        registry,
        opts,
        events,
        values: Values::new(
            variables.clone(),
            cfg.dir.display().to_string(),
            opts.workspace.clone(),
            opts.gate.policy().map(crate::residency::Policy::value),
        ),
        providers: HashMap::new(),
        refreshed: FastMap::default(),
        // One change per resource block at least: grown by doubling, the vector's last
        // reallocation held both copies at once.
        changes: Vec::with_capacity(cfg.resources.len()),
        deferred: Vec::with_capacity(cfg.resources.len()),
        outputs: Vec::new(),
        diags: Diagnostics::new(),
        failed: FastSet::default(),
        seen: FastSet::with_capacity_and_hasher(prior.resources.len(), Default::default()),
        observations: Vec::new(),
        unsearched: Vec::new(),
        api_calls: 0,
        adopted: HashSet::new(),
        settled: Vec::new(),
        create_first: create_first(cfg, graph),
        blocks: cfg.resources.iter().map(|(k, v)| (k, &**v)).collect(),
    };
    // Sized once: rehashing a table of 100k block values held the old and the new at once.
    p.values.resources.reserve(cfg.resources.len());
    p.diags.0 = p.walk().await;
    p.report_interrupted();
    p.plan_orphans();
    p.plan_removed_outputs();
    if p.diags.has_errors() {
        return Err(p.diags);
    }
    p.unmatched_imports();
    if p.diags.has_errors() {
        return Err(p.diags);
    }
    p.fill_deferred()?;
    if !refactoring.previous.is_empty() {
        for c in &mut p.changes {
            c.previous_address = refactoring
                .previous
                .get(&c.addr.to_string())
                .cloned()
                .map(Box::new);
        }
    }
    if !opts.targets.is_empty() {
        restrict_to_targets(&mut p.changes, &opts.targets);
        p.diags.push(Diagnostic::warning(
            "Resource targeting is in effect",
            "You are creating a plan with the -target option, which means that the result of this plan may not \
             represent all of the changes requested by the current configuration.\n\nThe -target option is not for \
             routine use, and is provided only for exceptional situations such as recovering from errors or \
             mistakes, or when Hangar specifically suggests to use it as part of an error message.",
        ));
    }
    sort_by_addr(&mut p.changes);
    Ok(Plan {
        format_version: PLAN_FORMAT,
        hangar_version: env!("CARGO_PKG_VERSION").into(),
        workspace: opts.workspace.clone(),
        destroy: opts.destroy,
        lineage: prior.lineage.clone(),
        serial: prior.serial,
        config_fingerprint: cfg.fingerprint.clone(),
        variables: variables
            .iter()
            .map(|(k, v)| (k.clone(), PlanValue::new(v.clone())))
            .collect(),
        resource_changes: p.changes,
        output_changes: {
            let mut outputs = p.outputs;
            outputs.sort_by(|a, b| a.name.cmp(&b.name));
            outputs
        },
        warnings: p.diags.0,
        observations: p.observations,
        unsearched: p.unsearched,
        api_calls: p.api_calls,
        refresh_only: false,
        settled_intents: p.settled,
        configuration: None,
        relevant_attributes: Vec::new(),
        checks: Vec::new(),
        timestamp: String::new(),
    })
}

struct Planner<'a> {
    cfg: &'a Config,
    graph: &'a OrderedGraph,
    prior: &'a StateDoc,
    /// `import` blocks whose target state does not record yet, by target address text.
    imports: HashMap<String, &'a crate::config::ImportBlock>,
    /// Objects `removed` blocks drop from state without destroying them.
    forget: &'a HashSet<String>,
    registry: &'a Registry,
    opts: &'a PlanOptions,
    events: &'a dyn Events,
    values: Values,
    providers: HashMap<ProviderRef, Arc<GatedProvider>>,
    refreshed: FastMap<String, Option<Value>>,
    changes: Vec<ResourceChange>,
    /// Changes whose planned value still sits in `values` (see `fill_deferred`).
    deferred: Vec<usize>,
    outputs: Vec<OutputChange>,
    diags: Diagnostics,
    failed: FastSet<NodeIndex>,
    /// Recorded instances configuration still declares: the rest of state is orphaned.
    seen: FastSet<String>,
    observations: Vec<crate::drift::Observation>,
    unsearched: Vec<crate::drift::Unsearched>,
    api_calls: u64,
    adopted: HashSet<String>,
    settled: Vec<String>,
    /// Every resource block by address, hashed: the configuration's ordered map costs a
    /// search of thousands of instructions per node at 100k blocks.
    blocks: FastMap<&'a hangar_core::ResourceAddr, &'a Resource>,
    /// Resource nodes whose replacements create first: `create_before_destroy` set on them or
    /// on anything that depends on them (Terraform propagates it to dependencies).
    create_first: HashSet<NodeIndex>,
}

impl<'a> Planner<'a> {
    fn scope<'s>(&'s self, names: &'s InstanceNames, module: &'s ModulePath) -> EvalScope<'s> {
        EvalScope {
            cfg: self.cfg,
            values: &self.values,
            names,
            module,
        }
    }

    async fn visit(&mut self, idx: NodeIndex, node: Node) -> Result<(), Diagnostics> {
        match node {
            Node::Variable(m, _) if m.is_root() => Ok(()),
            Node::Variable(m, name) => calls::eval_input(self.cfg, &mut self.values, &m, &name),
            Node::Local(m, name) => calls::eval_local(self.cfg, &mut self.values, &m, &name),
            Node::Call(child) => calls::expand_call(self.cfg, &mut self.values, &child),
            Node::Check(m, name) => {
                let warnings = calls::eval_check(self.cfg, &self.values, &m, &name);
                self.diags.extend(warnings);
                Ok(())
            }
            Node::Provider(p) => {
                let configured =
                    configure_provider(self.cfg, self.registry, &self.opts.gate, &p, &self.values)
                        .await?;
                if self.opts.refresh {
                    let types = self
                        .cfg
                        .resources
                        .values()
                        .filter(|r| r.provider == p)
                        .map(|r| r.addr.type_.clone())
                        .collect();
                    let r = crate::refresh::refresh_provider(
                        self.prior,
                        self.registry,
                        &types,
                        &p,
                        &configured,
                        self.opts,
                        self.events,
                    )
                    .await?;
                    self.refreshed.extend(r.values);
                    self.adopted.extend(r.adopted);
                    self.settled.extend(r.settled);
                    self.observations.extend(r.observations);
                    self.unsearched.extend(r.unsearched);
                    self.diags.extend(r.warnings);
                    self.api_calls += r.api_calls;
                }
                self.providers.insert(p, configured);
                Ok(())
            }
            Node::Resource(addr) if addr.mode == ResourceMode::Data => {
                let r = self.blocks[&addr];
                let mut diags = Diagnostics::new();
                for mi in self.values.instances_of(&addr.module) {
                    if let Err(d) = self.plan_data(r, &mi).await {
                        diags.extend(calls::locate_in(self.cfg, &mi, d));
                    }
                }
                if diags.has_errors() {
                    Err(diags)
                } else {
                    Ok(())
                }
            }
            Node::Resource(addr) => {
                let plans = self.plan_node(idx, self.blocks[&addr]).await;
                self.commit_node(plans)
            }
            Node::Output(m, name) if m.is_root() => {
                let base = self.cfg.dir.clone();
                self.plan_output(&name, &base)
            }
            Node::Output(m, name) => calls::eval_output(self.cfg, &mut self.values, &m, &name),
        }
    }

    /// The provider's private data state recorded for an instance.
    fn prior_private(&self, key: &str) -> Vec<u8> {
        use base64::Engine as _;
        self.prior
            .resources
            .get(key)
            .filter(|r| !r.private.is_empty())
            .and_then(|r| {
                base64::engine::general_purpose::STANDARD
                    .decode(&r.private)
                    .ok()
            })
            .unwrap_or_default()
    }

    /// The refreshed (or recorded) prior value of an instance, `None` if it does not exist;
    /// `ty` (the block's object type, built only when there is a record to decode) types what
    /// the record leaves untyped.
    fn prior_value(&self, key: &str, ty: impl FnOnce() -> hangar_core::Type) -> Option<Value> {
        match self.refreshed.get(key) {
            Some(v) => v.clone(),
            None => self
                .prior
                .resources
                .get(key)
                .map(|rec| record_value(rec, Some(&ty()))),
        }
    }

    /// One instance's configuration, evaluated against the block schema.
    fn instance_config(
        &self,
        r: &Resource,
        block: &hangar_provider::BlockSchema,
        names: &InstanceNames,
        module: &ModulePath,
        base: &Path,
    ) -> Result<Value, Diagnostics> {
        eval_body(
            &r.body,
            block,
            &self.scope(names, module),
            base,
            Some(r.decl.clone()),
        )
    }

    /// The schema of `r`'s type (a data source's when `data`), or the unsupported-type error.
    /// Borrowed from the registry, not from the planner, so planning may go on mutably.
    fn schema_of(
        &self,
        r: &Resource,
        data: bool,
    ) -> Result<&'a hangar_provider::ResourceSchema, Diagnostics> {
        let registry: &'a Registry = self.registry;
        registry
            .resource_schema(&r.provider.name, &r.addr.type_, data)
            .ok_or_else(|| unsupported_type(r, registry))
    }
}

/// Splits `provider["aws"].eu` into its name and alias.
pub fn parse_provider_addr(s: &str) -> (String, Option<String>) {
    let rest = s.strip_prefix("provider[\"").unwrap_or(s);
    let (name, tail) = rest.split_once("\"]").unwrap_or((rest, ""));
    let alias = tail.strip_prefix('.').map(str::to_string);
    (name.to_string(), alias)
}

fn schema_unknowns(block: &hangar_provider::BlockSchema, config: Value) -> Value {
    let mut m = config.as_map().cloned().unwrap_or_default();
    for (k, a) in &block.attributes {
        if a.computed && m.get(k).is_none_or(Value::is_null) {
            m.insert(k.clone(), Value::Unknown(a.ty.clone()));
        }
    }
    Value::Object(m)
}

/// Keeps only the changes `targets` cover and everything they depend on (Terraform's
/// `-target`), dependencies followed transitively through what each change records.
fn restrict_to_targets(changes: &mut Vec<ResourceChange>, targets: &[crate::moves::Endpoint]) {
    let by_resource: HashMap<String, Vec<String>> =
        changes.iter().fold(HashMap::new(), |mut m, c| {
            m.entry(c.addr.resource.to_string())
                .or_default()
                .extend(c.dependencies.iter().cloned());
            m
        });
    let mut keep: HashSet<String> = changes
        .iter()
        .filter(|c| targets.iter().any(|t| crate::moves::covers(t, &c.addr)))
        .map(|c| c.addr.resource.to_string())
        .collect();
    let mut todo: Vec<String> = keep.iter().cloned().collect();
    while let Some(r) = todo.pop() {
        for d in by_resource.get(&r).into_iter().flatten() {
            if keep.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    changes.retain(|c| {
        targets.iter().any(|t| crate::moves::covers(t, &c.addr))
            || keep.contains(&c.addr.resource.to_string())
    });
}

/// The error for a resource or data source type no provider (or not its provider) knows.
pub fn unsupported_type(r: &Resource, registry: &Registry) -> Diagnostics {
    let data = r.addr.mode == ResourceMode::Data;
    let what = if data { "data source" } else { "resource type" };
    let known: Vec<&str> = registry
        .names()
        .filter_map(|p| registry.schema(p))
        .flat_map(|s| {
            if data {
                s.data_sources.keys()
            } else {
                s.resources.keys()
            }
        })
        .map(String::as_str)
        .collect();
    let hint = hangar_core::suggest::did_you_mean(&r.addr.type_, known);
    let detail = if registry.get(&r.provider.name).is_some() {
        format!(
            "The provider {} does not support {what} \"{}\".{hint}",
            r.provider.name, r.addr.type_
        )
    } else {
        format!(
            "There is no provider named \"{}\" for {what} \"{}\".{hint}",
            r.provider.name, r.addr.type_
        )
    };
    Diagnostic::error(format!("Invalid {what}"), detail)
        .at(Some(r.decl.clone()))
        .into()
}
