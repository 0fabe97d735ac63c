//! Data source `google_storage_bucket`: an existing bucket, by `name`.
//!
//! Reports the bucket's location (read back, so residency sees where it really is), storage
//! class, labels and settings. Fails when the bucket does not exist.

use async_trait::async_trait;
use hangar_core::{Type, Value};
use hangar_provider::{AttributeSchema, BlockSchema, ProviderError, RemoteObject, ResourceSchema};

use super::common_attrs;
use crate::attrs;
use crate::error::on;
use crate::resource::{DataSource, Google};

/// Data source `google_storage_bucket`.
pub struct BucketData;

#[async_trait]
impl DataSource for BucketData {
    fn type_name(&self) -> &'static str {
        "google_storage_bucket"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        let a = &mut b.attributes;
        let map = || Type::Map(Box::new(Type::String));
        a.insert("name".into(), AttributeSchema::required(Type::String));
        for n in [
            "id",
            "location",
            "storage_class",
            "url",
            "self_link",
            "public_access_prevention",
            "project",
        ] {
            a.insert(n.into(), AttributeSchema::computed(Type::String));
        }
        a.insert(
            "uniform_bucket_level_access".into(),
            AttributeSchema::computed(Type::Bool),
        );
        for n in ["labels", "terraform_labels", "effective_labels"] {
            a.insert(n.into(), AttributeSchema::computed(map()));
        }
        a.insert(
            "versioning".into(),
            AttributeSchema::computed(Type::List(Box::new(Type::object([(
                "enabled".to_string(),
                Type::Bool,
            )])))),
        );
        ResourceSchema {
            version: 0,
            block: b,
            refreshable: true,
        }
    }

    async fn read(&self, g: &Google, config: &Value) -> Result<RemoteObject, ProviderError> {
        let call = "storage.buckets.get";
        let name = attrs::string(config, "name")
            .ok_or_else(|| ProviderError::new(call, "name is not known"))?;
        let b = g
            .clients
            .storage
            .get_bucket(&name)
            .await
            .map_err(|e| on(&format!("bucket {name}"), e))?
            .ok_or_else(|| ProviderError {
                call: call.into(),
                code: Some("notFound".into()),
                message: format!("bucket {name} does not exist"),
            })?;
        let mut m = common_attrs(&b, &name, &Value::NULL, &g.default_labels, &Value::NULL);
        m.insert(
            "project".into(),
            attrs::opt_string(g.clients.project.clone()),
        );
        let region =
            attrs::string(&Value::Object(m.clone()), "location").map(|l| super::region_of(&l));
        Ok(RemoteObject {
            deferred: None,
            private: Vec::new(),
            attrs: Value::Object(m),
            region,
        })
    }
}
