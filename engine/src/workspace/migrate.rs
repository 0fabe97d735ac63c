//! Moving between Terraform and Hangar: adopting a Terraform (or OpenTofu) state into the
//! workspace, and the workspace's state in Terraform's format.
//!
//! Adoption writes through the state writer like an apply (journal, then a new snapshot) and
//! records the workspace's geography binding. It refuses, writing nothing, when the workspace
//! state already records any of the instances, or when an instance lives in a region outside
//! the workspace (known from its `region` attribute or ARN; every later refresh reads the
//! real region back through the residency gate anyway). It leaves out what
//! [`crate::tfstate::adopt`] skips, and reports it.

use hangar_core::geo::Cloud;
use hangar_core::{Diagnostic, Diagnostics};
use hangar_state::JournalEntry;

use super::{Error, Session, Workspace};
use crate::residency::binding;
use crate::tfstate::{self, Skipped, TfState};

/// What a migration did.
#[derive(Debug, Clone)]
pub struct Migration {
    /// Addresses adopted.
    pub adopted: Vec<String>,
    /// Instances left out, with the reason.
    pub skipped: Vec<Skipped>,
    /// Serial of the state written.
    pub serial: u64,
}

impl Workspace {
    /// The Terraform state stored at `s3://BUCKET/KEY`, read with the workspace's own
    /// `backend "s3"` settings (region, endpoint, path style, credentials) when it has one,
    /// else in the workspace's primary region with the default credential chain.
    ///
    /// Fails when the bucket's region lies outside the workspace's geography, when the key is
    /// the workspace's own state, when the object is missing, or when S3 cannot be read.
    pub fn read_terraform_state_s3(&self, bucket: &str, key: &str) -> Result<Vec<u8>, Error> {
        let settings = self
            .config()
            .backend
            .as_ref()
            .filter(|b| b.kind == "s3")
            .map(|b| b.settings.clone())
            .unwrap_or_default();
        let text = |k: &str| settings.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let region = text("region")
            .or_else(|| self.policy().map(|p| p.region.clone()))
            .or_else(|| std::env::var("AWS_REGION").ok())
            .ok_or_else(|| {
                Error::from(Diagnostic::error(
                    "No region for the Terraform state's bucket",
                    "Set region in the backend \"s3\" block, a workspace region, or AWS_REGION.",
                ))
            })?;
        if let Some(policy) = self.policy() {
            if let Err(why) = policy.admits(Cloud::Aws, &region) {
                return Err(Diagnostic::error(
                    "Terraform state outside the workspace's geography",
                    format!(
                        "s3://{bucket}/{key} is read in {region}: {}",
                        policy.explain(Cloud::Aws, &region, &why)
                    ),
                )
                .into());
            }
        }
        let mut config = hangar_state::S3Config::new(bucket, key, region);
        config.endpoint = text("endpoint");
        config.use_path_style = settings
            .get("use_path_style")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        config.access_key = text("access_key");
        config.secret_key = text("secret_key");
        let store = hangar_state::S3Backend::new(&config)?;
        if self.backend().describe() == format!("S3 object s3://{bucket}/{key}") {
            return Err(Diagnostic::error(
                "Cannot migrate a state onto itself",
                format!("s3://{bucket}/{key} is this workspace's own state."),
            )
            .into());
        }
        store.read_object(key)?.ok_or_else(|| {
            Diagnostic::error(
                "No Terraform state found",
                format!("There is no object at s3://{bucket}/{key}."),
            )
            .into()
        })
    }

    /// The workspace's state in Terraform's state format version 4.
    pub fn terraform_state(&self) -> Result<TfState, Error> {
        Ok(tfstate::export(&self.state()?, self.registry()))
    }
}

impl Session<'_> {
    /// Adopts every supported managed instance of a Terraform state, with its attributes, and
    /// the root outputs; records the workspace binding.
    ///
    /// Fails, writing nothing, when an instance is already recorded, when an instance's
    /// region lies outside the workspace's geography (or is not one of its regions), or when
    /// state cannot be written.
    pub fn migrate_from_terraform(&mut self, tf: &TfState) -> Result<Migration, Error> {
        let ws = self.ws;
        let adoption = tfstate::adopt(tf, ws.registry());
        let mut base = self.state();
        let mut diags = Diagnostics::new();
        for rec in &adoption.records {
            let addr = rec.addr.to_string();
            if base.resources.contains_key(&addr) {
                diags.push(Diagnostic::error(
                    "Resource already managed",
                    format!("{addr} is already recorded in this workspace's state; remove it (hangar state rm) or migrate into an empty workspace."),
                ));
            }
            let (Some(policy), Some(region)) = (ws.policy(), &rec.region) else {
                continue;
            };
            let (name, _) = crate::planner::parse_provider_addr(&rec.provider);
            let cloud = ws
                .registry()
                .get(&name)
                .and_then(|p| p.cloud())
                .unwrap_or(Cloud::Aws);
            if let Err(why) = policy.admits(cloud, region) {
                diags.push(Diagnostic::error(
                    "Resource outside the workspace's geography",
                    format!(
                        "{addr} lives in {region}: {} Nothing was migrated.",
                        policy.explain(cloud, region, &why)
                    ),
                ));
            }
        }
        if diags.has_errors() {
            return Err(diags.into());
        }
        if let Some(policy) = ws.policy() {
            let b = binding::check(policy, &base)?;
            base.binding = serde_json::to_value(&b).ok();
        }
        let mut outputs = base.outputs.clone();
        outputs.extend(adoption.outputs.clone());
        let adopted: Vec<String> = adoption
            .records
            .iter()
            .map(|r| r.addr.to_string())
            .collect();
        let mut entries: Vec<JournalEntry> = adoption
            .records
            .into_iter()
            .map(JournalEntry::Put)
            .collect();
        entries.push(JournalEntry::Outputs(outputs));
        let doc = crate::writer::record(&*ws.backend, base, entries)?;
        let serial = doc.serial;
        self.stored = Some(doc);
        Ok(Migration {
            adopted,
            skipped: adoption.skipped,
            serial,
        })
    }
}
