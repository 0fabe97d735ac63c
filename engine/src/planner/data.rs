//! Planning data sources: each instance is read during the plan when its configuration is
//! wholly known, otherwise deferred to apply (`Action::Read` with the schema's unknowns).

use hangar_core::{Diagnostic, Diagnostics, ModulePath, Value};
use hangar_provider::ReadDataRequest;

use super::{block_paths, schema_unknowns, Planner};
use crate::config::Resource;
use crate::expand::expand;
use crate::plan::{Action, PlanValue, ResourceChange};
use crate::scope::InstanceNames;

impl Planner<'_> {
    /// Plans every instance of data source `r` in `module`.
    pub(super) async fn plan_data(
        &mut self,
        r: &Resource,
        module: &ModulePath,
    ) -> Result<(), Diagnostics> {
        let schema = self.schema_of(r, true)?;
        let base = self.cfg.dir.clone();
        let addr = r.addr.in_module(module);
        let expansion = {
            let names = InstanceNames::default();
            expand(r, &self.scope(&names, module), &base)?
        };
        let provider = self.providers.get(&r.provider).cloned();
        let mut instance_values = Vec::new();
        let mut diags = Diagnostics::new();
        for (key, names) in expansion.instances() {
            let inst = addr.instance(key.clone());
            self.seen.insert(inst.to_string());
            if self.opts.destroy {
                instance_values.push((key, Value::unknown()));
                continue;
            }
            let config = match self.instance_config(r, &schema.block, &names, module, &base) {
                Ok(c) => c,
                Err(d) => {
                    diags.extend(d);
                    continue;
                }
            };
            let Some(provider) = provider.as_ref() else {
                continue;
            };
            let deferred = !config.is_wholly_known();
            let mut read_region = None;
            let (action, value) = if deferred {
                (Action::Read, schema_unknowns(&schema.block, config))
            } else {
                match provider
                    .read_data(
                        &inst.to_string(),
                        ReadDataRequest {
                            type_name: r.addr.type_.clone(),
                            config,
                        },
                    )
                    .await
                {
                    Ok(read) => {
                        if let Some(v) = read.violation {
                            diags.push(v.at(Some(r.decl.clone())));
                            continue;
                        }
                        read_region = read.object.region;
                        (Action::NoOp, read.object.attrs)
                    }
                    Err(e) => {
                        diags.push(
                            Diagnostic::error(format!("Error reading {inst}"), e.to_string())
                                .at(Some(r.decl.clone())),
                        );
                        continue;
                    }
                }
            };
            instance_values.push((key, value.clone()));
            self.changes.push(ResourceChange {
                addr: inst,
                provider: r.provider.config_addr(),
                action,
                before: None,
                after: Some(PlanValue::new(value.clone())),
                replace_paths: Vec::new(),
                replace_shown: Vec::new(),
                reason: None,
                dependencies: Vec::new(),
                create_before_destroy: false,
                blocks: block_paths(&schema.block),
                adopted: false,
                region: read_region,
                private: Vec::new(),
                previous_address: None,
                importing: None,
            });
        }
        self.values
            .resources
            .insert(addr, expansion.assemble(instance_values));
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(())
        }
    }
}
