//! Killing the control plane mid-job loses nothing: a real child process (the `serve` example)
//! is SIGKILLed while an agent holds a job, started again on the same database, and the
//! agent's outcome lands; the job and every audit record written before the kill are there.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use hangar_wire::{AuditPage, JobStatus};

use crate::both;
use crate::support::*;

const ADMIN: &str = "hgr_admin_test_restart_0123456789abcdef0123456789";

/// The `serve` example next to this test binary (`cargo test` builds examples).
fn serve_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let bin = dir.join("examples").join("serve");
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test -p hangar-control` (which builds examples)",
        bin.display()
    );
    bin
}

/// Starts the control plane as a child process on `db`; the child and its address.
fn spawn(db: &Db) -> (Child, String) {
    let mut child = Command::new(serve_binary())
        .args(["--listen", "127.0.0.1:0", "--database", &db.url])
        .env("HANGAR_ADMIN_TOKEN", ADMIN)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("serve exited before listening"))
            .expect("read stderr");
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().expect("address").to_string();
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{addr}"))
}

async fn kill_mid_job(backend: Backend) {
    let db = Db::new(backend);
    let (mut first, base) = spawn(&db);
    let c = Client::new(&base);
    eu_and_us(&c, ADMIN).await;
    let agent = Agent::register(&c, ADMIN, "eu-prod", "eu-agent").await;
    let queued: hangar_wire::Job = queue(&c, ADMIN, "eu-prod", apply()).await.json();
    let claimed = agent.claim(0).await.expect("claimed");
    assert_eq!(claimed.id, queued.id);
    let before: AuditPage = c.get("/api/v1/audit", ADMIN).await.json();

    first.kill().expect("SIGKILL the control plane");
    first.wait().expect("reap");

    let (mut second, base2) = spawn(&db);
    let c2 = Client::new(&base2);
    let agent = agent.with_client(c2.clone());
    // The agent finished while the control plane was away, and reports now.
    let reply = agent
        .succeed(queued.id, &claimed.lease, applied_summary())
        .await;
    assert_eq!(reply.status, JobStatus::Succeeded);
    let j = job(&c2, ADMIN, queued.id).await;
    assert_eq!(j.status, JobStatus::Succeeded);
    assert_eq!(j.summary, Some(applied_summary()));

    let after: AuditPage = c2.get("/api/v1/audit", ADMIN).await.json();
    for e in &before.entries {
        assert!(
            after.entries.contains(e),
            "audit record lost in the kill: {e:?}"
        );
    }
    assert!(after
        .entries
        .iter()
        .any(|e| e.action == "job.outcome" && e.status == 200));
    assert!(after
        .entries
        .iter()
        .any(|e| e.action == "start.renew_leases"));
    second.kill().expect("stop the second server");
    second.wait().expect("reap");
}
both!(
    a_killed_control_plane_loses_no_job_or_audit_record,
    kill_mid_job
);
