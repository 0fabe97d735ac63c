//! Timeouts and errors: the `timeouts { create, read, update, delete }` block (the shared
//! waiter's budgets, in Go's duration syntax), and the mapping of the Azure client's errors to [`ProviderError`]s that name the
//! call, ARM's (or Blob Storage's) error code and message, and the resource id.

use std::time::Duration;

use hangar_azurerm_client::arm::Wait;
use hangar_azurerm_client::Error;
use hangar_core::Value;
use hangar_provider::ProviderError;

pub use hangar_provider::wait::budget;

/// The `timeouts { create, read, update, delete }` block.
pub fn timeouts_block() -> hangar_provider::NestedBlock {
    hangar_provider::wait::timeouts_block_with(&["create", "read", "update", "delete"])
}

/// Checks every knob of `v`'s `timeouts` block at plan time.
pub fn check_timeouts(v: &Value) -> Result<(), ProviderError> {
    for knob in ["create", "read", "update", "delete"] {
        budget(v, knob, Duration::ZERO)?;
    }
    Ok(())
}

/// A wait for `what` with `timeouts.<knob>` of `v` (or `default`).
pub fn wait(v: &Value, knob: &str, default: Duration, what: String) -> Result<Wait, ProviderError> {
    Ok(Wait {
        what,
        budget: budget(v, knob, default)?,
    })
}

/// `e` from `call` on `id`, as the engine shows it: the call, Azure's code, and a message that
/// names the id (and, for timeouts, the `timeouts` knob to raise).
pub fn fail(call: &str, id: &str, knob: &str, e: Error) -> ProviderError {
    let code = e.code().map(str::to_string);
    let message = match &e {
        Error::Timeout { .. } => {
            format!("{id}: {e}; raise timeouts.{knob} if this is expected to take longer")
        }
        Error::Service { message, .. } => format!("{id}: {message}"),
        Error::OperationFailed {
            what,
            state,
            message,
            ..
        } => {
            format!("{id}: {what} ended {state}: {message}")
        }
        other => format!("{id}: {other}"),
    };
    ProviderError {
        call: call.to_string(),
        code,
        message,
    }
}

/// A refusal the provider raises itself.
pub fn refuse(call: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::new(call, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_budgets() {
        use crate::attrs;
        use hangar_core::duration::parse_length as parse_duration;
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("5d").is_err());
        let v = attrs::object([("timeouts", attrs::object([("create", Value::string("2m"))]))]);
        assert_eq!(
            budget(&v, "create", Duration::from_secs(1)),
            Ok(Duration::from_secs(120))
        );
        assert_eq!(
            budget(&v, "delete", Duration::from_secs(1)),
            Ok(Duration::from_secs(1))
        );
        let bad = attrs::object([("timeouts", attrs::object([("update", Value::string("x"))]))]);
        assert!(check_timeouts(&bad).is_err());
    }

    #[test]
    fn errors_name_the_id_code_and_knob() {
        let e = fail(
            "ManagedClusters.CreateOrUpdate",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c",
            "create",
            Error::Timeout {
                what: "creation".into(),
                state: "Creating".into(),
                budget: Duration::from_secs(5),
            },
        );
        assert_eq!(e.code.as_deref(), Some("WaitTimeout"));
        assert!(e.message.contains("timeouts.create"), "{}", e.message);
        assert!(e.message.contains("managedClusters/c"), "{}", e.message);
        let e = fail(
            "ResourceGroups.Get",
            "/x",
            "read",
            Error::Service {
                status: 403,
                code: Some("AuthorizationFailed".into()),
                message: "no access".into(),
            },
        );
        assert_eq!(e.code.as_deref(), Some("AuthorizationFailed"));
        assert_eq!(e.message, "/x: no access");
    }
}
