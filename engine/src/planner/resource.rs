//! Planning a managed resource block: each instance's configuration evaluated, the provider's
//! planned state, the action chosen. Planning reads the planner and changes nothing: what it
//! found ([`BlockPlan`]) is recorded by [`Planner::commit_node`], so independent blocks can be
//! planned at once (see `schedule`) and recorded in order.

use hangar_core::{Diagnostic, Diagnostics, InstanceKey, ModulePath, ResourceAddr, Value};
use hangar_provider::plan::differs;
use hangar_provider::PlanRequest;
use petgraph::graph::NodeIndex;

use super::{block_paths, has_infinity, infinity_error, prevent_destroy_error, Planner};
use crate::calls;
use crate::config::{IgnoreChanges, Resource};
use crate::expand::expand;
use crate::plan::{Action, PlanValue, ResourceChange};
use crate::residency::gated::GatedProvider;
use crate::scope::InstanceNames;

/// What planning one module instance of a resource block found, to be recorded.
pub(super) struct BlockPlan {
    /// The block's address in its module instance.
    addr: ResourceAddr,
    /// The block's value for references: its instances' values assembled.
    value: Value,
    /// Its changes, each with whether its planned value is deferred (kept only in `value`).
    changes: Vec<(ResourceChange, bool)>,
    /// Instance addresses configuration declares that state records (the rest of state is
    /// orphaned).
    seen: Vec<String>,
    /// `import` targets this block took.
    imported: Vec<String>,
    /// Provider calls made (imports).
    api_calls: u64,
    /// Errors reported as they are found (as a removal's `prevent_destroy`).
    direct: Diagnostics,
    /// The instances' errors, which fail the node.
    errors: Diagnostics,
}

/// A resource node's plans: one per instance of its module, with where it was planned.
pub(super) type NodePlans = Vec<(ModulePath, Result<BlockPlan, Diagnostics>)>;

impl Planner<'_> {
    /// Plans managed resource node `idx` (block `r`) in every instance of its module.
    pub(super) async fn plan_node(&self, idx: NodeIndex, r: &Resource) -> NodePlans {
        let mut out = Vec::new();
        for mi in self.values.instances_of(&r.addr.module) {
            let planned = self.plan_block(idx, r, &mi).await;
            out.push((mi, planned));
        }
        out
    }

    /// Records a resource node's plans; fails with their errors, located in their module.
    pub(super) fn commit_node(&mut self, plans: NodePlans) -> Result<(), Diagnostics> {
        let mut diags = Diagnostics::new();
        for (mi, planned) in plans {
            let errors = match planned {
                Ok(b) => self.commit(b),
                Err(d) => d,
            };
            if !errors.is_empty() {
                diags.extend(calls::locate_in(self.cfg, &mi, errors));
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(())
        }
    }

    /// Records one block plan; returns its errors.
    fn commit(&mut self, b: BlockPlan) -> Diagnostics {
        self.seen.extend(b.seen);
        for key in &b.imported {
            self.imports.remove(key);
        }
        self.api_calls += b.api_calls;
        self.diags.extend(b.direct);
        for (change, deferred) in b.changes {
            if deferred {
                self.deferred.push(self.changes.len());
            }
            self.changes.push(change);
        }
        self.values.resources.insert(b.addr, b.value);
        if b.errors.has_errors() {
            b.errors
        } else {
            Diagnostics::new()
        }
    }

    /// Plans every instance of managed resource `r` in module instance `module`. Fails, with
    /// nothing to record, when the block cannot be expanded.
    async fn plan_block(
        &self,
        idx: NodeIndex,
        r: &Resource,
        module: &ModulePath,
    ) -> Result<BlockPlan, Diagnostics> {
        let schema = self.schema_of(r, false)?;
        let base = self.cfg.dir.as_path();
        let addr = r.addr.in_module(module);
        let expansion = {
            let names = InstanceNames::default();
            expand(r, &self.scope(&names, module), base)?
        };
        // Borrowed: threads planning at once would contend for the count of a shared `Arc`.
        let provider = self.providers.get(&r.provider);
        let mut instance_values: Vec<(InstanceKey, Value)> = Vec::new();
        let mut out = BlockPlan {
            addr: addr.clone(),
            value: Value::NULL,
            changes: Vec::new(),
            seen: Vec::new(),
            imported: Vec::new(),
            api_calls: 0,
            direct: Diagnostics::new(),
            errors: Diagnostics::new(),
        };
        let diags = &mut out.errors;
        let mut deps: Vec<String> = self
            .graph
            .resource_dependencies(idx)
            .iter()
            .map(ToString::to_string)
            .collect();
        let instances = expansion.instances();
        let last = instances.len().saturating_sub(1);
        for (n, (key, names)) in instances.into_iter().enumerate() {
            let inst = addr.instance(key.clone());
            let key_text = inst.to_string();
            if self.prior.resources.contains_key(&key_text) {
                out.seen.push(key_text.clone());
            }
            let mut prior = self.prior_value(&key_text, || schema.block.object_type());
            let import_block = self.imports.get(&key_text).copied();
            if import_block.is_some() {
                out.imported.push(key_text.clone());
            }
            let importing = match import_block {
                Some(block) if !self.opts.destroy => {
                    match self.import(r, &inst, block, &mut out.api_calls).await {
                        Ok((import, v)) => {
                            prior = Some(v);
                            Some(import)
                        }
                        Err(d) => {
                            diags.extend(d);
                            continue;
                        }
                    }
                }
                _ => None,
            };
            if self.opts.destroy {
                if let Some(prior) = prior {
                    instance_values.push((key, prior.clone()));
                    match self.removal(r, inst, prior, None, Action::Delete) {
                        Ok(change) => out.changes.push((change, false)),
                        Err(d) => out.direct.push(d),
                    }
                }
                continue;
            }
            let config = match self.instance_config(r, &schema.block, &names, module, base) {
                Ok(c) => c,
                Err(d) => {
                    diags.extend(d);
                    continue;
                }
            };
            if let Err(d) = self.check_conditions(r, &names, module, base) {
                diags.extend(d);
                continue;
            }
            let Some(provider) = provider else {
                continue;
            };
            let config =
                super::ignore_changes(config, prior.as_ref(), &r.lifecycle().ignore_changes);
            // Kept only where `replace_triggered_by` may plan the object again as new.
            let config_for_replace = (prior.is_some()
                && !r.lifecycle().replace_triggered_by.is_empty())
            .then(|| config.clone());
            let forced = match &prior {
                Some(_)
                    if self
                        .prior
                        .resources
                        .get(&key_text)
                        .is_some_and(|x| x.tainted) =>
                {
                    Some("replace_because_tainted")
                }
                Some(_) if self.opts.replace.contains(&key_text) => Some("replace_by_request"),
                _ => None,
            };
            let fresh_config = forced.map(|_| config.clone());
            let resp = match provider
                .plan(
                    &key_text,
                    schema,
                    PlanRequest {
                        type_name: r.addr.type_.clone(),
                        prior: prior.clone(),
                        config,
                        private: self.prior_private(&key_text),
                    },
                )
                .await
            {
                Ok(resp) => resp,
                Err(e) => {
                    diags.push(
                        Diagnostic::error(format!("Error planning {key_text}"), e.to_string())
                            .at(Some(r.decl.clone())),
                    );
                    continue;
                }
            };
            let mut planned = resp.planned;
            let planned_private = resp.private;
            if has_infinity(&planned) {
                diags.push(infinity_error(&key_text, r.decl.clone()));
                continue;
            }
            let mut replace = resp.requires_replace;
            if let Some(config_for_replace) = config_for_replace
                .as_ref()
                .filter(|_| self.triggered_replace(r, module))
            {
                replace.push("replace_triggered_by".into());
                // The replacement is planned as a new object: what the provider computes is
                // unknown again, as Terraform shows it.
                let fresh =
                    plan_new(provider, &key_text, schema, r, config_for_replace.clone()).await;
                match fresh {
                    Ok(f) => planned = f.planned,
                    Err(e) => {
                        diags.push(
                            Diagnostic::error(format!("Error planning {key_text}"), e.to_string())
                                .at(Some(r.decl.clone())),
                        );
                        continue;
                    }
                }
            }
            if let (Some(config), true) = (fresh_config, replace.is_empty()) {
                // Planned as new: what the provider computes is unknown again.
                if let Ok(fresh) = plan_new(provider, &key_text, schema, r, config).await {
                    planned = fresh.planned;
                }
            }
            let action = match &prior {
                None => Action::Create,
                Some(_)
                    if forced.is_none()
                        && matches!(r.lifecycle().ignore_changes, IgnoreChanges::All) =>
                {
                    Action::NoOp
                }
                Some(_) if !replace.is_empty() || forced.is_some() => {
                    if self.create_first.contains(&idx) {
                        Action::CreateThenDelete
                    } else {
                        Action::DeleteThenCreate
                    }
                }
                // A change that only marks or unmarks a value sensitive is an update too.
                Some(p)
                    if differs(p, &planned)
                        || hangar_core::json::sensitive_paths(p)
                            != hangar_core::json::sensitive_paths(&planned) =>
                {
                    Action::Update
                }
                Some(_) => Action::NoOp,
            };
            if action.is_replace() && r.lifecycle().prevent_destroy {
                diags.push(prevent_destroy_error(r, &key_text));
                continue;
            }
            // The planned value goes to the block's value for references; the change takes it
            // back when planning ends (see `fill_deferred`): one copy of every object, not two.
            let (value, after, deferred) = match (&prior, action) {
                (Some(p), Action::NoOp) => (p.clone(), Some(PlanValue::new(planned)), false),
                _ => (planned, None, true),
            };
            instance_values.push((key, value));
            let replace = if action.is_replace() {
                replace
            } else {
                Vec::new()
            };
            // Terraform renders dynamically typed attributes like outputs: never "forces replacement".
            let replace_shown = replace
                .iter()
                .filter(|p| {
                    let attr = schema.block.attributes.get(p.as_str());
                    attr.is_some_and(|a| a.ty != hangar_core::Type::Dynamic)
                })
                .cloned()
                .collect();
            let change = ResourceChange {
                addr: inst,
                provider: r.provider.config_addr(),
                action,
                before: prior.map(PlanValue::new),
                after,
                replace_paths: replace,
                replace_shown,
                reason: forced.map(str::to_string),
                dependencies: if n == last {
                    std::mem::take(&mut deps)
                } else {
                    deps.clone()
                },
                create_before_destroy: self.create_first.contains(&idx),
                blocks: block_paths(&schema.block),
                adopted: self.adopted.contains(&key_text),
                region: None,
                private: planned_private,
                previous_address: None,
                importing: importing.map(Box::new),
            };
            out.changes.push((change, deferred));
        }
        out.value = expansion.assemble(instance_values);
        Ok(out)
    }

    fn check_conditions(
        &self,
        r: &Resource,
        names: &InstanceNames,
        module: &ModulePath,
        base: &std::path::Path,
    ) -> Result<(), Diagnostics> {
        let scope = self.scope(names, module);
        let summary = "Resource precondition failed";
        calls::conditions(&r.lifecycle().preconditions, &scope, base, summary)
    }
}

/// Plans `config` of instance `key` (of block `r`) as a new object: no prior value and no
/// private data, so what the provider computes is unknown again.
async fn plan_new(
    provider: &GatedProvider,
    key: &str,
    schema: &hangar_provider::ResourceSchema,
    r: &Resource,
    config: Value,
) -> Result<hangar_provider::PlanResponse, hangar_provider::ProviderError> {
    let req = PlanRequest {
        type_name: r.addr.type_.clone(),
        prior: None,
        config,
        private: Vec::new(),
    };
    provider.plan(key, schema, req).await
}
