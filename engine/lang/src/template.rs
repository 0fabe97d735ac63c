//! String templates and heredocs: interpolation, `%{if}` and `%{for}` directives, strip markers.
//!
//! A template that is exactly one interpolation yields the interpolated value itself, untouched.
//! Otherwise every part must convert to a string: null and collections are errors, numbers
//! render through [`hangar_core::Number`]'s display. Any unknown part makes the whole string
//! unknown, any sensitive part makes it sensitive. A `~` next to a marker strips the whitespace
//! (newlines included) of the literal on that side. Heredoc indentation (`<<-`) is removed by
//! the parser already.

use std::ops::Range;

use hangar_core::convert::convert;
use hangar_core::{Diagnostics, Type, Value};
use hcl_edit::expr::Expression;
use hcl_edit::template::{Directive, Element, ForDirective, IfDirective, Template};
use hcl_edit::Span;

use crate::eval::{Evaluator, Res};
use crate::forexpr::{iterate, Iteration};

/// The string being built and what is known about it.
#[derive(Default)]
struct Rendered {
    text: String,
    unknown: bool,
    marked: bool,
}

/// Whether an element's opening marker strips the literal before it.
fn strips_before(e: &Element) -> bool {
    match e {
        Element::Literal(_) => false,
        Element::Interpolation(i) => i.strip.strip_start(),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(d) => d.if_expr.strip.strip_start(),
            Directive::For(d) => d.for_expr.strip.strip_start(),
        },
    }
}

/// Whether an element's closing marker strips the literal after it.
fn strips_after(e: &Element) -> bool {
    match e {
        Element::Literal(_) => false,
        Element::Interpolation(i) => i.strip.strip_end(),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(d) => d.endif_expr.strip.strip_end(),
            Directive::For(d) => d.endfor_expr.strip.strip_end(),
        },
    }
}

impl<'c, 'a> Evaluator<'c, 'a> {
    pub(crate) fn template(&mut self, t: &Template, here: &Range<usize>) -> Res {
        if let Some(Element::Interpolation(i)) = t.as_single_element() {
            return self.expr(&i.expr, here);
        }
        let mut out = Rendered::default();
        self.render(t, false, false, &mut out, here)?;
        let v = if out.unknown {
            Value::Unknown(Type::String)
        } else {
            Value::String(out.text)
        };
        Ok(v.mark_if(out.marked))
    }

    /// Renders `t` into `out`; `trim_start`/`trim_end` come from the enclosing directive's markers.
    fn render(
        &mut self,
        t: &Template,
        trim_start: bool,
        trim_end: bool,
        out: &mut Rendered,
        here: &Range<usize>,
    ) -> Result<(), Diagnostics> {
        let elems: Vec<&Element> = t.iter().collect();
        let mut diags = Diagnostics::new();
        for (i, e) in elems.iter().enumerate() {
            let r = match e {
                Element::Literal(lit) => {
                    let mut s: &str = lit.value();
                    let first = i == 0;
                    let last = i + 1 == elems.len();
                    if (first && trim_start) || (!first && strips_after(elems[i - 1])) {
                        s = s.trim_start();
                    }
                    if (last && trim_end) || (!last && strips_before(elems[i + 1])) {
                        s = s.trim_end();
                    }
                    out.text.push_str(s);
                    Ok(())
                }
                Element::Interpolation(interp) => self.interpolate(&interp.expr, out, here),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => self.if_directive(d, out, here),
                    Directive::For(d) => self.for_directive(d, out, here),
                },
            };
            if let Err(d) = r {
                diags.extend(d);
            }
        }
        if diags.is_empty() {
            Ok(())
        } else {
            Err(diags)
        }
    }

    fn interpolate(
        &mut self,
        e: &Expression,
        out: &mut Rendered,
        here: &Range<usize>,
    ) -> Result<(), Diagnostics> {
        let span = e.span().unwrap_or_else(|| here.clone());
        let (v, marked) = self.expr(e, here)?.unmark();
        out.marked |= marked;
        if v.is_null() {
            return Err(self.fail(
                "Invalid template interpolation value",
                "The expression result is null. Cannot include a null value in a string template.",
                &span,
            ));
        }
        match convert(v, &Type::String) {
            Ok(Value::String(s)) => out.text.push_str(&s),
            Ok(_) => out.unknown = true,
            Err(e) => {
                return Err(self.fail(
                    "Invalid template interpolation value",
                    format!(
                        "Cannot include the given value in a string template: {}.",
                        e.message
                    ),
                    &span,
                ))
            }
        }
        Ok(())
    }

    fn if_directive(
        &mut self,
        d: &IfDirective,
        out: &mut Rendered,
        here: &Range<usize>,
    ) -> Result<(), Diagnostics> {
        let cond_expr = &d.if_expr.cond_expr;
        let span = cond_expr.span().unwrap_or_else(|| here.clone());
        let (cond, marked) = self.expr(cond_expr, here)?.unmark();
        out.marked |= marked;
        if cond.is_null() {
            return Err(self.fail(
                "Null condition",
                "The condition value is null. Conditions must either be true or false.",
                &span,
            ));
        }
        let cond = convert(cond, &Type::Bool).map_err(|_| {
            self.fail(
                "Incorrect condition type",
                "The condition expression must be of type bool.",
                &span,
            )
        })?;
        let else_start = d.else_expr.as_ref().map(|e| e.strip.strip_start());
        let endif_start = d.endif_expr.strip.strip_start();
        match cond.as_bool() {
            None => {
                out.unknown = true;
                Ok(())
            }
            Some(true) => {
                let t = &d.if_expr.template;
                self.render(
                    t,
                    d.if_expr.strip.strip_end(),
                    else_start.unwrap_or(endif_start),
                    out,
                    here,
                )
            }
            Some(false) => match &d.else_expr {
                Some(e) => self.render(&e.template, e.strip.strip_end(), endif_start, out, here),
                None => Ok(()),
            },
        }
    }

    fn for_directive(
        &mut self,
        d: &ForDirective,
        out: &mut Rendered,
        here: &Range<usize>,
    ) -> Result<(), Diagnostics> {
        let f = &d.for_expr;
        let span = f.collection_expr.span().unwrap_or_else(|| here.clone());
        let coll = self.expr(&f.collection_expr, here)?;
        let items = match iterate(coll) {
            Err((summary, detail)) => return Err(self.fail(summary, detail, &span)),
            Ok(Iteration::Unknown { marked }) => {
                out.unknown = true;
                out.marked |= marked;
                return Ok(());
            }
            Ok(Iteration::Items { items, marked }) => {
                out.marked |= marked;
                items
            }
        };
        let (trim_start, trim_end) = (f.strip.strip_end(), d.endfor_expr.strip.strip_start());
        let mut diags = Diagnostics::new();
        for (k, v) in items {
            let mut bindings = Vec::with_capacity(2);
            if let Some(kv) = &f.key_var {
                bindings.push((kv.value().as_str().to_string(), k));
            }
            bindings.push((f.value_var.value().as_str().to_string(), v));
            let r = self.with_bindings(bindings, |ev| {
                ev.render(&f.template, trim_start, trim_end, out, here)
            });
            if let Err(d) = r {
                diags.extend(d);
            }
        }
        if diags.is_empty() {
            Ok(())
        } else {
            Err(diags)
        }
    }
}
