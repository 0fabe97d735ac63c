//! `google_container_cluster` and `google_container_node_pool` against the GKE test server.

use hangar_core::Value;
use hangar_testkit::lifecycle::{lifecycle, obj, s, Action, Case};

use crate::support::{cluster_config, driver, gke, labels, unique, PROJECT, REGION};

#[tokio::test]
async fn cluster_lifecycle() {
    let d = driver().await;
    let (a, b) = (unique("c"), unique("c"));
    let nc = || obj([("machine_type", Value::string("e2-standard-2"))]);
    lifecycle(
        &d,
        Case {
            ty: "google_container_cluster",
            create: cluster_config(
                &a,
                &[
                    ("resource_labels", labels(&[("env", "test")])),
                    ("node_config", nc()),
                ],
            ),
            update: cluster_config(
                &a,
                &[
                    (
                        "resource_labels",
                        labels(&[("env", "prod"), ("team", "data")]),
                    ),
                    ("min_master_version", Value::string("1.31.1-gke.1146000")),
                    ("node_config", nc()),
                ],
            ),
            replace: cluster_config(&b, &[("node_config", nc())]),
            config_only: &[
                "deletion_protection",
                "remove_default_node_pool",
                "min_master_version",
                "timeouts",
            ],
            gone_after_destroy: true,
        },
        async |state: &Value| {
            assert!(gke().remove_cluster(PROJECT, REGION, &s(state, "name")));
        },
    )
    .await;
}

#[tokio::test]
async fn node_pool_lifecycle() {
    let d = driver().await;
    let name = unique("c");
    let (_, cluster) = d
        .apply(
            "google_container_cluster",
            &d.config("google_container_cluster", cluster_config(&name, &[])),
            None,
        )
        .await;
    let cluster_id = s(&cluster.attrs, "id");
    let pool = unique("pool");
    let cfg = |count: i64, machine: &str, extra: &[(&str, Value)]| {
        let mut m = std::collections::BTreeMap::from([
            ("name".to_string(), Value::string(&pool)),
            ("cluster".to_string(), Value::string(&cluster_id)),
            ("node_count".to_string(), Value::int(count)),
        ]);
        let mut nc = std::collections::BTreeMap::from([(
            "machine_type".to_string(),
            Value::string(machine),
        )]);
        for (k, v) in extra {
            if k.starts_with("nc.") {
                nc.insert(k.trim_start_matches("nc.").to_string(), v.clone());
            } else {
                m.insert(k.to_string(), v.clone());
            }
        }
        m.insert("node_config".into(), Value::Object(nc));
        Value::Object(m)
    };
    lifecycle(
        &d,
        Case {
            ty: "google_container_node_pool",
            create: cfg(
                1,
                "e2-standard-4",
                &[("nc.labels", labels(&[("role", "data")]))],
            ),
            update: cfg(
                2,
                "e2-standard-4",
                &[
                    ("nc.labels", labels(&[("role", "data"), ("tier", "a")])),
                    (
                        "management",
                        obj([
                            ("auto_repair", Value::Bool(true)),
                            ("auto_upgrade", Value::Bool(false)),
                        ]),
                    ),
                ],
            ),
            replace: cfg(2, "e2-standard-8", &[]),
            // Import knows the cluster by name; the plan takes that as the same cluster.
            config_only: &["timeouts", "cluster"],
            gone_after_destroy: true,
        },
        async |state: &Value| {
            assert!(gke().remove_node_pool(PROJECT, REGION, &name, &s(state, "name")));
        },
    )
    .await;
    d.destroy("google_container_cluster", &cluster.attrs).await;
}

#[tokio::test]
async fn ownership_labels_stay_out_of_resource_labels_and_drift_is_seen() {
    let d = driver().await;
    let name = unique("c");
    let config = d.config(
        "google_container_cluster",
        cluster_config(&name, &[("resource_labels", labels(&[("env", "test")]))]),
    );
    let (_, created) = d.apply("google_container_cluster", &config, None).await;
    let user = created.attrs.get_attr("resource_labels").cloned();
    assert_eq!(
        user,
        Some(Value::Map(
            [("env".to_string(), Value::string("test"))].into()
        ))
    );
    let all = hangar_provider_google::attrs::string_map(&created.attrs, "effective_labels");
    assert_eq!(
        hangar_provider_google::labels::get(&all, "address").as_deref(),
        Some("google_container_cluster.test")
    );
    assert_eq!(
        hangar_provider_google::labels::get(&all, "workspace").as_deref(),
        Some("default")
    );
    // Someone changes a label in the console: the read shows it, the plan puts it back.
    assert!(gke().edit_cluster(PROJECT, REGION, &name, |c| {
        c.resource_labels
            .get_or_insert_with(Default::default)
            .insert("env".into(), "hacked".into());
    }));
    let read = d
        .read("google_container_cluster", &created.attrs)
        .await
        .expect("exists");
    assert_eq!(
        hangar_provider_google::attrs::string_map(&read, "resource_labels")["env"],
        "hacked"
    );
    let (action, _) = d
        .plan("google_container_cluster", &config, Some(&read))
        .await;
    assert_eq!(action, Action::Update);
    let (_, fixed) = d
        .apply("google_container_cluster", &config, Some(&read))
        .await;
    assert_eq!(
        hangar_provider_google::attrs::string_map(&fixed.attrs, "resource_labels")["env"],
        "test"
    );
    d.destroy("google_container_cluster", &fixed.attrs).await;
}

#[tokio::test]
async fn location_defaults_to_the_provider_and_a_pool_follows_its_cluster_id() {
    let d = driver().await;
    let name = unique("c");
    let mut cfg = cluster_config(&name, &[]);
    if let Value::Object(m) = &mut cfg {
        m.remove("location");
    }
    let (_, plan) = d
        .plan(
            "google_container_cluster",
            &d.config("google_container_cluster", cfg),
            None,
        )
        .await;
    assert_eq!(s(&plan.planned, "location"), REGION);
    assert_eq!(s(&plan.planned, "project"), PROJECT);
    let pool = d.config(
        "google_container_node_pool",
        obj([(
            "cluster",
            Value::string(format!(
                "projects/other-project/locations/europe-west3-a/clusters/{name}"
            )),
        )]),
    );
    let (_, plan) = d.plan("google_container_node_pool", &pool, None).await;
    assert_eq!(s(&plan.planned, "location"), "europe-west3-a");
    assert_eq!(s(&plan.planned, "project"), "other-project");
}
