//! `hangar import ADDRESS ID`: adopt an existing cloud object into state.
//!
//! The engine looks the object up through the address's provider configuration, judges its
//! real region through the residency gate and records it through the state writer
//! ([`Session::import`](hangar_engine::workspace::Session::import)); this prints Terraform's
//! messages around it.

use hangar_engine::events::NoEvents;

use crate::{CliError, Env, RunFlags};

/// `hangar import ADDRESS ID`.
pub fn import(env: &mut Env, flags: &RunFlags, address: &str, id: &str) -> Result<u8, CliError> {
    let ws = env.open(Some(flags))?;
    let mut session = ws.begin("import")?;
    env.note_takeover(&session);
    crate::outln!("{address}: Importing from ID \"{id}\"...");
    let imported = session.import(address, id, &NoEvents)?;
    crate::outln!(
        "{}: Import prepared!\n  Prepared {} for import",
        imported.address,
        imported.address.resource.type_
    );
    crate::outln!("\nImport successful!\n\nThe resources that were imported are shown above. These resources are now in\nyour Hangar state and will henceforth be managed by Hangar.");
    Ok(0)
}
