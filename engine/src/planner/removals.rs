//! Planning deletions and forgets: instances configuration no longer declares, whole
//! resources and modules gone, and `removed` blocks that keep the object in the cloud.

use std::sync::Arc;

use hangar_core::{Diagnostic, InstanceKey, ResourceMode, Value};
use hangar_state::InstanceRecord;

use super::{parse_provider_addr, Planner};
use crate::config::{ProviderRef, Resource};
use crate::plan::{Action, PlanValue, ResourceChange};

impl Planner<'_> {
    /// Plans an object's deletion, or its forgetting (which `prevent_destroy` allows).
    pub(super) fn push_removal(
        &mut self,
        r: &Resource,
        inst: hangar_core::ResourceInstanceAddr,
        prior: Value,
        reason: Option<&str>,
        action: Action,
    ) {
        match self.removal(r, inst, prior, reason, action) {
            Ok(change) => self.changes.push(change),
            Err(d) => self.diags.push(d),
        }
    }

    /// The change deleting or forgetting an object, or the `prevent_destroy` error.
    pub(super) fn removal(
        &self,
        r: &Resource,
        inst: hangar_core::ResourceInstanceAddr,
        prior: Value,
        reason: Option<&str>,
        action: Action,
    ) -> Result<ResourceChange, Diagnostic> {
        if action == Action::Delete && r.lifecycle().prevent_destroy {
            return Err(prevent_destroy_error(r, &inst.to_string()));
        }
        let inst_text = inst.to_string();
        Ok(ResourceChange {
            addr: inst,
            provider: r.provider.config_addr(),
            action,
            before: Some(PlanValue::new(prior)),
            after: None,
            replace_paths: Vec::new(),
            replace_shown: Vec::new(),
            reason: reason.map(str::to_string),
            dependencies: self
                .prior
                .resources
                .get(&inst_text)
                .map(|r| r.dependencies.clone())
                .unwrap_or_default(),
            create_before_destroy: false,
            blocks: Vec::new(),
            adopted: false,
            region: None,
            private: Vec::new(),
            previous_address: None,
            importing: None,
        })
    }

    pub(super) fn plan_orphans(&mut self) {
        let orphans: Vec<(String, InstanceRecord)> = self
            .prior
            .resources
            .iter()
            .filter(|(k, _)| !self.seen.contains(*k))
            .map(|(k, r)| (k.clone(), r.clone()))
            .collect();
        for (key, rec) in orphans {
            if rec.addr.resource.mode == ResourceMode::Data {
                continue;
            }
            let in_config = self.cfg.resource(&rec.addr.resource);
            let module = &rec.addr.resource.module;
            let module_gone = !module.is_root()
                && !self
                    .values
                    .instances_of(&module.static_form())
                    .contains(module);
            let reason = match (in_config, &rec.addr.key) {
                _ if module_gone => "delete_because_no_module",
                (None, _) => "delete_because_no_resource_config",
                (Some(_), InstanceKey::Int(_)) => "delete_because_count_index",
                (Some(_), InstanceKey::Str(_)) => "delete_because_each_key",
                (Some(_), InstanceKey::None) => "delete_because_no_resource_config",
            };
            let prior = self.prior_value(&key, || hangar_core::Type::Dynamic);
            let Some(prior) = prior else { continue };
            let r = in_config.cloned().unwrap_or_else(|| orphan_resource(&rec));
            let action = if self.forget.contains(&key) {
                Action::Forget
            } else {
                Action::Delete
            };
            self.push_removal(&r, rec.addr.clone(), prior, Some(reason), action);
        }
    }
}

fn orphan_resource(rec: &InstanceRecord) -> Resource {
    let (name, alias) = parse_provider_addr(&rec.provider);
    Resource {
        addr: rec.addr.resource.clone(),
        provider: ProviderRef { name, alias },
        count: None,
        for_each: None,
        depends_on: Vec::new(),
        body: crate::config::BodyRef {
            body: hcl_edit::structure::Body::new(),
            file: Arc::new(hangar_lang::SourceFile::new(String::new(), String::new())),
        },
        lifecycle_block: None,
        decl: Default::default(),
    }
}

pub(super) fn prevent_destroy_error(r: &Resource, key: &str) -> Diagnostic {
    Diagnostic::error(
        "Instance cannot be destroyed",
        format!(
            "Resource {key} has lifecycle.prevent_destroy set, but the plan calls for this \
             resource to be destroyed. To avoid this error and continue with the plan, either \
             disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target \
             option."
        ),
    )
    .at(Some(r.decl.clone()))
}
