//! The data-plane agent on GKE and AKS end to end: `hangar apply` of examples/gcp-data-plane
//! and examples/azure-data-plane with `control_url` set installs the agent into the cluster's
//! Kubernetes API and registers it with `hangar serve`; a re-plan is clean; destroy removes it.
//!
//! The clusters are the GKE and ARM test servers', which report the Kubernetes API test server
//! (HTTPS, its test CA) as their endpoint and CA: host, CA and (on AKS) token reach the install
//! through the cluster's own attributes, and on GKE the token through `google_client_config`
//! (the google provider's access token), as they would on Google Cloud and Azure. Storage is
//! fake-gcs-server and Azurite; everything is on 127.0.0.1.

use std::path::Path;
use std::process::Output;

use hangar_testkit::arm::{ArmConfig, ArmServer};
use hangar_testkit::azurite::azurite;
use hangar_testkit::fake_gcs::fake_gcs;
use hangar_testkit::gke::GkeServer;
use hangar_testkit::kube::{KubeOptions, KubeServer};
use hangar_wire::{AgentHealth, AgentList, Grant, IssueToken, Role, TokenIssued};

use super::{assert_read_only, create_workspace, hangar, json, ok, serve, ADMIN};

/// A control plane with workspace `eu-prod` of `cloud` in `region`; its URL and an operator
/// token for the workspace.
fn control(db: &Path, cloud: &str, region: &str) -> (super::Proc, String, String) {
    let (proc, base) = serve(db);
    create_workspace(&base, "eu-prod", cloud, "eu", region);
    let operator: TokenIssued = ok(
        &base,
        "POST",
        "/api/v1/tokens",
        ADMIN,
        json(&IssueToken {
            name: "ops".into(),
            grants: vec![Grant {
                workspace: "eu-prod".into(),
                role: Role::Operator,
            }],
        }),
    );
    (proc, base, operator.token)
}

/// A copy of examples/NAME and the modules it uses, in a temporary directory; the example's
/// directory.
fn example(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let root = hangar_testkit::repo_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("examples").join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(
        root.join("examples").join(name).join("main.tf"),
        dir.join("main.tf"),
    )
    .expect("copy the example");
    let module = name.to_string();
    let to = tmp.path().join("modules").join(&module);
    std::fs::create_dir_all(&to).expect("mkdir");
    for entry in std::fs::read_dir(root.join("modules").join(&module)).expect("module") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy the module");
    }
    (tmp, dir)
}

/// One example directory with the variables and environment every run of it takes.
struct Runs<'a> {
    dir: &'a Path,
    vars: Vec<String>,
    env: Vec<(&'a str, &'a str)>,
}

impl Runs<'_> {
    /// Runs `hangar -C dir CMD --var ...`; fails the test unless it exits `code`.
    fn go(&self, cmd: &[&str], code: i32) -> String {
        let mut c = hangar();
        c.arg("-C").arg(self.dir).args(cmd);
        for v in &self.vars {
            c.arg("--var").arg(v);
        }
        c.envs(self.env.iter().copied());
        let out: Output = c.output().expect("run hangar");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(code), "hangar {cmd:?}:\n{text}");
        text
    }

    /// Applies (the agent installed and registered), re-plans clean, checks that `hangar
    /// residency` lists the agent in `cloud` at `location`, destroys (the agent removed and
    /// deregistered).
    fn cycle(&self, kube: &KubeServer, base: &str, operator: &str, cloud: &str, location: &str) {
        let applied = self.go(&["apply", "--auto-approve"], 0);
        assert!(
            applied.contains("module.data_plane.hangar_agent.this[0]"),
            "{applied}"
        );
        assert!(!applied.contains("Residency violation"), "{applied}");
        assert_installed(kube, base, operator);
        self.go(&["plan", "--detailed-exitcode"], 0);
        assert_listed(&self.go(&["residency"], 0), cloud, location);
        self.go(&["destroy", "--auto-approve"], 0);
        assert!(kube
            .object("apps/v1", "deployments", "hangar-system", "hangar-agent")
            .is_none());
        assert!(kube
            .object("v1", "namespaces", "", "hangar-system")
            .is_none());
        // Deregistered: its token revoked, listed as such.
        assert_agent(base, operator, AgentHealth::Revoked);
    }
}

/// The control plane lists the workspace's agent `agent` with `health`.
fn assert_agent(base: &str, operator: &str, health: AgentHealth) {
    let agents: AgentList = ok(
        base,
        "GET",
        "/api/v1/workspaces/eu-prod/agents",
        operator,
        None,
    );
    assert!(
        agents
            .agents
            .iter()
            .any(|a| a.name == "agent" && a.health == health),
        "{agents:?}"
    );
}

/// Checks what the agent's install put into the cluster, and its registration.
fn assert_installed(kube: &KubeServer, base: &str, operator: &str) {
    for (api, plural, ns, name) in [
        ("v1", "namespaces", "", "hangar-system"),
        ("v1", "serviceaccounts", "hangar-system", "hangar-agent"),
        ("v1", "secrets", "hangar-system", "hangar-agent"),
        ("apps/v1", "deployments", "hangar-system", "hangar-agent"),
        (
            "rbac.authorization.k8s.io/v1",
            "roles",
            "ml",
            "hangar-agent-write",
        ),
    ] {
        assert!(
            kube.object(api, plural, ns, name).is_some(),
            "{plural} {ns}/{name} was not installed"
        );
    }
    // Installed through the endpoint and CA the cluster reports, with the token that the
    // cluster's API server takes as its admin's.
    assert!(kube
        .requests()
        .iter()
        .any(|r| r.path.contains("/deployments") && r.user == "kubernetes-admin"));
    assert_read_only(kube);
    assert_agent(base, operator, AgentHealth::NeverSeen);
}

/// `hangar residency` lists the agent in its cluster's cloud, at its cluster's location, and
/// observed where its cluster was read back (the agent itself reports no region).
fn assert_listed(report: &str, cloud: &str, location: &str) {
    let row = report
        .lines()
        .find(|l| l.starts_with("module.data_plane.hangar_agent.this[0]"))
        .unwrap_or_else(|| panic!("no agent row in:\n{report}"));
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols[1..4], [cloud, location, location], "{report}");
    assert_eq!(cols[4..6], ["ok", "(where"], "{report}");
    assert_eq!(
        row.matches("module.data_plane.").count(),
        2,
        "the agent, then its cluster once: {report}"
    );
}

#[test]
fn the_gcp_data_plane_installs_its_agent_into_the_gke_cluster() {
    // GKE takes Google OAuth2 access tokens: the cluster's API server accepts the one the
    // google provider uses.
    const TOKEN: &str = "ya29.test-access-token-for-the-gke-agent";
    let db = tempfile::tempdir().expect("tempdir");
    let (_serve, base, operator) = control(&db.path().join("control.db"), "gcp", "europe-west3");
    let kube = KubeServer::start(KubeOptions {
        tls: true,
        admin_token: Some(TOKEN.into()),
        ..KubeOptions::default()
    });
    let gke = GkeServer::start_with_kubernetes_api(&kube.endpoint);
    let gcs = fake_gcs("EUROPE-WEST3");
    let (_tmp, dir) = example("gcp-data-plane");
    let name = format!("dp{}", std::process::id() % 100_000);
    let vars = vec![
        format!("gcs_endpoint={}", gcs.endpoint),
        format!("gke_endpoint={}", gke.endpoint),
        format!("access_token={TOKEN}"),
        format!("control_url={base}"),
        format!("name={name}"),
    ];
    let runs = Runs {
        dir: &dir,
        vars,
        env: vec![
            ("HANGAR_CONTROL_TOKEN", operator.as_str()),
            ("CLOUDSDK_CONFIG", "/nonexistent"),
        ],
    };
    runs.cycle(&kube, &base, &operator, "gcp", "europe-west3");
}

#[test]
fn the_azure_data_plane_installs_its_agent_into_the_aks_cluster() {
    let db = tempfile::tempdir().expect("tempdir");
    let (_serve, base, operator) =
        control(&db.path().join("control.db"), "azure", "germanywestcentral");
    // AKS hands out the cluster user's token in its credentials: the ARM test server's is
    // `test-token-of-CLUSTER`, and the example's cluster is dp-eu-aks.
    let kube = KubeServer::start(KubeOptions {
        tls: true,
        admin_token: Some("test-token-of-dp-eu-aks".into()),
        ..KubeOptions::default()
    });
    let az = azurite();
    let arm = ArmServer::start_blocking(ArmConfig {
        blob_endpoint: Some(az.endpoint.clone()),
        kube_api: Some(kube.endpoint.clone()),
        ..ArmConfig::default()
    });
    let c = &arm.config;
    let (_tmp, dir) = example("azure-data-plane");
    let vars = vec![
        format!("arm_endpoint={}", arm.endpoint),
        format!("storage_endpoint={}", az.endpoint),
        format!("control_url={base}"),
    ];
    let runs = Runs {
        dir: &dir,
        vars,
        env: vec![
            ("HANGAR_CONTROL_TOKEN", operator.as_str()),
            ("ARM_SUBSCRIPTION_ID", c.subscription_id.as_str()),
            ("ARM_TENANT_ID", c.tenant_id.as_str()),
            ("ARM_CLIENT_ID", c.client_id.as_str()),
            ("ARM_CLIENT_SECRET", c.client_secret.as_str()),
            ("AZURE_AUTHORITY_HOST", arm.endpoint.as_str()),
        ],
    };
    runs.cycle(&kube, &base, &operator, "azure", "germanywestcentral");
    assert!(arm.resource_ids().is_empty(), "{:?}", arm.resource_ids());
}
