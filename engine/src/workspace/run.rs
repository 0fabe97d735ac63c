//! Plan and apply in a session.
//!
//! A plan first runs the residency pre-flight (every place the configuration declares, through
//! the gate, before any cloud call) and checks the workspace's recorded binding; then it
//! refreshes and plans. An apply carries out a plan only if state is still exactly what the
//! plan was made from (same lineage and serial) and the configuration is unchanged; every
//! finished operation is journaled before anything depending on it starts.

use std::sync::atomic::Ordering;

use hangar_core::{Diagnostic, Diagnostics};
use hangar_state::StateDoc;

use super::{Cancel, Error, Session};
use crate::applier::Applier;
use crate::events::Events;
use crate::plan::Plan;
use crate::planner::{make_plan, PlanOptions};
use crate::residency::binding;
use crate::writer::StateWriter;

/// What kind of plan to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Converge on the configuration.
    Normal,
    /// Destroy everything recorded.
    Destroy,
    /// Only record what changed outside Hangar.
    RefreshOnly,
    /// Read-only drift detection (residency findings reported, orphans searched).
    Drift,
}

impl Mode {
    /// The mode selected by `--destroy` and `--refresh-only`.
    pub fn of(destroy: bool, refresh_only: bool) -> Mode {
        match (destroy, refresh_only) {
            (true, _) => Mode::Destroy,
            (_, true) => Mode::RefreshOnly,
            _ => Mode::Normal,
        }
    }
}

/// What an apply did.
#[derive(Debug)]
pub struct Applied {
    /// Objects created (replacements count here too).
    pub added: usize,
    /// Objects updated in place.
    pub changed: usize,
    /// Objects destroyed (replacements count here too).
    pub destroyed: usize,
    /// Objects imported by `import` blocks.
    pub imported: usize,
    /// Changes made outside Hangar that a refresh-only plan recorded.
    pub recorded: usize,
    /// Everything that went wrong; an apply with errors still recorded what finished.
    pub diags: hangar_core::Diagnostics,
    /// Whether it stopped early on an interrupt.
    pub interrupted: bool,
    /// The state afterwards.
    pub state: StateDoc,
}

impl Session<'_> {
    /// Makes a plan of `mode` against the session's state, refusing residency violations
    /// before any cloud call.
    ///
    /// Fails with every diagnostic found: invalid variables, residency refusals, a changed
    /// binding, evaluation and provider errors.
    pub fn plan(&self, mode: Mode, events: &dyn Events) -> Result<Plan, Error> {
        let ws = self.ws;
        if ws.cfg.files.is_empty() && matches!(mode, Mode::Normal | Mode::RefreshOnly) {
            return Err(Diagnostic::error(
                "No configuration files",
                "Plan requires configuration to be present. Planning without a configuration would mark everything \
                 for destruction, which is normally not what is desired. If you would like to destroy everything, \
                 run plan with the --destroy option. Otherwise, create a Hangar configuration file (.tf file) and \
                 try again.",
            )
            .into());
        }
        let prior = self.state();
        let inputs = ws.inputs()?;
        let (vars, mut warnings) = (inputs.values, inputs.warnings);
        // A failing plan still shows the warnings about its inputs.
        let input_warnings = warnings.clone();
        let warned = |e: Error| match e {
            Error::Diags(d) => Error::Diags(Diagnostics(
                input_warnings.0.iter().cloned().chain(d.0).collect(),
            )),
            other => other,
        };
        if ws.policy().is_none()
            && mode != Mode::Drift
            && crate::residency::suggest::uses_a_cloud(&ws.cfg, &ws.registry)
        {
            warnings.push(crate::residency::suggest::unbound_warning());
        }
        if let Some(policy) = ws.policy() {
            binding::check(policy, &prior)?;
            let mut values = ws.initial_values(vars.clone());
            let proven = crate::residency::preflight::check(
                &ws.cfg,
                &ws.graph,
                &ws.registry,
                &mut values,
                &ws.gate,
            )
            .map_err(|d| warned(d.into()))?;
            warnings.extend(proven.warnings);
        }
        let endpoint = |s: &String| {
            crate::moves::Endpoint::parse(s).map_err(|e| {
                Error::from(Diagnostic::error(
                    "Invalid target address",
                    format!("{s}: {e}"),
                ))
            })
        };
        let targets = ws
            .opts
            .targets
            .iter()
            .map(endpoint)
            .collect::<Result<Vec<_>, _>>()?;
        for r in &ws.opts.replace {
            r.parse::<hangar_core::ResourceInstanceAddr>()
                .map_err(|e| {
                    Error::from(Diagnostic::error(
                        "Invalid replace address",
                        format!("{r}: {e}"),
                    ))
                })?;
        }
        let opts = PlanOptions {
            destroy: mode == Mode::Destroy,
            refresh: ws.opts.refresh || matches!(mode, Mode::RefreshOnly | Mode::Drift),
            parallelism: ws.opts.parallelism,
            workspace: ws.name.clone(),
            gate: ws.gate.clone(),
            drift: mode == Mode::Drift,
            find_orphans: mode == Mode::Drift,
            targets,
            replace: ws.opts.replace.clone(),
        };
        let started = std::time::Instant::now();
        let mut plan = ws
            .block_on(make_plan(
                &ws.cfg,
                &ws.graph,
                &prior,
                &ws.registry,
                vars,
                &opts,
                events,
            ))?
            .map_err(|d| warned(d.into()))?;
        crate::timing::phase("plan", started);
        if mode == Mode::RefreshOnly {
            plan.refresh_only = true;
            plan.resource_changes.clear();
        }
        let mut all = warnings.0;
        all.append(&mut plan.warnings);
        plan.warnings = all;
        Ok(plan)
    }

    /// Adds what Terraform's JSON plan describes besides changes (the configuration as written,
    /// the attributes it reads, every check's status, the time) to a plan about to be shown as
    /// JSON or saved. Separate from [`plan`](Self::plan): a plan only rendered, applied or
    /// judged for drift does not need it, and at 10k resources it was a fifth of the plan's
    /// peak memory.
    pub fn describe(&self, plan: &mut Plan) {
        let started = std::time::Instant::now();
        crate::plan_json::describe(plan, &self.ws.cfg, &self.ws.registry);
        crate::timing::phase("describe", started);
    }

    /// [`describe`](Self::describe) for a plan only written as JSON by
    /// [`write_plan_json`](Self::write_plan_json), which describes the configuration itself
    /// while writing (a plan to save needs `describe`).
    pub fn describe_checks(&self, plan: &mut Plan) {
        let started = std::time::Instant::now();
        crate::plan_json::describe_checks(plan, &self.ws.cfg);
        crate::timing::phase("describe", started);
    }

    /// Writes `plan` as Terraform's JSON plan; without a kept `configuration` section it is
    /// written from this workspace's configuration, resource by resource.
    pub fn write_plan_json<W: std::io::Write>(&self, plan: &Plan, w: W) -> serde_json::Result<()> {
        crate::plan_json::write_plan_json_live(plan, &self.ws.cfg, &self.ws.registry, w)
    }

    /// Carries out `plan`, recording every finished operation, and returns what it did.
    ///
    /// Fails before changing anything when the plan is stale (state or configuration moved
    /// on) or the binding changed; once it has started it returns [`Applied`] with the
    /// diagnostics of whatever failed, everything finished being recorded.
    pub fn apply(
        &self,
        plan: &Plan,
        events: &dyn Events,
        cancel: &Cancel,
    ) -> Result<Applied, Error> {
        let ws = self.ws;
        self.check_fresh(plan)?;
        let mut base = match &self.stored {
            Some(doc) => doc.clone(),
            None => StateDoc {
                lineage: plan.lineage.clone(),
                ..StateDoc::default()
            },
        };
        if let Some(policy) = ws.policy() {
            let b = binding::check(policy, &base)?;
            base.binding = serde_json::to_value(&b).ok();
        }
        if plan.refresh_only {
            let (doc, recorded) = accept_refresh(plan, base);
            ws.backend.write(&doc)?;
            return Ok(Applied {
                added: 0,
                changed: 0,
                destroyed: 0,
                imported: 0,
                recorded,
                diags: hangar_core::Diagnostics::new(),
                interrupted: false,
                state: doc,
            });
        }
        let journal = ws.backend.open_journal(&base)?;
        let writer = StateWriter::start(journal, base);
        let summary = ws.block_on(async {
            let applier = Applier {
                cfg: &ws.cfg,
                graph: &ws.graph,
                registry: &ws.registry,
                plan,
                writer: &writer,
                events,
                stop: &cancel.stop,
                interrupted: &cancel.interrupted,
                parallelism: ws.opts.parallelism,
                gate: &ws.gate,
            };
            applier.run().await
        })?;
        let state = writer.finish()?;
        Ok(Applied {
            added: summary.added,
            changed: summary.changed,
            destroyed: summary.destroyed,
            imported: plan
                .resource_changes
                .iter()
                .filter(|c| c.importing.is_some())
                .count(),
            recorded: 0,
            diags: summary.diags,
            interrupted: summary.interrupted || cancel.interrupted.load(Ordering::SeqCst),
            state,
        })
    }

    /// Refuses a saved plan whose state or configuration moved on since it was made.
    fn check_fresh(&self, plan: &Plan) -> Result<(), Error> {
        let (lineage, serial) = match &self.stored {
            Some(s) => (s.lineage.as_str(), s.serial),
            None => (plan.lineage.as_str(), 0),
        };
        if lineage != plan.lineage || serial != plan.serial {
            return Err(Diagnostic::error(
                "Saved plan is stale",
                format!(
                    "The given plan file can no longer be applied because the state was changed by \
                     another operation after the plan was created (plan made from serial {} of \
                     lineage {}, state is now serial {serial} of lineage {lineage}). Create a new plan.",
                    plan.serial, plan.lineage
                ),
            )
            .into());
        }
        if self.ws.cfg.fingerprint != plan.config_fingerprint {
            return Err(Diagnostic::error(
                "Saved plan does not match the configuration",
                "The configuration files changed after the plan was created. Create a new plan.",
            )
            .into());
        }
        Ok(())
    }
}

/// `apply --refresh-only`: the state with what refresh found recorded, and how many changes.
fn accept_refresh(plan: &Plan, mut doc: StateDoc) -> (StateDoc, usize) {
    use crate::drift::Kind;
    let mut accepted = 0;
    for o in &plan.observations {
        let Ok(addr) = o.address.parse::<hangar_core::ResourceInstanceAddr>() else {
            continue;
        };
        match (o.kind, &o.refreshed) {
            (Kind::Deleted, _) => {
                doc.remove(&addr);
                accepted += 1;
            }
            (Kind::Changed, Some(v)) => {
                let value = v.decode();
                if let Some(rec) = doc.resources.get_mut(&o.address) {
                    rec.attributes = hangar_core::json::to_json(&value);
                    rec.sensitive_paths = hangar_core::json::sensitive_paths(&value);
                    if o.region.is_some() {
                        rec.region = o.region.clone();
                    }
                    accepted += 1;
                }
            }
            _ => {}
        }
    }
    doc.serial += 1;
    (doc, accepted)
}
