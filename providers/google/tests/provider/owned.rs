//! `list_owned` finds objects by their ownership labels, per type and region.

use hangar_core::Value;
use hangar_provider::ListOwnedRequest;
use hangar_testkit::lifecycle::{obj, s};

use crate::support::{cluster_config, driver, unique};

#[tokio::test]
async fn owned_clusters_and_pools_are_listed_by_workspace_and_region() {
    let d = driver().await;
    let name = unique("c");
    let (_, cluster) = d
        .apply(
            "google_container_cluster",
            &d.config("google_container_cluster", cluster_config(&name, &[])),
            None,
        )
        .await;
    let pool = d.config(
        "google_container_node_pool",
        obj([
            ("name", Value::string("owned")),
            ("cluster", Value::string(s(&cluster.attrs, "id"))),
        ]),
    );
    let (_, pool) = d.apply("google_container_node_pool", &pool, None).await;
    let types = vec![
        "google_container_cluster".to_string(),
        "google_container_node_pool".to_string(),
        "google_storage_bucket".to_string(),
    ];
    let found = d
        .provider
        .list_owned(ListOwnedRequest {
            workspace: "default".into(),
            types: types.clone(),
            regions: vec![],
        })
        .await
        .expect("list");
    assert!(found.skipped.is_empty(), "{:?}", found.skipped);
    let cid = s(&cluster.attrs, "id");
    let c = found
        .objects
        .iter()
        .find(|o| o.id == cid)
        .expect("cluster found");
    assert_eq!(c.address.as_deref(), Some("google_container_cluster.test"));
    assert_eq!(c.region.as_deref(), Some("europe-west3"));
    assert!(c.token.is_some());
    let p = found
        .objects
        .iter()
        .find(|o| o.id == s(&pool.attrs, "id"))
        .expect("pool found");
    assert_eq!(p.type_name, "google_container_node_pool");
    assert_eq!(
        p.address.as_deref(),
        Some("google_container_node_pool.test")
    );

    let other = d
        .provider
        .list_owned(ListOwnedRequest {
            workspace: "someone-else".into(),
            types: types.clone(),
            regions: vec![],
        })
        .await
        .expect("list");
    assert!(other.objects.iter().all(|o| o.id != cid));
    let elsewhere = d
        .provider
        .list_owned(ListOwnedRequest {
            workspace: "default".into(),
            types: types.clone(),
            regions: vec!["us-central1".into()],
        })
        .await
        .expect("list");
    assert!(
        elsewhere.objects.iter().all(|o| o.id != cid),
        "region filter"
    );
    let only_buckets = d
        .provider
        .list_owned(ListOwnedRequest {
            workspace: "default".into(),
            types: vec!["google_storage_bucket".into()],
            regions: vec![],
        })
        .await
        .expect("list");
    assert!(only_buckets
        .objects
        .iter()
        .all(|o| o.type_name == "google_storage_bucket"));
    d.destroy("google_container_node_pool", &pool.attrs).await;
    d.destroy("google_container_cluster", &cluster.attrs).await;
}

#[tokio::test]
async fn a_type_that_cannot_be_listed_is_skipped_not_failed() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let d = hangar_testkit::lifecycle::Driver::new(
        &hangar_provider_google::GoogleProvider,
        &crate::support::block(
            "EUROPE-WEST3",
            &[(
                "container_custom_endpoint",
                Value::string(format!("http://127.0.0.1:{port}/v1/")),
            )],
        ),
        "europe-west3",
    )
    .await;
    let found = d
        .provider
        .list_owned(ListOwnedRequest {
            workspace: "default".into(),
            types: vec![
                "google_container_cluster".into(),
                "google_storage_bucket".into(),
            ],
            regions: vec![],
        })
        .await
        .expect("the search as a whole succeeds");
    assert_eq!(found.skipped.len(), 1, "{:?}", found.skipped);
    assert!(found.skipped[0].call.contains("clusters.list"));
}
