//! Function calls: argument evaluation and expansion, `can` and `try`, and error mapping.
//!
//! Ordinary functions are looked up in `hangar_funcs` and receive evaluated arguments; a final
//! argument followed by `...` is expanded into separate arguments. `can` and `try` need their
//! arguments unevaluated, so they live here: both swallow evaluation errors but never errors
//! about undeclared references, which Terraform reports before evaluating anything.

use std::ops::Range;

use hangar_core::{Diagnostics, Type, Value};
use hangar_funcs::FuncError;
use hcl_edit::expr::{Expression, FuncCall};
use hcl_edit::Span;

use crate::eval::{Evaluator, Res};

impl<'c, 'a> Evaluator<'c, 'a> {
    pub(crate) fn call(&mut self, fc: &FuncCall, here: &Range<usize>) -> Res {
        let name = fc.name.name.value().as_str();
        let args: Vec<&Expression> = fc.args.iter().collect();
        if fc.name.is_namespaced() {
            let ns: Vec<&str> = fc
                .name
                .namespace
                .iter()
                .map(|n| n.value().as_str())
                .collect();
            let full = format!("{}::{name}", ns.join("::"));
            let provider = ns.get(1).copied().unwrap_or_default();
            return Err(self.fail(
                "Unknown provider function",
                format!(
                    "There is no function named \"{full}\". Ensure that provider name \"{provider}\" is \
                     declared in this module's required_providers block, and that this provider offers a \
                     function named \"{name}\"."
                ),
                here,
            ));
        }
        match name {
            "can" => return self.can(&args, here),
            "try" => return self.try_(&args, here),
            _ => {}
        }
        if !hangar_funcs::exists(name) {
            let hint = hangar_core::suggest::did_you_mean(
                name,
                hangar_funcs::NAMES.iter().copied().chain(["can", "try"]),
            );
            return Err(self.fail(
                "Call to unknown function",
                format!("There is no function named \"{name}\".{hint}"),
                here,
            ));
        }
        let mut diags = Diagnostics::new();
        let mut values = Vec::with_capacity(args.len());
        for a in &args {
            match self.expr(a, here) {
                Ok(v) => values.push(v),
                Err(d) => diags.extend(d),
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let arg_span = |i: usize| {
            args.get(i)
                .and_then(|a| a.span())
                .unwrap_or_else(|| here.clone())
        };
        if fc.args.expand_final() {
            let last_span = arg_span(args.len().saturating_sub(1));
            let (last, marked) = values.pop().unwrap_or(Value::NULL).unmark();
            match last {
                Value::Null(_) => {
                    return Err(self.fail(
                        "Invalid expanding argument value",
                        "The expanding argument (indicated by ...) must not be null.",
                        &last_span,
                    ))
                }
                Value::Unknown(_) => return Ok(Value::Unknown(Type::Dynamic).mark_if(marked)),
                Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
                    values.extend(xs.into_iter().map(|x| x.mark_if(marked)));
                }
                _ => {
                    return Err(self.fail(
                        "Invalid expanding argument value",
                        "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                        &last_span,
                    ))
                }
            }
        }
        hangar_funcs::call(&self.ctx.funcs, name, values).map_err(|e| match e {
            FuncError::Unknown(_) => self.fail("Call to unknown function", e.to_string(), here),
            FuncError::Arity(msg) => {
                let summary = if msg.contains("Missing value") || msg.contains("at least") {
                    "Not enough function arguments"
                } else {
                    "Too many function arguments"
                };
                self.fail(summary, msg, here)
            }
            FuncError::Arg { index, message } => {
                let span = if fc.args.expand_final() && index + 1 >= args.len() {
                    arg_span(args.len().saturating_sub(1))
                } else {
                    arg_span(index)
                };
                self.fail("Invalid function argument", message, &span)
            }
            FuncError::Failed(msg) => {
                let stop = if msg.ends_with('.') { "" } else { "." };
                self.fail(
                    "Error in function call",
                    format!("Call to function \"{name}\" failed: {msg}{stop}"),
                    here,
                )
            }
        })
    }

    /// `can(expr)`: whether `expr` evaluates without error (unknown while it is not wholly known).
    fn can(&mut self, args: &[&Expression], here: &Range<usize>) -> Res {
        let [arg] = args else {
            return Err(self.arity("can", 1, "expression", args.len(), here));
        };
        let before = self.static_errors;
        match self.expr(arg, here) {
            Err(d) if self.static_errors > before => Err(d),
            Err(_) => Ok(Value::Bool(false)),
            Ok(v) if !v.is_wholly_known() => Ok(Value::Unknown(Type::Bool)),
            Ok(_) => Ok(Value::Bool(true)),
        }
    }

    /// `try(a, b, ...)`: the first argument that evaluates without error.
    fn try_(&mut self, args: &[&Expression], here: &Range<usize>) -> Res {
        if args.is_empty() {
            return Err(self.fail(
                "Error in function call",
                "Call to function \"try\" failed: at least one argument is required.",
                here,
            ));
        }
        let mut failures = Vec::new();
        for arg in args {
            let before = self.static_errors;
            match self.expr(arg, here) {
                Err(d) if self.static_errors > before => return Err(d),
                Err(d) => failures.extend(d),
                Ok(v) if !v.is_wholly_known() => return Ok(Value::Unknown(Type::Dynamic)),
                Ok(v) => return Ok(v),
            }
        }
        let mut detail = String::from("Call to function \"try\" failed: no expression succeeded:");
        for d in &failures {
            let at = d
                .subject
                .as_ref()
                .map(|s| {
                    let (a, b) = (s.start, s.end);
                    format!(" (at {}:{},{}-{})", s.filename, a.line, a.column, b.column)
                })
                .unwrap_or_default();
            detail.push_str(&format!("\n- {}{at}\n  {}", d.summary, d.detail));
        }
        detail.push_str("\n\nAt least one expression must produce a successful result.");
        Err(self.fail("Error in function call", detail, here))
    }

    fn arity(
        &self,
        func: &str,
        want: usize,
        param: &str,
        got: usize,
        here: &Range<usize>,
    ) -> Diagnostics {
        if got < want {
            self.fail(
                "Not enough function arguments",
                format!("Function \"{func}\" expects {want} argument(s). Missing value for \"{param}\"."),
                here,
            )
        } else {
            self.fail(
                "Too many function arguments",
                format!("Function \"{func}\" expects only {want} argument(s)."),
                here,
            )
        }
    }
}
