//! Provider configurations passed into modules: `providers = { aws = aws.west }` puts the
//! module's objects in that alias's region, each call independently; a module cannot reach a
//! region outside the workspace's geography, since only root provider blocks exist and those
//! are checked before any API call.

use crate::{moto, moto_buckets, work};

fn config(third_region: &str) -> String {
    let e = &moto::moto().endpoint;
    let provider = |alias: &str, region: &str| {
        format!(
            "provider \"aws\" {{\n  {alias}region            = \"{region}\"\n  access_key        = \"test\"\n  secret_key        = \"test\"\n  s3_use_path_style = true\n  endpoints {{\n    s3  = \"{e}\"\n    eks = \"{e}\"\n    sts = \"{e}\"\n  }}\n}}\n"
        )
    };
    format!(
        r#"
workspace "eu-prod" {{
  geography       = "eu"
  region          = "eu-central-1"
  allowed_regions = ["eu-west-1"]
}}
{}{}{}
module "central" {{
  source = "./m"
  name   = "modprov-central"
}}
module "west" {{
  source    = "./m"
  name      = "modprov-west"
  providers = {{ aws = aws.west }}
}}
output "regions" {{
  value = [module.central.region, module.west.region]
}}
"#,
        provider("", "eu-central-1"),
        provider("alias             = \"west\"\n  ", "eu-west-1"),
        provider("alias             = \"third\"\n  ", third_region),
    )
}

const MODULE: &str = r#"
variable "name" {
  type = string
}
resource "aws_s3_bucket" "b" {
  bucket        = var.name
  force_destroy = true
}
output "region" {
  value = aws_s3_bucket.b.region
}
"#;

#[test]
fn modules_use_the_provider_configuration_they_are_passed() {
    let _g = moto::exclusive();
    let w = work(&config("eu-west-1"));
    std::fs::create_dir_all(w.path().join("m")).expect("mkdir");
    w.write("m/main.tf", MODULE);
    w.run(&["apply", "--auto-approve"]).expect(0);
    let out: serde_json::Value =
        serde_json::from_str(&w.run(&["output", "--json"]).expect(0).stdout).expect("JSON");
    assert_eq!(
        out["regions"]["value"],
        serde_json::json!(["eu-central-1", "eu-west-1"])
    );
    let (_, location) = moto::http("GET", "/modprov-west?location", "");
    assert!(location.contains("eu-west-1"), "{location}");
    let state: serde_json::Value =
        serde_json::from_str(&w.run(&["state", "pull"]).expect(0).stdout).expect("state JSON");
    let west = &state["resources"]["module.west.aws_s3_bucket.b"];
    assert_eq!(west["provider"], "provider[\"aws\"].west");
    assert_eq!(west["region"], "eu-west-1");
    w.run(&["plan", "--detailed-exitcode"]).expect(0);
    w.run(&["destroy", "--auto-approve"]).expect(0);

    let far = work(&config("us-east-1"));
    std::fs::create_dir_all(far.path().join("m")).expect("mkdir");
    far.write("m/main.tf", MODULE);
    let refused = far.run(&["plan"]).expect(1);
    assert!(refused.stderr.contains("us-east-1"), "{}", refused.stderr);
    let buckets = moto_buckets();
    assert!(
        !buckets.iter().any(|b| b.starts_with("modprov-")),
        "{buckets:?}"
    );
}
