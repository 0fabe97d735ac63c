//! Resource groups, storage accounts and containers (both ways) through the lifecycle suite.

use hangar_core::Value;
use hangar_provider_azurerm::api;
use hangar_testkit::lifecycle::{lifecycle, list, obj, s, tags, Case};

use crate::env::{blob, delete_behind, driver, group, subscription, REGION};

fn rg(name: &str, location: &str, env: &str) -> Value {
    obj([
        ("name", name.into()),
        ("location", location.into()),
        ("tags", tags(&[("env", env)])),
    ])
}

#[tokio::test]
async fn resource_group_lifecycle() {
    let d = driver().await;
    lifecycle(
        &d,
        Case {
            ty: "azurerm_resource_group",
            // Written as people write it; planned and read back as ARM spells it.
            create: rg("rg-life", "Germany West Central", "dev"),
            update: rg("rg-life", "germanywestcentral", "prod"),
            replace: rg("rg-life-b", "germanywestcentral", "prod"),
            config_only: &["timeouts"],
            gone_after_destroy: true,
        },
        async |state: &Value| delete_behind(&s(state, "id"), api::RESOURCE_GROUPS).await,
    )
    .await;
    // Ownership tags are on the group in ARM but not in `tags`.
    let c = d.config("azurerm_resource_group", rg("rg-tags", REGION, "dev"));
    let (_, made) = d.apply("azurerm_resource_group", &c, None).await;
    let raw: serde_json::Value = crate::env::arm()
        .get(&s(&made.attrs, "id"), api::RESOURCE_GROUPS)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(raw["tags"]["hangar:address"], "azurerm_resource_group.test");
    assert_eq!(raw["tags"]["hangar:workspace"], "default");
    let shown = made.attrs.get_attr("tags").expect("tags");
    assert_eq!(
        shown,
        &d.config("azurerm_resource_group", rg("x", REGION, "dev"))
            .get_attr("tags")
            .cloned()
            .expect("tags")
    );
    // Creating a group that exists is refused, as azurerm does (import it instead).
    let err = d
        .try_apply("azurerm_resource_group", &c, None)
        .await
        .expect_err("exists");
    assert_eq!(err.code.as_deref(), Some("ResourceAlreadyExists"));
    d.destroy("azurerm_resource_group", &made.attrs).await;
}

fn account(name: &str, tier: &str, repl: &str, versioning: bool, env: &str) -> Value {
    obj([
        ("name", name.into()),
        ("resource_group_name", "rg-sa".into()),
        ("location", REGION.into()),
        ("account_tier", tier.into()),
        ("account_replication_type", repl.into()),
        ("allow_nested_items_to_be_public", false.into()),
        (
            "blob_properties",
            list([obj([("versioning_enabled", versioning.into())])]),
        ),
        ("tags", tags(&[("env", env)])),
    ])
}

#[tokio::test]
async fn storage_account_lifecycle() {
    let d = driver().await;
    let g = group(&d, "rg-sa").await;
    lifecycle(
        &d,
        Case {
            ty: "azurerm_storage_account",
            create: account("hangarsa1", "Standard", "LRS", false, "dev"),
            update: account("hangarsa1", "Standard", "GRS", true, "prod"),
            replace: account("hangarsa1", "Premium", "GRS", true, "prod"),
            config_only: &["timeouts"],
            gone_after_destroy: true,
        },
        async |state: &Value| delete_behind(&s(state, "id"), api::STORAGE).await,
    )
    .await;
    // A geo-redundant account reports its paired region, and its blob endpoint is Azurite's.
    let c = d.config(
        "azurerm_storage_account",
        account("hangarsa1", "Standard", "RAGRS", false, "dev"),
    );
    let (_, made) = d.apply("azurerm_storage_account", &c, None).await;
    assert_eq!(s(&made.attrs, "secondary_location"), "germanynorth");
    assert_eq!(s(&made.attrs, "primary_location"), REGION);
    assert!(s(&made.attrs, "primary_blob_endpoint").starts_with("http://127.0.0.1:"));
    assert_eq!(
        s(&made.attrs, "primary_access_key"),
        hangar_testkit::azurite::DEV_KEY
    );
    d.destroy("azurerm_storage_account", &made.attrs).await;
    d.destroy("azurerm_resource_group", &g).await;
}

fn arm_container(account_id: &str, name: &str, access: &str, env: Option<&str>) -> Value {
    obj([
        ("name", name.into()),
        ("storage_account_id", account_id.into()),
        ("container_access_type", access.into()),
        ("metadata", env.map_or(Value::NULL, |e| tags(&[("env", e)]))),
    ])
}

#[tokio::test]
async fn container_lifecycle_through_resource_manager() {
    let d = driver().await;
    let g = group(&d, "rg-c-arm").await;
    let ac = d.config(
        "azurerm_storage_account",
        obj([
            ("name", "hangarsaarm".into()),
            ("resource_group_name", "rg-c-arm".into()),
            ("location", REGION.into()),
            ("account_tier", "Standard".into()),
            ("account_replication_type", "LRS".into()),
        ]),
    );
    let (_, acc) = d.apply("azurerm_storage_account", &ac, None).await;
    let acc_id = s(&acc.attrs, "id");
    lifecycle(
        &d,
        Case {
            ty: "azurerm_storage_container",
            create: arm_container(&acc_id, "artifacts", "private", None),
            update: arm_container(&acc_id, "artifacts", "blob", Some("prod")),
            replace: arm_container(&acc_id, "artifacts-b", "blob", Some("prod")),
            config_only: &["timeouts", "storage_account_name"],
            gone_after_destroy: true,
        },
        async |state: &Value| delete_behind(&s(state, "id"), api::STORAGE).await,
    )
    .await;
    d.destroy("azurerm_resource_group", &g).await;
}

fn data_container(name: &str, access: &str, env: Option<&str>) -> Value {
    obj([
        ("name", name.into()),
        ("storage_account_name", "hangarsa2".into()),
        ("container_access_type", access.into()),
        ("metadata", env.map_or(Value::NULL, |e| tags(&[("env", e)]))),
    ])
}

#[tokio::test]
async fn container_lifecycle_through_the_blob_data_plane() {
    let d = driver().await;
    let g = group(&d, "rg-c-data").await;
    let ac = d.config(
        "azurerm_storage_account",
        obj([
            ("name", "hangarsa2".into()),
            ("resource_group_name", "rg-c-data".into()),
            ("location", REGION.into()),
            ("account_tier", "Standard".into()),
            ("account_replication_type", "LRS".into()),
        ]),
    );
    let (_, acc) = d.apply("azurerm_storage_account", &ac, None).await;
    lifecycle(
        &d,
        Case {
            ty: "azurerm_storage_container",
            create: data_container("state", "private", None),
            update: data_container("state", "container", Some("prod")),
            replace: data_container("state-b", "container", Some("prod")),
            config_only: &["timeouts", "storage_account_id"],
            gone_after_destroy: true,
        },
        async |state: &Value| {
            let found = blob("hangarsa2")
                .delete_container(&s(state, "name"))
                .await
                .expect("delete in Azurite");
            assert!(found, "the container was in Azurite");
        },
    )
    .await;
    // The container really is in Azurite, private, with Hangar's metadata beside the user's.
    let c = d.config(
        "azurerm_storage_container",
        data_container("seen", "private", Some("dev")),
    );
    let (_, made) = d.apply("azurerm_storage_container", &c, None).await;
    let props = blob("hangarsa2")
        .container_properties("seen")
        .await
        .expect("properties")
        .expect("exists in Azurite");
    assert_eq!(props.public_access, None);
    assert_eq!(props.metadata["env"], "dev");
    assert_eq!(
        props.metadata["hangar_address"],
        "azurerm_storage_container.test"
    );
    assert!(
        s(&made.attrs, "id").ends_with("/hangarsa2/seen"),
        "{}",
        s(&made.attrs, "id")
    );
    // An interrupted create is found again by its token.
    let found = d
        .provider
        .find_created("azurerm_storage_container", &d.ctx("x").token, &c)
        .await
        .expect("find_created");
    assert_eq!(found.as_deref(), Some(s(&made.attrs, "id").as_str()));
    let other = d
        .provider
        .find_created("azurerm_storage_container", "another-token", &c)
        .await
        .expect("find_created");
    assert_eq!(
        other, None,
        "a container made by another operation is not adopted"
    );
    d.destroy("azurerm_storage_container", &made.attrs).await;
    d.destroy("azurerm_storage_account", &acc.attrs).await;
    d.destroy("azurerm_resource_group", &g).await;
    let _ = subscription();
}
