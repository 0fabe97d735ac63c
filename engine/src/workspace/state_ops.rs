//! Editing state by hand: `state rm`, `state mv`, `state push`, and the values `console`
//! evaluates against.
//!
//! Removals and moves go through the state writer (journal, then a new snapshot), exactly as
//! an apply records its changes; a push replaces the whole document but never a binding.

use hangar_core::{Diagnostic, ResourceInstanceAddr};
use hangar_state::{JournalEntry, StateDoc};

use super::{Error, Session, Workspace};
use crate::moves::Endpoint;
use crate::scope::Values;
use crate::walk::{offline, Rule, Source};

fn endpoint(s: &str) -> Result<Endpoint, Error> {
    Endpoint::parse(s)
        .map_err(|e| Error::from(Diagnostic::error("Invalid address", format!("{s}: {e}"))))
}

impl Workspace {
    /// Variables, locals, module outputs and every recorded resource's value, as far as they
    /// can be known without calling a cloud (for `console` and `import`).
    ///
    /// Fails on invalid input variables.
    pub fn values_from_state(&self, doc: &StateDoc) -> Result<Values, Error> {
        let mut values = self.initial_values(self.variables()?);
        let _ = offline(
            &self.cfg,
            &self.graph,
            &mut values,
            Rule::BestEffort,
            Source::State(doc),
            |_, _, _| {},
        );
        Ok(values)
    }
}

impl Workspace {
    /// Evaluates one expression (`console`) in the root module against `values`.
    ///
    /// Fails with a located syntax or evaluation error.
    pub fn evaluate(
        &self,
        values: &Values,
        file: std::sync::Arc<hangar_lang::SourceFile>,
    ) -> Result<hangar_core::Value, hangar_core::Diagnostics> {
        let names = crate::scope::InstanceNames::default();
        let root = hangar_core::ModulePath::root();
        let scope = crate::scope::EvalScope {
            cfg: &self.cfg,
            values,
            names: &names,
            module: &root,
        };
        let expr = hcl_edit::parser::parse_expr(&file.text)
            .map_err(|e| crate::config::load::syntax_error(&file, &e))?;
        crate::body::eval_expr(&crate::config::Expr { expr, file }, &scope, &self.cfg.dir)
    }
}

impl Session<'_> {
    /// Forgets the instances `addresses` name (instances, resources or whole modules) without
    /// destroying them; returns the addresses removed.
    ///
    /// Fails when an address is invalid or matches nothing (then nothing is removed).
    pub fn remove(&mut self, addresses: &[String]) -> Result<Vec<String>, Error> {
        let doc = self.state();
        let mut hits = Vec::new();
        for a in addresses {
            let target = endpoint(a)?;
            let found: Vec<String> = doc
                .resources
                .iter()
                .filter(|(_, r)| crate::moves::covers(&target, &r.addr))
                .map(|(k, _)| k.clone())
                .collect();
            if found.is_empty() {
                return Err(Diagnostic::error(
                    "Invalid target address",
                    format!("No matching objects found for {a}."),
                )
                .into());
            }
            hits.extend(found);
        }
        let entries = hits
            .iter()
            .map(|k| JournalEntry::Remove { addr: k.clone() })
            .collect();
        self.stored = Some(crate::writer::record(&*self.ws.backend, doc, entries)?);
        Ok(hits)
    }

    /// Moves what `source` names to `destination`; returns each move made.
    ///
    /// Fails when either address is invalid, nothing matches, a destination is taken, or the
    /// move would change an instance's resource type (Terraform refuses that too).
    pub fn relocate(
        &mut self,
        source: &str,
        destination: &str,
    ) -> Result<Vec<(String, ResourceInstanceAddr)>, Error> {
        let doc = self.state();
        let (from, to) = (endpoint(source)?, endpoint(destination)?);
        let moves: Vec<(String, ResourceInstanceAddr)> = doc
            .resources
            .iter()
            .filter_map(|(k, r)| Some((k.clone(), crate::moves::relocate(&from, &to, &r.addr)?)))
            .collect();
        if moves.is_empty() {
            return Err(Diagnostic::error(
                "Invalid source address",
                format!("Cannot move {source}: it does not exist in state, or cannot move to {destination}."),
            )
            .into());
        }
        for (old, new) in &moves {
            if doc.get(new).is_some() {
                return Err(Diagnostic::error(
                    "Invalid target address",
                    format!("Cannot move to {new}: there is already a resource instance at that address."),
                )
                .into());
            }
            let old_type = doc
                .resources
                .get(old)
                .map(|r| r.addr.resource.type_.clone());
            if old_type.as_deref() != Some(new.resource.type_.as_str()) {
                return Err(Diagnostic::error(
                    "Invalid state move request",
                    format!(
                        "Cannot move {old} to {new}: resource types don't match. A move can rename an \
                         instance or put it in another module, never turn it into another type."
                    ),
                )
                .into());
            }
        }
        let entries = moves
            .iter()
            .map(|(old, new)| JournalEntry::Move {
                from: old.clone(),
                to: new.to_string(),
            })
            .collect();
        self.stored = Some(crate::writer::record(&*self.ws.backend, doc, entries)?);
        Ok(moves)
    }

    /// Marks the instance at `address` tainted (replaced by the next apply) or not.
    ///
    /// Fails when the address is invalid or not recorded, or names a data source.
    pub fn set_tainted(&mut self, address: &str, tainted: bool) -> Result<(), Error> {
        let doc = self.state();
        let Some(rec) = doc.resources.get(address).cloned() else {
            return Err(Diagnostic::error(
                "No such resource instance",
                format!("There is no resource instance in the state with the address {address}. If the resource configuration has just been added, you must run \"hangar apply\" first to create the object before using taint or untaint."),
            )
            .into());
        };
        if rec.addr.resource.mode == hangar_core::ResourceMode::Data {
            return Err(Diagnostic::error(
                "Cannot taint a data source",
                format!("{address} is a data source: only managed resources can be tainted."),
            )
            .into());
        }
        if rec.tainted == tainted {
            if tainted {
                return Ok(());
            }
            return Err(Diagnostic::error(
                "Resource instance is not tainted",
                format!("Resource instance {address} is not currently tainted, and so it cannot be untainted."),
            )
            .into());
        }
        let record = hangar_state::InstanceRecord { tainted, ..rec };
        self.stored = Some(crate::writer::record(
            &*self.ws.backend,
            doc,
            vec![JournalEntry::Put(record)],
        )?);
        Ok(())
    }

    /// Moves every recorded instance whose provider is `from` (a source like
    /// `registry.terraform.io/hashicorp/aws`, or `hashicorp/aws`) to provider `to`; returns
    /// the addresses changed.
    ///
    /// Fails when nothing uses `from`.
    pub fn replace_provider(&mut self, from: &str, to: &str) -> Result<Vec<String>, Error> {
        let full = |s: &str| match s.matches('/').count() {
            1 => format!("registry.terraform.io/{s}"),
            0 => format!("registry.terraform.io/hashicorp/{s}"),
            _ => s.to_string(),
        };
        let (from, to) = (full(from), full(to));
        let doc = self.state();
        let mut entries = Vec::new();
        let mut changed = Vec::new();
        for (k, r) in &doc.resources {
            if crate::plan_json::provider_source(&r.provider) != from {
                continue;
            }
            let alias = r
                .provider
                .rsplit_once("].")
                .map(|(_, a)| format!(".{a}"))
                .unwrap_or_default();
            // Hangar records providers by local name: the source's last segment.
            let name = to.rsplit('/').next().unwrap_or(&to);
            let mut rec = r.clone();
            rec.provider = format!("provider[\"{name}\"]{alias}");
            changed.push(k.clone());
            entries.push(JournalEntry::Put(rec));
        }
        if entries.is_empty() {
            return Err(Diagnostic::error(
                "No matching resources found",
                format!("No resources in the state use provider {from}."),
            )
            .into());
        }
        self.stored = Some(crate::writer::record(&*self.ws.backend, doc, entries)?);
        Ok(changed)
    }

    /// Replaces stored state with `doc` (same lineage; serial raised past the stored one);
    /// returns the serial written.
    ///
    /// Fails when the pushed document drops or changes the workspace's binding, or has
    /// another lineage.
    pub fn push(&mut self, mut doc: StateDoc) -> Result<u64, Error> {
        if let Some(current) = &self.stored {
            if current.binding.is_some() && doc.binding != current.binding {
                return Err(Diagnostic::error(
                    "Cannot change the workspace binding",
                    "The pushed state does not carry this workspace's geography binding. A binding can never be removed or changed; push a document that keeps it.",
                )
                .into());
            }
            if doc.serial <= current.serial {
                doc.serial = current.serial + 1;
            }
        }
        self.ws.backend.write(&doc)?;
        let serial = doc.serial;
        self.stored = Some(doc);
        Ok(serial)
    }
}
