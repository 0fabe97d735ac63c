//! Planning root outputs: each declared output is evaluated (refused when it carries sensitive
//! values it does not declare, or an infinity), and outputs state records that configuration
//! no longer declares are deleted.

use std::path::Path;

use hangar_core::json::from_json;
use hangar_core::{Diagnostic, Diagnostics, ModulePath};
use hangar_provider::plan::differs;

use super::{has_infinity, infinity_error, Planner};
use crate::body::eval_expr;
use crate::plan::{Action, OutputChange, PlanValue};
use crate::scope::InstanceNames;

impl Planner<'_> {
    /// Outputs state records that the configuration no longer declares are deleted.
    pub(super) fn plan_removed_outputs(&mut self) {
        let declared = &self.cfg.root().outputs;
        for (name, r) in &self.prior.outputs {
            if declared.contains_key(name) {
                continue;
            }
            let v = from_json(&r.value);
            self.outputs.push(OutputChange {
                name: name.clone(),
                action: Action::Delete,
                before: Some(PlanValue::new(if r.sensitive { v.sensitive() } else { v })),
                after: None,
                sensitive: r.sensitive,
            });
        }
    }

    /// Plans root output `name`.
    pub(super) fn plan_output(&mut self, name: &str, base: &Path) -> Result<(), Diagnostics> {
        let o = &self.cfg.root().outputs[name];
        let names = InstanceNames::default();
        let root = ModulePath::root();
        let before = self.prior.outputs.get(name).map(|r| {
            let v = from_json(&r.value);
            if r.sensitive {
                v.sensitive()
            } else {
                v
            }
        });
        let after = if self.opts.destroy {
            None
        } else {
            let v = eval_expr(&o.value, &self.scope(&names, &root), base)?;
            if v.contains_sensitive() && !o.sensitive {
                return Err(Diagnostic::error(
                    "Output refers to sensitive values",
                    "To reduce the risk of accidentally exporting sensitive data that was \
                     intended to be only internal, Hangar requires that any root module output \
                     containing sensitive data be explicitly marked as sensitive, to confirm \
                     your intent.\n\nIf you do intend to export this data, annotate the output \
                     value as sensitive by adding the following argument:\n    sensitive = true",
                )
                .at(Some(o.decl.clone()))
                .into());
            }
            if has_infinity(&v) {
                return Err(infinity_error(&format!("output.{name}"), o.decl.clone()).into());
            }
            Some(if o.sensitive { v.sensitive() } else { v })
        };
        let action = match (&before, &after) {
            (None, None) => return Ok(()),
            // State never records a null output, so a null one stays "no change".
            (None, Some(a)) if a.is_null() && !a.is_unknown() => Action::NoOp,
            (None, Some(_)) => Action::Create,
            (Some(_), None) => Action::Delete,
            (Some(b), Some(a)) if differs(b, a) => Action::Update,
            _ => Action::NoOp,
        };
        self.outputs.push(OutputChange {
            name: name.to_string(),
            action,
            before: before.as_ref().cloned().map(PlanValue::new),
            after: after.as_ref().cloned().map(PlanValue::new),
            sensitive: o.sensitive,
        });
        Ok(())
    }
}
