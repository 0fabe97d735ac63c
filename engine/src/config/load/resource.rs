//! `resource` and `data` blocks: meta-arguments (`count`, `for_each`, `depends_on`, `provider`,
//! `lifecycle`) taken apart from the arguments the provider's schema checks.

use hcl_edit::expr::TraversalOperator;

use super::*;

impl Loader<'_> {
    /// A `resource` or `data` block: meta-arguments taken out, the rest kept as its body.
    pub(super) fn resource(
        &mut self,
        mode: ResourceMode,
        ty: &str,
        name: &str,
        b: Block,
        decl: SourceRange,
    ) {
        let addr = ResourceAddr {
            module: self.module.path.clone(),
            mode,
            type_: ty.to_string(),
            name: name.to_string(),
        };
        let default_provider = ty.split('_').next().unwrap_or(ty).to_string();
        let mut r = Resource {
            addr,
            provider: ProviderRef {
                name: default_provider,
                alias: None,
            },
            count: None,
            for_each: None,
            depends_on: Vec::new(),
            body: BodyRef {
                body: Body::new(),
                file: self.file.clone(),
            },
            lifecycle_block: None,
            decl,
        };
        // Sized to the block: a body grown by pushing keeps room for four 300-byte structures,
        // and a configuration holds one per block.
        let mut body = Body::with_capacity(b.body.len());
        let ident_span = b.ident.span();
        for s in b.body {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "count" => r.count = Some(Box::new(self.owned_expr(a.value))),
                    "for_each" => r.for_each = Some(Box::new(self.owned_expr(a.value))),
                    "depends_on" => r.depends_on = self.reference_list(&a.value),
                    "provider" => {
                        if let Some(p) = self.provider_ref(&a.value) {
                            r.provider = p;
                        }
                    }
                    _ => body.push(Structure::Attribute(a)),
                },
                Structure::Block(inner) if inner.ident.as_str() == "lifecycle" => {
                    r.lifecycle_block = Some(Box::new(self.lifecycle(&inner)));
                }
                Structure::Block(inner) => body.push(Structure::Block(inner)),
            }
        }
        if r.count.is_some() && r.for_each.is_some() {
            self.err(
                "Invalid combination of \"count\" and \"for_each\"",
                "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one \
                 should be used to be explicit about the number of resources to be created."
                    .into(),
                ident_span.clone(),
            );
        }
        r.body = BodyRef {
            body,
            file: self.file.clone(),
        };
        // Gathered, then added to the configuration's map in one sorted batch
        // ([`add_blocks`]): searching the map block by block cost a tenth of
        // loading 100k blocks.
        self.blocks.push(Box::new(r));
    }

    pub(super) fn provider_ref(&mut self, e: &Expression) -> Option<ProviderRef> {
        match e {
            Expression::Variable(v) => Some(ProviderRef {
                name: v.as_str().into(),
                alias: None,
            }),
            Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
                (Expression::Variable(v), [op]) => match op.value() {
                    TraversalOperator::GetAttr(a) => Some(ProviderRef {
                        name: v.as_str().into(),
                        alias: Some(a.as_str().into()),
                    }),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
        .or_else(|| {
            self.err(
                "Invalid provider reference",
                "Provider argument requires a provider name followed by an optional alias, \
                 like \"aws.foo\"."
                    .into(),
                e.span(),
            );
            None
        })
    }

    pub(super) fn reference_list(&mut self, e: &Expression) -> Vec<Expr> {
        match e {
            Expression::Array(items) => items.iter().map(|i| self.expr(i)).collect(),
            _ => {
                self.err(
                    "Invalid expression",
                    "A static list expression is required.".into(),
                    e.span(),
                );
                Vec::new()
            }
        }
    }

    fn lifecycle(&mut self, b: &Block) -> Lifecycle {
        let mut l = Lifecycle::default();
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "create_before_destroy" => l.create_before_destroy = self.bool_attr(a),
                    "prevent_destroy" => l.prevent_destroy = self.bool_attr(a),
                    "ignore_changes" => l.ignore_changes = self.ignore_changes(&a.value),
                    "replace_triggered_by" => {
                        l.replace_triggered_by = self.reference_list(&a.value)
                    }
                    _ => self.unsupported_argument(
                        &a.key,
                        &[
                            "create_before_destroy",
                            "prevent_destroy",
                            "ignore_changes",
                            "replace_triggered_by",
                        ],
                    ),
                },
                Structure::Block(inner) => match inner.ident.as_str() {
                    "precondition" => l.preconditions.extend(self.check(inner)),
                    "postcondition" => l.postconditions.extend(self.check(inner)),
                    _ => self.unsupported_block(&inner.ident, &["precondition", "postcondition"]),
                },
            }
        }
        l
    }

    fn ignore_changes(&mut self, e: &Expression) -> IgnoreChanges {
        match e {
            Expression::Variable(v) if v.as_str() == "all" => IgnoreChanges::All,
            Expression::Array(items) => {
                let mut names = Vec::new();
                for i in items.iter() {
                    match i {
                        Expression::Variable(v) => names.push(v.as_str().to_string()),
                        Expression::Traversal(t) => match &t.expr {
                            Expression::Variable(v) => names.push(v.as_str().to_string()),
                            _ => self.err(
                                "Invalid ignore_changes",
                                "Expected an attribute reference.".into(),
                                i.span(),
                            ),
                        },
                        _ => self.err(
                            "Invalid ignore_changes",
                            "Expected an attribute reference.".into(),
                            i.span(),
                        ),
                    }
                }
                IgnoreChanges::Attrs(names)
            }
            _ => {
                self.err(
                    "Invalid ignore_changes",
                    "Expected a list of attribute references, or the keyword all.".into(),
                    e.span(),
                );
                IgnoreChanges::None
            }
        }
    }
}

/// A top-level structure of a file as the loader takes it: a `resource` or `data` block
/// already taken apart (with what that reported), or anything else.
pub(super) enum Top {
    Resource(Option<Box<Resource>>, Diagnostics),
    /// Boxed: a structure is 300 bytes, and a configuration is mostly resources.
    Other(Box<Structure>),
}

/// Takes apart the `resource` and `data` blocks of `body` (of `file`, in module `path`) where
/// it was parsed: they need nothing but themselves, and a configuration is mostly them. The
/// rest waits, in order, for the loader.
pub(super) fn prepare(path: &ModulePath, file: &Arc<SourceFile>, body: Body) -> Vec<Top> {
    let mut cfg = Config::default();
    let mut module = Module {
        path: path.clone(),
        ..Default::default()
    };
    let (mut diags, mut blocks) = (Diagnostics::new(), Vec::with_capacity(1));
    let mut loader = Loader {
        cfg: &mut cfg,
        module: &mut module,
        file,
        diags: &mut diags,
        blocks: &mut blocks,
    };
    let mut tops = Vec::with_capacity(body.len());
    for s in body {
        match s {
            Structure::Block(b) if matches!(b.ident.as_str(), "resource" | "data") => {
                loader.block(b);
                tops.push(Top::Resource(
                    loader.blocks.pop(),
                    std::mem::take(loader.diags),
                ));
            }
            other => tops.push(Top::Other(Box::new(other))),
        }
    }
    tops
}

/// Adds one module's `resource` and `data` blocks to the configuration in one sorted batch,
/// reporting every block declared again after the first of its address.
#[allow(clippy::vec_box)] // the boxes become the map's values: sorting moves pointers only
pub(super) fn add_blocks(
    cfg: &mut Config,
    mut blocks: Vec<Box<Resource>>,
    diags: &mut Diagnostics,
) {
    // Stable: of two blocks with one address, the first declared stays first.
    blocks.sort_by(|a, b| a.addr.cmp(&b.addr));
    let mut fresh: Vec<(ResourceAddr, Box<Resource>)> = Vec::with_capacity(blocks.len());
    for r in blocks {
        if fresh.last().is_some_and(|(a, _)| *a == r.addr) || cfg.resources.contains_key(&r.addr) {
            let (ty, name) = (&r.addr.type_, &r.addr.name);
            let what = match r.addr.mode {
                ResourceMode::Data => "data",
                ResourceMode::Managed => "resource",
            };
            diags.push(
                Diagnostic::error(
                    format!("Duplicate {what} \"{ty}\" configuration"),
                    format!("A {ty} {what} named \"{name}\" was already declared."),
                )
                .at(Some(r.decl.clone())),
            );
            continue;
        }
        fresh.push((r.addr.clone(), r));
    }
    let mut added: BTreeMap<ResourceAddr, Box<Resource>> = fresh.into_iter().collect();
    cfg.resources.append(&mut added);
}
