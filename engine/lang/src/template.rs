//! String templates and heredocs: interpolation, `%{if}` and `%{for}` directives, strip markers.
//!
//! A template that is exactly one interpolation yields the interpolated value itself, untouched.
//! Otherwise every part must convert to a string: null and collections are errors, numbers
//! render through [`hangar_core::Number`]'s display. Any unknown part makes the whole string
//! unknown, any sensitive part makes it sensitive. Literal text is prepared the way HCL's
//! scanner and parser do it: heredoc literals are one token per line, a `~` next to a marker
//! strips the whitespace of the adjacent token only, and then `<<-` removes the common
//! indentation of tokens that start a line (so a line whose newline was stripped away keeps its
//! indentation).

use std::collections::HashMap;
use std::ops::Range;

use hangar_core::convert::convert;
use hangar_core::{Diagnostics, Type, Value};
use hcl_edit::expr::Expression;
use hcl_edit::template::{Directive, Element, ForDirective, IfDirective, Strip, Template};
use hcl_edit::{Span, Spanned};

use crate::eval::{Evaluator, Res};
use crate::forexpr::{iterate, Iteration};

/// The string being built and what is known about it.
#[derive(Default)]
struct Rendered {
    text: String,
    unknown: bool,
    marked: bool,
}

/// A piece of the template's flat token stream, as HCL's scanner sees it.
enum Tok {
    /// Literal text belonging to the literal element `key` (heredocs: one token per line).
    Lit { key: usize, text: String },
    /// An interpolation or directive marker and whether it strips on each side.
    Mark { strip_start: bool, strip_end: bool },
}

fn key_of(lit: &Spanned<String>) -> usize {
    lit as *const Spanned<String> as usize
}

fn flatten(t: &Template, per_line: bool, out: &mut Vec<Tok>) {
    let mark = |s: Strip| Tok::Mark {
        strip_start: s.strip_start(),
        strip_end: s.strip_end(),
    };
    for e in t.iter() {
        match e {
            Element::Literal(lit) => {
                let key = key_of(lit);
                if per_line {
                    out.extend(lit.value().split_inclusive('\n').map(|l| Tok::Lit {
                        key,
                        text: l.to_string(),
                    }));
                } else {
                    out.push(Tok::Lit {
                        key,
                        text: lit.value().clone(),
                    });
                }
            }
            Element::Interpolation(i) => out.push(mark(i.strip)),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    out.push(mark(d.if_expr.strip));
                    flatten(&d.if_expr.template, per_line, out);
                    if let Some(e) = &d.else_expr {
                        out.push(mark(e.strip));
                        flatten(&e.template, per_line, out);
                    }
                    out.push(mark(d.endif_expr.strip));
                }
                Directive::For(d) => {
                    out.push(mark(d.for_expr.strip));
                    flatten(&d.for_expr.template, per_line, out);
                    out.push(mark(d.endfor_expr.strip));
                }
            },
        }
    }
}

/// The final text of every literal: strip markers applied to the adjacent token, then (for
/// `<<-` heredocs) the common indentation of line-starting tokens removed, as HCL does.
fn literal_texts(t: &Template, heredoc: bool, dedent: bool) -> HashMap<usize, String> {
    let mut toks = Vec::new();
    flatten(t, heredoc, &mut toks);
    for i in 0..toks.len() {
        if let Tok::Mark {
            strip_start,
            strip_end,
        } = toks[i]
        {
            if strip_start && i > 0 {
                if let Tok::Lit { text, .. } = &mut toks[i - 1] {
                    *text = text.trim_end().to_string();
                }
            }
            if strip_end {
                if let Some(Tok::Lit { text, .. }) = toks.get_mut(i + 1) {
                    *text = text.trim_start().to_string();
                }
            }
        }
    }
    if dedent {
        remove_indent(&mut toks);
    }
    let mut texts: HashMap<usize, String> = HashMap::new();
    for tok in toks {
        if let Tok::Lit { key, text } = tok {
            texts.entry(key).or_default().push_str(&text);
        }
    }
    texts
}

/// HCL's `<<-` rule: the fewest leading spaces over line-starting tokens (blank lines and
/// tokens that do not start a line excluded, a marker at line start counting as zero) is
/// removed from every line-starting literal token.
fn remove_indent(toks: &mut [Tok]) {
    let mut min = usize::MAX;
    let mut newline = true;
    let mut adjust = Vec::new();
    for (i, tok) in toks.iter().enumerate() {
        if newline {
            newline = false;
            let spaces = match tok {
                Tok::Lit { text, .. } => {
                    let trimmed = text.trim_start();
                    if trimmed.is_empty() && text.ends_with('\n') {
                        usize::MAX
                    } else {
                        adjust.push(i);
                        text[..text.len() - trimmed.len()].chars().count()
                    }
                }
                Tok::Mark { .. } => 0,
            };
            min = min.min(spaces);
        }
        if let Tok::Lit { text, .. } = tok {
            newline = text.ends_with('\n');
        }
    }
    if min == usize::MAX {
        return;
    }
    for i in adjust {
        if let Tok::Lit { text, .. } = &mut toks[i] {
            *text = text.chars().skip(min).collect();
        }
    }
}

impl<'c, 'a> Evaluator<'c, 'a> {
    /// Evaluates a template; `heredoc` splits literals per line as HCL's scanner does and
    /// `dedent` applies the `<<-` indentation rule.
    pub(crate) fn template(
        &mut self,
        t: &Template,
        heredoc: bool,
        dedent: bool,
        here: &Range<usize>,
    ) -> Res {
        if let Some(Element::Interpolation(i)) = t.as_single_element() {
            return self.expr(&i.expr, here);
        }
        let texts = literal_texts(t, heredoc, dedent);
        let mut out = Rendered::default();
        self.render(t, &texts, &mut out, here)?;
        let v = if out.unknown {
            Value::Unknown(Type::String)
        } else {
            Value::String(out.text)
        };
        Ok(v.mark_if(out.marked))
    }

    /// Renders `t` into `out`, taking literal text from `texts`.
    fn render(
        &mut self,
        t: &Template,
        texts: &HashMap<usize, String>,
        out: &mut Rendered,
        here: &Range<usize>,
    ) -> Result<(), Diagnostics> {
        let mut diags = Diagnostics::new();
        for e in t.iter() {
            let r = match e {
                Element::Literal(lit) => {
                    out.text.push_str(
                        texts
                            .get(&key_of(lit))
                            .map_or(lit.value().as_str(), String::as_str),
                    );
                    Ok(())
                }
                Element::Interpolation(interp) => self.interpolate(&interp.expr, out, here),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => self.if_directive(d, texts, out, here),
                    Directive::For(d) => self.for_directive(d, texts, out, here),
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
        texts: &HashMap<usize, String>,
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
        match cond.as_bool() {
            None => {
                out.unknown = true;
                Ok(())
            }
            Some(true) => self.render(&d.if_expr.template, texts, out, here),
            Some(false) => match &d.else_expr {
                Some(e) => self.render(&e.template, texts, out, here),
                None => Ok(()),
            },
        }
    }

    fn for_directive(
        &mut self,
        d: &ForDirective,
        texts: &HashMap<usize, String>,
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
        let mut diags = Diagnostics::new();
        for (k, v) in items {
            let mut bindings = Vec::with_capacity(2);
            if let Some(kv) = &f.key_var {
                bindings.push((kv.value().as_str().to_string(), k));
            }
            bindings.push((f.value_var.value().as_str().to_string(), v));
            let r = self.with_bindings(bindings, |ev| ev.render(&f.template, texts, out, here));
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
