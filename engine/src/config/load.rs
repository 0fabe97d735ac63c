//! Reading a configuration directory into the [`Config`](super::Config) model.
//!
//! Every `*.tf` and `*.hcl` file in the directory (not subdirectories, not dotfiles) is parsed,
//! and every `*.tf.json` file through its translation ([`super::json`]),
//! then each directory a `module` block calls, depth first, its files named relative to the root;
//! a file that does not parse contributes a located diagnostic and the others are still read,
//! so one run reports every problem. A module's files are parsed in parallel on the available
//! cores, a large file in pieces cut at top-level block boundaries (`split`), every piece keeping
//! its whole file's line and column positions. Only literal meta-arguments are interpreted here
//! (`sensitive`, `alias`, `provider`, `lifecycle` flags); everything else stays an expression.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use hangar_core::{
    Diagnostic, Diagnostics, InstanceKey, ModulePath, ResourceAddr, ResourceMode, SourceRange,
};
use hangar_lang::SourceFile;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Body, Structure};
use hcl_edit::Span;
use sha2::{Digest, Sha256};

use super::*;

/// Loads the configuration rooted at `dir` and every module it calls; fails with all diagnostics.
pub fn load_dir(dir: &Path) -> Result<Config, Diagnostics> {
    load_tree(dir, None)
}

/// `hangar init`: loads like [`load_dir`] but fetches git module sources on the way (pinned by
/// the lock file unless `upgrade`), then saves the lock; also returns what was installed.
pub fn install_modules(dir: &Path, upgrade: bool) -> Result<(Config, Vec<Installed>), Diagnostics> {
    let lock = crate::modsource::Lock::load(dir).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Failed to read the module lock file",
            e.to_string(),
        ))
    })?;
    let mut installer = Installer {
        lock,
        upgrade,
        installed: Vec::new(),
    };
    let cfg = load_tree(dir, Some(&mut installer))?;
    installer.lock.save(dir).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Failed to write the module lock file",
            e.to_string(),
        ))
    })?;
    Ok((cfg, installer.installed))
}

fn load_tree(dir: &Path, mut installer: Option<&mut Installer>) -> Result<Config, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut cfg = Config {
        dir: dir.to_path_buf(),
        ..Default::default()
    };
    let mut hasher = Sha256::new();
    let root = load_module(
        &mut cfg,
        dir,
        ModulePath::root(),
        ".",
        &mut hasher,
        &mut diags,
    );
    if let Some(root) = root {
        calls::load_children(&mut cfg, root, &mut hasher, &mut diags, &mut installer);
    }
    calls::resolve_providers(&mut cfg, &mut diags);
    cfg.fingerprint = format!("{:x}", hasher.finalize());
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(cfg)
    }
}

/// Parses one module directory's files into a [`Module`]; resources go to `cfg.resources`.
fn load_module(
    cfg: &mut Config,
    dir: &Path,
    path: ModulePath,
    rel_dir: &str,
    hasher: &mut Sha256,
    diags: &mut Diagnostics,
) -> Option<Module> {
    let mut names: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && is_config_file(p))
            .collect(),
        Err(e) => {
            diags.push(Diagnostic::error(
                "Failed to read configuration directory",
                format!("{}: {e}", dir.display()),
            ));
            return None;
        }
    };
    names.sort();
    let mut module = Module {
        path,
        dir: dir.to_path_buf(),
        rel_dir: rel_dir.to_string(),
        ..Default::default()
    };
    let mut files = Vec::with_capacity(names.len());
    for p in names {
        let base = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let shown = if rel_dir == "." {
            base
        } else {
            format!("{rel_dir}/{base}")
        };
        let text = match std::fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::error(
                    "Failed to read file",
                    format!("{shown}: {e}"),
                ));
                continue;
            }
        };
        hasher.update(shown.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
        let file = if super::json::is_json_name(&shown) {
            match super::json::translate(&shown, text) {
                Ok(f) => Arc::new(f),
                Err(d) => {
                    diags.extend(d);
                    continue;
                }
            }
        } else {
            Arc::new(SourceFile::new(shown, text))
        };
        cfg.files.push(file.clone());
        files.push(file);
    }
    let mut blocks = Vec::new();
    let path = module.path.clone();
    let prepare = |file: &Arc<SourceFile>, body: Body| resource::prepare(&path, file, body);
    for (file, parsed) in parse_files(&files, &prepare) {
        match parsed {
            Ok(tops) => Loader {
                cfg: &mut *cfg,
                module: &mut module,
                file: &file,
                diags: &mut *diags,
                blocks: &mut blocks,
            }
            .tops(tops),
            Err(d) => diags.push(d),
        }
    }
    resource::add_blocks(cfg, blocks, diags);
    Some(module)
}

fn is_config_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !name.starts_with('.')
        && (name.ends_with(".tf") || name.ends_with(".hcl") || super::json::is_json_name(name))
        && !name.ends_with(".tfvars.hcl")
}

struct Loader<'a> {
    cfg: &'a mut Config,
    module: &'a mut Module,
    file: &'a Arc<SourceFile>,
    diags: &'a mut Diagnostics,
    /// The module's `resource` and `data` blocks so far, for [`resource::add_blocks`] (boxed
    /// as the map keeps them).
    #[allow(clippy::vec_box)]
    blocks: &'a mut Vec<Box<Resource>>,
}

impl Loader<'_> {
    fn range(&self, span: Option<std::ops::Range<usize>>) -> SourceRange {
        self.file.range(span.unwrap_or(0..0))
    }

    /// An expression of this file, moved rather than copied.
    fn owned_expr(&self, expr: Expression) -> Expr {
        Expr {
            expr,
            file: self.file.clone(),
        }
    }

    fn expr(&self, e: &Expression) -> Expr {
        Expr {
            expr: e.clone(),
            file: self.file.clone(),
        }
    }

    /// Reports an argument the block does not take; `allowed` are the ones it takes.
    fn unsupported_argument(
        &mut self,
        key: &hcl_edit::Decorated<hcl_edit::Ident>,
        allowed: &[&str],
    ) {
        self.err(
            "Unsupported argument",
            format!(
                "An argument named \"{}\" is not expected here.{}",
                key.as_str(),
                hangar_core::suggest::did_you_mean(key.as_str(), allowed.iter().copied())
            ),
            key.span(),
        );
    }

    /// Reports a nested block the block does not take; `allowed` are the ones it takes.
    fn unsupported_block(
        &mut self,
        ident: &hcl_edit::Decorated<hcl_edit::Ident>,
        allowed: &[&str],
    ) {
        self.err(
            "Unsupported block type",
            format!(
                "Blocks of type \"{}\" are not expected here.{}",
                ident.as_str(),
                hangar_core::suggest::did_you_mean(ident.as_str(), allowed.iter().copied())
            ),
            ident.span(),
        );
    }

    fn err(&mut self, summary: &str, detail: String, span: Option<std::ops::Range<usize>>) {
        let r = self.range(span);
        self.diags
            .push(Diagnostic::error(summary, detail).at(Some(r)));
    }

    /// A file's top-level structures, in order.
    fn tops(&mut self, tops: Vec<resource::Top>) {
        for t in tops {
            match t {
                resource::Top::Resource(r, d) => {
                    self.diags.extend(d);
                    self.blocks.extend(r);
                }
                resource::Top::Other(s) => match *s {
                    Structure::Attribute(a) => self.unsupported_argument(&a.key, &[]),
                    Structure::Block(b) => self.block(b),
                },
            }
        }
    }

    fn labels(&mut self, b: &Block, want: usize, what: &str) -> Option<Vec<String>> {
        if b.labels.len() != want {
            self.err(
                &format!("Missing name for {}", b.ident.as_str()),
                format!(
                    "A {} block requires {want} label(s): {what}.",
                    b.ident.as_str()
                ),
                b.ident.span(),
            );
            return None;
        }
        Some(b.labels.iter().map(|l| l.as_str().to_string()).collect())
    }

    /// One top-level block, taken by value so resource bodies move into the model uncopied.
    fn block(&mut self, b: Block) {
        let decl = self.range(b.ident.span());
        if matches!(b.ident.as_str(), "resource" | "data") {
            if let Some(l) = self.labels(&b, 2, "the type and the name") {
                let mode = if b.ident.as_str() == "data" {
                    ResourceMode::Data
                } else {
                    ResourceMode::Managed
                };
                self.resource(mode, &l[0], &l[1], b, decl);
            }
            return;
        }
        let b = &b;
        match b.ident.as_str() {
            "terraform" => self.terraform(b),
            "variable" => {
                if let Some(l) = self.labels(b, 1, "the variable name") {
                    self.variable(&l[0], b, decl);
                }
            }
            "locals" => {
                for s in b.body.iter() {
                    match s {
                        Structure::Attribute(a) => {
                            let name = a.key.as_str().to_string();
                            if self.module.locals.contains_key(&name) {
                                self.err(
                                    "Duplicate local value definition",
                                    format!("A local value named \"{name}\" was already defined."),
                                    a.key.span(),
                                );
                                continue;
                            }
                            let decl = self.range(a.key.span());
                            let value = self.expr(&a.value);
                            self.module
                                .locals
                                .insert(name.clone(), Local { name, value, decl });
                        }
                        Structure::Block(inner) => self.err(
                            "Unexpected block",
                            "Blocks are not allowed in a locals block.".into(),
                            inner.ident.span(),
                        ),
                    }
                }
            }
            "provider" if !self.module.path.is_root() => self.err(
                "Provider configuration in a called module",
                "Hangar configures providers only in the root module, where the workspace's \
                 residency binding checks them. Declare the provider there and pass it with \
                 providers = { NAME = NAME.ALIAS } in the module block."
                    .into(),
                b.ident.span(),
            ),
            "provider" => {
                if let Some(l) = self.labels(b, 1, "the provider name") {
                    self.provider(&l[0], b, decl);
                }
            }
            "workspace" | "geography" if !self.module.path.is_root() => {
                self.root_only(b);
            }
            "module" => {
                if let Some(l) = self.labels(b, 1, "the module name") {
                    self.module_call(&l[0], b, decl);
                }
            }
            "moved" => self.moved(b, decl),
            "removed" => self.removed(b, decl),
            "import" if !self.module.path.is_root() => self.root_only(b),
            "import" => self.import(b, decl),
            "check" => {
                if let Some(l) = self.labels(b, 1, "the check name") {
                    self.check_block(&l[0], b, decl);
                }
            }
            "output" => {
                if let Some(l) = self.labels(b, 1, "the output name") {
                    self.output(&l[0], b, decl);
                }
            }
            "workspace" => {
                if let Some(l) = self.labels(b, 1, "the workspace name") {
                    self.workspace(&l[0], b, decl);
                }
            }
            "geography" => {
                if let Some(l) = self.labels(b, 1, "the geography name") {
                    self.geography(&l[0], b, decl);
                }
            }
            _ => self.unsupported_block(&b.ident, super::json::TOP_LEVEL_BLOCKS),
        }
    }

    /// Reports a block only the root module may declare.
    fn root_only(&mut self, b: &Block) {
        self.err(
            &format!("Unexpected {} block in a called module", b.ident.as_str()),
            format!(
                "{} blocks belong to the root module; module {} is called by another module.",
                b.ident.as_str(),
                self.module.path
            ),
            b.ident.span(),
        );
    }

    fn terraform(&mut self, b: &Block) {
        for inner in b
            .body
            .blocks()
            .filter(|i| i.ident.as_str() == "required_providers")
        {
            for a in inner.body.attributes() {
                let name = a.key.as_str().to_string();
                let decl = self.range(a.key.span());
                let e = self.expr(&a.value);
                let v = match crate::body::eval_expr(&e, &hangar_lang::EmptyScope, Path::new(".")) {
                    Ok(v) => v,
                    Err(d) => {
                        self.diags.extend(d);
                        continue;
                    }
                };
                let field = |k: &str| v.get_attr(k).and_then(|x| x.as_str()).map(str::to_string);
                let req = match v.as_str() {
                    // The legacy form: `aws = "~> 5.0"`.
                    Some(version) => crate::config::RequiredProvider {
                        source: None,
                        version: Some(version.to_string()),
                        decl,
                    },
                    None => crate::config::RequiredProvider {
                        source: field("source"),
                        version: field("version"),
                        decl,
                    },
                };
                self.cfg.required_providers.entry(name).or_insert(req);
            }
        }
        if !self.module.path.is_root() {
            for inner in b.body.blocks() {
                if matches!(inner.ident.as_str(), "backend" | "encryption") {
                    self.root_only(inner);
                }
            }
            return;
        }
        for inner in b.body.blocks().filter(|i| i.ident.as_str() == "encryption") {
            let mut e = EncryptionBlock {
                decl: self.range(inner.ident.span()),
                ..Default::default()
            };
            for a in inner.body.attributes() {
                let v = self.string_attr(a);
                match a.key.as_str() {
                    "key_env" => e.key_env = v,
                    "passphrase_env" => e.passphrase_env = v,
                    "fallback_key_env" => e.fallback_key_env = v,
                    "fallback_passphrase_env" => e.fallback_passphrase_env = v,
                    other => self.err(
                        "Unsupported argument",
                        format!("An argument named \"{other}\" is not expected here. The encryption block takes key_env, passphrase_env, fallback_key_env and fallback_passphrase_env: names of environment variables, never the keys themselves."),
                        a.key.span(),
                    ),
                }
            }
            if e.key_env.is_none() && e.passphrase_env.is_none() {
                self.err(
                    "Missing encryption key",
                    "The encryption block needs key_env or passphrase_env.".into(),
                    inner.ident.span(),
                );
            }
            self.cfg.encryption = Some(e);
        }
        for inner in b.body.blocks() {
            if inner.ident.as_str() != "backend" {
                continue;
            }
            let Some(l) = self.labels(inner, 1, "the backend type") else {
                continue;
            };
            let mut settings = serde_json::Map::new();
            for a in inner.body.attributes() {
                let e = self.expr(&a.value);
                match crate::body::eval_expr(
                    &e,
                    &hangar_lang::EmptyScope,
                    std::path::Path::new("."),
                ) {
                    Ok(v) => {
                        settings.insert(a.key.as_str().to_string(), hangar_core::json::to_json(&v));
                    }
                    Err(d) => self.diags.extend(d),
                }
            }
            let decl = self.range(inner.ident.span());
            if self.cfg.backend.is_some() {
                self.err(
                    "Duplicate backend configuration",
                    "A configuration may declare one backend.".into(),
                    inner.ident.span(),
                );
                continue;
            }
            self.cfg.backend = Some(BackendBlock {
                kind: l[0].clone(),
                settings,
                decl,
            });
        }
    }

    fn workspace(&mut self, name: &str, b: &Block, decl: SourceRange) {
        let mut w = WorkspaceBlock {
            name: name.to_string(),
            geography: None,
            region: None,
            allowed_regions: None,
            variables: None,
            allowed_reads: None,
            state_location: None,
            global_types: None,
            decl,
        };
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "geography" => w.geography = Some(self.expr(&a.value)),
                    "region" => w.region = Some(self.expr(&a.value)),
                    "allowed_regions" => w.allowed_regions = Some(self.expr(&a.value)),
                    "variables" => w.variables = Some(self.expr(&a.value)),
                    "allowed_reads" => w.allowed_reads = Some(self.expr(&a.value)),
                    "state_location" => w.state_location = Some(self.expr(&a.value)),
                    "global_types" => w.global_types = Some(self.expr(&a.value)),
                    _ => self.unsupported_argument(
                        &a.key,
                        &[
                            "geography",
                            "region",
                            "allowed_regions",
                            "variables",
                            "allowed_reads",
                            "state_location",
                            "global_types",
                        ],
                    ),
                },
                Structure::Block(inner) if inner.ident.as_str() == "backend" => {}
                Structure::Block(inner) => self.unsupported_block(&inner.ident, &["backend"]),
            }
        }
        for (field, value) in [("geography", &w.geography), ("region", &w.region)] {
            if value.is_none() {
                self.err(
                    "Missing required argument",
                    format!("The argument \"{field}\" is required in a workspace block, but no definition was found."),
                    b.ident.span(),
                );
            }
        }
        if self.cfg.workspaces.contains_key(name) {
            self.err(
                "Duplicate workspace",
                format!("A workspace named \"{name}\" was already declared."),
                b.ident.span(),
            );
            return;
        }
        self.cfg.workspaces.insert(name.to_string(), w);
    }

    fn geography(&mut self, name: &str, b: &Block, decl: SourceRange) {
        let mut regions = BTreeMap::new();
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) if matches!(a.key.as_str(), "aws" | "gcp" | "azure") => {
                    regions.insert(a.key.as_str().to_string(), self.expr(&a.value));
                }
                Structure::Attribute(a) => self.err(
                    "Unsupported argument",
                    format!(
                        "A geography lists regions per cloud: aws, gcp or azure (found \"{}\").",
                        a.key.as_str()
                    ),
                    a.key.span(),
                ),
                Structure::Block(inner) => self.unsupported_block(&inner.ident, &[]),
            }
        }
        if self.cfg.geographies.contains_key(name) {
            self.err(
                "Duplicate geography",
                format!("A geography named \"{name}\" was already declared."),
                b.ident.span(),
            );
            return;
        }
        self.cfg.geographies.insert(
            name.to_string(),
            GeographyBlock {
                name: name.to_string(),
                regions,
                decl,
            },
        );
    }

    fn bool_attr(&mut self, a: &Attribute) -> bool {
        match &a.value {
            Expression::Bool(v) => *v.value(),
            _ => {
                self.err(
                    "Invalid value",
                    format!("The \"{}\" argument must be true or false.", a.key.as_str()),
                    a.value.span(),
                );
                false
            }
        }
    }

    fn string_attr(&mut self, a: &Attribute) -> Option<String> {
        match &a.value {
            Expression::String(v) => Some(v.value().clone()),
            _ => {
                self.err(
                    "Invalid value",
                    format!(
                        "The \"{}\" argument must be a literal string.",
                        a.key.as_str()
                    ),
                    a.value.span(),
                );
                None
            }
        }
    }

    fn check(&mut self, b: &Block) -> Option<Check> {
        let cond = b.body.get_attribute("condition");
        let msg = b.body.get_attribute("error_message");
        match (cond, msg) {
            (Some(c), Some(m)) => Some(Check {
                condition: self.expr(&c.value),
                error_message: self.expr(&m.value),
            }),
            _ => {
                self.err(
                    "Missing required argument",
                    format!(
                        "A {} block requires the arguments \"condition\" and \"error_message\".",
                        b.ident.as_str()
                    ),
                    b.ident.span(),
                );
                None
            }
        }
    }

    fn variable(&mut self, name: &str, b: &Block, decl: SourceRange) {
        let mut v = Variable {
            name: name.to_string(),
            type_expr: None,
            default: None,
            description: None,
            sensitive: false,
            nullable: true,
            validations: Vec::new(),
            decl,
        };
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "type" => v.type_expr = Some(self.expr(&a.value)),
                    "default" => v.default = Some(self.expr(&a.value)),
                    "description" => v.description = self.string_attr(a),
                    "sensitive" => v.sensitive = self.bool_attr(a),
                    "nullable" => v.nullable = self.bool_attr(a),
                    "ephemeral" => {}
                    _ => self.unsupported_argument(
                        &a.key,
                        &[
                            "type",
                            "default",
                            "description",
                            "sensitive",
                            "nullable",
                            "ephemeral",
                        ],
                    ),
                },
                Structure::Block(inner) if inner.ident.as_str() == "validation" => {
                    if let Some(c) = self.check(inner) {
                        v.validations.push(c);
                    }
                }
                Structure::Block(inner) => self.unsupported_block(&inner.ident, &["validation"]),
            }
        }
        if self.module.variables.contains_key(name) {
            self.err(
                "Duplicate variable declaration",
                format!("A variable named \"{name}\" was already declared."),
                b.ident.span(),
            );
            return;
        }
        self.module.variables.insert(name.to_string(), v);
    }

    fn provider(&mut self, name: &str, b: &Block, decl: SourceRange) {
        let mut body = b.body.clone();
        let alias = body
            .remove_attribute("alias")
            .and_then(|a| self.string_attr(&a));
        body.remove_attribute("version");
        let key = (name.to_string(), alias.clone());
        if self.cfg.providers.contains_key(&key) {
            self.err(
                "Duplicate provider configuration",
                format!("A provider configuration for \"{name}\" was already given."),
                b.ident.span(),
            );
            return;
        }
        let body = BodyRef {
            body,
            file: self.file.clone(),
        };
        self.cfg.providers.insert(
            key,
            ProviderBlock {
                name: name.to_string(),
                alias,
                body,
                decl,
            },
        );
    }

    fn output(&mut self, name: &str, b: &Block, decl: SourceRange) {
        let mut value = None;
        let mut o = Output {
            name: name.to_string(),
            value: self.expr(&Expression::null()),
            sensitive: false,
            description: None,
            preconditions: Vec::new(),
            depends_on: Vec::new(),
            decl,
        };
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "value" => value = Some(self.expr(&a.value)),
                    "sensitive" => o.sensitive = self.bool_attr(a),
                    "description" => o.description = self.string_attr(a),
                    "depends_on" => o.depends_on = self.reference_list(&a.value),
                    "ephemeral" => {}
                    _ => self.unsupported_argument(
                        &a.key,
                        &[
                            "value",
                            "sensitive",
                            "description",
                            "depends_on",
                            "ephemeral",
                        ],
                    ),
                },
                Structure::Block(inner) if inner.ident.as_str() == "precondition" => {
                    o.preconditions.extend(self.check(inner));
                }
                Structure::Block(inner) => self.unsupported_block(&inner.ident, &["precondition"]),
            }
        }
        match value {
            Some(v) => o.value = v,
            None => {
                self.err(
                    "Missing required argument",
                    "The argument \"value\" is required, but no definition was found.".into(),
                    b.ident.span(),
                );
                return;
            }
        }
        if self.module.outputs.contains_key(name) {
            self.err(
                "Duplicate output definition",
                format!("An output named \"{name}\" was already defined."),
                b.ident.span(),
            );
            return;
        }
        self.module.outputs.insert(name.to_string(), o);
    }
}

mod calls;
mod parse;
mod resource;
mod split;

use parse::parse_files;
pub use parse::{parse_file, syntax_error};

pub use calls::{Installed, Installer};
mod refactor;
#[cfg(test)]
mod tests;
