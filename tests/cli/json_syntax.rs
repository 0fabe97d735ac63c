//! Terraform's JSON syntax: `*.tf.json` configuration files and `*.tfvars.json` variables files.
//!
//! Plans of JSON configurations are checked against Terraform's own plans of the same files
//! (tests/fixtures/json_syntax/<case>/terraform.json and terraform-plan.txt, recorded by gen.sh
//! beside them), and a configuration written in both syntaxes must plan identically — nested
//! blocks, which JSON cannot tell from object arguments, included.

use std::path::Path;

use serde_json::Value as Json;

use crate::work;

fn case_dir(case: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/json_syntax")
        .join(case)
}

/// Copies a fixture case, Terraform's recorded answers left out.
fn copy_case(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("case").flatten() {
        let name = e.file_name();
        if name == "terraform.json" || name == "terraform-plan.txt" {
            continue;
        }
        if e.path().is_dir() {
            copy_case(&e.path(), &to.join(&name));
        } else {
            std::fs::copy(e.path(), to.join(&name)).expect("copy");
        }
    }
}

/// Generated ids (UUIDs) replaced, so two runs' plans compare.
fn normalize(j: &Json) -> Json {
    match j {
        Json::String(s) if s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4 => {
            Json::String("<uuid>".into())
        }
        Json::Array(xs) => Json::Array(xs.iter().map(normalize).collect()),
        Json::Object(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), normalize(v))).collect()),
        other => other.clone(),
    }
}

fn by_address(j: &Json) -> Vec<(String, Json)> {
    let mut v: Vec<(String, Json)> = j["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| {
            (
                x["address"].as_str().unwrap_or("").to_string(),
                normalize(x),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn json_configurations_plan_as_terraform_plans_them() {
    for case in ["values", "modules"] {
        let w = work(&[]);
        copy_case(&case_dir(case), w.path());
        let ours: Json = serde_json::from_str(&w.run(&["plan", "-json"]).expect(0).stdout)
            .expect("plan --json is JSON");
        let theirs: Json = serde_json::from_str(
            &std::fs::read_to_string(case_dir(case).join("terraform.json")).expect("fixture"),
        )
        .expect("fixture is JSON");
        let (a, b) = (by_address(&ours), by_address(&theirs));
        assert_eq!(a.len(), b.len(), "{case}: same resources");
        for ((addr, x), (_, y)) in a.iter().zip(&b) {
            assert_eq!(x, y, "{case}: resource_changes for {addr}");
        }
        assert_eq!(
            normalize(&ours["output_changes"]),
            normalize(&theirs["output_changes"]),
            "{case}: output_changes"
        );
        // The human plan of the resources too (how outputs holding maps are drawn is the
        // plan renderer's business, checked by its own tests).
        let text = w.run(&["plan", "--no-color"]).expect(0).stdout;
        let theirs =
            std::fs::read_to_string(case_dir(case).join("terraform-plan.txt")).expect("fixture");
        let resources = |t: &str| {
            let from = t.find("will perform the following actions").unwrap_or(0);
            let to = t.find("Changes to Outputs:").unwrap_or(t.len());
            t[from..to.max(from)].trim_end().to_string()
        };
        assert_eq!(resources(&text), resources(&theirs), "{case}: plan text");
    }
}

const HCL_BLOCKS: &str = r#"provider "aws" {
  region = "eu-west-1"
  endpoints {
    s3  = "http://127.0.0.1:9"
    sts = "http://127.0.0.1:9"
  }
}
variable "algos" { default = ["AES256", "aws:kms"] }
resource "aws_s3_bucket" "b" {
  bucket = "json-blocks"
  tags   = { team = "core" }
}
resource "aws_s3_bucket_versioning" "v" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration {
    status = "Enabled"
  }
}
resource "aws_s3_bucket_server_side_encryption_configuration" "e" {
  bucket = aws_s3_bucket.b.id
  dynamic "rule" {
    for_each = var.algos
    content {
      bucket_key_enabled = rule.key == 0
      apply_server_side_encryption_by_default {
        sse_algorithm = rule.value
      }
    }
  }
}
"#;

const JSON_BLOCKS: &str = r#"{
  "provider": {"aws": {"region": "eu-west-1", "endpoints": {"s3": "http://127.0.0.1:9", "sts": "http://127.0.0.1:9"}}},
  "variable": {"algos": {"default": ["AES256", "aws:kms"]}},
  "resource": {
    "aws_s3_bucket": {"b": {"bucket": "json-blocks", "tags": {"team": "core"}}},
    "aws_s3_bucket_versioning": {"v": {"bucket": "${aws_s3_bucket.b.id}", "versioning_configuration": [{"status": "Enabled"}]}},
    "aws_s3_bucket_server_side_encryption_configuration": {"e": {
      "//": "dynamic blocks: one object per block type, its content read by the schema",
      "bucket": "${aws_s3_bucket.b.id}",
      "dynamic": {"rule": {"for_each": "${var.algos}", "content": {
        "bucket_key_enabled": "${rule.key == 0}",
        "apply_server_side_encryption_by_default": {"sse_algorithm": "${rule.value}"}
      }}}
    }}
  }
}"#;

#[test]
fn nested_blocks_written_in_json_plan_as_the_same_blocks_in_hcl() {
    let plan = |file: &str, text: &str| -> Json {
        let w = work(&[(file, text)]);
        let out = w.run(&["plan", "--json"]).expect(0).stdout;
        serde_json::from_str(&out).expect("plan --json is JSON")
    };
    let hcl = plan("main.tf", HCL_BLOCKS);
    let json = plan("main.tf.json", JSON_BLOCKS);
    assert_eq!(by_address(&json).len(), 3);
    assert_eq!(by_address(&json), by_address(&hcl));
    assert_eq!(json["planned_values"], hcl["planned_values"]);
    let sse = &json["resource_changes"]
        .as_array()
        .and_then(|rc| {
            rc.iter()
                .find(|r| r["type"] == "aws_s3_bucket_server_side_encryption_configuration")
        })
        .expect("sse planned")["change"]["after"]["rule"];
    assert_eq!(sse.as_array().map(Vec::len), Some(2), "{sse}");
}

/// `validate -json` diagnostics as `line:column summary: detail`.
fn located(out: &str) -> Vec<String> {
    let v: Json = serde_json::from_str(out).expect("validate --json is JSON");
    v["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            format!(
                "{}:{} {}: {}",
                d["range"]["start"]["line"],
                d["range"]["start"]["column"],
                d["summary"],
                d["detail"]
            )
        })
        .collect()
}

#[test]
fn json_mistakes_are_reported_where_they_are_written() {
    for flag in ["-json", "--json"] {
        let w = work(&[(
            "main.tf.json",
            "{\n  \"resourse\": {},\n  \"output\": {\"o\": {\"value\": \"${var.v\"}, \"p\": {\"value\": 1,}}\n}\n",
        )]);
        let out = w.run(&["validate", flag]).expect(1).stdout;
        assert_eq!(
            located(&out),
            ["3:57 \"Trailing comma in object\": \"JSON does not permit a trailing comma after the final property in an object.\""],
            "{flag}"
        );
        w.write(
            "main.tf.json",
            "{\n  \"resourse\": {},\n  \"output\": {\"o\": {\"value\": \"${var.v\"}}\n}\n",
        );
        let out = w.run(&["validate", flag]).expect(1).stdout;
        let found = located(&out);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("2:3 \"Extraneous JSON object property\": \"No argument or block type is named \\\"resourse\\\". Did you mean \\\"resource\\\"?"), "{found:?}");
        assert!(
            found[1].starts_with("3:29 \"Unclosed template interpolation sequence\""),
            "{found:?}"
        );
        // An argument the provider's schema does not know, inside a block written as an object.
        w.write(
            "main.tf.json",
            "{\"resource\": {\"terraform_data\": {\"x\": {\n  \"inptu\": 1\n}}}}\n",
        );
        let out = w.run(&["validate", flag]).expect(1).stdout;
        assert_eq!(
            located(&out),
            ["2:4 \"Unsupported argument\": \"An argument named \\\"inptu\\\" is not expected here. Did you mean \\\"input\\\"?\""],
            "{flag}"
        );
    }
}

#[test]
fn json_variables_files_are_read_literally_in_terraforms_order() {
    let w = work(&[
        (
            "main.tf",
            "variable \"name\" {}\nvariable \"tags\" { type = map(string) }\nvariable \"size\" { default = 1 }\noutput \"all\" { value = { name = var.name, tags = var.tags, size = var.size } }\n",
        ),
        (
            "terraform.tfvars.json",
            "{\"name\": \"from-tfvars-json\", \"tags\": {\"raw\": \"${not.a.template}\"}, \"size\": 2}",
        ),
        ("b.auto.tfvars.json", "{\"size\": 12345678901234567890.5}"),
        ("extra.tfvars.json", "{\"name\": \"from-var-file\"}"),
    ]);
    for flags in [
        &["-var-file=extra.tfvars.json", "-json"][..],
        &["--var-file", "extra.tfvars.json", "--json"][..],
    ] {
        let mut args = vec!["plan"];
        args.extend_from_slice(flags);
        let plan: Json = serde_json::from_str(&w.run(&args).expect(0).stdout).expect("plan --json");
        let all = &plan["output_changes"]["all"]["after"];
        assert_eq!(all["name"], "from-var-file", "{flags:?}: {all}");
        assert_eq!(all["tags"]["raw"], "${not.a.template}", "{flags:?}: {all}");
        assert_eq!(
            all["size"].to_string(),
            "12345678901234567890.5",
            "{flags:?}: {all}"
        );
    }
    w.write("bad.tfvars.json", "{\"tags\": {\"a\": [1]}}");
    let err = w
        .run(&["plan", "--var-file=bad.tfvars.json", "-no-color"])
        .expect(1)
        .stderr;
    assert!(err.contains("on bad.tfvars.json:1:2"), "{err}");
    assert!(err.contains("var.tags"), "{err}");
}

#[test]
fn undeclared_variables_in_files_warn_on_every_run() {
    let w = work(&[
        (
            "main.tf",
            "variable \"region\" { default = \"eu-west-1\" }\noutput \"r\" { value = var.region }\n",
        ),
        ("terraform.tfvars", "regoin = \"us-east-1\"\n"),
        ("more.tfvars.json", "{\"a\": 1, \"b\": 2, \"c\": 3}"),
    ]);
    let warning = "Warning: Value for undeclared variable";
    for args in [
        &["plan", "-no-color"][..],
        &["apply", "-auto-approve", "-no-color"][..],
        &["plan", "--no-color"][..],
    ] {
        let run = w.run(args).expect(0);
        assert!(run.stderr.contains(warning), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("named \"regoin\" but a value was found in file \"terraform.tfvars\". Did you mean \"region\"?"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("  1 | regoin = \"us-east-1\""),
            "{}",
            run.stderr
        );
    }
    // A named variables file warns too (as in Terraform); past three, the rest are counted.
    for flag in ["-var-file=more.tfvars.json", "--var-file=more.tfvars.json"] {
        let run = w.run(&["plan", flag, "-no-color"]).expect(0);
        assert_eq!(run.stderr.matches(warning).count(), 3, "{}", run.stderr);
        assert!(
            run.stderr.contains("In addition to the other similar warnings shown, 1 other variable(s) defined without being declared."),
            "{}",
            run.stderr
        );
    }
    // On the command line it is an error.
    let run = w.run(&["plan", "-var", "zone=a", "-no-color"]).expect(1);
    assert!(
        run.stderr.contains("Value for undeclared variable"),
        "{}",
        run.stderr
    );
}
