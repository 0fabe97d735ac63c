//! Heartbeats per second and p50/p99 latency of the control plane on one core, from many
//! simulated agents over loopback, on SQLite and (when `.ci/postgres` can start one)
//! PostgreSQL, printed beside the aims.
//!
//! ```sh
//! cargo bench -p hangar-control --bench heartbeats
//! HANGAR_BENCH_SECONDS=20 HANGAR_BENCH_CONNECTIONS=64 cargo bench -p hangar-control --bench heartbeats
//! ```
//!
//! The control plane runs in a child process (this same program, in server mode) pinned to
//! CPU 0 with `taskset` — its HTTP workers, writer thread and blocking pool all share that one
//! core; the load generator pins itself to CPU 1. PostgreSQL, when measured, is pinned to CPU 0
//! too, so the figure is "control plane and its database on one core". Each connection is one
//! keep-alive HTTP/1.1 connection cycling through its share of the registered agents, sending
//! a heartbeat with cluster metadata and waiting for the reply (closed loop). Every heartbeat
//! is authenticated, recorded (agent row, leases) and audited, durably (SQLite: WAL with
//! `synchronous=FULL`) before its reply. Nothing leaves 127.0.0.1, the run is bounded in time,
//! and the child is stopped by its PID.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hangar_wire::{
    AgentRegistered, ClusterMetadata, CreateWorkspace, Heartbeat, PodCounts, RegisterAgent,
    PROTOCOL_VERSION,
};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

/// The allocator the `hangar` binary uses.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SERVER_ENV: &str = "HANGAR_BENCH_SERVER_DATABASE";
const DURABILITY_ENV: &str = "HANGAR_BENCH_SERVER_DURABILITY";
const ADMIN: &str = "hgr_admin_bench_0123456789abcdef0123456789abcdef";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if let Ok(db) = std::env::var(SERVER_ENV) {
        let durability = match std::env::var(DURABILITY_ENV).as_deref() {
            Ok("process") => hangar_control::Durability::ProcessCrash,
            _ => hangar_control::Durability::PowerLoss,
        };
        server(&db, durability);
        return;
    }
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --benches`) is a smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let seconds = env_num("HANGAR_BENCH_SECONDS", if smoke { 1 } else { 10 });
    let connections = env_num("HANGAR_BENCH_CONNECTIONS", 64) as usize;
    let agents = env_num("HANGAR_BENCH_AGENTS", 256) as usize;
    pin_self(1);
    // HANGAR_BENCH_ONLY=normal (a substring of a row's name, case-insensitive) runs one row.
    let only = std::env::var("HANGAR_BENCH_ONLY")
        .unwrap_or_default()
        .to_lowercase();
    let wanted = |name: &str| name.to_lowercase().contains(&only);
    let rate = env_num("HANGAR_BENCH_RATE", 10_000) as f64;
    let mut results = Vec::new();
    let tmp = tempfile::tempdir_in(target_dir()).expect("bench dir");
    let modes = [("max", None), ("@rate", Some(rate))];
    for (name, durability) in [("SQLite FULL", "power"), ("SQLite NORMAL", "process")] {
        if !wanted(name) {
            continue;
        }
        for (i, (mode, r)) in modes.iter().enumerate() {
            let file = format!("{durability}-{i}.db");
            let sqlite = format!("sqlite:{}", tmp.path().join(file).display());
            let row = format!("{name} {mode}");
            results.push((
                row,
                run(&sqlite, durability, *r, seconds, connections, agents),
            ));
        }
    }
    match wanted("PostgreSQL").then(postgres).flatten() {
        Some((url, dir)) => {
            for (mode, r) in modes {
                results.push((
                    format!("PostgreSQL {mode}"),
                    run(&url, "power", r, seconds, connections, agents),
                ));
            }
            let _ = Command::new("bash")
                .arg(hangar_testkit::repo_root().join(".ci/postgres"))
                .args(["stop", &dir])
                .status();
        }
        None => eprintln!("PostgreSQL: skipped (.ci/postgres could not start one)"),
    }
    println!();
    println!(
        "heartbeats: control plane on one core (CPU 0), load generator on CPU 1, \
         {connections} connections, {agents} agents, {seconds} s each"
    );
    println!(
        "max: closed loop (each connection sends its next heartbeat on the reply); \
         @rate: open loop at {rate:.0}/s, latency from each heartbeat's scheduled send time"
    );
    println!(
        "{:<20} {:>14} {:>9} {:>9} {:>9} {:>11}   aim",
        "database", "heartbeats/s", "p50 ms", "p99 ms", "max ms", "CPU µs/hb"
    );
    for (name, r) in &results {
        let aim = if name.starts_with("SQLite") {
            "10,000/s with p99 < 5 ms"
        } else {
            "(shown beside SQLite)"
        };
        println!(
            "{:<20} {:>14.0} {:>9.2} {:>9.2} {:>9.2} {:>11.0}   {aim}{}",
            name,
            r.rate,
            r.p50,
            r.p99,
            r.max,
            r.cpu_us,
            if r.errors > 0 {
                format!("   ({} errors)", r.errors)
            } else {
                String::new()
            }
        );
    }
    println!("anchor: TrueFoundry's gateway claims ~350 RPS on one vCPU with 3-4 ms added latency");
}

fn target_dir() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("bench binary");
    let dir = exe.ancestors().nth(3).expect("target dir").to_path_buf();
    std::fs::create_dir_all(&dir).expect("target dir");
    dir
}

/// Pins this process (and the threads it starts later) to one CPU.
fn pin_self(cpu: u32) {
    let pid = std::process::id().to_string();
    let ok = Command::new("taskset")
        .args(["-a", "-p", "-c", &cpu.to_string(), &pid])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("warning: taskset could not pin the load generator to CPU {cpu}");
    }
}

/// A throwaway PostgreSQL pinned to CPU 0: its URL and directory.
fn postgres() -> Option<(String, String)> {
    let out = Command::new("bash")
        .arg(hangar_testkit::repo_root().join(".ci/postgres"))
        .arg("start")
        .env("PG_OWNER_PID", std::process::id().to_string())
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |name: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
            .map(str::to_string)
    };
    let (pid, url, dir) = (field("PG_PID")?, field("HANGAR_PG_URL")?, field("PG_DIR")?);
    let _ = Command::new("taskset")
        .args(["-a", "-p", "-c", "0", &pid])
        .stdout(Stdio::null())
        .status();
    Some((url, dir))
}

/// Server mode: the control plane on `db`, on a one-worker runtime, until stdin closes.
fn server(db: &str, durability: hangar_control::Durability) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let running = hangar_control::start(hangar_control::ServeOptions {
            listen: "127.0.0.1:0".into(),
            database: db.into(),
            admin_token: Some(ADMIN.into()),
            durability,
            ..Default::default()
        })
        .await
        .expect("start the control plane");
        println!("ADDR={}", running.addr());
        std::io::stdout().flush().expect("stdout");
        // Stop when the parent closes our stdin (or dies).
        tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            while std::io::stdin()
                .read_line(&mut line)
                .map(|n| n > 0)
                .unwrap_or(false)
            {
                line.clear();
            }
        })
        .await
        .expect("stdin watcher");
        running.shutdown().await.expect("shutdown");
    });
}

struct Results {
    /// Server CPU time (all its threads) per heartbeat, in microseconds.
    cpu_us: f64,
    rate: f64,
    p50: f64,
    p99: f64,
    max: f64,
    errors: u64,
}

struct ServerChild(Child);

impl Drop for ServerChild {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(
    db: &str,
    durability: &str,
    rate: Option<f64>,
    seconds: u64,
    connections: usize,
    agents: usize,
) -> Results {
    let exe = std::env::current_exe().expect("bench binary");
    let mut child = Command::new("taskset")
        .args(["-c", "0"])
        .arg(&exe)
        .env(SERVER_ENV, db)
        .env(DURABILITY_ENV, durability)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server child");
    let stdout = child.stdout.take().expect("server stdout");
    let child = ServerChild(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("server address");
    let addr = line
        .trim()
        .strip_prefix("ADDR=")
        .unwrap_or_else(|| panic!("server said {line:?}"))
        .to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let pid = child.0.id();
    let r = rt.block_on(load(&addr, pid, rate, seconds, connections, agents));
    drop(child);
    r
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    send: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: String,
}

impl Conn {
    async fn connect(addr: &str) -> Conn {
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        tcp.set_nodelay(true).expect("nodelay");
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .expect("handshake");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Conn {
            send,
            host: addr.to_string(),
        }
    }

    async fn post(&mut self, path: &str, token: &str, body: Bytes) -> (u16, Bytes) {
        let req = hyper::Request::builder()
            .method("POST")
            .uri(path)
            .header("host", &self.host)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Full::new(body))
            .expect("request");
        self.send.ready().await.expect("connection ready");
        let resp = self.send.send_request(req).await.expect("request");
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        (status, body)
    }
}

fn encode<T: hangar_wire::Message>(m: &T) -> Bytes {
    Bytes::from(hangar_wire::encode(m).expect("encode"))
}

/// CPU time (user + system) a process has used, in seconds, from `/proc/PID/stat`.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; the kernel
    // counts them in USER_HZ, which is 100 on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

async fn load(
    addr: &str,
    pid: u32,
    rate: Option<f64>,
    seconds: u64,
    connections: usize,
    agents: usize,
) -> Results {
    let mut setup = Conn::connect(addr).await;
    // One workspace per server run (the PostgreSQL rows share one database).
    let workspace = format!("bench-{pid}");
    let (status, body) = setup
        .post(
            "/api/v1/workspaces",
            ADMIN,
            encode(&CreateWorkspace {
                name: workspace.clone(),
                cloud: "aws".into(),
                geography: "eu".into(),
                region: "eu-central-1".into(),
                buckets: Vec::new(),
            }),
        )
        .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let mut tokens = Vec::with_capacity(agents);
    for i in 0..agents {
        let (status, body) = setup
            .post(
                &format!("/api/v1/workspaces/{workspace}/agents"),
                ADMIN,
                encode(&RegisterAgent {
                    name: format!("agent-{i}"),
                    artifact_bucket: None,
                }),
            )
            .await;
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
        let a: AgentRegistered = hangar_wire::decode_reply(&body).expect("registered");
        tokens.push(a.token);
    }
    let heartbeat = encode(&Heartbeat {
        protocol: PROTOCOL_VERSION,
        agent_version: "0.1.0".into(),
        cluster: Some(ClusterMetadata {
            kubernetes_version: "v1.31.2".into(),
            node_count: 12,
            pods: PodCounts {
                pending: 3,
                running: 140,
                succeeded: 20,
                failed: 1,
                unknown: 0,
            },
            cpu_used_millicores: 23_000,
            cpu_capacity_millicores: 48_000,
            memory_used_bytes: 120 << 30,
            memory_capacity_bytes: 192 << 30,
        }),
    });
    let start = Instant::now() + Duration::from_secs(1);
    let end = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let mine: Vec<String> = tokens
            .iter()
            .skip(c)
            .step_by(connections)
            .cloned()
            .collect();
        let mine = if mine.is_empty() {
            vec![tokens[c % tokens.len()].clone()]
        } else {
            mine
        };
        let addr = addr.to_string();
        let body = heartbeat.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::connect(&addr).await;
            // Heartbeats sent and answered inside the window: throughput counts these, and an
            // open loop that falls behind shows it as latency and a rate below the offered one.
            let mut latencies: Vec<u32> = Vec::with_capacity(200_000);
            let mut errors = 0u64;
            let mut i = 0usize;
            // Open loop: this connection's share of the rate, staggered across connections.
            let interval = rate.map(|r| Duration::from_secs_f64(connections as f64 / r));
            let mut next = Instant::now()
                + interval.map_or(Duration::ZERO, |iv| {
                    iv.mul_f64(c as f64 / connections as f64)
                });
            loop {
                let t = match interval {
                    Some(iv) => {
                        tokio::time::sleep_until(next.into()).await;
                        let scheduled = next;
                        next += iv;
                        scheduled
                    }
                    None => Instant::now(),
                };
                if t >= end {
                    break;
                }
                let (status, _) = conn
                    .post(
                        "/api/v1/agent/heartbeat",
                        &mine[i % mine.len()],
                        body.clone(),
                    )
                    .await;
                i += 1;
                let done = Instant::now();
                if t >= start && done <= end {
                    latencies.push((done - t).as_micros() as u32);
                    if status != 200 {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let cpu = tokio::spawn(async move {
        tokio::time::sleep_until(start.into()).await;
        let before = cpu_seconds(pid);
        tokio::time::sleep_until(end.into()).await;
        cpu_seconds(pid) - before
    });
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("load task");
        all.extend(l);
        errors += e;
    }
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    let cpu = cpu.await.expect("cpu sampler");
    Results {
        cpu_us: cpu * 1e6 / all.len().max(1) as f64,
        rate: all.len() as f64 / seconds as f64,
        p50: pct(0.50),
        p99: pct(0.99),
        max: all.last().copied().unwrap_or(0) as f64 / 1000.0,
        errors,
    }
}
