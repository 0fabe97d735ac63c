//! `from_config` without services: kinds, settings checks and the local layout; `migrate`
//! between local backends.

use std::path::Path;

use hangar_state::{from_config, migrate, Backend, LocalBackend, StateError};
use hangar_testkit::state_conformance::sample_doc;
use serde_json::{json, Map, Value};

fn map(v: Value) -> Map<String, Value> {
    serde_json::from_value(v).expect("an object")
}

#[test]
fn local_paths_follow_the_workspace_layout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    let default = from_config("local", &map(json!({})), "default", base).expect("local");
    assert_eq!(
        default.describe(),
        format!("local file {}", base.join("hangar.tfstate").display())
    );
    let ws = from_config("local", &map(json!({})), "eu", base).expect("local");
    assert!(ws.describe().ends_with(
        &Path::new("hangar.tfstate.d/eu/hangar.tfstate")
            .display()
            .to_string()
    ));
    let custom = from_config(
        "local",
        &map(json!({ "path": "st/app.tfstate" })),
        "eu",
        base,
    )
    .expect("local");
    assert!(custom.describe().ends_with(
        &Path::new("st/hangar.tfstate.d/eu/app.tfstate")
            .display()
            .to_string()
    ));
    assert_eq!(custom.location().expect("locate"), None);
    custom.write(&sample_doc(1)).expect("write");
    assert!(base.join("st/hangar.tfstate.d/eu/app.tfstate").is_file());
}

#[test]
fn bad_configuration_names_what_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let err = |kind: &str, v: Value, ws: &str| -> StateError {
        match from_config(kind, &map(v), ws, d) {
            Ok(b) => panic!("{kind} accepted: {}", b.describe()),
            Err(e) => e,
        }
    };
    match err("consul", json!({}), "default") {
        StateError::UnknownBackend { kind, expected } => {
            assert_eq!(kind, "consul");
            assert!(expected.contains("local"), "{expected}");
        }
        other => panic!("{other}"),
    }
    match err("local", json!({ "paht": "x" }), "default") {
        StateError::UnknownSetting { name, known, .. } => {
            assert_eq!(name, "paht");
            assert_eq!(known, "path");
        }
        other => panic!("{other}"),
    }
    assert!(matches!(
        err("local", json!({ "path": 3 }), "default"),
        StateError::InvalidSetting { .. }
    ));
    assert!(matches!(
        err("local", json!({}), "../x"),
        StateError::InvalidSetting { .. }
    ));
    if cfg!(feature = "s3") {
        let e = err(
            "s3",
            json!({ "key": "k", "region": "eu-west-1" }),
            "default",
        );
        assert!(e.to_string().contains("\"bucket\""), "{e}");
        let e = err(
            "s3",
            json!({ "bucket": "b", "key": "k", "region": "eu-west-1", "access_key": "a" }),
            "default",
        );
        assert!(
            matches!(
                e,
                StateError::MissingSetting {
                    name: "secret_key",
                    ..
                }
            ),
            "{e}"
        );
        let e = err(
            "s3",
            json!({ "bucket": "b", "key": "k", "region": "eu-west-1", "use_path_style": "yes" }),
            "default",
        );
        assert!(e.to_string().contains("true or false"), "{e}");
        let e = err(
            "s3",
            json!({ "bucket": "b", "key": "k", "region": "r", "dynamodb_table": "t" }),
            "default",
        );
        assert!(matches!(e, StateError::UnknownSetting { .. }), "{e}");
    }
    if cfg!(feature = "pg") {
        let e = err("pg", json!({}), "default");
        assert!(
            matches!(
                e,
                StateError::MissingSetting {
                    name: "conn_str",
                    ..
                }
            ),
            "{e}"
        );
        let e = err(
            "pg",
            json!({ "conn_str": "host=127.0.0.1 bogus=1" }),
            "default",
        );
        assert!(e.to_string().contains("conn_str"), "{e}");
    }
}

#[test]
fn migrate_copies_state_and_refuses_another_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = LocalBackend::new(dir.path().join("a/hangar.tfstate"));
    let to = LocalBackend::new(dir.path().join("b/hangar.tfstate"));
    migrate(&from, &to).expect("nothing to migrate");
    assert_eq!(to.read().expect("read"), None);

    let doc = sample_doc(3);
    from.write(&doc).expect("write");
    migrate(&from, &to).expect("migrate");
    assert_eq!(to.read().expect("read"), Some(doc.clone()));

    let mut newer = doc.clone();
    newer.serial = 9;
    to.write(&newer).expect("write");
    assert!(matches!(
        migrate(&from, &to),
        Err(StateError::StaleSerial { .. })
    ));
    let foreign = LocalBackend::new(dir.path().join("c/hangar.tfstate"));
    foreign.write(&sample_doc(1)).expect("write");
    match migrate(&foreign, &to) {
        Err(StateError::LineageMismatch { stored, .. }) => assert_eq!(stored, doc.lineage),
        other => panic!("expected LineageMismatch, got {other:?}"),
    }
}
