//! `hangar state migrate-from-terraform [PATH|-]` and `hangar state pull --format terraform`:
//! coming from Terraform, and going back.
//!
//! Reads a local state file, standard input, or `s3://BUCKET/KEY` (the S3 backend Terraform
//! used, read with the workspace's own `backend "s3"` settings); other backends: pull first
//! with `terraform state pull > terraform.tfstate`. All state writes go through the engine's
//! [`hangar_engine::workspace::Session`].

use std::io::Read;

use hangar_engine::workspace::Workspace;

use crate::{CliError, Env};

/// Adopts the Terraform state at `path` (default `terraform.tfstate`, `-` for standard input).
pub fn migrate(env: &mut Env, ws: &Workspace, path: Option<&str>) -> Result<u8, CliError> {
    let path = path.unwrap_or("terraform.tfstate");
    let (bytes, shown) = if let Some(url) = path.strip_prefix("s3://") {
        let (bucket, key) = url
            .split_once('/')
            .ok_or_else(|| CliError::Message(format!("{path}: expected s3://BUCKET/KEY")))?;
        (ws.read_terraform_state_s3(bucket, key)?, path.to_string())
    } else if path == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| CliError::Message(format!("cannot read standard input: {e}")))?;
        (b, "standard input".to_string())
    } else {
        let p = ws.options().dir.join(path);
        let b = std::fs::read(&p)
            .map_err(|e| CliError::Message(format!("cannot read {}: {e}", p.display())))?;
        (b, p.display().to_string())
    };
    let tf = hangar_engine::tfstate::parse(&bytes, &shown)
        .map_err(|e| CliError::Message(e.to_string()))?;
    let mut session = ws.begin("state migrate-from-terraform")?;
    env.note_takeover(&session);
    let m = session.migrate_from_terraform(&tf)?;
    for a in &m.adopted {
        crate::outln!("Adopted {a}");
    }
    if !m.skipped.is_empty() {
        crate::outln!("\nNot adopted:");
        for s in &m.skipped {
            crate::outln!("  {}: {}", s.address, s.reason);
        }
    }
    crate::outln!(
        "\nMigrated {} resource instance(s) from Terraform state serial {} into workspace {} (state serial {}).",
        m.adopted.len(),
        tf.serial,
        ws.name(),
        m.serial
    );
    Ok(0)
}

/// Prints the workspace's state in Terraform's state format.
pub fn pull_terraform(ws: &Workspace) -> Result<u8, CliError> {
    let tf = ws.terraform_state()?;
    let text = serde_json::to_string_pretty(&tf)
        .map_err(|e| CliError::Message(format!("cannot encode state: {e}")))?;
    crate::outln!("{text}");
    Ok(0)
}
