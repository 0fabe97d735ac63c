//! `module` blocks: parsing the call, loading the called directory, resolving its providers.

use std::path::{Component, Path, PathBuf};

use hcl_edit::expr::ObjectKey;

use super::*;

/// How deep calls may nest before Hangar assumes a module calls itself.
const MAX_DEPTH: usize = 16;

impl Loader<'_> {
    /// A `module "NAME" { source = ... }` block.
    pub(super) fn module_call(&mut self, name: &str, b: &Block, decl: SourceRange) {
        let mut call = ModuleCall {
            name: name.to_string(),
            source: String::new(),
            version: None,
            count: None,
            for_each: None,
            depends_on: Vec::new(),
            inputs: BTreeMap::new(),
            providers: BTreeMap::new(),
            decl,
        };
        let mut source = None;
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "source" => source = self.string_attr(a),
                    "version" => call.version = self.string_attr(a),
                    "count" => call.count = Some(self.expr(&a.value)),
                    "for_each" => call.for_each = Some(self.expr(&a.value)),
                    "depends_on" => call.depends_on = self.reference_list(&a.value),
                    "providers" => call.providers = self.providers_map(&a.value),
                    other => {
                        call.inputs.insert(other.to_string(), self.expr(&a.value));
                    }
                },
                Structure::Block(inner) => self.unsupported_block(&inner.ident, &[]),
            }
        }
        match source {
            Some(s) => call.source = s,
            None => {
                self.err(
                    "Missing required argument",
                    "The argument \"source\" is required, but no definition was found.".into(),
                    b.ident.span(),
                );
                return;
            }
        }
        if call.count.is_some() && call.for_each.is_some() {
            self.err(
                "Invalid combination of \"count\" and \"for_each\"",
                "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive.".into(),
                b.ident.span(),
            );
        }
        if self.module.calls.contains_key(name) {
            self.err(
                "Duplicate module call",
                format!("A module call named \"{name}\" was already defined."),
                b.ident.span(),
            );
            return;
        }
        self.module.calls.insert(name.to_string(), call);
    }

    /// `providers = { aws = aws.eu, aws.west = aws }`.
    fn providers_map(&mut self, e: &Expression) -> BTreeMap<ProviderRef, ProviderRef> {
        let mut out = BTreeMap::new();
        let Expression::Object(obj) = e else {
            self.err(
                "Invalid providers argument",
                "The providers argument takes a map of provider references, like \
                 { aws = aws.eu }."
                    .into(),
                e.span(),
            );
            return out;
        };
        for (k, v) in obj.iter() {
            let key = match k {
                ObjectKey::Ident(i) => Some(ProviderRef {
                    name: i.as_str().to_string(),
                    alias: None,
                }),
                ObjectKey::Expression(x) => self.provider_ref(x),
            };
            if let (Some(key), Some(val)) = (key, self.provider_ref(v.expr())) {
                out.insert(key, val);
            }
        }
        out
    }
}

/// `hangar init`'s side of loading: git sources are fetched, not only looked up.
pub struct Installer {
    /// Commits git sources are pinned to; updated as sources are resolved.
    pub lock: crate::modsource::Lock,
    /// Re-resolve every ref instead of keeping locked commits.
    pub upgrade: bool,
    /// What was found or fetched, in load order.
    pub installed: Vec<Installed>,
}

/// One module call as `hangar init` reports it.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The called module's path.
    pub path: ModulePath,
    /// `source`, as written.
    pub source: String,
    /// `path.module` of the installed code.
    pub rel_dir: String,
}

/// Where a call's code is: looked up, or (when installing) fetched first for git sources.
fn find(
    cfg: &Config,
    parent_dir: &Path,
    source: &str,
    version: Option<&str>,
    installer: &mut Option<&mut Installer>,
) -> Result<PathBuf, crate::modsource::SourceError> {
    use crate::modsource::{
        check_registry_version, fetch, fetch_registry, locate, Source, SourceError,
    };
    let src = Source::parse(source)?;
    if version.is_some() && !matches!(src, Source::Registry { .. }) {
        return Err(SourceError::Registry {
            source_text: source.to_string(),
            message: "a version constraint applies only to module registry sources".into(),
        });
    }
    match (installer.as_deref_mut(), src) {
        (Some(i), src @ Source::Git { .. }) => {
            fetch(&cfg.dir, source, &src, &mut i.lock, i.upgrade)
        }
        (Some(i), src @ Source::Registry { .. }) => {
            fetch_registry(&cfg.dir, source, &src, version, &mut i.lock, i.upgrade)
        }
        (None, Source::Registry { .. }) => {
            check_registry_version(&cfg.dir, source, version)?;
            locate(&cfg.dir, parent_dir, source)
        }
        _ => locate(&cfg.dir, parent_dir, source),
    }
}

/// Loads, depth first, every module `parent` calls, then stores `parent` in `cfg.modules`.
pub(super) fn load_children(
    cfg: &mut Config,
    parent: Module,
    hasher: &mut Sha256,
    diags: &mut Diagnostics,
    installer: &mut Option<&mut Installer>,
) {
    let calls: Vec<ModuleCall> = parent.calls.values().cloned().collect();
    let (parent_path, parent_dir, parent_rel) = (
        parent.path.clone(),
        parent.dir.clone(),
        parent.rel_dir.clone(),
    );
    cfg.modules.insert(parent_path.clone(), parent);
    for call in calls {
        let path = parent_path.child(&call.name, InstanceKey::None);
        if path.0.len() > MAX_DEPTH {
            diags.push(
                Diagnostic::error(
                    "Module calls nest too deeply",
                    format!("{path} is {MAX_DEPTH} calls deep; a module probably calls itself."),
                )
                .at(Some(call.decl.clone())),
            );
            continue;
        }
        let dir = match find(
            cfg,
            &parent_dir,
            &call.source,
            call.version.as_deref(),
            installer,
        ) {
            Ok(d) => d,
            Err(e) => {
                diags.push(
                    Diagnostic::error("Module not found", format!("module \"{}\": {e}", call.name))
                        .at(Some(call.decl.clone())),
                );
                continue;
            }
        };
        let rel = relative_dir(&cfg.dir, &parent_rel, &call.source, &dir);
        if let Some(i) = installer.as_deref_mut() {
            i.installed.push(Installed {
                path: path.clone(),
                source: call.source.clone(),
                rel_dir: rel.clone(),
            });
        }
        let Some(child) = load_module(cfg, &dir, path, &rel, hasher, diags) else {
            continue;
        };
        check_inputs(&call, &child, diags);
        load_children(cfg, child, hasher, diags, installer);
    }
}

/// Every argument of the call is a declared variable, and every required variable is set.
fn check_inputs(call: &ModuleCall, child: &Module, diags: &mut Diagnostics) {
    for (name, e) in &call.inputs {
        if !child.variables.contains_key(name) {
            diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!(
                        "An argument named \"{name}\" is not expected here: module \"{}\" ({}) \
                         declares no variable \"{name}\".",
                        call.name, call.source
                    ),
                )
                .at(Some(e.range())),
            );
        }
    }
    for v in child.variables.values() {
        if v.default.is_none() && !call.inputs.contains_key(&v.name) {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!(
                        "The argument \"{}\" is required, but no definition was found: module \
                         \"{}\" declares it at {} without a default.",
                        v.name, call.name, v.decl
                    ),
                )
                .at(Some(call.decl.clone())),
            );
        }
    }
}

/// `path.module` of a called module: its directory relative to the root module's.
fn relative_dir(root: &Path, parent_rel: &str, source: &str, dir: &Path) -> String {
    let lexical = if source.starts_with("./") || source.starts_with("../") {
        Path::new(parent_rel).join(source)
    } else {
        dir.strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| dir.to_path_buf())
    };
    let mut parts: Vec<String> = Vec::new();
    for c in lexical.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            Component::ParentDir => parts.push("..".into()),
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts
            .iter()
            .collect::<PathBuf>()
            .to_string_lossy()
            .into_owned()
    }
}

/// Rewrites each called module's provider references into the root configurations they use.
pub(super) fn resolve_providers(cfg: &mut Config, diags: &mut Diagnostics) {
    let mut resolved = Vec::new();
    for (addr, r) in &cfg.resources {
        if addr.module.is_root() {
            continue;
        }
        match resolve(cfg, &addr.module, &r.provider) {
            Ok(p) => resolved.push((addr.clone(), p)),
            Err(e) => diags.push(
                Diagnostic::error("Provider configuration not present", e).at(Some(r.decl.clone())),
            ),
        }
    }
    for (addr, p) in resolved {
        if let Some(r) = cfg.resources.get_mut(&addr) {
            r.provider = p;
        }
    }
}

/// The root provider configuration that `local` means inside module `path`.
fn resolve(cfg: &Config, path: &ModulePath, local: &ProviderRef) -> Result<ProviderRef, String> {
    let mut here = path.clone();
    let mut p = local.clone();
    while let Some((parent, name, _)) = here.split_last() {
        let call = cfg
            .modules
            .get(&parent)
            .and_then(|m| m.calls.get(name))
            .ok_or_else(|| format!("{here} has no calling module block"))?;
        p = match call.providers.get(&p) {
            Some(q) => q.clone(),
            None if call.providers.is_empty() && p.alias.is_none() => p,
            None => {
                return Err(format!(
                    "{here} uses provider {p}, but the module block at {} does not pass it: add \
                     providers = {{ {p} = ... }} to it.",
                    call.decl
                ))
            }
        };
        here = parent;
    }
    Ok(p)
}
