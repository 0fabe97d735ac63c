//! `taint`, `untaint`, `providers` and `state replace-provider`: Terraform's small state
//! commands, each one engine call.

use std::io::BufRead;

use hangar_engine::plan_json::provider_source;

use crate::{CliError, Env};

/// `hangar taint ADDRESS` / `hangar untaint ADDRESS`.
pub fn taint(env: &mut Env, address: &str, tainted: bool) -> Result<u8, CliError> {
    let ws = env.open(None)?;
    let mut session = ws.begin(if tainted { "taint" } else { "untaint" })?;
    env.note_takeover(&session);
    session.set_tainted(address, tainted)?;
    if tainted {
        crate::outln!("Resource instance {address} has been marked as tainted.");
    } else {
        crate::outln!("Resource instance {address} has been successfully untainted.");
    }
    Ok(0)
}

/// `hangar providers`: the providers configuration and state require, as a tree.
pub fn providers(env: &mut Env) -> Result<u8, CliError> {
    let ws = env.open(None)?;
    let cfg = ws.config();
    let mut by_module: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        std::collections::BTreeMap::new();
    for r in cfg.resources.values() {
        by_module
            .entry(r.addr.module.to_string())
            .or_default()
            .insert(provider_source(&r.provider.config_addr()));
    }
    for (name, _) in cfg.providers.keys() {
        by_module
            .entry(String::new())
            .or_default()
            .insert(provider_source(&format!("provider[\"{name}\"]")));
    }
    crate::outln!("\nProviders required by configuration:\n.");
    let modules: Vec<_> = by_module.iter().collect();
    for (i, (module, providers)) in modules.iter().enumerate() {
        let last_module = i + 1 == modules.len();
        if module.is_empty() {
            let n = providers.len();
            for (j, p) in providers.iter().enumerate() {
                let last = j + 1 == n && modules.len() == 1;
                crate::outln!("{} provider[{p}]", if last { "└──" } else { "├──" });
            }
        } else {
            crate::outln!(
                "{} {module}",
                if last_module {
                    "└──"
                } else {
                    "├──"
                }
            );
            let n = providers.len();
            for (j, p) in providers.iter().enumerate() {
                let branch = if j + 1 == n { "└──" } else { "├──" };
                let stem = if last_module { "    " } else { "│   " };
                crate::outln!("{stem}{branch} provider[{p}]");
            }
        }
    }
    let doc = ws.state()?;
    let in_state: std::collections::BTreeSet<String> = doc
        .resources
        .values()
        .map(|r| provider_source(&r.provider))
        .collect();
    if !in_state.is_empty() {
        crate::outln!("\nProviders required by state:\n");
        for p in in_state {
            crate::outln!("    provider[{p}]");
        }
    }
    crate::outln!();
    Ok(0)
}

/// `hangar state replace-provider FROM TO`.
pub fn replace_provider(
    env: &mut Env,
    from: &str,
    to: &str,
    auto_approve: bool,
) -> Result<u8, CliError> {
    let ws = env.open(None)?;
    let mut session = ws.begin("state replace-provider")?;
    env.note_takeover(&session);
    if !auto_approve {
        crate::out!("Do you want to make these changes?\nOnly 'yes' will be accepted to continue.\n\nEnter a value: ");
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::Message(format!("cannot read confirmation: {e}")))?;
        if line.trim() != "yes" {
            crate::outln!("\nCancelled replacing providers.");
            return Err(CliError::Exit(1));
        }
    }
    let changed = session.replace_provider(from, to)?;
    crate::outln!(
        "\nSuccessfully replaced provider for {} resource(s).",
        changed.len()
    );
    Ok(0)
}
