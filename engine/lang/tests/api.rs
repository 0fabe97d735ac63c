//! Behaviour the engine relies on beyond printed values: references for the dependency graph,
//! type constraints, diagnostic locations, and marks on results.

mod support;

use hangar_core::types::ObjectType;
use hangar_core::{Type, Value};
use hangar_lang::{eval, parse_type, references, SourceFile};
use hcl_edit::parser::{parse_body, parse_expr};
use support::{context, MapScope};

fn scope() -> MapScope {
    let mut s = MapScope::default();
    s.vars.insert("x".into(), Value::int(2));
    s.vars
        .insert("secret".into(), Value::string("pw").sensitive());
    s.vars
        .insert("unknown".into(), Value::Unknown(Type::String));
    s
}

fn run(text: &str) -> Result<Value, hangar_core::Diagnostics> {
    let file = SourceFile::new("t.tf", text);
    let expr = parse_expr(text).expect("parses");
    eval(&expr, &context(&scope(), &file))
}

#[test]
fn references_report_leading_attribute_chains_and_skip_for_bindings() {
    let text = "[for i, v in var.list : v.id if data.aws_region.r.name == each.key][count.index]";
    let refs = references(&parse_expr(text).expect("parses"));
    let chains: Vec<Vec<&str>> = refs
        .iter()
        .map(|r| r.chain.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        chains,
        vec![
            vec!["var", "list"],
            vec!["data", "aws_region", "r", "name"],
            vec!["each", "key"],
            vec!["count", "index"],
        ]
    );
    assert_eq!(&text[refs[0].range.clone()], "var.list");
    assert_eq!(&text[refs[1].range.clone()], "data.aws_region.r.name");
}

#[test]
fn references_inside_templates_and_calls() {
    let text = r#""${upper(local.a)}%{for x in var.xs}${x}${aws_s3_bucket.b[0].id}%{endfor}""#;
    let refs = references(&parse_expr(text).expect("parses"));
    let chains: Vec<String> = refs.iter().map(|r| r.chain.join(".")).collect();
    assert_eq!(chains, vec!["local.a", "var.xs", "aws_s3_bucket.b"]);
}

#[test]
fn type_constraints_parse_with_optionals_and_defaults() {
    let text =
        "t = object({ a = string, b = optional(number, 5), c = optional(list(map(bool))) })\n";
    let body = parse_body(text).expect("parses");
    let file = SourceFile::new("v.tf", text);
    let attr = body.get_attribute("t").expect("attribute");
    let Type::Object(object) = parse_type(&attr.value, &file).expect("type") else {
        panic!("expected an object type");
    };
    let ObjectType {
        attrs,
        optional,
        defaults,
    } = *object;
    assert_eq!(attrs["a"], Type::String);
    assert_eq!(
        attrs["c"],
        Type::List(Box::new(Type::Map(Box::new(Type::Bool))))
    );
    assert!(optional.contains("b") && optional.contains("c") && !optional.contains("a"));
    assert_eq!(defaults["b"].0, Value::int(5));
    for (src, want) in [
        (
            "tuple([string, any])",
            Type::Tuple(vec![Type::String, Type::Dynamic]),
        ),
        ("set(number)", Type::Set(Box::new(Type::Number))),
        ("\"list\"", Type::List(Box::new(Type::Dynamic))),
    ] {
        let file = SourceFile::new("v.tf", src);
        assert_eq!(
            parse_type(&parse_expr(src).expect("parses"), &file),
            Ok(want),
            "{src}"
        );
    }
    for bad in [
        "strin",
        "list",
        "list(string, number)",
        "optional(string)",
        "1",
    ] {
        let file = SourceFile::new("v.tf", bad);
        let d = parse_type(&parse_expr(bad).expect("parses"), &file).expect_err(bad);
        assert_eq!(d.summary, "Invalid type specification", "{bad}");
        assert!(d.subject.is_some());
    }
}

#[test]
fn diagnostics_point_at_the_offending_sub_expression() {
    let d = run("1 + (2 * \"a\")").expect_err("fails");
    let subject = d.0[0].subject.clone().expect("located");
    assert_eq!(d.0[0].summary, "Invalid operand");
    assert_eq!((subject.start.column, subject.end.column), (10, 13));
    assert_eq!(subject.filename, "t.tf");
    let d = run("{a = 1}.b + var.nope").expect_err("fails");
    let summaries: Vec<&str> = d.0.iter().map(|d| d.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "Unsupported attribute",
            "Reference to undeclared input variable"
        ]
    );
}

#[test]
fn diagnostics_inside_indented_heredocs_keep_file_positions() {
    let text = "x = <<-EOT\n    a ${1 + true}\n  EOT\n";
    let body = parse_body(text).expect("parses");
    let file = SourceFile::new("h.tf", text);
    let expr = &body.get_attribute("x").expect("attribute").value;
    let d = eval(expr, &context(&scope(), &file)).expect_err("fails");
    let s = d.0[0].subject.clone().expect("located");
    assert_eq!(&text[s.start.byte..s.end.byte], "true");
    assert_eq!((s.start.line, s.start.column), (2, 13));
}

#[test]
fn precedence_follows_terraform() {
    assert_eq!(run("1 + 2 * 3"), Ok(Value::int(7)));
    assert_eq!(run("2 - 1 - 1"), Ok(Value::int(0)));
    assert_eq!(run("8 / 2 / 2"), Ok(Value::int(2)));
    assert_eq!(run("!true || true"), Ok(Value::Bool(true)));
}

#[test]
fn marks_propagate_and_unknowns_keep_their_type() {
    assert_eq!(
        run("var.secret == \"pw\""),
        Ok(Value::Bool(true).sensitive())
    );
    assert_eq!(
        run("\"p=${var.secret}\""),
        Ok(Value::string("p=pw").sensitive())
    );
    assert_eq!(run("var.x + var.unknown"), Ok(Value::Unknown(Type::Number)));
    assert_eq!(run("var.unknown == 1"), Ok(Value::Bool(false)));
    assert_eq!(
        run("var.unknown ? 1 : \"a\""),
        Ok(Value::Unknown(Type::String))
    );
    assert_eq!(run("false && var.unknown"), Ok(Value::Bool(false)));
}

#[test]
fn can_and_try_swallow_evaluation_errors_but_not_undeclared_references() {
    assert_eq!(run("can([1][3])"), Ok(Value::Bool(false)));
    assert_eq!(run("try([1][3], var.x)"), Ok(Value::int(2)));
    assert_eq!(run("can(var.unknown)"), Ok(Value::Unknown(Type::Bool)));
    let d = run("can(var.nope)").expect_err("static error");
    assert_eq!(d.0[0].summary, "Reference to undeclared input variable");
}
