//! Where a `google` provider block and each GCP resource send data, for the residency gate.
//!
//! The provider's `region` and `zone` are its defaults. A custom endpoint whose host names a
//! GCP region (`storage.europe-west3.rep.googleapis.com`,
//! `europe-west3-container.googleapis.com`) is that region; Google's global hosts
//! (`storage.googleapis.com`) name no place of their own (objects live where their `location`
//! says, which is judged separately); any other host (an emulator, a private endpoint) is
//! unprovable by its name.
//!
//! A bucket is at its `location` and, for a configurable dual-region, at each of its
//! `custom_placement_config.data_locations`. A cluster is at its `location`, else the
//! provider's default. A node pool is at its `location`, else wherever the cluster its
//! `cluster` attribute names is.

use hangar_core::geo::{regions, Cloud};
use hangar_core::Value;
use hangar_provider::{Place, Target};

use crate::attrs;

/// Places of a provider block: its region, zone and each custom endpoint.
pub fn provider_places(config: &Value) -> Vec<Place> {
    let mut out = Vec::new();
    let target = |v: &Value| match v.as_str() {
        Some(r) if !r.is_empty() => Some(Target::Location(r.to_string())),
        Some(_) => None,
        None if v.is_null() => None,
        None => Some(Target::Unknown),
    };
    let region = target(attrs::get(config, "region"));
    let zone = target(attrs::get(config, "zone"));
    match (&region, &zone) {
        (None, None) => out.push(Place::new("region", Some("region"), Target::Unknown)),
        _ => {
            if let Some(t) = region {
                out.push(Place::new("region", Some("region"), t));
            }
            if let Some(t) = zone {
                out.push(Place::new("zone", Some("zone"), t));
            }
        }
    }
    for attr in ["storage_custom_endpoint", "container_custom_endpoint"] {
        let v = attrs::get(config, attr);
        if v.is_null() {
            continue;
        }
        let target = match v.as_str() {
            Some("") => continue,
            Some(url) => match endpoint_target(url) {
                Some(t) => t,
                None => continue,
            },
            None => Target::Unknown,
        };
        out.push(Place::new("endpoint override", Some(attr), target));
    }
    out
}

/// The place an endpoint URL is at, judged by its host name only; `None` for Google's
/// global API hosts, which hold no data of their own.
pub fn endpoint_target(url: &str) -> Option<Target> {
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    for label in host.split('.') {
        for region in regions(Cloud::Gcp) {
            let named = label == region
                || label
                    .strip_prefix(region)
                    .is_some_and(|rest| rest.starts_with('-'))
                || label
                    .strip_suffix(region)
                    .is_some_and(|head| head.ends_with('-'));
            if named {
                return Some(Target::Location(region.to_string()));
            }
        }
    }
    if host.ends_with(".googleapis.com") {
        return None;
    }
    Some(Target::Unprovable(url.to_string()))
}

fn location_of(v: &Value) -> Target {
    match v.as_str() {
        Some(s) => Target::Location(s.to_string()),
        None => Target::Unknown,
    }
}

/// Places of one resource or data source instance.
pub fn places(type_name: &str, data: bool, config: &Value) -> Vec<Place> {
    let loc = attrs::get(config, "location");
    if data {
        // A data source reads an existing object wherever it is; its real location is read
        // back and judged then.
        return vec![Place::new("region", None, Target::ProviderDefault)];
    }
    match type_name {
        "google_storage_bucket" => {
            let mut out = vec![Place::new("location", Some("location"), location_of(loc))];
            let cpc = attrs::get(config, "custom_placement_config");
            if !cpc.is_wholly_known() {
                out.push(Place::new(
                    "dual-region location",
                    Some("custom_placement_config"),
                    Target::Unknown,
                ));
            } else if let Some(b) = attrs::block(config, "custom_placement_config") {
                let dl = attrs::get(b, "data_locations");
                match dl.as_seq() {
                    Some(items) => {
                        for (i, item) in items.iter().enumerate() {
                            out.push(Place::new(
                                "dual-region location",
                                Some(&format!("custom_placement_config[0].data_locations[{i}]")),
                                location_of(item.peel()),
                            ));
                        }
                    }
                    None if dl.is_null() => {}
                    None => out.push(Place::new(
                        "dual-region location",
                        Some("custom_placement_config[0].data_locations"),
                        Target::Unknown,
                    )),
                }
            }
            out
        }
        "google_container_node_pool" if loc.is_null() => vec![Place::new(
            "location",
            Some("cluster"),
            Target::SameAs {
                type_name: "google_container_cluster".into(),
            },
        )],
        _ if loc.is_null() => vec![Place::new("region", None, Target::ProviderDefault)],
        _ => vec![Place::new("location", Some("location"), location_of(loc))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use attrs::object;

    #[test]
    fn endpoints_are_judged_by_the_region_their_host_names() {
        let loc = |r: &str| Some(Target::Location(r.into()));
        assert_eq!(
            endpoint_target("https://storage.europe-west3.rep.googleapis.com/storage/v1/"),
            loc("europe-west3")
        );
        assert_eq!(
            endpoint_target("https://europe-west1-container.googleapis.com/v1/"),
            loc("europe-west1")
        );
        assert_eq!(
            endpoint_target("https://storage.googleapis.com/storage/v1/"),
            None
        );
        assert_eq!(
            endpoint_target("http://127.0.0.1:4443/storage/v1/"),
            Some(Target::Unprovable(
                "http://127.0.0.1:4443/storage/v1/".into()
            ))
        );
        // europe-west1 must not match europe-west10
        assert_eq!(
            endpoint_target("https://europe-west10-container.googleapis.com/"),
            loc("europe-west10")
        );
    }

    #[test]
    fn provider_blocks_place_region_zone_and_endpoints() {
        let p = provider_places(&object([
            ("region", Value::string("europe-west3")),
            ("zone", Value::NULL),
            (
                "storage_custom_endpoint",
                Value::string("http://127.0.0.1:1/storage/v1/"),
            ),
        ]));
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].target, Target::Location("europe-west3".into()));
        assert!(matches!(p[1].target, Target::Unprovable(_)));
        let p = provider_places(&object([("region", Value::NULL)]));
        assert_eq!(
            p[0].target,
            Target::Unknown,
            "no region or zone cannot be proven"
        );
    }

    #[test]
    fn buckets_clusters_and_pools_have_their_places() {
        let b = places(
            "google_storage_bucket",
            false,
            &object([
                ("location", Value::string("EU")),
                (
                    "custom_placement_config",
                    Value::List(vec![object([(
                        "data_locations",
                        Value::set(vec![
                            Value::string("EUROPE-WEST1"),
                            Value::string("EUROPE-WEST4"),
                        ]),
                    )])]),
                ),
            ]),
        );
        let targets: Vec<_> = b.iter().map(|p| p.target.clone()).collect();
        assert_eq!(
            targets,
            vec![
                Target::Location("EU".into()),
                Target::Location("EUROPE-WEST1".into()),
                Target::Location("EUROPE-WEST4".into())
            ]
        );
        let np = places(
            "google_container_node_pool",
            false,
            &object([("location", Value::NULL), ("cluster", Value::unknown())]),
        );
        assert_eq!(
            np[0].target,
            Target::SameAs {
                type_name: "google_container_cluster".into()
            }
        );
        let c = places(
            "google_container_cluster",
            false,
            &object([("location", Value::unknown())]),
        );
        assert_eq!(c[0].target, Target::Unknown);
        let c = places(
            "google_container_cluster",
            false,
            &object([("location", Value::NULL)]),
        );
        assert_eq!(c[0].target, Target::ProviderDefault);
    }
}
