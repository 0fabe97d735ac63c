//! `import ADDRESS ID`: adopt an existing cloud object into state.
//!
//! The address must name a resource block of the configuration (its provider configuration
//! is used to look the object up, through the residency gate). The object's real region is
//! judged before it is recorded: importing something that lives outside the workspace's
//! geography is refused. The record goes through the state writer like any other change.

use hangar_core::{Diagnostic, ResourceInstanceAddr};
use hangar_provider::ImportRequest;
use hangar_state::{InstanceRecord, JournalEntry};

use super::{Error, Session};
use crate::events::{Event, Events, Operation};
use crate::planner::configure_provider;

/// What an import recorded.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The address it was recorded at.
    pub address: ResourceInstanceAddr,
    /// Where the cloud says it lives.
    pub region: Option<String>,
}

impl Session<'_> {
    /// Imports the object with cloud id `id` at `address` and records it.
    ///
    /// Fails when the address is invalid or has no resource block, is already recorded, the
    /// provider cannot find the object, or the object lies outside the workspace's geography.
    pub fn import(
        &mut self,
        address: &str,
        id: &str,
        events: &dyn Events,
    ) -> Result<Imported, Error> {
        let ws = self.ws;
        let addr: ResourceInstanceAddr =
            address
                .parse()
                .map_err(|e: hangar_core::address::AddressError| {
                    Error::from(Diagnostic::error("Invalid address", e.to_string()))
                })?;
        let Some(r) = ws.cfg.resource(&addr.resource) else {
            return Err(Diagnostic::error(
                "Configuration for import target does not exist",
                format!(
                    "The configuration does not contain {}. Before importing this resource, add a resource block for it: resource \"{}\" \"{}\" {{ ... }}",
                    addr.resource, addr.resource.type_, addr.resource.name
                ),
            )
            .into());
        };
        let doc = self.state();
        if doc.get(&addr).is_some() {
            return Err(Diagnostic::error(
                "Resource already managed by Hangar",
                format!("Hangar is already managing a remote object for {addr}. To import to this address you must first remove the existing object from the state."),
            )
            .into());
        }
        let values = ws.values_from_state(&doc)?;
        events.event(Event::Started {
            address: addr.to_string(),
            operation: Operation::Import,
            id: Some(id.to_string()),
        });
        let found = ws.block_on(async {
            let provider =
                configure_provider(&ws.cfg, &ws.registry, &ws.gate, &r.provider, &values).await?;
            provider
                .import(
                    &addr.to_string(),
                    ImportRequest {
                        type_name: addr.resource.type_.clone(),
                        id: id.to_string(),
                    },
                )
                .await
                .map_err(|e| {
                    hangar_core::Diagnostics::from(crate::planner::import_error(&addr, &e))
                })
        })??;
        if let Some(mut v) = found.violation {
            v.detail = format!("Refusing to import it: {}", v.detail);
            return Err(v.into());
        }
        let obj = found.object;
        let record = InstanceRecord {
            addr: addr.clone(),
            provider: r.provider.config_addr(),
            attributes: hangar_core::json::to_json(&obj.attrs),
            sensitive_paths: hangar_core::json::sensitive_paths(&obj.attrs),
            dependencies: Vec::new(),
            region: obj.region.clone(),
            create_before_destroy: r.lifecycle().create_before_destroy,
            tainted: false,
            private: String::new(),
            schema_version: 0,
        };
        let after = crate::writer::record(&*ws.backend, doc, vec![JournalEntry::Put(record)])?;
        self.stored = Some(after);
        Ok(Imported {
            address: addr,
            region: obj.region,
        })
    }
}
