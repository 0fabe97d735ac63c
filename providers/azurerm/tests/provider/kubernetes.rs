//! AKS clusters and node pools through the lifecycle suite.

use hangar_core::Value;
use hangar_provider_azurerm::api;
use hangar_testkit::lifecycle::{lifecycle, list, obj, s, tags, Action, Case};

use crate::env::{delete_behind, driver, group, REGION};

fn cluster(name: &str, dns: &str, version: &str, nodes: i64, env: &str) -> Value {
    obj([
        ("name", name.into()),
        ("location", REGION.into()),
        ("resource_group_name", "rg-aks".into()),
        ("dns_prefix", dns.into()),
        ("kubernetes_version", version.into()),
        (
            "default_node_pool",
            list([obj([
                ("name", "system".into()),
                ("node_count", Value::int(nodes)),
                ("vm_size", "Standard_D2s_v3".into()),
            ])]),
        ),
        ("identity", list([obj([("type", "SystemAssigned".into())])])),
        ("tags", tags(&[("env", env)])),
        (
            "timeouts",
            obj([("create", "2m".into()), ("delete", "2m".into())]),
        ),
    ])
}

#[tokio::test]
async fn cluster_lifecycle() {
    let d = driver().await;
    let g = group(&d, "rg-aks").await;
    lifecycle(
        &d,
        Case {
            ty: "azurerm_kubernetes_cluster",
            create: cluster("aks", "aks", "1.29.9", 1, "dev"),
            update: cluster("aks", "aks", "1.30.5", 2, "prod"),
            replace: cluster("aks", "aks-b", "1.30.5", 2, "prod"),
            config_only: &["timeouts"],
            gone_after_destroy: true,
        },
        async |state: &Value| delete_behind(&s(state, "id"), api::KUBERNETES).await,
    )
    .await;
    // Computed attributes come from ARM; a subnet change replaces.
    let c = d.config(
        "azurerm_kubernetes_cluster",
        cluster("aks2", "aks2", "1.29.9", 1, "dev"),
    );
    let (_, made) = d.apply("azurerm_kubernetes_cluster", &c, None).await;
    let st = made.attrs;
    assert!(
        s(&st, "fqdn").ends_with(".hcp.germanywestcentral.azmk8s.io"),
        "{}",
        s(&st, "fqdn")
    );
    assert_eq!(
        s(&st, "node_resource_group"),
        "MC_rg-aks_aks2_germanywestcentral"
    );
    assert!(s(&st, "kube_config_raw").contains("server: https://"));
    let mut other = cluster("aks2", "aks2", "1.29.9", 1, "dev");
    if let Value::Object(m) = &mut other {
        m.insert(
            "default_node_pool".into(),
            list([obj([
                ("name", "system".into()),
                ("node_count", Value::int(1)),
                ("vm_size", "Standard_D2s_v3".into()),
                ("vnet_subnet_id", "/subscriptions/x/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v/subnets/s".into()),
            ])]),
        );
    }
    let (action, resp) = d
        .plan(
            "azurerm_kubernetes_cluster",
            &d.config("azurerm_kubernetes_cluster", other),
            Some(&st),
        )
        .await;
    assert_eq!(action, Action::Replace);
    assert_eq!(
        resp.requires_replace,
        vec!["default_node_pool.0.vnet_subnet_id".to_string()]
    );
    d.destroy("azurerm_kubernetes_cluster", &st).await;
    d.destroy("azurerm_resource_group", &g).await;
}

fn pool(cluster_id: &str, size: &str, nodes: i64, env: &str) -> Value {
    obj([
        ("name", "user1".into()),
        ("kubernetes_cluster_id", cluster_id.into()),
        ("vm_size", size.into()),
        ("node_count", Value::int(nodes)),
        ("tags", tags(&[("env", env)])),
    ])
}

#[tokio::test]
async fn node_pool_lifecycle() {
    let d = driver().await;
    let g = group(&d, "rg-aks-np").await;
    let mut host = cluster("np-host", "nphost", "1.29.9", 1, "dev");
    if let Value::Object(m) = &mut host {
        m.insert("resource_group_name".into(), "rg-aks-np".into());
    }
    let (_, host) = d
        .apply(
            "azurerm_kubernetes_cluster",
            &d.config("azurerm_kubernetes_cluster", host),
            None,
        )
        .await;
    let cid = s(&host.attrs, "id");
    lifecycle(
        &d,
        Case {
            ty: "azurerm_kubernetes_cluster_node_pool",
            create: pool(&cid, "Standard_D2s_v3", 1, "dev"),
            update: pool(&cid, "Standard_D2s_v3", 3, "prod"),
            replace: pool(&cid, "Standard_D4s_v3", 3, "prod"),
            config_only: &["timeouts"],
            gone_after_destroy: true,
        },
        async |state: &Value| delete_behind(&s(state, "id"), api::KUBERNETES).await,
    )
    .await;
    d.destroy("azurerm_kubernetes_cluster", &host.attrs).await;
    d.destroy("azurerm_resource_group", &g).await;
}
