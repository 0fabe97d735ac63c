//! Planned values kept once: while planning, a change's planned value sits only in the walk's
//! values (where references read it); when planning ends it moves into its change.

use hangar_core::{Diagnostic, Diagnostics, Value};

use super::Planner;
use crate::plan::PlanValue;

impl Planner<'_> {
    /// Moves each deferred change's planned value out of the walk's values, which are done
    /// with once planning ends. A change whose value cannot be found fails the plan rather
    /// than planning nothing.
    pub(super) fn fill_deferred(&mut self) -> Result<(), Diagnostics> {
        for i in std::mem::take(&mut self.deferred) {
            let c = &mut self.changes[i];
            match self.values.take_instance(&c.addr) {
                Some(v) => c.after = Some(PlanValue::new(v)),
                None => {
                    return Err(Diagnostic::error(
                        "Planned value lost",
                        format!(
                        "Hangar planned {} but could not find its planned value when the plan was \
                             complete. This is a bug in Hangar; nothing was changed.",
                        c.addr
                    ),
                    )
                    .into())
                }
            }
        }
        Ok(())
    }

    /// The value change `i` plans, also while it is still deferred.
    pub(super) fn planned_value(&self, i: usize) -> Option<&Value> {
        let c = &self.changes[i];
        match &c.after {
            Some(v) => Some(&v.value),
            None if self.deferred.binary_search(&i).is_ok() => self.values.instance(&c.addr),
            None => None,
        }
    }
}
