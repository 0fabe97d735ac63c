//! Waiting for a cloud object to reach a state, with the resource's `timeouts` and clear errors.
//!
//! Shared by every provider (each adds its own [`Pace`]). A waiter checks at once, then polls with a growing pause (capped) until the check reports
//! done, fails, or the time budget is spent. On expiry it fails with code `WaitTimeout`,
//! naming the object, the state it was stuck in, and the `timeouts` argument to raise.

use std::future::Future;
use std::time::{Duration, Instant};

use hangar_core::{Type, Value};

use crate::attrs;
use crate::{AttributeSchema, BlockSchema, NestedBlock, Nesting, ProviderError};

/// Outcome of one check.
#[derive(Debug)]
pub enum Check<T> {
    /// The wait is over.
    Done(T),
    /// Not yet; the object's current state, for the timeout message.
    Pending(String),
}

/// How often to check.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Pause after the first check.
    pub first: Duration,
    /// Longest pause.
    pub max: Duration,
}

/// Waits until `check` is done; fails with its error, or with `WaitTimeout` after `budget`.
/// `what` names the object and goal ("EKS cluster demo to become ACTIVE"); `knob` is the
/// `timeouts` argument that sets the budget.
pub async fn until<T, F, Fut>(
    call: &str,
    what: &str,
    knob: &str,
    budget: Duration,
    pace: Pace,
    mut check: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Check<T>, ProviderError>>,
{
    let start = Instant::now();
    let mut pause = pace.first;
    loop {
        let state = match check().await? {
            Check::Done(t) => return Ok(t),
            Check::Pending(state) => state,
        };
        let spent = start.elapsed();
        if spent >= budget {
            return Err(ProviderError {
                call: call.to_string(),
                code: Some("WaitTimeout".into()),
                message: format!(
                    "timed out after {} waiting for {what} (still {state}); raise \
                     timeouts.{knob} if this is expected to take longer",
                    show(budget)
                ),
            });
        }
        tokio::time::sleep(pause.min(budget - spent)).await;
        pause = (pause * 2).min(pace.max);
    }
}

/// `d` as Go prints a duration (`1h30m0s`, `10m`, `250ms`), for messages.
fn show(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, 0) => format!("{}ms", d.as_millis()),
        (0, 0, sec) => format!("{sec}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, sec) => format!("{m}m{sec}s"),
        (h, m, sec) => format!("{h}h{m}m{sec}s"),
    }
}

/// The `timeouts { create, update, delete }` block of resources that wait.
pub fn timeouts_block() -> NestedBlock {
    timeouts_block_with(&["create", "update", "delete"])
}

/// A `timeouts` block with these knobs.
pub fn timeouts_block_with(knobs: &[&str]) -> NestedBlock {
    let mut b = BlockSchema::default();
    for k in knobs {
        b.attributes.insert(
            k.to_string(),
            AttributeSchema::optional(Type::String).describe("How long to wait, e.g. \"30m\"."),
        );
    }
    NestedBlock {
        nesting: Nesting::Single,
        block: b,
        force_new: false,
    }
}

/// The budget `timeouts.<knob>` of `v` gives, or `default`; fails on a malformed duration.
pub fn budget(v: &Value, knob: &str, default: Duration) -> Result<Duration, ProviderError> {
    let Some(t) = attrs::block(v, "timeouts") else {
        return Ok(default);
    };
    match attrs::string(t, knob) {
        None => Ok(default),
        Some(s) => hangar_core::duration::parse_length(&s)
            .map_err(|e| ProviderError::new("Timeouts", format!("timeouts.{knob}: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_terraform() {
        use hangar_core::duration::parse_length;
        assert_eq!(parse_length("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_length("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_length("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_length("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_length("").is_err());
        assert!(parse_length("10").is_err());
        assert!(parse_length("m").is_err());
        assert!(parse_length("5d").is_err());
        assert_eq!(show(Duration::from_secs(5400)), "1h30m0s");
        assert_eq!(show(Duration::from_secs(600)), "10m");
    }

    const FAST: Pace = Pace {
        first: Duration::from_millis(5),
        max: Duration::from_millis(20),
    };

    #[tokio::test]
    async fn a_wait_that_never_ends_fails_clearly() {
        let mut checks = 0;
        let err = until(
            "WaitForClusterActive",
            "EKS cluster demo to become ACTIVE",
            "create",
            Duration::from_millis(60),
            FAST,
            || {
                checks += 1;
                async { Ok::<Check<()>, ProviderError>(Check::Pending("CREATING".into())) }
            },
        )
        .await
        .expect_err("times out");
        assert_eq!(err.code.as_deref(), Some("WaitTimeout"));
        assert!(err.message.contains("still CREATING"), "{}", err.message);
        assert!(err.message.contains("timeouts.create"), "{}", err.message);
        assert!(checks >= 2, "polled more than once: {checks}");
    }

    #[tokio::test]
    async fn a_wait_ends_when_the_check_is_done_or_fails() {
        let mut n = 0;
        let v = until("W", "x", "create", Duration::from_secs(5), FAST, || {
            n += 1;
            let r = if n < 3 {
                Check::Pending("CREATING".into())
            } else {
                Check::Done(n)
            };
            async move { Ok::<_, ProviderError>(r) }
        })
        .await;
        assert_eq!(v, Ok(3));
        let e = until("W", "x", "create", Duration::from_secs(5), FAST, || async {
            Err::<Check<()>, _>(ProviderError::new("DescribeCluster", "boom"))
        })
        .await;
        assert_eq!(e.expect_err("fails").call, "DescribeCluster");
    }

    #[test]
    fn budgets_come_from_the_timeouts_block() {
        let v = attrs::object([(
            "timeouts",
            attrs::object([("create", Value::string("1m")), ("delete", Value::NULL)]),
        )]);
        let d = Duration::from_secs(7);
        assert_eq!(budget(&v, "create", d), Ok(Duration::from_secs(60)));
        assert_eq!(budget(&v, "delete", d), Ok(d));
        assert_eq!(budget(&Value::NULL, "create", d), Ok(d));
        let bad = attrs::object([("timeouts", attrs::object([("create", Value::string("x"))]))]);
        assert!(budget(&bad, "create", d).is_err());
    }
}
