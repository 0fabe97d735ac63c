//! The `provider "azurerm"` block: its schema, its validation, and the clients it yields.
//!
//! Settings come from the block, else from Terraform's `ARM_*` environment variables
//! (`ARM_SUBSCRIPTION_ID`, `ARM_TENANT_ID`, `ARM_CLIENT_ID`, `ARM_CLIENT_SECRET`,
//! `ARM_USE_CLI`, `ARM_ENVIRONMENT`). Credentials: a service principal's client secret when
//! `client_id`, `client_secret` and `tenant_id` are set, else the Azure CLI when `use_cli` is
//! true (the default), as Terraform's azurerm does. `environment` (`public`, `usgovernment`,
//! `china`) picks the Resource Manager and login endpoints and the storage suffix;
//! `resource_manager_endpoint` and `storage_endpoint` override the first and the blob endpoint
//! (path-style, `{storage_endpoint}/{account}`, as emulators serve it). The login endpoint can
//! be overridden only through the Azure SDKs' `AZURE_AUTHORITY_HOST` variable. Nothing here
//! calls Azure: a bad credential fails the first real call, with Entra ID's message. Left out:
//! managed identity, certificates, OIDC, `metadata_host`, auxiliary tenants.

use std::sync::Arc;

use hangar_azurerm_client::arm::Arm;
use hangar_azurerm_client::auth::{Credential, TokenSource};
use hangar_azurerm_client::http::Http;
use hangar_core::{Diagnostic, Diagnostics, Type, Value};
use hangar_provider::{AttributeSchema, BlockSchema, NestedBlock, Nesting};

use crate::attrs;
use crate::resource::Azure;

/// The schema of the `provider "azurerm"` block.
pub fn schema() -> BlockSchema {
    let mut b = BlockSchema::default();
    let a = &mut b.attributes;
    let opt = |t: Type, d: &'static str| AttributeSchema::optional(t).describe(d);
    a.insert(
        "subscription_id".into(),
        opt(
            Type::String,
            "Subscription to manage; default ARM_SUBSCRIPTION_ID.",
        ),
    );
    a.insert(
        "tenant_id".into(),
        opt(
            Type::String,
            "Directory (tenant) id; default ARM_TENANT_ID.",
        ),
    );
    a.insert(
        "client_id".into(),
        opt(
            Type::String,
            "Service principal's client id; default ARM_CLIENT_ID.",
        ),
    );
    a.insert(
        "client_secret".into(),
        opt(
            Type::String,
            "Service principal's secret; default ARM_CLIENT_SECRET.",
        )
        .sensitive(),
    );
    a.insert(
        "use_cli".into(),
        opt(
            Type::Bool,
            "Use the Azure CLI's login when no client secret is set (default true).",
        ),
    );
    a.insert(
        "environment".into(),
        opt(
            Type::String,
            "Cloud: public (default), usgovernment or china.",
        ),
    );
    a.insert(
        "resource_manager_endpoint".into(),
        opt(Type::String, "Resource Manager endpoint override."),
    );
    a.insert(
        "storage_endpoint".into(),
        opt(
            Type::String,
            "Blob endpoint override (path-style: ENDPOINT/ACCOUNT/CONTAINER).",
        ),
    );
    b.blocks.insert(
        "features".into(),
        NestedBlock {
            nesting: Nesting::List,
            block: BlockSchema::default(),
            force_new: false,
        },
    );
    b
}

/// One Azure cloud's endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// Resource Manager.
    pub resource_manager: &'static str,
    /// The token audience of Resource Manager.
    pub audience: &'static str,
    /// Entra ID's login endpoint.
    pub authority: &'static str,
    /// The storage DNS suffix (`core.windows.net`).
    pub storage_suffix: &'static str,
}

/// The endpoints of environment `name`, `None` when unknown.
pub fn environment(name: &str) -> Option<Environment> {
    match name.to_ascii_lowercase().as_str() {
        "public" | "" => Some(Environment {
            resource_manager: "https://management.azure.com",
            audience: "https://management.azure.com",
            authority: "https://login.microsoftonline.com",
            storage_suffix: "core.windows.net",
        }),
        "usgovernment" => Some(Environment {
            resource_manager: "https://management.usgovcloudapi.net",
            audience: "https://management.usgovcloudapi.net",
            authority: "https://login.microsoftonline.us",
            storage_suffix: "core.usgovcloudapi.net",
        }),
        "china" => Some(Environment {
            resource_manager: "https://management.chinacloudapi.cn",
            audience: "https://management.chinacloudapi.cn",
            authority: "https://login.chinacloudapi.cn",
            storage_suffix: "core.chinacloudapi.cn",
        }),
        _ => None,
    }
}

/// The provider block, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `subscription_id`.
    pub subscription_id: String,
    /// How tokens are had.
    pub credential: Credential,
    /// The cloud.
    pub environment: Environment,
    /// `resource_manager_endpoint`, else the environment's.
    pub resource_manager: String,
    /// `storage_endpoint`.
    pub storage_endpoint: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn url_setting(v: &Value, name: &str, diags: &mut Diagnostics) -> Option<String> {
    let url = attrs::string(v, name).filter(|u| !u.is_empty())?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        diags.push(Diagnostic::error(
            "Invalid endpoint URL",
            format!("{name} = \"{url}\" is not an http:// or https:// URL."),
        ));
        return None;
    }
    Some(url.trim_end_matches('/').to_string())
}

impl Settings {
    /// Reads the evaluated provider block; fails with every mistake found in it.
    pub fn from_value(v: &Value) -> Result<Settings, Diagnostics> {
        let mut diags = Diagnostics::new();
        let get = |name: &str, var: &str| {
            attrs::string(v, name)
                .filter(|s| !s.is_empty())
                .or_else(|| env(var))
        };
        if attrs::blocks(v, "features").is_empty() {
            diags.push(Diagnostic::error(
                "Insufficient features blocks",
                "The azurerm provider needs a `features {}` block, as Terraform's does.",
            ));
        }
        let env_name = get("environment", "ARM_ENVIRONMENT").unwrap_or_else(|| "public".into());
        let environment = environment(&env_name).unwrap_or_else(|| {
            diags.push(Diagnostic::error(
                "Unknown environment",
                format!("environment = \"{env_name}\" is not one of public, usgovernment, china."),
            ));
            environment("public").expect("public exists")
        });
        let subscription_id = get("subscription_id", "ARM_SUBSCRIPTION_ID").unwrap_or_else(|| {
            diags.push(Diagnostic::error(
                "Missing subscription_id",
                "The azurerm provider needs subscription_id (or ARM_SUBSCRIPTION_ID).",
            ));
            String::new()
        });
        let tenant = get("tenant_id", "ARM_TENANT_ID");
        let client_id = get("client_id", "ARM_CLIENT_ID");
        let secret = get("client_secret", "ARM_CLIENT_SECRET");
        let use_cli = attrs::boolean(v, "use_cli")
            .or_else(|| env("ARM_USE_CLI").map(|s| s.eq_ignore_ascii_case("true")))
            .unwrap_or(true);
        let authority =
            env("AZURE_AUTHORITY_HOST").unwrap_or_else(|| environment.authority.to_string());
        let credential = match (tenant, client_id, secret) {
            (Some(tenant_id), Some(client_id), Some(client_secret)) => Credential::ClientSecret {
                authority,
                tenant_id,
                client_id,
                client_secret,
            },
            (tenant, None, None) if use_cli => Credential::Cli { tenant_id: tenant },
            (_, c, s) if c.is_some() || s.is_some() => {
                diags.push(Diagnostic::error(
                    "Incomplete service principal",
                    "A client secret needs client_id, client_secret and tenant_id together \
                     (or ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID).",
                ));
                Credential::Cli { tenant_id: None }
            }
            _ => {
                diags.push(Diagnostic::error(
                    "No credentials",
                    "use_cli is false and no client secret is set: set client_id, \
                     client_secret and tenant_id.",
                ));
                Credential::Cli { tenant_id: None }
            }
        };
        let resource_manager = url_setting(v, "resource_manager_endpoint", &mut diags)
            .unwrap_or_else(|| environment.resource_manager.to_string());
        let storage_endpoint = url_setting(v, "storage_endpoint", &mut diags);
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(Settings {
            subscription_id,
            credential,
            environment,
            resource_manager,
            storage_endpoint,
        })
    }

    /// The clients these settings describe; fails when the TLS roots cannot be loaded.
    pub fn connect(&self) -> Result<Azure, Diagnostics> {
        let http = Http::new().map_err(|e| {
            Diagnostics::from(Diagnostic::error("Cannot set up HTTPS", e.to_string()))
        })?;
        let tokens = Arc::new(TokenSource::new(self.credential.clone(), http.clone()));
        let scope = format!(
            "{}/.default",
            self.environment.audience.trim_end_matches('/')
        );
        let arm = Arm::new(http.clone(), &self.resource_manager, tokens, &scope);
        Ok(Azure {
            arm,
            http,
            subscription_id: self.subscription_id.clone(),
            storage_endpoint: self.storage_endpoint.clone(),
            storage_suffix: self.environment.storage_suffix.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use attrs::object;

    #[test]
    fn a_half_service_principal_and_a_bad_endpoint_are_reported_together() {
        let v = object([
            (
                "features",
                Value::List(vec![object::<[(&str, Value); 0], &str>([])]),
            ),
            ("subscription_id", Value::string("s")),
            ("client_id", Value::string("c")),
            ("resource_manager_endpoint", Value::string("localhost:1")),
        ]);
        let d = Settings::from_value(&v).expect_err("invalid");
        assert_eq!(d.0.len(), 2, "{d:?}");
    }

    #[test]
    fn the_features_block_is_required() {
        let v = object([("subscription_id", Value::string("s"))]);
        let d = Settings::from_value(&v).expect_err("invalid");
        assert!(format!("{d:?}").contains("features"), "{d:?}");
    }

    #[test]
    fn environments_pick_endpoints() {
        assert_eq!(
            environment("china").map(|e| e.storage_suffix),
            Some("core.chinacloudapi.cn")
        );
        assert!(environment("mars").is_none());
    }
}
