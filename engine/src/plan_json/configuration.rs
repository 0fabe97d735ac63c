//! The `configuration` section of Terraform's plan JSON: the configuration as written, not
//! evaluated — provider configurations, each module's resources, calls, variables and outputs,
//! every argument as an expression with its constant value or the references it makes.
//!
//! Policy tools (Checkov's "connected resources" checks, OPA policies) follow `references` to
//! tie one resource to another, e.g. a bucket to its `aws_s3_bucket_public_access_block`.
//! References are listed as Terraform lists them ([`references`](super::references)).
//! `constant_value` is set when the expression needs no
//! variables and no functions. Leaves out `dynamic` blocks (their content is not listed),
//! `version_constraint` (Hangar's providers are built in) and provisioners (Hangar has none).

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::{Directive, Element, Template};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value as Json;

use hangar_core::json::to_json;
use hangar_core::{ModulePath, ResourceMode};
use hangar_provider::BlockSchema;

use crate::config::{Config, Expr, Module};
use crate::registry::Registry;

use super::provider_source;
use super::references::references;

/// The whole `configuration` object; `R` holds each module's resources (a list, or
/// [`LiveResources`] that builds each entry as it is written).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(bound(
    serialize = "R: Serialize + Resources",
    deserialize = "R: Deserialize<'de> + Default"
))]
pub struct Configuration<R = Vec<ConfigResource>> {
    /// Provider configurations by key (`aws`, `aws.eu`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub provider_config: BTreeMap<String, ProviderConfig>,
    /// The root module.
    pub root_module: ConfigModule<R>,
}

/// One provider configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProviderConfig {
    /// Local name (`aws`).
    pub name: String,
    /// Source address (`registry.terraform.io/hashicorp/aws`).
    pub full_name: String,
    /// `alias`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// The module an implied configuration belongs to (absent for the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_address: Option<String>,
    /// The block's arguments.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub expressions: Expressions,
}

/// Arguments and nested blocks by name.
pub type Expressions = BTreeMap<String, ExpressionOrBlocks>;

/// An argument, a single nested block, or a list of nested blocks.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ExpressionOrBlocks {
    /// An argument.
    Expression(Expression_),
    /// Nested blocks of one type, in order.
    Blocks(Vec<Expressions>),
}

/// One expression: its constant value, or the references it makes (or neither).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Expression_ {
    /// The value, when the expression is a constant (`null` included).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub constant_value: Option<Json>,
    /// What it refers to, in Terraform's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// A present field, `null` included (plain `Option` would read `null` as absent).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Json>, D::Error> {
    Json::deserialize(d).map(Some)
}

/// One module's configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(bound(
    serialize = "R: Serialize + Resources",
    deserialize = "R: Deserialize<'de> + Default"
))]
pub struct ConfigModule<R = Vec<ConfigResource>> {
    /// `output` blocks by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, ConfigOutput>,
    /// `resource` and `data` blocks.
    #[serde(default, skip_serializing_if = "Resources::is_empty")]
    pub resources: R,
    /// `module` blocks by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub module_calls: BTreeMap<String, ModuleCall<R>>,
    /// `variable` blocks by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, ConfigVariable>,
}

/// An `output` block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConfigOutput {
    /// `sensitive = true`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// `value`.
    pub expression: Expression_,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `depends_on`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// A `variable` block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConfigVariable {
    /// `default`, when given (`null` included).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub default: Option<Json>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `sensitive = true`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

/// A `resource` or `data` block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConfigResource {
    /// Address inside its module (`aws_s3_bucket.b`).
    pub address: String,
    /// `managed` or `data`.
    pub mode: String,
    /// Resource type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Resource name.
    pub name: String,
    /// Key of its provider configuration in `provider_config`.
    pub provider_config_key: String,
    /// Arguments and nested blocks.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub expressions: Expressions,
    /// Schema version.
    pub schema_version: u64,
    /// `count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_expression: Option<Expression_>,
    /// `for_each`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_each_expression: Option<Expression_>,
    /// `depends_on`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// A `module` block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(bound(
    serialize = "R: Serialize + Resources",
    deserialize = "R: Deserialize<'de> + Default"
))]
pub struct ModuleCall<R = Vec<ConfigResource>> {
    /// `source`, as written.
    pub source: String,
    /// Input variable values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub expressions: Expressions,
    /// `count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_expression: Option<Expression_>,
    /// `for_each`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_each_expression: Option<Expression_>,
    /// The called module.
    pub module: ConfigModule<R>,
    /// `depends_on`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// The `configuration` of `cfg`, schemas (for block nesting) from `registry`.
pub fn configuration(cfg: &Config, registry: &Registry) -> Configuration {
    configuration_with(cfg, registry, &|path| {
        module_blocks(cfg, path)
            .map(|r| config_resource(cfg, registry, r))
            .collect()
    })
}

/// The `configuration` of `cfg` with each module's resources written as they are built, for a
/// plan streamed as JSON rather than kept (100k resources described at once cost 200 MB).
pub fn live_configuration<'a>(
    cfg: &'a Config,
    registry: &'a Registry,
) -> Configuration<LiveResources<'a>> {
    configuration_with(cfg, registry, &|path| LiveResources {
        cfg,
        registry,
        path: path.clone(),
    })
}

/// What a module's `resources` can be: [`Resources::is_empty`] leaves an empty one out.
pub trait Resources {
    /// Whether there is no resource to write.
    fn is_empty(&self) -> bool;
}

impl Resources for Vec<ConfigResource> {
    fn is_empty(&self) -> bool {
        <[ConfigResource]>::is_empty(self)
    }
}

/// One module's resources, each described as it is serialized.
#[derive(Clone)]
pub struct LiveResources<'a> {
    cfg: &'a Config,
    registry: &'a Registry,
    path: ModulePath,
}

impl std::fmt::Debug for LiveResources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LiveResources({})", self.path)
    }
}

/// The `resource` and `data` blocks of the module at `path`.
fn module_blocks<'a>(
    cfg: &'a Config,
    path: &'a ModulePath,
) -> impl Iterator<Item = &'a crate::config::Resource> {
    cfg.resources
        .values()
        .filter(move |r| r.addr.module == *path)
        .map(|r| &**r)
}

impl Resources for LiveResources<'_> {
    fn is_empty(&self) -> bool {
        module_blocks(self.cfg, &self.path).next().is_none()
    }
}

impl Serialize for LiveResources<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        for r in module_blocks(self.cfg, &self.path) {
            seq.serialize_element(&config_resource(self.cfg, self.registry, r))?;
        }
        seq.end()
    }
}

fn configuration_with<R>(
    cfg: &Config,
    registry: &Registry,
    resources: &dyn Fn(&ModulePath) -> R,
) -> Configuration<R> {
    let mut provider_config = BTreeMap::new();
    for ((name, alias), block) in &cfg.providers {
        let schema = registry.schema(name).map(|s| s.provider.clone());
        provider_config.insert(
            provider_key(name, alias.as_deref()),
            ProviderConfig {
                name: name.clone(),
                full_name: provider_source(name),
                alias: alias.clone(),
                module_address: None,
                expressions: body_expressions(&block.body.body, schema.as_ref()),
            },
        );
    }
    for r in cfg.resources.values() {
        let (key, module_address) = resource_provider_key(cfg, r);
        provider_config
            .entry(key)
            .or_insert_with(|| ProviderConfig {
                name: r.provider.name.clone(),
                full_name: provider_source(&r.provider.name),
                alias: r.provider.alias.clone(),
                module_address,
                expressions: BTreeMap::new(),
            });
    }
    Configuration {
        provider_config,
        root_module: module(cfg, &ModulePath::root(), resources),
    }
}

/// The `provider_config` key of a resource's provider, and the module owning an implied one.
///
/// A configuration declared in the root (`provider "aws" {}`) is inherited by every module and
/// keyed `aws`. Without a block, Terraform implies one empty configuration in the root when the
/// root's own resources use the provider (`terraform`), which modules inherit too; otherwise
/// one per top-level module call for everything below it (`module.net:terraform`).
fn resource_provider_key(cfg: &Config, r: &crate::config::Resource) -> (String, Option<String>) {
    let p = &r.provider;
    let key = provider_key(&p.name, p.alias.as_deref());
    let in_root = |q: &crate::config::ProviderRef| {
        cfg.providers
            .contains_key(&(q.name.clone(), q.alias.clone()))
            || cfg
                .resources
                .values()
                .any(|x| x.addr.module.is_root() && x.provider == *q)
    };
    if r.addr.module.is_root() || in_root(p) {
        return (key, None);
    }
    let top = ModulePath(r.addr.module.0[..1].to_vec())
        .static_form()
        .to_string();
    (format!("{top}:{key}"), Some(top))
}

fn provider_key(name: &str, alias: Option<&str>) -> String {
    match alias {
        Some(a) => format!("{name}.{a}"),
        None => name.to_string(),
    }
}

fn config_resource(
    cfg: &Config,
    registry: &Registry,
    r: &crate::config::Resource,
) -> ConfigResource {
    let data = r.addr.mode == ResourceMode::Data;
    let schema = registry
        .resource_schema(&r.provider.name, &r.addr.type_, data)
        .map(|s| &s.block);
    ConfigResource {
        address: r.addr.local(),
        mode: super::values::mode_name(r.addr.mode).into(),
        type_: r.addr.type_.clone(),
        name: r.addr.name.clone(),
        provider_config_key: resource_provider_key(cfg, r).0,
        expressions: body_expressions(&r.body.body, schema),
        schema_version: 0,
        count_expression: r.count.as_deref().map(expression),
        for_each_expression: r.for_each.as_deref().map(expression),
        depends_on: r.depends_on.iter().map(source_text).collect(),
    }
}

fn module<R>(
    cfg: &Config,
    path: &ModulePath,
    resources: &dyn Fn(&ModulePath) -> R,
) -> ConfigModule<R> {
    let Some(m) = cfg.modules.get(path) else {
        return ConfigModule {
            outputs: BTreeMap::new(),
            resources: resources(path),
            module_calls: BTreeMap::new(),
            variables: BTreeMap::new(),
        };
    };
    ConfigModule {
        outputs: outputs(m),
        resources: resources(path),
        module_calls: m
            .calls
            .iter()
            .map(|(name, call)| {
                let mut child = path.clone();
                child.0.push((name.clone(), hangar_core::InstanceKey::None));
                let c = ModuleCall {
                    source: call.source.clone(),
                    expressions: call
                        .inputs
                        .iter()
                        .map(|(k, e)| (k.clone(), ExpressionOrBlocks::Expression(expression(e))))
                        .collect(),
                    count_expression: call.count.as_ref().map(expression),
                    for_each_expression: call.for_each.as_ref().map(expression),
                    module: module(cfg, &child, resources),
                    depends_on: call.depends_on.iter().map(source_text).collect(),
                };
                (name.clone(), c)
            })
            .collect(),
        variables: m
            .variables
            .iter()
            .map(|(name, v)| {
                let default = v
                    .default
                    .as_ref()
                    .map(|d| constant(&d.expr).unwrap_or(Json::Null));
                let var = ConfigVariable {
                    default,
                    description: v.description.clone(),
                    sensitive: v.sensitive,
                };
                (name.clone(), var)
            })
            .collect(),
    }
}

fn outputs(m: &Module) -> BTreeMap<String, ConfigOutput> {
    m.outputs
        .iter()
        .map(|(name, o)| {
            let out = ConfigOutput {
                sensitive: o.sensitive,
                expression: expression(&o.value),
                description: o.description.clone(),
                depends_on: o.depends_on.iter().map(source_text).collect(),
            };
            (name.clone(), out)
        })
        .collect()
}

/// The source text of an expression (`depends_on` entries are addresses).
fn source_text(e: &Expr) -> String {
    use hcl_edit::Span;
    let span = e.expr.span().unwrap_or(0..0);
    e.file.text.get(span).unwrap_or_default().trim().to_string()
}

/// One expression's constant value or references.
pub fn expression(e: &Expr) -> Expression_ {
    expr_json(&e.expr)
}

fn expr_json(e: &Expression) -> Expression_ {
    let references = references(e);
    let constant_value = if references.is_empty() {
        constant(e)
    } else {
        None
    };
    Expression_ {
        constant_value,
        references,
    }
}

/// The expressions of a block body; nested blocks by the schema's nesting.
fn body_expressions(body: &Body, schema: Option<&BlockSchema>) -> Expressions {
    let mut out = Expressions::new();
    let mut blocks: BTreeMap<String, Vec<Expressions>> = BTreeMap::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                out.insert(
                    a.key.as_str().to_string(),
                    ExpressionOrBlocks::Expression(expr_json(&a.value)),
                );
            }
            Structure::Block(b) => {
                let name = b.ident.as_str();
                if name == "dynamic" || name == "lifecycle" {
                    continue;
                }
                let inner = schema.and_then(|s| s.blocks.get(name)).map(|n| &n.block);
                blocks
                    .entry(name.to_string())
                    .or_default()
                    .push(body_expressions(&b.body, inner));
            }
        }
    }
    // Terraform's AWS provider (plugin SDK) models every nested block as a list or set, so
    // blocks are always listed as arrays, whatever nesting Hangar's schema gives them.
    for (name, items) in blocks {
        out.insert(name, ExpressionOrBlocks::Blocks(items));
    }
    out
}

/// The value of an expression that needs no variables and no functions.
fn constant(e: &Expression) -> Option<Json> {
    if !references(e).is_empty() || calls_function(e) {
        return None;
    }
    let file = std::sync::Arc::new(hangar_lang::SourceFile::new("<constant>", String::new()));
    let ctx = hangar_lang::EvalContext {
        scope: &hangar_lang::EmptyScope,
        file: &file,
        funcs: hangar_funcs::FuncContext {
            base_dir: std::path::Path::new("."),
            render_template: None,
        },
    };
    hangar_lang::eval(e, &ctx).ok().map(|v| to_json(&v))
}

fn calls_function(e: &Expression) -> bool {
    let mut found = false;
    walk(e, &mut |x| found |= matches!(x, Expression::FuncCall(_)));
    found
}

/// Calls `f` on `e` and every expression inside it.
fn walk(e: &Expression, f: &mut dyn FnMut(&Expression)) {
    f(e);
    match e {
        Expression::Array(a) => a.iter().for_each(|x| walk(x, f)),
        Expression::Object(o) => {
            for (k, v) in o.iter() {
                if let ObjectKey::Expression(k) = k {
                    walk(k, f);
                }
                walk(v.expr(), f);
            }
        }
        Expression::StringTemplate(t) => walk_template(t, f),
        Expression::HeredocTemplate(h) => walk_template(&h.template, f),
        Expression::Parenthesis(p) => walk(p.inner(), f),
        Expression::Conditional(c) => {
            walk(&c.cond_expr, f);
            walk(&c.true_expr, f);
            walk(&c.false_expr, f);
        }
        Expression::FuncCall(c) => c.args.iter().for_each(|a| walk(a, f)),
        Expression::Traversal(t) => {
            walk(&t.expr, f);
            for op in &t.operators {
                if let TraversalOperator::Index(ix) = op.value() {
                    walk(ix, f);
                }
            }
        }
        Expression::UnaryOp(u) => walk(&u.expr, f),
        Expression::BinaryOp(b) => {
            walk(&b.lhs_expr, f);
            walk(&b.rhs_expr, f);
        }
        Expression::ForExpr(x) => {
            walk(&x.intro.collection_expr, f);
            if let Some(k) = &x.key_expr {
                walk(k, f);
            }
            walk(&x.value_expr, f);
            if let Some(c) = &x.cond {
                walk(&c.expr, f);
            }
        }
        _ => {}
    }
}

fn walk_template(t: &Template, f: &mut dyn FnMut(&Expression)) {
    for el in t.iter() {
        match el {
            Element::Literal(_) => {}
            Element::Interpolation(i) => walk(&i.expr, f),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    walk(&d.if_expr.cond_expr, f);
                    walk_template(&d.if_expr.template, f);
                    if let Some(e) = &d.else_expr {
                        walk_template(&e.template, f);
                    }
                }
                Directive::For(d) => {
                    walk(&d.for_expr.collection_expr, f);
                    walk_template(&d.for_expr.template, f);
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_need_no_variables_or_functions() {
        let c = |s: &str| constant(&s.parse::<Expression>().expect("expression"));
        assert_eq!(c("1 + 2"), Some(Json::from(3)));
        assert_eq!(c("null"), Some(Json::Null));
        assert_eq!(c("upper(\"a\")"), None);
        assert_eq!(c("var.x"), None);
    }
}
