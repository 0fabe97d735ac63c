//! `for` expressions: `[for k, v in coll : v if cond]` and `{for k, v in coll : k => v...}`.
//!
//! Lists and tuples iterate with their index as key, maps and objects in key order with their
//! key, sets in their canonical order with the element as key. The tuple form yields a tuple,
//! the object form an object (of tuples when grouping with `...`). An unknown collection,
//! condition or key makes the whole result unknown; a sensitive collection makes it sensitive.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::ops::Range;

use hangar_core::convert::convert;
use hangar_core::{Diagnostics, Number, Type, Value};
use hcl_edit::expr::ForExpr;
use hcl_edit::Span;

use crate::eval::{Evaluator, Res};

/// What iterating a collection gives.
pub(crate) enum Iteration {
    /// The collection is unknown, so the result is too.
    Unknown {
        /// Whether the collection was sensitive.
        marked: bool,
    },
    /// Key/value pairs in iteration order.
    Items {
        /// The pairs.
        items: Vec<(Value, Value)>,
        /// Whether the collection was sensitive.
        marked: bool,
    },
}

/// The key/value pairs of a collection, or Terraform's summary and detail of why it can't be
/// iterated.
pub(crate) fn iterate(coll: Value) -> Result<Iteration, (&'static str, String)> {
    let (coll, marked) = coll.unmark();
    let items = match coll {
        Value::Null(_) => {
            return Err((
                "Iteration over null value",
                "A null value cannot be used as the collection in a 'for' expression.".into(),
            ))
        }
        Value::Unknown(_) => return Ok(Iteration::Unknown { marked }),
        Value::List(xs) | Value::Tuple(xs) => xs
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::Number(Number::from(i)), v))
            .collect(),
        Value::Set(xs) => xs.into_iter().map(|v| (v.clone(), v)).collect(),
        Value::Map(m) | Value::Object(m) => {
            m.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
        }
        other => {
            return Err((
                "Iteration over non-iterable value",
                format!(
                    "A value of type {} cannot be used as the collection in a 'for' expression.",
                    other.ty().friendly_name()
                ),
            ))
        }
    };
    Ok(Iteration::Items { items, marked })
}

impl<'c, 'a> Evaluator<'c, 'a> {
    pub(crate) fn for_expr(&mut self, f: &ForExpr, here: &Range<usize>) -> Res {
        if f.grouping && f.key_expr.is_none() {
            return Err(self.fail(
                "Invalid 'for' expression",
                "Grouping ellipsis (...) cannot be used when building a tuple.",
                here,
            ));
        }
        let coll_expr = &f.intro.collection_expr;
        let coll_span = coll_expr.span().unwrap_or_else(|| here.clone());
        let coll = self.expr(coll_expr, here)?;
        let (items, mut marked) = match iterate(coll) {
            Err((summary, detail)) => return Err(self.fail(summary, detail, &coll_span)),
            Ok(Iteration::Unknown { marked }) => {
                return Ok(Value::Unknown(Type::Dynamic).mark_if(marked))
            }
            Ok(Iteration::Items { items, marked }) => (items, marked),
        };
        let key_var = f
            .intro
            .key_var
            .as_ref()
            .map(|k| k.value().as_str().to_string());
        let value_var = f.intro.value_var.value().as_str().to_string();
        let mut diags = Diagnostics::new();
        let mut known = true;
        let mut tuple = Vec::new();
        let mut object: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in items {
            let mut bindings = Vec::with_capacity(2);
            if let Some(kv) = &key_var {
                bindings.push((kv.clone(), k));
            }
            bindings.push((value_var.clone(), v));
            let step = self.with_bindings(bindings, |ev| ev.for_item(f, here));
            match step {
                Err(d) => diags.extend(d),
                Ok(Item::Skip) => {}
                Ok(Item::Unknown { marked: m }) => {
                    known = false;
                    marked |= m;
                }
                Ok(Item::Value {
                    key: None,
                    value,
                    marked: m,
                }) => {
                    marked |= m;
                    tuple.push(value);
                }
                Ok(Item::Value {
                    key: Some((key, key_span)),
                    value,
                    marked: m,
                }) => {
                    marked |= m;
                    if f.grouping {
                        groups.entry(key).or_default().push(value);
                    } else if let Entry::Vacant(slot) = object.entry(key.clone()) {
                        slot.insert(value);
                    } else {
                        diags.push(self.diag(
                            "Duplicate object key",
                            format!(
                                "Two different items produced the key \"{key}\" in this 'for' expression. If \
                                 duplicates are expected, use the ellipsis (...) after the value expression to \
                                 enable grouping by key."
                            ),
                            &key_span,
                        ));
                    }
                }
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let out = if !known {
            Value::Unknown(Type::Dynamic)
        } else if f.key_expr.is_none() {
            Value::Tuple(tuple)
        } else if f.grouping {
            Value::Object(
                groups
                    .into_iter()
                    .map(|(k, vs)| (k, Value::Tuple(vs)))
                    .collect(),
            )
        } else {
            Value::Object(object)
        };
        Ok(out.mark_if(marked))
    }

    /// Evaluates the condition, key and value of one iteration.
    fn for_item(&mut self, f: &ForExpr, here: &Range<usize>) -> Result<Item, Diagnostics> {
        let mut marked = false;
        if let Some(cond) = &f.cond {
            let span = cond.expr.span().unwrap_or_else(|| here.clone());
            let (c, m) = self.expr(&cond.expr, here)?.unmark();
            marked |= m;
            if c.is_null() {
                return Err(self.fail(
                    "Condition is null",
                    "The value of the 'if' clause must not be null.",
                    &span,
                ));
            }
            let c = convert(c, &Type::Bool).map_err(|e| {
                self.fail(
                    "Invalid 'for' condition",
                    format!("The 'if' clause value is invalid: {}.", e.message),
                    &span,
                )
            })?;
            match c.as_bool() {
                None => return Ok(Item::Unknown { marked }),
                Some(false) => return Ok(Item::Skip),
                Some(true) => {}
            }
        }
        let key = match &f.key_expr {
            None => None,
            Some(ke) => {
                let span = ke.span().unwrap_or_else(|| here.clone());
                let k = self.expr(ke, here);
                let value = self.expr(&f.value_expr, here);
                let (k, m) = k?.unmark();
                marked |= m;
                if k.is_null() {
                    return Err(self.fail(
                        "Invalid object key",
                        "Key expression in 'for' expression must not produce a null value.",
                        &span,
                    ));
                }
                let k = convert(k, &Type::String).map_err(|e| {
                    self.fail(
                        "Invalid object key",
                        format!(
                            "The key expression produced an invalid result: {}.",
                            e.message
                        ),
                        &span,
                    )
                })?;
                let value = value?;
                return Ok(match k {
                    Value::String(key) => Item::Value {
                        key: Some((key, span)),
                        value,
                        marked,
                    },
                    _ => Item::Unknown { marked },
                });
            }
        };
        let value = self.expr(&f.value_expr, here)?;
        Ok(Item::Value { key, value, marked })
    }
}

/// The outcome of one iteration.
enum Item {
    /// Filtered out by the condition.
    Skip,
    /// The condition or key is unknown.
    Unknown { marked: bool },
    /// An element, with its key in the object form.
    Value {
        key: Option<(String, Range<usize>)>,
        value: Value,
        marked: bool,
    },
}
