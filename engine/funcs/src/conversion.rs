//! Type conversion and mark functions: `tostring`, `tonumber`, `tobool`, `tolist`, `toset`,
//! `tomap`, `sensitive`, `nonsensitive`, `issensitive`, `ephemeralasnull`.

use hangar_core::{Type, Value};

use crate::{p, Call, Def, FuncError};
use hangar_core::convert::{can_convert, convert, mismatch_message};

fn want_of(name: &str) -> Type {
    match name {
        "tostring" => Type::String,
        "tonumber" => Type::Number,
        "tobool" => Type::Bool,
        "tolist" => Type::List(Box::new(Type::Dynamic)),
        "toset" => Type::Set(Box::new(Type::Dynamic)),
        _ => Type::Map(Box::new(Type::Dynamic)),
    }
}

fn to_type(a: &[Value], want: &Type) -> Result<Type, FuncError> {
    let got = Value::ty(&a[0]);
    if got == *want || can_convert(&got, want) {
        return Ok(want.clone());
    }
    Err(FuncError::arg(
        0,
        match (&got, want) {
            (Type::Tuple(_), Type::Tuple(_)) => {
                format!(
                    "incompatible tuple type for conversion: {}",
                    mismatch_message(&got, want)
                )
            }
            (Type::Object(_), Type::Object(_)) => {
                format!(
                    "incompatible object type for conversion: {}",
                    mismatch_message(&got, want)
                )
            }
            _ => format!(
                "cannot convert {} to {}",
                Type::friendly_name(&got),
                Type::friendly_constraint(want)
            ),
        },
    ))
}

fn to_impl(c: &Call<'_>, a: Vec<Value>, _: &Type) -> Result<Value, FuncError> {
    let want = want_of(c.name);
    let v = a[0].clone();
    match convert(v.clone(), &want) {
        Ok(r) => Ok(r),
        Err(_) => {
            let (val, marked) = v.unmark_deep();
            let got = Value::ty(&val);
            let what = |val: &Value| match val.as_str() {
                Some(x) => hangar_core::quote::go_quote(x),
                None => "string".to_string(),
            };
            Err(FuncError::arg(
                0,
                if marked {
                    format!(
                        "cannot convert this sensitive {} to {}",
                        Type::friendly_name(&got),
                        Type::friendly_constraint(&want)
                    )
                } else if got == Type::String && want == Type::Bool {
                    format!(
                        "cannot convert {} to bool; only the strings \"true\" or \"false\" are allowed",
                        what(&val)
                    )
                } else if got == Type::String && want == Type::Number {
                    format!(
                        "cannot convert {} to number; given string must be a decimal representation of a number",
                        what(&val)
                    )
                } else {
                    format!(
                        "cannot convert {} to {}",
                        Type::friendly_name(&got),
                        Type::friendly_constraint(&want)
                    )
                },
            ))
        }
    }
}

pub(crate) fn def(name: &str) -> Option<Def> {
    let anyp = || {
        p("value", Type::Dynamic)
            .unknown()
            .null()
            .marked()
            .dynamic()
    };
    Some(match name {
        "tostring" | "tonumber" | "tobool" | "tolist" | "toset" | "tomap" => {
            let f: crate::TypeFn = match name {
                "tostring" => |a| to_type(a, &Type::String),
                "tonumber" => |a| to_type(a, &Type::Number),
                "tobool" => |a| to_type(a, &Type::Bool),
                "tolist" => |a| to_type(a, &Type::List(Box::new(Type::Dynamic))),
                "toset" => |a| to_type(a, &Type::Set(Box::new(Type::Dynamic))),
                _ => |a| to_type(a, &Type::Map(Box::new(Type::Dynamic))),
            };
            Def::new(
                vec![p("v", Type::Dynamic).null().marked().dynamic()],
                Type::Dynamic,
                to_impl,
            )
            .type_fn(f)
        }
        "sensitive" => Def::new(vec![anyp()], Type::Dynamic, |_, a, _| {
            Ok(a[0].clone().sensitive())
        })
        .type_fn(|a| Ok(Value::ty(&a[0]))),
        "nonsensitive" => Def::new(vec![anyp()], Type::Dynamic, |_, a, _| {
            Ok(a[0].clone().unmark().0)
        })
        .type_fn(|a| Ok(Value::ty(&a[0]))),
        "issensitive" => Def::new(vec![anyp()], Type::Bool, |_, a, _| {
            Ok(Value::Bool(matches!(a[0], Value::Sensitive(_))))
        }),
        "ephemeralasnull" => Def::new(vec![anyp()], Type::Dynamic, |_, a, _| Ok(a[0].clone()))
            .type_fn(|a| Ok(Value::ty(&a[0]))),
        _ => return None,
    })
}
