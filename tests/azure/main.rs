//! Azure end to end: the real `hangar` binary against the ARM test server (and Entra ID token
//! endpoint) on 127.0.0.1. Residency on Azure: locations outside the geography, unknown or
//! unproven, and geo-redundant copies whose paired region leaves it (or is not one of the
//! workspace's regions), are refused at plan time — and the ARM test server holds no resource
//! afterwards; an object left by a killed apply is adopted. Every run carries the test
//! server's credentials and endpoints, so nothing can reach Azure or Entra ID.

use hangar_testkit::arm::{ArmConfig, ArmServer};
use hangar_testkit::work::{Hangar, Run, Work};

/// A scratch configuration and the ARM test server its runs talk to.
struct Case {
    work: Work,
    arm: ArmServer,
}

impl Case {
    /// A configuration bound to workspace `ws` (`geography`, `region`) with an azurerm
    /// provider pointing at a fresh ARM test server, followed by `body`.
    fn new(geography: &str, region: &str, body: &str) -> Case {
        Self::allowing(geography, region, &[], body)
    }

    /// Like [`Case::new`], with `allowed` as the workspace's `allowed_regions`.
    fn allowing(geography: &str, region: &str, allowed: &[&str], body: &str) -> Case {
        let arm = ArmServer::start_blocking(ArmConfig::default());
        let allowed = allowed
            .iter()
            .map(|r| format!("\"{r}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let main_tf = format!(
            r#"
workspace "ws" {{
  geography       = "{geography}"
  region          = "{region}"
  allowed_regions = [{allowed}]
}}

provider "azurerm" {{
  features {{}}
  resource_manager_endpoint = "{}"
}}
{body}"#,
            arm.endpoint
        );
        let c = &arm.config;
        let work = Hangar::new(env!("CARGO_BIN_EXE_hangar"))
            .env("ARM_SUBSCRIPTION_ID", &c.subscription_id)
            .env("ARM_TENANT_ID", &c.tenant_id)
            .env("ARM_CLIENT_ID", &c.client_id)
            .env("ARM_CLIENT_SECRET", &c.client_secret)
            .env("AZURE_AUTHORITY_HOST", &arm.endpoint)
            .work()
            .file("main.tf", &main_tf);
        Case { work, arm }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.work.run(args)
    }

    /// Plans, expecting a residency refusal whose message contains every one of `needles`;
    /// checks that nothing reached the ARM test server.
    fn refused(&self, needles: &[&str]) {
        let r = self.run(&["plan"]);
        assert_eq!(
            r.code, 1,
            "plan must be refused\n{}\n{}",
            r.stdout, r.stderr
        );
        assert!(r.stderr.contains("Residency violation"), "{}", r.stderr);
        for n in needles {
            assert!(r.stderr.contains(n), "missing {n:?} in:\n{}", r.stderr);
        }
        assert!(
            self.arm.resource_ids().is_empty(),
            "the ARM test server holds {:?}",
            self.arm.resource_ids()
        );
    }
}

#[test]
fn a_resource_group_left_by_a_killed_apply_is_adopted_not_duplicated() {
    let w = Case::new(
        "eu",
        "germanywestcentral",
        "resource \"azurerm_resource_group\" \"left\" {\n  name     = \"rg-left\"\n  location = \"germanywestcentral\"\n}\n",
    );
    let id = format!(
        "/subscriptions/{}/resourceGroups/rg-left",
        w.arm.config.subscription_id
    );
    w.arm.seed(
        &id,
        serde_json::json!({
            "type": "Microsoft.Resources/resourceGroups",
            "location": "germanywestcentral",
            "tags": {
                "hangar:workspace": "ws",
                "hangar:address": "azurerm_resource_group.left",
                "hangar:token": "tok-1"
            }
        }),
    );
    let state = serde_json::json!({
        "format_version": 1,
        "serial": 1,
        "lineage": "4a0c2b8e-0000-4000-8000-000000000002",
        "hangar_version": "0.1.0",
        "resources": {},
        "outputs": {},
        "pending": { "tok-1": { "addr": "azurerm_resource_group.left", "action": "create" } }
    });
    let dir = w.work.path().join("hangar.tfstate.d/ws");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("hangar.tfstate"), state.to_string()).expect("state");
    let plan = w.run(&["plan"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert!(
        plan.stderr.contains("Adopted azurerm_resource_group.left"),
        "{}",
        plan.stderr
    );
    assert!(!plan.stdout.contains("will be created"), "{}", plan.stdout);
    let apply = w.run(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let again = w.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    assert_eq!(w.arm.resource_ids(), vec![id], "one group, never two");
}

fn account(location: &str, replication: &str) -> String {
    format!(
        r#"
resource "azurerm_resource_group" "rg" {{
  name     = "rg-res"
  location = "{location}"
}}

resource "azurerm_storage_account" "sa" {{
  name                     = "hangarres"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = azurerm_resource_group.rg.location
  account_tier             = "Standard"
  account_replication_type = "{replication}"
}}
"#
    )
}

#[test]
fn a_location_outside_the_geography_is_refused_at_plan_time() {
    let w = Case::new("eu", "germanywestcentral", &account("brazilsouth", "LRS"));
    w.refused(&["azurerm_resource_group.rg", "brazilsouth", "\"eu\""]);
}

#[test]
fn a_resource_placed_by_reference_is_judged_by_the_referenced_location() {
    // The group is inside the workspace; the account follows it by reference and is admitted,
    // so the plan goes ahead (against the ARM test server).
    let w = Case::new(
        "eu",
        "germanywestcentral",
        &account("germanywestcentral", "ZRS"),
    );
    let r = w.run(&["plan"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("2 to add"), "{}", r.stdout);
    // A location no plan can know (read back after apply) cannot be proven: refused.
    let unknown = Case::new(
        "eu",
        "germanywestcentral",
        &format!(
            "{}\nresource \"azurerm_resource_group\" \"other\" {{\n  name     = \"rg-other\"\n  location = azurerm_storage_account.sa.primary_location\n}}\n",
            account("germanywestcentral", "ZRS")
        ),
    );
    unknown.refused(&["azurerm_resource_group.other", "not known at plan time"]);
}

#[test]
fn a_geo_redundant_copy_inside_the_geography_is_admitted_once_its_region_is_allowed() {
    // germanywestcentral pairs with germanynorth: both in the eu, but the copy's region must
    // be one of the workspace's regions like any other place.
    let w = Case::new(
        "eu",
        "germanywestcentral",
        &account("germanywestcentral", "GRS"),
    );
    w.refused(&["geo-redundant copy germanynorth", "allowed_regions"]);
    let w = Case::allowing(
        "eu",
        "germanywestcentral",
        &["germanynorth"],
        &account("germanywestcentral", "GRS"),
    );
    let r = w.run(&["plan"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn a_geo_redundant_copy_whose_pair_leaves_the_geography_is_refused_at_plan_time() {
    // brazilsouth copies GRS data to southcentralus, in the US.
    let w = Case::new("br", "brazilsouth", &account("brazilsouth", "GRS"));
    w.refused(&[
        "azurerm_storage_account.sa",
        "geo-redundant copy",
        "southcentralus",
        "\"br\"",
    ]);
    // southeastasia (Singapore) copies to eastasia (Hong Kong).
    let w = Case::new("sg", "southeastasia", &account("southeastasia", "RAGZRS"));
    w.refused(&["azurerm_storage_account.sa", "eastasia"]);
    // A region without a pair cannot prove where a geo-redundant copy would go.
    let w = Case::new("eu", "polandcentral", &account("polandcentral", "GRS"));
    w.refused(&["azurerm_storage_account.sa", "geo-redundant copy"]);
}

/// An AKS cluster in a resource group at `location` and the data-plane agent installed into it
/// (the control plane's URL is never called at plan time).
fn cluster_and_agent(location: &str) -> String {
    format!(
        r#"
provider "hangar" {{
  control_url = "http://127.0.0.1:1"
}}

resource "azurerm_resource_group" "rg" {{
  name     = "rg-agent"
  location = "{location}"
}}

resource "azurerm_kubernetes_cluster" "k" {{
  name                = "k"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  dns_prefix          = "k"

  default_node_pool {{
    name       = "system"
    node_count = 1
    vm_size    = "Standard_D2s_v3"
  }}

  identity {{
    type = "SystemAssigned"
  }}
}}

resource "hangar_agent" "a" {{
  name            = "eu-agent"
  workspace       = "ws"
  cluster         = azurerm_kubernetes_cluster.k.id
  cluster_type    = "azurerm_kubernetes_cluster"
  kubernetes_host = azurerm_kubernetes_cluster.k.kube_config[0].host
}}
"#
    )
}

#[test]
fn an_agent_is_judged_where_its_aks_cluster_is() {
    // Inside: the agent's place is its cluster's, germanywestcentral (an Azure region).
    let w = Case::new(
        "eu",
        "germanywestcentral",
        &cluster_and_agent("germanywestcentral"),
    );
    let r = w.run(&["plan"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("3 to add"), "{}", r.stdout);
    assert!(!r.stderr.contains("Residency violation"), "{}", r.stderr);
    // Outside: refused with its cluster, and nothing reached ARM.
    let w = Case::new("eu", "germanywestcentral", &cluster_and_agent("eastus"));
    w.refused(&[
        "hangar_agent.a targets cluster eastus",
        "azurerm_kubernetes_cluster.k",
    ]);
}
