//! Installing plugins over the network through the binary, against the HTTPS provider registry
//! and network mirror of the test support code on 127.0.0.1: `init` from a `network_mirror`,
//! from a registry found by service discovery, and from the default registry host through a
//! CLI configuration `host` override (so nothing asks registry.terraform.io); the lock file
//! records what was verified; the downloaded plugin runs; a second init stays off the network;
//! a tampered package and an unreachable registry are clear errors.

use std::collections::BTreeSet;

use hangar_testkit::provider_registry::{h1, other_platform_zh, zh, Package, ProviderServer};
use hangar_testkit::test_plugin::mirror;
use libtest_mimic::Trial;

use crate::{trial, PluginDirs, Work};

pub fn tests() -> Vec<Trial> {
    vec![
        trial("network_mirror_installs_verifies_and_locks", network_mirror),
        trial("registry_install_through_service_discovery", registry),
        trial(
            "default_registry_host_overridden_to_loopback",
            host_override,
        ),
        trial("unreachable_registry_is_a_clear_error", unreachable),
    ]
}

/// The test plugin at 1.0.0 and 1.1.0, as zips.
fn server() -> (ProviderServer, Vec<Package>) {
    let exe = std::env::current_exe().expect("current exe");
    let packages: Vec<Package> = ["1.0.0", "1.1.0"]
        .iter()
        .map(|v| Package {
            provider: "hangar/hangartest".into(),
            version: v.to_string(),
            zip: mirror::package_zip(&exe, v, "").expect("zip"),
            tampered: mirror::package_zip(&exe, v, "tampered").expect("zip"),
        })
        .collect();
    (ProviderServer::start(packages.clone()), packages)
}

fn config(source: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    hangartest = {{
      source  = "{source}"
      version = "~> 1.0"
    }}
  }}
}}

provider "hangartest" {{
  region = "eu-central-1"
}}

resource "hangartest_thing" "a" {{
  name = "thing-a"
}}

output "arn" {{
  value = hangartest_thing.a.arn
}}
"#
    )
}

fn work(source: &str, server: &ProviderServer, cli_config: &str) -> Work {
    let w = crate::work(&config(source)).env("SSL_CERT_FILE", server.ca_file());
    w.set_cli_config(cli_config);
    w
}

fn installed(w: &Work, host: &str, version: &str) -> std::path::PathBuf {
    w.path()
        .join(".terraform/providers")
        .join(host)
        .join("hangar/hangartest")
        .join(version)
        .join(hangar_provider_plugin::install::mirror::current_platform())
        .join(format!("terraform-provider-hangartest_v{version}"))
}

/// Applies, re-plans clean and checks the plugin made its object.
fn runs(w: &Work) {
    w.run(&["apply", "-auto-approve"]).expect(0);
    w.run(&["plan", "-detailed-exitcode"]).expect(0);
    assert_eq!(w.objects_of("hangartest_thing").len(), 1);
}

fn hashes(lock: &str) -> BTreeSet<String> {
    lock.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"h1:") || l.starts_with("\"zh:"))
        .map(|l| l.trim_end_matches(',').trim_matches('"').to_string())
        .collect()
}

fn network_mirror() {
    let (server, packages) = server();
    let newest = &packages[1];
    let w = work(
        "hangar/hangartest",
        &server,
        &format!(
            "provider_installation {{\n  network_mirror {{\n    url     = \"{}\"\n    include = [\"hangar/*\"]\n  }}\n}}\n",
            server.mirror_url()
        ),
    );
    w.run(&["init"]).expect(0);
    let lock = w.read(".terraform.lock.hcl");
    assert!(
        lock.contains("provider \"registry.terraform.io/hangar/hangartest\" {\n  version     = \"1.1.0\"\n  constraints = \"~> 1.0\""),
        "{lock}"
    );
    assert_eq!(
        hashes(&lock),
        [h1(&newest.zip), zh(&newest.zip)].into(),
        "the installed package's h1: and the hashes the mirror published"
    );
    assert!(installed(&w, "registry.terraform.io", "1.1.0").is_file());
    let platform = hangar_provider_plugin::install::mirror::current_platform();
    let base = "/mirror/registry.terraform.io/hangar/hangartest";
    assert_eq!(
        server.requests(),
        [
            format!("{base}/index.json"),
            format!("{base}/1.1.0.json"),
            format!("{base}/terraform-provider-hangartest_1.1.0_{platform}.zip"),
        ]
    );
    runs(&w);

    // A second init is satisfied by what is installed and locked: no request.
    let asked = server.requests().len();
    w.run(&["init"]).expect(0);
    assert_eq!(server.requests().len(), asked, "{:?}", server.requests());

    // A package that does not match the mirror's hashes is refused, naming provider and URL.
    std::fs::remove_dir_all(w.path().join(".terraform")).expect("rm .terraform");
    server.tamper(true);
    let r = w.run(&["init"]).expect(1);
    let url = format!(
        "https://{}{base}/terraform-provider-hangartest_1.1.0_{platform}.zip",
        server.host
    );
    assert!(
        r.stderr
            .contains("registry.terraform.io/hangar/hangartest 1.1.0")
            && r.stderr.contains(&url)
            && r.stderr.contains("does not match"),
        "{}",
        r.all()
    );
    assert!(!installed(&w, "registry.terraform.io", "1.1.0").exists());
}

fn registry() {
    let (server, packages) = server();
    let newest = &packages[1];
    let source = format!("{}/hangar/hangartest", server.host);
    // No provider_installation block: Terraform's default, the registry after the implied
    // mirrors (none exist under this test's HOME).
    let w = work(&source, &server, "");
    w.run(&["init"]).expect(0);
    let lock = w.read(".terraform.lock.hcl");
    assert!(
        lock.contains(&format!(
            "provider \"{source}\" {{\n  version     = \"1.1.0\"\n  constraints = \"~> 1.0\""
        )),
        "{lock}"
    );
    assert_eq!(
        hashes(&lock),
        [h1(&newest.zip), zh(&newest.zip), other_platform_zh(newest)].into(),
        "h1: of the package and the zh: of every platform in SHA256SUMS"
    );
    let platform = hangar_provider_plugin::install::mirror::current_platform();
    let (os, arch) = platform.split_once('_').expect("os_arch");
    assert_eq!(
        server.requests(),
        [
            "/.well-known/terraform.json".to_string(),
            "/v1/providers/hangar/hangartest/versions".to_string(),
            format!("/v1/providers/hangar/hangartest/1.1.0/download/{os}/{arch}"),
            "/files/terraform-provider-hangartest_1.1.0_SHA256SUMS".to_string(),
            format!("/files/terraform-provider-hangartest_1.1.0_{platform}.zip"),
        ]
    );
    assert!(installed(&w, &server.host, "1.1.0").is_file());
    runs(&w);
    let asked = server.requests().len();
    w.run(&["init"]).expect(0);
    assert_eq!(server.requests().len(), asked, "a second init asks nothing");

    // A package whose SHA-256 is not the registry's checksum is refused.
    std::fs::remove_dir_all(w.path().join(".terraform")).expect("rm .terraform");
    server.tamper(true);
    let r = w.run(&["init"]).expect(1);
    let url = format!(
        "https://{}/files/terraform-provider-hangartest_1.1.0_{platform}.zip",
        server.host
    );
    assert!(
        r.stderr.contains(&format!("{source} 1.1.0"))
            && r.stderr.contains(&url)
            && r.stderr.contains("does not match the checksum"),
        "{}",
        r.all()
    );
    // A locked version the registry serves correctly again installs without -upgrade.
    server.tamper(false);
    w.run(&["init"]).expect(0);
    assert!(installed(&w, &server.host, "1.1.0").is_file());

    // A provider the registry does not know: a clear error naming it and where it looked.
    w.write(
        "main.tf",
        &config(&format!("{}/hangar/nosuch", server.host)),
    );
    let r = w.run(&["init"]).expect(1);
    assert!(
        r.stderr.contains(&format!(
            "Could not find a version of {}/hangar/nosuch matching its constraint",
            server.host
        )) && r
            .stderr
            .contains(&format!("or in the provider registry at {}", server.host)),
        "{}",
        r.all()
    );
}

fn host_override() {
    let (server, _) = server();
    let w = work(
        "hangar/hangartest",
        &server,
        &format!(
            "host \"registry.terraform.io\" {{\n  services = {{\n    \"providers.v1\" = \"{}\"\n  }}\n}}\n",
            server.registry_url()
        ),
    );
    w.run(&["init"]).expect(0);
    let lock = w.read(".terraform.lock.hcl");
    assert!(
        lock.contains(
            "provider \"registry.terraform.io/hangar/hangartest\" {\n  version     = \"1.1.0\""
        ),
        "{lock}"
    );
    let asked = server.requests();
    assert!(
        !asked.iter().any(|p| p.contains("well-known")),
        "the host block replaces service discovery: {asked:?}"
    );
    assert!(installed(&w, "registry.terraform.io", "1.1.0").is_file());
    runs(&w);
}

fn unreachable() {
    let (server, _) = server();
    // Port 1 on loopback: nothing listens, the connection is refused.
    let w = work(
        "hangar/hangartest",
        &server,
        "host \"registry.terraform.io\" {\n  services = {\n    \"providers.v1\" = \"https://127.0.0.1:1/v1/providers/\"\n  }\n}\n",
    );
    let r = w.run(&["init"]).expect(1);
    assert!(
        r.stderr.contains("registry.terraform.io/hangar/hangartest")
            && r.stderr
                .contains("the provider registry at registry.terraform.io")
            && r.stderr
                .contains("https://127.0.0.1:1/v1/providers/hangar/hangartest/versions"),
        "{}",
        r.all()
    );
    let w = work(
        "hangar/hangartest",
        &server,
        "provider_installation {\n  network_mirror {\n    url = \"https://127.0.0.1:1/mirror/\"\n  }\n}\n",
    );
    let r = w.run(&["init"]).expect(1);
    assert!(
        r.stderr
            .contains("the network mirror https://127.0.0.1:1/mirror/"),
        "{}",
        r.all()
    );
    assert!(server.requests().is_empty());
}
