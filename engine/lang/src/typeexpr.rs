//! Type constraint expressions, as written in `variable` blocks' `type` argument.
//!
//! Accepts the keywords `string`, `number`, `bool`, `any`, the constructors `list(T)`,
//! `set(T)`, `map(T)`, `tuple([...])`, `object({...})` with `optional(T)` and
//! `optional(T, default)` attributes, and the legacy quoted forms `"string"`, `"list"`, `"map"`.
//! Defaults of optional attributes are constant expressions evaluated here.

use std::ops::Range;
use std::path::Path;

use hangar_core::convert::convert;
use hangar_core::types::{ObjectType, OrdValue};
use hangar_core::{Diagnostic, Type, Value};
use hcl_edit::expr::{Expression, FuncCall, ObjectKey};
use hcl_edit::Span;

use crate::eval::{eval, EvalContext};
use crate::scope::EmptyScope;
use crate::source::SourceFile;

const SUMMARY: &str = "Invalid type specification";

/// Reads a type constraint; fails with Terraform's "Invalid type specification" diagnostics.
pub fn parse_type(expr: &Expression, file: &SourceFile) -> Result<Type, Diagnostic> {
    let whole = expr.span().unwrap_or(0..0);
    TypeReader { file }.ty(expr, &whole)
}

struct TypeReader<'f> {
    file: &'f SourceFile,
}

impl TypeReader<'_> {
    fn err(&self, detail: impl Into<String>, span: &Range<usize>) -> Diagnostic {
        Diagnostic::error(SUMMARY, detail).at(Some(self.file.range(span.clone())))
    }

    fn ty(&self, e: &Expression, parent: &Range<usize>) -> Result<Type, Diagnostic> {
        let here = e.span().unwrap_or_else(|| parent.clone());
        match e {
            Expression::Parenthesis(p) => self.ty(p.inner(), &here),
            Expression::Variable(v) => match v.value().as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "any" => Ok(Type::Dynamic),
                kw @ ("list" | "set" | "map") => Err(self.err(
                    format!("The {kw} type constructor requires one argument specifying the element type."),
                    &here,
                )),
                "object" => Err(self.err(
                    "The object type constructor requires one argument specifying the attribute types as a map.",
                    &here,
                )),
                "tuple" => Err(self.err(
                    "The tuple type constructor requires one argument specifying the element types as a list.",
                    &here,
                )),
                "optional" => Err(self.optional_misplaced(&here)),
                kw => Err(self.err(format!("The keyword \"{kw}\" is not a valid type specification."), &here)),
            },
            Expression::String(s) => match s.value().as_str() {
                "string" => Ok(Type::String),
                "list" => Ok(Type::List(Box::new(Type::Dynamic))),
                "map" => Ok(Type::Map(Box::new(Type::Dynamic))),
                other => Err(self.err(
                    format!("The quoted type constraint \"{other}\" is not valid; remove the quotes and use a type keyword."),
                    &here,
                )),
            },
            Expression::FuncCall(fc) => self.constructor(fc, &here),
            _ => Err(self.err(
                "A type specification is either a primitive type keyword (bool, number, string) or a complex \
                 type constructor call, like list(string).",
                &here,
            )),
        }
    }

    fn optional_misplaced(&self, here: &Range<usize>) -> Diagnostic {
        self.err(
            "Keyword \"optional\" is valid only as a modifier for object type attributes.",
            here,
        )
    }

    fn constructor(&self, fc: &FuncCall, here: &Range<usize>) -> Result<Type, Diagnostic> {
        let name = fc.name.name.value().as_str();
        let args: Vec<&Expression> = fc.args.iter().collect();
        match name {
            "list" | "set" | "map" => {
                let [arg] = args.as_slice() else {
                    return Err(self.err(
                        format!("The {name} type constructor requires one argument specifying the element type."),
                        here,
                    ));
                };
                let elem = Box::new(self.ty(arg, here)?);
                Ok(match name {
                    "list" => Type::List(elem),
                    "set" => Type::Set(elem),
                    _ => Type::Map(elem),
                })
            }
            "tuple" => {
                let [Expression::Array(items)] = args.as_slice() else {
                    return Err(self.err(
                        "The tuple type constructor requires a list of element types.",
                        here,
                    ));
                };
                items
                    .iter()
                    .map(|e| self.ty(e, here))
                    .collect::<Result<_, _>>()
                    .map(Type::Tuple)
            }
            "object" => {
                let [Expression::Object(attrs)] = args.as_slice() else {
                    return Err(self.err(
                        "Object type constructor requires a map whose keys are attribute names and whose values \
                         are the corresponding attribute types.",
                        here,
                    ));
                };
                let mut ot = ObjectType::default();
                for (key, value) in attrs.iter() {
                    let name = match key {
                        ObjectKey::Ident(id) => id.value().as_str().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                        ObjectKey::Expression(e) => {
                            return Err(self.err(
                                "Object constructor map keys must be attribute names.",
                                &e.span().unwrap_or_else(|| here.clone()),
                            ))
                        }
                    };
                    self.attribute(&mut ot, name, value.expr(), here)?;
                }
                Ok(Type::Object(Box::new(ot)))
            }
            "optional" => Err(self.optional_misplaced(here)),
            other => Err(self.err(
                format!("Keyword \"{other}\" is not a valid type constructor."),
                here,
            )),
        }
    }

    fn attribute(
        &self,
        ot: &mut ObjectType,
        name: String,
        e: &Expression,
        here: &Range<usize>,
    ) -> Result<(), Diagnostic> {
        let Expression::FuncCall(fc) = e else {
            let t = self.ty(e, here)?;
            ot.attrs.insert(name, t);
            return Ok(());
        };
        if fc.name.name.value().as_str() != "optional" {
            let t = self.ty(e, here)?;
            ot.attrs.insert(name, t);
            return Ok(());
        }
        let span = fc.span().unwrap_or_else(|| here.clone());
        let args: Vec<&Expression> = fc.args.iter().collect();
        let (t, default) = match args.as_slice() {
            [t] => (self.ty(t, &span)?, None),
            [t, d] => (self.ty(t, &span)?, Some(*d)),
            _ => {
                return Err(self.err(
                    "Optional attribute modifier requires the attribute type as its first argument and, \
                     optionally, a default value as its second.",
                    &span,
                ))
            }
        };
        if let Some(d) = default {
            let v = self.constant(d, &t)?;
            ot.defaults.insert(name.clone(), OrdValue(v));
        }
        ot.optional.insert(name.clone());
        ot.attrs.insert(name, t);
        Ok(())
    }

    /// Evaluates an optional attribute's default and converts it to the attribute's type.
    fn constant(&self, e: &Expression, t: &Type) -> Result<Value, Diagnostic> {
        let span = e.span().unwrap_or(0..0);
        let ctx = EvalContext {
            scope: &EmptyScope,
            file: self.file,
            funcs: hangar_funcs::FuncContext {
                base_dir: Path::new("."),
                render_template: None,
            },
        };
        let v = eval(e, &ctx).map_err(|d| {
            d.into_iter()
                .next()
                .unwrap_or_else(|| self.err("Invalid default value.", &span))
        })?;
        convert(v, t).map_err(|err| {
            Diagnostic::error(
                "Invalid default value for optional attribute",
                format!("This default value is not compatible with the attribute's type constraint: {err}."),
            )
            .at(Some(self.file.range(span)))
        })
    }
}
