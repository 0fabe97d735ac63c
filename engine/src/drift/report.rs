//! The drift report, format 1.0: what `hangar drift --json` prints and the agent summarises.
//!
//! `{format_version, workspace, binding, checked_at, api_calls, summary: {drift, allowed,
//! pending, expired_allowances}, items: [{address, kind, attributes: [{name, recorded,
//! actual}], region, detail, allowed, allowed_by}], pending: [{address, actions}],
//! expired_allowances: [...], unsearched: [{provider, types, reason}], warnings: [...]}` where
//! kind is one of `changed`, `deleted`, `residency`, `orphan`. Configuration not yet applied is
//! `pending`, never drift. `unsearched` (present only when not empty) names the resource types
//! whose untracked objects could not be looked for (every type of a provider plugin): not drift,
//! and not a failure, but the report says so per provider instead of finding nothing.

use serde::Serialize;

use super::allow::{allowed_by, Allowance};
use super::{AttrDiff, Kind, Unsearched};
use crate::plan::{Action, Plan};
use crate::residency::binding::Binding;

/// Report format version.
pub const FORMAT: &str = "1.0";

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    /// Always [`FORMAT`].
    pub format_version: &'static str,
    /// Workspace checked.
    pub workspace: String,
    /// The workspace's recorded binding, if bound.
    pub binding: Option<Binding>,
    /// When the check ran (RFC 3339, UTC).
    pub checked_at: String,
    /// Provider API calls made.
    pub api_calls: u64,
    /// Counts.
    pub summary: Summary,
    /// Every observation, allowed or not.
    pub items: Vec<Item>,
    /// Configuration changes not yet applied (not drift).
    pub pending: Vec<Pending>,
    /// Allowlist entries past their date (they fail the run).
    pub expired_allowances: Vec<Allowance>,
    /// Resource types whose untracked objects could not be searched for, per provider.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unsearched: Vec<Unsearched>,
    /// Problems that did not stop the check (types that could not be searched).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<hangar_core::Diagnostic>,
}

/// Counts of the report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Observations not covered by the allowlist.
    pub drift: usize,
    /// Observations the allowlist covers.
    pub allowed: usize,
    /// Pending configuration changes.
    pub pending: usize,
    /// Expired allowlist entries.
    pub expired_allowances: usize,
}

/// One observation in the report.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Instance address (orphans: `TYPE[id=ID]`).
    pub address: String,
    /// `changed`, `deleted`, `residency` or `orphan`.
    pub kind: Kind,
    /// Changed attributes.
    pub attributes: Vec<AttrDiff>,
    /// Region the object was read back in.
    pub region: Option<String>,
    /// A sentence for people.
    pub detail: String,
    /// Whether an allowlist entry covers it.
    pub allowed: bool,
    /// The entry that covers it.
    pub allowed_by: Option<Allowance>,
}

/// A configuration change not yet applied.
#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    /// Instance address.
    pub address: String,
    /// Terraform's action list (`["create"]`, `["delete","create"]`, ...).
    pub actions: &'static [&'static str],
}

impl DriftReport {
    /// Builds the report of a drift-mode `plan` against `allow` on day `today` (YYYY-MM-DD).
    pub fn new(
        workspace: &str,
        binding: Option<Binding>,
        plan: &Plan,
        allow: &[Allowance],
        today: &str,
        checked_at: String,
    ) -> DriftReport {
        let items: Vec<Item> = plan
            .observations
            .iter()
            .map(|o| {
                let by = allowed_by(o, allow, today);
                Item {
                    address: o.address.clone(),
                    kind: o.kind,
                    attributes: o.attributes.clone(),
                    region: o.region.clone(),
                    detail: o.detail.clone(),
                    allowed: by.is_some(),
                    allowed_by: by.cloned(),
                }
            })
            .collect();
        let pending: Vec<Pending> = plan
            .resource_changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .filter(|c| {
                let a = c.addr.to_string();
                !plan.observations.iter().any(|o| o.address == a)
            })
            .map(|c| Pending {
                address: c.addr.to_string(),
                actions: c.action.json_actions(),
            })
            .collect();
        let expired: Vec<Allowance> = allow
            .iter()
            .filter(|a| a.expires.as_str() < today)
            .cloned()
            .collect();
        let allowed = items.iter().filter(|i| i.allowed).count();
        DriftReport {
            format_version: FORMAT,
            workspace: workspace.to_string(),
            binding,
            checked_at,
            api_calls: plan.api_calls,
            summary: Summary {
                drift: items.len() - allowed,
                allowed,
                pending: pending.len(),
                expired_allowances: expired.len(),
            },
            items,
            pending,
            expired_allowances: expired,
            unsearched: plan.unsearched.clone(),
            warnings: plan.warnings.clone(),
        }
    }

    /// Whether the run fails: drift not allowed, or an expired allowance.
    pub fn failed(&self) -> bool {
        self.summary.drift > 0 || self.summary.expired_allowances > 0
    }
}
