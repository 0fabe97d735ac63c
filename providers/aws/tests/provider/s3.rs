//! S3 resources through the lifecycle suite, and what only buckets do.

use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration,
    VersioningConfiguration,
};
use hangar_core::Value;

use crate::driver::{driver, driver_with, sdk, REGION};
use crate::moto;
use hangar_testkit::lifecycle::{lifecycle, list, obj, s, tags, Case};

async fn make_bucket(s3: &aws_sdk_s3::Client, name: &str, versioned: bool) {
    s3.create_bucket()
        .bucket(name)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(REGION))
                .build(),
        )
        .send()
        .await
        .expect("create bucket");
    if versioned {
        s3.put_bucket_versioning()
            .bucket(name)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .expect("versioning");
    }
}

async fn drop_bucket(s3: &aws_sdk_s3::Client, name: &str) {
    s3.delete_bucket()
        .bucket(name)
        .send()
        .await
        .expect("delete bucket");
}

#[tokio::test]
async fn bucket_lifecycle() {
    let _g = moto::exclusive();
    let d = driver().await;
    let (s3, _) = sdk().await;
    lifecycle(
        &d,
        Case {
            ty: "aws_s3_bucket",
            create: obj([
                ("bucket", "lc-one".into()),
                ("tags", tags(&[("env", "dev")])),
            ]),
            update: obj([
                ("bucket", "lc-one".into()),
                ("force_destroy", true.into()),
                ("tags", tags(&[("env", "prod"), ("team", "a")])),
            ]),
            replace: obj([
                ("bucket", "lc-two".into()),
                ("tags", tags(&[("env", "prod")])),
            ]),
            config_only: &["force_destroy", "bucket_prefix"],
            gone_after_destroy: true,
        },
        async |state: &Value| drop_bucket(&s3, &s(state, "bucket")).await,
    )
    .await;
}

#[tokio::test]
async fn bucket_attributes_tags_and_generated_names() {
    let _g = moto::exclusive();
    let d = driver_with(&[(
        "default_tags",
        obj([("tags", tags(&[("owner", "platform"), ("env", "default")]))]),
    )])
    .await;
    let config = d.config(
        "aws_s3_bucket",
        obj([
            ("bucket_prefix", "art-".into()),
            ("tags", tags(&[("env", "dev")])),
        ]),
    );
    let (_, plan) = d.plan("aws_s3_bucket", &config, None).await;
    assert!(plan
        .planned
        .get_attr("bucket")
        .is_some_and(Value::is_unknown));
    assert_eq!(
        plan.planned.get_attr("tags_all"),
        Some(&hangar_provider_aws::attrs::string_map_value(
            &[("env", "dev"), ("owner", "platform")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        )),
        "tags_all is known at plan time: default tags overridden by tags"
    );
    let (_, created) = d.apply("aws_s3_bucket", &config, None).await;
    let st = created.attrs;
    let name = s(&st, "bucket");
    assert!(name.starts_with("art-"), "{name}");
    assert_eq!(s(&st, "id"), name);
    assert_eq!(s(&st, "arn"), format!("arn:aws:s3:::{name}"));
    assert_eq!(s(&st, "region"), REGION);
    assert_eq!(
        s(&st, "bucket_domain_name"),
        format!("{name}.s3.amazonaws.com")
    );
    // tags shows the configuration only; tags_all has defaults and Hangar's system tags
    assert_eq!(
        hangar_provider_aws::attrs::string_map(&st, "tags"),
        [("env".to_string(), "dev".to_string())].into()
    );
    let all = hangar_provider_aws::attrs::string_map(&st, "tags_all");
    assert_eq!(all["owner"], "platform");
    assert_eq!(all["hangar:address"], "aws_s3_bucket.test");
    assert_eq!(all["hangar:workspace"], "default");
    assert!(all.contains_key("hangar:token"));
    // the cloud has them too (plain HTTP GET of the tagging subresource)
    let (status, xml) = moto::http("GET", &format!("/{name}?tagging"), "");
    assert_eq!(status, 200, "{xml}");
    let keys = moto::xml_values(&xml, "Key");
    for k in [
        "env",
        "owner",
        "hangar:workspace",
        "hangar:address",
        "hangar:token",
    ] {
        assert!(keys.iter().any(|x| x == k), "{k} missing in {xml}");
    }
    let (action, _) = d.plan("aws_s3_bucket", &config, Some(&st)).await;
    assert_eq!(action, hangar_testkit::lifecycle::Action::NoOp);
    d.destroy("aws_s3_bucket", &st).await;
}

#[tokio::test]
async fn force_destroy_empties_versioned_buckets() {
    let _g = moto::exclusive();
    let d = driver().await;
    let (s3, _) = sdk().await;
    let config = d.config(
        "aws_s3_bucket",
        obj([("bucket", "full".into()), ("force_destroy", true.into())]),
    );
    let (_, created) = d.apply("aws_s3_bucket", &config, None).await;
    s3.put_bucket_versioning()
        .bucket("full")
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    for i in 0..3 {
        s3.put_object()
            .bucket("full")
            .key("a/b.txt")
            .body(format!("v{i}").into_bytes().into())
            .send()
            .await
            .expect("put");
    }
    s3.delete_object()
        .bucket("full")
        .key("a/b.txt")
        .send()
        .await
        .expect("delete marker");
    d.destroy("aws_s3_bucket", &created.attrs).await;
    assert!(d.read("aws_s3_bucket", &created.attrs).await.is_none());

    // without force_destroy a bucket with objects is refused, with AWS's code
    let config = d.config("aws_s3_bucket", obj([("bucket", "kept".into())]));
    let (_, created) = d.apply("aws_s3_bucket", &config, None).await;
    s3.put_object()
        .bucket("kept")
        .key("x")
        .body(b"x".to_vec().into())
        .send()
        .await
        .expect("put");
    let err = d
        .provider
        .delete(hangar_provider::ApplyRequest {
            type_name: "aws_s3_bucket".into(),
            prior: Some(created.attrs.clone()),
            planned: None,
            context: Default::default(),
            config: None,
            private: Vec::new(),
        })
        .await
        .expect_err("not empty");
    assert_eq!(err.call, "DeleteBucket");
    assert_eq!(err.code.as_deref(), Some("BucketNotEmpty"));
    assert!(err.message.contains("force_destroy"), "{}", err.message);
}

#[tokio::test]
async fn versioning_lifecycle() {
    let _g = moto::exclusive();
    let d = driver().await;
    let (s3, _) = sdk().await;
    make_bucket(&s3, "ver-a", false).await;
    make_bucket(&s3, "ver-b", false).await;
    let cfg = |b: &str, status: &str| {
        obj([
            ("bucket", b.into()),
            (
                "versioning_configuration",
                list([obj([("status", status.into())])]),
            ),
        ])
    };
    lifecycle(
        &d,
        Case {
            ty: "aws_s3_bucket_versioning",
            create: cfg("ver-a", "Enabled"),
            update: cfg("ver-a", "Suspended"),
            replace: cfg("ver-b", "Enabled"),
            config_only: &[],
            gone_after_destroy: false,
        },
        async |state: &Value| drop_bucket(&s3, &s(state, "bucket")).await,
    )
    .await;
    // destroying versioning suspends it: S3 cannot turn it off again
    let (_, xml) = moto::http("GET", "/ver-a?versioning", "");
    assert_eq!(moto::xml_values(&xml, "Status"), vec!["Suspended"], "{xml}");
}

#[tokio::test]
async fn encryption_lifecycle() {
    let _g = moto::exclusive();
    let d = driver().await;
    let (s3, _) = sdk().await;
    make_bucket(&s3, "enc-a", false).await;
    make_bucket(&s3, "enc-b", false).await;
    let aes = |b: &str| {
        obj([
            ("bucket", b.into()),
            (
                "rule",
                list([obj([(
                    "apply_server_side_encryption_by_default",
                    list([obj([("sse_algorithm", "AES256".into())])]),
                )])]),
            ),
        ])
    };
    let kms = obj([
        ("bucket", "enc-a".into()),
        (
            "rule",
            list([obj([
                (
                    "apply_server_side_encryption_by_default",
                    list([obj([
                        ("sse_algorithm", "aws:kms".into()),
                        ("kms_master_key_id", "alias/hangar".into()),
                    ])]),
                ),
                ("bucket_key_enabled", true.into()),
            ])]),
        ),
    ]);
    lifecycle(
        &d,
        Case {
            ty: "aws_s3_bucket_server_side_encryption_configuration",
            create: aes("enc-a"),
            update: kms,
            replace: aes("enc-b"),
            config_only: &[],
            gone_after_destroy: true,
        },
        async |state: &Value| drop_bucket(&s3, &s(state, "bucket")).await,
    )
    .await;
}

#[tokio::test]
async fn public_access_block_lifecycle() {
    let _g = moto::exclusive();
    let d = driver().await;
    let (s3, _) = sdk().await;
    make_bucket(&s3, "pab-a", false).await;
    make_bucket(&s3, "pab-b", false).await;
    let all = |b: &str, on: bool| {
        obj([
            ("bucket", b.into()),
            ("block_public_acls", true.into()),
            ("block_public_policy", true.into()),
            ("ignore_public_acls", on.into()),
            ("restrict_public_buckets", on.into()),
        ])
    };
    lifecycle(
        &d,
        Case {
            ty: "aws_s3_bucket_public_access_block",
            create: all("pab-a", true),
            update: obj([
                ("bucket", "pab-a".into()),
                ("block_public_acls", true.into()),
            ]),
            replace: all("pab-b", true),
            config_only: &[],
            gone_after_destroy: true,
        },
        async |state: &Value| {
            s3.delete_public_access_block()
                .bucket(s(state, "bucket"))
                .send()
                .await
                .expect("delete pab");
        },
    )
    .await;
}

#[tokio::test]
async fn replication_lifecycle() {
    let _g = moto::exclusive();
    let d = driver().await;
    let (s3, _) = sdk().await;
    for b in ["rep-a", "rep-b", "rep-dest", "rep-dest-2"] {
        make_bucket(&s3, b, true).await;
    }
    // moto loses a rule's filter prefix and storage class when it parses them: the rules here
    // use neither.
    let cfg = |b: &str, status: &str, dest: &str| {
        obj([
            ("bucket", b.into()),
            ("role", "arn:aws:iam::123456789012:role/replication".into()),
            (
                "rule",
                list([obj([
                    ("id", "everything".into()),
                    ("status", status.into()),
                    ("priority", Value::int(1)),
                    ("destination", list([obj([("bucket", dest.into())])])),
                ])]),
            ),
        ])
    };
    lifecycle(
        &d,
        Case {
            ty: "aws_s3_bucket_replication_configuration",
            create: cfg("rep-a", "Enabled", "arn:aws:s3:::rep-dest"),
            update: cfg("rep-a", "Disabled", "arn:aws:s3:::rep-dest-2"),
            replace: cfg("rep-b", "Enabled", "arn:aws:s3:::rep-dest"),
            config_only: &[],
            gone_after_destroy: true,
        },
        async |state: &Value| {
            s3.delete_bucket_replication()
                .bucket(s(state, "bucket"))
                .send()
                .await
                .expect("delete replication");
        },
    )
    .await;
}
