//! Residency on Google Cloud end to end, driving the `hangar` binary: a bucket location outside
//! the workspace's geography is refused at plan time before any call, and a bucket whose real
//! location (read back from Cloud Storage) is outside is reported by `residency` and `drift`.
//! Cloud Storage is fake-gcs-server (one instance per location, started by hangar-testkit), GKE
//! the testkit's server; every call carries a dummy token to 127.0.0.1.

use hangar_testkit::fake_gcs::fake_gcs;
use hangar_testkit::gke::GkeServer;
use hangar_testkit::work::{Hangar, Work};

/// A scratch directory holding `main_tf`; runs carry no Google credentials from the shell and
/// an empty gcloud configuration directory.
fn work(main_tf: &str) -> Work {
    let w = Hangar::new(env!("CARGO_BIN_EXE_hangar"))
        .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
        .env_remove("GOOGLE_CREDENTIALS")
        .env_remove("GOOGLE_OAUTH_ACCESS_TOKEN")
        .work();
    let gcloud = w.path().join("no-gcloud");
    w.env("CLOUDSDK_CONFIG", gcloud).file("main.tf", main_tf)
}

fn gke() -> &'static GkeServer {
    static S: std::sync::OnceLock<GkeServer> = std::sync::OnceLock::new();
    S.get_or_init(GkeServer::start)
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{prefix}-{}-{nanos:x}", std::process::id())
}

/// An `eu` workspace in europe-west3 whose storage is the emulator for `storage_location`
/// and whose GKE is the test server.
fn header(storage_location: &str) -> String {
    format!(
        r#"
workspace "eu-prod" {{
  geography = "eu"
  region    = "europe-west3"
}}

provider "google" {{
  project                   = "hangar-test"
  region                    = workspace.region
  access_token              = "test-token"
  storage_custom_endpoint   = "{gcs}"
  container_custom_endpoint = "{gke}"
}}
"#,
        gcs = fake_gcs(storage_location).endpoint,
        gke = gke().endpoint,
    )
}

/// [`header`] and a bucket in `bucket_location`.
fn config(storage_location: &str, bucket: &str, bucket_location: &str) -> String {
    header(storage_location)
        + &format!(
            r#"
resource "google_storage_bucket" "data" {{
  name          = "{bucket}"
  location      = "{bucket_location}"
  force_destroy = true
}}
"#
        )
}

fn bucket_exists(storage_location: &str, name: &str) -> bool {
    let endpoint = fake_gcs(storage_location).endpoint;
    let base = endpoint.trim_end_matches('/');
    hangar_testkit::http::get(&format!("{base}/b/{name}")).status == 200
}

#[test]
fn a_us_multi_region_bucket_in_an_eu_workspace_is_refused_at_plan() {
    for location in ["US", "EUR5"] {
        let bucket = unique("us");
        let w = work(&config("EUROPE-WEST3", &bucket, location));
        for cmd in [&["plan"][..], &["apply", "--auto-approve"][..]] {
            let r = w.run(cmd);
            assert_eq!(r.code, 1, "{cmd:?} {location}: {}{}", r.stdout, r.stderr);
            let all = format!("{}{}", r.stdout, r.stderr);
            assert!(all.contains("Residency violation"), "{all}");
            assert!(all.contains("google_storage_bucket.data"), "{all}");
            assert!(all.contains(location), "{all}");
            assert!(all.contains("\"eu\""), "{all}");
        }
        assert!(
            !bucket_exists("EUROPE-WEST3", &bucket),
            "nothing was created"
        );
    }
    // The EU multi-region lies inside the geography: planned, not refused.
    let w = work(&config("EUROPE-WEST3", &unique("eu"), "EU"));
    let r = w.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
}

fn http(storage_location: &str, method: &str, path: &str, body: &str) -> u16 {
    let endpoint = fake_gcs(storage_location).endpoint;
    let root = endpoint
        .trim_end_matches('/')
        .trim_end_matches("/storage/v1");
    hangar_testkit::http::request(
        method,
        &format!("{root}{path}"),
        &[("content-type", "application/json")],
        body,
    )
    .status
}

#[test]
fn a_bucket_whose_real_location_leaves_the_geography_is_reported() {
    // Created where it belongs: europe-west3.
    let bucket = unique("moved");
    let w = work(&config("EUROPE-WEST3", &bucket, "EUROPE-WEST3"));
    let r = w.run(&["apply", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(w.run(&["residency"]).code, 0);
    // Then Cloud Storage reports it in US (as if relocated): the endpoint now answers from an
    // emulator whose buckets all live in US.
    let created = http(
        "US",
        "POST",
        "/storage/v1/b?project=hangar-test",
        &format!("{{\"name\":\"{bucket}\"}}"),
    );
    assert_eq!(created, 200);
    w.write("main.tf", &config("US", &bucket, "EUROPE-WEST3"));

    // drift refreshes and reports it; a refreshing plan refuses to go on.
    let r = w.run(&["drift", "--json"]);
    assert_eq!(r.code, 2, "drift must report it: {}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("\"residency\""), "{}", r.stdout);
    assert!(
        r.stdout.contains("google_storage_bucket.data"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("US"), "{}", r.stdout);
    let r = w.run(&["plan"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(
        out.contains("google_storage_bucket.data was read back from the cloud in region \"US\""),
        "{out}"
    );

    // Destroying does not need to refresh what it deletes.
    let r = w.run(&["destroy", "--auto-approve", "--refresh=false"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(!bucket_exists("US", &bucket));
    let deleted = http(
        "EUROPE-WEST3",
        "DELETE",
        &format!("/storage/v1/b/{bucket}"),
        "",
    );
    assert!((200..=204).contains(&deleted), "{deleted}");
}

#[test]
fn a_bucket_created_outside_the_geography_is_reported() {
    // The emulator puts every bucket in US, whatever the configuration declares.
    let bucket = unique("outside");
    let w = work(&config("US", &bucket, "EUROPE-WEST3"));
    let applied = w.run(&["apply", "--auto-approve"]);
    let all = format!("{}{}", applied.stdout, applied.stderr);
    assert!(bucket_exists("US", &bucket), "{all}");

    let r = w.run(&["residency"]);
    assert_eq!(r.code, 1, "residency must fail: {}{}", r.stdout, r.stderr);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(
        out.contains("google_storage_bucket.data") && out.contains("US"),
        "{out}"
    );
    // State records the bucket in US: drift refuses to go on, naming it.
    let r = w.run(&["drift"]);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert_ne!(r.code, 0, "{out}");
    assert!(
        out.contains("google_storage_bucket.data") && out.contains("\"US\""),
        "{out}"
    );
    let deleted = http("US", "DELETE", &format!("/storage/v1/b/{bucket}"), "");
    assert!((200..=204).contains(&deleted), "{deleted}");
}

/// A configuration keeping its state in a `gcs` backend on the emulator for `location`.
fn with_gcs_backend(location: &str, bucket: &str) -> String {
    format!(
        r#"
terraform {{
  backend "gcs" {{
    bucket                  = "{bucket}"
    prefix                  = "data-plane"
    access_token            = "test-token"
    storage_custom_endpoint = "{gcs}"
  }}
}}

workspace "eu-prod" {{
  geography = "eu"
  region    = "europe-west3"
}}

resource "terraform_data" "x" {{
  input = "kept in {location}"
}}
"#,
        gcs = fake_gcs(location).endpoint,
    )
}

#[test]
fn a_gcs_state_backend_is_checked_where_its_bucket_really_is() {
    for (location, ok) in [("EUROPE-WEST3", true), ("US", false)] {
        let bucket = unique("state");
        let created = http(
            location,
            "POST",
            "/storage/v1/b?project=hangar-test",
            &format!("{{\"name\":\"{bucket}\"}}"),
        );
        assert_eq!(created, 200);
        let w = work(&with_gcs_backend(location, &bucket));
        let r = w.run(&["apply", "--auto-approve"]);
        let out = format!("{}{}", r.stdout, r.stderr);
        if ok {
            assert_eq!(r.code, 0, "{out}");
            let got = http(
                location,
                "GET",
                &format!("/storage/v1/b/{bucket}/o/data-plane%2Feu-prod.tfstate"),
                "",
            );
            assert_eq!(got, 200, "state at PREFIX/WORKSPACE.tfstate");
        } else {
            assert_eq!(r.code, 1, "{out}");
            assert!(
                out.contains("Residency violation: state backend in region US"),
                "{out}"
            );
            assert!(
                out.contains(&format!("gs://{bucket}/data-plane/eu-prod.tfstate")),
                "{out}"
            );
        }
    }
}

/// Checks that no create (`POST`) reached the GKE test server after its first `before`
/// requests.
fn assert_no_create_since(before: usize) {
    let calls: Vec<String> = gke().requests()[before..]
        .iter()
        .filter(|r| r.starts_with("POST"))
        .cloned()
        .collect();
    assert!(calls.is_empty(), "no create reached GKE: {calls:?}");
}

/// A cluster in `cluster_location` and a node pool placed `pool_location_line`.
fn cluster_and_pool(cluster_location: &str, pool_location_line: &str) -> String {
    header("EUROPE-WEST3")
        + &format!(
            r#"
resource "google_container_cluster" "c" {{
  name                = "c"
  location            = "{cluster_location}"
  deletion_protection = false
}}

resource "google_container_node_pool" "p" {{
  name    = "p"
  cluster = google_container_cluster.c.id
  {pool_location_line}
}}
"#
        )
}

#[test]
fn a_node_pool_is_judged_where_its_cluster_is() {
    let by_reference = "location = google_container_cluster.c.location";
    for line in [by_reference, ""] {
        // Inside: the reference (or, with no location, the cluster the pool names) is proven.
        let w = work(&cluster_and_pool("europe-west3", line));
        let r = w.run(&["plan", "--detailed-exitcode"]);
        assert_eq!(r.code, 2, "{line:?}: {}{}", r.stdout, r.stderr);
        // Outside: the pool is refused along with its cluster, before any call.
        let w = work(&cluster_and_pool("us-central1", line));
        let r = w.run(&["plan"]);
        let out = format!("{}{}", r.stdout, r.stderr);
        assert_eq!(r.code, 1, "{line:?}: {out}");
        assert!(out.contains("google_container_cluster.c"), "{out}");
        assert!(
            out.contains("google_container_node_pool.p"),
            "{line:?}: {out}"
        );
        assert!(out.contains("us-central1"), "{out}");
    }
    let before = gke().requests().len();
    let w = work(&cluster_and_pool("us-central1", by_reference));
    assert_eq!(w.run(&["apply", "--auto-approve"]).code, 1);
    assert_no_create_since(before);
}

/// A GKE cluster in `cluster_location` and the data-plane agent installed into it (the
/// control plane's URL is never called at plan time).
fn cluster_and_agent(cluster_location: &str) -> String {
    header("EUROPE-WEST3")
        + &format!(
            r#"
provider "hangar" {{
  control_url = "http://127.0.0.1:1"
}}

resource "google_container_cluster" "c" {{
  name                = "c"
  location            = "{cluster_location}"
  deletion_protection = false
}}

resource "hangar_agent" "a" {{
  name            = "eu-agent"
  workspace       = "eu-prod"
  cluster         = google_container_cluster.c.id
  cluster_type    = "google_container_cluster"
  kubernetes_host = "https://${{google_container_cluster.c.endpoint}}"
}}
"#
        )
}

#[test]
fn an_agent_is_judged_where_its_gke_cluster_is() {
    // Inside: the agent's place is its cluster's, europe-west3 (a GCP region, judged as one).
    let w = work(&cluster_and_agent("europe-west3"));
    let r = w.run(&["plan", "--detailed-exitcode"]);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(r.code, 2, "{out}");
    assert!(out.contains("hangar_agent.a will be created"), "{out}");
    assert!(!out.contains("Residency violation"), "{out}");
    // Outside: the agent is refused with its cluster, before any call.
    let before = gke().requests().len();
    let w = work(&cluster_and_agent("us-central1"));
    for cmd in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let r = w.run(cmd);
        let out = format!("{}{}", r.stdout, r.stderr);
        assert_eq!(r.code, 1, "{cmd:?}: {out}");
        assert!(
            out.contains("hangar_agent.a targets cluster us-central1"),
            "{out}"
        );
        assert!(out.contains("google_container_cluster.c"), "{out}");
    }
    assert_no_create_since(before);
}

#[test]
fn an_agent_left_at_the_eks_cluster_type_says_which_type_it_names() {
    let config = cluster_and_agent("europe-west3")
        .replace("  cluster_type    = \"google_container_cluster\"\n", "");
    let before = gke().requests().len();
    let r = work(&config).run(&["plan"]);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(r.code, 1, "{out}");
    assert!(
        out.contains("names an object of type google_container_cluster")
            && out.contains("cluster_type = \"google_container_cluster\""),
        "{out}"
    );
    assert_no_create_since(before);
}
