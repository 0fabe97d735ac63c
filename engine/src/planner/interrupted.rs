//! What the plan says about intents a killed run left in the journal: a create proven to have
//! left nothing is dropped, an object found by its token is adopted, and anything else is a
//! warning that says how to find and adopt the object (a plugin's cannot be searched for).

use hangar_core::Diagnostic;

use super::Planner;

impl Planner<'_> {
    /// Adds one diagnostic per pending intent of the prior state.
    pub(super) fn report_interrupted(&mut self) {
        for (token, intent) in &self.prior.pending {
            if self.settled.contains(token) {
                self.diags.push(Diagnostic::warning(
                    format!("Interrupted {} of {} left nothing behind", intent.action, intent.addr),
                    format!(
                        "A previous run started to {} {} (operation token {token}) and stopped before recording it; \
                         no object carrying that token exists, so the intent is dropped and the plan proceeds normally.",
                        intent.action, intent.addr
                    ),
                ));
                continue;
            }
            if self.adopted.contains(&intent.addr) {
                self.diags.push(Diagnostic::warning(
                    format!("Adopted {} left by an interrupted run", intent.addr),
                    format!("A previous run created {} (operation token {token}) but stopped before recording it; the object was found by its token and is planned as if recorded, so it will not be created twice.", intent.addr),
                ));
                continue;
            }
            // A plugin's objects carry no Hangar token and plugins cannot list: only the user can
            // tell whether the object exists.
            let by_plugin = intent
                .addr
                .parse::<hangar_core::ResourceInstanceAddr>()
                .ok()
                .and_then(|a| self.cfg.resources.get(&a.resource))
                .is_some_and(|r| self.registry.is_plugin(&r.provider.name));
            let find = if by_plugin {
                "Its provider is a plugin, which cannot search for it (Terraform's plugin protocol lists \
                 nothing, and the object carries no Hangar token): look for it in the cloud and `hangar \
                 import` it if it exists, or apply to create it."
            } else {
                "`hangar drift` lists objects carrying this workspace's tags that state lacks (kind \
                 orphan), and `hangar import` adopts one."
            };
            self.diags.push(Diagnostic::warning(
                format!("Interrupted operation on {}", intent.addr),
                format!(
                    "A previous run started to {} {} (operation token {token}) and stopped before recording \
                     the result. The object may exist in the cloud without being in state. {find} Recording \
                     {} again settles this.",
                    intent.action, intent.addr, intent.addr
                ),
            ));
        }
    }
}
