//! Shared helpers: start the test plugin (this very binary) and build values.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hangar_core::Value;
use hangar_provider_plugin::{PluginError, PluginHost, PluginOptions, PluginProvider};
use hangar_testkit::test_plugin::{MODE_ENV, SERVE_ENV, STATE_ENV};
use libtest_mimic::{Failed, Trial};

/// A test body run on its own runtime.
pub fn trial<F, Fut>(name: &str, f: F) -> Trial
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    Trial::test(name, move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Failed::from(e.to_string()))?;
        rt.block_on(f());
        Ok(())
    })
}

/// Options that start this binary as the test plugin with objects kept in `state` and the
/// given misbehaviour (`""` for none).
pub fn opts(state: &Path, mode: &str) -> PluginOptions {
    PluginOptions {
        name: "hangartest".into(),
        version: Some("0.1.0".into()),
        env: vec![
            (SERVE_ENV.into(), "1".into()),
            (STATE_ENV.into(), state.to_string_lossy().into_owned()),
            (MODE_ENV.into(), mode.into()),
        ],
        start_timeout: Duration::from_secs(20),
        call_timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    }
}

/// This test binary, which serves as the plugin.
pub fn plugin_path() -> PathBuf {
    std::env::current_exe().expect("current exe")
}

/// Starts the test plugin.
pub async fn start(opts: PluginOptions) -> Result<PluginProvider, PluginError> {
    PluginHost::start(plugin_path(), opts).await
}

/// A value from JSON (objects stay objects, arrays become tuples).
pub fn v(j: serde_json::Value) -> Value {
    hangar_core::json::from_json(&j)
}

/// Attribute `k` of an object.
pub fn attr<'a>(o: &'a Value, k: &str) -> &'a Value {
    o.get_attr(k)
        .unwrap_or_else(|| panic!("no attribute {k} in {o:?}"))
}

/// Whether the process with this pid is still running.
pub fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.contains(") Z "))
            .unwrap_or(true)
}
