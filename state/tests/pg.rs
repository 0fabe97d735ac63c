//! The PostgreSQL backend against a throwaway cluster (started through `.ci/postgres` unless
//! `HANGAR_PG_URL` is set): the shared suite, schema creation, workspace isolation, exact
//! document text and calling contexts.
#![cfg(feature = "pg")]

mod support;

use hangar_state::{Backend, JournalEntry, LockInfo, PgBackend, PgConfig, StateError};
use hangar_testkit::state_conformance::{record, run_conformance, sample_doc};
use support::{pg_url, unique};

fn backend(schema: &str, workspace: &str) -> PgBackend {
    let mut c = PgConfig::new(pg_url());
    c.schema_name = schema.into();
    c.workspace = workspace.into();
    PgBackend::new(&c).expect("PostgreSQL backend")
}

fn psql(sql: &str) -> Vec<postgres::Row> {
    let mut client = postgres::Client::connect(pg_url(), postgres::NoTls).expect("connect");
    client.query(sql, &[]).expect("query")
}

#[test]
fn pg_backend_passes_the_conformance_suite() {
    let schema = unique("conf_");
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let make = || -> Box<dyn Backend> {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::new(backend(&schema, &format!("case{n}")))
    };
    run_conformance(&make);
}

#[test]
fn the_schema_is_created_on_first_use_and_documents_keep_their_text() {
    let schema = unique("fresh_");
    let b = backend(&schema, "default");
    assert_eq!(b.read().expect("read creates the schema"), None);
    let tables = psql(&format!(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = '{schema}' \
         ORDER BY 1"
    ));
    let names: Vec<String> = tables.iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["journal", "locks", "states"]);

    let mut doc = sample_doc(1);
    doc.put(record("terraform_data.z", "z"));
    doc.resources
        .get_mut("terraform_data.z")
        .expect("record")
        .attributes =
        serde_json::from_str(r#"{"zeta": 1.50, "alpha": 1e2, "id": "z"}"#).expect("json");
    b.write(&doc).expect("write");
    let stored: String = psql(&format!(
        "SELECT doc::text FROM \"{schema}\".states WHERE workspace = 'default'"
    ))[0]
        .get(0);
    assert_eq!(
        stored.as_bytes(),
        doc.encode().expect("encode"),
        "stored as written"
    );
    assert!(stored.find("zeta") < stored.find("alpha"), "key order kept");
    assert_eq!(b.read().expect("read"), Some(doc.clone()));
    let queried: String = psql(&format!(
        "SELECT doc->'resources'->'terraform_data.z'->'attributes'->>'zeta' \
         FROM \"{schema}\".states"
    ))[0]
        .get(0);
    assert_eq!(queried, "1.50", "documents stay queryable");

    // jsonb would refuse this; json keeps it.
    doc.serial = 2;
    doc.outputs.get_mut("out").expect("output").value = serde_json::json!("nul \u{0} inside");
    b.write(&doc).expect("write a NUL character");
    assert_eq!(b.read().expect("read"), Some(doc.clone()));

    let mut journal = b.open_journal(&doc).expect("open journal");
    journal
        .append(&[JournalEntry::Outcome { token: "t".into() }])
        .expect("append");
    journal
        .append(&[JournalEntry::Remove {
            addr: "terraform_data.a".into(),
        }])
        .expect("append");
    let rows = psql(&format!(
        "SELECT seq FROM \"{schema}\".journal WHERE workspace = 'default' ORDER BY seq"
    ));
    assert_eq!(rows.iter().map(|r| r.get(0)).collect::<Vec<i64>>(), [0, 1]);
}

#[test]
fn workspaces_have_their_own_state_and_lock() {
    let schema = unique("ws_");
    let (a, b) = (backend(&schema, "eu"), backend(&schema, "us"));
    let guard = a.lock(LockInfo::new("apply", "eu")).expect("lock eu");
    let other = b
        .lock(LockInfo::new("apply", "us"))
        .expect("eu's lock does not block us");
    a.write(&sample_doc(3)).expect("write eu");
    assert_eq!(b.read().expect("read us"), None);
    assert!(matches!(
        backend(&schema, "eu").lock(LockInfo::new("plan", "eu2")),
        Err(StateError::Locked { .. })
    ));
    drop((guard, other));
    let rows = psql(&format!("SELECT count(*) FROM \"{schema}\".locks"));
    assert_eq!(rows[0].get::<_, i64>(0), 0, "released locks leave no rows");
}

#[test]
fn works_from_plain_threads_and_spawn_blocking() {
    let b = std::sync::Arc::new(backend(&unique("ctx_"), "default"));
    let doc = sample_doc(1);
    let (b2, d2) = (std::sync::Arc::clone(&b), doc.clone());
    std::thread::spawn(move || b2.write(&d2).expect("write from a plain thread"))
        .join()
        .expect("thread");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let b3 = std::sync::Arc::clone(&b);
    let read = rt.block_on(async move {
        tokio::task::spawn_blocking(move || {
            let guard = b3.lock(LockInfo::new("apply", "async")).expect("lock");
            let state = b3.read().expect("read");
            drop(guard);
            state
        })
        .await
        .expect("spawn_blocking")
    });
    assert_eq!(read, Some(doc));
}

#[test]
fn from_config_builds_pg_and_checks_its_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let schema = unique("cfg_");
    let settings: serde_json::Map<String, serde_json::Value> =
        serde_json::from_value(serde_json::json!({ "conn_str": pg_url(), "schema_name": schema }))
            .expect("map");
    let b = hangar_state::from_config("pg", &settings, "staging", dir.path()).expect("pg");
    assert!(
        b.describe().contains("workspace staging"),
        "{}",
        b.describe()
    );
    assert_eq!(b.location().expect("locate"), None);
    b.write(&sample_doc(2)).expect("write");
    let rows = psql(&format!("SELECT workspace FROM \"{schema}\".states"));
    assert_eq!(rows[0].get::<_, String>(0), "staging");

    let bad: serde_json::Map<String, serde_json::Value> = serde_json::from_value(
        serde_json::json!({ "conn_str": pg_url(), "schema_name": "no; drop" }),
    )
    .expect("map");
    let e = hangar_state::from_config("pg", &bad, "default", dir.path()).err();
    assert!(
        matches!(&e, Some(StateError::InvalidSetting { name, .. }) if name == "schema_name"),
        "{e:?}"
    );
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let b = PgBackend::new(&PgConfig::new(
        "host=127.0.0.1 port=1 user=hangar connect_timeout=2",
    ))
    .expect("config parses");
    let e = b.read().expect_err("nothing listens on port 1");
    assert!(matches!(e, StateError::Remote { op: "read", .. }), "{e}");
    assert!(e.to_string().contains("127.0.0.1:1"), "{e}");
}
