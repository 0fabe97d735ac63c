//! The evaluator: walks an hcl-edit expression tree and produces a Hangar [`Value`].
//!
//! This module holds the entry point, the evaluation state (bindings made by `for` expressions)
//! and the simple expression kinds: literals, collection constructors, conditionals and plain
//! variables. Operators, traversals, templates, `for` expressions and function calls live in
//! their own modules as further `impl Evaluator` blocks. Errors are accumulated: every
//! sub-expression is evaluated and all of their diagnostics are reported together.

use std::collections::BTreeMap;
use std::ops::Range;

use hangar_core::convert::{convert, unify};
use hangar_core::{Diagnostic, Diagnostics, Number, Type, Value};
use hcl_edit::expr::{Array, Conditional, Expression, Object, ObjectKey};
use hcl_edit::parser::parse_expr;
use hcl_edit::template::HeredocTemplate;
use hcl_edit::{Formatted, Span};

use crate::scope::Scope;
use crate::source::SourceFile;

/// Everything an expression may need from its surroundings.
pub struct EvalContext<'a> {
    /// Resolves references such as `var.x`.
    pub scope: &'a dyn Scope,
    /// The file the expression was parsed from; diagnostics point into it.
    pub file: &'a SourceFile,
    /// What built-in functions need (base directory, template renderer).
    pub funcs: hangar_funcs::FuncContext<'a>,
}

/// Evaluates `expr` with Terraform's semantics; fails with every error found, each located in
/// `ctx.file`.
pub fn eval(expr: &Expression, ctx: &EvalContext) -> Result<Value, Diagnostics> {
    let whole = expr.span().unwrap_or(0..0);
    Evaluator::new(ctx).expr(expr, &whole)
}

/// The result of evaluating one sub-expression.
pub(crate) type Res = Result<Value, Diagnostics>;

/// Evaluation state for one call of [`eval`].
pub(crate) struct Evaluator<'c, 'a> {
    pub(crate) ctx: &'c EvalContext<'a>,
    /// Names bound by enclosing `for` expressions and template `for` directives, innermost last.
    locals: Vec<(String, Value)>,
    /// How many reference errors occurred; `can` and `try` never hide those, as Terraform
    /// reports them before evaluation.
    pub(crate) static_errors: usize,
    /// Where the text being evaluated starts in the file: non-zero inside a `<<-` heredoc that
    /// was re-parsed from its source to recover its original indentation.
    offset: usize,
}

impl<'c, 'a> Evaluator<'c, 'a> {
    pub(crate) fn new(ctx: &'c EvalContext<'a>) -> Self {
        Evaluator {
            ctx,
            locals: Vec::new(),
            static_errors: 0,
            offset: 0,
        }
    }

    /// An error diagnostic located at `span`.
    pub(crate) fn diag(
        &self,
        summary: &str,
        detail: impl Into<String>,
        span: &Range<usize>,
    ) -> Diagnostic {
        let span = span.start + self.offset..span.end + self.offset;
        Diagnostic::error(summary, detail).at(Some(self.ctx.file.range(span)))
    }

    /// An error diagnostic located at `span`, as a collection.
    pub(crate) fn fail(
        &self,
        summary: &str,
        detail: impl Into<String>,
        span: &Range<usize>,
    ) -> Diagnostics {
        self.diag(summary, detail, span).into()
    }

    /// Runs `f` with `bindings` visible as names, removing them afterwards.
    pub(crate) fn with_bindings<T>(
        &mut self,
        bindings: Vec<(String, Value)>,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let n = bindings.len();
        self.locals.extend(bindings);
        let out = f(self);
        let keep = self.locals.len().saturating_sub(n);
        self.locals.truncate(keep);
        out
    }

    /// A name bound by an enclosing `for`, if any.
    pub(crate) fn local(&self, name: &str) -> Option<&Value> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Evaluates one expression; `parent` locates it when it carries no span of its own.
    pub(crate) fn expr(&mut self, e: &Expression, parent: &Range<usize>) -> Res {
        let here = e.span().unwrap_or_else(|| parent.clone());
        match e {
            Expression::Null(_) => Ok(Value::NULL),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => self.number(n, &here),
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(a) => self.array(a, &here),
            Expression::Object(o) => self.object(o, &here),
            Expression::StringTemplate(t) => self.template(t, false, false, &here),
            Expression::HeredocTemplate(h) => self.heredoc(h, &here),
            Expression::Parenthesis(p) => self.expr(p.inner(), &here),
            Expression::Variable(v) => self.lookup(v.value().as_str(), &[], &here).map(|(v, _)| v),
            Expression::Conditional(c) => self.conditional(c, &here),
            Expression::FuncCall(f) => self.call(f, &here),
            Expression::Traversal(t) => self.traversal(t, &here),
            Expression::UnaryOp(u) => self.unary(u, &here),
            Expression::BinaryOp(b) => self.binary(b, &here),
            Expression::ForExpr(f) => self.for_expr(f, &here),
        }
    }

    /// The source text of a span of the expression being evaluated.
    pub(crate) fn source(&self, span: &Range<usize>) -> Option<&str> {
        self.ctx
            .file
            .code()
            .get(span.start + self.offset..span.end + self.offset)
    }

    /// A heredoc. For `<<-` the parser's own dedent differs from HCL's (which runs after strip
    /// markers), so the source is re-parsed as a plain `<<` heredoc and dedented here.
    fn heredoc(&mut self, h: &HeredocTemplate, here: &Range<usize>) -> Res {
        let plain = self
            .source(here)
            .and_then(|src| src.strip_prefix("<<-"))
            .and_then(|rest| parse_expr(&format!("<<{rest}")).ok());
        match plain {
            Some(Expression::HeredocTemplate(raw)) => {
                let saved = self.offset;
                self.offset += here.start + 1;
                let whole = 0..here.end - here.start - 1;
                let v = self.template(&raw.template, true, true, &whole);
                self.offset = saved;
                v
            }
            _ => self.template(&h.template, true, false, here),
        }
    }

    /// Resolves `name` followed by the attribute names `attrs`; returns the value and how many
    /// of `attrs` were consumed.
    pub(crate) fn lookup(
        &mut self,
        name: &str,
        attrs: &[&str],
        span: &Range<usize>,
    ) -> Result<(Value, usize), Diagnostics> {
        if let Some(v) = self.local(name) {
            return Ok((v.clone(), 0));
        }
        let mut chain = Vec::with_capacity(attrs.len() + 1);
        chain.push(name);
        chain.extend_from_slice(attrs);
        match self.ctx.scope.resolve(&chain) {
            Ok((v, used)) if used >= 1 && used <= chain.len() => Ok((v, used - 1)),
            Ok((_, used)) => Err(self.fail(
                "Invalid reference",
                format!(
                    "The scope consumed {used} names of a {}-name reference.",
                    chain.len()
                ),
                span,
            )),
            Err(e) => {
                self.static_errors += 1;
                Err(self.fail(&e.summary, e.detail, span))
            }
        }
    }

    fn number(&self, n: &Formatted<hcl_edit::Number>, here: &Range<usize>) -> Res {
        let repr = match n.as_repr() {
            Some(r) if !r.is_empty() => r.to_string(),
            _ => self
                .ctx
                .file
                .code()
                .get(here.clone())
                .unwrap_or_default()
                .to_string(),
        };
        let text: String = repr.chars().filter(|c| !c.is_whitespace()).collect();
        let parsed = Number::parse(&text).or_else(|_| Number::parse(&n.value().to_string()));
        parsed.map(Value::Number).map_err(|_| {
            self.fail(
                "Invalid number literal",
                format!("Failed to recognize the value of this number literal: {text}."),
                here,
            )
        })
    }

    fn array(&mut self, a: &Array, here: &Range<usize>) -> Res {
        let mut diags = Diagnostics::new();
        let mut items = Vec::with_capacity(a.len());
        for e in a.iter() {
            match self.expr(e, here) {
                Ok(v) => items.push(v),
                Err(d) => diags.extend(d),
            }
        }
        if diags.is_empty() {
            Ok(Value::Tuple(items))
        } else {
            Err(diags)
        }
    }

    fn object(&mut self, o: &Object, here: &Range<usize>) -> Res {
        let mut diags = Diagnostics::new();
        let mut out = BTreeMap::new();
        let mut unknown = false;
        let mut marked = false;
        for (key, value) in o.iter() {
            let key = match key {
                ObjectKey::Ident(id) => Ok(Value::string(id.value().as_str())),
                ObjectKey::Expression(Expression::Null(_)) => Ok(Value::string("null")),
                ObjectKey::Expression(Expression::Bool(b)) => {
                    Ok(Value::string(b.value().to_string()))
                }
                ObjectKey::Expression(e) => self.expr(e, here).and_then(|k| {
                    let span = e.span().unwrap_or_else(|| here.clone());
                    self.object_key(k, &span)
                }),
            };
            let value = self.expr(value.expr(), here);
            match (key, value) {
                (Ok(k), Ok(v)) => {
                    let (k, m) = k.unmark();
                    marked |= m;
                    match k {
                        Value::String(k) => {
                            out.insert(k, v);
                        }
                        _ => unknown = true,
                    }
                }
                (k, v) => {
                    diags.extend(k.err().into_iter().flatten());
                    diags.extend(v.err().into_iter().flatten());
                }
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let v = if unknown {
            Value::Unknown(Type::Dynamic)
        } else {
            Value::Object(out)
        };
        Ok(v.mark_if(marked))
    }

    /// Checks an evaluated object key: a string (possibly unknown), never null.
    fn object_key(&self, k: Value, span: &Range<usize>) -> Res {
        let (k, m) = k.unmark();
        if k.is_null() {
            return Err(self.fail(
                "Null value as key",
                "Can't use a null value as a key.",
                span,
            ));
        }
        match convert(k, &Type::String) {
            Ok(v) => Ok(v.mark_if(m)),
            Err(e) => Err(self.fail(
                "Incorrect key type",
                format!("Can't use this value as a key: {}.", e.message),
                span,
            )),
        }
    }

    fn conditional(&mut self, c: &Conditional, here: &Range<usize>) -> Res {
        let t = self.expr(&c.true_expr, here);
        let f = self.expr(&c.false_expr, here);
        let ty_of = |r: &Res| r.as_ref().map(Value::ty).unwrap_or(Type::Dynamic);
        let (tt, ft) = (ty_of(&t), ty_of(&f));
        let mut diags = Diagnostics::new();
        // HCL: a literal `null` takes the other branch's type, a branch of undecided type
        // leaves the result undecided, and otherwise both types unify.
        let untyped_null = |r: &Res| matches!(r, Ok(Value::Null(Type::Dynamic)));
        let unified = if untyped_null(&t) {
            Some(ft.clone())
        } else if untyped_null(&f) {
            Some(tt.clone())
        } else if tt == Type::Dynamic || ft == Type::Dynamic {
            Some(Type::Dynamic)
        } else {
            unify(&[tt.clone(), ft.clone()])
        };
        let ty = match unified {
            Some(ty) => ty,
            None => {
                diags.push(self.diag(
                    "Inconsistent conditional result types",
                    format!(
                        "The true and false result expressions must have consistent types. The \
                         'true' value is {}, but the 'false' value is {}.",
                        tt.friendly_name(),
                        ft.friendly_name()
                    ),
                    here,
                ));
                Type::Dynamic
            }
        };
        let cond_span = c.cond_expr.span().unwrap_or_else(|| here.clone());
        let cond = match self.expr(&c.cond_expr, here) {
            Ok(v) => v,
            Err(d) => {
                diags.extend(d);
                return Err(diags);
            }
        };
        let (cond, marked) = cond.unmark();
        let cond = if cond.is_null() {
            diags.push(self.diag(
                "Null condition",
                "The condition value is null. Conditions must either be true or false.",
                &cond_span,
            ));
            None
        } else {
            match convert(cond, &Type::Bool) {
                Ok(v) => Some(v),
                Err(_) => {
                    diags.push(self.diag(
                        "Incorrect condition type",
                        "The condition expression must be of type bool.",
                        &cond_span,
                    ));
                    None
                }
            }
        };
        if !diags.is_empty() {
            return Err(diags);
        }
        let (chosen, which, span) = match cond.as_ref().and_then(Value::as_bool) {
            None => return Ok(Value::Unknown(ty).mark_if(marked)),
            Some(true) => (t, "true", c.true_expr.span()),
            Some(false) => (f, "false", c.false_expr.span()),
        };
        let span = span.unwrap_or_else(|| here.clone());
        let v = chosen?;
        convert(v, &ty).map(|v| v.mark_if(marked)).map_err(|e| {
            self.fail(
                "Inconsistent conditional result types",
                format!("The '{which}' result value has the wrong type: {e}."),
                &span,
            )
        })
    }
}
