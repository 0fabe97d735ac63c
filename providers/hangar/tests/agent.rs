//! `hangar_agent` against the real control plane (in process, SQLite) and the Kubernetes API
//! test server: registration, what is installed (least-privilege RBAC checked by the server's
//! own authorizer with the agent's service-account token), the token working at the control
//! plane, drift (an out-of-band delete), update of write namespaces, destroy; and the
//! resource's places for the residency gate.

use std::collections::BTreeMap;

use base64::Engine as _;
use hangar_core::Value;
use hangar_provider::{
    ApplyRequest, ConfigureRequest, ConfiguredProvider, OperationContext, PlanRequest, Provider,
    ReadRequest, Target,
};
use hangar_provider_hangar::{HangarProvider, AGENT};
use hangar_remote::control::Control;
use hangar_remote::kube::objects::{Job, Pod};
use hangar_remote::kube::{kinds, Kube, KubeConfig};
use hangar_remote::Secret;
use hangar_testkit::kube::{KubeOptions, KubeServer};
use hangar_wire::{CreateWorkspace, Heartbeat, HeartbeatReply, PROTOCOL_VERSION};

const ADMIN: &str = "admin-token-for-the-hangar-agent-resource-test";

fn object(pairs: &[(&str, Value)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn config(kube: &KubeServer, write: &[&str]) -> Value {
    let schema = HangarProvider.schema().resources[AGENT].clone();
    let mut map: BTreeMap<String, Value> = schema
        .block
        .attributes
        .keys()
        .map(|k| (k.clone(), Value::NULL))
        .collect();
    for (k, v) in [
        ("name", Value::string("eu-agent")),
        ("workspace", Value::string("eu-prod")),
        ("cluster", Value::string("data-plane")),
        ("kubernetes_host", Value::string(&kube.endpoint)),
        (
            "kubernetes_token",
            Value::string(&kube.admin_token).sensitive(),
        ),
        (
            "write_namespaces",
            Value::List(write.iter().map(|w| Value::string(*w)).collect()),
        ),
    ] {
        map.insert(k.into(), v);
    }
    Value::Object(map)
}

fn ctx() -> OperationContext {
    OperationContext {
        address: "hangar_agent.eu".into(),
        workspace: "eu-prod".into(),
        token: "t1".into(),
    }
}

async fn plan(p: &dyn ConfiguredProvider, prior: Option<Value>, config: Value) -> Value {
    let schema = HangarProvider.schema().resources[AGENT].clone();
    p.plan(
        &schema,
        PlanRequest {
            type_name: AGENT.into(),
            prior,
            config,
            private: Vec::new(),
        },
    )
    .await
    .expect("plan")
    .planned
}

fn apply_req(prior: Option<Value>, planned: Option<Value>) -> ApplyRequest {
    ApplyRequest {
        type_name: AGENT.into(),
        prior,
        planned,
        context: ctx(),
        config: None,
        private: Vec::new(),
    }
}

fn verbs(role: &serde_json::Value) -> Vec<String> {
    role["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["verbs"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_installs_least_privilege_detects_drift_updates_and_destroys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let control = hangar_control::start(hangar_control::ServeOptions {
        listen: "127.0.0.1:0".into(),
        database: format!("sqlite:{}", dir.path().join("c.db").display()),
        admin_token: Some(ADMIN.into()),
        ..hangar_control::ServeOptions::default()
    })
    .await
    .expect("control plane");
    let url = format!("http://{}", control.addr());
    let admin = Control::new(&url, Secret::new(ADMIN), None).expect("client");
    let _: hangar_wire::Workspace = admin
        .post(
            "/api/v1/workspaces",
            &CreateWorkspace {
                name: "eu-prod".into(),
                cloud: "aws".into(),
                geography: "eu".into(),
                region: "eu-central-1".into(),
                buckets: Vec::new(),
            },
        )
        .await
        .expect("workspace");
    let kube = KubeServer::start(KubeOptions::default());

    let provider = HangarProvider
        .configure(ConfigureRequest {
            config: object(&[
                ("control_url", Value::string(&url)),
                ("token", Value::string(ADMIN).sensitive()),
            ]),
        })
        .await
        .expect("configure");
    let p = provider.as_ref();

    // Create.
    let planned = plan(p, None, config(&kube, &["ml"])).await;
    assert_eq!(
        planned.get_attr("namespace").and_then(Value::as_str),
        Some("hangar-system")
    );
    assert!(planned.get_attr("token").is_some_and(Value::is_unknown));
    let created = p
        .create(apply_req(None, Some(planned)))
        .await
        .expect("create")
        .attrs;
    let token = created
        .get_attr("token")
        .map(Value::peel)
        .and_then(Value::as_str)
        .expect("token")
        .to_string();
    assert!(created
        .get_attr("token")
        .is_some_and(|t| matches!(t, Value::Sensitive(_))));

    // What the cluster holds.
    let secret = kube
        .object("v1", "secrets", "hangar-system", "hangar-agent")
        .expect("secret");
    let stored = base64::engine::general_purpose::STANDARD
        .decode(secret["data"]["token"].as_str().expect("token data"))
        .expect("base64");
    assert_eq!(stored, token.as_bytes());
    let dep = kube
        .object("apps/v1", "deployments", "hangar-system", "hangar-agent")
        .expect("deployment");
    let c = &dep["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        c["env"][0]["valueFrom"]["secretKeyRef"]["name"],
        "hangar-agent"
    );
    let read = kube
        .object(
            "rbac.authorization.k8s.io/v1",
            "clusterroles",
            "",
            "hangar-agent-hangar-system-read",
        )
        .expect("cluster role");
    assert!(verbs(&read)
        .iter()
        .all(|v| ["get", "list", "watch"].contains(&v.as_str())));
    let write = kube
        .object(
            "rbac.authorization.k8s.io/v1",
            "roles",
            "ml",
            "hangar-agent-write",
        )
        .expect("write role in ml");
    assert!(verbs(&write).contains(&"create".to_string()));
    assert_eq!(
        kube.objects("rbac.authorization.k8s.io/v1", "roles").len(),
        1,
        "write rights only where configured"
    );

    // The token is the agent's: the control plane takes its heartbeat.
    let agent = Control::new(&url, Secret::new(token.clone()), None).expect("client");
    let _: HeartbeatReply = agent
        .post(
            "/api/v1/agent/heartbeat",
            &Heartbeat {
                protocol: PROTOCOL_VERSION,
                agent_version: "test".into(),
                cluster: None,
            },
        )
        .await
        .expect("the registered token works");

    // Least privilege, judged by the API server's authorizer with the agent's own identity.
    let sa = Kube::new(&KubeConfig {
        server: kube.endpoint.clone(),
        token: Some(Secret::new(
            kube.service_account_token("hangar-system", "hangar-agent"),
        )),
        ..KubeConfig::default()
    })
    .expect("kube client");
    let _: Vec<Pod> = sa
        .list(kinds::POD, None, None)
        .await
        .expect("may read pods");
    let job = |ns: &str| {
        serde_json::json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "train", "namespace": ns},
            "spec": {"template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "t", "image": "registry.eu/train:1"}]}}}
        })
    };
    let refused = sa
        .apply::<_, Job>(
            kinds::JOB,
            Some("default"),
            "train",
            &job("default"),
            "agent",
            true,
        )
        .await
        .expect_err("no write rights outside the named namespaces");
    assert_eq!(refused.status(), Some(403), "{refused}");
    let _: Job = sa
        .apply(kinds::JOB, Some("ml"), "train", &job("ml"), "agent", true)
        .await
        .expect("write rights in ml");

    // Refresh finds it; an out-of-band delete is drift (the object is gone).
    let read_req = |prior: &Value| ReadRequest {
        type_name: AGENT.into(),
        prior: prior.clone(),
        private: Vec::new(),
    };
    assert!(p.read(read_req(&created)).await.expect("read").is_some());
    assert!(kube.remove("apps/v1", "deployments", "hangar-system", "hangar-agent"));
    assert!(p.read(read_req(&created)).await.expect("read").is_none());

    // Update: no write namespaces any more; the deployment is re-applied too.
    let planned = plan(p, Some(created.clone()), config(&kube, &[])).await;
    let updated = p
        .update(apply_req(Some(created.clone()), Some(planned)))
        .await
        .expect("update")
        .attrs;
    assert!(kube
        .object(
            "rbac.authorization.k8s.io/v1",
            "roles",
            "ml",
            "hangar-agent-write"
        )
        .is_none());
    assert!(p.read(read_req(&updated)).await.expect("read").is_some());

    // Destroy.
    p.delete(apply_req(Some(updated.clone()), None))
        .await
        .expect("delete");
    assert!(kube
        .object("v1", "namespaces", "", "hangar-system")
        .is_none());
    assert!(kube
        .object(
            "rbac.authorization.k8s.io/v1",
            "clusterroles",
            "",
            "hangar-agent-hangar-system-read"
        )
        .is_none());
    assert!(p.read(read_req(&updated)).await.expect("read").is_none());

    control.shutdown().await.expect("shutdown");
}

#[test]
fn the_agent_lives_where_its_cluster_lives() {
    let cfg = object(&[
        ("cluster", Value::Unknown(hangar_core::Type::String)),
        ("kubernetes_host", Value::string("http://127.0.0.1:6443")),
    ]);
    let places = HangarProvider.places(AGENT, false, &cfg);
    assert_eq!(places[0].path.as_deref(), Some("cluster"));
    assert_eq!(
        places[0].target,
        Target::SameAs {
            type_name: "aws_eks_cluster".into()
        }
    );
    assert_eq!(
        places[1].target,
        Target::Unprovable("http://127.0.0.1:6443".into())
    );
    let computed = object(&[
        ("cluster_type", Value::string("google_container_cluster")),
        ("kubernetes_host", Value::Unknown(hangar_core::Type::String)),
    ]);
    let places = HangarProvider.places(AGENT, false, &computed);
    assert!(places.iter().all(|p| p.target
        == Target::SameAs {
            type_name: "google_container_cluster".into()
        }));
    // No cloud of its own: the gate judges it in the cloud of the cluster it names.
    assert_eq!(HangarProvider.cloud(), None);
}
