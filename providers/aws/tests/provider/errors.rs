//! Cloud errors arrive as call + AWS code + AWS message; configuration mistakes as diagnostics.

use hangar_core::Value;
use hangar_provider::{ApplyRequest, ConfigureRequest, Provider};
use hangar_provider_aws::AwsProvider;

use crate::driver::{driver, provider_block};
use crate::moto;
use hangar_testkit::lifecycle::{obj, shape};

#[tokio::test]
async fn cloud_errors_carry_call_code_and_message() {
    let _g = moto::exclusive();
    let d = driver().await;
    let config = d.config("aws_s3_bucket", obj([("bucket", "ab".into())]));
    let (_, plan) = d.plan("aws_s3_bucket", &config, None).await;
    let err = d
        .provider
        .create(ApplyRequest {
            type_name: "aws_s3_bucket".into(),
            prior: None,
            planned: Some(plan.planned),
            context: Default::default(),
            config: None,
            private: Vec::new(),
        })
        .await
        .expect_err("invalid name");
    assert_eq!(err.call, "CreateBucket");
    assert_eq!(err.code.as_deref(), Some("InvalidBucketName"), "{err:?}");
    assert!(
        !err.message.is_empty() && !err.message.contains("SdkError"),
        "{err:?}"
    );

    let err = d
        .import("aws_eks_cluster", "ghost")
        .await
        .expect_err("missing");
    assert_eq!(err.code.as_deref(), Some("ResourceNotFoundException"));
    let err = d
        .import("aws_s3_bucket", "ghost")
        .await
        .expect_err("missing");
    assert_eq!(err.code.as_deref(), Some("NoSuchBucket"));
}

#[tokio::test]
async fn unreachable_endpoints_fail_without_a_code() {
    crate::driver::isolate();
    let p = AwsProvider;
    let schema = p.schema();
    // a port nothing listens on (bound then released)
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let url = format!("http://127.0.0.1:{port}");
    let mut block = provider_block(&[("max_retries", Value::int(1))]);
    if let Value::Object(m) = &mut block {
        m.insert(
            "endpoints".into(),
            obj([
                ("s3", url.clone().into()),
                ("eks", url.clone().into()),
                ("sts", url.into()),
            ]),
        );
    }
    let Ok(c) = p
        .configure(ConfigureRequest {
            config: shape(&schema.provider, &block),
        })
        .await
    else {
        panic!("configure failed");
    };
    let err = c
        .import(hangar_provider::ImportRequest {
            type_name: "aws_eks_cluster".into(),
            id: "x".into(),
        })
        .await
        .expect_err("unreachable");
    assert_eq!(err.call, "DescribeCluster");
    assert_eq!(err.code, None);
    assert!(
        err.message.to_lowercase().contains("connect") || err.message.contains("dispatch"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn bad_provider_blocks_are_diagnostics() {
    crate::driver::isolate();
    let p = AwsProvider;
    let schema = p.schema();
    let block = obj([
        ("region", "eu-central-1".into()),
        ("access_key", "only-half".into()),
        ("endpoints", obj([("s3", "not-a-url".into())])),
    ]);
    let d = p
        .configure(ConfigureRequest {
            config: shape(&schema.provider, &block),
        })
        .await
        .err()
        .expect("invalid");
    assert_eq!(d.0.len(), 2, "{d:?}");
}

#[tokio::test]
async fn owned_objects_are_found_by_workspace_tag() {
    let _g = moto::exclusive();
    let d = driver().await;
    let b = d.config("aws_s3_bucket", obj([("bucket", "owned-one".into())]));
    let (_, bucket) = d.apply("aws_s3_bucket", &b, None).await;
    let c = d.config(
        "aws_eks_cluster",
        obj([
            ("name", "owned".into()),
            ("role_arn", "arn:aws:iam::123456789012:role/eks".into()),
            (
                "vpc_config",
                hangar_testkit::lifecycle::list([obj([(
                    "subnet_ids",
                    hangar_testkit::lifecycle::strs(&["subnet-1"]),
                )])]),
            ),
        ]),
    );
    let (_, cluster) = d.apply("aws_eks_cluster", &c, None).await;
    // an untagged bucket is not ours
    moto::http("PUT", "/not-ours", "");
    let all_types = |workspace: &str| hangar_provider::ListOwnedRequest {
        workspace: workspace.into(),
        types: vec!["aws_s3_bucket".into(), "aws_eks_cluster".into()],
        regions: Vec::new(),
    };
    let mut found = d
        .provider
        .list_owned(all_types("default"))
        .await
        .expect("list")
        .objects;
    found.sort_by(|a, b| a.id.cmp(&b.id));
    let ids: Vec<(&str, &str, Option<&str>)> = found
        .iter()
        .map(|o| (o.type_name.as_str(), o.id.as_str(), o.address.as_deref()))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("aws_eks_cluster", "owned", Some("aws_eks_cluster.test")),
            ("aws_s3_bucket", "owned-one", Some("aws_s3_bucket.test")),
        ]
    );
    assert!(found.iter().all(|o| o.region.as_deref().is_some()));
    assert!(d
        .provider
        .list_owned(all_types("elsewhere"))
        .await
        .expect("list")
        .objects
        .is_empty());
    // Only the types asked for are listed.
    let buckets_only = hangar_provider::ListOwnedRequest {
        types: vec!["aws_s3_bucket".into()],
        ..all_types("default")
    };
    let found = d.provider.list_owned(buckets_only).await.expect("list");
    assert!(found.objects.iter().all(|o| o.type_name == "aws_s3_bucket"));
    assert!(found.skipped.is_empty());
    d.destroy("aws_eks_cluster", &cluster.attrs).await;
    d.destroy("aws_s3_bucket", &bucket.attrs).await;
}
