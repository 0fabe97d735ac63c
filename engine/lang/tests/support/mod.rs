//! Test-only scope: variables, locals and resources held in maps, loadable from a `.tf` file.
//!
//! `MapScope::load` reads the fixture configuration (`variable` blocks with type, default and
//! sensitive; `locals`; `terraform_data` resources, whose attributes are unknown before apply)
//! and resolves references the way Terraform's console does, with its error wording.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use hangar_core::convert::convert;
use hangar_core::{Type, Value};
use hangar_lang::{eval, parse_type, EmptyScope, EvalContext, Scope, ScopeError, SourceFile};
use hcl_edit::structure::Body;

/// Names and their values.
#[derive(Default, Clone)]
pub struct MapScope {
    /// `var.NAME`.
    pub vars: BTreeMap<String, Value>,
    /// `local.NAME`.
    pub locals: BTreeMap<String, Value>,
    /// `TYPE.NAME` managed resources.
    pub resources: BTreeMap<(String, String), Value>,
}

impl Scope for MapScope {
    fn resolve(&self, chain: &[&str]) -> Result<(Value, usize), ScopeError> {
        let second = chain.get(1).copied();
        match (chain[0], second) {
            ("var", None) => Err(ScopeError::new(
                "Invalid reference",
                "The \"var\" object cannot be accessed directly. Instead, access one of its attributes.",
            )),
            ("var", Some(n)) => self.vars.get(n).map(|v| (v.clone(), 2)).ok_or_else(|| {
                ScopeError::new(
                    "Reference to undeclared input variable",
                    format!(
                        "An input variable with the name \"{n}\" has not been declared. This variable can be \
                         declared with a variable \"{n}\" {{}} block."
                    ),
                )
            }),
            ("local", None) => Err(ScopeError::new(
                "Invalid reference",
                "The \"local\" object cannot be accessed directly. Instead, access one of its attributes.",
            )),
            ("local", Some(n)) => self.locals.get(n).map(|v| (v.clone(), 2)).ok_or_else(|| {
                ScopeError::new(
                    "Reference to undeclared local value",
                    format!("A local value with the name \"{n}\" has not been declared."),
                )
            }),
            ("path", Some("module" | "root")) => Ok((Value::string("."), 2)),
            ("terraform", Some("workspace")) => Ok((Value::string("default"), 2)),
            ("count", _) => Err(ScopeError::new(
                "Reference to \"count\" in non-counted context",
                "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and \
                 only when the \"count\" argument is set.",
            )),
            ("each", _) => Err(ScopeError::new(
                "Reference to \"each\" in context without for_each",
                "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \
                 \"for_each\" argument is set.",
            )),
            (_, None) => Err(ScopeError::new(
                "Invalid reference",
                "A reference to a resource type must be followed by at least one attribute access, specifying \
                 the resource name.",
            )),
            (t, Some(n)) => self
                .resources
                .get(&(t.to_string(), n.to_string()))
                .map(|v| (v.clone(), 2))
                .ok_or_else(|| {
                    ScopeError::new(
                        "Reference to undeclared resource",
                        format!("A managed resource \"{t}\" \"{n}\" has not been declared in the root module."),
                    )
                }),
        }
    }
}

/// A context over `scope` for expressions parsed from `file`.
pub fn context<'a>(scope: &'a dyn Scope, file: &'a SourceFile) -> EvalContext<'a> {
    EvalContext {
        scope,
        file,
        funcs: hangar_funcs::FuncContext {
            base_dir: Path::new("."),
            render_template: None,
        },
    }
}

impl MapScope {
    /// Loads variables (defaults converted to their type), locals and resources from a file.
    pub fn load(name: &str, text: &str) -> MapScope {
        let file = SourceFile::new(name, text);
        let body: Body = hcl_edit::parser::parse_body(text).expect("fixture scope parses");
        let mut scope = MapScope::default();
        let mut pending = Vec::new();
        for block in body.blocks() {
            let label = |i: usize| {
                block
                    .labels
                    .get(i)
                    .map(|l| l.as_str().to_string())
                    .unwrap_or_default()
            };
            match block.ident.value().as_str() {
                "variable" => {
                    let ty = block
                        .body
                        .get_attribute("type")
                        .map(|a| parse_type(&a.value, &file).expect("fixture type parses"))
                        .unwrap_or(Type::Dynamic);
                    let default = block.body.get_attribute("default").map(|a| {
                        eval(&a.value, &context(&EmptyScope, &file))
                            .expect("fixture default evaluates")
                    });
                    let v = convert(default.unwrap_or(Value::NULL), &ty)
                        .expect("fixture default converts");
                    let sensitive = block
                        .body
                        .get_attribute("sensitive")
                        .and_then(|a| a.value.as_bool());
                    scope
                        .vars
                        .insert(label(0), v.mark_if(sensitive == Some(true)));
                }
                "locals" => {
                    for attr in block.body.attributes() {
                        pending.push((attr.key.value().as_str().to_string(), attr.value.clone()));
                    }
                }
                "resource" => {
                    let attrs = [
                        ("id", Type::String),
                        ("input", Type::Dynamic),
                        ("output", Type::Dynamic),
                        ("triggers_replace", Type::Dynamic),
                    ];
                    let obj = attrs
                        .into_iter()
                        .map(|(k, t)| (k.to_string(), Value::Unknown(t)))
                        .collect();
                    scope
                        .resources
                        .insert((label(0), label(1)), Value::Object(obj));
                }
                _ => {}
            }
        }
        while !pending.is_empty() {
            let before = pending.len();
            let snapshot = scope.clone();
            pending.retain(
                |(name, expr)| match eval(expr, &context(&snapshot, &file)) {
                    Ok(v) => {
                        scope.locals.insert(name.clone(), v);
                        false
                    }
                    Err(_) => true,
                },
            );
            assert!(
                pending.len() < before,
                "fixture locals do not evaluate: {:?}",
                pending.iter().map(|p| &p.0).collect::<Vec<_>>()
            );
        }
        scope
    }
}
