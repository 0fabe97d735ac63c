//! `import` blocks at plan time: which targets still need importing, reading each object
//! through its provider, and refusing one that lives outside the workspace's geography.

use std::collections::HashMap;

use hangar_core::{Diagnostic, Diagnostics, ModulePath, Value};
use hangar_state::StateDoc;

use super::Planner;
use crate::body::eval_expr;
use crate::config::{Config, Resource};
use crate::scope::InstanceNames;

impl Planner<'_> {
    /// Reads the object an `import` block names; returns its id and attributes. Counts the
    /// provider call in `api_calls`.
    pub(super) async fn import(
        &self,
        r: &Resource,
        inst: &hangar_core::ResourceInstanceAddr,
        block: &crate::config::ImportBlock,
        api_calls: &mut u64,
    ) -> Result<(crate::plan::Import, Value), Diagnostics> {
        let names = InstanceNames::default();
        let root = ModulePath::root();
        let id = eval_expr(&block.id, &self.scope(&names, &root), &self.cfg.dir)?;
        let Some(id) = id.as_str().map(str::to_string) else {
            return Err(Diagnostic::error(
                "Invalid import id argument",
                "The import block's id must be a string known at plan time.",
            )
            .at(Some(block.id.range()))
            .into());
        };
        let Some(provider) = self.providers.get(&r.provider).cloned() else {
            return Err(Diagnostics::new());
        };
        self.events.event(crate::events::Event::Started {
            address: inst.to_string(),
            operation: crate::events::Operation::Import,
            id: Some(id.clone()),
        });
        *api_calls += 1;
        let req = hangar_provider::ImportRequest {
            type_name: inst.resource.type_.clone(),
            id: id.clone(),
        };
        let found = provider
            .import(&inst.to_string(), req)
            .await
            .map_err(|e| Diagnostics::from(import_error(inst, &e).at(Some(block.decl.clone()))))?;
        if let Some(v) = found.violation {
            let mut v = v.at(Some(block.decl.clone()));
            v.detail = format!("Refusing to import it: {}", v.detail);
            return Err(v.into());
        }
        let obj = found.object;
        let import = crate::plan::Import {
            id,
            region: obj.region,
        };
        Ok((import, obj.attrs))
    }

    /// Import blocks whose target no instance of the configuration declares.
    pub(super) fn unmatched_imports(&mut self) {
        if self.opts.destroy {
            return;
        }
        let mut left: Vec<_> = self.imports.drain().collect();
        left.sort_by(|a, b| a.0.cmp(&b.0));
        for (addr, b) in left {
            self.diags.push(
                Diagnostic::error(
                    "Configuration for import target does not exist",
                    format!(
                        "The configuration declares no instance {addr}: check the resource's \
                         count or for_each, or the import block's to address."
                    ),
                )
                .at(Some(b.decl.clone())),
            );
        }
    }
}

/// The root module's `import` blocks whose target state does not record yet, by target.
pub(super) fn pending_imports<'c>(
    cfg: &'c Config,
    prior: &StateDoc,
) -> Result<HashMap<String, &'c crate::config::ImportBlock>, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut out = HashMap::new();
    for b in &cfg.root().imports {
        if cfg.resource(&b.to.resource).is_none() {
            diags.push(
                Diagnostic::error(
                    "Configuration for import target does not exist",
                    format!(
                        "The configuration does not contain {}. Add a resource block for it, \
                         or correct the import block's to address.",
                        b.to.resource
                    ),
                )
                .at(Some(b.decl.clone())),
            );
            continue;
        }
        let key = b.to.to_string();
        if prior.resources.contains_key(&key) {
            continue;
        }
        if out.insert(key.clone(), b).is_some() {
            diags.push(
                Diagnostic::error(
                    "Duplicate import configuration",
                    format!("Another import block already imports into {key}."),
                )
                .at(Some(b.decl.clone())),
            );
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}

/// A provider's failure to import `addr`: the API call, the cloud's error code and message.
pub fn import_error(
    addr: &impl std::fmt::Display,
    e: &hangar_provider::ProviderError,
) -> Diagnostic {
    let code = e
        .code
        .as_ref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    Diagnostic::error(
        format!("Error importing {addr}"),
        format!("{} failed{code}: {}", e.call, e.message),
    )
}
