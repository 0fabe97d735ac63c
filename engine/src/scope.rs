//! Names visible to expressions: the values computed so far in a walk.
//!
//! [`Values`] holds what plan or apply has computed for variables, locals, module outputs and
//! resources, per module instance (a resource's value is an object, a tuple for `count`, or an
//! object keyed by `for_each` key, as in Terraform; `module.NAME` likewise). [`EvalScope`]
//! answers the evaluator's lookups from it for the module instance an expression is written
//! in, adding the per-instance names `count.index`, `each.key`, `each.value` and `self`, and
//! `path.*`, `terraform.workspace`. Lookup errors use Terraform's wording.

use std::collections::HashMap;

use hangar_core::{
    InstanceKey, ModulePath, ResourceAddr, ResourceInstanceAddr, ResourceMode, Value,
};
use hangar_lang::{Scope, ScopeError};

use crate::config::{Config, Module};
use crate::expand::Expansion;

/// Everything computed so far in one walk.
#[derive(Debug, Default, Clone)]
pub struct Values {
    /// Variables, locals, outputs and call expansions of each module instance; the root is `[]`.
    pub modules: HashMap<ModulePath, ModuleValues>,
    /// Resource and data source values, whole blocks, by address in their module instance
    /// (foldhash: looked up for every reference and written for every block).
    pub resources: HashMap<ResourceAddr, Value, foldhash::fast::RandomState>,
    /// The instances of each module block (keyed without instance keys), once expanded.
    pub instances: HashMap<ModulePath, Vec<ModulePath>>,
    /// `path.cwd`.
    pub path_cwd: String,
    /// `terraform.workspace`.
    pub workspace: String,
    /// `workspace.*`: the selected workspace block's settings, when there is one.
    pub workspace_value: Option<Value>,
}

/// What one module instance has computed.
#[derive(Debug, Default, Clone)]
pub struct ModuleValues {
    /// Input variables.
    pub vars: HashMap<String, Value>,
    /// Local values.
    pub locals: HashMap<String, Value>,
    /// Output values (seen by the caller as `module.NAME.OUTPUT`).
    pub outputs: HashMap<String, Value>,
    /// How each module block it contains expanded.
    pub calls: HashMap<String, Expansion>,
}

impl Values {
    /// The values a walk starts from: the root module's variables and the run's context.
    pub fn new(
        vars: impl IntoIterator<Item = (String, Value)>,
        path_cwd: String,
        workspace: String,
        workspace_value: Option<Value>,
    ) -> Values {
        let root = ModuleValues {
            vars: vars.into_iter().collect(),
            ..Default::default()
        };
        Values {
            modules: HashMap::from([(ModulePath::root(), root)]),
            instances: HashMap::from([(ModulePath::root(), vec![ModulePath::root()])]),
            path_cwd,
            workspace,
            workspace_value,
            ..Default::default()
        }
    }

    /// The instances of module block `path` (without keys) expanded so far.
    pub fn instances_of(&self, path: &ModulePath) -> Vec<ModulePath> {
        self.instances.get(path).cloned().unwrap_or_default()
    }

    /// Whether module block `path` (without keys) is known to have no instances: every
    /// instance of its caller expanded the call (`count = 0`, an empty `for_each`) to nothing.
    /// `false` while the expansion is unknown.
    pub fn known_empty(&self, path: &ModulePath) -> bool {
        let Some((parent, name, _)) = path.split_last() else {
            return false;
        };
        let parents = self.instances_of(&parent);
        if parents.is_empty() {
            return self.known_empty(&parent);
        }
        self.instances_of(path).is_empty()
            && parents.iter().all(|pi| {
                self.modules
                    .get(pi)
                    .is_some_and(|m| m.calls.contains_key(name))
            })
    }

    /// The values of module instance `path`, created empty on first use.
    pub fn module_mut(&mut self, path: &ModulePath) -> &mut ModuleValues {
        self.modules.entry(path.clone()).or_default()
    }

    /// The root module's values.
    pub fn root(&self) -> Option<&ModuleValues> {
        self.modules.get(&ModulePath::root())
    }

    /// One instance's value inside its block's value (the block's value itself without
    /// `count` or `for_each`, an element by index or key otherwise).
    pub fn instance(&self, addr: &ResourceInstanceAddr) -> Option<&Value> {
        let block = self.resources.get(&addr.resource)?;
        match (&addr.key, block) {
            (InstanceKey::None, v) => Some(v),
            (InstanceKey::Int(i), Value::Tuple(items)) => items.get(usize::try_from(*i).ok()?),
            (InstanceKey::Str(k), Value::Object(m)) => m.get(k.as_str()),
            _ => None,
        }
    }

    /// Takes one instance's value out (see [`instance`](Self::instance)), leaving null.
    pub fn take_instance(&mut self, addr: &ResourceInstanceAddr) -> Option<Value> {
        let block = self.resources.get_mut(&addr.resource)?;
        let slot = match (&addr.key, block) {
            (InstanceKey::None, v) => v,
            (InstanceKey::Int(i), Value::Tuple(items)) => {
                items.get_mut(usize::try_from(*i).ok()?)?
            }
            (InstanceKey::Str(k), Value::Object(m)) => m.get_mut(k.as_str())?,
            _ => return None,
        };
        Some(std::mem::replace(slot, Value::NULL))
    }
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
    /// The module instance the expression is written in.
    pub module: &'a ModulePath,
}

impl Scope for EvalScope<'_> {
    fn resolve_index(&self, chain: &[&str], key: &Value) -> Option<Value> {
        if let ["module", name] = chain {
            return self.module_instance(name, key);
        }
        self.element(&self.indexed_block(chain)?, key).cloned()
    }

    fn resolve_index_attr(&self, chain: &[&str], key: &Value, attr: &str) -> Option<Value> {
        match self.element(&self.indexed_block(chain)?, key)? {
            Value::Object(m) => m.get(attr).cloned(),
            _ => None,
        }
    }

    fn resolve(&self, chain: &[&str]) -> Result<(Value, usize), ScopeError> {
        let v = self.values;
        match chain {
            ["var", name, ..] => match self.here().and_then(|m| m.vars.get(*name)) {
                Some(x) => Ok((x.clone(), 2)),
                None if self.decl().is_some_and(|m| m.variables.contains_key(*name)) => {
                    Ok((Value::unknown(), 2))
                }
                None => {
                    let close = hangar_core::suggest::closest(
                        name,
                        self.decl()
                            .into_iter()
                            .flat_map(|m| m.variables.keys().map(String::as_str)),
                    );
                    let hint = match close {
                        Some(c) => format!("Did you mean \"{c}\"?"),
                        None => format!(
                            "This variable can be declared with a variable \"{name}\" {{}} block."
                        ),
                    };
                    Err(ScopeError::new(
                        "Reference to undeclared input variable",
                        format!(
                            "An input variable with the name \"{name}\" has not been declared. \
                             {hint}"
                        ),
                    ))
                }
            },
            ["local", name, ..] => match self.here().and_then(|m| m.locals.get(*name)) {
                Some(x) => Ok((x.clone(), 2)),
                None if self.decl().is_some_and(|m| m.locals.contains_key(*name)) => {
                    Ok((Value::unknown(), 2))
                }
                None => Err(ScopeError::new(
                    "Reference to undeclared local value",
                    format!(
                        "A local value with the name \"{name}\" has not been declared.{}",
                        hangar_core::suggest::did_you_mean(
                            name,
                            self.decl()
                                .into_iter()
                                .flat_map(|m| m.locals.keys().map(String::as_str)),
                        )
                    ),
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
                "module" => Ok((
                    Value::string(self.decl().map_or(".", |m| m.rel_dir.as_str())),
                    2,
                )),
                "root" => Ok((Value::string("."), 2)),
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
            ["data", ty, name, rest @ ..] => self.resource(
                self.addr(ResourceMode::Data, ty, name),
                3,
                rest.first().copied(),
                "data resource",
            ),
            ["module", name, ..] => self.module_call(name),
            [ty, name, rest @ ..] => self.resource(
                self.addr(ResourceMode::Managed, ty, name),
                2,
                rest.first().copied(),
                "managed resource",
            ),
            [single] => Err(ScopeError::new(
                "Invalid reference",
                format!("A reference to a resource type must be followed by at least one attribute access, specifying the resource name (found \"{single}\")."),
            )),
            [] => Err(ScopeError::new("Invalid reference", "Empty reference.")),
        }
    }
}

impl EvalScope<'_> {
    /// The values of the module instance being evaluated.
    fn here(&self) -> Option<&ModuleValues> {
        self.values.modules.get(self.module)
    }

    /// The declarations of the module being evaluated.
    fn decl(&self) -> Option<&Module> {
        self.cfg.module(self.module)
    }

    fn addr(&self, mode: ResourceMode, ty: &str, name: &str) -> ResourceAddr {
        ResourceAddr {
            module: self.module.clone(),
            mode,
            type_: ty.to_string(),
            name: name.to_string(),
        }
    }

    /// `module.NAME`: an object of the called module's outputs, a tuple of them for `count`,
    /// an object of them by key for `for_each`; outputs not computed yet are unknown.
    fn module_call(&self, name: &str) -> Result<(Value, usize), ScopeError> {
        let Some(call) = self.decl().and_then(|m| m.calls.get(name)) else {
            return Err(ScopeError::new(
                "Reference to undeclared module",
                format!(
                    "No module call named \"{name}\" is declared in {}.{}",
                    self.where_(),
                    hangar_core::suggest::did_you_mean(
                        name,
                        self.decl()
                            .into_iter()
                            .flat_map(|m| m.calls.keys().map(String::as_str)),
                    )
                ),
            ));
        };
        let Some(expansion) = self.here().and_then(|m| m.calls.get(&call.name)) else {
            return Ok((Value::unknown(), 2));
        };
        let parts = expansion
            .keys()
            .into_iter()
            .map(|key| {
                let v = self.module_outputs(name, &key);
                (key, v)
            })
            .collect();
        Ok((expansion.assemble(parts), 2))
    }

    /// One instance of a called module as its caller sees it: an object of every output it
    /// declares, unknown until computed.
    fn module_outputs(&self, name: &str, key: &InstanceKey) -> Value {
        let child = self.module.child(name, key.clone());
        let declared = self.cfg.module(&child).map(|m| &m.outputs);
        let outputs = self.values.modules.get(&child);
        let obj = declared
            .into_iter()
            .flat_map(|d| d.keys())
            .map(|o| {
                let v = outputs.and_then(|m| m.outputs.get(o)).cloned();
                (o.clone(), v.unwrap_or_else(Value::unknown))
            })
            .collect();
        Value::Object(obj)
    }

    /// `module.NAME[KEY]` without building every instance's outputs first.
    fn module_instance(&self, name: &str, key: &Value) -> Option<Value> {
        let expansion = self.here()?.calls.get(name)?;
        let key = match (expansion, key.peel()) {
            (Expansion::Count(_), Value::Number(n)) => InstanceKey::Int(n.to_i64()?),
            (Expansion::ForEach(_), Value::String(s)) => InstanceKey::Str(s.clone()),
            _ => return None,
        };
        expansion.names_of(&key)?;
        Some(self.module_outputs(name, &key))
    }

    fn where_(&self) -> String {
        if self.module.is_root() {
            "the root module".into()
        } else {
            self.module.to_string()
        }
    }

    /// The resource block a chain like `aws_s3_bucket.b` or `data.t.n` names, to index into.
    fn indexed_block(&self, chain: &[&str]) -> Option<ResourceAddr> {
        match chain {
            ["data", ty, name] => Some(self.addr(ResourceMode::Data, ty, name)),
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
                        | "module"
                ) =>
            {
                Some(self.addr(ResourceMode::Managed, ty, name))
            }
            _ => None,
        }
    }

    /// ` Did you mean "TYPE.NAME"?` for a declared block of the same mode and module close to
    /// `addr`, or nothing.
    fn similar_resource(&self, addr: &ResourceAddr) -> String {
        let module = self.module.static_form();
        let declared: Vec<String> = self
            .cfg
            .resources
            .keys()
            .filter(|a| a.mode == addr.mode && a.module == module)
            .map(|a| format!("{}.{}", a.type_, a.name))
            .collect();
        let given = format!("{}.{}", addr.type_, addr.name);
        match hangar_core::suggest::closest(&given, declared.iter().map(String::as_str)) {
            Some(c) if addr.mode == ResourceMode::Data => format!(" Did you mean \"data.{c}\"?"),
            Some(c) => format!(" Did you mean \"{c}\"?"),
            None => String::new(),
        }
    }

    /// One instance of a block's value, by `count` index or `for_each` key, without copying.
    fn element(&self, addr: &ResourceAddr, key: &Value) -> Option<&Value> {
        match (self.values.resources.get(addr)?.peel(), key.peel()) {
            (Value::Tuple(xs), Value::Number(n)) => xs.get(usize::try_from(n.to_i64()?).ok()?),
            (Value::Object(m), Value::String(k)) => m.get(k),
            _ => None,
        }
    }

    /// A resource's value; with `attr` (the next name of the chain) an object's attribute
    /// alone when it has one, rather than a copy of the whole object.
    fn resource(
        &self,
        addr: ResourceAddr,
        used: usize,
        attr: Option<&str>,
        what: &str,
    ) -> Result<(Value, usize), ScopeError> {
        match self.values.resources.get(&addr) {
            Some(x) => {
                let attr_value = match (x, attr) {
                    (Value::Object(m), Some(a)) => m.get(a),
                    _ => None,
                };
                match attr_value {
                    Some(v) => Ok((v.clone(), used + 1)),
                    None => Ok((x.clone(), used)),
                }
            }
            None if self.cfg.resource(&addr).is_some() => Ok((Value::unknown(), used)),
            None => Err(ScopeError::new(
                "Reference to undeclared resource",
                format!(
                    "A {what} \"{}\" \"{}\" has not been declared in {}.{}",
                    addr.type_,
                    addr.name,
                    self.where_(),
                    self.similar_resource(&addr)
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(input: &str) -> Value {
        Value::Object([("input".to_string(), Value::string(input))].into())
    }

    /// The planner leaves each planned value in the block's value and takes it back per
    /// instance: by position for `count`, by key for `for_each`, whole without either.
    #[test]
    fn instances_are_found_and_taken_by_key() {
        let mut values = Values::default();
        let single = ResourceAddr::managed("terraform_data", "one");
        let counted = ResourceAddr::managed("terraform_data", "many");
        let keyed = ResourceAddr::managed("terraform_data", "each");
        values.resources.insert(single.clone(), object("s"));
        values.resources.insert(
            counted.clone(),
            Value::Tuple(vec![object("0"), object("1")]),
        );
        values.resources.insert(
            keyed.clone(),
            Value::Object([("k".to_string(), object("k"))].into()),
        );
        let at = |r: &ResourceAddr, key| r.instance(key);
        assert_eq!(
            values.instance(&at(&counted, InstanceKey::Int(1))),
            Some(&object("1"))
        );
        assert_eq!(values.instance(&at(&counted, InstanceKey::Int(2))), None);
        assert_eq!(
            values.take_instance(&at(&keyed, InstanceKey::Str("k".into()))),
            Some(object("k"))
        );
        assert_eq!(
            values.take_instance(&at(&single, InstanceKey::None)),
            Some(object("s"))
        );
        // Taken values leave null behind, and the others stay where they were.
        assert_eq!(
            values.instance(&at(&single, InstanceKey::None)),
            Some(&Value::NULL)
        );
        assert_eq!(
            values.instance(&at(&counted, InstanceKey::Int(0))),
            Some(&object("0"))
        );
        assert_eq!(
            values.take_instance(&at(&keyed, InstanceKey::Str("x".into()))),
            None
        );
    }
}
