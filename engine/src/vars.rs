//! Input variables: gathering values from every source and checking them against declarations.
//!
//! Sources, lowest precedence first, as Terraform: the declaration's `default`; environment
//! variables `TF_VAR_name` then `HANGAR_VAR_name`; `terraform.tfvars`, `terraform.tfvars.json`,
//! `hangar.tfvars`, `terraform.tfvars.hcl`; `*.auto.tfvars` and `*.auto.tfvars.json` in lexical
//! order; then `--var-file` and `--var` in command-line order. A variables file whose name ends
//! in `.json` is a JSON object whose values are taken literally (no templates), as Terraform
//! reads it. Values given as raw text (command line, environment) are strings for
//! primitive-typed variables and HCL expressions otherwise. Each value is converted to the
//! declared type, `nullable` and `validation` rules are checked, and sensitive ones are marked.
//!
//! A value in a file for a variable the root module does not declare is a warning on every run
//! (Terraform's: the first three by name, then a count), not an error: one variables file often
//! serves several configurations. On the command line (`--var`) it is an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hangar_core::convert::convert;
use hangar_core::{Diagnostic, Diagnostics, Type, Value};
use hangar_lang::{EmptyScope, Scope, ScopeError, SourceFile};
use hcl_edit::structure::Structure;
use hcl_edit::Span;

use crate::body::eval_expr;
use crate::config::{load::parse_file, Config, Expr, Variable};

/// One variable given on the command line: `--var k=v` or `--var-file F`, in order.
#[derive(Clone, Debug)]
pub enum VarArg {
    /// `--var name=value`.
    Pair(String),
    /// `--var-file path`.
    File(PathBuf),
}

/// Variable values, with the warnings gathering them produced.
#[derive(Debug, Default)]
pub struct Resolved {
    /// Each declared variable's value.
    pub values: BTreeMap<String, Value>,
    /// Values given for undeclared variables in files.
    pub warnings: Diagnostics,
}

/// How many undeclared-variable warnings are shown one by one before the rest are counted.
const UNDECLARED_SHOWN: usize = 3;

/// A value before conversion: an expression from a file, or raw text.
#[derive(Clone, Debug)]
enum Raw {
    Expr(Expr),
    Text(String, String),
    Value(Value, Option<hangar_core::SourceRange>),
}

/// The declared type of a variable (`any` when not given).
pub fn declared_type(v: &Variable) -> Result<Type, Diagnostic> {
    match &v.type_expr {
        Some(e) => hangar_lang::parse_type(&e.expr, &e.file),
        None => Ok(Type::Dynamic),
    }
}

/// Resolves every declared variable's value; fails with all problems found (the warnings
/// included).
pub fn resolve(
    cfg: &Config,
    args: &[VarArg],
    env: &BTreeMap<String, String>,
    workspace_vars: &BTreeMap<String, Value>,
) -> Result<Resolved, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut undeclared = Vec::new();
    let mut raw: BTreeMap<String, Raw> = BTreeMap::new();
    for (k, v) in workspace_vars {
        if cfg.root().variables.contains_key(k) {
            raw.insert(k.clone(), Raw::Value(v.clone(), None));
        }
    }
    for prefix in ["TF_VAR_", "HANGAR_VAR_"] {
        for (k, v) in env {
            if let Some(name) = k.strip_prefix(prefix) {
                if cfg.root().variables.contains_key(name) {
                    raw.insert(
                        name.into(),
                        Raw::Text(v.clone(), format!("environment {k}")),
                    );
                }
            }
        }
    }
    let mut files: Vec<PathBuf> = [
        "terraform.tfvars",
        "terraform.tfvars.json",
        "hangar.tfvars",
        "terraform.tfvars.hcl",
    ]
    .iter()
    .map(|f| cfg.dir.join(f))
    .filter(|p| p.is_file())
    .collect();
    let mut autos: Vec<PathBuf> = std::fs::read_dir(&cfg.dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    autos.retain(|p| {
        let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        n.ends_with(".auto.tfvars")
            || n.ends_with(".auto.tfvars.json")
            || n.ends_with(".auto.tfvars.hcl")
    });
    autos.sort();
    files.extend(autos);
    for f in &files {
        read_var_file(cfg, f, &mut raw, &mut undeclared, &mut diags);
    }
    for a in args {
        match a {
            VarArg::File(f) => read_var_file(cfg, f, &mut raw, &mut undeclared, &mut diags),
            VarArg::Pair(p) => match p.split_once('=') {
                Some((k, v)) if !k.is_empty() => {
                    if !cfg.root().variables.contains_key(k) {
                        diags.push(Diagnostic::error(
                            "Value for undeclared variable",
                            format!(
                                "A variable named \"{k}\" was assigned on the command line, but \
                                 the root module does not declare a variable of that name. To \
                                 use this value, add a \"variable\" block to the configuration."
                            ),
                        ));
                    }
                    raw.insert(k.into(), Raw::Text(v.into(), "command line".into()));
                }
                _ => diags.push(Diagnostic::error(
                    "Invalid -var option",
                    format!(
                        "The given -var option {p:?} is not correctly specified. Must be a \
                         variable name and value separated by an equals sign, like -var=\"key=value\"."
                    ),
                )),
            },
        }
    }
    let warnings = undeclared_warnings(undeclared);
    diags.extend(warnings.0.iter().cloned());
    let mut values = BTreeMap::new();
    for v in cfg.root().variables.values() {
        match resolve_one(cfg, v, raw.remove(&v.name)) {
            Ok(val) => {
                values.insert(v.name.clone(), val);
            }
            Err(d) => diags.extend(d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let all = RootVars(&values);
    let mut out = BTreeMap::new();
    for v in cfg.root().variables.values() {
        let Some(value) = values.get(&v.name) else {
            continue;
        };
        match validated(v, value.clone(), &cfg.dir, &all) {
            Ok(val) => {
                out.insert(v.name.clone(), val);
            }
            Err(d) => diags.extend(d),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(Resolved {
            values: out,
            warnings,
        })
    }
}

/// A value found in a file for a variable the root module does not declare.
struct Undeclared {
    name: String,
    /// ` Did you mean "..."?` when a declared name is close.
    hint: String,
    file: String,
    at: Option<hangar_core::SourceRange>,
}

/// Terraform's warnings for values of undeclared variables: the first few one by one (with the
/// declared variable a misspelt name probably meant), then how many more.
fn undeclared_warnings(found: Vec<Undeclared>) -> Diagnostics {
    let mut out = Diagnostics::new();
    let more = found.len().saturating_sub(UNDECLARED_SHOWN);
    for u in found.into_iter().take(UNDECLARED_SHOWN) {
        out.push(
            Diagnostic::warning(
                "Value for undeclared variable",
                format!(
                    "The root module does not declare a variable named \"{}\" but a value was \
                     found in file \"{}\".{} If you meant to use this value, add a \"variable\" \
                     block to the configuration.\n\nTo silence these warnings, use TF_VAR_... \
                     environment variables to provide certain \"global\" settings to all \
                     configurations in your organization.",
                    u.name, u.file, u.hint
                ),
            )
            .at(u.at),
        );
    }
    if more > 0 {
        out.push(Diagnostic::warning(
            "Values for undeclared variables",
            format!(
                "In addition to the other similar warnings shown, {more} other variable(s) \
                 defined without being declared."
            ),
        ));
    }
    out
}

/// The root module's variables, as their validation rules see one another (Terraform 1.9+).
struct RootVars<'a>(&'a BTreeMap<String, Value>);

impl Scope for RootVars<'_> {
    fn resolve(&self, chain: &[&str]) -> Result<(Value, usize), ScopeError> {
        match chain {
            ["var", n, ..] => match self.0.get(*n) {
                Some(v) => Ok((v.clone(), 2)),
                None => Err(ScopeError::new(
                    "Reference to undeclared input variable",
                    format!("An input variable with the name \"{n}\" has not been declared."),
                )),
            },
            _ => Err(ScopeError::new(
                "Invalid reference in variable validation",
                "The condition for a root module variable can refer only to input variables.",
            )),
        }
    }
}

fn read_var_file(
    cfg: &Config,
    path: &Path,
    raw: &mut BTreeMap<String, Raw>,
    undeclared: &mut Vec<Undeclared>,
    diags: &mut Diagnostics,
) {
    let shown = path
        .strip_prefix(&cfg.dir)
        .unwrap_or(path)
        .display()
        .to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::error(
                "Failed to read variables file",
                format!("Given variables file {shown} does not exist or cannot be read: {e}"),
            ));
            return;
        }
    };
    let file = Arc::new(SourceFile::new(shown.clone(), text));
    let mut found = |name: &str, at: Option<std::ops::Range<usize>>, value: Raw| {
        if cfg.root().variables.contains_key(name) {
            raw.insert(name.into(), value);
        } else {
            undeclared.push(Undeclared {
                hint: hangar_core::suggest::did_you_mean(
                    name,
                    cfg.root().variables.keys().map(String::as_str),
                ),
                name: name.into(),
                file: shown.clone(),
                at: at.map(|s| file.range(s)),
            });
        }
    };
    if shown.ends_with(".json") {
        match crate::config::json::literal_object(&file) {
            Ok(entries) => {
                for (name, at, value) in entries {
                    let from = Some(file.range(at.clone()));
                    found(&name, Some(at), Raw::Value(value, from));
                }
            }
            Err(d) => diags.extend(d),
        }
        return;
    }
    let body = match parse_file(&file) {
        Ok(b) => b,
        Err(d) => {
            diags.push(d);
            return;
        }
    };
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let value = Raw::Expr(Expr {
                    expr: a.value.clone(),
                    file: file.clone(),
                });
                found(a.key.as_str(), a.key.span(), value);
            }
            Structure::Block(b) => diags.push(
                Diagnostic::error(
                    "Unexpected block",
                    "Blocks are not allowed in a variables file.",
                )
                .at(b.ident.span().map(|s| file.range(s))),
            ),
        }
    }
}

/// The scope of a `validation` rule: the variable being checked, then whatever else the rule
/// may see (other root variables; for a module's input, the module's variables, locals and
/// resources).
struct ValidationScope<'a> {
    name: &'a str,
    value: &'a Value,
    others: &'a dyn Scope,
}

impl Scope for ValidationScope<'_> {
    fn resolve(&self, chain: &[&str]) -> Result<(Value, usize), ScopeError> {
        match chain {
            ["var", n, ..] if *n == self.name => Ok((self.value.clone(), 2)),
            _ => self.others.resolve(chain),
        }
    }
}

fn resolve_one(cfg: &Config, v: &Variable, raw: Option<Raw>) -> Result<Value, Diagnostics> {
    let ty = declared_type(v).map_err(Diagnostics::from)?;
    let (value, from) = match raw {
        Some(Raw::Expr(e)) => (eval_expr(&e, &EmptyScope, &cfg.dir)?, Some(e.range())),
        Some(Raw::Value(v, from)) => (v, from),
        Some(Raw::Text(text, source)) => {
            if ty.is_primitive() || ty == Type::Dynamic {
                (Value::String(text), None)
            } else {
                let file = Arc::new(SourceFile::new(
                    format!("<value for var.{} from {source}>", v.name),
                    text,
                ));
                let expr = hcl_edit::parser::parse_expr(&file.text)
                    .map_err(|e| Diagnostics::from(crate::config::load::syntax_error(&file, &e)))?;
                (
                    eval_expr(&Expr { expr, file }, &EmptyScope, &cfg.dir)?,
                    None,
                )
            }
        }
        None => match &v.default {
            Some(d) => (eval_expr(d, &EmptyScope, &cfg.dir)?, Some(d.range())),
            None => {
                return Err(Diagnostic::error(
                    "No value for required variable",
                    format!(
                        "The root module input variable \"{}\" is not set, and has no default \
                         value. Use a -var or -var-file command line argument or set a \
                         HANGAR_VAR_{} environment variable to provide a value for this variable.",
                        v.name, v.name
                    ),
                )
                .at(Some(v.decl.clone()))
                .into())
            }
        },
    };
    converted(v, &ty, value, from)
}

/// Converts a variable's value to its declared type, applies `nullable` and `validation`, and
/// marks it sensitive when declared so: for module inputs. `others` is what validation rules
/// may refer to besides the variable.
pub fn checked(
    v: &Variable,
    ty: &Type,
    value: Value,
    from: Option<hangar_core::SourceRange>,
    base: &Path,
    others: &dyn Scope,
) -> Result<Value, Diagnostics> {
    validated(v, converted(v, ty, value, from)?, base, others)
}

/// A variable's value converted to its declared type, `nullable` applied.
fn converted(
    v: &Variable,
    ty: &Type,
    value: Value,
    from: Option<hangar_core::SourceRange>,
) -> Result<Value, Diagnostics> {
    let value = convert(value, ty).map_err(|e| {
        Diagnostics::from(
            Diagnostic::error(
                "Invalid value for input variable",
                format!("The given value is not suitable for var.{}: {e}.", v.name),
            )
            .at(from.clone().or(Some(v.decl.clone()))),
        )
    })?;
    if value.is_null() && !v.nullable {
        return Err(Diagnostic::error(
            "Required variable not set",
            format!(
                "Unsuitable value for var.{}: the variable is not nullable.",
                v.name
            ),
        )
        .at(from.or(Some(v.decl.clone())))
        .into());
    }
    Ok(value)
}

/// Checks a converted value against the variable's `validation` rules, then marks it
/// sensitive when declared so.
fn validated(
    v: &Variable,
    value: Value,
    base: &Path,
    others: &dyn Scope,
) -> Result<Value, Diagnostics> {
    let mut diags = Diagnostics::new();
    for rule in &v.validations {
        let scope = ValidationScope {
            name: &v.name,
            value: &value,
            others,
        };
        let ok = match eval_expr(&rule.condition, &scope, base) {
            Ok(ok) => ok,
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        if ok.as_bool() == Some(false) {
            let msg = eval_expr(&rule.error_message, &scope, base)
                .ok()
                .and_then(|m| m.as_str().map(str::to_string))
                .unwrap_or_default();
            diags.push(
                Diagnostic::error(
                    "Invalid value for variable",
                    format!(
                        "{msg}\n\nThis was checked by the validation rule at {}.",
                        rule.condition.range()
                    ),
                )
                .at(Some(v.decl.clone())),
            );
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(if v.sensitive {
        value.sensitive()
    } else {
        value
    })
}
