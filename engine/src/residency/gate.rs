//! The residency gate: the one place that decides whether data may go somewhere.
//!
//! Every cloud-bound step asks it: opening a state backend ([`Gate::backend`]), configuring a
//! provider ([`Gate::provider`], before `configure` is called), planning, creating, updating,
//! reading or importing an object ([`Gate::places`] for what configuration declares,
//! [`Gate::observed`] for what the cloud reports back). Providers only *describe* places
//! ([`hangar_provider::Place`]); the gate resolves each to the regions it spans through the
//! catalogue and refuses, with a diagnostic naming the address, the location and the
//! geography, anything outside the workspace's geography or not provable at plan time. An
//! unbound workspace (no `workspace` block) admits everything.
//!
//! Endpoint overrides are judged by the region their host names; a host that names none (an
//! emulator, a private endpoint) cannot be proven inside by its name, so it is admitted with a
//! warning, and residency then rests on the regions read back from real objects.

use hangar_core::{Cloud, Diagnostic, Location, SourceRange};
use hangar_provider::{Place, Target};

use super::{Policy, Refusal};

/// The gate of one run.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    policy: Option<Policy>,
}

/// A place resolved for judging: its role, and a location, or why it has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A location of the provider's cloud.
    At(String),
    /// Not known until apply.
    Unknown,
    /// An endpoint whose name proves nothing.
    Unprovable(String),
    /// Lives where an object that this configuration does not manage lives: the expression as
    /// written, and when it names a managed object of another type, that type and the one
    /// expected.
    Unmanaged(String, Option<(String, String)>),
    /// Has no region, or its type's placement is unknown.
    Global(String),
}

/// What the gate said about the places of one thing.
#[derive(Debug, Default)]
pub struct Judgement {
    /// Refusals (errors) and unprovable endpoints (warnings).
    pub diags: hangar_core::Diagnostics,
    /// The locations that were admitted, in order.
    pub locations: Vec<String>,
}

impl Gate {
    /// The gate of `policy` (`None`: an unbound workspace, which admits everything).
    pub fn new(policy: Option<Policy>) -> Gate {
        Gate { policy }
    }

    /// The policy it enforces.
    pub fn policy(&self) -> Option<&Policy> {
        self.policy.as_ref()
    }

    /// The one judgement: may `who` put data (as `role`) at `location` of `cloud`?
    /// `reading` marks a data source read, which the workspace's `allowed_reads` may permit.
    pub fn admit(
        &self,
        who: &str,
        role: &str,
        cloud: Cloud,
        location: &str,
        reading: bool,
    ) -> Result<(), Diagnostic> {
        let Some(policy) = &self.policy else {
            return Ok(());
        };
        match policy.admits(cloud, location) {
            Ok(()) => Ok(()),
            Err(_) if reading && policy.allows_read(cloud, location) => Ok(()),
            Err(why) => Err(refusal(policy, who, role, cloud, location, &why)),
        }
    }

    /// Whether data sources may read at `location` only because `allowed_reads` names it
    /// (it lies outside the workspace).
    pub fn allowed_read_only(&self, cloud: Cloud, location: &str) -> bool {
        self.policy
            .as_ref()
            .is_some_and(|p| p.admits(cloud, location).is_err() && p.allows_read(cloud, location))
    }

    /// Judges where `who` really is, as the cloud reported it (refresh, create, import).
    pub fn observed(&self, who: &str, cloud: Cloud, region: &str) -> Result<(), Diagnostic> {
        let Some(policy) = &self.policy else {
            return Ok(());
        };
        policy.admits(cloud, region).map_err(|why| {
            Diagnostic::error(
                format!("Residency violation: {who} is in region {region}"),
                format!(
                    "{who} was read back from the cloud in region \"{region}\". {}",
                    policy.explain(cloud, region, &why)
                ),
            )
        })
    }

    /// Judges a state backend by where its store really lives (read back from the store).
    /// A remote store that cannot tell (PostgreSQL) is judged by the workspace's declared
    /// `state_location`, and refused without one; local files (`local`) stay on this machine.
    pub fn backend(
        &self,
        describe: &str,
        location: Option<&Location>,
        local: bool,
        at: Option<SourceRange>,
    ) -> Result<(), Diagnostic> {
        let Some(policy) = &self.policy else {
            return Ok(());
        };
        let declared;
        let loc = match (location, &policy.state_location) {
            (Some(l), _) => l,
            (None, _) if local => return Ok(()),
            (None, Some(name)) => {
                let cloud = [Cloud::Aws, Cloud::Gcp, Cloud::Azure]
                    .into_iter()
                    .find(|c| hangar_core::geo::spans(*c, name).is_some())
                    .unwrap_or(Cloud::Aws);
                declared = Location::new(cloud, name.clone());
                &declared
            }
            (None, None) => {
                return Err(Diagnostic::error(
                    "Residency violation: state backend location unknown",
                    format!(
                        "The state backend ({describe}) cannot report where it keeps state, so it cannot be \
                         proven inside workspace \"{}\" (geography \"{}\"). Declare where it lives in the \
                         workspace block: state_location = \"{}\".",
                        policy.workspace, policy.geography, policy.region
                    ),
                )
                .at(at));
            }
        };
        policy.admits(loc.cloud, &loc.name).map_err(|why| {
            Diagnostic::error(
                format!("Residency violation: state backend in region {}", loc.name),
                format!(
                    "The state backend ({describe}) stores state in region \"{}\". {} State describes the \
                     workspace's infrastructure, so it must stay inside the workspace's geography too.",
                    loc.name,
                    policy.explain(loc.cloud, &loc.name, &why)
                ),
            )
            .at(at)
        })
    }

    /// Judges the places of a provider configuration `who` (before it is configured).
    pub fn provider(
        &self,
        who: &str,
        cloud: Cloud,
        places: &[Place],
        at: Option<SourceRange>,
    ) -> Judgement {
        let resolved: Vec<(&Place, Resolved)> = places
            .iter()
            .map(|p| {
                let r = match &p.target {
                    Target::Location(l) => Resolved::At(l.clone()),
                    Target::Unprovable(u) => Resolved::Unprovable(u.clone()),
                    Target::Global { type_name } => Resolved::Global(type_name.clone()),
                    Target::Unknown | Target::ProviderDefault | Target::SameAs { .. } => {
                        Resolved::Unknown
                    }
                };
                (p, r)
            })
            .collect();
        self.places(who, cloud, &resolved, false, at)
    }

    /// Judges resolved places of `who`; `reading` for data sources.
    pub fn places(
        &self,
        who: &str,
        cloud: Cloud,
        places: &[(&Place, Resolved)],
        reading: bool,
        at: Option<SourceRange>,
    ) -> Judgement {
        let mut out = Judgement::default();
        let mut unprovable = Vec::new();
        for (place, resolved) in places {
            let role = &place.role;
            match resolved {
                Resolved::At(l) => match self.admit(who, role, cloud, l, reading) {
                    Ok(()) => out.locations.push(l.clone()),
                    Err(d) => out.diags.push(d.at(at.clone())),
                },
                Resolved::Unprovable(url) => unprovable.push(format!("{role} {url}")),
                Resolved::Unknown => {
                    if let Some(policy) = &self.policy {
                        out.diags.push(
                            Diagnostic::error(
                                format!("Residency violation: {who} has a {role} unknown until apply"),
                                format!(
                                    "{who}: the {role} is not known at plan time, so it cannot be proven inside \
                                     workspace \"{}\" (geography \"{}\"). Set it from variables, locals, \
                                     workspace.region, or attributes of resources that are themselves placed there.",
                                    policy.workspace, policy.geography
                                ),
                            )
                            .at(at.clone()),
                        );
                    }
                }
                Resolved::Global(type_name) => {
                    if let Some(policy) = &self.policy {
                        if !policy.allows_global(type_name) {
                            out.diags.push(
                                Diagnostic::error(
                                    format!("Residency violation: {who} cannot be placed"),
                                    format!(
                                        "{who}: objects of type {type_name} have no region Hangar can check (account- or \
                                         project-wide, or a type the location catalogue does not know), so they cannot be \
                                         proven inside workspace \"{}\" (geography \"{}\"). If it is global by nature \
                                         (IAM, DNS) and may be managed here, name it in the workspace block: \
                                         global_types = [\"{type_name}\"].",
                                        policy.workspace, policy.geography
                                    ),
                                )
                                .at(at.clone()),
                            );
                        }
                    }
                }
                Resolved::Unmanaged(shown, wrong_type) => {
                    if let Some(policy) = &self.policy {
                        let why = match wrong_type {
                            Some((found, expected)) => format!(
                                "{who}: the {role} \"{shown}\" names an object of type {found}, but it is \
                                 judged as a {expected}, so its region cannot be proven inside workspace \
                                 \"{}\" (geography \"{}\"). Name a {expected}, or say which type it is \
                                 (hangar_agent: cluster_type = \"{found}\").",
                                policy.workspace, policy.geography
                            ),
                            None => format!(
                                "{who}: the {role} \"{shown}\" is not an object managed by this configuration, so \
                                 its region cannot be proven inside workspace \"{}\" (geography \"{}\") without \
                                 calling the cloud. Use an object declared here.",
                                policy.workspace, policy.geography
                            ),
                        };
                        out.diags.push(
                            Diagnostic::error(
                                format!("Residency violation: {who} {role} is outside this configuration"),
                                why,
                            )
                            .at(at.clone()),
                        );
                    }
                }
            }
        }
        if !unprovable.is_empty() && self.policy.is_some() {
            out.diags.push(
                Diagnostic::warning(
                    format!("Cannot prove where {who} sends data"),
                    format!(
                        "{who}: {} name{} no region, so {} cannot prove {} inside the workspace's geography \
                         (an emulator or a private endpoint). Hangar still verifies the region every object \
                         reports when it is read back.",
                        unprovable.join(", "),
                        if unprovable.len() == 1 { "s" } else { "" },
                        if unprovable.len() == 1 { "its name" } else { "their names" },
                        if unprovable.len() == 1 { "it lies" } else { "they lie" },
                    ),
                )
                .at(at),
            );
        }
        out
    }
}

fn refusal(
    policy: &Policy,
    who: &str,
    role: &str,
    cloud: Cloud,
    location: &str,
    why: &Refusal,
) -> Diagnostic {
    Diagnostic::error(
        format!("Residency violation: {who} targets {role} {location}"),
        format!("{who}: {}", policy.explain(cloud, location, why)),
    )
}
