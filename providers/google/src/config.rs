//! The `provider "google"` block: its schema, its validation and the API clients it yields.
//!
//! Like Terraform's: `project`, `region` and `zone` fall back to `GOOGLE_PROJECT` (or
//! `GOOGLE_CLOUD_PROJECT`), `GOOGLE_REGION` and `GOOGLE_ZONE`; `access_token` to
//! `GOOGLE_OAUTH_ACCESS_TOKEN`; `credentials` to `GOOGLE_CREDENTIALS`; and with none of those,
//! Application Default Credentials (see [`hangar_google_client::auth`]). Custom endpoints are
//! the APIs' base URLs (`https://storage.googleapis.com/storage/v1/`,
//! `https://container.googleapis.com/v1/`). Nothing here calls Google: a bad credential
//! fails the first real call, with Google's message.

use std::collections::BTreeMap;
use std::sync::Arc;

use hangar_core::{Diagnostic, Diagnostics, Type, Value};
use hangar_google_client::container::{self, Container};
use hangar_google_client::storage::{self, Storage};
use hangar_google_client::{Credentials, Http, Session, TokenSource};
use hangar_provider::{AttributeSchema, BlockSchema};

use crate::attrs;

/// The schema of the `provider "google"` block.
pub fn schema() -> BlockSchema {
    let mut b = BlockSchema::default();
    let a = &mut b.attributes;
    let opt = |d: &'static str| AttributeSchema::optional(Type::String).describe(d);
    a.insert("project".into(), opt("Default project of every resource."));
    a.insert("region".into(), opt("Default region (europe-west3)."));
    a.insert("zone".into(), opt("Default zone (europe-west3-a)."));
    a.insert(
        "credentials".into(),
        opt("A service-account key: its JSON, or the path to it.").sensitive(),
    );
    a.insert(
        "access_token".into(),
        opt("An OAuth2 access token, used as is (takes precedence over credentials).").sensitive(),
    );
    a.insert(
        "storage_custom_endpoint".into(),
        opt("Cloud Storage JSON API base URL (https://storage.googleapis.com/storage/v1/)."),
    );
    a.insert(
        "container_custom_endpoint".into(),
        opt("GKE API base URL (https://container.googleapis.com/v1/)."),
    );
    a.insert(
        "default_labels".into(),
        AttributeSchema::optional(Type::Map(Box::new(Type::String)))
            .describe("Labels put on every object that takes labels."),
    );
    b
}

/// The provider block, validated.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `project`.
    pub project: Option<String>,
    /// `region`.
    pub region: Option<String>,
    /// `zone`.
    pub zone: Option<String>,
    /// `access_token`.
    pub access_token: Option<String>,
    /// `credentials`.
    pub credentials: Option<String>,
    /// `storage_custom_endpoint`.
    pub storage_endpoint: Option<String>,
    /// `container_custom_endpoint`.
    pub container_endpoint: Option<String>,
    /// `default_labels`.
    pub default_labels: BTreeMap<String, String>,
}

fn env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
}

impl Settings {
    /// Reads the evaluated provider block (and Terraform's environment fallbacks); fails with
    /// every mistake found.
    pub fn from_value(v: &Value) -> Result<Settings, Diagnostics> {
        let mut diags = Diagnostics::new();
        let s = |n: &str| attrs::string(v, n).filter(|x| !x.is_empty());
        let mut out = Settings {
            project: s("project").or_else(|| env(&["GOOGLE_PROJECT", "GOOGLE_CLOUD_PROJECT"])),
            region: s("region").or_else(|| env(&["GOOGLE_REGION"])),
            zone: s("zone").or_else(|| env(&["GOOGLE_ZONE"])),
            access_token: s("access_token").or_else(|| env(&["GOOGLE_OAUTH_ACCESS_TOKEN"])),
            credentials: s("credentials").or_else(|| env(&["GOOGLE_CREDENTIALS"])),
            ..Settings::default()
        };
        for (attr, slot) in [
            ("storage_custom_endpoint", &mut out.storage_endpoint),
            ("container_custom_endpoint", &mut out.container_endpoint),
        ] {
            let Some(url) = s(attr) else { continue };
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                diags.push(Diagnostic::error(
                    "Invalid endpoint URL",
                    format!("{attr} = \"{url}\" is not an http:// or https:// URL."),
                ));
                continue;
            }
            *slot = Some(url);
        }
        out.default_labels = attrs::string_map(v, "default_labels");
        for (k, val) in &out.default_labels {
            if let Some(why) = crate::labels::invalid(k, val) {
                diags.push(Diagnostic::error("Invalid default label", why));
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(out)
        }
    }
}

/// Why a provider without credentials cannot call Google.
pub const NO_CREDENTIALS: &str = "no google credentials: set access_token or credentials in the \
     provider block, or GOOGLE_OAUTH_ACCESS_TOKEN / GOOGLE_CREDENTIALS / \
     GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login` (Hangar \
     does not ask the metadata server)";

/// The API clients of one configured provider.
#[derive(Debug, Clone)]
pub struct Clients {
    /// Default project (block, environment or the credentials' project).
    pub project: Option<String>,
    /// Default region.
    pub region: Option<String>,
    /// Default zone.
    pub zone: Option<String>,
    /// Cloud Storage.
    pub storage: Storage,
    /// GKE.
    pub container: Container,
    /// The credentials' access tokens (what `google_client_config` reports).
    pub tokens: Arc<TokenSource>,
}

impl Clients {
    /// Finds the credentials and builds the clients; fails when configured credentials cannot
    /// be read. Finding none at all is not an error here: every call then fails, naming where
    /// credentials were looked for.
    pub fn connect(s: &Settings) -> Result<Clients, Diagnostics> {
        let bad = |e: hangar_google_client::GoogleError| {
            Diagnostics::from(Diagnostic::error(
                "Invalid google credentials",
                e.to_string(),
            ))
        };
        let creds = if let Some(t) = &s.access_token {
            Credentials::AccessToken(t.clone())
        } else if let Some(c) = &s.credentials {
            Credentials::from_setting(c).map_err(bad)?
        } else {
            match Credentials::application_default().map_err(bad)? {
                Some(c) => c,
                // Reported by the first call, so that a provider block nothing uses (a
                // multi-cloud configuration's other cloud) still configures.
                None => Credentials::Missing(NO_CREDENTIALS.into()),
            }
        };
        let project = s.project.clone().or_else(|| creds.project_id());
        let http = Http::new();
        let tokens = Arc::new(TokenSource::new(creds, http.clone()));
        let session = Session::new(http, tokens.clone());
        Ok(Clients {
            project,
            region: s.region.clone(),
            zone: s.zone.clone(),
            storage: Storage::new(
                session.clone(),
                s.storage_endpoint
                    .as_deref()
                    .unwrap_or(storage::DEFAULT_ENDPOINT),
            ),
            container: Container::new(
                session,
                s.container_endpoint
                    .as_deref()
                    .unwrap_or(container::DEFAULT_ENDPOINT),
            ),
            tokens,
        })
    }

    /// The project of an object: its own `project` attribute, else the provider's; fails
    /// when neither is set.
    pub fn project_of(
        &self,
        v: &Value,
        call: &str,
    ) -> Result<String, hangar_provider::ProviderError> {
        attrs::string(v, "project")
            .or_else(|| self.project.clone())
            .ok_or_else(|| {
                hangar_provider::ProviderError::new(
                    call,
                    "no project: set project on the resource or in the provider block (or \
                     GOOGLE_PROJECT)",
                )
            })
    }

    /// The default location of zonal-or-regional objects: the zone, else the region.
    pub fn default_location(&self) -> Option<String> {
        self.zone.clone().or_else(|| self.region.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use attrs::object;

    #[test]
    fn bad_endpoints_and_labels_are_reported_together() {
        let v = object([
            ("storage_custom_endpoint", Value::string("localhost:4443")),
            (
                "default_labels",
                Value::Map([("Team".to_string(), Value::string("a"))].into()),
            ),
        ]);
        let d = Settings::from_value(&v).expect_err("invalid");
        assert_eq!(d.0.len(), 2, "{d:?}");
    }

    #[test]
    fn an_access_token_needs_nothing_else() {
        let v = object([
            ("project", Value::string("p")),
            ("access_token", Value::string("t")),
            (
                "storage_custom_endpoint",
                Value::string("http://127.0.0.1:1/storage/v1/"),
            ),
        ]);
        let s = Settings::from_value(&v).expect("valid");
        let c = Clients::connect(&s).expect("clients");
        assert_eq!(c.project.as_deref(), Some("p"));
        assert_eq!(c.storage.endpoint(), "http://127.0.0.1:1/storage/v1/");
    }
}
