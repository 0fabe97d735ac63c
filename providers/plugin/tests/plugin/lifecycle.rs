//! The whole lifecycle through the adapter: create, no-op re-plan, update in place, replace,
//! read, drift, import, delete and a data source, over protocols 6 and 5; the schema cache; a
//! slow create; shutdown.

use std::time::{Duration, Instant};

use hangar_core::{Type, Value};
use hangar_provider::{
    ApplyRequest, ConfigureRequest, ImportRequest, Nesting, OperationContext, PlanRequest,
    Provider, ReadDataRequest, ReadRequest, UpgradeRequest,
};
use libtest_mimic::Trial;
use serde_json::json;

use crate::support::{alive, attr, opts, start, trial, v};

pub fn tests() -> Vec<Trial> {
    vec![
        trial("lifecycle_protocol_6", || lifecycle(6)),
        trial("lifecycle_protocol_5", || lifecycle(5)),
        trial("schema_is_cached_per_build", schema_cache),
        trial("slow_create_completes", slow_create),
        trial("upgrade_state_from_older_schema_version", upgrade),
        trial("shutdown_stops_the_process", shutdown),
    ]
}

fn apply_req(
    t: &str,
    prior: Option<Value>,
    planned: Option<Value>,
    config: Option<Value>,
    private: Vec<u8>,
) -> ApplyRequest {
    ApplyRequest {
        type_name: t.into(),
        prior,
        planned,
        context: OperationContext {
            address: format!("{t}.test"),
            workspace: "default".into(),
            token: "tok".into(),
        },
        config,
        private,
    }
}

async fn lifecycle(protocol: u32) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut o = opts(dir.path(), "");
    o.protocols = vec![protocol];
    let p = start(o).await.expect("start");
    assert_eq!(p.protocol(), Some(protocol));
    let schema = p.schema();
    let thing = schema
        .resources
        .get("hangartest_thing")
        .expect("thing schema")
        .clone();
    assert_eq!(thing.version, 1);
    assert_eq!(thing.block.blocks["rule"].nesting, Nesting::List);
    assert_eq!(thing.block.blocks["settings"].nesting, Nesting::Single);
    assert!(thing.block.attributes["secret"].sensitive);
    assert!(thing.block.attributes["id"].computed && !thing.block.attributes["id"].optional);
    assert_eq!(
        thing.block.attributes.contains_key("endpoints"),
        protocol == 6
    );
    assert!(schema.data_sources.contains_key("hangartest_lookup"));
    assert_eq!(p.name(), "hangartest");

    let c = p
        .configure(ConfigureRequest {
            config: v(json!({"region": "eu-test-1", "api_token": "ok"})),
        })
        .await
        .map_err(|d| format!("{d:?}"))
        .expect("configure");
    assert_eq!(c.region().as_deref(), Some("eu-test-1"));

    let mut config = json!({
        "name": "alpha",
        "tags": {"env": "test"},
        "secret": "s3cr3t",
        "rule": [{"port": 80}, {"port": 443, "protocol": "https"}],
        "settings": {"mode": "fast"},
    });
    if protocol == 6 {
        config["endpoints"] = json!([{"url": "https://a.example"}]);
    }
    let cfg = v(config.clone());
    // Create: computed attributes unknown, defaults filled in, secrets marked.
    let plan = c
        .plan(
            &thing,
            PlanRequest {
                type_name: "hangartest_thing".into(),
                prior: None,
                config: cfg.clone(),
                private: vec![],
            },
        )
        .await
        .expect("plan create");
    assert!(attr(&plan.planned, "id").is_unknown());
    assert!(attr(&plan.planned, "size").is_unknown());
    assert_eq!(attr(&plan.planned, "region"), &Value::string("eu-test-1"));
    assert!(matches!(attr(&plan.planned, "secret"), Value::Sensitive(_)));
    let rules = attr(&plan.planned, "rule").as_seq().expect("rules");
    assert_eq!(attr(&rules[0], "protocol"), &Value::string("tcp"));
    assert!(attr(&rules[0], "rule_id").is_unknown());
    assert!(plan.requires_replace.is_empty());
    assert_eq!(plan.private, b"planned-by-test-plugin");

    let created = c
        .create(apply_req(
            "hangartest_thing",
            None,
            Some(plan.planned.clone()),
            Some(cfg.clone()),
            plan.private.clone(),
        ))
        .await
        .expect("create");
    let id = attr(&created.attrs, "id").as_str().expect("id").to_string();
    assert!(id.starts_with("thing-"), "{id}");
    assert_eq!(attr(&created.attrs, "size"), &Value::int(1));
    assert_eq!(created.region.as_deref(), Some("eu-test-1"));
    assert_eq!(created.private, b"applied-by-test-plugin:hangartest_thing");
    assert!(created.attrs.is_wholly_known());
    let rules = attr(&created.attrs, "rule").as_seq().expect("rules");
    assert_eq!(attr(&rules[1], "rule_id"), &Value::string("r-443"));

    // Re-plan with the same configuration: nothing changes, nothing is replaced.
    let again = c
        .plan(
            &thing,
            PlanRequest {
                type_name: "hangartest_thing".into(),
                prior: Some(created.attrs.clone()),
                config: cfg.clone(),
                private: created.private.clone(),
            },
        )
        .await
        .expect("re-plan");
    assert!(
        again.requires_replace.is_empty(),
        "{:?}",
        again.requires_replace
    );
    assert!(
        !hangar_provider::plan::differs(&again.planned, &created.attrs),
        "re-plan differs:\n{:?}\n{:?}",
        again.planned,
        created.attrs
    );
    assert_eq!(
        again.private, created.private,
        "private state passes through"
    );

    // Update in place: tags change; the plugin lists name and region, which did not change.
    let mut config2 = config.clone();
    config2["tags"] = json!({"env": "prod"});
    config2["size"] = json!(5);
    let cfg2 = v(config2.clone());
    let upd = c
        .plan(
            &thing,
            PlanRequest {
                type_name: "hangartest_thing".into(),
                prior: Some(created.attrs.clone()),
                config: cfg2.clone(),
                private: created.private.clone(),
            },
        )
        .await
        .expect("plan update");
    assert!(
        upd.requires_replace.is_empty(),
        "{:?}",
        upd.requires_replace
    );
    assert_eq!(attr(&upd.planned, "id"), &Value::string(id.clone()));
    let updated = c
        .update(apply_req(
            "hangartest_thing",
            Some(created.attrs.clone()),
            Some(upd.planned),
            Some(cfg2.clone()),
            upd.private,
        ))
        .await
        .expect("update");
    assert_eq!(attr(&updated.attrs, "size"), &Value::int(5));
    assert_eq!(attr(&updated.attrs, "id"), &Value::string(id.clone()));

    // Replace: a new name is a replace-forcing change.
    let mut config3 = config2.clone();
    config3["name"] = json!("beta");
    let rep = c
        .plan(
            &thing,
            PlanRequest {
                type_name: "hangartest_thing".into(),
                prior: Some(updated.attrs.clone()),
                config: v(config3.clone()),
                private: updated.private.clone(),
            },
        )
        .await
        .expect("plan replace");
    assert_eq!(rep.requires_replace, vec!["name".to_string()]);

    // Read back, then drift: the object disappears out of band.
    let read = c
        .read(ReadRequest {
            type_name: "hangartest_thing".into(),
            prior: updated.attrs.clone(),
            private: updated.private.clone(),
        })
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(attr(&read.attrs, "tags"), attr(&updated.attrs, "tags"));
    assert!(matches!(attr(&read.attrs, "secret"), Value::Sensitive(_)));

    // A data source finds it by name.
    let data = c
        .read_data(ReadDataRequest {
            type_name: "hangartest_lookup".into(),
            config: v(json!({"name": "alpha"})),
        })
        .await
        .expect("data source");
    assert_eq!(attr(&data.attrs, "id"), &Value::string(id.clone()));
    assert_eq!(attr(&data.attrs, "size"), &Value::int(5));
    let missing = c
        .read_data(ReadDataRequest {
            type_name: "hangartest_lookup".into(),
            config: v(json!({"name": "nope"})),
        })
        .await
        .expect_err("no such thing");
    assert!(
        missing.message.contains("provider hangartest")
            && missing.message.contains("hangartest_lookup")
            && missing
                .message
                .contains("no hangartest_thing is named \"nope\""),
        "{}",
        missing.message
    );

    // Import by id reads the whole object.
    let imported = c
        .import(ImportRequest {
            type_name: "hangartest_thing".into(),
            id: id.clone(),
        })
        .await
        .expect("import");
    assert_eq!(attr(&imported.attrs, "name"), &Value::string("alpha"));
    assert_eq!(attr(&imported.attrs, "size"), &Value::int(5));
    let e = c
        .import(ImportRequest {
            type_name: "hangartest_thing".into(),
            id: "thing-missing".into(),
        })
        .await
        .expect_err("import of nothing");
    assert!(
        e.message
            .contains("Cannot import non-existent remote object"),
        "{}",
        e.message
    );

    // Delete, then the object reads as gone.
    c.delete(apply_req(
        "hangartest_thing",
        Some(updated.attrs.clone()),
        None,
        None,
        updated.private.clone(),
    ))
    .await
    .expect("delete");
    let gone = c
        .read(ReadRequest {
            type_name: "hangartest_thing".into(),
            prior: updated.attrs.clone(),
            private: vec![],
        })
        .await
        .expect("read after delete");
    assert!(gone.is_none());

    // Out-of-band deletion (drift) reads as gone too.
    let other = c
        .plan(
            &thing,
            PlanRequest {
                type_name: "hangartest_thing".into(),
                prior: None,
                config: v(json!({"name": "gamma"})),
                private: vec![],
            },
        )
        .await
        .expect("plan gamma");
    let made = c
        .create(apply_req(
            "hangartest_thing",
            None,
            Some(other.planned),
            None,
            other.private,
        ))
        .await
        .expect("create gamma");
    let gid = attr(&made.attrs, "id").as_str().expect("id").to_string();
    std::fs::remove_file(
        dir.path()
            .join("hangartest_thing")
            .join(format!("{gid}.json")),
    )
    .expect("delete out of band");
    let drift = c
        .read(ReadRequest {
            type_name: "hangartest_thing".into(),
            prior: made.attrs.clone(),
            private: made.private,
        })
        .await
        .expect("read drifted");
    assert!(drift.is_none());
}

async fn schema_cache() {
    let dir = tempfile::tempdir().expect("tmp");
    let cache = dir.path().join("cache");
    let mut o = opts(dir.path(), "");
    o.schema_cache_dir = Some(cache.clone());
    let first = start(o.clone()).await.expect("start");
    assert!(!first.schema_from_cache());
    first.shutdown().await;
    let files: Vec<_> = std::fs::read_dir(&cache).expect("cache dir").collect();
    assert_eq!(files.len(), 1, "one cache file per plugin build");
    let second = start(o.clone()).await.expect("start again");
    assert!(second.schema_from_cache());
    assert_eq!(
        second.schema().resources.keys().collect::<Vec<_>>(),
        first.schema().resources.keys().collect::<Vec<_>>()
    );
    second.shutdown().await;
    // Another build key (a lock-file hash) never reads this entry.
    o.cache_key = Some("h1:another-build".into());
    let third = start(o).await.expect("start with another key");
    assert!(!third.schema_from_cache());
    third.shutdown().await;
}

async fn slow_create() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = start(opts(dir.path(), "")).await.expect("start");
    let slow = p.schema().resources["hangartest_slow"].clone();
    let c = p
        .configure(ConfigureRequest {
            config: v(json!({})),
        })
        .await
        .map_err(|d| format!("{d:?}"))
        .expect("configure");
    let plan = c
        .plan(
            &slow,
            PlanRequest {
                type_name: "hangartest_slow".into(),
                prior: None,
                config: v(json!({"name": "s", "delay_ms": 1500})),
                private: vec![],
            },
        )
        .await
        .expect("plan");
    let t = Instant::now();
    let o = c
        .create(apply_req(
            "hangartest_slow",
            None,
            Some(plan.planned),
            None,
            plan.private,
        ))
        .await
        .expect("slow create");
    assert!(t.elapsed() >= Duration::from_millis(1500));
    assert!(attr(&o.attrs, "id")
        .as_str()
        .is_some_and(|i| i.starts_with("slow-")));
}

async fn upgrade() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = start(opts(dir.path(), "")).await.expect("start");
    let c = p
        .configure(ConfigureRequest {
            config: v(json!({})),
        })
        .await
        .map_err(|d| format!("{d:?}"))
        .expect("configure");
    let up = c
        .upgrade_state(UpgradeRequest {
            type_name: "hangartest_thing".into(),
            version: 0,
            raw: json!({"id": "thing-1", "label": "old"}),
        })
        .await
        .expect("upgrade");
    assert_eq!(attr(&up, "name"), &Value::string("old"));
    assert_eq!(attr(&up, "size"), &Value::Null(Type::Number));
}

async fn shutdown() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = start(opts(dir.path(), "")).await.expect("start");
    let c = p.configure_plugin(&v(json!({}))).await.expect("configure");
    let pid = c.pid().expect("pid");
    assert!(alive(pid));
    // Configuring again starts a second process of the same plugin.
    let c2 = p
        .configure_plugin(&v(json!({"region": "x-2"})))
        .await
        .expect("second configure");
    let pid2 = c2.pid().expect("pid");
    assert_ne!(pid, pid2);
    let t = Instant::now();
    c.shutdown().await;
    assert!(!alive(pid), "plugin {pid} still running after shutdown");
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "graceful shutdown took {:?}",
        t.elapsed()
    );
    drop(c2);
    for _ in 0..50 {
        if !alive(pid2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!alive(pid2), "a dropped plugin is killed");
}
