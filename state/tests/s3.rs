//! The S3 backend against moto (started through `.ci/moto` unless `MOTO_ENDPOINT` is set):
//! the shared suite, the object layout, conditional-write locking and calling contexts.
#![cfg(feature = "s3")]

mod support;

use std::time::{Duration, SystemTime};

use hangar_core::timestamp::rfc3339_utc_millis;
use hangar_state::{
    Backend, JournalEntry, LocalBackend, LockInfo, S3Backend, StateDoc, StateError,
};
use hangar_testkit::state_conformance::{record, run_conformance, sample_doc};
use support::{keys, new_bucket, object, put_object, s3_config, unique};

fn backend(bucket: &str, key: &str) -> S3Backend {
    S3Backend::new(&s3_config(bucket, key)).expect("S3 backend")
}

#[test]
fn s3_backend_passes_the_conformance_suite() {
    let bucket = new_bucket();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let make = || -> Box<dyn Backend> {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::new(backend(&bucket, &format!("case{n}/hangar.tfstate")))
    };
    run_conformance(&make);
}

#[test]
fn objects_sit_beside_the_state_key() {
    let bucket = new_bucket();
    let b = backend(&bucket, "team/hangar.tfstate");
    assert_eq!(
        b.location().expect("locate").map(|l| l.name).as_deref(),
        Some("eu-west-1")
    );
    assert!(b
        .describe()
        .contains(&format!("s3://{bucket}/team/hangar.tfstate")));
    let guard = b.lock(LockInfo::new("apply", "x")).expect("lock");
    let on_s3: LockInfo =
        serde_json::from_str(&object(&bucket, "team/hangar.tfstate.lock").expect("lock object"))
            .expect("lock object is a record");
    assert_eq!(&on_s3, guard.info());

    let base = sample_doc(1);
    b.write(&base).expect("write");
    let mut journal = b.open_journal(&base).expect("open journal");
    journal
        .append(&[JournalEntry::Outcome { token: "t".into() }])
        .expect("append");
    journal
        .append(&[JournalEntry::Put(record("terraform_data.z", "z"))])
        .expect("append");
    let prefix = format!("team/hangar.tfstate.journal/{}/{:020}/", base.lineage, 1);
    assert_eq!(
        keys(&bucket),
        [
            "team/hangar.tfstate".to_string(),
            prefix.clone() + "0000000000",
            prefix.clone() + "0000000001",
            "team/hangar.tfstate.lock".to_string(),
        ]
    );
    let mut done = b.read().expect("read").expect("state");
    assert_eq!(done.serial, 2);
    done.serial = 3;
    journal.commit(&done).expect("commit");
    drop(guard);
    assert_eq!(
        keys(&bucket),
        ["team/hangar.tfstate", "team/hangar.tfstate.backup"],
        "journal and lock are gone, the backup stays"
    );
}

#[test]
fn workspaces_live_under_the_workspace_key_prefix() {
    let bucket = new_bucket();
    let mut c = s3_config(&bucket, "net.tfstate");
    c.workspace = "eu".into();
    let eu = S3Backend::new(&c).expect("backend");
    assert_eq!(eu.state_key(), "env:/eu/net.tfstate");
    c.workspace_key_prefix = "workspaces".into();
    let other = S3Backend::new(&c).expect("backend");
    assert_eq!(other.state_key(), "workspaces/eu/net.tfstate");
    let default = backend(&bucket, "net.tfstate");
    let doc = sample_doc(1);
    eu.write(&doc).expect("write");
    let _guard = eu.lock(LockInfo::new("apply", "eu")).expect("lock eu");
    assert_eq!(default.read().expect("read"), None, "workspaces are apart");
    drop(
        default
            .lock(LockInfo::new("apply", "default"))
            .expect("default is not locked"),
    );
    assert_eq!(
        keys(&bucket),
        ["env:/eu/net.tfstate", "env:/eu/net.tfstate.lock"]
    );
}

#[test]
fn appends_put_one_small_object_and_leave_the_snapshot_alone() {
    let bucket = new_bucket();
    let mut sizes = Vec::new();
    for size in [1usize, 2000] {
        let key = unique("grow/") + ".tfstate";
        let b = backend(&bucket, &key);
        let mut base = StateDoc::new();
        for i in 0..size {
            base.put(record(&format!("terraform_data.r{i}"), "x"));
        }
        let mut journal = b.open_journal(&base).expect("open journal");
        let snapshot = object(&bucket, &key).expect("snapshot");
        journal
            .append(&[JournalEntry::Put(record("terraform_data.new", "n"))])
            .expect("append");
        assert_eq!(object(&bucket, &key).expect("snapshot"), snapshot);
        let batch = keys(&bucket)
            .into_iter()
            .find(|k| k.starts_with(&format!("{key}.journal/")))
            .expect("a batch object");
        sizes.push(object(&bucket, &batch).expect("batch").len());
    }
    assert_eq!(sizes[0], sizes[1], "append cost grew with the state");
}

#[test]
fn a_lock_object_written_by_another_process_is_respected_or_taken_over() {
    let bucket = new_bucket();
    let b = backend(&bucket, "hangar.tfstate");
    let mut other = LockInfo::new("apply", "terraform-like").with_id("other-process");
    put_object(
        &bucket,
        "hangar.tfstate.lock",
        &serde_json::to_string(&other).expect("json"),
    );
    match b.lock(LockInfo::new("plan", "me")) {
        Err(StateError::Locked { holder }) => assert_eq!(holder.id, "other-process"),
        other => panic!("expected Locked, got {:?}", other.err()),
    }
    other.expires = rfc3339_utc_millis(SystemTime::now() - Duration::from_secs(5));
    put_object(
        &bucket,
        "hangar.tfstate.lock",
        &serde_json::to_string(&other).expect("json"),
    );
    let guard = b.lock(LockInfo::new("plan", "me")).expect("takeover");
    assert_eq!(
        guard.taken_over().map(|h| h.id.as_str()),
        Some("other-process")
    );

    // A record without a lease (an older Hangar) never expires; garbage names no one.
    drop(guard);
    put_object(&bucket, "hangar.tfstate.lock", "not json");
    match b.lock(LockInfo::new("plan", "me")) {
        Err(StateError::Locked { holder }) => assert!(holder.who.contains("unreadable")),
        other => panic!("expected Locked, got {:?}", other.err()),
    }
    assert!(matches!(
        b.force_unlock("x"),
        Err(StateError::LockIdMismatch { .. })
    ));
}

#[test]
fn works_from_plain_threads_and_spawn_blocking() {
    let bucket = new_bucket();
    let b = std::sync::Arc::new(backend(&bucket, "hangar.tfstate"));
    let doc = sample_doc(1);
    let b2 = std::sync::Arc::clone(&b);
    let d2 = doc.clone();
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
    drop(rt);
    // The backend outlives the caller's runtime.
    assert!(b.read().expect("read after the runtime is gone").is_some());
}

#[test]
fn from_config_builds_s3_and_migrate_moves_state_in() {
    let bucket = new_bucket();
    let mut settings = serde_json::Map::new();
    for (k, v) in [
        ("bucket", serde_json::json!(bucket)),
        ("key", serde_json::json!("app/hangar.tfstate")),
        ("region", serde_json::json!("eu-west-1")),
        ("endpoint", serde_json::json!(support::moto_endpoint())),
        ("use_path_style", serde_json::json!(true)),
        ("access_key", serde_json::json!("test")),
        ("secret_key", serde_json::json!("test")),
        ("workspace_key_prefix", serde_json::json!("ws")),
    ] {
        settings.insert(k.into(), v);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let to = hangar_state::from_config("s3", &settings, "prod", dir.path()).expect("s3 backend");
    assert_eq!(
        to.location().expect("locate").map(|l| l.name).as_deref(),
        Some("eu-west-1")
    );
    let from = LocalBackend::new(dir.path().join("hangar.tfstate"));
    let doc = sample_doc(4);
    from.write(&doc).expect("write");
    hangar_state::migrate(&from, &*to).expect("migrate");
    assert_eq!(to.read().expect("read"), Some(doc.clone()));
    assert!(object(&bucket, "ws/prod/app/hangar.tfstate").is_some());
    hangar_state::migrate(&from, &*to).expect("migrating again is a no-op");

    let other = LocalBackend::new(dir.path().join("other.tfstate"));
    other.write(&sample_doc(9)).expect("write");
    assert!(matches!(
        hangar_state::migrate(&other, &*to),
        Err(StateError::LineageMismatch { .. })
    ));

    settings.remove("bucket");
    let e = hangar_state::from_config("s3", &settings, "prod", dir.path()).err();
    assert!(
        matches!(e, Some(StateError::MissingSetting { name: "bucket", .. })),
        "{e:?}"
    );
}
