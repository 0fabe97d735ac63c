//! The engine embedded as a library, with no binary: a resource outside the workspace's
//! geography can be neither planned nor applied, and no cloud is ever called.
//!
//! Every AWS endpoint of the configuration points at a listener on 127.0.0.1 that counts
//! connections: a single cloud call would show up there.

use std::io::Write;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hangar_engine::events::NoEvents;
use hangar_engine::workspace::{Cancel, Error, Mode, Options, Workspace};

/// Counts TCP connections to a loopback port until the test ends.
fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", l.local_addr().expect("addr"));
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    std::thread::spawn(move || {
        for c in l.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(c);
        }
    });
    (url, n)
}

fn config(endpoint: &str) -> String {
    format!(
        r#"
workspace "us-prod" {{
  geography = "us"
  region    = "us-east-1"
}}

workspace "eu-prod" {{
  geography = "eu"
  region    = "eu-central-1"
}}

provider "aws" {{
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"
  endpoints {{
    s3  = "{endpoint}"
    eks = "{endpoint}"
    sts = "{endpoint}"
  }}
}}

resource "aws_s3_bucket" "data" {{
  bucket = "embedded-data"
}}
"#
    )
}

fn open(dir: &std::path::Path, workspace: &str) -> Workspace {
    let mut o = Options::new(dir);
    o.workspace = workspace.into();
    o.environment = Default::default();
    Workspace::open(o).expect("open")
}

fn refusal(e: Error) -> String {
    match e {
        Error::Diags(d) => {
            d.0.iter()
                .filter(|x| x.is_error())
                .map(|x| format!("{}: {}", x.summary, x.detail))
                .collect::<Vec<_>>()
                .join("\n")
        }
        other => panic!("expected diagnostics, got {other}"),
    }
}

#[test]
fn a_resource_outside_the_geography_is_neither_planned_nor_applied_and_no_cloud_is_called() {
    let (endpoint, calls) = counting_listener();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::File::create(dir.path().join("main.tf"))
        .and_then(|mut f| f.write_all(config(&endpoint).as_bytes()))
        .expect("write config");

    // Planned in the eu workspace: refused before anything is called.
    let eu = open(dir.path(), "eu-prod");
    assert!(eu.policy().is_some_and(|p| p.geography == "eu"));
    let session = eu.begin("plan").expect("begin");
    let err = session
        .plan(Mode::Normal, &NoEvents)
        .expect_err("an eu workspace must refuse a provider in us-east-1");
    let text = refusal(err);
    assert!(text.contains("Residency violation"), "{text}");
    assert!(
        text.contains("us-east-1") && text.contains("\"eu\""),
        "{text}"
    );
    drop(session);

    // The same configuration plans in the us workspace (its own geography) without a call.
    let us = open(dir.path(), "us-prod");
    let plan = us
        .begin("plan")
        .expect("begin")
        .plan(Mode::Normal, &NoEvents)
        .expect("us-prod plans");
    assert!(plan.has_changes());

    // Carrying that plan into the eu workspace: the gate refuses the provider configuration
    // before it is configured, so nothing is created.
    let session = eu.begin("apply").expect("begin");
    let applied = session
        .apply(&plan, &NoEvents, &Cancel::default())
        .expect("apply runs and reports");
    let text = applied
        .diags
        .0
        .iter()
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(applied.diags.has_errors(), "the apply must fail");
    assert!(text.contains("Residency violation"), "{text}");
    assert_eq!(applied.added, 0);
    assert!(applied.state.resources.is_empty());

    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "no cloud endpoint may have been contacted"
    );
}

#[test]
fn validate_plan_and_apply_through_the_api() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("main.tf"),
        r#"
resource "terraform_data" "a" {
  input = "hello"
}
output "a" {
  value = terraform_data.a.output
}
"#,
    )
    .expect("write");
    let mut o = Options::new(dir.path());
    o.environment = Default::default();
    let ws = Workspace::open(o).expect("open");
    assert!(ws.validate().valid);
    let session = ws.begin("apply").expect("begin");
    let plan = session.plan(Mode::Normal, &NoEvents).expect("plan");
    assert!(plan.has_changes());
    let events = hangar_engine::events::RecordedEvents::default();
    let applied = session
        .apply(&plan, &events, &Cancel::default())
        .expect("apply");
    assert!(!applied.diags.has_errors(), "{:?}", applied.diags);
    assert_eq!(applied.added, 1);
    assert_eq!(applied.state.outputs["a"].value, serde_json::json!("hello"));
    let seen = events.take();
    assert!(seen.iter().any(|e| matches!(
        e,
        hangar_engine::events::Event::Finished { address, .. } if address == "terraform_data.a"
    )));
    drop(session);
    let again = ws
        .begin("plan")
        .expect("begin")
        .plan(Mode::Normal, &NoEvents)
        .expect("re-plan");
    assert!(!again.has_changes());
}
