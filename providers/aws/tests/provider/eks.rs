//! EKS clusters and node groups through the lifecycle suite, and their waiters' settings.

use hangar_core::Value;

use crate::driver::{driver, sdk, REGION};
use crate::moto;
use hangar_testkit::lifecycle::{lifecycle, list, obj, s, strs, tags, Action, Case};

const ROLE: &str = "arn:aws:iam::123456789012:role/eks";
const ROLE2: &str = "arn:aws:iam::123456789012:role/eks-2";

fn cluster(name: &str, role: &str, version: &str, public: bool, tag: &str) -> Value {
    cluster_logs(name, role, version, public, tag, &[])
}

fn cluster_logs(
    name: &str,
    role: &str,
    version: &str,
    public: bool,
    tag: &str,
    logs: &[&str],
) -> Value {
    obj([
        ("enabled_cluster_log_types", strs(logs)),
        ("name", name.into()),
        ("role_arn", role.into()),
        ("version", version.into()),
        (
            "vpc_config",
            list([obj([
                ("subnet_ids", strs(&["subnet-1", "subnet-2"])),
                ("endpoint_public_access", public.into()),
            ])]),
        ),
        ("tags", tags(&[("env", tag)])),
        (
            "timeouts",
            obj([("create", "5m".into()), ("delete", "5m".into())]),
        ),
    ])
}

#[tokio::test]
async fn cluster_lifecycle() {
    let _g = moto::exclusive();
    let d = driver().await;
    let (_, eks) = sdk().await;
    lifecycle(
        &d,
        Case {
            ty: "aws_eks_cluster",
            create: cluster("demo", ROLE, "1.29", true, "dev"),
            // moto lacks UpdateClusterVersion and its UpdateClusterConfig drops the subnets
            // when endpoint access changes: the in-place change here is logging and tags;
            // version changes are checked at plan level below.
            update: cluster_logs("demo", ROLE, "1.29", true, "prod", &["api", "audit"]),
            replace: cluster("demo", ROLE2, "1.29", true, "prod"),
            config_only: &["timeouts"],
            gone_after_destroy: true,
        },
        async |state: &Value| {
            eks.delete_cluster()
                .name(s(state, "name"))
                .send()
                .await
                .expect("delete");
        },
    )
    .await;
}

#[tokio::test]
async fn cluster_attributes_and_plans() {
    let _g = moto::exclusive();
    let d = driver().await;
    let config = d.config(
        "aws_eks_cluster",
        cluster("attrs", ROLE, "1.29", true, "dev"),
    );
    let (_, created) = d.apply("aws_eks_cluster", &config, None).await;
    let st = created.attrs;
    assert_eq!(s(&st, "status"), "ACTIVE");
    assert!(
        s(&st, "arn").starts_with(&format!("arn:aws:eks:{REGION}:")),
        "{}",
        s(&st, "arn")
    );
    assert!(!s(&st, "endpoint").is_empty());
    let ca = st
        .get_attr("certificate_authority")
        .and_then(Value::as_seq)
        .expect("ca");
    assert_eq!(ca.len(), 1);
    let all = hangar_provider_aws::attrs::string_map(&st, "tags_all");
    assert_eq!(all["hangar:address"], "aws_eks_cluster.test");
    // subnets replace; a version change is in place and makes platform_version unknown
    let other_subnets = d.config(
        "aws_eks_cluster",
        obj([
            ("name", "attrs".into()),
            ("role_arn", ROLE.into()),
            ("version", "1.29".into()),
            (
                "vpc_config",
                list([obj([("subnet_ids", strs(&["subnet-9"]))])]),
            ),
            ("tags", tags(&[("env", "dev")])),
        ]),
    );
    let (action, resp) = d.plan("aws_eks_cluster", &other_subnets, Some(&st)).await;
    assert_eq!(action, Action::Replace);
    assert_eq!(
        resp.requires_replace,
        vec!["vpc_config.0.subnet_ids".to_string()]
    );
    let newer = d.config(
        "aws_eks_cluster",
        cluster("attrs", ROLE, "1.30", true, "dev"),
    );
    let (action, resp) = d.plan("aws_eks_cluster", &newer, Some(&st)).await;
    assert_eq!(action, Action::Update);
    assert!(resp
        .planned
        .get_attr("platform_version")
        .is_some_and(Value::is_unknown));
    // a malformed timeout is a plan error
    let bad = d.config(
        "aws_eks_cluster",
        obj([
            ("name", "x".into()),
            ("role_arn", ROLE.into()),
            (
                "vpc_config",
                list([obj([("subnet_ids", strs(&["subnet-9"]))])]),
            ),
            ("timeouts", obj([("create", "soon".into())])),
        ]),
    );
    let err = d
        .provider
        .plan(
            &d.schema.resources["aws_eks_cluster"],
            hangar_provider::PlanRequest {
                type_name: "aws_eks_cluster".into(),
                prior: None,
                config: bad,
                private: Vec::new(),
            },
        )
        .await
        .expect_err("bad timeout");
    assert!(err.message.contains("timeouts.create"), "{}", err.message);
    d.destroy("aws_eks_cluster", &st).await;
}

fn node_group(cluster: &str, desired: i64, role: &str, env: &str) -> Value {
    obj([
        ("cluster_name", cluster.into()),
        ("node_group_name", "workers".into()),
        ("node_role_arn", role.into()),
        ("subnet_ids", strs(&["subnet-1", "subnet-2"])),
        ("instance_types", strs(&["t3.large"])),
        (
            "scaling_config",
            list([obj([
                ("desired_size", Value::int(desired)),
                ("max_size", Value::int(5)),
                ("min_size", Value::int(1)),
            ])]),
        ),
        ("tags", tags(&[("env", env)])),
    ])
}

#[tokio::test]
async fn node_group_lifecycle() {
    let _g = moto::exclusive();
    let d = driver().await;
    let (_, eks) = sdk().await;
    let c = d.config(
        "aws_eks_cluster",
        cluster("ng-host", ROLE, "1.29", true, "dev"),
    );
    let (_, host) = d.apply("aws_eks_cluster", &c, None).await;
    lifecycle(
        &d,
        Case {
            ty: "aws_eks_node_group",
            create: node_group("ng-host", 2, ROLE, "dev"),
            // moto cannot tag node groups: the in-place change is scaling only.
            update: node_group("ng-host", 3, ROLE, "dev"),
            replace: node_group("ng-host", 3, ROLE2, "dev"),
            config_only: &["timeouts"],
            gone_after_destroy: true,
        },
        async |state: &Value| {
            eks.delete_nodegroup()
                .cluster_name(s(state, "cluster_name"))
                .nodegroup_name(s(state, "node_group_name"))
                .send()
                .await
                .expect("delete");
        },
    )
    .await;
    // the id is cluster:nodegroup and a malformed import id is refused clearly
    let err = d
        .import("aws_eks_node_group", "no-colon")
        .await
        .expect_err("bad id");
    assert!(
        err.message.contains("CLUSTER:NODE_GROUP"),
        "{}",
        err.message
    );
    d.destroy("aws_eks_cluster", &host.attrs).await;
}

#[tokio::test]
async fn cluster_delete_waits_for_node_groups() {
    let _g = moto::exclusive();
    let d = driver().await;
    let c = d.config(
        "aws_eks_cluster",
        cluster("busy", ROLE, "1.29", true, "dev"),
    );
    let (_, host) = d.apply("aws_eks_cluster", &c, None).await;
    let ng = d.config("aws_eks_node_group", node_group("busy", 1, ROLE, "dev"));
    let (_, group) = d.apply("aws_eks_node_group", &ng, None).await;
    assert_eq!(s(&group.attrs, "id"), "busy:workers");
    assert_eq!(s(&group.attrs, "status"), "ACTIVE");
    d.destroy("aws_eks_node_group", &group.attrs).await;
    d.destroy("aws_eks_cluster", &host.attrs).await;
    assert!(d.read("aws_eks_cluster", &host.attrs).await.is_none());
}
