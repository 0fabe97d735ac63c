//! `drift`: a read-only check for CI.
//!
//! It holds the state lock only while reading state, refreshes every recorded object, compares
//! with state and configuration, searches for objects carrying the workspace's tags that state
//! lacks (only of the types the configuration or state uses; a type that cannot be listed is a
//! warning), and writes nothing.

use hangar_state::StateDoc;

use super::run::Mode;
use super::{Error, Session, Workspace};
use crate::drift::allow::Allowance;
use crate::drift::report::DriftReport;
use crate::events::Events;
use crate::residency::binding;

/// A drift check's result.
#[derive(Debug, Clone)]
pub struct Drift {
    /// The report (format 1.0).
    pub report: DriftReport,
    /// Every address state recorded when the check ran.
    pub recorded: Vec<String>,
}

impl Workspace {
    /// Checks for drift against `allow`; see the module documentation.
    ///
    /// Fails on a backend outside the geography, a held lock, unreadable state, invalid
    /// variables, configuration that would be refused at plan time, and read errors.
    pub fn drift(&self, allow: &[Allowance], events: &dyn Events) -> Result<Drift, Error> {
        let prior: StateDoc = self.begin("drift")?.state();
        let session = Session {
            ws: self,
            lock: None,
            stored: Some(prior.clone()),
            sealed: false,
        };
        let plan = session.plan(Mode::Drift, events)?;
        let now = hangar_core::timestamp::rfc3339_utc(std::time::SystemTime::now());
        let today = now[..10].to_string();
        let report = DriftReport::new(
            &self.name,
            binding::recorded(&prior)?,
            &plan,
            allow,
            &today,
            now,
        );
        Ok(Drift {
            report,
            recorded: prior.resources.keys().cloned().collect(),
        })
    }
}
