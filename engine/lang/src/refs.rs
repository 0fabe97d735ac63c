//! Finding the references an expression makes, for building the dependency graph.
//!
//! Every name lookup is reported with its leading chain of attribute names and its byte range,
//! except names bound by an enclosing `for` expression or template `for` directive. Names such
//! as `count` and `each` are reported too; the engine decides what they mean. Nothing is
//! evaluated, so references in branches that would not be taken are included.

use std::ops::Range;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span;

/// One reference: `chain` holds the leading attribute names (`["var", "x"]`), `range` its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The root name and the attribute names directly after it.
    pub chain: Vec<String>,
    /// Byte range of the root name through the last name in `chain`.
    pub range: Range<usize>,
}

/// Lists every reference in `expr`, in source order, so the engine can order evaluation.
pub fn references(expr: &Expression) -> Vec<Reference> {
    let mut w = Walker {
        bound: Vec::new(),
        out: Vec::new(),
    };
    w.expr(expr);
    w.out
}

struct Walker {
    bound: Vec<String>,
    out: Vec<Reference>,
}

impl Walker {
    fn push(&mut self, name: &str, attrs: Vec<String>, range: Range<usize>) {
        if self.bound.iter().any(|b| b == name) {
            return;
        }
        let mut chain = vec![name.to_string()];
        chain.extend(attrs);
        self.out.push(Reference { chain, range });
    }

    fn scoped(&mut self, names: Vec<String>, f: impl FnOnce(&mut Self)) {
        let n = self.bound.len();
        self.bound.extend(names);
        f(self);
        self.bound.truncate(n);
    }

    fn expr(&mut self, e: &Expression) {
        match e {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Array(a) => a.iter().for_each(|x| self.expr(x)),
            Expression::Object(o) => {
                for (k, v) in o.iter() {
                    if let ObjectKey::Expression(k) = k {
                        if !matches!(k, Expression::Null(_) | Expression::Bool(_)) {
                            self.expr(k);
                        }
                    }
                    self.expr(v.expr());
                }
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(v) => {
                let range = e.span().unwrap_or(0..0);
                self.push(v.value().as_str(), Vec::new(), range);
            }
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::FuncCall(f) => f.args.iter().for_each(|a| self.expr(a)),
            Expression::Traversal(t) => {
                if let Expression::Variable(root) = &t.expr {
                    let mut attrs = Vec::new();
                    let mut range = t.expr.span().unwrap_or(0..0);
                    for op in &t.operators {
                        let TraversalOperator::GetAttr(id) = op.value() else {
                            break;
                        };
                        attrs.push(id.value().as_str().to_string());
                        if let Some(s) = op.span().or_else(|| op.value().span()) {
                            range.end = range.end.max(s.end);
                        }
                    }
                    self.push(root.value().as_str(), attrs, range);
                } else {
                    self.expr(&t.expr);
                }
                for op in &t.operators {
                    if let TraversalOperator::Index(ix) = op.value() {
                        self.expr(ix);
                    }
                }
            }
            Expression::UnaryOp(u) => self.expr(&u.expr),
            Expression::BinaryOp(b) => {
                self.expr(&b.lhs_expr);
                self.expr(&b.rhs_expr);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr);
                let mut names = vec![f.intro.value_var.value().as_str().to_string()];
                if let Some(k) = &f.intro.key_var {
                    names.push(k.value().as_str().to_string());
                }
                self.scoped(names, |w| {
                    if let Some(k) = &f.key_expr {
                        w.expr(k);
                    }
                    w.expr(&f.value_expr);
                    if let Some(c) = &f.cond {
                        w.expr(&c.expr);
                    }
                });
            }
        }
    }

    fn template(&mut self, t: &Template) {
        for e in t.iter() {
            match e {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        self.expr(&d.if_expr.cond_expr);
                        self.template(&d.if_expr.template);
                        if let Some(e) = &d.else_expr {
                            self.template(&e.template);
                        }
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        self.expr(&f.collection_expr);
                        let mut names = vec![f.value_var.value().as_str().to_string()];
                        if let Some(k) = &f.key_var {
                            names.push(k.value().as_str().to_string());
                        }
                        self.scoped(names, |w| w.template(&f.template));
                    }
                },
            }
        }
    }
}
