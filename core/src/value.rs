//! Terraform's value model with the two marks that survive every operation.
//!
//! A [`Value`] is null (typed), unknown ("known after apply", typed), a primitive, or a
//! collection/structural value. *Sensitive* is a wrapper mark that may sit anywhere in a value;
//! operations strip it with [`Value::unmark`] and put it back on their result, so sensitivity
//! propagates. Sets are kept in Terraform's canonical order (strings lexically, numbers
//! numerically, `false` before `true`) and without duplicates.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::number::Number;
use crate::types::Type;

/// A Terraform value.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Value {
    /// `null` of a type (`Type::Dynamic` when untyped).
    Null(Type),
    /// A value known only after apply, of a type.
    Unknown(Type),
    /// `true`/`false`.
    Bool(bool),
    /// An arbitrary-precision number.
    Number(Number),
    /// A Unicode string.
    String(String),
    /// `list(T)`.
    List(Vec<Value>),
    /// `set(T)`, canonically ordered and deduplicated: build with [`Value::set`].
    Set(Vec<Value>),
    /// `map(T)`.
    Map(BTreeMap<String, Value>),
    /// `tuple([...])`.
    Tuple(Vec<Value>),
    /// `object({...})`.
    Object(BTreeMap<String, Value>),
    /// The sensitive mark around a value.
    Sensitive(Box<Value>),
}

impl Value {
    /// Untyped null.
    pub const NULL: Value = Value::Null(Type::Dynamic);

    /// A string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A number value from an integer.
    pub fn int(i: i64) -> Value {
        Value::Number(Number::from(i))
    }

    /// A set in cty's order without elements cty considers equal ([`crate::set`]); sensitive
    /// marks stay on the elements that carry them.
    pub fn set(items: Vec<Value>) -> Value {
        Value::Set(crate::set::canonical(items))
    }

    /// A set as cty builds one: a set cannot hold marked elements, so the sensitive marks of
    /// the elements move onto the whole set.
    pub fn cty_set(items: Vec<Value>) -> Value {
        let marked = items.iter().any(Value::contains_sensitive);
        let items = if marked {
            items.into_iter().map(|x| x.unmark_deep().0).collect()
        } else {
            items
        };
        Value::set(items).mark_if(marked)
    }

    /// An unknown value of unknown type.
    pub fn unknown() -> Value {
        Value::Unknown(Type::Dynamic)
    }

    /// Marks the value sensitive (idempotent).
    pub fn sensitive(self) -> Value {
        match self {
            Value::Sensitive(_) => self,
            v => Value::Sensitive(Box::new(v)),
        }
    }

    /// Puts the sensitive mark back when `marked`, as operations do with their result.
    pub fn mark_if(self, marked: bool) -> Value {
        if marked {
            self.sensitive()
        } else {
            self
        }
    }

    /// The value without a sensitive mark at the top, and whether it had one.
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(v) => (v.unmark().0, true),
            v => (v, false),
        }
    }

    /// A borrowed view without the top-level sensitive mark.
    pub fn peel(&self) -> &Value {
        match self {
            Value::Sensitive(v) => v.peel(),
            v => v,
        }
    }

    /// Removes sensitive marks at every depth, reporting whether there were any.
    pub fn unmark_deep(self) -> (Value, bool) {
        let mut marked = false;
        let v = self.map_deep(&mut |v| match v {
            Value::Sensitive(inner) => {
                marked = true;
                inner.unmark_deep().0
            }
            v => v,
        });
        (v, marked)
    }

    fn map_deep(self, f: &mut dyn FnMut(Value) -> Value) -> Value {
        let v = f(self);
        match v {
            Value::List(xs) => Value::List(xs.into_iter().map(|x| x.map_deep(f)).collect()),
            Value::Tuple(xs) => Value::Tuple(xs.into_iter().map(|x| x.map_deep(f)).collect()),
            Value::Set(xs) => Value::set(xs.into_iter().map(|x| x.map_deep(f)).collect()),
            Value::Map(m) => Value::Map(m.into_iter().map(|(k, x)| (k, x.map_deep(f))).collect()),
            Value::Object(m) => {
                Value::Object(m.into_iter().map(|(k, x)| (k, x.map_deep(f))).collect())
            }
            v => v,
        }
    }

    /// Whether a sensitive mark sits anywhere in the value.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => {
                xs.iter().any(Value::contains_sensitive)
            }
            Value::Map(m) | Value::Object(m) => m.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// Whether this value itself is unknown (not looking inside collections).
    pub fn is_unknown(&self) -> bool {
        matches!(self.peel(), Value::Unknown(_))
    }

    /// Whether the value is known at every depth.
    pub fn is_wholly_known(&self) -> bool {
        match self.peel() {
            Value::Unknown(_) => false,
            Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => {
                xs.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// Whether the value is null (marks ignored).
    pub fn is_null(&self) -> bool {
        matches!(self.peel(), Value::Null(_))
    }

    /// The value's type, inferred from its contents where it is not recorded.
    pub fn ty(&self) -> Type {
        match self {
            Value::Null(t) | Value::Unknown(t) => t.clone(),
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(xs) => Type::List(Box::new(elem_type(xs.iter()))),
            Value::Set(xs) => Type::Set(Box::new(elem_type(xs.iter()))),
            Value::Map(m) => Type::Map(Box::new(elem_type(m.values()))),
            Value::Tuple(xs) => Type::Tuple(xs.iter().map(Value::ty).collect()),
            Value::Object(m) => Type::object(m.iter().map(|(k, v)| (k.clone(), v.ty()))),
            Value::Sensitive(v) => v.ty(),
        }
    }

    /// The string inside, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self.peel() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number inside, if this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self.peel() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The bool inside, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self.peel() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Elements of a list, tuple or set.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self.peel() {
            Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => Some(xs),
            _ => None,
        }
    }

    /// Entries of a map or object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self.peel() {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// An attribute of an object or entry of a map.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(name))
    }

    /// Terraform's `==`: no conversion between types; unknown operands give unknown.
    pub fn equals(&self, other: &Value) -> Value {
        let marked = self.contains_sensitive() || other.contains_sensitive();
        let (a, _) = self.clone().unmark_deep();
        let (b, _) = other.clone().unmark_deep();
        if !a.is_wholly_known() || !b.is_wholly_known() {
            return Value::Unknown(Type::Bool).mark_if(marked);
        }
        Value::Bool(strict_eq(&a, &b)).mark_if(marked)
    }
}

fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null(_), Value::Null(_)) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.cmp_num(y) == Ordering::Equal,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y))
        | (Value::Tuple(x), Value::Tuple(y))
        | (Value::Set(x), Value::Set(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| strict_eq(a, b))
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, a), (kb, b))| ka == kb && strict_eq(a, b))
        }
        _ => false,
    }
}

/// The element type of a collection: that of the first element whose type is decided.
fn elem_type<'a>(it: impl Iterator<Item = &'a Value>) -> Type {
    it.map(Value::ty)
        .find(|t| *t != Type::Dynamic)
        .unwrap_or(Type::Dynamic)
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan holds millions of values (every attribute of every object, twice): an object
    /// type's three maps stay boxed, so a value is 40 bytes rather than 88.
    #[test]
    fn values_stay_small() {
        assert_eq!(std::mem::size_of::<Type>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 40);
    }

    #[test]
    fn sets_are_canonically_ordered() {
        let s = Value::set(vec![Value::int(10), Value::int(2), Value::int(2)]);
        assert_eq!(s, Value::Set(vec![Value::int(2), Value::int(10)]));
        let b = Value::set(vec![true.into(), false.into()]);
        assert_eq!(b, Value::Set(vec![false.into(), true.into()]));
    }

    #[test]
    fn equality_never_converts() {
        assert_eq!(Value::int(1).equals(&"1".into()), Value::Bool(false));
        let l = Value::List(vec![Value::int(1)]);
        let t = Value::Tuple(vec![Value::int(1)]);
        assert_eq!(l.equals(&t), Value::Bool(false));
    }

    #[test]
    fn unknown_and_sensitive_propagate_through_equality() {
        assert_eq!(
            Value::unknown().equals(&Value::int(1)),
            Value::Unknown(Type::Bool)
        );
        let s = Value::int(1).sensitive();
        assert_eq!(s.equals(&Value::int(1)), Value::Bool(true).sensitive());
    }
}
