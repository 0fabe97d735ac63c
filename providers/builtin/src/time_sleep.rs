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

fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
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
        attrs.insert("id".into(), Value::String(now_rfc3339()));
        Ok(RemoteObject {
            attrs: Value::Object(attrs),
            region: None,
        })
    }

    async fn update(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError> {
        let planned = req.planned.unwrap_or(Value::NULL);
        Ok(RemoteObject {
            attrs: planned,
            region: None,
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
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_are_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_000), (2024, 10, 4));
    }
}
