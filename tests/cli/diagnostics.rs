//! Diagnostics as good as Terraform's, then better: "Did you mean …?" over what is in scope,
//! no follow-on errors, an unclosed string reported where it opens, apply errors located at
//! their resource block, and an endpoint answering in the wrong format quoted.

use std::io::{Read, Write};
use std::net::TcpListener;

use serde_json::Value as Json;

use crate::work;

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
                d["summary"].as_str().unwrap_or(""),
                d["detail"].as_str().unwrap_or("")
            )
        })
        .collect()
}

const MISSPELT: &str = r#"variable "region" { default = "eu-west-1" }
locals { name = "n" }
module "child" { source = "./child" }
resource "terraform_data" "x" {
  input = var.regoin
}
resource "terraform_dta" "y" {}
output "a" { value = local.nmae }
output "b" { value = terraform_data.x.outptu }
output "c" { value = lenght("x") }
output "d" { value = terraform_data.xx.id }
output "e" { value = module.chlid.out }
output "f" { value = module.child.otu }
"#;

#[test]
fn misspelt_names_get_the_name_in_scope_they_probably_meant() {
    for flag in ["-json", "--json"] {
        let w = work(&[
            ("main.tf", MISSPELT),
            ("child/main.tf", "output \"out\" { value = 1 }\n"),
        ]);
        let found = located(&w.run(&["validate", flag]).expect(1).stdout);
        for want in [
            "5:11 Reference to undeclared input variable: An input variable with the name \"regoin\" has not been declared. Did you mean \"region\"?",
            "7:1 Invalid resource type: The provider terraform does not support resource type \"terraform_dta\". Did you mean \"terraform_data\"?",
            "8:22 Reference to undeclared local value: A local value with the name \"nmae\" has not been declared. Did you mean \"name\"?",
            "9:38 Unsupported attribute: This object does not have an attribute named \"outptu\". Did you mean \"output\"?",
            "10:22 Call to unknown function: There is no function named \"lenght\". Did you mean \"length\"?",
            "11:22 Reference to undeclared resource: A managed resource \"terraform_data\" \"xx\" has not been declared in the root module. Did you mean \"terraform_data.x\"?",
            "12:22 Reference to undeclared module: No module call named \"chlid\" is declared in the root module. Did you mean \"child\"?",
            "13:34 Unsupported attribute: This object does not have an attribute named \"otu\". Did you mean \"out\"?",
        ] {
            assert!(found.iter().any(|f| f == want), "{flag}: missing {want}\nin {found:#?}");
        }
    }
}

#[test]
fn misspelt_arguments_and_blocks_are_suggested_in_every_kind_of_block() {
    let cases = [
        (
            "output \"o\" {\n  value    = 1\n  sensitiv = true\n}\n",
            "3:3 Unsupported argument: An argument named \"sensitiv\" is not expected here. Did you mean \"sensitive\"?",
        ),
        (
            "variable \"v\" {\n  tpye = string\n}\n",
            "2:3 Unsupported argument: An argument named \"tpye\" is not expected here. Did you mean \"type\"?",
        ),
        (
            "resourse \"terraform_data\" \"x\" {}\n",
            "1:1 Unsupported block type: Blocks of type \"resourse\" are not expected here. Did you mean \"resource\"?",
        ),
        (
            "resource \"terraform_data\" \"x\" {\n  lifecycle {\n    prevent_destory = true\n  }\n}\n",
            "3:5 Unsupported argument: An argument named \"prevent_destory\" is not expected here. Did you mean \"prevent_destroy\"?",
        ),
        (
            "resource \"terraform_data\" \"x\" {\n  lifecycel {}\n}\n",
            "2:3 Unsupported block type: Blocks of type \"lifecycel\" are not expected here. Did you mean \"lifecycle\"?",
        ),
        (
            "resource \"terraform_data\" \"x\" {\n  inptu = 1\n}\n",
            "2:3 Unsupported argument: An argument named \"inptu\" is not expected here. Did you mean \"input\"?",
        ),
        (
            "resource \"aws_s3_bucket_versioning\" \"v\" {\n  bucket = \"b\"\n  versioning_configuraton {\n    status = \"Enabled\"\n  }\n}\n",
            "3:3 Unsupported block type: Blocks of type \"versioning_configuraton\" are not expected here. Did you mean \"versioning_configuration\"?",
        ),
    ];
    for (text, want) in cases {
        let w = work(&[("main.tf", text)]);
        let found = located(&w.run(&["validate", "-json"]).expect(1).stdout);
        assert!(
            found.iter().any(|f| f == want),
            "missing {want}\nin {found:#?}"
        );
    }
}

#[test]
fn a_bad_reference_is_the_only_error_about_its_argument() {
    let w = work(&[(
        "main.tf",
        "resource \"aws_s3_bucket_versioning\" \"v\" {\n  bucket = aws_s3_bucket.nope.id\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n}\n",
    )]);
    for flag in ["-json", "--json"] {
        let found = located(&w.run(&["validate", flag]).expect(1).stdout);
        assert_eq!(found.len(), 1, "{flag}: {found:#?}");
        assert!(
            found[0].starts_with("2:12 Reference to undeclared resource"),
            "{found:?}"
        );
    }
    let plan = w.run(&["plan", "-no-color"]).expect(1);
    assert!(
        !plan.stderr.contains("Missing required argument"),
        "{}",
        plan.stderr
    );
}

#[test]
fn an_unclosed_string_is_reported_where_it_opens() {
    let cases = [
        (
            "resource \"terraform_data\" \"x\" {\n  input = \"hello\n}\n\noutput \"a\" {\n  value = 1\n}\n",
            "2:11 Invalid multi-line string",
        ),
        (
            "output \"a\" {\n  value = \"${var.x\"\n}\n\noutput \"b\" {\n  value = 1\n}\n",
            "2:12 Unclosed template interpolation sequence",
        ),
        (
            "output \"a\" {\n  value = <<EOT\nhello\n}\n",
            "2:11 Unterminated template string",
        ),
        ("output \"a\" {\n  value = \"open", "2:11 Unterminated template string"),
    ];
    for (text, want) in cases {
        let w = work(&[("main.tf", text)]);
        let found = located(&w.run(&["validate", "--json"]).expect(1).stdout);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].starts_with(want), "want {want}\nfound {found:#?}");
        let plan = w.run(&["plan", "--no-color"]).expect(1);
        assert!(
            plan.stderr.contains(&format!(
                "on main.tf:{}",
                &want[..want.find(' ').unwrap_or(0)]
            )),
            "{}",
            plan.stderr
        );
    }
}

/// Serves one canned HTTP answer to every request on 127.0.0.1, like a web server that is not
/// the API the provider expects; returns its endpoint.
fn wrong_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                let mut got = Vec::new();
                // Read the head and whatever body its Content-Length announces.
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&got).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if got.len() >= end + 4 + len {
                            let body = "<html><body><h1>Welcome to nginx!</h1></body></html>";
                            let answer = format!(
                                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
                                body.len()
                            );
                            if s.write_all(answer.as_bytes()).is_err() {
                                return;
                            }
                            got.clear();
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn apply_errors_point_at_their_block_and_quote_an_unexpected_answer() {
    let endpoint = wrong_endpoint();
    for flag in ["-auto-approve", "--auto-approve"] {
        let w = work(&[(
            "main.tf",
            &format!(
                "provider \"aws\" {{\n  region      = \"eu-west-1\"\n  max_retries = 1\n  endpoints {{\n    s3  = \"{endpoint}\"\n    sts = \"{endpoint}\"\n  }}\n}}\n\nresource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"first-hour-bucket\"\n}}\n"
            ),
        )]);
        let run = w.run(&["apply", flag, "-no-color"]).expect(1);
        let err = &run.stderr;
        assert!(
            err.contains("Error: Error creating aws_s3_bucket.b"),
            "{err}"
        );
        assert!(err.contains("on main.tf:10:1"), "{err}");
        assert!(
            err.contains("10 | resource \"aws_s3_bucket\" \"b\" {"),
            "{err}"
        );
        assert!(
            err.contains("the answer began: \"<html><body><h1>Welcome to nginx!"),
            "{err}"
        );
        assert!(err.contains("does not expect"), "{err}");
    }
}
