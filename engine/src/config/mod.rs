//! The configuration model: what a directory of `*.tf`/`*.hcl` files (and `*.tf.json` files, in
//! Terraform's JSON syntax: [`json`]) declares, with every module it calls.
//!
//! Loading ([`load`]) parses every file with `hcl-edit`, keeps each expression with the file it
//! came from (so every later diagnostic points at `file:line:col`), and sorts blocks into each
//! module's variables, locals, outputs, module calls and refactoring blocks, and the whole
//! tree's providers and resources. Nothing is evaluated here; unknown block types and misplaced
//! arguments are reported, all at once.

pub mod json;
pub mod load;
mod unclosed;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use hangar_core::{ModulePath, ResourceAddr, SourceRange};
use hangar_lang::SourceFile;
use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;

pub use load::load_dir;

/// An expression together with the file it was written in.
#[derive(Clone, Debug)]
pub struct Expr {
    /// The parsed expression, spans intact.
    pub expr: Expression,
    /// The file it came from.
    pub file: Arc<SourceFile>,
}

impl Expr {
    /// Where the expression stands in its file.
    pub fn range(&self) -> SourceRange {
        use hcl_edit::Span;
        self.file.range(self.expr.span().unwrap_or(0..0))
    }
}

/// A block body (resource arguments and nested blocks) with its file.
#[derive(Clone, Debug)]
pub struct BodyRef {
    /// The body, with meta-arguments removed.
    pub body: Body,
    /// The file it came from.
    pub file: Arc<SourceFile>,
}

/// A whole configuration: the root module and every module it calls, loaded recursively.
#[derive(Debug, Default)]
pub struct Config {
    /// The root module's directory (`path.root`, `path.cwd`).
    pub dir: PathBuf,
    /// Every source file of every module, in load order, named relative to `dir`.
    pub files: Vec<Arc<SourceFile>>,
    /// Each module's own declarations by its path without instance keys; the root is `[]`.
    pub modules: BTreeMap<ModulePath, Module>,
    /// `provider` blocks by (name, alias); only the root module declares them.
    pub providers: BTreeMap<(String, Option<String>), ProviderBlock>,
    /// `resource` and `data` blocks of every module, by address without instance keys (boxed:
    /// a map node moves its values on every insert, and a configuration holds 100k of them).
    pub resources: BTreeMap<ResourceAddr, Box<Resource>>,
    /// A hash of every file's text: a saved plan applies only to the configuration it was made from.
    pub fingerprint: String,
    /// `workspace` blocks by name.
    pub workspaces: BTreeMap<String, WorkspaceBlock>,
    /// `geography` blocks by name.
    pub geographies: BTreeMap<String, GeographyBlock>,
    /// `terraform { backend "KIND" { ... } }`, when given.
    pub backend: Option<BackendBlock>,
    /// `terraform { encryption { ... } }`: names of the environment variables holding keys.
    pub encryption: Option<EncryptionBlock>,
    /// `terraform { required_providers { NAME = { source, version } } }` of every module, by
    /// local name (the first declaration of a name wins).
    pub required_providers: BTreeMap<String, RequiredProvider>,
}

/// One entry of `required_providers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredProvider {
    /// `source` (`hashicorp/aws`), when given.
    pub source: Option<String>,
    /// `version` constraint (`~> 5.0`), when given.
    pub version: Option<String>,
    /// Where it is declared.
    pub decl: SourceRange,
}

impl Config {
    /// The root module: its variables are the ones a user sets, its outputs the ones shown.
    pub fn root(&self) -> &Module {
        static EMPTY: std::sync::OnceLock<Module> = std::sync::OnceLock::new();
        self.modules
            .get(&ModulePath::root())
            .unwrap_or_else(|| EMPTY.get_or_init(Module::default))
    }

    /// The module declared at `path`, instance keys ignored.
    pub fn module(&self, path: &ModulePath) -> Option<&Module> {
        if path.is_static() {
            self.modules.get(path)
        } else {
            self.modules.get(&path.static_form())
        }
    }

    /// The block an address (of any instance, in any module instance) belongs to.
    pub fn resource(&self, addr: &ResourceAddr) -> Option<&Resource> {
        if addr.module.is_static() {
            self.resources.get(addr).map(|r| &**r)
        } else {
            self.resources.get(&addr.static_form()).map(|r| &**r)
        }
    }
}

/// One module's own declarations: the root module's, or a called directory's.
#[derive(Debug, Default)]
pub struct Module {
    /// Its path from the root, without instance keys.
    pub path: ModulePath,
    /// Its directory on disk.
    pub dir: PathBuf,
    /// `path.module`: its directory relative to the root module's, `.` for the root.
    pub rel_dir: String,
    /// `variable` blocks by name.
    pub variables: BTreeMap<String, Variable>,
    /// `locals` entries by name.
    pub locals: BTreeMap<String, Local>,
    /// `output` blocks by name.
    pub outputs: BTreeMap<String, Output>,
    /// `module` blocks by name.
    pub calls: BTreeMap<String, ModuleCall>,
    /// `moved` blocks, in file order.
    pub moved: Vec<MovedBlock>,
    /// `removed` blocks, in file order.
    pub removed: Vec<RemovedBlock>,
    /// `import` blocks (root module only, as in Terraform).
    pub imports: Vec<ImportBlock>,
    /// `check` blocks by name.
    pub checks: BTreeMap<String, CheckBlock>,
}

/// A `module "NAME" { source = ... }` block.
#[derive(Debug, Clone)]
pub struct ModuleCall {
    /// Its name.
    pub name: String,
    /// `source`, as written.
    pub source: String,
    /// `version`: the constraint a registry source is resolved with.
    pub version: Option<String>,
    /// `count`.
    pub count: Option<Expr>,
    /// `for_each`.
    pub for_each: Option<Expr>,
    /// `depends_on` references.
    pub depends_on: Vec<Expr>,
    /// Input variable values by name.
    pub inputs: BTreeMap<String, Expr>,
    /// `providers = { aws = aws.eu }`: the called module's provider name to the caller's.
    pub providers: BTreeMap<ProviderRef, ProviderRef>,
    /// The block's header.
    pub decl: SourceRange,
}

/// A `moved { from = ..., to = ... }` block: state recorded at `from` now belongs to `to`.
#[derive(Debug, Clone)]
pub struct MovedBlock {
    /// Where the objects were recorded.
    pub from: crate::moves::Endpoint,
    /// Where configuration now declares them.
    pub to: crate::moves::Endpoint,
    /// The block's header.
    pub decl: SourceRange,
}

/// A `removed { from = ... }` block: stop managing objects, destroying them or not.
#[derive(Debug, Clone)]
pub struct RemovedBlock {
    /// The resource or module no longer in configuration.
    pub from: crate::moves::Endpoint,
    /// `lifecycle { destroy = ... }` (default true).
    pub destroy: bool,
    /// The block's header.
    pub decl: SourceRange,
}

/// An `import { to = ADDRESS, id = "..." }` block.
#[derive(Debug, Clone)]
pub struct ImportBlock {
    /// The instance that will hold the imported object.
    pub to: hangar_core::ResourceInstanceAddr,
    /// The cloud's id for the object.
    pub id: Expr,
    /// The block's header.
    pub decl: SourceRange,
}

/// A `check "NAME" { assert { ... } }` block: assertions reported as warnings.
#[derive(Debug, Clone)]
pub struct CheckBlock {
    /// Its name.
    pub name: String,
    /// `assert` blocks.
    pub asserts: Vec<Check>,
    /// The block's header.
    pub decl: SourceRange,
}

/// Client-side encryption of state and plans; keys are never written in configuration, only
/// the names of the environment variables that hold them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EncryptionBlock {
    /// Variable holding a base64 32-byte key.
    pub key_env: Option<String>,
    /// Variable holding a passphrase (Argon2id derives the key).
    pub passphrase_env: Option<String>,
    /// Variable holding the previous base64 key, still accepted for reading.
    pub fallback_key_env: Option<String>,
    /// Variable holding the previous passphrase, still accepted for reading.
    pub fallback_passphrase_env: Option<String>,
    /// The block's header.
    pub decl: SourceRange,
}

/// Where state is stored: `terraform { backend "s3" { bucket = "...", ... } }`.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendBlock {
    /// `local`, `s3` or `pg`.
    pub kind: String,
    /// Its settings, as JSON values (backend settings are constants, as in Terraform).
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// The block's header.
    pub decl: SourceRange,
}

/// A `workspace` block: the geography and regions a workspace is bound to.
#[derive(Debug, Clone)]
pub struct WorkspaceBlock {
    /// Workspace name.
    pub name: String,
    /// `geography`: a built-in or custom geography name.
    pub geography: Option<Expr>,
    /// `region`: the primary region.
    pub region: Option<Expr>,
    /// `allowed_regions`: more regions inside the geography.
    pub allowed_regions: Option<Expr>,
    /// `variables`: per-workspace input variable values.
    pub variables: Option<Expr>,
    /// `allowed_reads`: regions outside the geography that data sources may read from.
    pub allowed_reads: Option<Expr>,
    /// `state_location`: where a state backend that cannot report its location keeps state.
    pub state_location: Option<Expr>,
    /// `global_types`: resource types with no region (IAM, DNS) this workspace may manage.
    pub global_types: Option<Expr>,
    /// The block's header.
    pub decl: SourceRange,
}

/// A `geography` block: a custom geography as explicit region lists per cloud.
#[derive(Debug, Clone)]
pub struct GeographyBlock {
    /// Geography name.
    pub name: String,
    /// `aws = [...]`, `gcp = [...]`, `azure = [...]`.
    pub regions: BTreeMap<String, Expr>,
    /// The block's header.
    pub decl: SourceRange,
}

/// A `variable` block.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// `type` constraint expression, if any.
    pub type_expr: Option<Expr>,
    /// `default`.
    pub default: Option<Expr>,
    /// `description`.
    pub description: Option<String>,
    /// `sensitive = true`.
    pub sensitive: bool,
    /// `nullable` (default true).
    pub nullable: bool,
    /// `validation` blocks.
    pub validations: Vec<Check>,
    /// The block's header.
    pub decl: SourceRange,
}

/// A condition with an error message (`validation`, `precondition`, `postcondition`).
#[derive(Debug, Clone)]
pub struct Check {
    /// Must be true.
    pub condition: Expr,
    /// Shown when it is not.
    pub error_message: Expr,
}

/// One entry of a `locals` block.
#[derive(Debug, Clone)]
pub struct Local {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: Expr,
    /// Where it is declared.
    pub decl: SourceRange,
}

/// A `provider` block.
#[derive(Debug, Clone)]
pub struct ProviderBlock {
    /// Provider local name (`aws`).
    pub name: String,
    /// `alias`, if any.
    pub alias: Option<String>,
    /// Arguments.
    pub body: BodyRef,
    /// The block's header.
    pub decl: SourceRange,
}

/// Which provider configuration a resource uses (`aws`, `aws.eu`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderRef {
    /// Provider local name.
    pub name: String,
    /// Alias, if any.
    pub alias: Option<String>,
}

impl ProviderRef {
    /// Terraform's provider configuration address (`provider["aws"].eu`).
    pub fn config_addr(&self) -> String {
        match &self.alias {
            Some(a) => format!("provider[\"{}\"].{a}", self.name),
            None => format!("provider[\"{}\"]", self.name),
        }
    }
}

impl std::fmt::Display for ProviderRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.alias {
            Some(a) => write!(f, "{}.{a}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// A `resource` or `data` block.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its address (module path without instance keys, mode, type, name).
    pub addr: ResourceAddr,
    /// Provider configuration it uses.
    pub provider: ProviderRef,
    /// `count` (boxed, as `for_each`: most resources have neither, and a configuration holds
    /// one `Resource` per block).
    pub count: Option<Box<Expr>>,
    /// `for_each`.
    pub for_each: Option<Box<Expr>>,
    /// `depends_on` references.
    pub depends_on: Vec<Expr>,
    /// Arguments and nested blocks, meta-arguments removed.
    pub body: BodyRef,
    /// The `lifecycle` block, if the resource has one (boxed: most have none, and a
    /// configuration holds one `Resource` per block); read through [`Resource::lifecycle`].
    pub lifecycle_block: Option<Box<Lifecycle>>,
    /// The block's header.
    pub decl: SourceRange,
}

impl Resource {
    /// Its `lifecycle` settings (the defaults when it has no `lifecycle` block).
    pub fn lifecycle(&self) -> &Lifecycle {
        static DEFAULT: Lifecycle = Lifecycle {
            create_before_destroy: false,
            prevent_destroy: false,
            ignore_changes: IgnoreChanges::None,
            replace_triggered_by: Vec::new(),
            preconditions: Vec::new(),
            postconditions: Vec::new(),
        };
        self.lifecycle_block.as_deref().unwrap_or(&DEFAULT)
    }
}

/// The `lifecycle` block.
#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    /// Create the replacement before destroying the old object.
    pub create_before_destroy: bool,
    /// Refuse any plan that destroys the object.
    pub prevent_destroy: bool,
    /// Attribute names whose changes are ignored; `all` ignores every change.
    pub ignore_changes: IgnoreChanges,
    /// References whose change replaces this resource.
    pub replace_triggered_by: Vec<Expr>,
    /// Checked before planning the resource.
    pub preconditions: Vec<Check>,
    /// Checked after applying it.
    pub postconditions: Vec<Check>,
}

/// `ignore_changes`: a list of attribute paths, or `all`.
#[derive(Debug, Clone, Default)]
pub enum IgnoreChanges {
    /// Nothing ignored.
    #[default]
    None,
    /// These top-level attributes are ignored.
    Attrs(Vec<String>),
    /// Every change is ignored.
    All,
}

/// An `output` block.
#[derive(Debug, Clone)]
pub struct Output {
    /// Its name.
    pub name: String,
    /// `value`.
    pub value: Expr,
    /// `sensitive = true`.
    pub sensitive: bool,
    /// `description`.
    pub description: Option<String>,
    /// `precondition` blocks.
    pub preconditions: Vec<Check>,
    /// `depends_on`.
    pub depends_on: Vec<Expr>,
    /// The block's header.
    pub decl: SourceRange,
}
