//! Names visible to expressions: the values computed so far in a walk.
//!
//! [`Values`] holds what plan or apply has computed for variables, locals and resources (a
//! resource's value is an object, a tuple for `count`, or an object keyed by `for_each` key,
//! as in Terraform). [`EvalScope`] answers the evaluator's lookups from it, adding the
//! per-instance names `count.index`, `each.key`, `each.value` and `self`, and `path.*`,
//! `terraform.workspace`. Lookup errors use Terraform's wording.

use std::collections::HashMap;

use hangar_core::{ResourceAddr, ResourceMode, Value};
use hangar_lang::{Scope, ScopeError};

use crate::config::Config;

/// Everything computed so far in one walk.
#[derive(Debug, Default, Clone)]
pub struct Values {
    /// Input variables.
    pub vars: HashMap<String, Value>,
    /// Local values.
    pub locals: HashMap<String, Value>,
    /// Resource and data source values, whole blocks.
    pub resources: HashMap<ResourceAddr, Value>,
    /// `path.module` and `path.root`.
    pub path_module: String,
    /// `path.cwd`.
    pub path_cwd: String,
    /// `terraform.workspace`.
    pub workspace: String,
    /// `workspace.*`: the selected workspace block's settings, when there is one.
    pub workspace_value: Option<Value>,
}

/// Per-instance names: `count.index`, `each.*`, `self`.
#[derive(Debug, Default, Clone)]
pub struct InstanceNames {
    /// `count.index`, when the block has `count`.
    pub count_index: Option<i64>,
    /// `each.key` and `each.value`, when the block has `for_each`.
    pub each: Option<(Value, Value)>,
    /// `self`, inside lifecycle conditions.
    pub self_value: Option<Value>,
}

/// A scope over [`Values`] for one block instance.
pub struct EvalScope<'a> {
    /// The configuration (to tell undeclared names from not-yet-known ones).
    pub cfg: &'a Config,
    /// Values computed so far.
    pub values: &'a Values,
    /// The instance's own names.
    pub names: &'a InstanceNames,
}

impl Scope for EvalScope<'_> {
    fn resolve_index(&self, chain: &[&str], key: &Value) -> Option<Value> {
        match chain {
            ["data", ty, name] => {
                let addr = ResourceAddr {
                    mode: ResourceMode::Data,
                    ..ResourceAddr::managed(ty, name)
                };
                self.indexed(&addr, key)
            }
            [ty, name]
                if !matches!(
                    *ty,
                    "var"
                        | "local"
                        | "count"
                        | "each"
                        | "self"
                        | "path"
                        | "terraform"
                        | "workspace"
                        | "data"
                ) =>
            {
                self.indexed(&ResourceAddr::managed(ty, name), key)
            }
            _ => None,
        }
    }

    fn resolve(&self, chain: &[&str]) -> Result<(Value, usize), ScopeError> {
        let v = self.values;
        match chain {
            ["var", name, ..] => match v.vars.get(*name) {
                Some(x) => Ok((x.clone(), 2)),
                None => Err(ScopeError::new(
                    "Reference to undeclared input variable",
                    format!(
                        "An input variable with the name \"{name}\" has not been declared. This \
                         variable can be declared with a variable \"{name}\" {{}} block."
                    ),
                )),
            },
            ["local", name, ..] => match v.locals.get(*name) {
                Some(x) => Ok((x.clone(), 2)),
                None if self.cfg.locals.contains_key(*name) => Ok((Value::unknown(), 2)),
                None => Err(ScopeError::new(
                    "Reference to undeclared local value",
                    format!("A local value with the name \"{name}\" has not been declared."),
                )),
            },
            ["count", rest @ ..] => match (self.names.count_index, rest.first()) {
                (Some(i), Some(&"index")) => Ok((Value::int(i), 2)),
                (Some(_), _) => Err(ScopeError::new(
                    "Invalid \"count\" attribute",
                    "The \"count\" object does not have an attribute named that. The only \
                     supported attribute is count.index, which is the index of each instance of \
                     a resource block that has the \"count\" argument set.",
                )),
                (None, _) => Err(ScopeError::new(
                    "Reference to \"count\" in non-counted context",
                    "The \"count\" object can only be used in \"module\", \"resource\", and \
                     \"data\" blocks, and only when the \"count\" argument is set.",
                )),
            },
            ["each", rest @ ..] => match (&self.names.each, rest.first()) {
                (Some((k, _)), Some(&"key")) => Ok((k.clone(), 2)),
                (Some((_, val)), Some(&"value")) => Ok((val.clone(), 2)),
                (Some(_), _) => Err(ScopeError::new(
                    "Invalid \"each\" attribute",
                    "The \"each\" object does not have an attribute named that. The supported \
                     attributes are each.key and each.value, the current key and value pair of \
                     the \"for_each\" attribute set.",
                )),
                (None, _) => Err(ScopeError::new(
                    "Reference to \"each\" in context without for_each",
                    "The \"each\" object can be used only in \"module\" or \"resource\" blocks, \
                     and only when the \"for_each\" argument is set.",
                )),
            },
            ["self", ..] => match &self.names.self_value {
                Some(s) => Ok((s.clone(), 1)),
                None => Err(ScopeError::new(
                    "Invalid \"self\" reference",
                    "The \"self\" object is not available in this context. This object can be \
                     used only in resource provisioner, connection, and postcondition blocks.",
                )),
            },
            ["path", which, ..] => match *which {
                "module" | "root" => Ok((Value::string(v.path_module.clone()), 2)),
                "cwd" => Ok((Value::string(v.path_cwd.clone()), 2)),
                other => Err(ScopeError::new(
                    "Invalid \"path\" attribute",
                    format!("The \"path\" object does not have an attribute named \"{other}\". The supported attributes are path.cwd, path.module, and path.root."),
                )),
            },
            ["terraform", "workspace", ..] => Ok((Value::string(v.workspace.clone()), 2)),
            ["workspace", ..] => match &v.workspace_value {
                Some(w) => Ok((w.clone(), 1)),
                None => Ok((
                    Value::Object(
                        [
                            ("name".to_string(), Value::string(v.workspace.clone())),
                            ("geography".to_string(), Value::Null(hangar_core::Type::String)),
                            ("region".to_string(), Value::Null(hangar_core::Type::String)),
                            ("allowed_regions".to_string(), Value::List(Vec::new())),
                        ]
                        .into(),
                    ),
                    1,
                )),
            },
            ["data", ty, name, ..] => {
                let addr = ResourceAddr { mode: ResourceMode::Data, ..ResourceAddr::managed(ty, name) };
                self.resource(addr, 3, "data resource")
            }
            [ty, name, ..] => self.resource(ResourceAddr::managed(ty, name), 2, "managed resource"),
            [single] => Err(ScopeError::new(
                "Invalid reference",
                format!("A reference to a resource type must be followed by at least one attribute access, specifying the resource name (found \"{single}\")."),
            )),
            [] => Err(ScopeError::new("Invalid reference", "Empty reference.")),
        }
    }
}

impl EvalScope<'_> {
    fn indexed(&self, addr: &ResourceAddr, key: &Value) -> Option<Value> {
        match (self.values.resources.get(addr)?.peel(), key.peel()) {
            (Value::Tuple(xs), Value::Number(n)) => {
                xs.get(usize::try_from(n.to_i64()?).ok()?).cloned()
            }
            (Value::Object(m), Value::String(k)) => m.get(k).cloned(),
            _ => None,
        }
    }

    fn resource(
        &self,
        addr: ResourceAddr,
        used: usize,
        what: &str,
    ) -> Result<(Value, usize), ScopeError> {
        match self.values.resources.get(&addr) {
            Some(x) => Ok((x.clone(), used)),
            None if self.cfg.resources.contains_key(&addr) => Ok((Value::unknown(), used)),
            None => Err(ScopeError::new(
                "Reference to undeclared resource",
                format!(
                    "A {what} \"{}\" \"{}\" has not been declared in the root module.",
                    addr.type_, addr.name
                ),
            )),
        }
    }
}
