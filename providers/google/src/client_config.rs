//! Data source `google_client_config`: the provider configuration's own project, region and
//! zone, and an OAuth2 access token for its credentials — what Terraform configurations pass to
//! a GKE cluster's Kubernetes API (`token = data.google_client_config.x.access_token`).
//!
//! Reads no Google API: a fixed `access_token` is reported as is; other credentials get one
//! from their token endpoint (the one any call would use). The token is sensitive. Left out:
//! `default_labels`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use hangar_core::{Type, Value};
use hangar_provider::{AttributeSchema, BlockSchema, ProviderError, RemoteObject, ResourceSchema};

use crate::attrs;
use crate::error::on;
use crate::resource::{DataSource, Google};

/// Data source `google_client_config`.
pub struct ClientConfig;

#[async_trait]
impl DataSource for ClientConfig {
    fn type_name(&self) -> &'static str {
        "google_client_config"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        for n in ["id", "project", "region", "zone"] {
            b.attributes
                .insert(n.into(), AttributeSchema::computed(Type::String));
        }
        b.attributes.insert(
            "access_token".into(),
            AttributeSchema::computed(Type::String)
                .sensitive()
                .describe("An OAuth2 access token for the provider's credentials."),
        );
        ResourceSchema {
            version: 0,
            block: b,
            refreshable: true,
        }
    }

    async fn read(&self, g: &Google, _config: &Value) -> Result<RemoteObject, ProviderError> {
        let c = &g.clients;
        let token = c
            .tokens
            .token()
            .await
            .map_err(|e| on("the provider's credentials", e))?;
        let part = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut m = BTreeMap::new();
        // Terraform's id: projects/P/regions/R/zones/Z.
        m.insert(
            "id".into(),
            Value::string(format!(
                "projects/{}/regions/{}/zones/{}",
                part(&c.project),
                part(&c.region),
                part(&c.zone)
            )),
        );
        m.insert("project".into(), attrs::opt_string(c.project.clone()));
        m.insert("region".into(), attrs::opt_string(c.region.clone()));
        m.insert("zone".into(), attrs::opt_string(c.zone.clone()));
        m.insert("access_token".into(), Value::string(token).sensitive());
        Ok(RemoteObject {
            deferred: None,
            private: Vec::new(),
            attrs: Value::Object(m),
            region: None,
        })
    }
}
