//! The immutable workspace↔geography binding recorded in state.
//!
//! The first apply of a workspace writes its geography, primary region, allowed regions, time
//! and a binding id into state. Every later run compares: a different geography or primary
//! region is refused, and so is dropping an allowed region that recorded resources live in.
//! Moving means a new workspace; no command removes a binding.

use hangar_core::{Diagnostic, Diagnostics};
use hangar_state::StateDoc;
use serde::{Deserialize, Serialize};

use super::Policy;
use crate::planner::parse_provider_addr;
use hangar_core::Cloud;

/// What state records about the binding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// Workspace name.
    pub workspace: String,
    /// Geography bound to.
    pub geography: String,
    /// Primary region bound to.
    pub region: String,
    /// Allowed regions at the last apply.
    pub allowed_regions: Vec<String>,
    /// When the first apply bound the workspace (RFC 3339 UTC).
    pub bound_at: String,
    /// Unique id of the binding.
    pub binding_id: String,
}

/// The binding recorded in `doc`, if any; fails when the recorded one is unreadable.
pub fn recorded(doc: &StateDoc) -> Result<Option<Binding>, Diagnostic> {
    match &doc.binding {
        None => Ok(None),
        Some(j) => serde_json::from_value(j.clone()).map(Some).map_err(|e| {
            Diagnostic::error(
                "Corrupt workspace binding",
                format!("The binding recorded in state cannot be read: {e}."),
            )
        }),
    }
}

/// The binding `policy` would record now.
pub fn fresh(policy: &Policy) -> Binding {
    Binding {
        workspace: policy.workspace.clone(),
        geography: policy.geography.clone(),
        region: policy.region.clone(),
        allowed_regions: policy.allowed_regions.clone(),
        bound_at: hangar_core::timestamp::rfc3339_utc(std::time::SystemTime::now()),
        binding_id: uuid::Uuid::new_v4().to_string(),
    }
}

/// Checks `policy` against the binding in `doc`; returns the binding to record after apply.
pub fn check(policy: &Policy, doc: &StateDoc) -> Result<Binding, Diagnostics> {
    let Some(b) = recorded(doc)? else {
        return Ok(fresh(policy));
    };
    let mut diags = Diagnostics::new();
    if b.geography != policy.geography || b.region != policy.region {
        diags.push(Diagnostic::error(
            "Workspace binding cannot change",
            format!(
                "Workspace \"{}\" was bound to geography \"{}\" with primary region \"{}\" on {} by its first apply (binding {}). \
                 The configuration now says geography \"{}\" with primary region \"{}\". A workspace's geography and primary \
                 region never change; to move infrastructure, declare a new workspace and apply there.",
                b.workspace, b.geography, b.region, b.bound_at, b.binding_id, policy.geography, policy.region
            ),
        ));
    }
    let gate = super::gate::Gate::new(Some(policy.clone()));
    for rec in doc.resources.values() {
        let (Some(region), Some(cloud)) = (
            &rec.region,
            Cloud::of_provider(&parse_provider_addr(&rec.provider).0),
        ) else {
            continue;
        };
        if rec.addr.resource.mode == hangar_core::ResourceMode::Data
            && gate.allowed_read_only(cloud, region)
        {
            continue;
        }
        if let Err(refused) = gate.observed(&rec.addr.to_string(), cloud, region) {
            diags.push(Diagnostic::error(
                "Region still in use",
                format!(
                    "{} Workspace \"{}\" no longer allows it: destroy or move the resource before dropping its region.",
                    refused.detail, policy.workspace
                ),
            ));
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Binding {
        allowed_regions: policy.allowed_regions.clone(),
        ..b
    })
}
