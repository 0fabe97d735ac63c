//! Walking the dependency graph: the one rule for what each operation evaluates.
//!
//! Every operation visits the graph's nodes in dependency order and treats the *value nodes*
//! — module inputs, locals, `module` blocks (expansion), module outputs and `check` blocks —
//! the same way, through [`eval_values`]; only resources, providers and root outputs are the
//! operation's own business. What differs is one [`Rule`] and where resources get values:
//!
//! | operation | rule | providers | resources |
//! | --- | --- | --- | --- |
//! | plan | [`Rule::Strict`] | configured (through the residency gate), then refreshed | planned by their provider |
//! | apply | strict ([`Rule::BestEffort`] for locals of a destroy) | configured | applied, concurrently ([`run_dag`]) |
//! | validate | [`Rule::Collect`], inputs unknown | not configured | bodies checked against schemas ([`offline`]) |
//! | residency pre-flight | [`Rule::BestEffort`] | places judged, not configured | places judged from configuration ([`offline`]) |
//! | console | [`Rule::BestEffort`] | not configured | recorded state ([`offline`]) |
//!
//! Nothing in an offline walk calls a provider beyond its pure schema and placement functions.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::stream::{FuturesUnordered, StreamExt};
use hangar_core::{
    Diagnostics, InstanceKey, ModulePath, ResourceInstanceAddr, ResourceMode, Value,
};
use hangar_state::StateDoc;

use crate::body::eval_body;
use crate::calls;
use crate::config::{Config, Resource};
use crate::expand::{expand_if_known, Expansion};
use crate::graph::{Node, OrderedGraph};
use crate::registry::Registry;
use crate::scope::{EvalScope, InstanceNames, Values};

/// How a walk treats a value node it cannot evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// The failure is an error, and nodes depending on it are skipped (plan, apply).
    Strict,
    /// The failure is reported as an error, the value becomes unknown, the walk goes on
    /// (validate: report everything at once).
    Collect,
    /// The failure is ignored and the value becomes unknown (console, the residency
    /// pre-flight, locals of a destroy).
    BestEffort,
}

/// Evaluates value node `node` in every instance of its module under `rule`; warnings of
/// `check` blocks go to `warnings`. Resources, providers and root outputs are left to the
/// caller (nothing happens for them here). Fails only under [`Rule::Strict`]; under
/// [`Rule::Collect`] errors go to `warnings` too.
pub fn eval_values(
    cfg: &Config,
    values: &mut Values,
    node: &Node,
    rule: Rule,
    warnings: &mut Diagnostics,
) -> Result<(), Diagnostics> {
    let result = match node {
        Node::Variable(m, name) if !m.is_root() => calls::eval_input(cfg, values, m, name),
        Node::Local(m, name) => calls::eval_local(cfg, values, m, name).inspect_err(|_| {
            if rule != Rule::Strict {
                calls::unknown_local(values, m, name);
            }
        }),
        Node::Call(child) if rule == Rule::Strict => calls::expand_call(cfg, values, child),
        Node::Call(child) => calls::expand_call_if_known(cfg, values, child),
        Node::Output(m, name) if !m.is_root() => calls::eval_output(cfg, values, m, name),
        Node::Check(m, name) => {
            if rule == Rule::Strict {
                warnings.extend(calls::eval_check(cfg, values, m, name));
            }
            Ok(())
        }
        Node::Variable(..) | Node::Output(..) | Node::Provider(_) | Node::Resource(_) => Ok(()),
    };
    match (result, rule) {
        (Ok(()), _) => Ok(()),
        (Err(d), Rule::Strict) => Err(d),
        (Err(d), Rule::Collect) => {
            warnings.extend(d);
            Ok(())
        }
        (Err(_), Rule::BestEffort) => Ok(()),
    }
}

/// Where an offline walk gets each resource's value.
pub enum Source<'a> {
    /// What state records (console).
    State(&'a StateDoc),
    /// The configuration evaluated against the schema, computed attributes unknown and data
    /// sources unknown (the residency pre-flight, validate).
    Config(&'a Registry),
}

/// One resource instance as an offline walk evaluated it from configuration.
pub struct Instance<'a> {
    /// The resource block.
    pub resource: &'a Resource,
    /// Its address.
    pub addr: ResourceInstanceAddr,
    /// The module instance it is in.
    pub module: ModulePath,
    /// Its configuration, evaluated (unknown where it could not be).
    pub config: Value,
}

/// Walks the whole graph without calling any provider (see the module documentation):
/// value nodes under `rule`, resources from `source`. `visit` sees every resource instance
/// evaluated from configuration, in dependency order, and may record what it finds; errors
/// (under [`Rule::Collect`]) and warnings go to the returned diagnostics.
pub fn offline<'c>(
    cfg: &'c Config,
    graph: &OrderedGraph,
    values: &mut Values,
    rule: Rule,
    source: Source<'_>,
    mut visit: impl FnMut(&Values, Instance<'c>, &mut Diagnostics),
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Source::State(doc) = source {
        let mut grouped: std::collections::BTreeMap<_, Vec<(InstanceKey, Value)>> =
            std::collections::BTreeMap::new();
        for rec in doc.resources.values() {
            let v = hangar_core::json::mark_paths(
                hangar_core::json::from_json(&rec.attributes),
                &rec.sensitive_paths,
            );
            grouped
                .entry(rec.addr.resource.clone())
                .or_default()
                .push((rec.addr.key.clone(), v));
        }
        for (addr, insts) in grouped {
            values
                .resources
                .insert(addr, Expansion::assemble_keys(insts));
        }
    }
    for (_, node) in graph.order() {
        let _ = eval_values(cfg, values, node, rule, &mut diags);
        let (Node::Resource(addr), Source::Config(registry)) = (node, &source) else {
            continue;
        };
        let r = &cfg.resources[addr];
        let data = addr.mode == ResourceMode::Data;
        let schema = registry.resource_schema(&r.provider.name, &addr.type_, data);
        if schema.is_none() && rule == Rule::Collect {
            diags.extend(crate::planner::unsupported_type(r, registry));
        }
        let mut instances = values.instances_of(&addr.module);
        if instances.is_empty() {
            instances.push(addr.module.clone());
        }
        for mi in instances {
            let expansion = {
                let names = InstanceNames::default();
                let scope = EvalScope {
                    cfg,
                    values,
                    names: &names,
                    module: &mi,
                };
                expand_if_known(r, &scope, &cfg.dir)
            };
            let (expansion, keyed) = match expansion {
                Ok(Some(e)) => {
                    let keyed = e.instances();
                    (Some(e), keyed)
                }
                found => {
                    if let (Err(d), Rule::Collect) = (found, rule) {
                        diags.extend(calls::locate_in(cfg, &mi, d));
                    }
                    let unknown = InstanceNames {
                        count_index: r.count.as_ref().map(|_| 0),
                        each: r
                            .for_each
                            .as_ref()
                            .map(|_| (Value::unknown(), Value::unknown())),
                        self_value: None,
                    };
                    (None, vec![(InstanceKey::None, unknown)])
                }
            };
            let mut evaluated = Vec::new();
            for (key, names) in keyed {
                let scope = EvalScope {
                    cfg,
                    values,
                    names: &names,
                    module: &mi,
                };
                let config = match schema {
                    Some(s) => {
                        match eval_body(&r.body, &s.block, &scope, &cfg.dir, Some(r.decl.clone())) {
                            Ok(v) => v,
                            Err(d) if rule == Rule::Collect => {
                                diags.extend(calls::locate_in(cfg, &mi, d));
                                Value::unknown()
                            }
                            Err(_) => crate::body::eval_body_as_written(
                                &r.body, &s.block, &scope, &cfg.dir,
                            ),
                        }
                    }
                    None => Value::unknown(),
                };
                let value = match (schema, data) {
                    (Some(s), false) => {
                        hangar_provider::plan::plan_by_schema(
                            s,
                            &hangar_provider::PlanRequest {
                                type_name: addr.type_.clone(),
                                prior: None,
                                config: config.clone(),
                                private: Vec::new(),
                            },
                        )
                        .planned
                    }
                    _ => Value::unknown(),
                };
                visit(
                    values,
                    Instance {
                        resource: r,
                        addr: r.addr.in_module(&mi).instance(key.clone()),
                        module: mi.clone(),
                        config,
                    },
                    &mut diags,
                );
                evaluated.push((key, value));
            }
            let whole = match expansion {
                Some(e) => e.assemble(evaluated),
                None => Value::unknown(),
            };
            values.resources.insert(r.addr.in_module(&mi), whole);
        }
    }
    diags
}

/// How one node ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not run yet.
    Pending,
    /// Ran and succeeded.
    Done,
    /// Ran and failed.
    Failed,
    /// Never started (a dependency failed, or the walk was stopped).
    Skipped,
}

/// Runs `visit(i)` for every node `0..deps.len()` after all of `deps[i]` are done.
pub async fn run_dag<F, Fut>(
    deps: &[Vec<usize>],
    stop: &AtomicBool,
    stop_on_failure: bool,
    visit: F,
) -> Vec<Outcome>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = bool>,
{
    let n = deps.len();
    let mut outcome = vec![Outcome::Pending; n];
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            dependents[d].push(i);
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| waiting[i] == 0).rev().collect();
    let mut running = FuturesUnordered::new();
    loop {
        while let Some(i) = ready.pop() {
            let blocked = deps[i].iter().any(|&d| outcome[d] != Outcome::Done);
            if blocked || stop.load(Ordering::SeqCst) {
                outcome[i] = Outcome::Skipped;
                release(i, &dependents, &mut waiting, &mut ready);
                continue;
            }
            let fut = visit(i);
            running.push(async move { (i, fut.await) });
        }
        let Some((i, ok)) = running.next().await else {
            break;
        };
        outcome[i] = if ok { Outcome::Done } else { Outcome::Failed };
        if !ok && stop_on_failure {
            stop.store(true, Ordering::SeqCst);
        }
        release(i, &dependents, &mut waiting, &mut ready);
    }
    outcome
}

fn release(i: usize, dependents: &[Vec<usize>], waiting: &mut [usize], ready: &mut Vec<usize>) {
    for &d in &dependents[i] {
        waiting[d] -= 1;
        if waiting[d] == 0 {
            ready.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn runs_in_dependency_order_and_skips_after_failure() {
        let deps = vec![vec![], vec![0], vec![1], vec![]];
        let log = Mutex::new(Vec::new());
        let stop = AtomicBool::new(false);
        let out = run_dag(&deps, &stop, true, |i| {
            let log = &log;
            async move {
                log.lock().expect("lock").push(i);
                i != 1
            }
        })
        .await;
        let log = log.into_inner().expect("lock");
        assert!(log.iter().position(|&x| x == 0) < log.iter().position(|&x| x == 1));
        assert_eq!(out[1], Outcome::Failed);
        assert_eq!(out[2], Outcome::Skipped);
    }

    #[tokio::test]
    async fn a_node_starts_when_its_own_dependencies_finish() {
        let deps = vec![vec![], vec![], vec![0]];
        let log = Mutex::new(Vec::new());
        let stop = AtomicBool::new(false);
        run_dag(&deps, &stop, true, |i| {
            let log = &log;
            async move {
                if i == 1 {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                log.lock().expect("lock").push(i);
                true
            }
        })
        .await;
        assert_eq!(log.into_inner().expect("lock"), vec![0, 2, 1]);
    }
}
