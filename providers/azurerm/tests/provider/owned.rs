//! Objects carry the workspace's ownership tags and `list_owned` finds them by workspace.

use hangar_provider::ListOwnedRequest;
use hangar_testkit::lifecycle::{obj, s};

use crate::env::{driver, REGION};

#[tokio::test]
async fn list_owned_finds_the_workspaces_objects_by_tag() {
    let mut d = driver().await;
    d.workspace = "ws-owned".into();
    let g = d.config(
        "azurerm_resource_group",
        obj([("name", "rg-owned".into()), ("location", REGION.into())]),
    );
    let (_, g) = d.apply("azurerm_resource_group", &g, None).await;
    let a = d.config(
        "azurerm_storage_account",
        obj([
            ("name", "hangarsa3".into()),
            ("resource_group_name", "rg-owned".into()),
            ("location", REGION.into()),
            ("account_tier", "Standard".into()),
            ("account_replication_type", "ZRS".into()),
        ]),
    );
    let (_, a) = d.apply("azurerm_storage_account", &a, None).await;
    let c = d.config(
        "azurerm_storage_container",
        obj([
            ("name", "owned".into()),
            ("storage_account_id", s(&a.attrs, "id").into()),
        ]),
    );
    let (_, c) = d.apply("azurerm_storage_container", &c, None).await;
    let types: Vec<String> = [
        "azurerm_resource_group",
        "azurerm_storage_account",
        "azurerm_storage_container",
        "azurerm_kubernetes_cluster",
        "azurerm_kubernetes_cluster_node_pool",
    ]
    .iter()
    .map(|t| t.to_string())
    .collect();
    let found = d
        .provider
        .list_owned(ListOwnedRequest {
            workspace: "ws-owned".into(),
            types: types.clone(),
            regions: vec![],
        })
        .await
        .expect("list_owned");
    assert!(found.skipped.is_empty(), "{:?}", found.skipped);
    let mut ids: Vec<(String, String)> = found
        .objects
        .iter()
        .map(|o| (o.type_name.clone(), o.id.clone()))
        .collect();
    ids.sort();
    let mut want = vec![
        ("azurerm_resource_group".to_string(), s(&g.attrs, "id")),
        ("azurerm_storage_account".to_string(), s(&a.attrs, "id")),
        ("azurerm_storage_container".to_string(), s(&c.attrs, "id")),
    ];
    want.sort();
    assert_eq!(ids, want);
    for o in &found.objects {
        assert_eq!(o.token.as_deref(), Some(d.ctx("x").token.as_str()), "{o:?}");
        assert_eq!(o.region.as_deref(), Some(REGION), "{o:?}");
        assert!(
            o.address
                .as_deref()
                .is_some_and(|a| a.starts_with("azurerm_")),
            "{o:?}"
        );
    }
    // Another workspace's search finds none of them; only the requested types are listed.
    let other = d
        .provider
        .list_owned(ListOwnedRequest {
            workspace: "ws-other".into(),
            types,
            regions: vec![],
        })
        .await
        .expect("list_owned");
    assert!(other.objects.is_empty(), "{:?}", other.objects);
    let only_groups = d
        .provider
        .list_owned(ListOwnedRequest {
            workspace: "ws-owned".into(),
            types: vec!["azurerm_resource_group".into()],
            regions: vec![],
        })
        .await
        .expect("list_owned");
    assert_eq!(only_groups.objects.len(), 1);
    d.destroy("azurerm_resource_group", &g.attrs).await;
}
