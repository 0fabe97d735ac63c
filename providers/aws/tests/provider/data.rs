//! Data sources against moto.

use hangar_core::Value;
use hangar_provider::ReadDataRequest;

use crate::driver::{driver, REGION};
use crate::moto;
use hangar_testkit::lifecycle::{obj, s, shape, Driver};

async fn read(d: &Driver, ty: &str, given: Value) -> Result<Value, hangar_provider::ProviderError> {
    let config = shape(&d.schema.data_sources[ty].block, &given);
    d.provider
        .read_data(ReadDataRequest {
            type_name: ty.into(),
            config,
        })
        .await
        .map(|o| o.attrs)
}

#[tokio::test]
async fn region_and_caller_identity() {
    let _g = moto::exclusive();
    let d = driver().await;
    let r = read(&d, "aws_region", obj([])).await.expect("region");
    assert_eq!(s(&r, "name"), REGION);
    assert_eq!(s(&r, "description"), "Europe (Frankfurt)");
    let r = read(&d, "aws_region", obj([("name", "us-west-2".into())]))
        .await
        .expect("named");
    assert_eq!(s(&r, "id"), "us-west-2");
    let me = read(&d, "aws_caller_identity", obj([])).await.expect("sts");
    assert_eq!(s(&me, "account_id").len(), 12, "{}", s(&me, "account_id"));
    assert!(s(&me, "arn").starts_with("arn:aws:"), "{}", s(&me, "arn"));
    assert!(!s(&me, "user_id").is_empty());
}

#[tokio::test]
async fn bucket_and_cluster_data() {
    let _g = moto::exclusive();
    let d = driver().await;
    let b = d.config("aws_s3_bucket", obj([("bucket", "looked-up".into())]));
    let (_, bucket) = d.apply("aws_s3_bucket", &b, None).await;
    let r = read(&d, "aws_s3_bucket", obj([("bucket", "looked-up".into())]))
        .await
        .expect("bucket");
    assert_eq!(s(&r, "arn"), "arn:aws:s3:::looked-up");
    assert_eq!(s(&r, "region"), REGION);
    assert_eq!(s(&r, "bucket_domain_name"), "looked-up.s3.amazonaws.com");
    let err = read(&d, "aws_s3_bucket", obj([("bucket", "nope".into())]))
        .await
        .expect_err("missing");
    assert_eq!(err.code.as_deref(), Some("NoSuchBucket"));

    let err = read(&d, "aws_eks_cluster", obj([("name", "nope".into())]))
        .await
        .expect_err("missing");
    assert_eq!(err.code.as_deref(), Some("ResourceNotFoundException"));
    let c = d.config(
        "aws_eks_cluster",
        obj([
            ("name", "seen".into()),
            ("role_arn", "arn:aws:iam::123456789012:role/eks".into()),
            ("version", "1.29".into()),
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
    let r = read(&d, "aws_eks_cluster", obj([("name", "seen".into())]))
        .await
        .expect("cluster");
    assert_eq!(s(&r, "version"), "1.29");
    assert_eq!(s(&r, "status"), "ACTIVE");
    assert_eq!(s(&r, "arn"), s(&cluster.attrs, "arn"));
    assert!(!s(&r, "endpoint").is_empty());
    let visible = hangar_provider_aws::attrs::string_map(&r, "tags");
    assert!(
        visible.keys().all(|k| !k.starts_with("hangar:")),
        "{visible:?}"
    );
    d.destroy("aws_eks_cluster", &cluster.attrs).await;
    d.destroy("aws_s3_bucket", &bucket.attrs).await;
}
