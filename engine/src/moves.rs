//! `moved` and `removed` blocks: renaming and forgetting recorded objects before planning.
//!
//! An [`Endpoint`] names a module instance, a whole resource or one resource instance, written
//! as in configuration (`module.eu`, `aws_s3_bucket.b`, `aws_s3_bucket.b["x"]`). Endpoints of
//! blocks inside a called module are relative to each instance of that module.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use hangar_core::{
    Diagnostic, Diagnostics, InstanceKey, ModulePath, ResourceAddr, ResourceInstanceAddr,
    SourceRange,
};
use hangar_state::StateDoc;

use crate::config::Config;

/// One side of a `moved` block, or the target of a `removed` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `module.NAME` or `module.NAME[KEY]`: every object inside it.
    Module(ModulePath),
    /// `TYPE.NAME`: every instance of the resource.
    Resource(ResourceAddr),
    /// `TYPE.NAME[KEY]`: one instance.
    Instance(ResourceInstanceAddr),
}

impl Endpoint {
    /// Parses the address text of a `from`/`to` argument.
    pub fn parse(text: &str) -> Result<Endpoint, String> {
        let text = text.trim();
        if let Ok(m) = text.parse::<ModulePath>() {
            return Ok(Endpoint::Module(m));
        }
        let inst: ResourceInstanceAddr =
            text.parse()
                .map_err(|e: hangar_core::address::AddressError| {
                    format!(
                        "{} (expected module.NAME, TYPE.NAME or TYPE.NAME[KEY])",
                        e.reason
                    )
                })?;
        Ok(if inst.key == InstanceKey::None && !text.ends_with(']') {
            Endpoint::Resource(inst.resource)
        } else {
            Endpoint::Instance(inst)
        })
    }
}

impl Endpoint {
    /// The block named, instance keys dropped: a move between keys of one block stays inside it.
    fn block(&self) -> String {
        match self {
            Endpoint::Module(m) => m.static_form().to_string(),
            Endpoint::Resource(r) => r.static_form().to_string(),
            Endpoint::Instance(i) => i.resource.static_form().to_string(),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Module(m) => write!(f, "{m}"),
            Endpoint::Resource(r) => write!(f, "{r}"),
            Endpoint::Instance(i) => write!(f, "{i}"),
        }
    }
}

/// What the configuration's `moved` and `removed` blocks do to recorded state.
#[derive(Debug, Default)]
pub struct Refactoring {
    /// State with every move made; `None` when no `moved` block applies.
    pub state: Option<StateDoc>,
    /// New address to the address state recorded it at.
    pub previous: HashMap<String, ResourceInstanceAddr>,
    /// Address texts of objects to drop from state without destroying them.
    pub forget: HashSet<String>,
}

/// Applies the `moved` blocks of every module to `prior` (repeating so chains of moves resolve
/// in any order) and collects what `removed` blocks forget; errors name the block.
pub fn refactor(cfg: &Config, prior: &StateDoc) -> Result<Refactoring, Diagnostics> {
    let mut out = Refactoring::default();
    let mut diags = Diagnostics::new();
    for (path, m) in &cfg.modules {
        for b in m.moved.iter().filter(|b| b.from.block() != b.to.block()) {
            if let Some(d) = still_declared(cfg, path, &b.from, "moved", &b.decl) {
                diags.push(d);
            }
        }
        for b in &m.removed {
            if let Some(d) = still_declared(cfg, path, &b.from, "removed", &b.decl) {
                diags.push(d);
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let blocks: Vec<_> = cfg
        .modules
        .iter()
        .flat_map(|(p, m)| m.moved.iter().map(move |b| (p, b)))
        .collect();
    if !blocks.is_empty() {
        let state = out.state.insert(prior.clone());
        let mut blocked = BTreeMap::new();
        for _ in 0..=blocks.len() {
            if !move_round(&blocks, state, &mut out.previous, &mut blocked) {
                break;
            }
        }
        for ((old, new), decl) in blocked {
            diags.push(
                Diagnostic::warning(
                    "Moved object still exists",
                    format!(
                        "State records both {old} and {new}, so the moved block cannot move one \
                         onto the other; {old} stays where it is."
                    ),
                )
                .at(Some(decl)),
            );
        }
    }
    implicit_moves(cfg, prior, &mut out);
    let state = out.state.as_ref().unwrap_or(prior);
    for (path, m) in &cfg.modules {
        for b in m.removed.iter().filter(|b| !b.destroy) {
            for (k, rec) in &state.resources {
                if rename(path, &b.from, &b.from, &rec.addr).is_some() {
                    out.forget.insert(k.clone());
                }
            }
        }
    }
    out.previous.retain(|new, old| *new != old.to_string());
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}

/// Terraform's implicit moves: adding `count` to a resource moves its recorded object `x` to
/// `x[0]`, removing `count` (and `for_each`) moves `x[0]` to `x` — unless the target address is
/// already recorded. Runs after the `moved` blocks, as Terraform does.
fn implicit_moves(cfg: &Config, prior: &StateDoc, out: &mut Refactoring) {
    let state = out.state.as_ref().unwrap_or(prior);
    let mut renames = Vec::new();
    for (k, rec) in &state.resources {
        let Some(r) = cfg.resource(&rec.addr.resource) else {
            continue;
        };
        let key = match (&rec.addr.key, r.count.is_some(), r.for_each.is_some()) {
            (InstanceKey::None, true, _) => InstanceKey::Int(0),
            (InstanceKey::Int(0), false, false) => InstanceKey::None,
            _ => continue,
        };
        let new = rec.addr.resource.instance(key);
        if !state.resources.contains_key(&new.to_string()) {
            renames.push((k.clone(), new));
        }
    }
    if renames.is_empty() {
        return;
    }
    let state = out.state.get_or_insert_with(|| prior.clone());
    for (old, new) in renames {
        let Some(mut rec) = state.resources.remove(&old) else {
            continue;
        };
        let first = out
            .previous
            .remove(&old)
            .unwrap_or_else(|| rec.addr.clone());
        rec.addr = new.clone();
        state.resources.insert(new.to_string(), rec);
        out.previous.insert(new.to_string(), first);
    }
}

/// Applies every `moved` block once to `state`; whether anything moved. `previous` maps each
/// moved object's address to where it was first recorded; `blocked` collects moves onto an
/// address state already uses.
fn move_round(
    blocks: &[(&ModulePath, &crate::config::MovedBlock)],
    state: &mut StateDoc,
    previous: &mut HashMap<String, ResourceInstanceAddr>,
    blocked: &mut BTreeMap<(String, String), SourceRange>,
) -> bool {
    let mut changed = false;
    for (path, b) in blocks {
        let renames: Vec<(String, ResourceInstanceAddr)> = state
            .resources
            .iter()
            .filter_map(|(k, rec)| Some((k.clone(), rename(path, &b.from, &b.to, &rec.addr)?)))
            .collect();
        for (old, new) in renames {
            let new_text = new.to_string();
            if state.resources.contains_key(&new_text) {
                blocked.insert((old, new_text), b.decl.clone());
                continue;
            }
            let Some(mut rec) = state.resources.remove(&old) else {
                continue;
            };
            let first = previous.remove(&old).unwrap_or_else(|| rec.addr.clone());
            rec.addr = new;
            state.resources.insert(new_text.clone(), rec);
            previous.insert(new_text, first);
            changed = true;
        }
    }
    changed
}

/// A `moved`/`removed` block whose `from` configuration still declares is an error.
fn still_declared(
    cfg: &Config,
    path: &ModulePath,
    from: &Endpoint,
    kind: &str,
    decl: &SourceRange,
) -> Option<Diagnostic> {
    let declared = match from {
        Endpoint::Module(m) => {
            let mut p = path.clone();
            p.0.extend(m.0.iter().cloned());
            cfg.module(&p).is_some()
        }
        Endpoint::Resource(r) => cfg.resource(&prefixed(path, r)).is_some(),
        Endpoint::Instance(_) => false,
    };
    declared.then(|| {
        Diagnostic::error(
            format!("{from} is still declared"),
            format!(
                "This {kind} block refers to {from}, which the configuration still declares. \
                 Remove that block, or the {kind} block."
            ),
        )
        .at(Some(decl.clone()))
    })
}

fn prefixed(path: &ModulePath, r: &ResourceAddr) -> ResourceAddr {
    let mut module = path.clone();
    module.0.extend(r.module.0.iter().cloned());
    r.in_module(&module)
}

/// Where `addr` goes when `from` moves to `to`, both written from the root module
/// (`hangar state mv`); `None` when `from` does not name it.
pub fn relocate(
    from: &Endpoint,
    to: &Endpoint,
    addr: &ResourceInstanceAddr,
) -> Option<ResourceInstanceAddr> {
    rename(&ModulePath::root(), from, to, addr)
}

/// Whether `e`, written from the root module, names `addr` (a module or resource names every
/// instance inside it).
pub fn covers(e: &Endpoint, addr: &ResourceInstanceAddr) -> bool {
    relocate(e, e, addr).is_some()
}

/// Where `addr` goes under a block in module `path` moving `from` to `to`, if it matches.
///
/// The block applies in every instance of its module. A move between endpoints without
/// instance keys carries each instance's key along; otherwise keys must match exactly, and
/// a keyless resource on one side means its single instance.
fn rename(
    path: &ModulePath,
    from: &Endpoint,
    to: &Endpoint,
    addr: &ResourceInstanceAddr,
) -> Option<ResourceInstanceAddr> {
    let n = path.0.len();
    let module = &addr.resource.module;
    if module.0.len() < n || ModulePath(module.0[..n].to_vec()).static_form() != *path {
        return None;
    }
    let base = ModulePath(module.0[..n].to_vec());
    let rest = &module.0[n..];
    let join = |tail: &[(String, InstanceKey)]| {
        let mut p = base.clone();
        p.0.extend(tail.iter().cloned());
        p
    };
    match (from, to) {
        (Endpoint::Module(f), Endpoint::Module(t)) => {
            let k = f.0.len();
            if rest.len() < k || rest[..k - 1] != f.0[..k - 1] || rest[k - 1].0 != f.0[k - 1].0 {
                return None;
            }
            let (fkey, tkey) = (&f.0[k - 1].1, &t.0[t.0.len() - 1].1);
            let carried = *fkey == InstanceKey::None && *tkey == InstanceKey::None;
            if !carried && rest[k - 1].1 != *fkey {
                return None;
            }
            let mut tail = t.0.clone();
            if carried {
                if let Some(last) = tail.last_mut() {
                    last.1 = rest[k - 1].1.clone();
                }
            }
            tail.extend(rest[k..].iter().cloned());
            Some(ResourceInstanceAddr {
                resource: addr.resource.in_module(&join(&tail)),
                key: addr.key.clone(),
            })
        }
        (f, t) => {
            let (fr, fkey) = endpoint_resource(f)?;
            let (tr, tkey) = endpoint_resource(t)?;
            let same_block = rest == fr.module.0.as_slice()
                && addr.resource.mode == fr.mode
                && addr.resource.type_ == fr.type_
                && addr.resource.name == fr.name;
            if !same_block {
                return None;
            }
            let key = match (fkey, tkey) {
                (None, None) => addr.key.clone(),
                (f, t) => {
                    if addr.key != f.unwrap_or(InstanceKey::None) {
                        return None;
                    }
                    t.unwrap_or(InstanceKey::None)
                }
            };
            let mut resource = tr.clone();
            resource.module = join(&tr.module.0);
            Some(ResourceInstanceAddr { resource, key })
        }
    }
}

/// The resource an endpoint names and its key (`None` for a whole resource).
fn endpoint_resource(e: &Endpoint) -> Option<(&ResourceAddr, Option<InstanceKey>)> {
    match e {
        Endpoint::Resource(r) => Some((r, None)),
        Endpoint::Instance(i) => Some((&i.resource, Some(i.key.clone()))),
        Endpoint::Module(_) => None,
    }
}
