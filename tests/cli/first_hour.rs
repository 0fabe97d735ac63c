//! A Terraform user's first hour: the commands, flags and files they reach for, typed the way
//! they type them (Terraform's single-dash spelling and Hangar's GNU spelling), and what
//! surprised them before. Every test drives the real binary.

use std::time::Duration;

use crate::work;

const ONE: &str = "resource \"terraform_data\" \"a\" {\n  input = \"hello\"\n}\n\noutput \"a\" {\n  value = terraform_data.a.output\n}\n";

#[test]
fn terraform_and_gnu_flag_spellings_do_the_same() {
    for style in ["terraform", "gnu"] {
        let w = work(&[("main.tf", ONE)]);
        let f = |name: &str| match style {
            "terraform" => format!("-{name}"),
            _ => format!("--{name}"),
        };
        w.run(&["init", &f("input=false")]).expect(0);
        w.run(&["validate", &f("json")]).expect(0);
        let plan = w.run(&[
            "plan",
            &f("out=tfplan"),
            &f("var-file=none.tfvars").replace("none.tfvars", "vars.tfvars"),
            &f("no-color"),
            &f("lock=false"),
        ]);
        // vars.tfvars does not exist: both spellings reach the same, clear error.
        plan.expect(1);
        w.run(&["plan", &f("out=tfplan"), &f("no-color")]).expect(0);
        w.run(&["apply", &f("auto-approve"), "tfplan"]).expect(0);
        w.run(&["plan", &f("detailed-exitcode"), &f("refresh=false")])
            .expect(0);
        let out = w.run(&["output", &f("json")]).expect(0);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
        assert_eq!(v["a"]["value"], "hello", "{style}: {v}");
        assert_eq!(v["a"]["type"], "string", "{style}: {v}");
        w.run(&["destroy", &f("auto-approve")]).expect(0);
    }
}

#[test]
fn chdir_in_both_spellings() {
    let w = work(&[("main.tf", ONE)]);
    for flag in ["-chdir", "--chdir"] {
        let out = std::process::Command::new(crate::bin())
            .arg(format!("{flag}={}", w.path().display()))
            .args(["validate", "-no-color"])
            .env("NO_COLOR", "1")
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{flag}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("Success!"));
    }
}

#[test]
fn a_closed_pipe_ends_output_quietly_and_an_apply_still_records_everything() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  count = 40\n  input = count.index\n}\n",
    )]);
    for args in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let mut child = w
            .cmd(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // Read one line, then close the pipe, as `| head -1` does.
        {
            use std::io::BufRead;
            let out = child.stdout.take().expect("stdout");
            let mut first = String::new();
            std::io::BufReader::new(out)
                .read_line(&mut first)
                .expect("read");
        }
        let status = child.wait().expect("wait");
        assert_eq!(
            status.code(),
            Some(0),
            "{args:?} must not crash on a closed pipe"
        );
    }
    let listed = w.run(&["state", "list"]).expect(0);
    assert_eq!(listed.stdout.lines().count(), 40, "{}", listed.stdout);
}

#[test]
fn state_mv_refuses_to_change_a_resource_type() {
    let w = work(&[("main.tf", ONE)]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    let r = w
        .run(&["state", "mv", "terraform_data.a", "time_sleep.a"])
        .expect(1);
    assert!(
        r.stderr.contains("resource types don't match"),
        "{}",
        r.stderr
    );
    w.run(&["state", "list"]).expect(0);
    w.run(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn force_unlock_of_a_live_lock_says_nothing_was_unlocked() {
    let w = work(&[(
        "main.tf",
        "resource \"time_sleep\" \"wait\" {\n  create_duration = \"3s\"\n}\n",
    )]);
    let mut first = w
        .cmd(&["--lock-id", "live-one", "apply", "--auto-approve"])
        .spawn()
        .expect("spawn");
    w.wait_for("hangar.tfstate.lock.info", Duration::from_secs(20));
    let r = w.run(&["force-unlock", "live-one"]).expect(1);
    assert!(r.stderr.contains("live process"), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was unlocked"), "{}", r.stderr);
    assert!(!r.stdout.contains("successfully unlocked"), "{}", r.stdout);
    assert!(first.wait().expect("wait").success());
}

#[test]
fn taint_untaint_replace_and_target() {
    let w = work(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = 1\n}\n\nresource \"terraform_data\" \"b\" {\n  input = terraform_data.a.output\n}\n\nresource \"terraform_data\" \"c\" {\n  input = 3\n}\n",
    )]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    w.run(&["taint", "terraform_data.a"]).expect(0);
    let plan = w.run(&["plan", "--no-color"]).expect(0);
    assert!(
        plan.stdout
            .contains("# terraform_data.a is tainted, so must be replaced"),
        "{}",
        plan.stdout
    );
    w.run(&["untaint", "terraform_data.a"]).expect(0);
    w.run(&["plan", "--detailed-exitcode"]).expect(0);
    w.run(&["untaint", "terraform_data.a"]).expect(1);

    let plan = w
        .run(&["plan", "-replace=terraform_data.c", "-no-color"])
        .expect(0);
    assert!(
        plan.stdout
            .contains("# terraform_data.c will be replaced, as requested"),
        "{}",
        plan.stdout
    );

    w.write("main.tf", "resource \"terraform_data\" \"a\" {\n  input = 2\n}\n\nresource \"terraform_data\" \"b\" {\n  input = terraform_data.a.output\n}\n\nresource \"terraform_data\" \"c\" {\n  input = 4\n}\n");
    let targeted = w.run(&["plan", "-target=terraform_data.b", "-no-color"]);
    let targeted = targeted.expect(0);
    assert!(
        targeted.stderr.contains("Resource targeting is in effect"),
        "{}",
        targeted.stderr
    );
    assert!(
        targeted.stdout.contains("terraform_data.a"),
        "{}",
        targeted.stdout
    );
    assert!(
        !targeted.stdout.contains("terraform_data.c"),
        "{}",
        targeted.stdout
    );
}

#[test]
fn refresh_providers_and_replace_provider() {
    let w = work(&[("main.tf", ONE)]);
    w.run(&["apply", "--auto-approve"]).expect(0);
    w.run(&["refresh"]).expect(0);
    let p = w.run(&["providers"]).expect(0);
    assert!(
        p.stdout.contains("Providers required by configuration:")
            && p.stdout
                .contains("provider[terraform.io/builtin/terraform]"),
        "{}",
        p.stdout
    );
    let r = w
        .run(&[
            "state",
            "replace-provider",
            "-auto-approve",
            "hashicorp/nothing",
            "hashicorp/other",
        ])
        .expect(1);
    assert!(r.stderr.contains("No resources"), "{}", r.stderr);
}

#[test]
fn workspaces_are_the_declared_ones() {
    let cfg = "workspace \"eu\" {\n  geography = \"eu\"\n  region    = \"eu-central-1\"\n}\n\nworkspace \"us\" {\n  geography = \"us\"\n  region    = \"us-east-1\"\n}\n\nresource \"terraform_data\" \"a\" {\n  input = workspace.name\n}\n";
    let w = work(&[("main.tf", cfg)]);
    let r = w.run(&["-w", "typo", "plan"]).expect(1);
    assert!(
        r.stderr.contains("not declared") && r.stderr.contains("eu, us"),
        "{}",
        r.stderr
    );
    w.run(&["workspace", "new", "typo"]).expect(1);
    w.run(&["workspace", "select", "us"]).expect(0);
    assert_eq!(w.run(&["workspace", "show"]).expect(0).stdout.trim(), "us");
    w.run(&["apply", "--auto-approve"]).expect(0);
    assert!(w.path().join("hangar.tfstate.d/us/hangar.tfstate").exists());
    w.run(&["workspace", "delete", "us"]).expect(1);
    w.run(&["workspace", "new", "eu"]).expect(0);
    w.run(&["workspace", "delete", "us"]).expect(1);
    w.run(&["-w", "us", "destroy", "--auto-approve"]).expect(0);
    w.run(&["workspace", "delete", "us"]).expect(0);

    // Without workspace blocks the only workspace is "default".
    let plain = work(&[("main.tf", ONE)]);
    let r = plain.run(&["-w", "staging", "plan"]).expect(1);
    assert!(r.stderr.contains("not declared"), "{}", r.stderr);
}

#[test]
fn tf_workspace_chooses_the_workspace_as_in_terraform() {
    let cfg = "workspace \"eu\" {\n  geography = \"eu\"\n  region    = \"eu-central-1\"\n}\n\nresource \"terraform_data\" \"a\" {\n  input = workspace.name\n}\n";
    let w = work(&[("main.tf", cfg)]);
    let out = std::process::Command::new(crate::bin())
        .current_dir(w.path())
        .args(["apply", "-auto-approve", "-no-color"])
        .env("TF_WORKSPACE", "eu")
        .env_remove("HANGAR_WORKSPACE")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(w.path().join("hangar.tfstate.d/eu/hangar.tfstate").exists());
    let typo = std::process::Command::new(crate::bin())
        .current_dir(w.path())
        .args(["plan", "-no-color"])
        .env("TF_WORKSPACE", "ue")
        .env_remove("HANGAR_WORKSPACE")
        .output()
        .expect("run");
    assert_eq!(typo.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("not declared"));
}

#[test]
fn a_directory_without_configuration_says_so() {
    let w = work(&[]);
    let r = w.run(&["plan"]).expect(1);
    assert!(r.stderr.contains("No configuration files"), "{}", r.stderr);
    assert!(!r.stdout.contains("No changes"), "{}", r.stdout);
}

#[test]
fn validate_catches_what_terraform_validate_catches() {
    for (name, body, needle) in [
        (
            "undeclared variable in an output",
            "output \"n\" {\n  value = var.nodecount\n}\n",
            "var.nodecount",
        ),
        (
            "undeclared variable in a local",
            "locals {\n  x = var.nope\n}\n",
            "var.nope",
        ),
        (
            "unknown function",
            "locals {\n  x = uppercase(\"a\")\n}\n",
            "uppercase",
        ),
        (
            "wrong arity",
            "locals {\n  x = upper(1, 2)\n}\n",
            "arguments",
        ),
        (
            "misspelt attribute",
            "resource \"terraform_data\" \"x\" {\n  input = 1\n}\n\noutput \"o\" {\n  value = terraform_data.x.outptu\n}\n",
            "outptu",
        ),
        (
            "bad default",
            "variable \"n\" {\n  type    = number\n  default = \"two\"\n}\n",
            "default",
        ),
    ] {
        let w = work(&[("main.tf", body)]);
        let r = w.run(&["validate"]);
        assert_eq!(r.code, 1, "{name}: validate must fail\n{}\n{}", r.stdout, r.stderr);
        assert!(!r.stdout.contains("Success"), "{name}: {}", r.stdout);
        assert!(r.stderr.contains(needle), "{name}: {}", r.stderr);
        let json = w.run(&["validate", "-json"]);
        let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
        assert_eq!(v["valid"], false, "{name}: {v}");
        assert!(
            v["diagnostics"][0].get("range").is_some(),
            "{name}: Terraform's shape carries `range`: {v}"
        );
    }
}

#[test]
fn help_texts_read_right() {
    let w = work(&[]);
    let r = w.run(&["plan", "--help"]).expect(0);
    assert!(
        r.stdout
            .contains("Re-read recorded objects before planning"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("Skip re-reading"), "{}", r.stdout);
    for flag in [
        "--target",
        "--replace",
        "--out",
        "--var-file",
        "--detailed-exitcode",
    ] {
        assert!(r.stdout.contains(flag), "{flag}: {}", r.stdout);
    }
}

#[test]
fn turning_encryption_on_seals_existing_state_at_the_next_run() {
    let secret = "plaintext-before-encryption";
    let plain = format!("resource \"terraform_data\" \"s\" {{\n  input = \"{secret}\"\n}}\n");
    for (style, flags) in [
        ("terraform", ["-no-color", "-auto-approve"]),
        ("gnu", ["--no-color", "--auto-approve"]),
    ] {
        let w = work(&[("main.tf", &plain)]);
        w.run(&["apply", flags[1]]).expect(0);
        w.run(&["apply", flags[1]]).expect(0);
        assert!(w.read("hangar.tfstate").contains(secret));
        w.write(
            "main.tf",
            &format!(
                "terraform {{\n  encryption {{\n    passphrase_env = \"FIRST_HOUR_PASS\"\n  }}\n}}\n{plain}"
            ),
        );
        let run = |args: &[&str]| w.run_env(args, &[("FIRST_HOUR_PASS", "open sesame")]);
        // A plan that changes nothing still seals what it opened, and says so once.
        let first = run(&["plan", flags[0]]).expect(0);
        assert!(
            first.stdout.contains("No changes"),
            "{style}: {}",
            first.stdout
        );
        assert_eq!(
            first.stderr.matches("Encrypted the existing state").count(),
            1,
            "{style}: {}",
            first.stderr
        );
        assert!(first.stderr.contains("FIRST_HOUR_PASS"), "{}", first.stderr);
        for file in ["hangar.tfstate", "hangar.tfstate.backup"] {
            assert!(
                !w.read(file).contains(secret),
                "{style}: {file} still in plaintext"
            );
        }
        let again = run(&["plan", flags[0]]).expect(0);
        assert!(
            !again.stderr.contains("Encrypted"),
            "{style}: {}",
            again.stderr
        );
        let shown = run(&["state", "show", "terraform_data.s"]).expect(0);
        assert!(shown.stdout.contains(secret), "{style}: {}", shown.stdout);
        // Without the key the sealed state no longer opens.
        w.run(&["plan", flags[0]]).expect(1);
    }
}
