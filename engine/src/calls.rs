//! Module instances during a walk: expanding `module` blocks, and evaluating the variables,
//! locals, outputs and checks of every instance of a module.
//!
//! The graph has one node per block; these functions visit that block in each instance of its
//! module, which plan and apply share. Values land in [`Values`] under the instance's path.
//! Diagnostics raised inside a called module keep their own file and line and name the
//! `module` blocks that lead to it ([`locate_in`]).

use std::path::Path;

use hangar_core::{Diagnostic, Diagnostics, ModulePath, Value};
use hangar_lang::EmptyScope;

use crate::body::eval_expr;
use crate::config::{Config, ModuleCall};
use crate::expand::{expand_meta, meta_known};
use crate::scope::{EvalScope, InstanceNames, Values};

/// The `module` block that calls module `path` (without keys), with its caller's path.
pub fn call_of<'c>(cfg: &'c Config, path: &ModulePath) -> Option<(ModulePath, &'c ModuleCall)> {
    let (parent, name, _) = path.split_last()?;
    let call = cfg.module(&parent)?.calls.get(name)?;
    Some((parent, call))
}

/// Adds to each diagnostic raised inside module instance `at` the chain of calls leading there.
pub fn locate_in(cfg: &Config, at: &ModulePath, diags: Diagnostics) -> Diagnostics {
    if at.is_root() {
        return diags;
    }
    let mut chain = Vec::new();
    let mut here = at.clone();
    while let Some((parent, _, _)) = here.split_last() {
        if let Some((_, call)) = call_of(cfg, &here) {
            chain.push(format!("{here} (module block at {})", call.decl));
        }
        here = parent;
    }
    let note = format!("\n\nIn {}.", chain.join(", called from "));
    Diagnostics(
        diags
            .0
            .into_iter()
            .map(|mut d| {
                if !d.detail.contains(&note) {
                    d.detail.push_str(&note);
                }
                d
            })
            .collect(),
    )
}

fn scope<'s>(
    cfg: &'s Config,
    values: &'s Values,
    names: &'s InstanceNames,
    module: &'s ModulePath,
) -> EvalScope<'s> {
    EvalScope {
        cfg,
        values,
        names,
        module,
    }
}

/// Expands the `module` block calling `child` in each instance of its caller.
pub fn expand_call(
    cfg: &Config,
    values: &mut Values,
    child: &ModulePath,
) -> Result<(), Diagnostics> {
    let Some((parent, call)) = call_of(cfg, child) else {
        return Ok(());
    };
    let mut diags = Diagnostics::new();
    let mut expanded = Vec::new();
    for pi in values.instances_of(&parent) {
        let names = InstanceNames::default();
        let s = scope(cfg, values, &names, &pi);
        match expand_meta(call.count.as_ref(), call.for_each.as_ref(), &s, &cfg.dir) {
            Ok(e) => expanded.push((pi, e)),
            Err(d) => diags.extend(locate_in(cfg, &pi, d)),
        }
    }
    let list = values.instances.entry(child.clone()).or_default();
    list.clear();
    for (pi, e) in &expanded {
        list.extend(e.keys().into_iter().map(|k| pi.child(&call.name, k)));
    }
    let kids = list.clone();
    for k in kids {
        values.module_mut(&k);
    }
    for (pi, e) in expanded {
        values.module_mut(&pi).calls.insert(call.name.clone(), e);
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

/// Like [`expand_call`], but a call whose `count`/`for_each` is not known yet (validate has no
/// variable values; it may depend on resources) is no error: its module is then walked as one
/// instance of unknown key, as Terraform's validate does.
pub fn expand_call_if_known(
    cfg: &Config,
    values: &mut Values,
    child: &ModulePath,
) -> Result<(), Diagnostics> {
    let Some((parent, call)) = call_of(cfg, child) else {
        return Ok(());
    };
    for pi in values.instances_of(&parent) {
        let names = InstanceNames::default();
        let s = scope(cfg, values, &names, &pi);
        let known = meta_known(call.count.as_ref(), call.for_each.as_ref(), &s, &cfg.dir)
            .map_err(|d| locate_in(cfg, &pi, d))?;
        if !known {
            values.instances.entry(child.clone()).or_default().clear();
            return Ok(());
        }
    }
    expand_call(cfg, values, child)
}

/// The `count.index`/`each` names of module instance `mi` as its caller sees them.
fn call_names(values: &Values, mi: &ModulePath) -> InstanceNames {
    let Some((pi, name, key)) = mi.split_last() else {
        return InstanceNames::default();
    };
    values
        .modules
        .get(&pi)
        .and_then(|m| m.calls.get(name))
        .and_then(|e| e.names_of(key))
        .unwrap_or_default()
}

/// Sets input variable `name` of every instance of the called module `path` from its call.
pub fn eval_input(
    cfg: &Config,
    values: &mut Values,
    path: &ModulePath,
    name: &str,
) -> Result<(), Diagnostics> {
    let (Some((_, call)), Some(v)) = (
        call_of(cfg, path),
        cfg.module(path).and_then(|m| m.variables.get(name)),
    ) else {
        return Ok(());
    };
    let ty = crate::vars::declared_type(v).map_err(Diagnostics::from)?;
    let mut diags = Diagnostics::new();
    let mut set = Vec::new();
    for mi in values.instances_of(path) {
        let pi = mi.split_last().map(|(p, _, _)| p).unwrap_or_default();
        let names = call_names(values, &mi);
        let given = match call.inputs.get(name) {
            Some(e) => eval_expr(e, &scope(cfg, values, &names, &pi), &cfg.dir)
                .map(|x| (x, Some(e.range()))),
            None => match &v.default {
                Some(d) => eval_expr(d, &EmptyScope, &cfg.dir).map(|x| (x, Some(d.range()))),
                None => Ok((Value::NULL, None)),
            },
        };
        let no_names = InstanceNames::default();
        let inside = scope(cfg, values, &no_names, &mi);
        let checked =
            given.and_then(|(x, from)| crate::vars::checked(v, &ty, x, from, &cfg.dir, &inside));
        match checked {
            Ok(x) => set.push((mi, x)),
            Err(d) => diags.extend(locate_in(cfg, &mi, d)),
        }
    }
    for (mi, x) in set {
        values.module_mut(&mi).vars.insert(name.to_string(), x);
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

/// Evaluates local `name` in every instance of module `path`.
pub fn eval_local(
    cfg: &Config,
    values: &mut Values,
    path: &ModulePath,
    name: &str,
) -> Result<(), Diagnostics> {
    let Some(local) = cfg.module(path).and_then(|m| m.locals.get(name)) else {
        return Ok(());
    };
    let names = InstanceNames::default();
    let mut diags = Diagnostics::new();
    let mut set = Vec::new();
    for mi in values.instances_of(path) {
        match eval_expr(&local.value, &scope(cfg, values, &names, &mi), &cfg.dir) {
            Ok(x) => set.push((mi, x)),
            Err(d) => diags.extend(locate_in(cfg, &mi, d)),
        }
    }
    for (mi, x) in set {
        values.module_mut(&mi).locals.insert(name.to_string(), x);
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

/// What a variable, local, output or `module` block contributes, as far as it can be known
/// without reading any cloud (`console`, the residency check): a failure leaves the value
/// unknown instead of stopping. Other nodes contribute nothing here.
pub fn eval_offline(cfg: &Config, values: &mut Values, node: &crate::graph::Node) {
    use crate::graph::Node;
    match node {
        Node::Local(m, name) => {
            eval_local(cfg, values, m, name).unwrap_or_else(|_| unknown_local(values, m, name))
        }
        Node::Call(child) => {
            let _ = expand_call(cfg, values, child);
        }
        Node::Variable(m, name) if !m.is_root() => {
            let _ = eval_input(cfg, values, m, name);
        }
        Node::Output(m, name) if !m.is_root() => {
            let _ = eval_output(cfg, values, m, name);
        }
        _ => {}
    }
}

/// Marks local `name` unknown in every instance of `path` (a destroy walk that cannot evaluate it).
pub fn unknown_local(values: &mut Values, path: &ModulePath, name: &str) {
    for mi in values.instances_of(path) {
        values
            .module_mut(&mi)
            .locals
            .insert(name.to_string(), Value::unknown());
    }
}

/// Evaluates output `name` of every instance of the called module `path`, for its caller.
pub fn eval_output(
    cfg: &Config,
    values: &mut Values,
    path: &ModulePath,
    name: &str,
) -> Result<(), Diagnostics> {
    let Some(o) = cfg.module(path).and_then(|m| m.outputs.get(name)) else {
        return Ok(());
    };
    let names = InstanceNames::default();
    let mut diags = Diagnostics::new();
    let mut set = Vec::new();
    for mi in values.instances_of(path) {
        let s = scope(cfg, values, &names, &mi);
        let result = conditions(
            &o.preconditions,
            &s,
            &cfg.dir,
            "Module output precondition failed",
        )
        .and_then(|()| eval_expr(&o.value, &s, &cfg.dir));
        match result {
            Ok(x) if o.sensitive => set.push((mi, x.sensitive())),
            Ok(x) => set.push((mi, x)),
            Err(d) => diags.extend(locate_in(cfg, &mi, d)),
        }
    }
    for (mi, x) in set {
        values.module_mut(&mi).outputs.insert(name.to_string(), x);
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

/// Fails with `summary` and each failed condition's message; unknown conditions pass.
pub fn conditions(
    checks: &[crate::config::Check],
    scope: &EvalScope<'_>,
    base: &Path,
    summary: &str,
) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    for c in checks {
        match eval_expr(&c.condition, scope, base) {
            Ok(v) if v.as_bool() == Some(false) => {
                let msg = eval_expr(&c.error_message, scope, base)
                    .ok()
                    .and_then(|m| m.as_str().map(str::to_string))
                    .unwrap_or_default();
                diags.push(Diagnostic::error(summary, msg).at(Some(c.condition.range())));
            }
            Ok(_) => {}
            Err(d) => diags.extend(d),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

/// The assertions of check `name` in every instance of `path` that fail, as warnings.
///
/// As in Terraform, a failed or unevaluable check never stops a run; an assertion whose
/// result is unknown until apply is not reported at plan time.
pub fn eval_check(cfg: &Config, values: &Values, path: &ModulePath, name: &str) -> Diagnostics {
    let mut out = Diagnostics::new();
    let Some(c) = cfg.module(path).and_then(|m| m.checks.get(name)) else {
        return out;
    };
    let names = InstanceNames::default();
    for mi in values.instances_of(path) {
        let s = scope(cfg, values, &names, &mi);
        let summary = format!("Check block assertion failed: check.{name}");
        let found = match conditions(&c.asserts, &s, &cfg.dir, &summary) {
            Ok(()) => continue,
            Err(d) => d,
        };
        let warnings = found.0.into_iter().map(|mut d| {
            d.severity = hangar_core::Severity::Warning;
            d
        });
        out.extend(locate_in(cfg, &mi, Diagnostics(warnings.collect())));
    }
    out
}
