//! `hangar import ADDRESS ID`: adopt an existing cloud object into state.
//!
//! The address must name a resource block of the configuration (its provider configuration
//! is used to look the object up). The object's real region is checked against the
//! workspace's residency policy before it is recorded: importing something that lives outside
//! the workspace's geography is refused.

use hangar_core::{Diagnostic, ResourceInstanceAddr};
use hangar_provider::ImportRequest;
use hangar_state::InstanceRecord;

use super::inspect::console_values;
use super::{CliError, Env, RunFlags};
use hangar_core::Cloud;
use hangar_engine::planner::configure_provider;
use hangar_engine::registry::Registry;
use hangar_engine::residency::{selected_workspace, Policy};

/// `hangar import ADDRESS ID`.
pub fn import(env: &mut Env, flags: &RunFlags, address: &str, id: &str) -> Result<u8, CliError> {
    let cfg = env.load()?;
    env.workspace = selected_workspace(&cfg, &env.workspace)?;
    let policy = Policy::select(&cfg, &env.workspace)?;
    let addr: ResourceInstanceAddr =
        address
            .parse()
            .map_err(|e: hangar_core::address::AddressError| {
                CliError::from(Diagnostic::error("Invalid address", e.to_string()))
            })?;
    let Some(r) = cfg.resource(&addr.resource) else {
        return Err(Diagnostic::error(
            "Configuration for import target does not exist",
            format!(
                "The configuration does not contain {}. Before importing this resource, add a resource block for it: resource \"{}\" \"{}\" {{ ... }}",
                addr.resource, addr.resource.type_, addr.resource.name
            ),
        )
        .into());
    };
    let backend = env.backend()?;
    let _lock = env.lock(&*backend, "import")?;
    let mut doc = env.read_state(&*backend)?;
    if doc.get(&addr).is_some() {
        return Err(Diagnostic::error(
            "Resource already managed by Hangar",
            format!("Hangar is already managing a remote object for {addr}. To import to this address you must first remove the existing object from the state."),
        )
        .into());
    }
    let registry = Registry::builtin();
    let values = console_values(env, &cfg, &doc, flags)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Message(format!("cannot start the async runtime: {e}")))?;
    crate::outln!("{addr}: Importing from ID \"{id}\"...");
    let obj = runtime.block_on(async {
        let provider = configure_provider(&cfg, &registry, &r.provider, &values).await?;
        provider
            .import(ImportRequest {
                type_name: addr.resource.type_.clone(),
                id: id.to_string(),
            })
            .await
            .map_err(|e| {
                hangar_core::Diagnostics::from(hangar_engine::planner::import_error(&addr, &e))
            })
    })?;
    if let (Some(policy), Some(region), Some(cloud)) =
        (&policy, &obj.region, Cloud::of_provider(&r.provider.name))
    {
        if let Err(why) = policy.admits(cloud, region) {
            return Err(Diagnostic::error(
                format!("Residency violation: {addr} is in region {region}"),
                format!(
                    "Refusing to import it: {}",
                    policy.explain(cloud, region, &why)
                ),
            )
            .into());
        }
    }
    crate::outln!(
        "{addr}: Import prepared!\n  Prepared {} for import",
        addr.resource.type_
    );
    doc.put(InstanceRecord {
        addr: addr.clone(),
        provider: r.provider.config_addr(),
        attributes: hangar_core::json::to_json(&obj.attrs),
        sensitive_paths: hangar_core::json::sensitive_paths(&obj.attrs),
        dependencies: Vec::new(),
        region: obj.region,
        create_before_destroy: r.lifecycle.create_before_destroy,
        tainted: false,
    });
    doc.serial += 1;
    backend.write(&doc)?;
    crate::outln!("\nImport successful!\n\nThe resources that were imported are shown above. These resources are now in\nyour Hangar state and will henceforth be managed by Hangar.");
    Ok(0)
}
