//! Evaluating a resource, data source or provider body against its schema.
//!
//! Each argument is evaluated and converted to its attribute's type; nested blocks become
//! objects, lists or sets of objects by their nesting mode. Unsupported arguments and blocks,
//! missing required arguments, arguments that only the provider may set, and type mismatches
//! are reported together, each at its own location. Attributes the schema calls sensitive are
//! marked. `dynamic` blocks are expanded from their `for_each`.

use std::collections::BTreeMap;
use std::path::Path;

use hangar_core::convert::convert;
use hangar_core::{Diagnostic, Diagnostics, Type, Value};
use hangar_lang::{EvalContext, Scope};
use hangar_provider::{BlockSchema, Nesting};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span;

use crate::config::{BodyRef, Expr};

/// Evaluates one expression in `scope`, resolving relative paths against `base_dir`.
pub fn eval_expr(e: &Expr, scope: &dyn Scope, base_dir: &Path) -> Result<Value, Diagnostics> {
    let ctx = EvalContext {
        scope,
        file: &e.file,
        funcs: hangar_funcs::FuncContext {
            base_dir,
            render_template: None,
        },
    };
    hangar_lang::eval(&e.expr, &ctx)
}

/// Evaluates `body` against `schema`; see the module documentation.
pub fn eval_body(
    body: &BodyRef,
    schema: &BlockSchema,
    scope: &dyn Scope,
    base_dir: &Path,
    block_range: Option<hangar_core::SourceRange>,
) -> Result<Value, Diagnostics> {
    let mut diags = Diagnostics::new();
    let v = BodyEval {
        file: body,
        scope,
        base_dir,
        diags: &mut diags,
        as_written: false,
    }
    .block(&body.body, schema, block_range);
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(v)
    }
}

/// `body` as its author wrote it, whatever the schema allows: every argument that evaluates
/// and converts is kept, read-only ones included, and problems are dropped. The residency
/// pre-flight judges what a configuration *says* (a `region` the schema forbids is still a
/// region someone asked for); [`eval_body`] reports the problems.
pub fn eval_body_as_written(
    body: &BodyRef,
    schema: &BlockSchema,
    scope: &dyn Scope,
    base_dir: &Path,
) -> Value {
    let mut diags = Diagnostics::new();
    BodyEval {
        file: body,
        scope,
        base_dir,
        diags: &mut diags,
        as_written: true,
    }
    .block(&body.body, schema, None)
}

struct BodyEval<'a> {
    file: &'a BodyRef,
    scope: &'a dyn Scope,
    base_dir: &'a Path,
    diags: &'a mut Diagnostics,
    /// Keep read-only arguments too (see [`eval_body_as_written`]).
    as_written: bool,
}

impl BodyEval<'_> {
    fn at(&self, span: Option<std::ops::Range<usize>>) -> Option<hangar_core::SourceRange> {
        span.map(|s| self.file.file.range(s))
    }

    fn eval(&mut self, e: &hcl_edit::expr::Expression) -> Option<Value> {
        let expr = Expr {
            expr: e.clone(),
            file: self.file.file.clone(),
        };
        match eval_expr(&expr, self.scope, self.base_dir) {
            Ok(v) => Some(v),
            Err(d) => {
                self.diags.extend(d);
                None
            }
        }
    }

    fn block(
        &mut self,
        body: &Body,
        schema: &BlockSchema,
        block_range: Option<hangar_core::SourceRange>,
    ) -> Value {
        let mut out = BTreeMap::new();
        let mut nested: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    let Some(attr) = schema.attributes.get(name) else {
                        let hint = if schema.blocks.contains_key(name) {
                            format!(" Did you mean to define a block of type \"{name}\"?")
                        } else {
                            String::new()
                        };
                        let d = Diagnostic::error(
                            "Unsupported argument",
                            format!("An argument named \"{name}\" is not expected here.{hint}"),
                        );
                        self.diags.push(d.at(self.at(a.key.span())));
                        continue;
                    };
                    if attr.computed && !attr.optional && !attr.required && !self.as_written {
                        let d = Diagnostic::error(
                            "Invalid or unknown key",
                            format!(
                                "The attribute \"{name}\" is read-only: the provider sets it, \
                                 configuration cannot."
                            ),
                        );
                        self.diags.push(d.at(self.at(a.key.span())));
                        continue;
                    }
                    let Some(v) = self.eval(&a.value) else {
                        continue;
                    };
                    match convert(v, &attr.ty) {
                        Ok(v) => {
                            out.insert(
                                name.to_string(),
                                if attr.sensitive { v.sensitive() } else { v },
                            );
                        }
                        Err(e) => {
                            let d = Diagnostic::error(
                                "Incorrect attribute value type",
                                format!("Inappropriate value for attribute \"{name}\": {e}."),
                            );
                            self.diags.push(d.at(self.at(a.value.span())));
                        }
                    }
                }
                Structure::Block(b) if b.ident.as_str() == "dynamic" => {
                    self.dynamic(b, schema, &mut nested)
                }
                Structure::Block(b) => {
                    let name = b.ident.as_str();
                    let Some(nb) = schema.blocks.get(name) else {
                        let d = Diagnostic::error(
                            "Unsupported block type",
                            format!("Blocks of type \"{name}\" are not expected here."),
                        );
                        self.diags.push(d.at(self.at(b.ident.span())));
                        continue;
                    };
                    let range = self.at(b.ident.span());
                    let v = self.block(&b.body, &nb.block, range);
                    nested.entry(name.to_string()).or_default().push(v);
                }
            }
        }
        for (name, attr) in &schema.attributes {
            if out.contains_key(name) {
                continue;
            }
            if attr.required {
                let d = Diagnostic::error(
                    "Missing required argument",
                    format!("The argument \"{name}\" is required, but no definition was found."),
                );
                self.diags.push(d.at(block_range.clone()));
            }
            out.insert(name.clone(), Value::Null(attr.ty.clone()));
        }
        for (name, nb) in &schema.blocks {
            let items = nested.remove(name).unwrap_or_default();
            let v = match nb.nesting {
                Nesting::Single => {
                    if items.len() > 1 {
                        let d = Diagnostic::error(
                            "Too many blocks",
                            format!("No more than 1 \"{name}\" blocks are allowed."),
                        );
                        self.diags.push(d.at(block_range.clone()));
                    }
                    items
                        .into_iter()
                        .next()
                        .unwrap_or(Value::Null(Type::Dynamic))
                }
                Nesting::List => Value::List(items),
                Nesting::Set => Value::set(items),
            };
            out.insert(name.clone(), v);
        }
        Value::Object(out)
    }

    fn dynamic(
        &mut self,
        b: &Block,
        schema: &BlockSchema,
        nested: &mut BTreeMap<String, Vec<Value>>,
    ) {
        let Some(label) = b.labels.first().map(|l| l.as_str().to_string()) else {
            let d = Diagnostic::error(
                "Missing block label",
                "A dynamic block needs the name of the block type to generate.",
            );
            self.diags.push(d.at(self.at(b.ident.span())));
            return;
        };
        let Some(nb) = schema.blocks.get(&label) else {
            let d = Diagnostic::error(
                "Unsupported block type",
                format!("Blocks of type \"{label}\" are not expected here."),
            );
            self.diags.push(d.at(self.at(b.ident.span())));
            return;
        };
        let iterator = b
            .body
            .get_attribute("iterator")
            .and_then(|a| match &a.value {
                hcl_edit::expr::Expression::Variable(v) => Some(v.as_str().to_string()),
                _ => None,
            })
            .unwrap_or_else(|| label.clone());
        let Some(fe) = b.body.get_attribute("for_each") else {
            let d = Diagnostic::error(
                "Missing required argument",
                "The argument \"for_each\" is required, but no definition was found.",
            );
            self.diags.push(d.at(self.at(b.ident.span())));
            return;
        };
        let Some(coll) = self.eval(&fe.value) else {
            return;
        };
        let Some(content) = b.body.get_blocks("content").next() else {
            let d = Diagnostic::error(
                "Missing required block",
                "A dynamic block needs one \"content\" block.",
            );
            self.diags.push(d.at(self.at(b.ident.span())));
            return;
        };
        let entries: Vec<(Value, Value)> = match coll.peel() {
            Value::Map(m) | Value::Object(m) => m
                .iter()
                .map(|(k, v)| (Value::string(k.clone()), v.clone()))
                .collect(),
            Value::List(xs) | Value::Tuple(xs) => xs
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::int(i as i64), v.clone()))
                .collect(),
            Value::Set(xs) => xs.iter().map(|v| (v.clone(), v.clone())).collect(),
            Value::Null(_) => Vec::new(),
            _ => {
                let d = Diagnostic::error(
                    "Invalid dynamic for_each value",
                    "Cannot use a value of this type in for_each: a collection is required.",
                );
                self.diags.push(d.at(self.at(fe.value.span())));
                return;
            }
        };
        let range = self.at(b.ident.span());
        for (k, v) in entries {
            let iter = Value::Object([("key".to_string(), k), ("value".to_string(), v)].into());
            let scope = IteratorScope {
                parent: self.scope,
                name: &iterator,
                value: iter,
            };
            let mut sub = BodyEval {
                file: self.file,
                scope: &scope,
                base_dir: self.base_dir,
                diags: self.diags,
                as_written: self.as_written,
            };
            let item = sub.block(&content.body, &nb.block, range.clone());
            nested.entry(label.clone()).or_default().push(item);
        }
    }
}

/// The scope inside a `dynamic` block's content: the iterator name, then the enclosing scope.
struct IteratorScope<'a> {
    parent: &'a dyn Scope,
    name: &'a str,
    value: Value,
}

impl Scope for IteratorScope<'_> {
    fn resolve(&self, chain: &[&str]) -> Result<(Value, usize), hangar_lang::ScopeError> {
        if chain.first() == Some(&self.name) {
            return Ok((self.value.clone(), 1));
        }
        self.parent.resolve(chain)
    }
}
