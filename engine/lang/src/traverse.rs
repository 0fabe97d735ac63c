//! Traversals: attribute access, indexing and splats, with Terraform's error messages.
//!
//! A traversal rooted at a name first asks the scope (or the enclosing `for` bindings) for the
//! value, letting the scope consume the leading attribute names it understands; the remaining
//! steps are applied here. `[*]` applies every following step to each element; the legacy `.*`
//! applies only the attribute (and legacy index) steps directly after it. A splat over null is
//! an empty tuple and over a single non-sequence value a one-element tuple.

use std::ops::Range;

use hangar_core::convert::convert;
use hangar_core::{Diagnostics, Number, Type, Value};
use hcl_edit::expr::{Expression, Traversal, TraversalOperator};
use hcl_edit::{Decorated, Span};

use crate::eval::{Evaluator, Res};

/// A failed step: Terraform's summary and detail.
type StepError = (&'static str, String);

const NO_ELEMENT: &str = "The given key does not identify an element in this collection value";

impl<'c, 'a> Evaluator<'c, 'a> {
    pub(crate) fn traversal(&mut self, t: &Traversal, here: &Range<usize>) -> Res {
        if let Expression::Variable(root) = &t.expr {
            let attrs: Vec<&str> = t
                .operators
                .iter()
                .map_while(|op| match op.value() {
                    TraversalOperator::GetAttr(id) => Some(id.value().as_str()),
                    _ => None,
                })
                .collect();
            let start = t.expr.span().map_or(here.start, |s| s.start);
            let end = t
                .operators
                .get(attrs.len().wrapping_sub(1))
                .and_then(step_span)
                .map_or_else(|| t.expr.span().map_or(here.end, |s| s.end), |s| s.end);
            let name = root.value().as_str();
            if let (Some(TraversalOperator::Index(e)), None) = (
                t.operators.get(attrs.len()).map(|o| o.value()),
                self.local(name),
            ) {
                let mut chain = Vec::with_capacity(attrs.len() + 1);
                chain.push(name);
                chain.extend_from_slice(&attrs);
                let key = self.expr(e, here)?;
                if key.is_wholly_known() && !key.contains_sensitive() {
                    let after = attrs.len() + 1;
                    if let Some(TraversalOperator::GetAttr(a)) =
                        t.operators.get(after).map(|o| o.value())
                    {
                        let attr = a.value().as_str();
                        if let Some(v) = self.ctx.scope.resolve_index_attr(&chain, &key, attr) {
                            return self.steps(v, &t.operators[after + 1..], here);
                        }
                    }
                    if let Some(v) = self.ctx.scope.resolve_index(&chain, &key) {
                        return self.steps(v, &t.operators[after..], here);
                    }
                }
            }
            let (v, used) = self.lookup(name, &attrs, &(start..end))?;
            return self.steps(v, &t.operators[used.min(t.operators.len())..], here);
        }
        let v = self.expr(&t.expr, here)?;
        self.steps(v, &t.operators, here)
    }

    /// Applies traversal steps to a value.
    fn steps(
        &mut self,
        mut v: Value,
        ops: &[Decorated<TraversalOperator>],
        here: &Range<usize>,
    ) -> Res {
        let mut i = 0;
        while i < ops.len() {
            let span = step_span(&ops[i]).unwrap_or_else(|| here.clone());
            let step = match ops[i].value() {
                TraversalOperator::GetAttr(id) => get_attr(v, id.value().as_str()),
                TraversalOperator::LegacyIndex(n) => {
                    index(v, Value::Number(Number::from(*n.value())))
                }
                TraversalOperator::Index(e) => {
                    let k = self.expr(e, here)?;
                    index(v, k)
                }
                TraversalOperator::FullSplat(_) => return self.splat(v, &ops[i + 1..], here),
                TraversalOperator::AttrSplat(_) => {
                    let n = ops[i + 1..]
                        .iter()
                        .take_while(|o| {
                            matches!(
                                o.value(),
                                TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_)
                            )
                        })
                        .count();
                    v = self.splat(v, &ops[i + 1..i + 1 + n], here)?;
                    i += 1 + n;
                    continue;
                }
            };
            v = step.map_err(|(summary, detail)| self.fail(summary, detail, &span))?;
            i += 1;
        }
        Ok(v)
    }

    fn splat(
        &mut self,
        v: Value,
        rest: &[Decorated<TraversalOperator>],
        here: &Range<usize>,
    ) -> Res {
        let (v, marked) = v.unmark();
        let (items, list) = match v {
            Value::Null(_) => return Ok(Value::Tuple(Vec::new()).mark_if(marked)),
            Value::Unknown(Type::List(_) | Type::Set(_)) => {
                return Ok(Value::Unknown(Type::List(Box::new(Type::Dynamic))).mark_if(marked))
            }
            Value::Unknown(_) => return Ok(Value::Unknown(Type::Dynamic).mark_if(marked)),
            Value::List(xs) | Value::Set(xs) => (xs, true),
            Value::Tuple(xs) => (xs, false),
            other => (vec![other], false),
        };
        let mut diags = Diagnostics::new();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match self.steps(item, rest, here) {
                Ok(v) => out.push(v),
                Err(d) => diags.extend(d),
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let v = if list {
            Value::List(out)
        } else {
            Value::Tuple(out)
        };
        Ok(v.mark_if(marked))
    }
}

/// The source span of one traversal step.
fn step_span(op: &Decorated<TraversalOperator>) -> Option<Range<usize>> {
    op.span().or_else(|| op.value().span())
}

/// `v.name`.
pub(crate) fn get_attr(v: Value, name: &str) -> Result<Value, StepError> {
    let (v, marked) = v.unmark();
    let no_attrs = || {
        (
            "Unsupported attribute",
            "This value does not have any attributes.".to_string(),
        )
    };
    let primitive = |t: &Type| {
        (
            "Unsupported attribute",
            format!("Can't access attributes on a primitive-typed value ({t})."),
        )
    };
    let missing_attr = |names: Vec<&str>| {
        let hint = hangar_core::suggest::did_you_mean(name, names);
        (
            "Unsupported attribute",
            format!("This object does not have an attribute named \"{name}\".{hint}"),
        )
    };
    let out = match v {
        Value::Null(_) => {
            return Err((
                "Attempt to get attribute from null value",
                "This value is null, so it does not have any attributes.".into(),
            ))
        }
        Value::Unknown(t) => match t {
            Type::Dynamic => Value::Unknown(Type::Dynamic),
            Type::Object(o) => Value::Unknown(
                o.attrs
                    .get(name)
                    .cloned()
                    .ok_or_else(|| missing_attr(o.attrs.keys().map(String::as_str).collect()))?,
            ),
            Type::Map(e) => Value::Unknown(*e),
            t if t.is_primitive() => return Err(primitive(&t)),
            _ => return Err(no_attrs()),
        },
        Value::Object(mut m) => match m.remove(name) {
            Some(v) => v,
            None => return Err(missing_attr(m.keys().map(String::as_str).collect())),
        },
        Value::Map(mut m) => m.remove(name).ok_or_else(|| {
            (
                "Missing map element",
                format!("This map does not have an element with the key \"{name}\"."),
            )
        })?,
        v @ (Value::Bool(_) | Value::Number(_) | Value::String(_)) => {
            return Err(primitive(&v.ty()))
        }
        _ => return Err(no_attrs()),
    };
    Ok(out.mark_if(marked))
}

/// `v[key]`.
pub(crate) fn index(v: Value, key: Value) -> Result<Value, StepError> {
    let (v, vm) = v.unmark();
    let (key, km) = key.unmark();
    let marked = vm || km;
    let invalid = |detail: String| ("Invalid index", detail);
    if v.is_null() {
        return Err((
            "Attempt to index null value",
            "This value is null, so it does not have any indices.".into(),
        ));
    }
    if key.is_null() {
        return Err(invalid("Can't use a null value as an indexing key.".into()));
    }
    let out = match v {
        Value::Unknown(t) => Value::Unknown(match t {
            Type::List(e) | Type::Map(e) => *e,
            _ => Type::Dynamic,
        }),
        Value::List(xs) | Value::Tuple(xs) => {
            let idx = convert(key, &Type::Number).map_err(|e| invalid(format!("{NO_ELEMENT}: {e}.")))?;
            let Value::Number(n) = idx else {
                return Ok(Value::Unknown(Type::Dynamic).mark_if(marked));
            };
            if !n.is_integer() {
                return Err(invalid(format!(
                    "{NO_ELEMENT}: indexing a sequence requires a whole number, but the given index has a \
                     fractional part."
                )));
            }
            if n.is_negative() {
                return Err(invalid(format!("{NO_ELEMENT}: a negative number is not a valid index for a sequence.")));
            }
            let i = n.to_i64().and_then(|i| usize::try_from(i).ok()).unwrap_or(usize::MAX);
            xs.into_iter().nth(i).ok_or_else(|| {
                invalid(format!(
                    "{NO_ELEMENT}: the given index is greater than or equal to the length of the collection."
                ))
            })?
        }
        Value::Map(mut m) | Value::Object(mut m) => {
            let k = convert(key, &Type::String).map_err(|e| invalid(format!("{NO_ELEMENT}: {}.", e.message)))?;
            let Value::String(k) = k else {
                return Ok(Value::Unknown(Type::Dynamic).mark_if(marked));
            };
            m.remove(&k).ok_or_else(|| invalid(format!("{NO_ELEMENT}.")))?
        }
        Value::Set(_) => {
            return Err(invalid(
                "Elements of a set are identified only by their value and don't have any separate index or key \
                 to select with, so it's only possible to perform operations across all elements of the set."
                    .into(),
            ))
        }
        _ => return Err(invalid("This value does not have any indices.".into())),
    };
    Ok(out.mark_if(marked))
}
