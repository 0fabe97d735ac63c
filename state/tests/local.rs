//! Local backend behaviour beyond the shared suite: file layout, journal matching, damage.

use std::fs;
use std::path::Path;

use hangar_state::{Backend, JournalEntry, LocalBackend, LockInfo, StateDoc, StateError};
use hangar_testkit::state_conformance::{record, sample_doc};

fn backend_in(dir: &Path) -> LocalBackend {
    LocalBackend::new(dir.join("hangar.tfstate"))
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("list dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn files_sit_beside_the_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = backend_in(dir.path());
    let info = LockInfo::new("apply", b.describe());
    let guard = b.lock(info.clone()).expect("lock");
    let record_on_disk: LockInfo =
        serde_json::from_slice(&fs::read(b.lock_info_path()).expect("lock record"))
            .expect("lock record is JSON");
    assert_eq!(record_on_disk.id, info.id);
    assert_eq!(&record_on_disk, guard.info());

    let base = sample_doc(1);
    b.write(&base).expect("write");
    let mut journal = b.open_journal(&base).expect("open journal");
    journal
        .append(&[JournalEntry::Outcome { token: "t".into() }])
        .expect("append");
    assert_eq!(
        names(dir.path()),
        [
            "hangar.tfstate",
            "hangar.tfstate.journal",
            "hangar.tfstate.lock",
            "hangar.tfstate.lock.info"
        ]
    );
    let mut done = base.clone();
    done.serial = 2;
    journal.commit(&done).expect("commit");
    drop(guard);
    assert_eq!(
        names(dir.path()),
        [
            "hangar.tfstate",
            "hangar.tfstate.backup",
            "hangar.tfstate.lock"
        ],
        "journal and lock record are gone, the lock file stays"
    );
    assert!(b.describe().contains("hangar.tfstate"));
}

#[test]
fn workspace_directories_are_created_on_first_use() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = LocalBackend::new(dir.path().join("hangar.tfstate.d/eu/hangar.tfstate"));
    assert_eq!(b.read().expect("read"), None);
    let guard = b
        .lock(LockInfo::new("apply", "ws"))
        .expect("lock in a new workspace");
    let doc = StateDoc::new();
    let journal = b.open_journal(&doc).expect("journal in a new workspace");
    journal.commit(&doc).expect("commit with nothing appended");
    drop(guard);
    assert_eq!(b.read().expect("read"), Some(doc));
}

#[test]
fn a_journal_left_by_an_older_snapshot_is_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = backend_in(dir.path());
    let base = sample_doc(1);
    b.write(&base).expect("write");
    let mut journal = b.open_journal(&base).expect("open journal");
    journal
        .append(&[JournalEntry::Put(record("terraform_data.z", "z"))])
        .expect("append");
    let old_journal = fs::read(b.journal_path()).expect("journal bytes");
    let mut done = base.clone();
    done.serial = 2;
    journal.commit(&done).expect("commit");
    fs::write(b.journal_path(), old_journal).expect("simulate a crash before journal removal");
    assert_eq!(b.read().expect("read"), Some(done));
}

#[test]
fn a_journal_ahead_of_its_snapshot_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = backend_in(dir.path());
    let base = sample_doc(5);
    let mut journal = b.open_journal(&base).expect("open journal");
    journal
        .append(&[JournalEntry::Outcome { token: "t".into() }])
        .expect("append");
    let mut older = base.clone();
    older.serial = 4;
    fs::write(b.path(), older.encode().expect("encode")).expect("restore an older snapshot");
    match b.read() {
        Err(StateError::Corrupt { path, detail }) => {
            assert!(path.ends_with("hangar.tfstate.journal"), "{path}");
            assert!(detail.contains("move the journal aside"), "{detail}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn a_journal_without_its_snapshot_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = backend_in(dir.path());
    let mut journal = b.open_journal(&sample_doc(1)).expect("open journal");
    journal
        .append(&[JournalEntry::Outcome { token: "t".into() }])
        .expect("append");
    fs::remove_file(b.path()).expect("lose the snapshot");
    let err = b.read().expect_err("a journal cannot stand alone");
    assert!(err.to_string().contains("is missing"), "{err}");
}

#[test]
fn a_journal_cut_inside_its_last_entry_loads_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = backend_in(dir.path());
    let base = sample_doc(1);
    let mut journal = b.open_journal(&base).expect("open journal");
    let entries: Vec<JournalEntry> = ["c", "d", "e"]
        .iter()
        .map(|n| JournalEntry::Put(record(&format!("terraform_data.{n}"), n)))
        .collect();
    journal.append(&entries).expect("append");
    drop(journal);
    let bytes = fs::read(b.journal_path()).expect("journal bytes");
    fs::write(b.journal_path(), &bytes[..bytes.len() - 40]).expect("tear the last entry");
    let mut expected = base.clone();
    expected.apply(&entries[..2]);
    expected.serial = 2;
    assert_eq!(b.read().expect("read"), Some(expected));
}

#[test]
fn appends_do_not_rewrite_the_snapshot_or_grow_with_state() {
    let entry = [JournalEntry::Put(record("terraform_data.new", "n"))];
    let mut growth = Vec::new();
    for size in [1usize, 2000] {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = backend_in(dir.path());
        let mut base = StateDoc::new();
        for i in 0..size {
            base.put(record(&format!("terraform_data.r{i}"), "x"));
        }
        let mut journal = b.open_journal(&base).expect("open journal");
        let snapshot = fs::read(b.path()).expect("snapshot");
        let before = fs::metadata(b.journal_path()).expect("stat").len();
        journal.append(&entry).expect("append");
        growth.push(fs::metadata(b.journal_path()).expect("stat").len() - before);
        assert_eq!(
            fs::read(b.path()).expect("snapshot"),
            snapshot,
            "append rewrote the snapshot"
        );
    }
    assert_eq!(growth[0], growth[1], "append cost grew with the state");
}

#[test]
fn damaged_snapshots_name_the_file_and_empty_ones_are_no_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = backend_in(dir.path());
    fs::write(b.path(), b"").expect("write");
    assert_eq!(b.read().expect("an empty file is no state"), None);
    fs::write(b.path(), b"{\"format_version\": 1, \"serial\": ").expect("write");
    let err = b.read().expect_err("a truncated snapshot is corrupt");
    assert!(matches!(err, StateError::Corrupt { .. }));
    assert!(err.to_string().contains("hangar.tfstate"), "{err}");
}

#[test]
fn force_unlock_refuses_a_live_os_lock_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = backend_in(dir.path());
    let info = LockInfo::new("apply", "live");
    let guard = b.lock(info.clone()).expect("lock");
    let err = b
        .force_unlock(&info.id)
        .expect_err("a live holder's lock cannot be taken");
    assert!(matches!(err, StateError::HeldByLiveProcess { .. }), "{err}");
    assert!(err.to_string().contains("nothing was unlocked"), "{err}");
    assert!(b.lock_info_path().exists(), "the holder's record stays");
    assert!(
        matches!(
            b.lock(LockInfo::new("plan", "other")),
            Err(StateError::Locked { .. })
        ),
        "the live holder keeps its lock"
    );
    drop(guard);
    assert!(b.lock(LockInfo::new("plan", "other")).is_ok());
}

#[test]
fn a_second_handle_on_the_same_files_sees_the_same_state_and_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (backend_in(dir.path()), backend_in(dir.path()));
    let guard = a.lock(LockInfo::new("apply", "a")).expect("lock");
    assert!(matches!(
        b.lock(LockInfo::new("apply", "b")),
        Err(StateError::Locked { .. })
    ));
    let base = sample_doc(1);
    let mut journal = a.open_journal(&base).expect("open journal");
    journal
        .append(&[JournalEntry::Remove {
            addr: "terraform_data.a".into(),
        }])
        .expect("append");
    let seen = b.read().expect("read").expect("state");
    assert_eq!(seen.serial, 2);
    assert!(!seen.resources.contains_key("terraform_data.a"));
    drop(guard);
}
