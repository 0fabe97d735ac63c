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
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span;

use crate::config::{BodyRef, Expr};

/// Evaluates one expression in `scope`, resolving relative paths against `base_dir`.
pub fn eval_expr(e: &Expr, scope: &dyn Scope, base_dir: &Path) -> Result<Value, Diagnostics> {
    eval_in(&e.expr, &e.file, scope, base_dir)
}

/// [`eval_expr`] of an expression read in place in `file`.
fn eval_in(
    e: &Expression,
    file: &hangar_lang::SourceFile,
    scope: &dyn Scope,
    base_dir: &Path,
) -> Result<Value, Diagnostics> {
    let ctx = EvalContext {
        scope,
        file,
        funcs: hangar_funcs::FuncContext {
            base_dir,
            render_template: None,
        },
    };
    hangar_lang::eval(e, &ctx)
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
        top: false,
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
        top: false,
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
    /// The body being read is a resource's own (where `lifecycle` and friends may stand).
    top: bool,
}

/// The meta-argument blocks Terraform allows in a resource body, for "did you mean".
const META_BLOCKS: [&str; 4] = ["lifecycle", "provisioner", "connection", "dynamic"];

impl BodyEval<'_> {
    fn at(&self, span: Option<std::ops::Range<usize>>) -> Option<hangar_core::SourceRange> {
        span.map(|s| self.file.file.range(s))
    }

    fn eval(&mut self, e: &Expression) -> Option<Value> {
        match eval_in(e, &self.file.file, self.scope, self.base_dir) {
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
        self.top = true;
        self.content(Content::Native(body), schema, block_range)
    }

    fn content(
        &mut self,
        body: Content<'_>,
        schema: &BlockSchema,
        block_range: Option<hangar_core::SourceRange>,
    ) -> Value {
        let top = std::mem::take(&mut self.top);
        let mut out = BTreeMap::new();
        let mut nested: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        // An argument that is written but fails to evaluate is not missing: its own error says
        // what is wrong with it.
        let mut written: std::collections::BTreeSet<String> = Default::default();
        let json = crate::config::json::is_json(&self.file.file);
        for item in body.items() {
            match item {
                Item::Attr { name, key, value }
                    if json
                        && !schema.attributes.contains_key(name)
                        && (name == "dynamic" || schema.blocks.contains_key(name)) =>
                {
                    self.json_blocks(name, key, value, schema, &mut nested);
                }
                Item::Attr { name, key, value } => {
                    let Some(attr) = schema.attributes.get(name) else {
                        let hint = if schema.blocks.contains_key(name) {
                            format!(" Did you mean to define a block of type \"{name}\"?")
                        } else {
                            hangar_core::suggest::did_you_mean(
                                name,
                                schema.attributes.keys().map(String::as_str).filter(|a| {
                                    let s = &schema.attributes[*a];
                                    s.required || s.optional
                                }),
                            )
                        };
                        let d = Diagnostic::error(
                            "Unsupported argument",
                            format!("An argument named \"{name}\" is not expected here.{hint}"),
                        );
                        self.diags.push(d.at(self.at(key)));
                        continue;
                    };
                    written.insert(name.to_string());
                    if attr.computed && !attr.optional && !attr.required && !self.as_written {
                        let d = Diagnostic::error(
                            "Invalid or unknown key",
                            format!(
                                "The attribute \"{name}\" is read-only: the provider sets it, \
                                 configuration cannot."
                            ),
                        );
                        self.diags.push(d.at(self.at(key)));
                        continue;
                    }
                    let Some(v) = self.eval(value) else {
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
                            self.diags.push(d.at(self.at(value.span())));
                        }
                    }
                }
                Item::Block { block, .. } if block.ident.as_str() == "dynamic" => {
                    let label = block.labels.first().map(|l| l.as_str().to_string());
                    let parts = Dynamic {
                        label,
                        ident: block.ident.span(),
                        for_each: block.body.get_attribute("for_each").map(|a| &a.value),
                        iterator: block.body.get_attribute("iterator").and_then(|a| {
                            match &a.value {
                                hcl_edit::expr::Expression::Variable(v) => {
                                    Some(v.as_str().to_string())
                                }
                                _ => None,
                            }
                        }),
                        content: block
                            .body
                            .get_blocks("content")
                            .next()
                            .map(|c| Content::Native(&c.body)),
                    };
                    self.dynamic(parts, schema, &mut nested)
                }
                Item::Block {
                    name, ident, body, ..
                } => {
                    let Some(nb) = schema.blocks.get(name) else {
                        let meta = if top {
                            &META_BLOCKS[..]
                        } else {
                            &META_BLOCKS[3..]
                        };
                        let hint = hangar_core::suggest::did_you_mean(
                            name,
                            schema
                                .blocks
                                .keys()
                                .map(String::as_str)
                                .chain(meta.iter().copied()),
                        );
                        let d = Diagnostic::error(
                            "Unsupported block type",
                            format!("Blocks of type \"{name}\" are not expected here.{hint}"),
                        );
                        self.diags.push(d.at(self.at(ident)));
                        continue;
                    };
                    let range = self.at(ident);
                    let v = self.content(body, &nb.block, range);
                    nested.entry(name.to_string()).or_default().push(v);
                }
            }
        }
        for (name, attr) in &schema.attributes {
            if out.contains_key(name) {
                continue;
            }
            if attr.required && !written.contains(name) {
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

    /// In a JSON file, an argument named like a block type of the schema is one block (an
    /// object), several (an array of objects) or none (`null`); `dynamic` holds one object per
    /// generated block type.
    fn json_blocks(
        &mut self,
        name: &str,
        key: Option<std::ops::Range<usize>>,
        value: &Expression,
        schema: &BlockSchema,
        nested: &mut BTreeMap<String, Vec<Value>>,
    ) {
        use hcl_edit::expr::Expression as E;
        let wrong = |what: &str| {
            Diagnostic::error(
                "Incorrect JSON value type",
                format!(
                    "Either a JSON object or a JSON array is required, representing the contents \
                     of one or more \"{name}\" {what}."
                ),
            )
        };
        if name == "dynamic" {
            let E::Object(types) = value else {
                self.diags.push(wrong("blocks").at(self.at(value.span())));
                return;
            };
            for (k, v) in types.iter() {
                let (label, _) = object_key(k);
                let E::Object(obj) = v.expr() else {
                    self.diags
                        .push(wrong("blocks").at(self.at(v.expr().span())));
                    continue;
                };
                let get = |want: &str| {
                    obj.iter()
                        .find(|(k, _)| object_key(k).0 == want)
                        .map(|(_, v)| v.expr())
                };
                let parts = Dynamic {
                    label: Some(label.to_string()),
                    ident: k.span(),
                    for_each: get("for_each"),
                    iterator: get("iterator").and_then(|e| match e {
                        E::String(s) => Some(s.value().to_string()),
                        E::Variable(v) => Some(v.as_str().to_string()),
                        _ => None,
                    }),
                    content: match get("content") {
                        Some(E::Object(o)) => Some(Content::Json(o)),
                        _ => None,
                    },
                };
                self.dynamic(parts, schema, nested);
            }
            return;
        }
        let Some(nb) = schema.blocks.get(name) else {
            return;
        };
        let bodies: Vec<&hcl_edit::expr::Object> = match value {
            E::Null(_) => Vec::new(),
            E::Object(o) => vec![o],
            E::Array(items) => items
                .iter()
                .filter_map(|i| match i {
                    E::Object(o) => Some(o),
                    other => {
                        let d = Diagnostic::error(
                            "Incorrect JSON value type",
                            format!(
                                "A JSON object is required here, representing a \"{name}\" block."
                            ),
                        );
                        self.diags.push(d.at(self.at(other.span())));
                        None
                    }
                })
                .collect(),
            other => {
                self.diags.push(wrong("blocks").at(self.at(other.span())));
                return;
            }
        };
        let range = self.at(key);
        for o in bodies {
            let v = self.content(Content::Json(o), &nb.block, range.clone());
            nested.entry(name.to_string()).or_default().push(v);
        }
    }

    fn dynamic(
        &mut self,
        d: Dynamic<'_>,
        schema: &BlockSchema,
        nested: &mut BTreeMap<String, Vec<Value>>,
    ) {
        let Some(label) = d.label else {
            let e = Diagnostic::error(
                "Missing block label",
                "A dynamic block needs the name of the block type to generate.",
            );
            self.diags.push(e.at(self.at(d.ident)));
            return;
        };
        let Some(nb) = schema.blocks.get(&label) else {
            let hint = hangar_core::suggest::did_you_mean(
                &label,
                schema.blocks.keys().map(String::as_str),
            );
            let e = Diagnostic::error(
                "Unsupported block type",
                format!("Blocks of type \"{label}\" are not expected here.{hint}"),
            );
            self.diags.push(e.at(self.at(d.ident)));
            return;
        };
        let iterator = d.iterator.unwrap_or_else(|| label.clone());
        let Some(fe) = d.for_each else {
            let e = Diagnostic::error(
                "Missing required argument",
                "The argument \"for_each\" is required, but no definition was found.",
            );
            self.diags.push(e.at(self.at(d.ident)));
            return;
        };
        let Some(coll) = self.eval(fe) else {
            return;
        };
        let Some(content) = d.content else {
            let e = Diagnostic::error(
                "Missing required block",
                "A dynamic block needs one \"content\" block.",
            );
            self.diags.push(e.at(self.at(d.ident)));
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
                let e = Diagnostic::error(
                    "Invalid dynamic for_each value",
                    "Cannot use a value of this type in for_each: a collection is required.",
                );
                self.diags.push(e.at(self.at(fe.span())));
                return;
            }
        };
        let range = self.at(d.ident);
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
                top: false,
            };
            let item = sub.content(content, &nb.block, range.clone());
            nested.entry(label.clone()).or_default().push(item);
        }
    }
}

/// A body in either syntax: a native block body, or (in a JSON file) an object standing for
/// one.
#[derive(Clone, Copy)]
enum Content<'a> {
    Native(&'a Body),
    Json(&'a hcl_edit::expr::Object),
}

/// One argument or nested block of a [`Content`].
enum Item<'a> {
    Attr {
        name: &'a str,
        key: Option<std::ops::Range<usize>>,
        value: &'a Expression,
    },
    Block {
        name: &'a str,
        ident: Option<std::ops::Range<usize>>,
        body: Content<'a>,
        block: &'a Block,
    },
}

impl<'a> Content<'a> {
    fn items(self) -> Vec<Item<'a>> {
        match self {
            Content::Native(body) => body
                .iter()
                .map(|s| match s {
                    Structure::Attribute(a) => Item::Attr {
                        name: a.key.as_str(),
                        key: a.key.span(),
                        value: &a.value,
                    },
                    Structure::Block(b) => Item::Block {
                        name: b.ident.as_str(),
                        ident: b.ident.span(),
                        body: Content::Native(&b.body),
                        block: b,
                    },
                })
                .collect(),
            Content::Json(obj) => obj
                .iter()
                .filter_map(|(k, v)| {
                    let (name, key) = object_key(k);
                    (name != "//").then_some(Item::Attr {
                        name,
                        key,
                        value: v.expr(),
                    })
                })
                .collect(),
        }
    }
}

/// The name an object key spells (an identifier or a quoted string) and where it is.
fn object_key(k: &hcl_edit::expr::ObjectKey) -> (&str, Option<std::ops::Range<usize>>) {
    use hcl_edit::expr::{Expression as E, ObjectKey};
    match k {
        ObjectKey::Ident(i) => (i.as_str(), i.span()),
        ObjectKey::Expression(E::String(s)) => (s.value().as_str(), s.span()),
        ObjectKey::Expression(e) => ("", e.span()),
    }
}

/// The parts of a `dynamic` block, in either syntax.
struct Dynamic<'a> {
    label: Option<String>,
    ident: Option<std::ops::Range<usize>>,
    for_each: Option<&'a Expression>,
    iterator: Option<String>,
    content: Option<Content<'a>>,
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
