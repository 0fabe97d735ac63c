//! `residency`: the evidence that everything a workspace manages lives inside its geography.
//!
//! One row for the state backend first (where state really lives, read back from the store),
//! then one per recorded resource: its cloud, the location configuration declares (as the
//! residency pre-flight proves it), the region the cloud reports, and a verdict. Unless
//! refresh is off, every recorded object is read back now and every region of each cloud is
//! searched for objects carrying the workspace's tags that state lacks: one outside the
//! geography is a violation of its own row. Refusals of the configuration itself are listed
//! too. Format 1.0 of `hangar residency --json`.
//!
//! Every resource of a provider plugin has a row, like a native one's, including those the
//! location catalogue cannot place: a type it knows as global, or any type of a plugin whose
//! cloud Hangar does not know (`cloud` is then `null`). Their verdict says whether the workspace
//! block's `global_types` names them (`global (global_types)`) or not (a violation). Resources
//! of built-in providers without a cloud (`terraform_data`, `time_sleep`) have no row: nothing
//! of theirs lives anywhere but in state. Types whose untracked objects could not be searched
//! for (every plugin type) are listed in `unsearched`.

use hangar_core::Cloud;
use hangar_provider::Target;
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
    /// One row per recorded resource, then one per untracked object found by its tags.
    pub resources: Vec<ResourceRow>,
    /// What the configuration would place outside the workspace (refused at plan time).
    pub configuration: Vec<String>,
    /// Resource types whose untracked objects could not be searched for (plugin types).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unsearched: Vec<crate::drift::Unsearched>,
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
    /// Cloud (`None`: a plugin whose cloud Hangar does not know).
    pub cloud: Option<Cloud>,
    /// The location configuration declares, if the instance is still configured.
    pub declared_region: Option<String>,
    /// The region the provider read back.
    pub observed_region: Option<String>,
    /// `ok`, `ok (differs from declared)`, `global (global_types)`, `VIOLATION: ...` or
    /// `unverified`.
    pub verdict: String,
}

/// The verdict on an object of a type the catalogue cannot place (global or unknown): whether
/// the workspace block's `global_types` names it.
fn global_verdict(policy: &crate::residency::Policy, type_name: &str) -> Result<String, String> {
    if policy.allows_global(type_name) {
        Ok("global (global_types)".to_string())
    } else {
        Err(format!(
            "VIOLATION: objects of type {type_name} have no region Hangar can check, and the workspace block's \
             global_types does not name it"
        ))
    }
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
            let local = self.backend.is_local();
            let at =
                |loc: Option<&hangar_core::Location>| self.gate.backend(&backend, loc, local, None);
            match self.backend.location() {
                Ok(found) => {
                    let (cloud, location, source) = match (&found, &policy.state_location) {
                        (Some(l), _) => (Some(l.cloud), Some(l.name.clone()), ""),
                        (None, Some(d)) if !local => {
                            (None, Some(d.clone()), " (declared by state_location)")
                        }
                        _ => (None, None, ""),
                    };
                    let verdict = match at(found.as_ref()) {
                        Ok(()) if local && found.is_none() => "local".to_string(),
                        Ok(()) => format!("ok{source}"),
                        Err(d) => {
                            violations += 1;
                            format!("VIOLATION: {}", d.detail)
                        }
                    };
                    StateRow {
                        backend,
                        cloud,
                        location,
                        verdict,
                    }
                }
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
            let Some(prov) = self.registry.get(&provider) else {
                continue;
            };
            let plugin = self.registry.is_plugin(&provider);
            let address = rec.addr.to_string();
            // A provider without a cloud of its own (`hangar`) is listed in the cloud of the
            // object it lives beside, as the pre-flight judged it.
            let cloud = prov
                .cloud()
                .or_else(|| proven.clouds.get(&address).copied());
            if cloud.is_none() && !plugin {
                continue;
            }
            let declared = proven
                .declared
                .get(&address)
                .and_then(|l| l.first().cloned());
            let reading = rec.addr.resource.mode == hangar_core::ResourceMode::Data;
            let type_name = &rec.addr.resource.type_;
            let unplaceable = plugin
                && prov
                    .places(
                        type_name,
                        reading,
                        &hangar_core::Value::Object(Default::default()),
                    )
                    .iter()
                    .any(|p| matches!(p.target, Target::Global { .. }));
            let verdict = match (&rec.region, cloud) {
                _ if unplaceable => global_verdict(&policy, type_name).unwrap_or_else(|v| {
                    violations += 1;
                    v
                }),
                (Some(r), Some(cloud)) if reading && self.gate.allowed_read_only(cloud, r) => {
                    "allowed read (allowed_reads)".to_string()
                }
                (Some(r), Some(cloud)) => match self.gate.observed(&address, cloud, r) {
                    Ok(()) if declared.as_ref().is_none_or(|d| d == r) => "ok".to_string(),
                    Ok(()) => "ok (differs from declared)".to_string(),
                    Err(d) => {
                        violations += 1;
                        format!("VIOLATION: {}", d.detail)
                    }
                },
                _ => "unverified".to_string(),
            };
            resources.push(ResourceRow {
                address,
                cloud,
                declared_region: declared,
                observed_region: rec.region.clone(),
                verdict,
            });
        }
        let configuration: Vec<String> = proven
            .errors
            .0
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.detail.clone())
            .collect();
        violations += configuration.len();
        let mut unsearched = Vec::new();
        if configuration.is_empty() && self.opts.refresh {
            violations += self.read_back(&doc, &mut resources, &mut unsearched)?;
        }
        violations += self.observed_beside(&proven.beside, &mut resources);
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
            configuration,
            unsearched,
        })
    }

    /// Rows that read back no region of their own but live beside other objects (an agent in
    /// its cluster) are observed where those objects were observed: the verdict is judged on
    /// that region, said with the object. Returns the violations found.
    fn observed_beside(
        &self,
        beside: &std::collections::HashMap<String, Vec<String>>,
        rows: &mut [ResourceRow],
    ) -> usize {
        let observed: std::collections::HashMap<String, Option<String>> = rows
            .iter()
            .map(|r| (r.address.clone(), r.observed_region.clone()))
            .collect();
        let mut violations = 0;
        for row in rows.iter_mut() {
            let (None, Some(cloud), Some(with)) =
                (&row.observed_region, row.cloud, beside.get(&row.address))
            else {
                continue;
            };
            let regions: Vec<&String> = with
                .iter()
                .filter_map(|a| observed.get(a).and_then(Option::as_ref))
                .collect();
            let Some(region) = regions.first().copied() else {
                continue;
            };
            if regions.len() != with.len() || regions.iter().any(|r| *r != region) {
                continue;
            }
            let with = with.join(", ");
            row.verdict = match self.gate.observed(&row.address, cloud, region) {
                Ok(()) => format!("ok (where {with} is)"),
                Err(d) => {
                    violations += 1;
                    format!("VIOLATION: {} (where {with} is)", d.detail)
                }
            };
            row.observed_region = Some(region.clone());
        }
        violations
    }

    /// Reads every recorded object back and searches for tagged objects state lacks, updating
    /// `rows` and `unsearched`; returns how many new violations it found.
    fn read_back(
        &self,
        doc: &hangar_state::StateDoc,
        rows: &mut Vec<ResourceRow>,
        unsearched: &mut Vec<crate::drift::Unsearched>,
    ) -> Result<usize, Error> {
        use crate::drift::Kind;
        let session = super::Session {
            ws: self,
            lock: None,
            stored: Some(doc.clone()),
            sealed: false,
        };
        let plan = session.plan(super::Mode::Drift, &crate::events::NoEvents)?;
        unsearched.extend(plan.unsearched.iter().cloned());
        let mut found = 0;
        for o in &plan.observations {
            // Untracked objects are named `TYPE[id=ID]`; their type tells the cloud.
            let type_name = o.address.split_once("[id=").map(|(t, _)| t);
            let cloud = type_name.and_then(|t| {
                self.registry.names().find_map(|n| {
                    self.registry.resource_schema(n, t, false)?;
                    self.registry.get(n)?.cloud()
                })
            });
            match (o.kind, rows.iter_mut().find(|r| r.address == o.address)) {
                (Kind::Residency, Some(row)) => {
                    if !row.verdict.starts_with("VIOLATION") {
                        found += 1;
                    }
                    row.observed_region = o.region.clone();
                    row.verdict = format!("VIOLATION: {}", o.detail);
                }
                (Kind::Residency, None) => {
                    let Some(cloud) = cloud else { continue };
                    found += 1;
                    rows.push(ResourceRow {
                        address: o.address.clone(),
                        cloud: Some(cloud),
                        declared_region: None,
                        observed_region: o.region.clone(),
                        verdict: format!("VIOLATION: {}", o.detail),
                    });
                }
                (Kind::Orphan, None) if cloud.is_some() => rows.push(ResourceRow {
                    address: o.address.clone(),
                    cloud,
                    declared_region: None,
                    observed_region: o.region.clone(),
                    verdict: "untracked: carries the workspace's tags, not in state".into(),
                }),
                _ => {}
            }
        }
        Ok(found)
    }
}
