//! The `time` provider's `time_sleep`: waits on create and on destroy.
//!
//! Durations use Terraform's syntax (`30s`, `1m30s`, `1.5h`, `250ms`). Changing `triggers`
//! replaces the resource (so it sleeps again); `id` is the creation time in RFC 3339.

use std::time::Duration;

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

/// Parses a Go-style duration (`1h2m3.5s`, `250ms`); `None` when malformed.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let mut total = 0f64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * scale;
    }
    Some(Duration::from_secs_f64(total))
}

async fn sleep_for(v: &Value, attr: &str, call: &str) -> Result<(), ProviderError> {
    let Some(text) = v.get_attr(attr).and_then(Value::as_str) else {
        return Ok(());
    };
    let d = parse_duration(text).ok_or_else(|| {
        ProviderError::new(
            call,
            format!("{attr} {text:?} is not a valid duration (e.g. 30s, 1m)"),
        )
    })?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_go() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("abc"), None);
        assert_eq!(parse_duration("10"), None);
    }

    #[test]
    fn civil_dates_are_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_000), (2024, 10, 4));
    }
}
