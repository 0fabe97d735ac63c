//! Azure errors arrive as call + ARM's code + a message naming the resource id; provisioning
//! that ends Failed, timeouts and bad credentials are reported clearly; plan-time mistakes are
//! refused before any call.

use hangar_core::Value;
use hangar_provider_azurerm::AzurermProvider;
use hangar_testkit::lifecycle::{list, obj, Driver};

use crate::env::{driver, group, provider_block, REGION};

fn account_in(group: &str) -> Value {
    obj([
        ("name", "hangarsaerr".into()),
        ("resource_group_name", group.into()),
        ("location", REGION.into()),
        ("account_tier", "Standard".into()),
        ("account_replication_type", "LRS".into()),
    ])
}

#[tokio::test]
async fn arm_errors_carry_the_call_code_message_and_id() {
    let d = driver().await;
    let c = d.config("azurerm_storage_account", account_in("rg-missing"));
    let err = d
        .try_apply("azurerm_storage_account", &c, None)
        .await
        .expect_err("no group");
    assert_eq!(err.call, "StorageAccounts.Create");
    assert_eq!(err.code.as_deref(), Some("ResourceGroupNotFound"));
    assert!(
        err.message.contains(
            "/resourceGroups/rg-missing/providers/Microsoft.Storage/storageAccounts/hangarsaerr"
        ),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("could not be found"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn a_provisioning_that_ends_failed_fails_the_apply() {
    let d = driver().await;
    let g = group(&d, "rg-quota").await;
    let c = d.config(
        "azurerm_kubernetes_cluster",
        obj([
            ("name", "too-big".into()),
            ("location", REGION.into()),
            ("resource_group_name", "rg-quota".into()),
            ("dns_prefix", "toobig".into()),
            (
                "default_node_pool",
                list([obj([
                    ("name", "system".into()),
                    ("node_count", Value::int(500)),
                    ("vm_size", "Standard_D2s_v3".into()),
                ])]),
            ),
        ]),
    );
    let err = d
        .try_apply("azurerm_kubernetes_cluster", &c, None)
        .await
        .expect_err("quota");
    assert_eq!(err.code.as_deref(), Some("QuotaExceeded"));
    assert!(err.message.contains("ended Failed"), "{}", err.message);
    assert!(
        err.message.contains("managedClusters/too-big"),
        "{}",
        err.message
    );
    d.destroy("azurerm_resource_group", &g).await;
}

#[tokio::test]
async fn waits_end_at_the_timeouts_budget() {
    let d = driver().await;
    let g = group(&d, "rg-slow").await;
    let c = d.config(
        "azurerm_kubernetes_cluster",
        obj([
            ("name", "slow".into()),
            ("location", REGION.into()),
            ("resource_group_name", "rg-slow".into()),
            ("dns_prefix", "slow".into()),
            (
                "default_node_pool",
                list([obj([
                    ("name", "system".into()),
                    ("node_count", Value::int(1)),
                    ("vm_size", "Standard_D2s_v3".into()),
                ])]),
            ),
            ("timeouts", obj([("create", "1ms".into())])),
        ]),
    );
    let err = d
        .try_apply("azurerm_kubernetes_cluster", &c, None)
        .await
        .expect_err("timeout");
    assert_eq!(err.code.as_deref(), Some("WaitTimeout"));
    assert!(err.message.contains("timeouts.create"), "{}", err.message);
    d.destroy("azurerm_resource_group", &g).await;
}

#[tokio::test]
async fn a_wrong_secret_is_refused_with_entra_ids_message() {
    let bad = provider_block(&[("client_secret", Value::string("wrong"))]);
    let d = Driver::new(&AzurermProvider, &bad, REGION).await;
    let c = d.config(
        "azurerm_resource_group",
        obj([("name", "rg-x".into()), ("location", REGION.into())]),
    );
    let err = d
        .try_apply("azurerm_resource_group", &c, None)
        .await
        .expect_err("bad secret");
    assert!(err.message.contains("AADSTS7000215"), "{}", err.message);
    assert!(err.message.contains("invalid_client"), "{}", err.message);
}

#[tokio::test]
async fn plan_time_mistakes_are_refused() {
    let d = driver().await;
    let mut bad = account_in("rg");
    if let Value::Object(m) = &mut bad {
        m.insert("account_replication_type".into(), "RA-GRS".into());
    }
    let err = d
        .try_plan(
            "azurerm_storage_account",
            &d.config("azurerm_storage_account", bad),
            None,
        )
        .await
        .expect_err("bad replication");
    assert!(err.message.contains("RAGRS"), "{}", err.message);
    let both = d.config(
        "azurerm_storage_container",
        obj([
            ("name", "c".into()),
            (
                "storage_account_id",
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a"
                    .into(),
            ),
            ("storage_account_name", "a".into()),
        ]),
    );
    let err = d
        .try_plan("azurerm_storage_container", &both, None)
        .await
        .expect_err("both");
    assert!(err.message.contains("only one"), "{}", err.message);
    let err = d
        .import("azurerm_resource_group", "rg-by-name")
        .await
        .expect_err("not an id");
    assert!(
        err.message
            .contains("/subscriptions/SUBSCRIPTION/resourceGroups/NAME"),
        "{}",
        err.message
    );
    let err = d
        .import(
            "azurerm_resource_group",
            &format!("{}/resourceGroups/nope", crate::env::subscription()),
        )
        .await
        .expect_err("missing");
    assert_eq!(err.code.as_deref(), Some("ResourceGroupNotFound"));
}
