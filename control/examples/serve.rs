//! Runs the control plane without the `hangar` CLI:
//!
//! ```sh
//! cargo run -p hangar-control --example serve -- --listen 127.0.0.1:8080 --database sqlite:cp.db
//! ```
//!
//! `HANGAR_ADMIN_TOKEN` sets the admin token; without it the first start prints one. The tests
//! also use this program to kill a control plane for real (SIGKILL) and start it again.

fn main() -> std::process::ExitCode {
    let mut opts = hangar_control::ServeOptions {
        admin_token: std::env::var(hangar_control::ADMIN_TOKEN_ENV).ok(),
        ..Default::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next();
        match (a.as_str(), value) {
            ("--listen", Some(v)) => opts.listen = v,
            ("--database", Some(v)) => opts.database = v,
            ("--lease-seconds", Some(v)) => match v.parse() {
                Ok(n) => opts.lease = std::time::Duration::from_secs(n),
                Err(_) => return usage(&format!("--lease-seconds {v:?} is not a number")),
            },
            (flag, _) => return usage(&format!("unknown or incomplete option {flag:?}")),
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage(&format!("cannot start the runtime: {e}")),
    };
    match runtime.block_on(hangar_control::serve(opts)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn usage(msg: &str) -> std::process::ExitCode {
    eprintln!("error: {msg}\nusage: serve [--listen ADDR] [--database sqlite:PATH|postgres://...] [--lease-seconds N]");
    std::process::ExitCode::from(2)
}
