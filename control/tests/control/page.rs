//! The one pane of glass in headless Chromium: the page lists both workspaces with their
//! agents and jobs, and the jobs change status on screen without a reload as agents report.
//! A screenshot is kept under `target/test-artifacts/control/`.
//!
//! Chromium (Debian's package, installed through `.ci/chromium install` if missing) is driven
//! over the DevTools protocol on a pipe (`--remote-debugging-pipe`, fds 3 and 4 wired to FIFOs
//! by the shell), so no debugging port is opened and no WebSocket client is needed. It runs
//! with a fresh profile, every background service off, and a resolver that maps every name but
//! 127.0.0.1 to nothing: it can make no outside connection.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use hangar_wire::{ErrorSummary, JobStatus, JobSummary, Role};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::support::*;

/// A DevTools command.
#[derive(Serialize)]
struct CdpCommand<'a, P: Serialize> {
    id: u64,
    method: &'a str,
    params: P,
    #[serde(rename = "sessionId", skip_serializing_if = "Option::is_none")]
    session_id: Option<&'a str>,
}

/// A DevTools reply or event.
#[derive(Deserialize)]
struct Incoming {
    id: Option<u64>,
    result: Option<Value>,
    error: Option<CdpError>,
}

#[derive(Deserialize, Debug)]
struct CdpError {
    code: i64,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateTarget<'a> {
    url: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AttachToTarget<'a> {
    target_id: &'a str,
    flatten: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeviceMetrics {
    width: u32,
    height: u32,
    device_scale_factor: u32,
    mobile: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Navigate<'a> {
    url: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Evaluate<'a> {
    expression: &'a str,
    return_by_value: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CaptureScreenshot {
    format: &'static str,
    capture_beyond_viewport: bool,
}

#[derive(Deserialize)]
struct CreatedTarget {
    #[serde(rename = "targetId")]
    target_id: String,
}

#[derive(Deserialize)]
struct Attached {
    #[serde(rename = "sessionId")]
    session_id: String,
}

#[derive(Deserialize)]
struct Evaluated {
    result: RemoteObject,
    #[serde(rename = "exceptionDetails")]
    exception: Option<Value>,
}

#[derive(Deserialize)]
struct RemoteObject {
    value: Option<Value>,
}

#[derive(Deserialize)]
struct Screenshot {
    data: String,
}

/// A headless Chromium driven over its DevTools pipe.
struct Browser {
    child: Child,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    to: File,
    from: BufReader<File>,
    next: u64,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn launch(chromium: &Path) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let to_path = profile.path().join("cdp-in");
        let from_path = profile.path().join("cdp-out");
        for p in [&to_path, &from_path] {
            let ok = Command::new("mkfifo").arg(p).status().expect("mkfifo");
            assert!(ok.success(), "mkfifo {}", p.display());
        }
        let user_data = profile.path().join("user-data");
        let child = Command::new("bash")
            .arg("-c")
            .arg(r#"exec "$1" "${@:4}" 3<"$2" 4>"$3""#)
            .arg("chromium-pipe")
            .arg(chromium)
            .arg(&to_path)
            .arg(&from_path)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--disable-dev-shm-usage",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--window-size=1400,900",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", user_data.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        // A hung browser would block a read forever: kill it (by its PID, only while this
        // browser is still in use) after two minutes, which ends the read with EOF.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        {
            let (done, pid) = (std::sync::Arc::clone(&done), child.id().to_string());
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_secs(120));
                if !done.load(std::sync::atomic::Ordering::SeqCst) {
                    let _ = Command::new("kill").args(["-9", &pid]).status();
                }
            });
        }
        // The shell opens fd 3 (our writing end) first, then fd 4 (our reading end).
        let to = File::options()
            .write(true)
            .open(&to_path)
            .expect("open the CDP input");
        let from = BufReader::new(File::open(&from_path).expect("open the CDP output"));
        Browser {
            child,
            done,
            to,
            from,
            next: 0,
            _profile: profile,
        }
    }

    fn call<P: Serialize, R: serde::de::DeserializeOwned>(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: P,
    ) -> R {
        self.next += 1;
        let id = self.next;
        let mut msg = serde_json::to_vec(&CdpCommand {
            id,
            method,
            params,
            session_id: session,
        })
        .expect("encode command");
        msg.push(0);
        self.to.write_all(&msg).expect("send to chromium");
        loop {
            let mut buf = Vec::new();
            let n = self
                .from
                .read_until(0, &mut buf)
                .expect("read from chromium");
            assert!(n > 0, "chromium closed its DevTools pipe");
            buf.pop();
            let incoming: Incoming = serde_json::from_slice(&buf).expect("DevTools message");
            if incoming.id != Some(id) {
                continue; // an event, or a reply to someone else
            }
            if let Some(e) = incoming.error {
                panic!("{method} failed: {} ({})", e.message, e.code);
            }
            return serde_json::from_value(incoming.result.unwrap_or(Value::Null))
                .unwrap_or_else(|e| panic!("{method} reply: {e}"));
        }
    }

    /// Opens a page and returns its session.
    fn open(&mut self, url: &str) -> String {
        let t: CreatedTarget = self.call(
            None,
            "Target.createTarget",
            CreateTarget { url: "about:blank" },
        );
        let a: Attached = self.call(
            None,
            "Target.attachToTarget",
            AttachToTarget {
                target_id: &t.target_id,
                flatten: true,
            },
        );
        let s = a.session_id;
        let _: Value = self.call(
            Some(&s),
            "Emulation.setDeviceMetricsOverride",
            DeviceMetrics {
                width: 1400,
                height: 900,
                device_scale_factor: 1,
                mobile: false,
            },
        );
        let _: Value = self.call(Some(&s), "Page.navigate", Navigate { url });
        s
    }

    fn eval(&mut self, session: &str, expression: &str) -> Value {
        let r: Evaluated = self.call(
            Some(session),
            "Runtime.evaluate",
            Evaluate {
                expression,
                return_by_value: true,
            },
        );
        if let Some(e) = r.exception {
            return Value::String(format!("exception: {e}"));
        }
        r.result.value.unwrap_or(Value::Null)
    }

    /// Evaluates `expression` until it is `true`, up to 20 s; panics with `what` and the page's
    /// text otherwise.
    fn wait_for(&mut self, session: &str, expression: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if self.eval(session, expression) == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                let text = self.eval(session, "document.body ? document.body.innerText : ''");
                panic!("timed out waiting for {what}; the page shows:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn screenshot(&mut self, session: &str, path: &Path) {
        let s: Screenshot = self.call(
            Some(session),
            "Page.captureScreenshot",
            CaptureScreenshot {
                format: "png",
                capture_beyond_viewport: true,
            },
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(s.data)
            .expect("base64 screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::create_dir_all(path.parent().expect("dir")).expect("artifact dir");
        std::fs::write(path, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.done.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromium() -> Option<PathBuf> {
    let out = Command::new("bash")
        .arg(repo_root().join(".ci/chromium"))
        .arg("install")
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "\n*** SKIPPED: Chromium is not installed and could not be installed \
             (.ci/chromium install):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn artifact_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    // target/<profile>/deps/control-HASH → target/
    let target = exe.ancestors().nth(3).expect("target dir").to_path_buf();
    target.join("test-artifacts").join("control")
}

/// JavaScript that is true when the job row `id` shows `status`.
fn job_shows(id: i64, status: &str) -> String {
    format!(
        "(() => {{ const r = document.querySelector('#jobs tr[data-job-id=\"{id}\"]'); \
         return !!r && r.dataset.status === '{status}' && \
         r.querySelector('.job-status').textContent === '{status}'; }})()"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_shows_every_workspace_and_updates_without_reload() {
    let Some(chromium) = chromium() else { return };
    let db = Db::new(Backend::Sqlite);
    let s = start(&db).await;
    let c = &s.client;
    eu_and_us(c, &s.admin).await;
    let eu = Agent::register(c, &s.admin, "eu-prod", "eu-agent").await;
    let us = Agent::register(c, &s.admin, "us-prod", "us-agent").await;
    eu.heartbeat().await;
    us.heartbeat().await;
    let eu_job: hangar_wire::Job = queue(c, &s.admin, "eu-prod", apply()).await.json();
    let us_job: hangar_wire::Job = queue(c, &s.admin, "us-prod", apply()).await.json();
    let eu_claim = eu.claim(0).await.expect("eu claims");
    let (_, eu_only) = user_token(c, &s.admin, "eu-scientist", &[("eu-prod", Role::Viewer)]).await;

    let base = c.base().to_string();
    let admin = s.admin.clone();
    let mut browser = tokio::task::spawn_blocking(move || {
        let mut b = Browser::launch(&chromium);
        let page = b.open(&format!("{base}/#token={admin}"));
        b.wait_for(
            &page,
            "document.querySelectorAll('#workspaces tr[data-workspace]').length === 2",
            "two workspaces",
        );
        (b, page)
    })
    .await
    .expect("browser task");
    let (ref mut b, ref page) = browser;
    let first_id = b.eval(page, "window.hangarPageId");
    assert!(first_id.is_string());
    let rows = b.eval(
        page,
        "[...document.querySelectorAll('#workspaces tr[data-workspace]')].map(r => \
         [r.dataset.workspace, r.cells[1].textContent, r.cells[2].textContent, \
          r.querySelector('[data-agent]').dataset.health])",
    );
    assert_eq!(
        rows,
        serde_json::json!([
            ["eu-prod", "eu", "eu-central-1 aws", "healthy"],
            ["us-prod", "us", "us-east-1 aws", "healthy"]
        ])
    );
    assert_eq!(
        b.eval(page, &job_shows(eu_job.id, "running")),
        Value::Bool(true)
    );
    assert_eq!(
        b.eval(page, &job_shows(us_job.id, "queued")),
        Value::Bool(true)
    );
    assert_eq!(
        b.eval(
            page,
            "!document.querySelector('#jobs').innerText.includes('hgr_')"
        ),
        Value::Bool(true),
        "no token on the page"
    );
    let updates_before: u64 = b
        .eval(page, "Number(document.body.dataset.updates)")
        .as_u64()
        .expect("update counter");

    // Agents report; the page follows without a reload.
    eu.succeed(eu_job.id, &eu_claim.lease, applied_summary())
        .await;
    let us_claim = us.claim(0).await.expect("us claims");
    let failed = JobSummary {
        errors: vec![ErrorSummary {
            address: Some("aws_s3_bucket.artifacts".into()),
            code: Some("BucketAlreadyExists".into()),
            message: "the bucket name is taken".into(),
        }],
        duration_ms: 1500,
        ..Default::default()
    };
    let r = us
        .outcome(us_job.id, &us_claim.lease, JobStatus::Failed, failed)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let drift: hangar_wire::Job = queue(c, &s.admin, "eu-prod", hangar_wire::JobSpec::Drift {})
        .await
        .json();

    let (eu_id, us_id, drift_id) = (eu_job.id, us_job.id, drift.id);
    let mut browser = tokio::task::spawn_blocking(move || {
        let (mut b, page) = browser;
        b.wait_for(
            &page,
            &job_shows(eu_id, "succeeded"),
            "the eu apply to succeed on screen",
        );
        b.wait_for(
            &page,
            &job_shows(us_id, "failed"),
            "the us apply to fail on screen",
        );
        b.wait_for(
            &page,
            &job_shows(drift_id, "queued"),
            "the new drift job to appear",
        );
        (b, page)
    })
    .await
    .expect("browser task");
    let (ref mut b, ref page) = browser;
    assert_eq!(
        b.eval(page, "window.hangarPageId"),
        first_id,
        "the page was not reloaded"
    );
    assert_eq!(
        b.eval(page, "performance.getEntriesByType('navigation').length"),
        serde_json::json!(1)
    );
    let updates_after = b
        .eval(page, "Number(document.body.dataset.updates)")
        .as_u64()
        .expect("update counter");
    assert!(
        updates_after > updates_before,
        "{updates_after} > {updates_before}"
    );
    let eu_apply = b.eval(
        page,
        "document.querySelector('tr[data-workspace=\"eu-prod\"] .last-apply').textContent",
    );
    assert!(
        eu_apply
            .as_str()
            .is_some_and(|t| t.starts_with("succeeded")),
        "{eu_apply}"
    );
    let us_detail = b.eval(
        page,
        &format!("document.querySelector('#jobs tr[data-job-id=\"{us_id}\"]').innerText"),
    );
    assert!(
        us_detail
            .as_str()
            .is_some_and(|t| t.contains("the bucket name is taken")),
        "{us_detail}"
    );

    let shot = artifact_dir().join("one-pane-of-glass.png");
    b.screenshot(page, &shot);
    eprintln!("screenshot: {}", shot.display());

    // An EU-only token's page shows EU only.
    let eu_page = b.open(&format!("{}/#token={eu_only}", c.base()));
    b.wait_for(
        &eu_page,
        "document.querySelectorAll('#workspaces tr[data-workspace]').length === 1",
        "the eu-only view",
    );
    assert_eq!(
        b.eval(
            &eu_page,
            "[...document.querySelectorAll('tr[data-workspace]')].map(r => r.dataset.workspace)"
        ),
        serde_json::json!(["eu-prod", "eu-prod", "eu-prod"]),
        "one workspace row and only eu jobs"
    );
    b.screenshot(&eu_page, &artifact_dir().join("eu-only-view.png"));
    drop(browser);
    s.running.shutdown().await.expect("shutdown");
}
