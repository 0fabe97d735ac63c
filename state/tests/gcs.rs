//! The GCS backend against fake-gcs-server (started through `.ci/fake-gcs` by
//! `hangar-testkit`): the shared suite, Terraform's object layout, generation-precondition
//! locking and the bucket's location read back.
#![cfg(feature = "gcs")]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hangar_core::timestamp::rfc3339_utc_millis;
use hangar_google_client::storage::{Bucket, Storage};
use hangar_google_client::{Credentials, Http, Session, TokenSource};
use hangar_state::{Backend, GcsBackend, GcsConfig, JournalEntry, LockInfo, StateError};
use hangar_testkit::fake_gcs::fake_gcs;
use hangar_testkit::state_conformance::{record, run_conformance, sample_doc};

/// The raw client on the emulator for `location` (and a runtime to drive it).
struct Raw {
    rt: tokio::runtime::Runtime,
    storage: Storage,
}

fn raw(location: &str) -> Raw {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let storage = {
        let _in = rt.enter();
        let http = Http::new();
        let tokens = Arc::new(TokenSource::new(
            Credentials::AccessToken("test".into()),
            http.clone(),
        ));
        Storage::new(Session::new(http, tokens), &fake_gcs(location).endpoint)
    };
    Raw { rt, storage }
}

impl Raw {
    fn new_bucket(&self) -> String {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let name = format!(
            "state-{}-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or_default(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let b = Bucket {
            name: Some(name.clone()),
            ..Bucket::default()
        };
        self.rt
            .block_on(self.storage.insert_bucket("hangar-test", &b))
            .expect("create bucket");
        name
    }

    fn keys(&self, bucket: &str) -> Vec<String> {
        let mut k: Vec<String> = self
            .rt
            .block_on(self.storage.list_objects(bucket, "", false))
            .expect("list")
            .into_iter()
            .map(|o| o.name)
            .collect();
        k.sort();
        k
    }

    fn object(&self, bucket: &str, key: &str) -> Option<String> {
        let meta = self
            .rt
            .block_on(self.storage.get_object(bucket, key))
            .expect("get")?;
        let bytes = self
            .rt
            .block_on(self.storage.download(bucket, key, meta.generation()))
            .expect("download")?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn put(&self, bucket: &str, key: &str, body: &str) {
        self.rt
            .block_on(self.storage.upload(
                bucket,
                key,
                body.as_bytes().to_vec(),
                "application/json",
                None,
            ))
            .expect("put");
    }
}

fn config(location: &str, bucket: &str, prefix: &str) -> GcsConfig {
    let mut c = GcsConfig::new(bucket, prefix);
    c.endpoint = Some(fake_gcs(location).endpoint);
    c.access_token = Some("test".into());
    c
}

fn backend(bucket: &str, prefix: &str) -> GcsBackend {
    GcsBackend::new(&config("EUROPE-WEST3", bucket, prefix)).expect("GCS backend")
}

#[test]
fn gcs_backend_passes_the_conformance_suite() {
    let raw = raw("EUROPE-WEST3");
    let bucket = raw.new_bucket();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let make = || -> Box<dyn Backend> {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::new(backend(&bucket, &format!("case{n}")))
    };
    run_conformance(&make);
}

#[test]
fn objects_are_laid_out_like_terraforms_gcs_backend() {
    let raw = raw("EUROPE-WEST3");
    let bucket = raw.new_bucket();
    let b = backend(&bucket, "team/net");
    assert_eq!(
        b.location().expect("locate").map(|l| l.name).as_deref(),
        Some("EUROPE-WEST3")
    );
    assert!(b
        .describe()
        .contains(&format!("gs://{bucket}/team/net/default.tfstate")));
    let guard = b.lock(LockInfo::new("apply", "x")).expect("lock");
    let on_gcs: LockInfo = serde_json::from_str(
        &raw.object(&bucket, "team/net/default.tflock")
            .expect("lock object"),
    )
    .expect("lock object is a record");
    assert_eq!(&on_gcs, guard.info());

    let base = sample_doc(1);
    b.write(&base).expect("write");
    let mut journal = b.open_journal(&base).expect("open journal");
    journal
        .append(&[JournalEntry::Outcome { token: "t".into() }])
        .expect("append");
    let prefix = format!(
        "team/net/default.tfstate.journal/{}/{:020}/",
        base.lineage, 1
    );
    assert_eq!(
        raw.keys(&bucket),
        [
            "team/net/default.tflock".to_string(),
            "team/net/default.tfstate".to_string(),
            prefix + "0000000000",
        ]
    );
    let mut done = b.read().expect("read").expect("state");
    done.serial = 3;
    journal.commit(&done).expect("commit");
    drop(guard);
    assert_eq!(
        raw.keys(&bucket),
        [
            "team/net/default.tfstate",
            "team/net/default.tfstate.backup"
        ],
        "journal and lock are gone, the backup stays"
    );
    let mut eu = config("EUROPE-WEST3", &bucket, "team/net");
    eu.workspace = "eu".into();
    let eu = GcsBackend::new(&eu).expect("backend");
    assert_eq!(eu.state_key(), "team/net/eu.tfstate");
    assert_eq!(eu.read().expect("read"), None, "workspaces are apart");
}

#[test]
fn a_lock_object_of_another_process_is_respected_or_taken_over() {
    let raw = raw("EUROPE-WEST3");
    let bucket = raw.new_bucket();
    let b = backend(&bucket, "");
    let mut other = LockInfo::new("apply", "terraform-like").with_id("other-process");
    raw.put(
        &bucket,
        "default.tflock",
        &serde_json::to_string(&other).expect("json"),
    );
    match b.lock(LockInfo::new("plan", "me")) {
        Err(StateError::Locked { holder }) => assert_eq!(holder.id, "other-process"),
        other => panic!("expected Locked, got {:?}", other.err()),
    }
    other.expires = rfc3339_utc_millis(SystemTime::now() - Duration::from_secs(5));
    raw.put(
        &bucket,
        "default.tflock",
        &serde_json::to_string(&other).expect("json"),
    );
    let guard = b.lock(LockInfo::new("plan", "me")).expect("takeover");
    assert_eq!(
        guard.taken_over().map(|h| h.id.as_str()),
        Some("other-process")
    );
    let id = guard.info().id.clone();
    guard.abandon();
    assert!(matches!(
        b.force_unlock("x"),
        Err(StateError::LockIdMismatch { .. })
    ));
    b.force_unlock(&id).expect("force unlock");
    assert!(raw.object(&bucket, "default.tflock").is_none());
}

#[test]
fn the_buckets_real_location_is_read_back() {
    // This emulator puts every bucket in US: the backend says so, whatever was configured.
    let raw = raw("US");
    let bucket = raw.new_bucket();
    let b = GcsBackend::new(&config("US", &bucket, "x")).expect("backend");
    let loc = b.location().expect("locate").expect("a location");
    assert_eq!(loc.name, "US");
    assert_eq!(loc.cloud, hangar_core::Cloud::Gcp);
    let missing = GcsBackend::new(&config("US", "no-such-bucket-here", "x")).expect("backend");
    assert!(missing.location().is_err());
}

#[test]
fn from_config_builds_gcs() {
    let raw = raw("EUROPE-WEST3");
    let bucket = raw.new_bucket();
    let mut settings = serde_json::Map::new();
    for (k, v) in [
        ("bucket", serde_json::json!(bucket)),
        ("prefix", serde_json::json!("app")),
        ("access_token", serde_json::json!("test")),
        (
            "storage_custom_endpoint",
            serde_json::json!(fake_gcs("EUROPE-WEST3").endpoint),
        ),
    ] {
        settings.insert(k.into(), v);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let b = hangar_state::from_config("gcs", &settings, "prod", dir.path()).expect("gcs backend");
    b.write(&sample_doc(2)).expect("write");
    assert!(raw.object(&bucket, "app/prod.tfstate").is_some());
    let _ = record("terraform_data.x", "x");
    settings.insert("key".into(), serde_json::json!("nope"));
    let e = hangar_state::from_config("gcs", &settings, "prod", dir.path()).err();
    assert!(
        matches!(e, Some(StateError::UnknownSetting { .. })),
        "{e:?}"
    );
    settings.remove("key");
    settings.remove("bucket");
    let e = hangar_state::from_config("gcs", &settings, "prod", dir.path()).err();
    assert!(
        matches!(e, Some(StateError::MissingSetting { name: "bucket", .. })),
        "{e:?}"
    );
}
