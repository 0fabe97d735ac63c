//! Lifecycle rules and plan-time checks, as Terraform applies them: `ignore_changes` (applied
//! to the configuration before the provider plans), `replace_triggered_by`, the propagation of
//! `create_before_destroy` to dependencies, the refusal of infinite numbers, and the nested
//! block paths renderers need. `prevent_destroy` lives with removals.

use std::collections::HashSet;

use hangar_core::{Diagnostic, ModulePath, Value};
use hangar_provider::plan::differs;
use petgraph::graph::NodeIndex;

use crate::config::{Config, IgnoreChanges, Resource};
use crate::graph::{Node, OrderedGraph};
use crate::plan::Action;

use super::Planner;

/// The resource nodes whose replacement must create before destroying: those with
/// `create_before_destroy`, and everything they depend on, transitively.
pub(super) fn create_first(cfg: &Config, graph: &OrderedGraph) -> HashSet<NodeIndex> {
    let mut out = HashSet::new();
    // Most configurations set it nowhere: no need to look every resource node up.
    if !cfg
        .resources
        .values()
        .any(|r| r.lifecycle().create_before_destroy)
    {
        return out;
    }
    for (i, node) in graph.order() {
        let Node::Resource(a) = node else { continue };
        if !cfg
            .resources
            .get(a)
            .is_some_and(|r| r.lifecycle().create_before_destroy)
        {
            continue;
        }
        let mut stack = vec![i];
        while let Some(j) = stack.pop() {
            if out.insert(j) {
                stack.extend(graph.dependencies(j));
            }
        }
    }
    out.retain(|i| matches!(graph.node(*i), Node::Resource(_)));
    out
}

impl Planner<'_> {
    /// Whether a `replace_triggered_by` entry fires: a whole resource or an instance that
    /// plans any action, or an attribute of one whose planned value differs from its prior.
    pub(super) fn triggered_replace(&self, r: &Resource, module: &ModulePath) -> bool {
        use crate::plan_json::references::{expression_references, Step};
        r.lifecycle().replace_triggered_by.iter().any(|e| {
            expression_references(&e.expr).iter().any(|reference| {
                let Some(resource) = &reference.resource else {
                    return false;
                };
                let prefix = |t: &str| {
                    if module.is_root() {
                        t.to_string()
                    } else {
                        format!("{module}.{t}")
                    }
                };
                let (whole, subject) = (prefix(resource), prefix(&reference.subject));
                let keyed = reference.unkeyed.is_some();
                self.changes.iter().enumerate().any(|(i, c)| {
                    let hit = if keyed {
                        c.addr.to_string() == subject
                    } else {
                        c.addr.resource.to_string() == whole
                    };
                    if !hit || c.action == Action::NoOp {
                        return false;
                    }
                    let Some(Step::Attr(attr)) = reference.remaining.first() else {
                        return true;
                    };
                    let get = |v: Option<&Value>| v.and_then(|v| v.get_attr(attr)).cloned();
                    let before = c.before.as_ref().map(|v| &v.value);
                    match (get(before), get(self.planned_value(i))) {
                        (Some(b), Some(a)) => differs(&b, &a),
                        (b, a) => b.is_some() != a.is_some(),
                    }
                })
            })
        })
    }
}

/// The nested block types of a schema, nested ones as dotted paths (`rule`,
/// `rule.apply_server_side_encryption_by_default`), for rendering them as blocks.
pub fn block_paths(block: &hangar_provider::BlockSchema) -> Vec<String> {
    let mut out = Vec::new();
    for (name, nb) in &block.blocks {
        out.push(name.clone());
        out.extend(
            block_paths(&nb.block)
                .into_iter()
                .map(|p| format!("{name}.{p}")),
        );
    }
    out
}

/// Whether a value holds an infinite number anywhere (e.g. from `1 / 0`).
pub(super) fn has_infinity(v: &Value) -> bool {
    match v.peel() {
        Value::Number(n) => n.is_infinite(),
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => xs.iter().any(has_infinity),
        Value::Map(m) | Value::Object(m) => m.values().any(has_infinity),
        _ => false,
    }
}

/// Terraform refuses to plan an infinite number into state or a plan (`1 / 0` is `+Inf` in
/// the console, but cannot be recorded).
pub(super) fn infinity_error(what: &str, at: hangar_core::SourceRange) -> Diagnostic {
    Diagnostic::error(
        "Failed to encode value",
        format!(
            "failed to encode {what} in state: failed to serialize value: cannot serialize \
             infinity as JSON. An expression evaluated to an infinite number, for example by \
             dividing by zero."
        ),
    )
    .at(Some(at))
}

/// Terraform's `ignore_changes`: before the provider plans, each ignored argument of the
/// configuration takes the value recorded in state (every argument with `all`), so the plan,
/// the plan JSON's `after` and the apply all keep the prior value. Nothing changes on create.
pub fn ignore_changes(config: Value, prior: Option<&Value>, ignore: &IgnoreChanges) -> Value {
    let Some(prior) = prior else {
        return config;
    };
    let Some(mut m) = config.as_map().cloned() else {
        return config;
    };
    let ignored = |k: &str| match ignore {
        IgnoreChanges::None => false,
        IgnoreChanges::All => true,
        IgnoreChanges::Attrs(attrs) => attrs.iter().any(|a| a == k),
    };
    for (k, v) in m.iter_mut() {
        if ignored(k) {
            if let Some(old) = prior.get_attr(k) {
                *v = old.clone();
            }
        }
    }
    Value::Object(m)
}
