//! The shared suite every state backend must pass (OpenTofu's `statemgr.TestFull` pattern).
//!
//! [`run_conformance`] runs every case against a fresh backend from `make`; each case is also
//! public so a backend's tests can run one alone. Cases panic on failure, as tests do. The
//! suite shares one backend object between threads to stand for several processes, so a
//! backend must exclude lockers even within one handle. It checks behaviour through the
//! [`Backend`] trait only; storage details (file names, fsync, killed holders) belong to each
//! backend's own tests. The torn-journal case is skipped for backends whose
//! [`Backend::inject_torn_journal_tail`] reports that they cannot tear.

use std::collections::BTreeMap;
use std::thread;
use std::time::Duration;

use serde_json::json;

use crate::backend::{Backend, LockGuard};
use crate::document::{InstanceRecord, OutputRecord, StateDoc};
use crate::error::StateError;
use crate::journal::JournalEntry;
use crate::lock_info::LockInfo;

/// One named case of the suite.
type Case = (&'static str, fn(&dyn Backend));

/// Every case, in the order [`run_conformance`] runs them.
pub const CASES: &[Case] = &[
    ("empty_read_is_none", empty_read_is_none),
    ("write_read_round_trip", write_read_round_trip),
    (
        "refuses_stale_serial_and_foreign_lineage",
        refuses_stale_serial_and_foreign_lineage,
    ),
    (
        "journal_appends_replay_on_read",
        journal_appends_replay_on_read,
    ),
    (
        "torn_journal_tail_still_loads",
        torn_journal_tail_still_loads,
    ),
    (
        "commit_folds_and_keeps_backup",
        commit_folds_and_keeps_backup,
    ),
    ("lock_excludes_second_locker", lock_excludes_second_locker),
    ("release_lets_next_locker", release_lets_next_locker),
    ("force_unlock_checks_the_id", force_unlock_checks_the_id),
    (
        "concurrent_writers_never_corrupt",
        concurrent_writers_never_corrupt,
    ),
    (
        "locked_read_modify_write_is_serialised",
        locked_read_modify_write_is_serialised,
    ),
];

/// Runs every case, each against a new backend from `make`, which must start empty.
pub fn run_conformance(make: &dyn Fn() -> Box<dyn Backend>) {
    for (name, case) in CASES {
        let backend = make();
        eprintln!("conformance: {name} on {}", backend.describe());
        case(&*backend);
    }
}

/// An instance record for root address `addr` whose `id` attribute is `id`.
pub fn record(addr: &str, id: &str) -> InstanceRecord {
    InstanceRecord {
        addr: addr.parse().expect("conformance addresses are valid"),
        provider: "provider[\"terraform\"]".into(),
        attributes: json!({ "id": id, "exact": 9007199254740993u64, "decimal": 0.1 }),
        sensitive_paths: vec![vec![json!("id")]],
        dependencies: vec!["terraform_data.dep".into()],
        region: Some("eu-west-1".into()),
        create_before_destroy: true,
        tainted: false,
    }
}

/// A non-empty document with serial `serial` and a fresh lineage.
pub fn sample_doc(serial: u64) -> StateDoc {
    let mut doc = StateDoc::new();
    doc.serial = serial;
    doc.put(record("terraform_data.a", "a"));
    doc.put(record("module.m[\"k\"].terraform_data.b[0]", "b"));
    doc.outputs.insert(
        "out".into(),
        OutputRecord {
            value: json!(["x", 1]),
            sensitive: true,
        },
    );
    doc.binding = Some(json!({ "geography": "eu" }));
    doc
}

fn read(backend: &dyn Backend) -> Option<StateDoc> {
    backend
        .read()
        .unwrap_or_else(|e| panic!("read failed on {}: {e}", backend.describe()))
}

fn read_some(backend: &dyn Backend) -> StateDoc {
    read(backend).unwrap_or_else(|| panic!("{} holds no state", backend.describe()))
}

fn ok<T>(result: Result<T, StateError>, what: &str) -> T {
    result.unwrap_or_else(|e| panic!("{what} failed: {e}"))
}

fn err<T>(result: Result<T, StateError>, what: &str) -> StateError {
    match result {
        Ok(_) => panic!("{what} succeeded but must fail"),
        Err(e) => e,
    }
}

/// `base` with `entries` folded in and the serial bumped, as a read after appends shows it.
fn replayed(base: &StateDoc, entries: &[JournalEntry]) -> StateDoc {
    let mut doc = base.clone();
    doc.apply(entries);
    doc.serial += 1;
    doc
}

fn lock_info(backend: &dyn Backend, operation: &str) -> LockInfo {
    LockInfo::new(operation, backend.describe())
}

/// A store never written reads as no state and has no backup.
pub fn empty_read_is_none(b: &dyn Backend) {
    assert_eq!(read(b), None);
    assert_eq!(ok(b.read_backup(), "read_backup"), None);
}

/// What is written is read back exactly, and the previous version becomes the backup.
pub fn write_read_round_trip(b: &dyn Backend) {
    let first = sample_doc(1);
    ok(b.write(&first), "first write");
    assert_eq!(read(b), Some(first.clone()));
    let mut second = first.clone();
    second.serial = 2;
    second.remove(&"terraform_data.a".parse().expect("valid address"));
    second.pending.clear();
    ok(b.write(&second), "second write");
    assert_eq!(read(b), Some(second));
    assert_eq!(ok(b.read_backup(), "read_backup"), Some(first));
}

/// Older serials and other non-empty lineages are refused; an empty state may be replaced.
pub fn refuses_stale_serial_and_foreign_lineage(b: &dyn Backend) {
    let mut empty = StateDoc::new();
    empty.serial = 7;
    ok(b.write(&empty), "writing an empty state");
    let doc = sample_doc(5);
    ok(b.write(&doc), "replacing an empty state by another lineage");
    assert_eq!(read(b), Some(doc.clone()));

    let mut older = doc.clone();
    older.serial = 4;
    match err(b.write(&older), "writing an older serial") {
        StateError::StaleSerial {
            stored: 5,
            given: 4,
        } => {}
        other => panic!("expected StaleSerial 5/4, got {other}"),
    }
    assert!(matches!(
        err(b.open_journal(&older), "journal on older base"),
        StateError::StaleSerial { .. }
    ));

    let foreign = sample_doc(9);
    match err(b.write(&foreign), "writing another lineage") {
        StateError::LineageMismatch { stored, given } => {
            assert_eq!(
                (stored, given),
                (doc.lineage.clone(), foreign.lineage.clone())
            );
        }
        other => panic!("expected LineageMismatch, got {other}"),
    }
    assert!(matches!(
        err(b.open_journal(&foreign), "journal on another lineage"),
        StateError::LineageMismatch { .. }
    ));

    ok(b.write(&doc), "rewriting the same serial");
    assert_eq!(read(b), Some(doc));
}

/// Appended batches show on read, survive an abandoned journal, and fold into the next one.
pub fn journal_appends_replay_on_read(b: &dyn Backend) {
    let base = sample_doc(3);
    let mut journal = ok(b.open_journal(&base), "open_journal on an empty store");
    assert_eq!(
        read(b),
        Some(base.clone()),
        "an empty journal changes nothing"
    );

    let first = [
        JournalEntry::Intent {
            token: "t1".into(),
            addr: "terraform_data.c".into(),
            action: "create".into(),
        },
        JournalEntry::Put(record("terraform_data.c", "c")),
    ];
    ok(journal.append(&first), "append");
    let after_first = replayed(&base, &first);
    assert_eq!(read(b), Some(after_first.clone()));
    assert!(after_first.pending.contains_key("t1"));

    let second = [
        JournalEntry::Outcome { token: "t1".into() },
        JournalEntry::Remove {
            addr: "terraform_data.a".into(),
        },
        JournalEntry::Outputs(BTreeMap::from([(
            "n".to_string(),
            OutputRecord {
                value: json!(42),
                sensitive: false,
            },
        )])),
    ];
    ok(journal.append(&second), "append");
    ok(journal.append(&[]), "appending nothing");
    let mut expected = base.clone();
    expected.apply(&first);
    expected.apply(&second);
    expected.serial = base.serial + 1;
    assert_eq!(read(b), Some(expected.clone()));

    drop(journal);
    assert_eq!(
        read(b),
        Some(expected.clone()),
        "an abandoned journal is recovered"
    );
    assert!(matches!(
        err(
            b.open_journal(&base),
            "journal on a base that misses recovered entries"
        ),
        StateError::StaleSerial { .. }
    ));

    let mut journal = ok(
        b.open_journal(&expected),
        "open_journal on the recovered state",
    );
    assert_eq!(read(b), Some(expected.clone()));
    let third = [JournalEntry::Put(record("terraform_data.d", "d"))];
    ok(journal.append(&third), "append");
    assert_eq!(read(b), Some(replayed(&expected, &third)));
}

/// A partly written final entry is ignored and the intact entries before it still load.
pub fn torn_journal_tail_still_loads(b: &dyn Backend) {
    let base = sample_doc(1);
    ok(b.write(&base), "write");
    let mut journal = ok(b.open_journal(&base), "open_journal");
    let entries = [
        JournalEntry::Put(record("terraform_data.c", "c")),
        JournalEntry::Remove {
            addr: "terraform_data.a".into(),
        },
    ];
    ok(journal.append(&entries), "append");
    let torn = br#"8d2f0a11 311 {"Put":{"addr":"terraform_data.e","provider":"prov"#;
    if !ok(b.inject_torn_journal_tail(torn), "inject_torn_journal_tail") {
        eprintln!(
            "conformance: {} cannot tear; torn-tail case skipped",
            b.describe()
        );
        return;
    }
    drop(journal);
    let recovered = replayed(&base, &entries);
    assert_eq!(read(b), Some(recovered.clone()));

    let mut journal = ok(b.open_journal(&recovered), "open_journal after a torn tail");
    let more = [JournalEntry::Put(record("terraform_data.f", "f"))];
    ok(journal.append(&more), "append after recovery");
    let expected = replayed(&recovered, &more);
    assert_eq!(read(b), Some(expected.clone()));
    ok(journal.commit(&expected), "commit");
    assert_eq!(read(b), Some(expected));
}

/// Commit makes the final document the state, keeps the base as backup, and ends the journal;
/// a commit that does not advance the serial is refused without losing anything.
pub fn commit_folds_and_keeps_backup(b: &dyn Backend) {
    let base = sample_doc(1);
    ok(b.write(&base), "write");
    let mut journal = ok(b.open_journal(&base), "open_journal");
    let entries = [JournalEntry::Put(record("terraform_data.c", "c"))];
    ok(journal.append(&entries), "append");
    let mut unbumped = base.clone();
    unbumped.apply(&entries);
    assert!(matches!(
        err(journal.commit(&unbumped), "commit without a new serial"),
        StateError::StaleSerial { .. }
    ));
    let recovered = replayed(&base, &entries);
    assert_eq!(
        read(b),
        Some(recovered.clone()),
        "a refused commit loses nothing"
    );

    let mut journal = ok(b.open_journal(&recovered), "open_journal");
    let more = [JournalEntry::Remove {
        addr: "terraform_data.a".into(),
    }];
    ok(journal.append(&more), "append");
    let mut final_doc = replayed(&recovered, &more);
    final_doc.binding = Some(json!({ "geography": "us" }));
    ok(journal.commit(&final_doc), "commit");
    assert_eq!(read(b), Some(final_doc.clone()));
    assert_eq!(
        read(b),
        Some(final_doc.clone()),
        "a committed journal is not replayed again"
    );
    assert_eq!(ok(b.read_backup(), "read_backup"), Some(recovered));

    let mut next = final_doc.clone();
    next.serial += 1;
    ok(b.write(&next), "writing after a commit");
    assert_eq!(read(b), Some(next));
}

/// While one guard lives, a second lock fails fast and names the holder.
pub fn lock_excludes_second_locker(b: &dyn Backend) {
    let info = lock_info(b, "apply");
    let guard = ok(b.lock(info.clone()), "first lock");
    assert_eq!(guard.info(), &info);
    match err(b.lock(lock_info(b, "plan")), "second lock") {
        StateError::Locked { holder } => {
            assert_eq!(holder.id, info.id);
            assert_eq!(holder.operation, "apply");
            assert_eq!(holder.who, info.who);
            assert_eq!(holder.created, info.created);
        }
        other => panic!("expected Locked, got {other}"),
    }
    drop(guard);
}

/// Dropping a guard lets the next locker in, again and again.
pub fn release_lets_next_locker(b: &dyn Backend) {
    for round in 0..3 {
        let guard: Box<dyn LockGuard> = ok(b.lock(lock_info(b, "apply")), "lock");
        assert_eq!(guard.info().operation, "apply", "round {round}");
        drop(guard);
    }
}

/// `force_unlock` needs the holder's ID, and reports when there is nothing to unlock.
pub fn force_unlock_checks_the_id(b: &dyn Backend) {
    assert!(matches!(
        err(b.force_unlock("nobody"), "unlocking an unlocked state"),
        StateError::NotLocked { .. }
    ));
    let info = lock_info(b, "apply");
    let guard = ok(b.lock(info.clone()), "lock");
    match err(b.force_unlock("not-the-id"), "force_unlock with a wrong ID") {
        StateError::LockIdMismatch { given, holder } => {
            assert_eq!(given, "not-the-id");
            assert_eq!(holder.id, info.id);
        }
        other => panic!("expected LockIdMismatch, got {other}"),
    }
    ok(
        b.force_unlock(&info.id),
        "force_unlock with the holder's ID",
    );
    assert!(matches!(
        err(b.force_unlock(&info.id), "a second force_unlock"),
        StateError::NotLocked { .. }
    ));
    drop(guard);
    let next = ok(
        b.lock(lock_info(b, "apply")),
        "lock after force_unlock and release",
    );
    drop(next);
}

/// Unlocked writers racing from many threads never leave a state that fails to load.
pub fn concurrent_writers_never_corrupt(b: &dyn Backend) {
    const THREADS: u64 = 6;
    const WRITES: u64 = 15;
    let base = StateDoc::new();
    ok(b.write(&base), "write");
    let lineage = base.lineage.clone();
    thread::scope(|s| {
        for t in 0..THREADS {
            let mut doc = base.clone();
            s.spawn(move || {
                for serial in 1..=WRITES {
                    doc.serial = serial;
                    doc.resources.clear();
                    doc.put(record(&format!("terraform_data.t{t}"), &serial.to_string()));
                    match b.write(&doc) {
                        Ok(()) | Err(StateError::StaleSerial { .. }) => {}
                        Err(e) => panic!("writer {t} failed: {e}"),
                    }
                }
            });
        }
        s.spawn(|| {
            for _ in 0..THREADS * WRITES {
                let doc = read_some(b);
                assert_eq!(doc.lineage, lineage, "a reader saw another state");
            }
        });
    });
    let last = read_some(b);
    assert_eq!(
        last.resources.len(),
        1,
        "the state is one writer's document"
    );
    let only = last.resources.values().next().expect("one resource");
    assert_eq!(only.attributes["id"], json!(last.serial.to_string()));
}

/// Read-modify-write under the lock from many threads loses no update.
pub fn locked_read_modify_write_is_serialised(b: &dyn Backend) {
    const THREADS: u64 = 4;
    const ROUNDS: u64 = 8;
    ok(b.write(&StateDoc::new()), "write");
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..ROUNDS {
                    let guard = loop {
                        match b.lock(lock_info(b, "apply")) {
                            Ok(g) => break g,
                            Err(StateError::Locked { .. }) => {
                                thread::sleep(Duration::from_millis(1))
                            }
                            Err(e) => panic!("lock failed: {e}"),
                        }
                    };
                    let mut doc = read_some(b);
                    let count = doc
                        .outputs
                        .get("count")
                        .and_then(|o| o.value.as_u64())
                        .unwrap_or(0);
                    doc.outputs.insert(
                        "count".into(),
                        OutputRecord {
                            value: json!(count + 1),
                            sensitive: false,
                        },
                    );
                    doc.serial += 1;
                    ok(b.write(&doc), "write under lock");
                    drop(guard);
                }
            });
        }
    });
    let doc = read_some(b);
    assert_eq!(doc.outputs["count"].value, json!(THREADS * ROUNDS));
    assert_eq!(doc.serial, THREADS * ROUNDS);
}
