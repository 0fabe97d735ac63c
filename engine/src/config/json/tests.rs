use hcl_edit::structure::{Body as HclBody, Structure};
use hcl_edit::Span;

use super::*;

fn translated(text: &str) -> SourceFile {
    translate("main.tf.json", text.to_string()).unwrap_or_else(|d| panic!("{d:?}"))
}

fn parsed(f: &SourceFile) -> HclBody {
    hcl_edit::parser::parse_body(f.code()).unwrap_or_else(|e| panic!("{e}\n{}", f.code()))
}

#[test]
fn blocks_labels_and_templates_become_native_syntax() {
    let f = translated(
        r#"{
  "//": "comment",
  "variable": {"names": {"type": "list(string)", "default": ["${x}"]}},
  "resource": {"terraform_data": {
    "a": {"input": "hi ${var.names[0]}", "//": "ignored", "depends_on": ["terraform_data.b"]},
    "b": [{"input": 1.50}]
  }},
  "output": {"o": {"value": {"k\n": "\/"}}}
}"#,
    );
    let code = f.code();
    assert!(
        code.contains("variable \"names\" {\ntype = list(string)\n"),
        "{code}"
    );
    assert!(code.contains("default = [\"$${x}\"]"), "{code}");
    assert!(code.contains("resource \"terraform_data\" \"a\" {\ninput = \"hi ${var.names[0]}\"\ndepends_on = [terraform_data.b]\n}"), "{code}");
    assert!(code.contains("input = 1.50"), "{code}");
    assert!(code.contains("\"k\\n\" = \"/\""), "{code}");
    let body = parsed(&f);
    let blocks: Vec<_> = body.blocks().collect();
    assert_eq!(blocks.len(), 4);
    // The resource block stands for its name, where it is written.
    let r = f.range(blocks[1].ident.span().expect("span"));
    assert_eq!((r.start.line, r.start.column), (5, 6));
    // An argument's value points at the JSON value.
    let input = blocks[1].body.get_attribute("input").expect("input");
    let r = f.range(input.value.span().expect("span"));
    assert_eq!((r.start.line, r.start.column), (5, 20));
    assert_eq!(r.end.column, 40);
    let key = f.range(input.key.span().expect("span"));
    assert_eq!(
        (key.start.line, key.start.column, key.end.column),
        (5, 12, 17)
    );
    assert!(matches!(body.iter().next(), Some(Structure::Block(_))));
}

#[test]
fn structure_problems_are_reported_where_they_are_with_suggestions() {
    let d = translate(
        "main.tf.json",
        "{\n  \"resourse\": {},\n  \"variable\": {\"v\": 3},\n  \"output\": {}\n}".into(),
    )
    .expect_err("invalid");
    let msgs: Vec<String> =
        d.0.iter()
            .map(|d| {
                let s = d.subject.as_ref().expect("located");
                format!(
                    "{}:{} {}: {}",
                    s.start.line, s.start.column, d.summary, d.detail
                )
            })
            .collect();
    assert_eq!(
        msgs,
        [
            "2:3 Extraneous JSON object property: No argument or block type is named \"resourse\". Did you mean \"resource\"?",
            "3:21 Incorrect JSON value type: Either a JSON object or a JSON array is required, representing the contents of one or more \"variable\" blocks.",
            "4:13 Missing block label: At least one object property is required, whose name represents the output block's name.",
        ]
    );
    let d = translate("x.tf.json", "{\"a\": 1,}".into()).expect_err("syntax");
    let s = d.0[0].subject.as_ref().expect("located");
    assert_eq!(
        (d.0[0].summary.as_str(), s.start.column),
        ("Trailing comma in object", 8)
    );
}

#[test]
fn arrays_of_blocks_and_expression_strings() {
    let f = translated(
        r#"{
  "provider": {"aws": [{"region": "eu-west-1"}, {"alias": "us", "region": "us-east-1"}]},
  "module": {"m": {"source": "./m", "providers": {"aws": "aws.us"}}},
  "resource": {"aws_s3_bucket": {"b": {
    "provider": "aws.us",
    "lifecycle": {"ignore_changes": "all", "replace_triggered_by": ["terraform_data.x"]},
    "dynamic": {"rule": {"for_each": "${var.rules}", "iterator": "r", "content": {"id": "${r.key}"}}}
  }}},
  "moved": [{"from": "a.b", "to": "a.c"}]
}"#,
    );
    let body = parsed(&f);
    let kinds: Vec<String> = body
        .blocks()
        .map(|b| {
            let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
            format!("{} {}", b.ident.as_str(), labels.join(" "))
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "provider aws",
            "provider aws",
            "module m",
            "resource aws_s3_bucket b",
            "moved "
        ]
    );
    let code = f.code();
    assert!(code.contains("providers = {\naws = aws.us\n}"), "{code}");
    assert!(code.contains("provider = aws.us\n"), "{code}");
    assert!(code.contains("ignore_changes = all\n"), "{code}");
    assert!(
        code.contains("replace_triggered_by = [terraform_data.x]"),
        "{code}"
    );
    assert!(code.contains("dynamic \"rule\" {\nfor_each = \"${var.rules}\"\niterator = r\ncontent {\nid = \"${r.key}\"\n}\n}"), "{code}");
    assert!(code.contains("moved {\nfrom = a.b\nto = a.c\n}"), "{code}");
}
