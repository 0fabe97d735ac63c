//! Unknown and sensitive arguments, which `terraform console` cannot show, and templates.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use hangar_core::{Type, Value};
use hangar_funcs::{call, exists, FuncContext, FuncError};

fn ctx() -> FuncContext<'static> {
    FuncContext {
        base_dir: std::path::Path::new("."),
        render_template: None,
    }
}

fn c(name: &str, args: Vec<Value>) -> Result<Value, FuncError> {
    call(&ctx(), name, args)
}

fn strs(xs: &[&str]) -> Value {
    Value::Tuple(xs.iter().map(|x| Value::string(*x)).collect())
}

#[test]
fn unknown_arguments_give_unknown_results() {
    let u = Value::Unknown(Type::String);
    assert_eq!(
        c("upper", vec![u.clone()]).unwrap(),
        Value::Unknown(Type::String)
    );
    assert_eq!(
        c("length", vec![u.clone()]).unwrap(),
        Value::Unknown(Type::Number)
    );
    assert_eq!(
        c(
            "join",
            vec![Value::string(","), Value::Tuple(vec![u.clone()])]
        )
        .unwrap(),
        Value::Unknown(Type::String)
    );
    assert!(c("jsonencode", vec![Value::Tuple(vec![u.clone()])])
        .unwrap()
        .is_unknown());
}

#[test]
fn functions_that_accept_unknowns_still_answer() {
    // length of a known list with unknown elements is known.
    let l = Value::Tuple(vec![Value::unknown(), Value::string("a")]);
    assert_eq!(c("length", vec![l]).unwrap(), Value::int(2));
    // coalesce stops at the first known non-empty value before an unknown.
    let v = c(
        "coalesce",
        vec![Value::string("x"), Value::Unknown(Type::String)],
    )
    .unwrap();
    assert_eq!(v, Value::string("x"));
    let v = c(
        "coalesce",
        vec![Value::Unknown(Type::String), Value::string("x")],
    )
    .unwrap();
    assert!(v.is_unknown());
    // keys of an unknown object type are known from the type.
    let obj = Value::Unknown(Type::object([
        ("b".to_string(), Type::Number),
        ("a".to_string(), Type::String),
    ]));
    assert_eq!(c("keys", vec![obj]).unwrap(), strs(&["a", "b"]));
    // contains finds a known match even next to unknowns.
    let l = Value::Tuple(vec![Value::Unknown(Type::String), Value::string("a")]);
    assert_eq!(
        c("contains", vec![l.clone(), Value::string("a")]).unwrap(),
        Value::Bool(true)
    );
    assert!(c("contains", vec![l, Value::string("b")])
        .unwrap()
        .is_unknown());
}

#[test]
fn sensitive_arguments_mark_results() {
    let s = Value::string("secret").sensitive();
    assert_eq!(
        c("upper", vec![s.clone()]).unwrap(),
        Value::string("SECRET").sensitive()
    );
    assert_eq!(
        c("issensitive", vec![s.clone()]).unwrap(),
        Value::Bool(true)
    );
    assert_eq!(c("nonsensitive", vec![s]).unwrap(), Value::string("secret"));
    // Marks inside collections stay where they are for functions that handle them.
    let l = Value::Tuple(vec![Value::string("a"), Value::string("b").sensitive()]);
    assert_eq!(c("length", vec![l.clone()]).unwrap(), Value::int(2));
    let r = c("reverse", vec![l]).unwrap();
    assert_eq!(
        r,
        Value::Tuple(vec![Value::string("b").sensitive(), Value::string("a")])
    );
}

#[test]
fn arity_and_unknown_function_errors_use_hcl_wording() {
    let e = c("upper", vec![]).unwrap_err();
    assert_eq!(e.summary(), "Not enough function arguments");
    assert_eq!(
        e.detail("upper"),
        "Function \"upper\" expects 1 argument(s). Missing value for \"str\"."
    );
    let e = c("nosuch", vec![]).unwrap_err();
    assert_eq!(e.to_string(), "There is no function named \"nosuch\".");
    assert!(exists("cidrsubnets") && exists("templatefile") && !exists("nosuch"));
    let e = c("upper", vec![Value::Tuple(vec![])]).unwrap_err();
    assert_eq!(
        e.detail("upper"),
        "Invalid value for \"str\" parameter: string required, but have tuple."
    );
}

#[test]
fn templatefile_uses_the_renderer() {
    let dir = std::env::temp_dir().join(format!("hangar-funcs-tmpl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("t.tmpl"), "Hello, ${name}!").unwrap();
    let render = |text: &str, vars: &Value| -> Result<Value, String> {
        let name = vars.get_attr("name").and_then(Value::as_str).unwrap_or("?");
        Ok(Value::string(text.replace("${name}", name)))
    };
    let ctx = FuncContext {
        base_dir: &dir,
        render_template: Some(&render),
    };
    let vars = Value::Object(BTreeMap::from([(
        "name".to_string(),
        Value::string("World"),
    )]));
    let out = call(&ctx, "templatefile", vec![Value::string("t.tmpl"), vars]).unwrap();
    assert_eq!(out, Value::string("Hello, World!"));
    let e = call(
        &ctx,
        "templatefile",
        vec![Value::string("t.tmpl"), Value::string("x")],
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "invalid vars value: must be a map");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_listed_name_exists() {
    for n in hangar_funcs::NAMES {
        assert!(exists(n), "{n}");
    }
}
