//! Time to start the `hashicorp/aws` plugin and load its schema: cold (the plugin answers
//! `GetProviderSchema`) and with the on-disk schema cache. Needs a filesystem mirror with
//! hashicorp/aws 5.x (Terraform's implied mirrors or `/opt/tf-plugins`); prints a note and
//! exits otherwise.
//!
//! ```sh
//! cargo bench -p hangar-provider-plugin --bench plugin_start
//! ```
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use hangar_provider_plugin::install::{find_in, Constraint, Mirror, ProviderSource};
use hangar_provider_plugin::{PluginHost, PluginOptions};

const RUNS: usize = 3;

fn main() {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut mirrors = Mirror::implied(&cwd);
    mirrors.push(Mirror::new("/opt/tf-plugins"));
    let found = ProviderSource::parse("hashicorp/aws")
        .ok()
        .and_then(|s| find_in(&mirrors, &s, &Constraint::parse("~> 5.0").ok()?));
    let Some(exe) = found.as_ref().and_then(|f| f.executable()) else {
        println!("plugin_start: no hashicorp/aws 5.x in a filesystem mirror; nothing to measure");
        return;
    };
    let version = found.map(|f| f.version.to_string()).unwrap_or_default();
    let cache = std::env::temp_dir().join(format!("hangar-bench-schema-{}", std::process::id()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let opts = |cache_dir: Option<std::path::PathBuf>| PluginOptions {
        name: "aws".into(),
        version: Some(version.clone()),
        schema_cache_dir: cache_dir,
        env: vec![("AWS_EC2_METADATA_DISABLED".into(), "true".into())],
        ..Default::default()
    };
    let measure = |label: &str, cache_dir: Option<std::path::PathBuf>| {
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let t = Instant::now();
            let p = rt
                .block_on(PluginHost::start(&exe, opts(cache_dir.clone())))
                .expect("start the aws plugin");
            let n = p.schema_ref_len();
            times.push(t.elapsed());
            rt.block_on(p.shutdown());
            assert!(n > 1000);
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "{label:<34} median {median:>10.3?}  (runs: {})",
            fmt(&times)
        );
        median
    };
    println!("hashicorp/aws {version} at {}", exe.display());
    let cold = measure("start + GetProviderSchema (cold)", None);
    // Fill the cache once, then measure starts that read it.
    rt.block_on(async {
        let p = PluginHost::start(&exe, opts(Some(cache.clone())))
            .await
            .expect("start");
        p.shutdown().await;
    });
    let warm = measure("start + schema from the cache", Some(cache.clone()));
    println!(
        "speed-up with the cache: {:.2}x",
        cold.as_secs_f64() / warm.as_secs_f64().max(1e-9)
    );
    let _ = std::fs::remove_dir_all(&cache);
}

fn fmt(ts: &[Duration]) -> String {
    ts.iter()
        .map(|t| format!("{t:.2?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

trait SchemaLen {
    fn schema_ref_len(&self) -> usize;
}

impl SchemaLen for hangar_provider_plugin::PluginProvider {
    fn schema_ref_len(&self) -> usize {
        self.wire_schemas().resources.len()
    }
}
