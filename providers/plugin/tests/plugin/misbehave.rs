//! Every bad-input case gives a clear error naming the provider (and the resource type).

use std::time::{Duration, Instant};

use hangar_provider::{ApplyRequest, ConfigureRequest, OperationContext, PlanRequest, Provider};
use hangar_provider_plugin::PluginError;
use libtest_mimic::Trial;
use serde_json::json;

use crate::support::{alive, opts, start, trial, v};

pub fn tests() -> Vec<Trial> {
    vec![
        trial("bad_handshake_line", bad_handshake),
        trial("wrong_protocol_version", wrong_version),
        trial("exit_before_handshake", exit_on_start),
        trial("hang_before_handshake_times_out", hang_on_start),
        trial("crash_mid_apply_keeps_finished_operations", crash_on_apply),
        trial("hang_in_apply_times_out", hang_on_apply),
        trial("value_not_matching_schema", bad_value),
        trial("plugin_diagnostics_become_errors", diagnostics),
        trial("missing_executable", missing_executable),
    ]
}

async fn start_err(
    mode: &str,
    f: impl FnOnce(&mut hangar_provider_plugin::PluginOptions),
) -> PluginError {
    let dir = tempfile::tempdir().expect("tmp");
    let mut o = opts(dir.path(), mode);
    f(&mut o);
    match start(o).await {
        Ok(_) => panic!("mode {mode}: the plugin started"),
        Err(e) => e,
    }
}

async fn bad_handshake() {
    let e = start_err("bad-handshake", |_| {}).await;
    let m = e.to_string();
    assert!(matches!(e, PluginError::Handshake { .. }), "{m}");
    assert!(m.starts_with("provider hangartest: bad plugin handshake: malformed handshake line \"hello from a plugin"), "{m}");
}

async fn wrong_version() {
    let e = start_err("wrong-version", |_| {}).await.to_string();
    assert!(
        e.contains("provider hangartest")
            && e.contains("chose protocol version \"4\", but Hangar offered [6, 5]"),
        "{e}"
    );
}

async fn exit_on_start() {
    let e = start_err("exit-on-start", |_| {}).await.to_string();
    assert!(
        e.contains(
            "provider hangartest: plugin exited (exit status 3) before completing the handshake"
        ),
        "{e}"
    );
    assert!(
        e.contains("fatal: test plugin refuses to start"),
        "stderr is shown: {e}"
    );
}

async fn hang_on_start() {
    let t = Instant::now();
    let e = start_err("hang-on-start", |o| {
        o.start_timeout = Duration::from_secs(2)
    })
    .await
    .to_string();
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(
        e.contains("provider hangartest: plugin printed no handshake within 2s"),
        "{e}"
    );
    assert!(e.contains("hanging before the handshake"), "{e}");
}

fn apply(t: &str, planned: hangar_core::Value, private: Vec<u8>) -> ApplyRequest {
    ApplyRequest {
        type_name: t.into(),
        prior: None,
        planned: Some(planned),
        context: OperationContext::default(),
        config: None,
        private,
    }
}

async fn crash_on_apply() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = start(opts(dir.path(), "crash-on-apply:boom"))
        .await
        .expect("start");
    let pid = p.pid().expect("pid");
    let thing = p.schema().resources["hangartest_thing"].clone();
    let c = p
        .configure(ConfigureRequest {
            config: v(json!({})),
        })
        .await
        .map_err(|d| format!("{d:?}"))
        .expect("configure");
    // An operation before the crash finishes and its object stays.
    let ok = c
        .plan(
            &thing,
            PlanRequest {
                type_name: "hangartest_thing".into(),
                prior: None,
                config: v(json!({"name": "fine"})),
                private: vec![],
            },
        )
        .await
        .expect("plan");
    let done = c
        .create(apply("hangartest_thing", ok.planned, ok.private))
        .await
        .expect("create before the crash");
    let boom = c
        .plan(
            &thing,
            PlanRequest {
                type_name: "hangartest_thing".into(),
                prior: None,
                config: v(json!({"name": "boom"})),
                private: vec![],
            },
        )
        .await
        .expect("plan");
    let e = c
        .create(apply("hangartest_thing", boom.planned, boom.private))
        .await
        .expect_err("crash");
    assert_eq!(e.call, "ApplyResourceChange");
    assert!(
        e.message.contains(
            "provider hangartest: the plugin crashed during ApplyResourceChange (exit status 2)"
        ),
        "{}",
        e.message
    );
    assert!(
        e.message
            .contains("panic: test plugin crashed while applying hangartest_thing \"boom\""),
        "{}",
        e.message
    );
    assert!(!alive(pid));
    let id = done
        .attrs
        .get_attr("id")
        .and_then(|i| i.as_str())
        .expect("id");
    assert!(
        dir.path()
            .join("hangartest_thing")
            .join(format!("{id}.json"))
            .exists(),
        "the finished create is kept"
    );
}

async fn hang_on_apply() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut o = opts(dir.path(), "hang-on-apply");
    o.call_timeout = Some(Duration::from_secs(2));
    let p = start(o).await.expect("start");
    let thing = p.schema().resources["hangartest_thing"].clone();
    let c = p
        .configure(ConfigureRequest {
            config: v(json!({})),
        })
        .await
        .map_err(|d| format!("{d:?}"))
        .expect("configure");
    let plan = c
        .plan(
            &thing,
            PlanRequest {
                type_name: "hangartest_thing".into(),
                prior: None,
                config: v(json!({"name": "h"})),
                private: vec![],
            },
        )
        .await
        .expect("plan");
    let t = Instant::now();
    let e = c
        .create(apply("hangartest_thing", plan.planned, plan.private))
        .await
        .expect_err("hang");
    assert!(t.elapsed() < Duration::from_secs(6));
    assert!(
        e.message.contains(
            "provider hangartest: the plugin did not answer ApplyResourceChange within 2s"
        ),
        "{}",
        e.message
    );
}

async fn bad_value() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = start(opts(dir.path(), "bad-value")).await.expect("start");
    let thing = p.schema().resources["hangartest_thing"].clone();
    let c = p
        .configure(ConfigureRequest {
            config: v(json!({})),
        })
        .await
        .map_err(|d| format!("{d:?}"))
        .expect("configure");
    let plan = c
        .plan(
            &thing,
            PlanRequest {
                type_name: "hangartest_thing".into(),
                prior: None,
                config: v(json!({"name": "b"})),
                private: vec![],
            },
        )
        .await
        .expect("plan");
    let e = c
        .create(apply("hangartest_thing", plan.planned, plan.private))
        .await
        .expect_err("bad value");
    assert_eq!(
        e.message,
        "provider hangartest: ApplyResourceChange for hangartest_thing: the plugin's new state does not match the schema: unsupported attribute \"bogus\""
    );
}

async fn diagnostics() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = start(opts(dir.path(), "")).await.expect("start");
    let thing = p.schema().resources["hangartest_thing"].clone();
    let d = p
        .configure(ConfigureRequest {
            config: v(json!({"api_token": "reject"})),
        })
        .await
        .err()
        .expect("rejected");
    let text = format!("{d:?}");
    assert!(
        text.contains("Failed to configure provider hangartest")
            && text.contains("Invalid credentials: the api_token was rejected (at api_token)"),
        "{text}"
    );
    let p = start(opts(dir.path(), "")).await.expect("start");
    let c = p
        .configure(ConfigureRequest {
            config: v(json!({})),
        })
        .await
        .map_err(|d| format!("{d:?}"))
        .expect("configure");
    let e = c
        .plan(
            &thing,
            PlanRequest {
                type_name: "hangartest_thing".into(),
                prior: None,
                config: v(json!({"name": "n", "size": -1})),
                private: vec![],
            },
        )
        .await
        .expect_err("invalid");
    assert_eq!(e.message, "provider hangartest: ValidateResourceConfig for hangartest_thing: Invalid size: size must not be negative (at size)");
    let e = c
        .plan(
            &thing,
            PlanRequest {
                type_name: "hangartest_nothing".into(),
                prior: None,
                config: v(json!({})),
                private: vec![],
            },
        )
        .await
        .expect_err("unknown type");
    assert_eq!(
        e.message,
        "provider hangartest: the plugin has no resource type hangartest_nothing"
    );
    let e = c
        .plan(
            &thing,
            PlanRequest {
                type_name: "hangartest_thing".into(),
                prior: None,
                config: v(json!({"name": "n", "colour": "red"})),
                private: vec![],
            },
        )
        .await
        .expect_err("extra attribute");
    assert!(
        e.message.contains("hangartest_thing")
            && e.message.contains("unsupported attribute \"colour\""),
        "{}",
        e.message
    );
}

async fn missing_executable() {
    let o = hangar_provider_plugin::PluginOptions {
        name: "nothere".into(),
        ..Default::default()
    };
    let e = hangar_provider_plugin::PluginHost::start("/nonexistent/terraform-provider-nothere", o)
        .await
        .err()
        .expect("fails")
        .to_string();
    assert!(
        e.starts_with(
            "provider nothere: cannot start plugin /nonexistent/terraform-provider-nothere"
        ),
        "{e}"
    );
}
