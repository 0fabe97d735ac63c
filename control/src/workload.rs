//! Residency of a workload, judged before it is queued: every image registry and bucket the
//! spec names must lie inside the workspace's geography (through `hangar_core::geo`, the one
//! location catalogue).
//!
//! What is judged:
//! - Image registries whose host names a location: Amazon ECR
//!   (`ACCOUNT.dkr.ecr.REGION.amazonaws.com`), Google Artifact Registry (`REGION-docker.pkg.dev`,
//!   `europe-docker.pkg.dev`) and Container Registry (`gcr.io`, `eu.gcr.io`). A location the
//!   catalogue does not know cannot be proven inside, so it is refused.
//! - Bucket references in `artifact_bucket`, arguments and environment values: `s3://NAME`,
//!   `gs://NAME` and S3 HTTPS URLs. A URL that names a region is judged by it; a bare name must
//!   be a bucket the workspace knows as its own (its region recorded), and a bucket another
//!   workspace owns is refused by name.
//!
//! Left out: registries whose host names no location (Docker Hub, GHCR, Azure Container
//! Registry, public ECR) name nothing to judge here — the agent enforces what it runs; and a
//! workspace with a custom geography, which the control plane knows by name only, accepts its
//! own primary region alone.

use hangar_core::geo::{self, Cloud};
use hangar_wire::{JobSpec, Workload, Workspace};

/// A location a spec names: the cloud and the cloud's name for it.
#[derive(Debug, PartialEq, Eq)]
struct Named {
    cloud: Cloud,
    location: String,
}

/// Checks a job spec against its workspace; the reason it is refused, for a 400.
pub(crate) fn check(spec: &JobSpec, ws: &Workspace, all: &[Workspace]) -> Result<(), String> {
    let JobSpec::Workload { workload } = spec else {
        return Ok(());
    };
    check_workload(workload, ws, all)
}

fn check_workload(w: &Workload, ws: &Workspace, all: &[Workspace]) -> Result<(), String> {
    for c in &w.containers {
        if let Some(named) = registry_location(&c.image) {
            inside(ws, &named).map_err(|why| {
                format!(
                    "container {:?} pulls image {:?} from a registry in {} ({}): {why}",
                    c.name,
                    c.image,
                    named.location,
                    named.cloud.name()
                )
            })?;
        }
    }
    let mut refs: Vec<(String, String)> = Vec::new();
    if let Some(b) = &w.artifact_bucket {
        refs.push(("artifact_bucket".into(), b.clone()));
    }
    for c in &w.containers {
        for (i, a) in c.args.iter().enumerate() {
            for r in bucket_urls(a) {
                refs.push((format!("container {:?} argument {i}", c.name), r));
            }
        }
        for e in &c.env {
            for r in bucket_urls(&e.value) {
                refs.push((format!("container {:?} env {}", c.name, e.name), r));
            }
        }
    }
    for (place, url) in refs {
        check_bucket(&url, ws, all).map_err(|why| format!("{place} names {url:?}: {why}"))?;
    }
    Ok(())
}

/// Whether a named location lies inside the workspace's geography.
fn inside(ws: &Workspace, named: &Named) -> Result<(), String> {
    let Some(regions) = geo::spans(named.cloud, &named.location) else {
        return Err(format!(
            "{} is not a location Hangar knows, so it cannot be proven inside geography {:?}",
            named.location, ws.geography
        ));
    };
    match geo::builtin_countries(&ws.geography) {
        Some(countries) => {
            for r in regions {
                let country = geo::country(named.cloud, r).unwrap_or("?");
                if !countries.contains(&country) {
                    return Err(format!(
                        "region {r} ({country}) is outside workspace {:?}'s geography {:?}",
                        ws.name, ws.geography
                    ));
                }
            }
            Ok(())
        }
        None => {
            if regions.len() == 1 && regions[0].eq_ignore_ascii_case(&ws.region) {
                Ok(())
            } else {
                Err(format!(
                    "workspace {:?} has the custom geography {:?}, of which the control plane \
                     knows only the primary region {}",
                    ws.name, ws.geography, ws.region
                ))
            }
        }
    }
}

/// The location an image's registry host names, if it names one.
fn registry_location(image: &str) -> Option<Named> {
    let host = image.split('/').next()?;
    if !image.contains('/') || !(host.contains('.') || host.contains(':')) {
        return None; // Docker Hub shorthand (`python:3.12`, `library/python`)
    }
    let host = host.split(':').next()?.to_ascii_lowercase();
    // ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn], ACCOUNT.dkr.ecr-fips.REGION.amazonaws.com
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() >= 6
        && labels[1] == "dkr"
        && labels[2].starts_with("ecr")
        && labels[4] == "amazonaws"
    {
        return Some(Named {
            cloud: Cloud::Aws,
            location: labels[3].to_string(),
        });
    }
    if let Some(loc) = host.strip_suffix("-docker.pkg.dev") {
        let location = match loc {
            "europe" => "EU".to_string(),
            "us" => "US".to_string(),
            "asia" => "ASIA".to_string(),
            region => region.to_string(),
        };
        return Some(Named {
            cloud: Cloud::Gcp,
            location,
        });
    }
    let gcr = match host.as_str() {
        "gcr.io" | "us.gcr.io" => Some("US"),
        "eu.gcr.io" => Some("EU"),
        "asia.gcr.io" => Some("ASIA"),
        _ => None,
    };
    gcr.map(|l| Named {
        cloud: Cloud::Gcp,
        location: l.to_string(),
    })
}

/// Every bucket URL (`s3://`, `gs://`, S3 HTTPS) inside a string.
fn bucket_urls(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for prefix in ["s3://", "gs://", "https://", "http://"] {
        let mut rest = s;
        while let Some(i) = rest.find(prefix) {
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';'))
                .unwrap_or(tail.len());
            let url = &tail[..end];
            if !prefix.starts_with("http") || s3_https(url).is_some() {
                out.push(url.to_string());
            }
            rest = &tail[prefix.len()..];
        }
    }
    out
}

/// Bucket name and region (if the URL names one) of an S3 HTTPS URL.
fn s3_https(url: &str) -> Option<(String, Option<String>)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix(".amazonaws.com")?;
    // s3.REGION / s3-REGION / s3 (path style) or BUCKET.s3.REGION / BUCKET.s3-REGION / BUCKET.s3
    let labels: Vec<&str> = host.split('.').collect();
    let s3_at = labels
        .iter()
        .position(|l| *l == "s3" || l.starts_with("s3-"))?;
    let region = match labels[s3_at].strip_prefix("s3-") {
        Some(r) => Some(r.to_string()),
        None => labels.get(s3_at + 1).map(|r| r.to_string()),
    };
    let bucket = if s3_at == 0 {
        path.split('/').next().unwrap_or("").to_string()
    } else {
        labels[..s3_at].join(".")
    };
    (!bucket.is_empty()).then_some((bucket, region))
}

fn check_bucket(url: &str, ws: &Workspace, all: &[Workspace]) -> Result<(), String> {
    let (cloud, name, region) = if let Some(rest) = url.strip_prefix("s3://") {
        (
            Cloud::Aws,
            rest.split('/').next().unwrap_or("").to_string(),
            None,
        )
    } else if let Some(rest) = url.strip_prefix("gs://") {
        (
            Cloud::Gcp,
            rest.split('/').next().unwrap_or("").to_string(),
            None,
        )
    } else if let Some((bucket, region)) = s3_https(url) {
        (Cloud::Aws, bucket, region)
    } else {
        return Err(
            "not a bucket reference Hangar can read (s3://NAME, gs://NAME or an S3 URL)".into(),
        );
    };
    if name.is_empty() {
        return Err("the bucket name is empty".into());
    }
    if let Some(other) = all
        .iter()
        .find(|o| o.name != ws.name && o.buckets.iter().any(|b| b.name == name))
    {
        let b = other.buckets.iter().find(|b| b.name == name);
        return Err(format!(
            "bucket {name:?} belongs to workspace {:?} ({}), not to {:?}",
            other.name,
            b.map(|b| b.region.as_str()).unwrap_or("?"),
            ws.name
        ));
    }
    if let Some(region) = region {
        return inside(
            ws,
            &Named {
                cloud,
                location: region,
            },
        );
    }
    match ws.buckets.iter().find(|b| b.name == name) {
        Some(own) => inside(
            ws,
            &Named {
                cloud,
                location: own.region.clone(),
            },
        ),
        None => Err(format!(
            "bucket {name:?} is not known as workspace {:?}'s, so its region cannot be proven \
             inside geography {:?} (register it with the workspace or the agent)",
            ws.name, ws.geography
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_name_their_locations() {
        let ecr = registry_location("123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1");
        assert_eq!(
            ecr,
            Some(Named {
                cloud: Cloud::Aws,
                location: "us-east-1".into()
            })
        );
        assert_eq!(
            registry_location("europe-west3-docker.pkg.dev/p/r/i:1").map(|n| n.location),
            Some("europe-west3".into())
        );
        assert_eq!(
            registry_location("eu.gcr.io/p/i").map(|n| n.location),
            Some("EU".into())
        );
        assert_eq!(registry_location("python:3.12"), None);
        assert_eq!(registry_location("ghcr.io/org/i:1"), None);
        assert_eq!(registry_location("acme.azurecr.io/i:1"), None);
    }

    #[test]
    fn bucket_urls_are_found_inside_text() {
        assert_eq!(
            bucket_urls("--out=s3://eu-art/run1 --log https://x.s3.us-east-1.amazonaws.com/k"),
            ["s3://eu-art/run1", "https://x.s3.us-east-1.amazonaws.com/k"]
        );
        assert_eq!(bucket_urls("https://example.com/x"), Vec::<String>::new());
        assert_eq!(
            s3_https("https://s3.eu-central-1.amazonaws.com/b/k"),
            Some(("b".into(), Some("eu-central-1".into())))
        );
        assert_eq!(
            s3_https("https://b.s3-us-west-2.amazonaws.com/k"),
            Some(("b".into(), Some("us-west-2".into())))
        );
    }
}
