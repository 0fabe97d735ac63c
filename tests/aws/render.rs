//! How plans and state read, against moto: nested blocks print as blocks (as Terraform's plan
//! of the same configuration does, recorded in tests/fixtures/checkov/terraform-plan.txt),
//! `state show` prints them as blocks too, and `--refresh-only` shows changed maps key by key,
//! Hangar's ownership tags hidden unless they change.

use crate::{moto, provider_block, work};

/// The lines of one resource's section of a plan, from its `# ADDRESS will` comment to its `}`.
fn section(plan: &str, address: &str) -> Vec<String> {
    let start = format!("# {address} will");
    let mut lines = plan
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(&start));
    let mut out = Vec::new();
    for l in lines.by_ref() {
        out.push(l.to_string());
        if l == "    }" {
            break;
        }
    }
    out
}

/// The block structure of a section: block openings and closings, and the `sse_algorithm`
/// line with its spacing collapsed (attribute sets differ between the two providers).
fn structure(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.ends_with('{') || l.trim() == "}" || l.contains("sse_algorithm"))
        .map(|l| {
            if l.contains("sse_algorithm") {
                l.split_whitespace().collect::<Vec<_>>().join(" ")
            } else {
                l.clone()
            }
        })
        .collect()
}

#[test]
fn nested_blocks_render_as_blocks_like_terraform() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let main = std::fs::read_to_string(root.join("examples/aws-data-plane/main.tf"))
        .expect("example")
        .replace("../../modules/aws-data-plane", "./modules/aws-data-plane");
    let w = work(&main);
    let target = w.path().join("modules/aws-data-plane");
    std::fs::create_dir_all(&target).expect("mkdir");
    for f in std::fs::read_dir(root.join("modules/aws-data-plane"))
        .expect("module")
        .flatten()
    {
        std::fs::copy(f.path(), target.join(f.file_name())).expect("copy");
    }
    let endpoint = format!("aws_endpoint={}", moto::moto().endpoint);
    let ours = w.run(&["plan", "--var", &endpoint]).expect(0).stdout;
    let theirs = std::fs::read_to_string(root.join("tests/fixtures/checkov/terraform-plan.txt"))
        .expect("fixture");
    let addr = "module.data_plane.aws_s3_bucket_server_side_encryption_configuration.artifacts";
    let (a, b) = (section(&ours, addr), section(&theirs, addr));
    assert!(!b.is_empty(), "fixture has {addr}");
    assert_eq!(
        structure(&a),
        structure(&b),
        "\nhangar:\n{}\nterraform:\n{}",
        a.join("\n"),
        b.join("\n")
    );
    assert!(!ours.contains("\"sse_algorithm\""), "{ours}");
}

fn config(owner: &str) -> String {
    format!(
        r#"{provider}
resource "aws_s3_bucket" "b" {{
  bucket        = "render-blocks"
  force_destroy = true
  tags = {{
    owner = "{owner}"
    team  = "data"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "b" {{
  bucket = aws_s3_bucket.b.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "AES256"
    }}
  }}
}}
"#,
        provider = provider_block("")
    )
}

#[test]
fn state_show_and_refresh_only_read_like_terraform() {
    let _g = moto::exclusive();
    let w = work(&config("platform"));
    w.run(&["apply", "--auto-approve"]).expect(0);
    let shown = w
        .run(&[
            "state",
            "show",
            "aws_s3_bucket_server_side_encryption_configuration.b",
        ])
        .expect(0)
        .stdout;
    assert!(shown.contains("\n    rule {\n"), "{shown}");
    assert!(
        shown.contains("\n        apply_server_side_encryption_by_default {\n"),
        "{shown}"
    );
    assert!(
        shown.contains("            sse_algorithm = \"AES256\"\n"),
        "{shown}"
    );
    assert!(
        !shown.contains("= ["),
        "nested blocks are not lists: {shown}"
    );
    let all = w.run(&["show"]).expect(0).stdout;
    assert!(all.contains("\n    rule {\n"), "{all}");

    // Change one tag out of band, keeping every other tag (ownership tags included).
    let tags = w.resource("aws_s3_bucket.b")["attributes"]["tags_all"].clone();
    let mut set = String::new();
    for (k, v) in tags.as_object().expect("tags_all") {
        let v = if k == "owner" {
            "mallory"
        } else {
            v.as_str().unwrap_or_default()
        };
        set.push_str(&format!("<Tag><Key>{k}</Key><Value>{v}</Value></Tag>"));
    }
    let body = format!("<Tagging><TagSet>{set}</TagSet></Tagging>");
    let (status, text) = moto::http("PUT", "/render-blocks?tagging", &body);
    assert!(status < 300, "{status} {text}");
    let plan = w.run(&["plan", "--refresh-only"]).expect(0).stdout;
    assert!(plan.contains("# aws_s3_bucket.b has changed"), "{plan}");
    assert!(
        plan.contains("~ resource \"aws_s3_bucket\" \"b\" {"),
        "{plan}"
    );
    assert!(
        plan.contains("~ \"owner\" = \"platform\" -> \"mallory\""),
        "{plan}"
    );
    assert!(plan.contains("# (1 unchanged element hidden)"), "{plan}");
    assert!(!plan.contains("hangar:"), "ownership tags hidden: {plan}");
    assert!(!plan.contains("{\"owner\""), "no one-line JSON: {plan}");
}

/// `ignore_changes = [tags]` on a bucket: a changed `tags` argument plans "No changes" and
/// applies, and state keeps the prior tags (it used to fail with "inconsistent final plan").
#[test]
fn ignore_changes_on_bucket_tags_plans_no_changes() {
    let _g = moto::exclusive();
    let config = |team: &str| {
        format!(
            r#"{provider}
resource "aws_s3_bucket" "b" {{
  bucket        = "ignored-tags"
  force_destroy = true
  tags = {{
    a = "{team}"
  }}
  lifecycle {{
    ignore_changes = [tags]
  }}
}}
"#,
            provider = provider_block("")
        )
    };
    let w = work(&config("1"));
    w.run(&["apply", "--auto-approve"]).expect(0);
    w.write("main.tf", &config("2"));
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    w.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(
        w.resource("aws_s3_bucket.b")["attributes"]["tags"]["a"],
        "1"
    );
    w.run(&["destroy", "--auto-approve"]).expect(0);
}
