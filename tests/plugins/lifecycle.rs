//! The whole lifecycle of a configuration mixing a native resource (`terraform_data`) with the
//! test plugin's resources and data source, through the binary: init (lock file like
//! Terraform's), plan, apply, clean re-plan, drift, destroy; and runs without init.

use hangar_provider_plugin::install::hash::h1_dir;
use hangar_testkit::test_plugin::mirror;
use libtest_mimic::Trial;

use crate::{trial, work, PluginDirs, REQUIRED};

pub fn tests() -> Vec<Trial> {
    vec![
        trial("init_locks_the_plugin_like_terraform", init_locks),
        trial("mixed_native_and_plugin_lifecycle", lifecycle),
        trial("plan_without_init_says_run_init", plan_without_init),
        trial("zipped_mirror_package_is_unpacked_like_terraform", packed),
        trial(
            "native_names_win_and_missing_plugins_fail_init",
            native_and_missing,
        ),
    ]
}

fn config() -> String {
    format!(
        r#"{REQUIRED}
provider "hangartest" {{
  region = "eu-central-1"
}}

resource "terraform_data" "seed" {{
  input = "seed-1"
}}

resource "hangartest_thing" "a" {{
  name = "thing-a"
  tags = {{ seed = terraform_data.seed.output }}
  rule {{
    port = 443
  }}
  settings {{
    mode = "fast"
  }}
}}

resource "hangartest_slow" "s" {{
  name     = "slow-${{hangartest_thing.a.id}}"
  delay_ms = 200
}}

output "arn" {{
  value = hangartest_thing.a.arn
}}

output "rule_id" {{
  value = hangartest_thing.a.rule[0].rule_id
}}
"#
    )
}

fn init_locks() {
    let w = work(&config());
    let r = w.run(&["init"]).expect(0);
    for line in [
        "Initializing provider plugins...",
        "- Finding hangar/hangartest versions matching \"~> 1.0\"...",
        "- Installing hangar/hangartest v1.0.0...",
        "- Installed hangar/hangartest v1.0.0 (unauthenticated)",
        "Hangar has created a lock file .terraform.lock.hcl",
    ] {
        assert!(r.stdout.contains(line), "missing {line:?} in\n{}", r.stdout);
    }
    let pkg = w
        .mirror()
        .join("registry.terraform.io/hangar/hangartest/1.0.0")
        .join(hangar_provider_plugin::install::mirror::current_platform());
    let h1 = h1_dir(&pkg).expect("hash");
    let lock = w.read(".terraform.lock.hcl");
    let expected = format!(
        "# This file is maintained automatically by \"terraform init\".\n\
         # Manual edits may be lost in future updates.\n\
         \n\
         provider \"registry.terraform.io/hangar/hangartest\" {{\n  \
           version     = \"1.0.0\"\n  \
           constraints = \"~> 1.0\"\n  \
           hashes = [\n    \
             \"{h1}\",\n  \
           ]\n\
         }}\n"
    );
    assert_eq!(lock, expected);

    // A second init reuses the locked version and leaves the file alone.
    let r = w.run(&["init"]).expect(0);
    assert!(
        r.stdout.contains(
            "- Reusing previous version of hangar/hangartest from the dependency lock file"
        ),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("created a lock file"), "{}", r.stdout);
    assert_eq!(w.read(".terraform.lock.hcl"), expected);

    // A newer version in the mirror is not taken without -upgrade; with it, it is.
    let exe = std::env::current_exe().expect("exe");
    mirror::write(&w.mirror(), &exe, "1.2.0").expect("mirror 1.2.0");
    w.run(&["init"]).expect(0);
    assert!(w
        .read(".terraform.lock.hcl")
        .contains("version     = \"1.0.0\""));
    let r = w.run(&["init", "-upgrade"]).expect(0);
    assert!(
        r.stdout
            .contains("- Installed hangar/hangartest v1.2.0 (unauthenticated)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("made some changes"), "{}", r.stdout);
    assert!(w
        .read(".terraform.lock.hcl")
        .contains("version     = \"1.2.0\""));

    // A package that changed under the lock file is refused.
    let pkg12 = w
        .mirror()
        .join("registry.terraform.io/hangar/hangartest/1.2.0")
        .join(hangar_provider_plugin::install::mirror::current_platform());
    std::fs::write(pkg12.join("README"), "tampered").expect("tamper");
    let r = w.run(&["init"]).expect(1);
    assert!(
        r.stderr.contains("does not match the lock file")
            && r.stderr.contains("registry.terraform.io/hangar/hangartest"),
        "{}",
        r.all()
    );

    // A constraint the locked version no longer meets needs -upgrade.
    std::fs::remove_file(pkg12.join("README")).expect("untamper");
    w.write("main.tf", &config().replace("~> 1.0", "~> 1.0.0"));
    let r = w.run(&["init"]).expect(1);
    assert!(
        r.stderr
            .contains("does not match configured version constraint"),
        "{}",
        r.all()
    );
    let r = w.run(&["plan"]).expect(1);
    assert!(
        r.stderr.contains("Inconsistent dependency lock file") && r.stderr.contains("hangar init"),
        "{}",
        r.all()
    );
    w.run(&["init", "-upgrade"]).expect(0);
    assert!(w
        .read(".terraform.lock.hcl")
        .contains("version     = \"1.0.0\""));
}

fn lifecycle() {
    let w = work(&config());
    w.run(&["init"]).expect(0);
    let r = w.run(&["plan", "-detailed-exitcode"]).expect(2);
    for line in [
        "# hangartest_thing.a will be created",
        "# hangartest_slow.s will be created",
        "# terraform_data.seed will be created",
        "Plan: 3 to add, 0 to change, 0 to destroy.",
    ] {
        assert!(r.stdout.contains(line), "missing {line:?} in\n{}", r.stdout);
    }

    let r = w.run(&["apply", "-auto-approve"]).expect(0);
    assert!(
        r.stdout
            .contains("Apply complete! Resources: 3 added, 0 changed, 0 destroyed."),
        "{}",
        r.all()
    );
    let thing = w.instance("hangartest_thing.a").expect("thing in state");
    let id = thing["attributes"]["id"].as_str().expect("id").to_string();
    assert_eq!(thing["attributes"]["region"], "eu-central-1");
    assert_eq!(
        thing["attributes"]["arn"],
        format!("arn:hangartest:eu-central-1:thing/{id}")
    );
    assert_eq!(thing["attributes"]["rule"][0]["rule_id"], "r-443");
    assert_eq!(thing["attributes"]["tags"]["seed"], "seed-1");
    assert_eq!(thing["schema_version"], 1, "{thing}");
    // The plugin's private data is kept, base64 as in Terraform's state.
    let private = thing["private"].as_str().expect("private kept");
    assert_eq!(
        base64_decode(private),
        b"applied-by-test-plugin:hangartest_thing",
        "{thing}"
    );
    let slow = w.instance("hangartest_slow.s").expect("slow in state");
    assert_eq!(slow["attributes"]["name"], format!("slow-{id}"));
    assert_eq!(w.objects_of("hangartest_thing").len(), 1);
    assert_eq!(w.objects_of("hangartest_slow").len(), 1);
    let r = w.run(&["output", "-raw", "rule_id"]).expect(0);
    assert_eq!(r.stdout.trim(), "r-443");

    // Nothing changed: the re-plan is clean.
    let r = w.run(&["plan", "-detailed-exitcode"]).expect(0);
    assert!(r.stdout.contains("No changes."), "{}", r.all());

    // Changing a replace-forcing attribute replaces; an in-place one updates.
    w.write(
        "main.tf",
        &config().replace("mode = \"fast\"", "mode = \"slow\""),
    );
    let r = w.run(&["plan", "-detailed-exitcode"]).expect(2);
    assert!(
        r.stdout
            .contains("# hangartest_thing.a will be updated in-place"),
        "{}",
        r.all()
    );
    w.run(&["apply", "-auto-approve"]).expect(0);
    assert_eq!(
        w.instance("hangartest_thing.a").expect("thing")["attributes"]["id"],
        id.as_str(),
        "updated in place"
    );
    w.run(&["plan", "-detailed-exitcode"]).expect(0);

    // Drift: the object deleted out of band is found by drift and re-created by plan.
    for f in w.objects_of("hangartest_slow") {
        std::fs::remove_file(f).expect("delete object");
    }
    let r = w.run(&["drift"]).expect(2);
    assert!(
        r.stdout.contains("hangartest_slow.s") && r.stdout.contains("deleted"),
        "{}",
        r.all()
    );
    let r = w.run(&["plan", "-detailed-exitcode"]).expect(2);
    assert!(
        r.stdout.contains("# hangartest_slow.s will be created"),
        "{}",
        r.all()
    );
    w.run(&["apply", "-auto-approve"]).expect(0);
    w.run(&["plan", "-detailed-exitcode"]).expect(0);

    let r = w.run(&["destroy", "-auto-approve"]).expect(0);
    assert!(
        r.stdout
            .contains("Destroy complete! Resources: 3 destroyed."),
        "{}",
        r.all()
    );
    assert!(w.objects_of("hangartest_thing").is_empty());
    assert!(w.objects_of("hangartest_slow").is_empty());
    assert!(w.state()["resources"].as_object().expect("map").is_empty());
}

fn plan_without_init() {
    let w = work(&config());
    let r = w.run(&["plan"]).expect(1);
    assert!(
        r.stderr.contains("registry.terraform.io/hangar/hangartest")
            && r.stderr.contains("Run hangar init"),
        "{}",
        r.all()
    );
    // A locked version that left the mirror: init again.
    w.run(&["init"]).expect(0);
    std::fs::remove_dir_all(w.mirror().join("registry.terraform.io")).expect("empty mirror");
    let r = w.run(&["plan"]).expect(1);
    assert!(
        r.stderr.contains("Required plugin is not installed") && r.stderr.contains("hangar init"),
        "{}",
        r.all()
    );
}

fn packed() {
    let w = work(&config());
    // Only a zipped package in the mirror (Terraform's packed layout).
    std::fs::remove_dir_all(
        w.mirror()
            .join("registry.terraform.io/hangar/hangartest/1.0.0"),
    )
    .expect("drop unpacked");
    let exe = std::env::current_exe().expect("exe");
    let zip = mirror::write_packed(&w.mirror(), &exe, "1.1.0").expect("zip");
    let r = w.run(&["init"]).expect(0);
    assert!(
        r.stdout
            .contains("- Installed hangar/hangartest v1.1.0 (unauthenticated)"),
        "{}",
        r.all()
    );
    let h1 = hangar_provider_plugin::install::hash::h1_zip(&zip).expect("h1");
    let lock = w.read(".terraform.lock.hcl");
    assert!(lock.contains(&format!("\"{h1}\"")), "{lock}");
    let unpacked = w
        .path()
        .join(".terraform/providers/registry.terraform.io/hangar/hangartest/1.1.0")
        .join(hangar_provider_plugin::install::mirror::current_platform())
        .join("terraform-provider-hangartest_v1.1.0");
    assert!(unpacked.is_file(), "unpacked where Terraform puts it");
    assert_eq!(h1_dir(unpacked.parent().expect("dir")).expect("h1"), h1);

    w.run(&["apply", "-auto-approve"]).expect(0);
    w.run(&["plan", "-detailed-exitcode"]).expect(0);

    // The unpacked copy is checked against the lock file on every run.
    std::fs::write(unpacked.with_file_name("extra"), "tampered").expect("tamper");
    let r = w.run(&["plan"]).expect(1);
    assert!(
        r.stderr.contains("does not match the lock file"),
        "{}",
        r.all()
    );
    // init puts back what the zip holds.
    w.run(&["init"]).expect(0);
    assert!(!unpacked.with_file_name("extra").exists());
    w.run(&["destroy", "-auto-approve"]).expect(0);
}

fn native_and_missing() {
    // `aws` with a source stays the native provider: no plugin is looked for or locked.
    let w = work(
        r#"
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    hangartest = {
      source  = "hangar/hangartest"
      version = ">= 2.0"
    }
  }
}
resource "terraform_data" "x" {}
"#,
    );
    let r = w.run(&["init"]).expect(1);
    assert!(
        r.stderr
            .contains("Failed to query available provider packages")
            && r.stderr.contains(
                "a version of registry.terraform.io/hangar/hangartest matching its constraint"
            )
            && !r.stderr.contains("hashicorp/aws"),
        "{}",
        r.all()
    );
    assert!(!w.path().join(".terraform.lock.hcl").exists());
    w.write("main.tf", &w.read("main.tf").replace(">= 2.0", ">= 1.0"));
    w.run(&["init"]).expect(0);
    let lock = w.read(".terraform.lock.hcl");
    assert!(
        lock.contains("hangar/hangartest") && !lock.contains("hashicorp/aws"),
        "{lock}"
    );

    // A resource of a provider nobody declared: the error says how to declare a plugin.
    w.write("extra.tf", "resource \"nosuch_thing\" \"x\" {}\n");
    let r = w.run(&["init"]).expect(1);
    assert!(
        r.stderr.contains("Hangar has no provider named nosuch")
            && r.stderr.contains("required_providers"),
        "{}",
        r.all()
    );
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}
