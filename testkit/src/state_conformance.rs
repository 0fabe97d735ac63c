//! The shared suite every state backend must pass (OpenTofu's `statemgr.TestFull` pattern).
//!
//! [`run_conformance`] runs every case against a fresh backend from `make`; each case is also
//! public so a backend's tests can run one alone. Cases panic on failure, as tests do. The
//! suite shares one backend object between threads to stand for several processes, so a
//! backend must exclude lockers even within one handle. It checks behaviour through the
//! [`Backend`] trait only; storage details (file names, fsync, killed holders) belong to each
//! backend's own tests. The torn-journal case is skipped for backends whose
//! [`Backend::inject_torn_journal_tail`] reports that they cannot tear. Lease cases use leases
//! under a second and [`LockGuard::abandon`] to play a holder that died; they accept both ways
//! a backend may free a dead holder's lock (at once, as the OS does for local files, or when
//! its lease runs out).

use std::collections::BTreeMap;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use hangar_state::{
    Backend, InstanceRecord, JournalEntry, LockGuard, LockInfo, OutputRecord, StateDoc, StateError,
};

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
    ("lease_is_renewed_while_held", lease_is_renewed_while_held),
    (
        "expired_lock_is_taken_over_and_reported",
        expired_lock_is_taken_over_and_reported,
    ),
    (
        "lock_with_timeout_waits_for_the_holder",
        lock_with_timeout_waits_for_the_holder,
    ),
    (
        "caller_chosen_id_releases_only_its_own_lock",
        caller_chosen_id_releases_only_its_own_lock,
    ),
];

/// The lease the lease cases give their locks: short, yet several renewals long.
pub const SHORT_LEASE: Duration = Duration::from_millis(900);

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
        private: String::new(),
        schema_version: 0,
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
            ty: None,
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

/// `got` names the same holder as `want` (the lease's `expires` moves, the rest must not).
fn assert_same_holder(got: &LockInfo, want: &LockInfo) {
    let strip = |i: &LockInfo| LockInfo {
        expires: String::new(),
        ..i.clone()
    };
    assert_eq!(strip(got), strip(want));
}

/// Takes the lock, waiting for the holder (with a generous bound so a stuck lock fails).
fn lock_waiting(b: &dyn Backend, info: LockInfo) -> Box<dyn LockGuard> {
    ok(
        b.lock_with_timeout(info, Duration::from_secs(60)),
        "lock_with_timeout",
    )
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
            addr: "terraform_data.z".into(),
            action: "create".into(),
            planned: None,
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
                ty: None,
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
    assert_same_holder(guard.info(), &info);
    assert!(
        guard.taken_over().is_none(),
        "a free lock is not taken over"
    );
    ok(guard.check(), "check on a fresh lock");
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

/// `force_unlock` needs the holder's ID, removes the lock of a holder that is gone, and
/// reports when there is nothing to unlock.
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
    // The holder dies without releasing (a killed run): its lock stays behind.
    guard.abandon();
    ok(
        b.force_unlock(&info.id),
        "force_unlock with the holder's ID",
    );
    assert!(matches!(
        err(b.force_unlock(&info.id), "a second force_unlock"),
        StateError::NotLocked { .. }
    ));
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
                    let guard = lock_waiting(b, lock_info(b, "apply"));
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
                            ty: None,
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

/// A held lock outlives its lease: the holder renews it, and others still find it held.
pub fn lease_is_renewed_while_held(b: &dyn Backend) {
    let info = lock_info(b, "apply").with_lease(SHORT_LEASE);
    let guard = ok(b.lock(info.clone()), "lock");
    assert_eq!(guard.info().lease(), Some(SHORT_LEASE));
    let first_expiry = guard.info().expires_at().expect("the lease has an expiry");
    thread::sleep(SHORT_LEASE * 2);
    match err(b.lock(lock_info(b, "plan")), "locking a renewed lock") {
        StateError::Locked { holder } => {
            assert_eq!(holder.id, info.id);
            let expiry = holder.expires_at().expect("the record has an expiry");
            assert!(expiry > first_expiry, "the lease was not renewed");
            assert!(
                !holder.expired_at(SystemTime::now()),
                "the record shows a lapsed lease"
            );
        }
        other => panic!("expected Locked, got {other}"),
    }
    ok(guard.check(), "check on a renewed lock");
    drop(guard);
    drop(ok(b.lock(lock_info(b, "plan")), "lock after release"));
}

/// A dead holder's lock goes to the next locker, who is told whose it was.
pub fn expired_lock_is_taken_over_and_reported(b: &dyn Backend) {
    let dead = lock_info(b, "apply").with_lease(SHORT_LEASE);
    let started = Instant::now();
    ok(b.lock(dead.clone()), "lock").abandon();
    let next = lock_info(b, "plan");
    let guard = match b.lock(next.clone()) {
        Ok(g) => g,
        Err(StateError::Locked { holder }) => {
            assert_eq!(
                holder.id, dead.id,
                "the dead holder still counts until its lease ends"
            );
            let g = lock_waiting(b, next.clone());
            assert!(
                started.elapsed() >= SHORT_LEASE,
                "taken over before the lease ran out"
            );
            g
        }
        Err(e) => panic!("lock failed: {e}"),
    };
    assert_same_holder(guard.info(), &next);
    let previous = guard.taken_over().expect("the takeover is reported");
    assert_eq!(previous.id, dead.id);
    assert_eq!(previous.operation, "apply");
    match err(b.lock(lock_info(b, "plan")), "locking a taken-over lock") {
        StateError::Locked { holder } => assert_eq!(holder.id, next.id),
        other => panic!("expected Locked, got {other}"),
    }
    drop(guard);
    let after = ok(b.lock(lock_info(b, "plan")), "lock after a normal release");
    assert!(
        after.taken_over().is_none(),
        "a released lock is not taken over"
    );
}

/// `lock_with_timeout` waits for a live holder to finish, and gives up after its wait.
pub fn lock_with_timeout_waits_for_the_holder(b: &dyn Backend) {
    let holder = lock_info(b, "apply");
    let guard = ok(b.lock(holder.clone()), "lock");
    let started = Instant::now();
    match err(
        b.lock_with_timeout(lock_info(b, "plan"), Duration::from_millis(300)),
        "waiting too briefly",
    ) {
        StateError::Locked { holder: h } => assert_eq!(h.id, holder.id),
        other => panic!("expected Locked, got {other}"),
    }
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "gave up early"
    );
    thread::scope(|s| {
        s.spawn(move || {
            thread::sleep(Duration::from_millis(400));
            drop(guard);
        });
        let started = Instant::now();
        let next = lock_waiting(b, lock_info(b, "plan"));
        assert!(
            started.elapsed() >= Duration::from_millis(300),
            "took a lock that was still held"
        );
        assert!(
            next.taken_over().is_none(),
            "a released lock is not taken over"
        );
    });
}

/// A caller-chosen lock ID lets its owner force-unlock exactly its lock; a guard whose lock
/// was force-unlocked and taken by another never releases the new holder's lock.
pub fn caller_chosen_id_releases_only_its_own_lock(b: &dyn Backend) {
    let info = lock_info(b, "apply")
        .with_id("ci-run-42")
        .with_lease(SHORT_LEASE);
    let old = ok(b.lock(info.clone()), "lock with a chosen ID");
    assert_eq!(old.info().id, "ci-run-42");
    match b.force_unlock("ci-run-42") {
        Ok(()) => {}
        // Backends that know their holder still runs (an OS lock) refuse and unlock nothing.
        Err(StateError::HeldByLiveProcess { holder }) => {
            assert_eq!(holder.id, "ci-run-42");
            drop(old);
            drop(ok(
                b.lock(lock_info(b, "plan")),
                "lock after the holder released",
            ));
            return;
        }
        Err(e) => panic!("force_unlock by the chosen ID failed: {e}"),
    }
    match b.lock(lock_info(b, "plan")) {
        Ok(new) => {
            // The old guard's next renewal finds the lock gone to someone else.
            thread::sleep(SHORT_LEASE);
            match err(old.check(), "check on a lost lock") {
                StateError::LockLost { id, .. } => assert_eq!(id, "ci-run-42"),
                other => panic!("expected LockLost, got {other}"),
            }
            drop(old);
            match err(
                b.lock(lock_info(b, "plan")),
                "lock after the old guard dropped",
            ) {
                StateError::Locked { holder } => assert_eq!(holder.id, new.info().id),
                other => panic!("expected Locked, got {other}"),
            }
            drop(new);
        }
        Err(e) => panic!("lock after force_unlock failed: {e}"),
    }
    drop(ok(b.lock(lock_info(b, "plan")), "lock after both released"));
}
