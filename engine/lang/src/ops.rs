//! Unary and binary operators with Terraform's conversion, unknown and sensitive rules.
//!
//! Arithmetic and ordering convert both operands to numbers, logic converts to bools, equality
//! never converts. Every operand is evaluated and every error reported, except that `&&` and
//! `||` ignore a failing or unknown operand when the other one already decides the result (a
//! conversion error is still reported). Unknown operands give an unknown result of the
//! operator's type; sensitive operands give a sensitive result. Null operands are an error.

use std::cmp::Ordering;
use std::ops::Range;

use hangar_core::convert::convert;
use hangar_core::{Diagnostics, Number, Type, Value};
use hcl_edit::expr::{BinaryOp, BinaryOperator, UnaryOp, UnaryOperator};
use hcl_edit::Span;

use crate::eval::{Evaluator, Res};

/// An operand after evaluation and conversion, with its mark taken off.
struct Operand {
    value: Value,
    marked: bool,
}

impl<'c, 'a> Evaluator<'c, 'a> {
    pub(crate) fn unary(&mut self, u: &UnaryOp, here: &Range<usize>) -> Res {
        let v = self.expr(&u.expr, here)?;
        let (v, marked) = v.unmark();
        let want = match u.operator.value() {
            UnaryOperator::Neg => Type::Number,
            UnaryOperator::Not => Type::Bool,
        };
        let v = convert(v, &want).map_err(|e| {
            self.fail(
                "Invalid operand",
                format!("Unsuitable value for unary operand: {e}."),
                here,
            )
        })?;
        let out = match v {
            Value::Null(_) => return Err(self.null_operand(here)),
            Value::Unknown(t) => Value::Unknown(t),
            Value::Number(n) => Value::Number(n.neg()),
            Value::Bool(b) => Value::Bool(!b),
            v => v,
        };
        Ok(out.mark_if(marked))
    }

    pub(crate) fn binary(&mut self, b: &BinaryOp, here: &Range<usize>) -> Res {
        let op = *b.operator.value();
        let l = self.expr(&b.lhs_expr, here);
        let r = self.expr(&b.rhs_expr, here);
        let lspan = b.lhs_expr.span().unwrap_or_else(|| here.clone());
        let rspan = b.rhs_expr.span().unwrap_or_else(|| here.clone());
        match op {
            BinaryOperator::Eq | BinaryOperator::NotEq => {
                let (l, r) = both(l, r)?;
                let eq = equals(&l, &r);
                if op == BinaryOperator::Eq {
                    return Ok(eq);
                }
                let (eq, m) = eq.unmark();
                Ok(match eq {
                    Value::Bool(b) => Value::Bool(!b),
                    v => v,
                }
                .mark_if(m))
            }
            BinaryOperator::And | BinaryOperator::Or => {
                self.logical(op, l, r, &lspan, &rspan, here)
            }
            _ => {
                let (l, r) = both(l, r)?;
                let mut diags = Diagnostics::new();
                let l = self.convert_operand(l, &Type::Number, "left", &lspan, &mut diags);
                let r = self.convert_operand(r, &Type::Number, "right", &rspan, &mut diags);
                let (Some(l), Some(r)) = (l, r) else {
                    return Err(diags);
                };
                self.arith(op, l, r, here)
            }
        }
    }

    fn convert_operand(
        &self,
        v: Value,
        want: &Type,
        side: &str,
        span: &Range<usize>,
        diags: &mut Diagnostics,
    ) -> Option<Operand> {
        let (v, marked) = v.unmark();
        match convert(v, want) {
            Ok(value) => Some(Operand { value, marked }),
            Err(e) => {
                diags.push(self.diag(
                    "Invalid operand",
                    format!("Unsuitable value for {side} operand: {e}."),
                    span,
                ));
                None
            }
        }
    }

    fn null_operand(&self, here: &Range<usize>) -> Diagnostics {
        self.fail(
            "Operation failed",
            "Error during operation: argument must not be null.",
            here,
        )
    }

    fn arith(&self, op: BinaryOperator, l: Operand, r: Operand, here: &Range<usize>) -> Res {
        let marked = l.marked || r.marked;
        let cmp = matches!(
            op,
            BinaryOperator::Less
                | BinaryOperator::LessEq
                | BinaryOperator::Greater
                | BinaryOperator::GreaterEq
        );
        let (x, y) = match (&l.value, &r.value) {
            (Value::Null(_), _) | (_, Value::Null(_)) => return Err(self.null_operand(here)),
            (Value::Number(x), Value::Number(y)) => (x, y),
            _ => {
                let t = if cmp { Type::Bool } else { Type::Number };
                return Ok(Value::Unknown(t).mark_if(marked));
            }
        };
        let divided = |r: Result<Number, hangar_core::number::NumberError>| {
            r.map(Value::Number).map_err(|_| {
                self.fail(
                    "Operation failed",
                    "Error during operation: can't divide by zero.",
                    here,
                )
            })
        };
        let out = match op {
            BinaryOperator::Plus => Value::Number(x.add(y)),
            BinaryOperator::Minus => Value::Number(x.sub(y)),
            BinaryOperator::Mul => Value::Number(x.mul(y)),
            BinaryOperator::Div => divided(x.div(y))?,
            BinaryOperator::Mod => divided(x.rem(y))?,
            BinaryOperator::Less => Value::Bool(x.cmp_num(y) == Ordering::Less),
            BinaryOperator::LessEq => Value::Bool(x.cmp_num(y) != Ordering::Greater),
            BinaryOperator::Greater => Value::Bool(x.cmp_num(y) == Ordering::Greater),
            BinaryOperator::GreaterEq => Value::Bool(x.cmp_num(y) != Ordering::Less),
            _ => Value::Unknown(Type::Dynamic),
        };
        Ok(out.mark_if(marked))
    }

    fn logical(
        &self,
        op: BinaryOperator,
        l: Res,
        r: Res,
        lspan: &Range<usize>,
        rspan: &Range<usize>,
        here: &Range<usize>,
    ) -> Res {
        let mut eval_diags = Diagnostics::new();
        let mut settle = |r: Res| {
            r.unwrap_or_else(|d| {
                eval_diags.extend(d);
                Value::Unknown(Type::Dynamic)
            })
        };
        let (l, r) = (settle(l), settle(r));
        let mut conv = Diagnostics::new();
        let l = self.convert_operand(l, &Type::Bool, "left", lspan, &mut conv);
        let r = self.convert_operand(r, &Type::Bool, "right", rspan, &mut conv);
        let decider = op == BinaryOperator::Or;
        // cty's short-circuit tests `v.True()` for `||` and `v.False()` for `&&`; a null
        // operand is not true, so it decides `&&` (as false) but never `||`.
        let decides = |o: &Option<Operand>| match o {
            Some(o) if decider => o.value.as_bool() == Some(true),
            Some(o) => matches!(o.value, Value::Bool(false) | Value::Null(_)),
            None => false,
        };
        if decides(&l) || decides(&r) {
            if !conv.is_empty() {
                return Err(conv);
            }
            let marked = [&l, &r]
                .iter()
                .any(|o| o.as_ref().is_some_and(|o| o.marked));
            return Ok(Value::Bool(decider).mark_if(marked));
        }
        eval_diags.extend(conv);
        if !eval_diags.is_empty() {
            return Err(eval_diags);
        }
        let (Some(l), Some(r)) = (l, r) else {
            return Err(eval_diags);
        };
        let marked = l.marked || r.marked;
        let out = match (&l.value, &r.value) {
            (Value::Null(_), _) | (_, Value::Null(_)) => return Err(self.null_operand(here)),
            (Value::Bool(x), Value::Bool(y)) => {
                Value::Bool(if decider { *x || *y } else { *x && *y })
            }
            _ => Value::Unknown(Type::Bool),
        };
        Ok(out.mark_if(marked))
    }
}

/// Both results, or the diagnostics of whichever failed.
fn both(l: Res, r: Res) -> Result<(Value, Value), Diagnostics> {
    match (l, r) {
        (Ok(l), Ok(r)) => Ok((l, r)),
        (l, r) => {
            let mut d = Diagnostics::new();
            d.extend(l.err().into_iter().flatten());
            d.extend(r.err().into_iter().flatten());
            Err(d)
        }
    }
}

/// Terraform's `==`: never converts; unknown where the answer depends on an unknown value.
pub(crate) fn equals(a: &Value, b: &Value) -> Value {
    let marked = a.contains_sensitive() || b.contains_sensitive();
    let (a, _) = a.clone().unmark_deep();
    let (b, _) = b.clone().unmark_deep();
    let out = match (a.is_unknown(), b.is_unknown()) {
        (true, true) => Value::Unknown(Type::Bool),
        (false, true) => against_unknown(&a, &b),
        (true, false) => against_unknown(&b, &a),
        (false, false) if a.is_null() || b.is_null() => Value::Bool(a.is_null() && b.is_null()),
        (false, false) => match same(&a, &b) {
            Some(eq) => Value::Bool(eq),
            None => Value::Unknown(Type::Bool),
        },
    };
    out.mark_if(marked)
}

fn against_unknown(known: &Value, unknown: &Value) -> Value {
    let ut = unknown.ty();
    if known.is_null() || ut.has_dynamic() || known.ty() == ut {
        Value::Unknown(Type::Bool)
    } else {
        Value::Bool(false)
    }
}

/// Structural equality of unmarked values; `None` when unknown parts leave it open.
fn same(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Unknown(_), _) | (_, Value::Unknown(_)) => None,
        (Value::Null(_), Value::Null(_)) => Some(true),
        (Value::Null(_), _) | (_, Value::Null(_)) => Some(false),
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Number(x), Value::Number(y)) => Some(x.cmp_num(y) == Ordering::Equal),
        (Value::String(x), Value::String(y)) => Some(x == y),
        (Value::List(x), Value::List(y))
        | (Value::Tuple(x), Value::Tuple(y))
        | (Value::Set(x), Value::Set(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            all_same(x.iter().zip(y))
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            if !x.keys().eq(y.keys()) {
                return Some(false);
            }
            all_same(x.values().zip(y.values()))
        }
        _ => Some(false),
    }
}

fn all_same<'v>(pairs: impl Iterator<Item = (&'v Value, &'v Value)>) -> Option<bool> {
    let mut open = false;
    for (x, y) in pairs {
        match same(x, y) {
            Some(false) => return Some(false),
            None => open = true,
            Some(true) => {}
        }
    }
    if open {
        None
    } else {
        Some(true)
    }
}
