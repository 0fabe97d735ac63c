//! Azurite, the Azure Blob Storage emulator, for tests: started once per test process through
//! `.ci/azurite start` on a free 127.0.0.1 port, stopped by PID once the process exits.
//!
//! `AZURITE_ENDPOINT` names a running Azurite to use instead (it must know the accounts the
//! tests use: see [`ACCOUNTS`]). Accounts use Azurite's published development key.

use std::process::Command;
use std::sync::OnceLock;

/// Azurite's well-known development account.
pub const DEV_ACCOUNT: &str = "devstoreaccount1";

/// Azurite's (and the legacy storage emulator's) published development key.
pub const DEV_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Extra accounts every Azurite started here knows (with [`DEV_KEY`]), for storage accounts
/// that tests create through the ARM test server (`dpeusa` is examples/azure-data-plane's).
pub const ACCOUNTS: &[&str] = &[
    "hangarsa1",
    "hangarsa2",
    "hangarsa3",
    "hangarstate",
    "dpeusa",
];

/// A running Azurite blob service.
#[derive(Debug, Clone)]
pub struct Azurite {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

impl Azurite {
    /// The path-style endpoint of `account`: `http://127.0.0.1:PORT/account`.
    pub fn account_endpoint(&self, account: &str) -> String {
        format!("{}/{account}", self.endpoint)
    }
}

/// The Azurite of this test process, started on first use.
pub fn azurite() -> &'static Azurite {
    static AZ: OnceLock<Azurite> = OnceLock::new();
    AZ.get_or_init(|| {
        if let Some(e) = std::env::var("AZURITE_ENDPOINT")
            .ok()
            .filter(|e| !e.is_empty())
        {
            return Azurite {
                endpoint: e.trim_end_matches('/').to_string(),
            };
        }
        let pidfile =
            std::env::temp_dir().join(format!("hangar-azurite-{}.pid", std::process::id()));
        let out = Command::new("bash")
            .arg(crate::repo_root().join(".ci/azurite"))
            .arg("start")
            .arg(&pidfile)
            .env("AZURITE_OWNER_PID", std::process::id().to_string())
            .env("AZURITE_EXTRA_ACCOUNTS", ACCOUNTS.join(" "))
            .output()
            .expect("run .ci/azurite");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "\n\n*** could not start Azurite for the Azure tests (.ci/azurite start) ***\n{}\n{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
        let endpoint = stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix("AZURITE_ENDPOINT="))
            .unwrap_or_else(|| panic!("no AZURITE_ENDPOINT in: {stdout}"))
            .to_string();
        eprintln!("Azurite for this test binary: {endpoint}");
        Azurite { endpoint }
    })
}
