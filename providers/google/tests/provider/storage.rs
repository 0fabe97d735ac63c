//! `google_storage_bucket` and its data source against fake-gcs-server.

use hangar_core::Value;
use hangar_provider::{ApplyRequest, Provider, ReadDataRequest};
use hangar_provider_google::GoogleProvider;
use hangar_testkit::lifecycle::{lifecycle, obj, s, Case, Driver};

use crate::support::{block, driver, raw_storage, unique, REGION};

fn bucket(name: &str, versioned: bool) -> Value {
    obj([
        ("name", Value::string(name)),
        ("location", Value::string("europe-west3")),
        ("force_destroy", Value::Bool(true)),
        ("versioning", obj([("enabled", Value::Bool(versioned))])),
    ])
}

#[tokio::test]
async fn bucket_lifecycle() {
    let d = driver().await;
    let (a, b) = (unique("hb"), unique("hb"));
    let raw = raw_storage("EUROPE-WEST3");
    lifecycle(
        &d,
        Case {
            ty: "google_storage_bucket",
            create: bucket(&a, false),
            update: bucket(&a, true),
            replace: bucket(&b, true),
            config_only: &["force_destroy"],
            gone_after_destroy: true,
        },
        async |state: &Value| {
            raw.delete_bucket(&s(state, "name"))
                .await
                .expect("delete behind the provider's back");
        },
    )
    .await;
}

#[tokio::test]
async fn location_is_recorded_upper_case_and_force_destroy_empties_the_bucket() {
    let d = driver().await;
    let name = unique("hb");
    let (_, created) = d
        .apply(
            "google_storage_bucket",
            &d.config("google_storage_bucket", bucket(&name, true)),
            None,
        )
        .await;
    assert_eq!(s(&created.attrs, "location"), "EUROPE-WEST3");
    assert_eq!(s(&created.attrs, "url"), format!("gs://{name}"));
    let raw = raw_storage("EUROPE-WEST3");
    for i in 0..3 {
        raw.upload(
            &name,
            &format!("obj-{i}"),
            b"x".to_vec(),
            "text/plain",
            None,
        )
        .await
        .expect("upload");
    }
    d.destroy("google_storage_bucket", &created.attrs).await;
    assert!(
        raw.get_bucket(&name).await.expect("get").is_none(),
        "bucket still there"
    );
}

#[tokio::test]
async fn a_bucket_reports_where_it_really_is() {
    // This emulator puts every bucket in US, whatever the request says: the provider reports
    // the location read back, which the residency checks then judge.
    let p = GoogleProvider;
    let d = Driver::new(&p, &block("US", &[]), REGION).await;
    let name = unique("hb");
    let (_, created) = d
        .apply(
            "google_storage_bucket",
            &d.config("google_storage_bucket", bucket(&name, false)),
            None,
        )
        .await;
    assert_eq!(created.region.as_deref(), Some("US"));
    let read = d
        .read("google_storage_bucket", &created.attrs)
        .await
        .expect("exists");
    assert_eq!(s(&read, "location"), "US");
    d.destroy("google_storage_bucket", &created.attrs).await;
}

#[tokio::test]
async fn the_data_source_reads_an_existing_bucket() {
    let d = driver().await;
    let name = unique("hb");
    let (_, created) = d
        .apply(
            "google_storage_bucket",
            &d.config("google_storage_bucket", bucket(&name, true)),
            None,
        )
        .await;
    let schema = &d.schema.data_sources["google_storage_bucket"];
    let config =
        hangar_testkit::lifecycle::shape(&schema.block, &obj([("name", Value::string(&name))]));
    let got = d
        .provider
        .read_data(ReadDataRequest {
            type_name: "google_storage_bucket".into(),
            config,
        })
        .await
        .expect("read data");
    assert_eq!(got.region.as_deref(), Some("europe-west3"));
    assert_eq!(s(&got.attrs, "url"), format!("gs://{name}"));
    let versioning = got
        .attrs
        .get_attr("versioning")
        .and_then(|v| v.as_seq())
        .map(|v| v.len());
    assert_eq!(versioning, Some(1));
    let missing = d
        .provider
        .read_data(ReadDataRequest {
            type_name: "google_storage_bucket".into(),
            config: hangar_testkit::lifecycle::shape(
                &schema.block,
                &obj([("name", Value::string(unique("ghost")))]),
            ),
        })
        .await
        .expect_err("no such bucket");
    assert_eq!(missing.code.as_deref(), Some("notFound"));
    d.destroy("google_storage_bucket", &created.attrs).await;
}

#[tokio::test]
async fn an_interrupted_create_is_found_again() {
    let d = driver().await;
    let name = unique("hb");
    let config = d.config("google_storage_bucket", bucket(&name, false));
    let (_, plan) = d.plan("google_storage_bucket", &config, None).await;
    let ctx = d.ctx("google_storage_bucket");
    let created = d
        .provider
        .create(ApplyRequest {
            config: None,
            private: Vec::new(),
            type_name: "google_storage_bucket".into(),
            prior: None,
            planned: Some(plan.planned.clone()),
            context: ctx.clone(),
        })
        .await
        .expect("create");
    let found = d
        .provider
        .find_created("google_storage_bucket", &ctx.token, &plan.planned)
        .await
        .expect("find");
    assert_eq!(found.as_deref(), Some(name.as_str()));
    d.destroy("google_storage_bucket", &created.attrs).await;
    let gone = d
        .provider
        .find_created("google_storage_bucket", &ctx.token, &plan.planned)
        .await
        .expect("find");
    assert_eq!(gone, None);
}

#[test]
fn places_follow_location_and_dual_regions() {
    let p = GoogleProvider;
    let places = p.places(
        "google_storage_bucket",
        false,
        &obj([("location", Value::string("US"))]),
    );
    assert_eq!(places.len(), 1);
    assert_eq!(p.cloud(), Some(hangar_core::Cloud::Gcp));
}
