//! Waiting for a cloud object to reach a state, with the resource's `timeouts` and clear errors.
//!
//! A waiter checks at once, then polls with a growing pause (capped) until the check reports
//! done, fails, or the time budget is spent. On expiry it fails with code `WaitTimeout`,
//! naming the object, the state it was stuck in, and the `timeouts` argument to raise.

use std::future::Future;
use std::time::{Duration, Instant};

use hangar_core::{Type, Value};
use hangar_provider::{AttributeSchema, BlockSchema, NestedBlock, Nesting, ProviderError};

use crate::attrs;

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

impl Pace {
    /// Polling fit for GKE operations (minutes), as Terraform's google provider polls.
    pub const GKE: Pace = Pace {
        first: Duration::from_millis(500),
        max: Duration::from_secs(10),
    };
}

/// Waits until `check` is done; fails with its error, or with `WaitTimeout` after `budget`.
/// `what` names the object and goal ("GKE operation op-1 to finish"); `knob` is the
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

/// Terraform's duration syntax: a sequence of number+unit, units `h`, `m`, `s`, `ms`
/// (`"30m"`, `"1h30m"`, `"90s"`); fails on anything else.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("\"{s}\" is not a duration such as \"30m\", \"1h30m\" or \"90s\"");
    let mut total = Duration::ZERO;
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let n: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let secs = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += Duration::from_secs_f64(n * secs);
    }
    Ok(total)
}

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
    let mut b = BlockSchema::default();
    for k in ["create", "update", "delete"] {
        b.attributes.insert(
            k.into(),
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
        Some(s) => parse_duration(&s)
            .map_err(|e| ProviderError::new("Timeouts", format!("timeouts.{knob}: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_terraform() {
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5d").is_err());
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
            "container.operations.get",
            "GKE operation op-1 to finish",
            "create",
            Duration::from_millis(60),
            FAST,
            || {
                checks += 1;
                async { Ok::<Check<()>, ProviderError>(Check::Pending("RUNNING".into())) }
            },
        )
        .await
        .expect_err("times out");
        assert_eq!(err.code.as_deref(), Some("WaitTimeout"));
        assert!(err.message.contains("still RUNNING"), "{}", err.message);
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
            Err::<Check<()>, _>(ProviderError::new("container.clusters.get", "boom"))
        })
        .await;
        assert_eq!(e.expect_err("fails").call, "container.clusters.get");
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
