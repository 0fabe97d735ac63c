//! Where an `aws` provider block and each AWS resource send data, for the residency gate.
//!
//! The provider's `region` is its default; every `endpoints { service = url }` override is a
//! place too: a URL whose host names an AWS region (`s3.eu-west-1.amazonaws.com`,
//! `s3-eu-west-1.amazonaws.com`, `…vpce.amazonaws.com`) is that region, a global AWS host
//! (`s3.amazonaws.com`) is us-east-1, and any other host (an emulator, a private endpoint) is
//! unprovable by its name. Replication rules send copies to their destination buckets.

use hangar_core::geo::{regions, Cloud};
use hangar_core::Value;
use hangar_provider::place::by_location_attribute;
use hangar_provider::{Place, Target};

use crate::attrs;
use crate::config::SERVICES;

/// Places of a provider block: its region and each endpoint override.
pub fn provider_places(config: &Value) -> Vec<Place> {
    let region = attrs::get(config, "region");
    let target = match region.as_str() {
        Some(r) if !r.is_empty() => Target::Location(r.to_string()),
        _ => Target::Unknown,
    };
    let mut out = vec![Place::new("region", Some("region"), target)];
    if let Some(e) = attrs::block(config, "endpoints") {
        for svc in SERVICES {
            let v = attrs::get(e, svc);
            if v.is_null() {
                continue;
            }
            let path = format!("endpoints[0].{svc}");
            let target = match v.as_str() {
                Some("") => continue,
                Some(url) => endpoint_target(url),
                None => Target::Unknown,
            };
            out.push(Place::new(
                format!("{svc} endpoint override"),
                Some(&path),
                target,
            ));
        }
    }
    out
}

/// The place an endpoint URL is at, judged by its host name only.
pub fn endpoint_target(url: &str) -> Target {
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    for label in &labels {
        for region in regions(Cloud::Aws) {
            let named = *label == region
                || label
                    .strip_suffix(region)
                    .is_some_and(|head| head.ends_with('-'));
            if named {
                return Target::Location(region.to_string());
            }
        }
    }
    if host.ends_with(".amazonaws.com") {
        // The global endpoints (s3.amazonaws.com, sts.amazonaws.com) are served from us-east-1.
        return Target::Location("us-east-1".into());
    }
    Target::Unprovable(url.to_string())
}

/// Places of one resource or data source instance.
pub fn places(type_name: &str, data: bool, config: &Value) -> Vec<Place> {
    if data && matches!(type_name, "aws_region" | "aws_caller_identity") {
        // Public metadata about a region or the caller: no data of anyone's lives there.
        return Vec::new();
    }
    let mut out = by_location_attribute(config);
    if !data && type_name == "aws_s3_bucket_replication_configuration" {
        for (i, rule) in attrs::blocks(config, "rule").into_iter().enumerate() {
            for (j, dest) in attrs::blocks(rule, "destination").into_iter().enumerate() {
                out.push(Place::new(
                    "replication destination",
                    Some(&format!("rule[{i}].destination[{j}].bucket")),
                    Target::SameAs {
                        type_name: "aws_s3_bucket".into(),
                    },
                ));
                let _ = dest;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_judged_by_the_region_their_host_names() {
        let loc = |r: &str| Target::Location(r.into());
        assert_eq!(
            endpoint_target("https://s3.eu-west-1.amazonaws.com"),
            loc("eu-west-1")
        );
        assert_eq!(
            endpoint_target("https://s3-us-west-2.amazonaws.com/"),
            loc("us-west-2")
        );
        assert_eq!(
            endpoint_target("https://bucket.vpce-1a2b.s3.us-east-1.vpce.amazonaws.com"),
            loc("us-east-1")
        );
        assert_eq!(
            endpoint_target("https://s3.amazonaws.com"),
            loc("us-east-1")
        );
        assert_eq!(
            endpoint_target("http://127.0.0.1:5000"),
            Target::Unprovable("http://127.0.0.1:5000".into())
        );
        // A region name must be a whole label (or its suffix after '-'), not any substring.
        assert_eq!(
            endpoint_target("https://meu-west-10.example.com"),
            Target::Unprovable("https://meu-west-10.example.com".into())
        );
    }
}
