//! Building a backend from configuration: the kind of backend and its settings, as the
//! engine reads them from a `backend "KIND" { ... }` block.
//!
//! [`from_config`] knows `local` (`path`), `s3` (`bucket`, `key`, `region`, `endpoint`,
//! `use_path_style`, `access_key`, `secret_key`, `workspace_key_prefix`), `gcs` (`bucket`,
//! `prefix`, `credentials`, `access_token`, `storage_custom_endpoint`), `pg`
//! (`conn_str`, `schema_name`) and `azurerm` (`storage_account_name`, `container_name`, `key`,
//! `access_key`, `sas_token`, `resource_group_name`, `subscription_id`, `tenant_id`,
//! `client_id`, `client_secret`, `use_cli`, `environment`, `endpoint`,
//! `resource_manager_endpoint`). Every setting is checked: a missing required one, an unknown
//! one or one of the wrong type is an error naming it. Nothing is contacted here: remote
//! backends connect on first use (except that an `azurerm` backend without `access_key` or
//! `sas_token` asks Resource Manager for the account key). Environment fallbacks: the S3
//! region (`AWS_REGION`, then `AWS_DEFAULT_REGION`), and Terraform's `ARM_ACCESS_KEY`,
//! `ARM_SAS_TOKEN`, `ARM_SUBSCRIPTION_ID`, `ARM_TENANT_ID`, `ARM_CLIENT_ID`,
//! `ARM_CLIENT_SECRET` for `azurerm` (and the Azure SDKs' `AZURE_AUTHORITY_HOST` for its
//! login endpoint).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::backend::Backend;
use crate::error::StateError;
use crate::local::LocalBackend;

/// The backend kinds this build knows.
pub const KINDS: &[&str] = &[
    "local",
    #[cfg(feature = "s3")]
    "s3",
    #[cfg(feature = "gcs")]
    "gcs",
    #[cfg(feature = "pg")]
    "pg",
    #[cfg(feature = "azurerm")]
    "azurerm",
];

/// Settings of one backend block, checked as they are taken.
struct Settings<'a> {
    kind: &'a str,
    map: &'a Map<String, Value>,
}

impl<'a> Settings<'a> {
    fn check_known(&self, known: &[&str]) -> Result<(), StateError> {
        for name in self.map.keys() {
            if !known.contains(&name.as_str()) {
                return Err(StateError::UnknownSetting {
                    kind: self.kind.into(),
                    name: name.clone(),
                    known: known.join(", "),
                });
            }
        }
        Ok(())
    }

    fn invalid(&self, name: &str, problem: impl Into<String>) -> StateError {
        StateError::InvalidSetting {
            kind: self.kind.into(),
            name: name.into(),
            problem: problem.into(),
        }
    }

    /// A string setting; `null` counts as absent, an empty string is refused.
    fn string(&self, name: &'static str) -> Result<Option<String>, StateError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Err(self.invalid(name, "must not be empty")),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.invalid(name, format!("must be a string, not {other}"))),
        }
    }

    #[cfg_attr(
        not(any(feature = "s3", feature = "pg", feature = "gcs", feature = "azurerm")),
        allow(dead_code)
    )]
    fn required(&self, name: &'static str) -> Result<String, StateError> {
        self.string(name)?.ok_or(StateError::MissingSetting {
            kind: self.kind.into(),
            name,
        })
    }

    #[cfg_attr(not(any(feature = "s3", feature = "azurerm")), allow(dead_code))]
    fn boolean(&self, name: &'static str) -> Result<Option<bool>, StateError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.invalid(name, format!("must be true or false, not {other}"))),
        }
    }
}

/// A backend of `kind` configured by `settings` for `workspace`; relative local paths are
/// resolved against `base_dir` (the configuration's directory).
///
/// `local` keeps the default workspace's state at `path` (default `hangar.tfstate`) and
/// workspace `ws`'s at `hangar.tfstate.d/<ws>/<file name of path>` beside it. `s3` puts other
/// workspaces under `workspace_key_prefix` (default `env:`); `pg` keeps each workspace in its
/// own rows. Fails with [`StateError::UnknownBackend`], [`StateError::MissingSetting`],
/// [`StateError::UnknownSetting`] or [`StateError::InvalidSetting`] (also for a workspace name
/// that cannot be part of a path or key), and when a remote client cannot be set up.
pub fn from_config(
    kind: &str,
    settings: &Map<String, Value>,
    workspace: &str,
    base_dir: &Path,
) -> Result<Box<dyn Backend>, StateError> {
    let s = Settings {
        kind,
        map: settings,
    };
    if workspace.is_empty()
        || workspace.contains(['/', '\\'])
        || workspace == "."
        || workspace == ".."
        || workspace.chars().any(char::is_control)
    {
        return Err(s.invalid(
            "workspace",
            format!("{workspace:?} is not a usable workspace name"),
        ));
    }
    match kind {
        "local" => local(&s, workspace, base_dir),
        #[cfg(feature = "s3")]
        "s3" => s3(&s, workspace),
        #[cfg(feature = "gcs")]
        "gcs" => gcs(&s, workspace),
        #[cfg(feature = "pg")]
        "pg" => pg(&s, workspace),
        #[cfg(feature = "azurerm")]
        "azurerm" => azurerm(&s, workspace),
        _ => Err(StateError::UnknownBackend {
            kind: kind.into(),
            expected: KINDS.join(", "),
        }),
    }
}

fn local(s: &Settings, workspace: &str, base_dir: &Path) -> Result<Box<dyn Backend>, StateError> {
    s.check_known(&["path"])?;
    let path = PathBuf::from(s.string("path")?.unwrap_or_else(|| "hangar.tfstate".into()));
    let path = base_dir.join(path);
    let Some(file) = path.file_name().map(ToOwned::to_owned) else {
        return Err(s.invalid("path", format!("{} names no file", path.display())));
    };
    let path = if workspace == "default" {
        path
    } else {
        let dir = path.parent().unwrap_or(base_dir);
        dir.join("hangar.tfstate.d").join(workspace).join(file)
    };
    Ok(Box::new(LocalBackend::new(path)))
}

#[cfg(feature = "s3")]
fn s3(s: &Settings, workspace: &str) -> Result<Box<dyn Backend>, StateError> {
    s.check_known(&[
        "bucket",
        "key",
        "region",
        "endpoint",
        "use_path_style",
        "access_key",
        "secret_key",
        "workspace_key_prefix",
    ])?;
    let region = match s.string("region")? {
        Some(r) => r,
        None => ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .ok_or(StateError::MissingSetting {
                kind: s.kind.into(),
                name: "region",
            })?,
    };
    let mut c = crate::s3::S3Config::new(s.required("bucket")?, s.required("key")?, region);
    c.endpoint = s.string("endpoint")?;
    c.use_path_style = s.boolean("use_path_style")?.unwrap_or(false);
    c.access_key = s.string("access_key")?;
    c.secret_key = s.string("secret_key")?;
    if c.access_key.is_some() != c.secret_key.is_some() {
        let name = if c.access_key.is_some() {
            "secret_key"
        } else {
            "access_key"
        };
        return Err(StateError::MissingSetting {
            kind: s.kind.into(),
            name,
        });
    }
    if let Some(p) = s.string("workspace_key_prefix")? {
        c.workspace_key_prefix = p;
    }
    if c.key.starts_with('/') || c.key.ends_with('/') {
        return Err(s.invalid("key", "must not start or end with \"/\""));
    }
    c.workspace = workspace.into();
    Ok(Box::new(crate::s3::S3Backend::new(&c)?))
}

#[cfg(feature = "gcs")]
fn gcs(s: &Settings, workspace: &str) -> Result<Box<dyn Backend>, StateError> {
    s.check_known(&[
        "bucket",
        "prefix",
        "credentials",
        "access_token",
        "storage_custom_endpoint",
    ])?;
    let mut c = crate::gcs::GcsConfig::new(
        s.required("bucket")?,
        s.string("prefix")?.unwrap_or_default(),
    );
    c.credentials = s.string("credentials")?;
    c.access_token = s.string("access_token")?;
    c.endpoint = s.string("storage_custom_endpoint")?;
    c.workspace = workspace.into();
    Ok(Box::new(crate::gcs::GcsBackend::new(&c)?))
}

#[cfg(feature = "pg")]
fn pg(s: &Settings, workspace: &str) -> Result<Box<dyn Backend>, StateError> {
    s.check_known(&["conn_str", "schema_name"])?;
    let mut c = crate::pg::PgConfig::new(s.required("conn_str")?);
    if let Some(schema) = s.string("schema_name")? {
        c.schema_name = schema;
    }
    c.workspace = workspace.into();
    Ok(Box::new(crate::pg::PgBackend::new(&c).map_err(
        |e| match e {
            StateError::InvalidSetting { problem, name, .. } => s.invalid(&name, problem),
            other => other,
        },
    )?))
}

#[cfg(feature = "azurerm")]
fn azurerm(s: &Settings, workspace: &str) -> Result<Box<dyn Backend>, StateError> {
    s.check_known(&[
        "storage_account_name",
        "container_name",
        "key",
        "access_key",
        "sas_token",
        "resource_group_name",
        "subscription_id",
        "tenant_id",
        "client_id",
        "client_secret",
        "use_cli",
        "environment",
        "endpoint",
        "resource_manager_endpoint",
    ])?;
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let or_env = |name: &'static str, var: &str| -> Result<Option<String>, StateError> {
        Ok(s.string(name)?.or_else(|| env(var)))
    };
    let mut c = crate::azurerm::AzurermConfig::new(
        s.required("storage_account_name")?,
        s.required("container_name")?,
        s.required("key")?,
    );
    if c.key.starts_with('/') || c.key.ends_with('/') {
        return Err(s.invalid("key", "must not start or end with \"/\""));
    }
    let (resource_manager, audience, authority, suffix) =
        match s.string("environment")?.as_deref().unwrap_or("public") {
            "public" => (
                "https://management.azure.com",
                "https://management.azure.com",
                "https://login.microsoftonline.com",
                "core.windows.net",
            ),
            "usgovernment" => (
                "https://management.usgovcloudapi.net",
                "https://management.usgovcloudapi.net",
                "https://login.microsoftonline.us",
                "core.usgovcloudapi.net",
            ),
            "china" => (
                "https://management.chinacloudapi.cn",
                "https://management.chinacloudapi.cn",
                "https://login.chinacloudapi.cn",
                "core.chinacloudapi.cn",
            ),
            other => {
                return Err(s.invalid(
                    "environment",
                    format!("{other:?} is not one of public, usgovernment, china"),
                ))
            }
        };
    c.storage_suffix = suffix.into();
    c.access_key = or_env("access_key", "ARM_ACCESS_KEY")?;
    c.sas_token = or_env("sas_token", "ARM_SAS_TOKEN")?;
    c.endpoint = s.string("endpoint")?;
    for (name, url) in [
        ("endpoint", c.endpoint.clone()),
        (
            "resource_manager_endpoint",
            s.string("resource_manager_endpoint")?,
        ),
    ] {
        if let Some(u) = url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(s.invalid(name, format!("{u:?} is not an http:// or https:// URL")));
            }
        }
    }
    if let Some(group) = s.string("resource_group_name")? {
        let subscription_id = or_env("subscription_id", "ARM_SUBSCRIPTION_ID")?.ok_or(
            StateError::MissingSetting {
                kind: s.kind.into(),
                name: "subscription_id",
            },
        )?;
        let tenant_id = or_env("tenant_id", "ARM_TENANT_ID")?;
        let client_id = or_env("client_id", "ARM_CLIENT_ID")?;
        let client_secret = or_env("client_secret", "ARM_CLIENT_SECRET")?;
        let use_cli = s.boolean("use_cli")?.unwrap_or(true);
        if client_secret.is_none() && !use_cli {
            return Err(StateError::MissingSetting {
                kind: s.kind.into(),
                name: "client_secret",
            });
        }
        c.arm = Some(crate::azurerm::ArmAccess {
            resource_group_name: group,
            subscription_id,
            tenant_id,
            client_id,
            client_secret,
            resource_manager_endpoint: s
                .string("resource_manager_endpoint")?
                .unwrap_or_else(|| resource_manager.into()),
            authority: env("AZURE_AUTHORITY_HOST").unwrap_or_else(|| authority.into()),
            audience: audience.into(),
        });
    }
    if c.access_key.is_none() && c.sas_token.is_none() && c.arm.is_none() {
        return Err(StateError::MissingSetting {
            kind: s.kind.into(),
            name: "access_key",
        });
    }
    c.workspace = workspace.into();
    Ok(Box::new(crate::azurerm::AzurermBackend::new(&c)?))
}
