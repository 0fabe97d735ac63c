//! Module registry sources through the binary, against the HTTPS module registry of the test
//! support code: `init` resolves `[HOST/]NAMESPACE/NAME/PROVIDER` with the call's `version`
//! through service discovery, `/versions` and `/download`, fetches the git source the registry
//! names, and pins version, download and commit in `.hangar.lock.json`; plan and apply use the
//! installed code without asking the registry; a changed constraint selects another version.

use std::collections::BTreeMap;

use hangar_testkit::module_registry::{Module, ModuleRegistry};
use libtest_mimic::Trial;

use crate::{trial, work, PluginDirs};

pub fn tests() -> Vec<Trial> {
    vec![
        trial("registry_module_sources_are_resolved_and_pinned", registry),
        trial(
            "module_registry_host_overridden_in_cli_config",
            host_override,
        ),
    ]
}

/// A `host` block of the CLI configuration names the module registry of a host that does not
/// exist: nothing asks that host, not even for its discovery document.
fn host_override() {
    let repo = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        repo.path().join("main.tf"),
        "output \"v\" {\n  value = \"from-registry\"\n}\n",
    )
    .expect("write");
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .arg("-C")
            .arg(repo.path())
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .status()
            .expect("git runs")
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "v1"]);
    git(&["tag", "v1.0.0"]);
    let versions = [(
        "1.0.0".to_string(),
        format!("git::file://{}?ref=v1.0.0", repo.path().display()),
    )]
    .into();
    let reg = ModuleRegistry::start([("acme/net/aws".to_string(), Module { versions })].into());
    let w = work(
        "module \"net\" {\n  source  = \"registry.example.invalid/acme/net/aws\"\n  version = \"~> 1.0\"\n}\noutput \"v\" {\n  value = module.net.v\n}\n",
    );
    w.set_cli_config(&format!(
        "host \"registry.example.invalid\" {{\n  services = {{\n    \"modules.v1\" = \"https://{}/v1/modules/\"\n  }}\n}}\n",
        reg.host
    ));
    let w = w.env("SSL_CERT_FILE", reg.ca_file());
    w.run(&["init"]).expect(0);
    assert_eq!(
        reg.requests(),
        [
            "/v1/modules/acme/net/aws/versions".to_string(),
            "/v1/modules/acme/net/aws/1.0.0/download".to_string(),
        ]
    );
    w.run(&["apply", "-auto-approve"]).expect(0);
    let r = w.run(&["output", "-raw", "v"]).expect(0);
    assert_eq!(r.stdout, "from-registry");
}

fn registry() {
    let repo = tempfile::tempdir().expect("tempdir");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(repo.path())
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    let mut versions = BTreeMap::new();
    for v in ["1.0.0", "1.1.0", "2.0.0"] {
        std::fs::create_dir_all(repo.path().join("net")).expect("mkdir");
        std::fs::write(
            repo.path().join("net/main.tf"),
            format!(
                "variable \"name\" {{}}\nresource \"terraform_data\" \"x\" {{\n  input = \"${{var.name}}@{v}\"\n}}\noutput \"v\" {{\n  value = terraform_data.x.output\n}}\n"
            ),
        )
        .expect("write");
        git(&["add", "-A"]);
        git(&["commit", "-qm", v]);
        git(&["tag", &format!("v{v}")]);
        versions.insert(
            v.to_string(),
            format!("git::file://{}//net?ref=v{v}", repo.path().display()),
        );
    }
    let reg = ModuleRegistry::start([("acme/net/aws".to_string(), Module { versions })].into());
    let config = |constraint: &str| {
        format!(
            "module \"net\" {{\n  source  = \"{}/acme/net/aws\"\n  version = \"{constraint}\"\n  name    = \"hi\"\n}}\noutput \"v\" {{\n  value = module.net.v\n}}\n",
            reg.host
        )
    };
    let mut w = work(&config("~> 1.0"));
    w.extra_env
        .push(("SSL_CERT_FILE".into(), reg.ca_file().display().to_string()));
    w.run(&["init"]).expect(0);
    let lock: serde_json::Value =
        serde_json::from_str(&w.read(".hangar.lock.json")).expect("lock JSON");
    let source = format!("{}/acme/net/aws", reg.host);
    let entry = &lock["modules"][&source];
    assert_eq!(entry["version"], "1.1.0", "{lock}");
    assert_eq!(
        entry["download"],
        format!("git::file://{}//net?ref=v1.1.0", repo.path().display()),
        "{lock}"
    );
    assert_eq!(entry["commit"].as_str().map(str::len), Some(40), "{lock}");
    let asked = reg.requests();
    assert_eq!(
        asked,
        [
            "/.well-known/terraform.json".to_string(),
            "/v1/modules/acme/net/aws/versions".to_string(),
            "/v1/modules/acme/net/aws/1.1.0/download".to_string(),
        ],
        "the protocol's three calls"
    );

    w.run(&["apply", "-auto-approve"]).expect(0);
    let r = w.run(&["output", "-raw", "v"]).expect(0);
    assert_eq!(r.stdout, "hi@1.1.0");
    w.run(&["plan", "-detailed-exitcode"]).expect(0);
    assert_eq!(
        reg.requests().len(),
        3,
        "plan and apply do not ask the registry"
    );

    // A constraint the locked version no longer meets selects again at init.
    w.write("main.tf", &config("1.0.0"));
    let r = w.run(&["plan"]).expect(1);
    assert!(r.stderr.contains("hangar init"), "{}", r.all());
    w.run(&["init"]).expect(0);
    w.run(&["apply", "-auto-approve"]).expect(0);
    let r = w.run(&["output", "-raw", "v"]).expect(0);
    assert_eq!(r.stdout, "hi@1.0.0");

    // No matching version: a clear error naming the module and what the registry has.
    w.write("main.tf", &config("~> 3.0"));
    let r = w.run(&["init"]).expect(1);
    assert!(
        r.stderr.contains("acme/net/aws")
            && r.stderr.contains("no version matching ~> 3.0")
            && r.stderr.contains("1.0.0, 1.1.0, 2.0.0"),
        "{}",
        r.all()
    );

    // Without trusting the registry's certificate, nothing is fetched.
    w.extra_env.clear();
    w.write("main.tf", &config("~> 2.0"));
    let r = w.run(&["init"]).expect(1);
    assert!(r.stderr.contains(&reg.host), "{}", r.all());
}
