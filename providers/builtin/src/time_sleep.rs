//! The `time` provider's `time_sleep`: waits on create and on destroy.
//!
//! Durations use Terraform's syntax (`30s`, `1m30s`, `1.5h`, `250ms`). Changing `triggers`
//! replaces the resource (so it sleeps again); `id` is the creation time in RFC 3339.

use async_trait::async_trait;
use hangar_core::{Diagnostics, Type, Value};
use hangar_provider::{
    ApplyRequest, AttributeSchema, BlockSchema, ConfigureRequest, ConfiguredProvider, Provider,
    ProviderError, ReadRequest, RemoteObject, ResourceSchema, Schema,
};

/// The built-in `time` provider.
#[derive(Debug, Default)]
pub struct TimeProvider;

fn sleep_schema() -> ResourceSchema {
    let mut block = BlockSchema::default();
    let attrs = &mut block.attributes;
    attrs.insert("id".into(), AttributeSchema::computed(Type::String));
    attrs.insert(
        "create_duration".into(),
        AttributeSchema::optional(Type::String).force_new(),
    );
    attrs.insert(
        "destroy_duration".into(),
        AttributeSchema::optional(Type::String).force_new(),
    );
    attrs.insert(
        "triggers".into(),
        AttributeSchema::optional(Type::Map(Box::new(Type::String))).force_new(),
    );
    ResourceSchema {
        block,
        refreshable: false,
        version: 0,
    }
}

#[async_trait]
impl Provider for TimeProvider {
    fn name(&self) -> &'static str {
        "time"
    }

    fn schema(&self) -> Schema {
        let mut s = Schema::default();
        s.resources.insert("time_sleep".into(), sleep_schema());
        s
    }

    async fn configure(
        &self,
        _req: ConfigureRequest,
    ) -> Result<Box<dyn ConfiguredProvider>, Diagnostics> {
        Ok(Box::new(Configured))
    }
}

struct Configured;

async fn sleep_for(v: &Value, attr: &str, call: &str) -> Result<(), ProviderError> {
    let Some(text) = v.get_attr(attr).and_then(Value::as_str) else {
        return Ok(());
    };
    let d = hangar_core::duration::parse_length(text)
        .map_err(|e| ProviderError::new(call, format!("{attr}: {e}")))?;
    tokio::time::sleep(d).await;
    Ok(())
}

#[async_trait]
impl ConfiguredProvider for Configured {
    fn region(&self) -> Option<String> {
        None
    }

    async fn create(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError> {
        let planned = req.planned.unwrap_or(Value::NULL);
        sleep_for(&planned, "create_duration", "CreateSleep").await?;
        let mut attrs = planned.as_map().cloned().unwrap_or_default();
        attrs.insert(
            "id".into(),
            Value::String(hangar_core::timestamp::rfc3339_utc(
                std::time::SystemTime::now(),
            )),
        );
        Ok(RemoteObject {
            attrs: Value::Object(attrs),
            region: None,
            deferred: None,
            private: Vec::new(),
        })
    }

    async fn update(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError> {
        let planned = req.planned.unwrap_or(Value::NULL);
        Ok(RemoteObject {
            attrs: planned,
            region: None,
            deferred: None,
            private: Vec::new(),
        })
    }

    async fn delete(&self, req: ApplyRequest) -> Result<(), ProviderError> {
        let prior = req.prior.unwrap_or(Value::NULL);
        sleep_for(&prior, "destroy_duration", "DestroySleep").await
    }

    async fn read(&self, req: ReadRequest) -> Result<Option<RemoteObject>, ProviderError> {
        Ok(Some(RemoteObject {
            attrs: req.prior,
            region: None,
            deferred: None,
            private: Vec::new(),
        }))
    }
}
