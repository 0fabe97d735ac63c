//! Errors carry the API method, Google's code and Google's message (the engine adds the
//! address); operations that end in error and refusals are reported the same way.

use hangar_core::Value;
use hangar_provider::{ApplyRequest, ConfigureRequest, Provider};
use hangar_provider_google::GoogleProvider;
use hangar_testkit::lifecycle::{obj, shape, Driver};

use crate::support::{block, cluster_config, driver, gke, isolate, unique, REGION};

async fn create(
    d: &Driver,
    ty: &str,
    config: Value,
) -> Result<hangar_provider::RemoteObject, hangar_provider::ProviderError> {
    let (_, plan) = d.plan(ty, &d.config(ty, config), None).await;
    d.provider
        .create(ApplyRequest {
            config: None,
            private: Vec::new(),
            type_name: ty.into(),
            prior: None,
            planned: Some(plan.planned),
            context: d.ctx(ty),
        })
        .await
}

#[tokio::test]
async fn google_errors_carry_method_code_and_message() {
    let d = driver().await;
    let err = create(
        &d,
        "google_storage_bucket",
        obj([
            ("name", Value::string("x")),
            ("location", Value::string("EU")),
        ]),
    )
    .await
    .expect_err("invalid name");
    assert_eq!(err.call, "storage.buckets.insert");
    assert!(err.code.is_some(), "{err:?}");
    assert!(
        err.message.contains("bucket x") && err.message.contains("HTTP 400"),
        "{err:?}"
    );

    let name = unique("c");
    let created = create(&d, "google_container_cluster", cluster_config(&name, &[]))
        .await
        .expect("first create");
    let err = create(&d, "google_container_cluster", cluster_config(&name, &[]))
        .await
        .expect_err("duplicate");
    assert_eq!(err.call, "container.projects.locations.clusters.create");
    assert_eq!(err.code.as_deref(), Some("ALREADY_EXISTS"));
    assert!(
        err.message.contains("Already exists") && err.message.contains("HTTP 409"),
        "{err:?}"
    );
    d.destroy("google_container_cluster", &created.attrs).await;

    let err = d
        .import("google_container_cluster", &format!("{REGION}/ghost"))
        .await
        .expect_err("missing");
    assert_eq!(err.code.as_deref(), Some("NOT_FOUND"));
    let err = d
        .import("google_storage_bucket", &unique("ghost"))
        .await
        .expect_err("missing");
    assert_eq!(err.code.as_deref(), Some("notFound"));
    let err = d
        .import("google_container_node_pool", "nonsense")
        .await
        .expect_err("bad id");
    assert!(err.message.contains("not a node pool id"), "{err:?}");
}

#[tokio::test]
async fn an_operation_that_ends_in_error_fails_the_apply() {
    let d = driver().await;
    let name = unique("c");
    gke().fail_next_operation(
        &name,
        8,
        "Insufficient regional quota to satisfy request: CPUS",
    );
    let err = create(&d, "google_container_cluster", cluster_config(&name, &[]))
        .await
        .expect_err("operation fails");
    assert_eq!(err.code.as_deref(), Some("RESOURCE_EXHAUSTED"), "{err:?}");
    assert!(
        err.message.contains("Insufficient regional quota"),
        "{err:?}"
    );
    assert!(err.message.contains(&format!("clusters/{name}")), "{err:?}");
    assert!(err.message.contains("CREATE_CLUSTER"), "{err:?}");
    // The failed cluster is there in status ERROR; a destroy removes it.
    let state = obj([
        (
            "id",
            Value::string(format!(
                "projects/hangar-test/locations/{REGION}/clusters/{name}"
            )),
        ),
        ("deletion_protection", Value::Bool(false)),
    ]);
    d.destroy("google_container_cluster", &state).await;
}

#[tokio::test]
async fn deletion_protection_refuses_to_destroy() {
    let d = driver().await;
    let name = unique("c");
    let mut cfg = cluster_config(&name, &[]);
    if let Value::Object(m) = &mut cfg {
        m.remove("deletion_protection");
    }
    let (_, created) = d
        .apply(
            "google_container_cluster",
            &d.config("google_container_cluster", cfg),
            None,
        )
        .await;
    assert_eq!(
        created.attrs.get_attr("deletion_protection"),
        Some(&Value::Bool(true))
    );
    let err = d
        .provider
        .delete(ApplyRequest {
            config: None,
            private: Vec::new(),
            type_name: "google_container_cluster".into(),
            prior: Some(created.attrs.clone()),
            planned: None,
            context: d.ctx("google_container_cluster"),
        })
        .await
        .expect_err("protected");
    assert!(err.message.contains("deletion_protection"), "{err:?}");
    assert!(gke().remove_cluster("hangar-test", REGION, &name));
}

#[tokio::test]
async fn unreachable_endpoints_fail_without_a_code() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let url = format!("http://127.0.0.1:{port}/storage/v1/");
    let d = Driver::new(
        &GoogleProvider,
        &block(
            "EUROPE-WEST3",
            &[("storage_custom_endpoint", Value::string(&url))],
        ),
        REGION,
    )
    .await;
    let err = d
        .import("google_storage_bucket", "b-unreachable")
        .await
        .expect_err("refused");
    assert_eq!(err.code, None);
    assert!(
        err.message.contains(&format!("127.0.0.1:{port}")),
        "{err:?}"
    );
}

#[tokio::test]
async fn configuration_mistakes_and_missing_credentials_are_diagnostics() {
    isolate();
    let p = GoogleProvider;
    let schema = p.schema();
    let bad = shape(
        &schema.provider,
        &obj([
            ("project", Value::string("p")),
            ("access_token", Value::string("t")),
            ("container_custom_endpoint", Value::string("127.0.0.1:1")),
        ]),
    );
    let Err(d) = p.configure(ConfigureRequest { config: bad }).await else {
        panic!("invalid endpoint accepted");
    };
    assert!(
        format!("{d:?}").contains("container_custom_endpoint"),
        "{d:?}"
    );
    // Without credentials the provider configures (a configuration may declare a provider it
    // never calls) and every call fails before any request, saying what to set.
    let none = shape(
        &schema.provider,
        &obj([
            ("project", Value::string("p")),
            (
                "storage_custom_endpoint",
                Value::string("http://127.0.0.1:9/storage/v1/"),
            ),
        ]),
    );
    let configured = match p.configure(ConfigureRequest { config: none }).await {
        Ok(c) => c,
        Err(d) => panic!("configure failed: {d:?}"),
    };
    let err = configured
        .import(hangar_provider::ImportRequest {
            type_name: "google_storage_bucket".into(),
            id: "b".into(),
        })
        .await
        .expect_err("no credentials");
    assert!(err.message.contains("no google credentials"), "{err:?}");
    assert!(
        err.message.contains("GOOGLE_APPLICATION_CREDENTIALS"),
        "{err:?}"
    );
    let bad_key = shape(
        &schema.provider,
        &obj([
            ("project", Value::string("p")),
            ("credentials", Value::string("/nonexistent/key.json")),
        ]),
    );
    let Err(d) = p.configure(ConfigureRequest { config: bad_key }).await else {
        panic!("configured with an unreadable key file");
    };
    assert!(format!("{d:?}").contains("/nonexistent/key.json"), "{d:?}");
}
