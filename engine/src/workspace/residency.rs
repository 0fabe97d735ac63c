//! `residency`: the evidence that everything a workspace manages lives inside its geography.
//!
//! One row for the state backend first (where state really lives, read back from the store),
//! then one per recorded resource: its cloud, the location configuration declares (as the
//! residency pre-flight proves it), the region the provider last read back, and a verdict.
//! Format 1.0 of `hangar residency --json`.

use hangar_core::Cloud;
use serde::Serialize;

use super::{Error, Workspace};
use crate::planner::parse_provider_addr;
use crate::residency::binding::{self, Binding};

/// The report.
#[derive(Debug, Clone, Serialize)]
pub struct ResidencyReport {
    /// Always `1.0`.
    pub format_version: &'static str,
    /// Workspace.
    pub workspace: String,
    /// Its geography.
    pub geography: String,
    /// Its primary region.
    pub region: String,
    /// Its other regions.
    pub allowed_regions: Vec<String>,
    /// The binding recorded in state.
    pub binding: Option<Binding>,
    /// How many rows are violations.
    pub violations: usize,
    /// Where state lives.
    pub state: StateRow,
    /// One row per recorded resource.
    pub resources: Vec<ResourceRow>,
}

/// Where the workspace's state lives.
#[derive(Debug, Clone, Serialize)]
pub struct StateRow {
    /// The backend, described.
    pub backend: String,
    /// Its cloud, when remote and known.
    pub cloud: Option<Cloud>,
    /// Its location, read back from the store (or declared by `state_location`).
    pub location: Option<String>,
    /// `ok`, `local`, `VIOLATION: ...` or `unverified`.
    pub verdict: String,
}

/// One recorded resource.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceRow {
    /// Instance address.
    pub address: String,
    /// Cloud.
    pub cloud: Cloud,
    /// The location configuration declares, if the instance is still configured.
    pub declared_region: Option<String>,
    /// The region the provider read back.
    pub observed_region: Option<String>,
    /// `ok`, `ok (differs from declared)`, `VIOLATION: ...` or `unverified`.
    pub verdict: String,
}

impl Workspace {
    /// Builds the residency report from state, configuration and the backend's location.
    ///
    /// Fails on an unbound workspace, unreadable state or invalid variables.
    pub fn residency(&self) -> Result<ResidencyReport, Error> {
        let Some(policy) = self.policy().cloned() else {
            return Err(hangar_core::Diagnostic::error(
                "Workspace is not bound to a geography",
                "The configuration declares no workspace blocks, so there is no residency policy to verify. Declare workspace \"NAME\" { geography = \"eu\", region = \"eu-central-1\" }.",
            )
            .into());
        };
        let doc = self.state()?;
        let mut values = self.initial_values(self.variables()?);
        let proven = crate::residency::preflight::prove(
            &self.cfg,
            &self.graph,
            &self.registry,
            &mut values,
            &self.gate,
        );
        let mut violations = 0;
        let state = {
            let backend = self.backend.describe();
            match self.backend.location() {
                Ok(Some(loc)) => {
                    let verdict = match self.gate.backend(&backend, Some(&loc), None) {
                        Ok(()) => "ok".to_string(),
                        Err(d) => {
                            violations += 1;
                            format!("VIOLATION: {}", d.detail)
                        }
                    };
                    StateRow {
                        backend,
                        cloud: Some(loc.cloud),
                        location: Some(loc.name),
                        verdict,
                    }
                }
                Ok(None) => StateRow {
                    backend,
                    cloud: None,
                    location: None,
                    verdict: "local".into(),
                },
                Err(e) => StateRow {
                    backend,
                    cloud: None,
                    location: None,
                    verdict: format!("unverified: {e}"),
                },
            }
        };
        let mut resources = Vec::new();
        for rec in doc.resources.values() {
            let provider = parse_provider_addr(&rec.provider).0;
            let Some(cloud) = self.registry.get(&provider).and_then(|p| p.cloud()) else {
                continue;
            };
            let address = rec.addr.to_string();
            let declared = proven
                .declared
                .get(&address)
                .and_then(|l| l.first().cloned());
            let verdict = match &rec.region {
                None => "unverified".to_string(),
                Some(r) => match self.gate.observed(&address, cloud, r) {
                    Ok(()) if declared.as_ref().is_none_or(|d| d == r) => "ok".to_string(),
                    Ok(()) => "ok (differs from declared)".to_string(),
                    Err(d) => {
                        violations += 1;
                        format!("VIOLATION: {}", d.detail)
                    }
                },
            };
            resources.push(ResourceRow {
                address,
                cloud,
                declared_region: declared,
                observed_region: rec.region.clone(),
                verdict,
            });
        }
        Ok(ResidencyReport {
            format_version: "1.0",
            workspace: policy.workspace.clone(),
            geography: policy.geography.clone(),
            region: policy.region.clone(),
            allowed_regions: policy.allowed_regions.clone(),
            binding: binding::recorded(&doc)?,
            violations,
            state,
            resources,
        })
    }
}
