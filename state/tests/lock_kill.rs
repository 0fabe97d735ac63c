//! A lock holder killed with SIGKILL leaves no stale lock behind.
//!
//! The test re-executes its own binary to run `child_lock_holder` in a separate process, which
//! takes the lock and then sleeps until it is killed. Run normally (without the environment
//! variable) that child half does nothing.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use hangar_state::{Backend, LocalBackend, LockInfo, StateError};

const CHILD_ENV: &str = "HANGAR_STATE_TEST_LOCK_HOLDER";
/// What the child prints once it holds the lock (libtest may put it after its own text).
const HELD: &str = "hangar-state-test: lock held";

/// Child half: holds the lock on the state named by `CHILD_ENV` until killed.
#[test]
fn child_lock_holder() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let backend = LocalBackend::new(PathBuf::from(path));
    let _guard = backend
        .lock(LockInfo::new("apply", "child"))
        .expect("child takes the lock");
    let mut out = std::io::stdout();
    writeln!(out, "\n{HELD}").expect("tell the parent");
    out.flush().expect("flush");
    std::thread::sleep(Duration::from_secs(120));
}

#[test]
fn a_killed_holder_leaves_no_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hangar.tfstate");
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "child_lock_holder",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the holder");
    let stdout = child.stdout.take().expect("child stdout");
    let locked = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains(HELD));
    assert!(locked, "the child never took the lock");

    let backend = LocalBackend::new(path.clone());
    match backend.lock(LockInfo::new("plan", "parent")) {
        Err(StateError::Locked { holder }) => {
            assert_eq!(holder.operation, "apply");
            assert_eq!(holder.path, "child");
            assert!(holder.who.contains('@'));
            let message = StateError::Locked { holder }.to_string();
            assert!(message.contains("force-unlock"), "{message}");
        }
        Err(e) => panic!("expected Locked, got {e}"),
        Ok(_) => panic!("took a lock the child holds"),
    }

    child.kill().expect("SIGKILL the holder");
    child.wait().expect("reap the holder");

    let info = LockInfo::new("plan", "parent");
    let guard = backend
        .lock(info.clone())
        .expect("the lock is free after the holder died");
    assert_eq!(guard.info().id, info.id);
    let dead = guard
        .taken_over()
        .expect("the dead holder's lock is reported taken over");
    assert_eq!(dead.path, "child");
    assert_eq!(dead.operation, "apply");
    let record: LockInfo =
        serde_json::from_slice(&std::fs::read(backend.lock_info_path()).expect("lock record"))
            .expect("lock record is JSON");
    assert_eq!(
        &record,
        guard.info(),
        "the dead holder's record was replaced"
    );
}
