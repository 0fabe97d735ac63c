//! References as Terraform lists them in the JSON plan: for each reference the full traversal,
//! then each shorter prefix down to the referenceable object, then (for an instance with a key)
//! the whole resource or module call. Read by the `configuration` section, by
//! `relevant_attributes`, and by the planner for `replace_triggered_by`.

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};
use serde_json::Value as Json;

/// One step of a traversal after its root name.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `.name`.
    Attr(String),
    /// `[0]` or `["key"]`, a literal key.
    Key(Json),
}

impl Step {
    fn text(&self) -> String {
        match self {
            Step::Attr(a) => format!(".{a}"),
            Step::Key(k) => format!("[{k}]"),
        }
    }
}

/// A reference found in an expression: the referenceable subject and what follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// The subject (`var.x`, `aws_s3_bucket.b`, `aws_s3_bucket.b[0]`, `module.m.out`).
    pub subject: String,
    /// The whole resource or module call, when the subject is one of its keyed instances.
    pub unkeyed: Option<String>,
    /// Managed or data resource subject: `(resource address text without key, key step)`.
    pub resource: Option<String>,
    /// Attribute and key steps after the subject.
    pub remaining: Vec<Step>,
}

impl Reference {
    /// Terraform's list for this reference: longest first, then the subject, then unkeyed.
    pub fn strings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for n in (1..=self.remaining.len()).rev() {
            let tail: String = self.remaining[..n].iter().map(Step::text).collect();
            out.push(format!("{}{tail}", self.subject));
        }
        out.push(self.subject.clone());
        out.extend(self.unkeyed.clone());
        out
    }
}

/// Terraform's `references` of an expression.
pub fn references(e: &Expression) -> Vec<String> {
    expression_references(e)
        .iter()
        .flat_map(Reference::strings)
        .collect()
}

/// The references of an expression, in source order.
pub fn expression_references(e: &Expression) -> Vec<Reference> {
    let mut out = Vec::new();
    refs(e, &mut Vec::new(), &mut out);
    out
}

fn refs(e: &Expression, bound: &mut Vec<String>, out: &mut Vec<Reference>) {
    match e {
        Expression::Variable(v) => {
            let name = v.value().as_str();
            if !bound.iter().any(|b| b == name) {
                out.extend(subject(name, &[]));
            }
        }
        Expression::Traversal(t) => {
            if let Expression::Variable(root) = &t.expr {
                let name = root.value().as_str();
                if !bound.iter().any(|b| b == name) {
                    let mut steps = Vec::new();
                    for op in &t.operators {
                        match op.value() {
                            TraversalOperator::GetAttr(id) => {
                                steps.push(Step::Attr(id.value().as_str().to_string()))
                            }
                            TraversalOperator::LegacyIndex(n) => {
                                steps.push(Step::Key(Json::from(*n.value())))
                            }
                            TraversalOperator::Index(Expression::Number(n)) => {
                                steps.push(Step::Key(
                                    serde_json::from_str(&n.value().to_string())
                                        .unwrap_or(Json::Null),
                                ))
                            }
                            TraversalOperator::Index(Expression::String(s)) => {
                                steps.push(Step::Key(Json::String(s.value().to_string())))
                            }
                            _ => break,
                        }
                    }
                    out.extend(subject(name, &steps));
                }
            } else {
                refs(&t.expr, bound, out);
            }
            for op in &t.operators {
                if let TraversalOperator::Index(ix) = op.value() {
                    refs(ix, bound, out);
                }
            }
        }
        Expression::ForExpr(f) => {
            refs(&f.intro.collection_expr, bound, out);
            let n = bound.len();
            bound.push(f.intro.value_var.value().as_str().to_string());
            if let Some(k) = &f.intro.key_var {
                bound.push(k.value().as_str().to_string());
            }
            if let Some(k) = &f.key_expr {
                refs(k, bound, out);
            }
            refs(&f.value_expr, bound, out);
            if let Some(c) = &f.cond {
                refs(&c.expr, bound, out);
            }
            bound.truncate(n);
        }
        Expression::Array(a) => a.iter().for_each(|x| refs(x, bound, out)),
        Expression::Object(o) => {
            for (k, v) in o.iter() {
                if let ObjectKey::Expression(k) = k {
                    // A bare identifier key is a name, not a reference.
                    if !matches!(k, Expression::Variable(_)) {
                        refs(k, bound, out);
                    }
                }
                refs(v.expr(), bound, out);
            }
        }
        Expression::StringTemplate(t) => template_refs(t, bound, out),
        Expression::HeredocTemplate(h) => template_refs(&h.template, bound, out),
        Expression::Parenthesis(p) => refs(p.inner(), bound, out),
        Expression::Conditional(c) => {
            refs(&c.cond_expr, bound, out);
            refs(&c.true_expr, bound, out);
            refs(&c.false_expr, bound, out);
        }
        Expression::FuncCall(c) => c.args.iter().for_each(|a| refs(a, bound, out)),
        Expression::UnaryOp(u) => refs(&u.expr, bound, out),
        Expression::BinaryOp(b) => {
            refs(&b.lhs_expr, bound, out);
            refs(&b.rhs_expr, bound, out);
        }
        _ => {}
    }
}

fn template_refs(t: &Template, bound: &mut Vec<String>, out: &mut Vec<Reference>) {
    for el in t.iter() {
        match el {
            Element::Literal(_) => {}
            Element::Interpolation(i) => refs(&i.expr, bound, out),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    refs(&d.if_expr.cond_expr, bound, out);
                    template_refs(&d.if_expr.template, bound, out);
                    if let Some(e) = &d.else_expr {
                        template_refs(&e.template, bound, out);
                    }
                }
                Directive::For(d) => {
                    let f = &d.for_expr;
                    refs(&f.collection_expr, bound, out);
                    let n = bound.len();
                    bound.push(f.value_var.value().as_str().to_string());
                    if let Some(k) = &f.key_var {
                        bound.push(k.value().as_str().to_string());
                    }
                    template_refs(&f.template, bound, out);
                    bound.truncate(n);
                }
            },
        }
    }
}

/// Splits a traversal into Terraform's referenceable subject and the remaining steps.
fn subject(root: &str, steps: &[Step]) -> Option<Reference> {
    let attr = |i: usize| match steps.get(i) {
        Some(Step::Attr(a)) => Some(a.as_str()),
        _ => None,
    };
    let key = |i: usize| match steps.get(i) {
        Some(Step::Key(k)) => Some(k.clone()),
        _ => None,
    };
    let simple = |n: usize| Reference {
        subject: String::new(),
        unkeyed: None,
        resource: None,
        remaining: steps[n.min(steps.len())..].to_vec(),
    };
    match root {
        "var" | "local" | "path" | "terraform" | "count" | "each" => {
            let name = attr(0)?;
            Some(Reference {
                subject: format!("{root}.{name}"),
                ..simple(1)
            })
        }
        "self" => None,
        "module" => {
            let name = attr(0)?;
            let (call, mut n, keyed) = match key(1) {
                Some(k) => (format!("module.{name}[{k}]"), 2, true),
                None => (format!("module.{name}"), 1, false),
            };
            match attr(n) {
                Some(out) => {
                    n += 1;
                    Some(Reference {
                        subject: format!("{call}.{out}"),
                        unkeyed: Some(call),
                        ..simple(n)
                    })
                }
                None => Some(Reference {
                    subject: call,
                    unkeyed: keyed.then(|| format!("module.{name}")),
                    ..simple(n)
                }),
            }
        }
        _ => {
            let (base, n) = if root == "data" {
                (format!("data.{}.{}", attr(0)?, attr(1)?), 2)
            } else {
                (format!("{root}.{}", attr(0)?), 1)
            };
            Some(match key(n) {
                Some(k) => Reference {
                    subject: format!("{base}[{k}]"),
                    unkeyed: Some(base.clone()),
                    resource: Some(base),
                    ..simple(n + 1)
                },
                None => Reference {
                    subject: base.clone(),
                    unkeyed: None,
                    resource: Some(base),
                    ..simple(n)
                },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs_of(src: &str) -> Vec<String> {
        let e: Expression = src.parse().expect("expression");
        references(&e)
    }

    #[test]
    fn references_follow_terraform() {
        assert_eq!(
            refs_of("aws_s3_bucket.artifacts.id"),
            ["aws_s3_bucket.artifacts.id", "aws_s3_bucket.artifacts"]
        );
        assert_eq!(
            refs_of("module.data_plane.bucket_name"),
            ["module.data_plane.bucket_name", "module.data_plane"]
        );
        assert_eq!(refs_of("module.m[0].y"), ["module.m[0].y", "module.m[0]"]);
        assert_eq!(
            refs_of("terraform_data.f[\"a\"].output.k"),
            [
                "terraform_data.f[\"a\"].output.k",
                "terraform_data.f[\"a\"].output",
                "terraform_data.f[\"a\"]",
                "terraform_data.f"
            ]
        );
        assert_eq!(
            refs_of("\"${local.names[count.index]}-x\""),
            ["local.names", "count.index"]
        );
        assert_eq!(refs_of("terraform_data.c[*].id"), ["terraform_data.c"]);
        assert_eq!(
            refs_of("[for s in var.l : s if s != each.key]"),
            ["var.l", "each.key"]
        );
    }
}
