//! Where every cloud location is: AWS, GCP and Azure regions mapped to their country, the
//! regions a zone, multi-region or dual-region spans, and named geographies as sets of countries.
//!
//! A region belongs to a geography when its country is one of the geography's countries; a
//! location spanning several regions belongs to it only when every region it spans does (see
//! [`spans`]). Custom geographies (`geography "de-only" { aws = [...] }`) list regions
//! explicitly instead. Unlisted locations belong to no geography, so they are refused. This is
//! the one catalogue: the engine's residency gate, state backends and providers all read it.

/// Cloud of a region.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// Amazon Web Services.
    Aws,
    /// Google Cloud.
    Gcp,
    /// Microsoft Azure.
    Azure,
}

impl Cloud {
    /// The cloud a provider (by local name) talks to, if any.
    pub fn of_provider(name: &str) -> Option<Cloud> {
        match name {
            "aws" => Some(Cloud::Aws),
            "google" | "google-beta" | "gcp" => Some(Cloud::Gcp),
            "azurerm" | "azure" => Some(Cloud::Azure),
            _ => None,
        }
    }

    /// Lower-case name, as geography blocks spell it.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
        }
    }
}

const AWS: &[(&str, &str)] = &[
    ("us-east-1", "US"),
    ("us-east-2", "US"),
    ("us-west-1", "US"),
    ("us-west-2", "US"),
    ("us-gov-east-1", "US"),
    ("us-gov-west-1", "US"),
    ("ca-central-1", "CA"),
    ("ca-west-1", "CA"),
    ("mx-central-1", "MX"),
    ("sa-east-1", "BR"),
    ("eu-central-1", "DE"),
    ("eu-central-2", "CH"),
    ("eu-west-1", "IE"),
    ("eu-west-2", "GB"),
    ("eu-west-3", "FR"),
    ("eu-south-1", "IT"),
    ("eu-south-2", "ES"),
    ("eu-north-1", "SE"),
    ("il-central-1", "IL"),
    ("me-south-1", "BH"),
    ("me-central-1", "AE"),
    ("af-south-1", "ZA"),
    ("ap-south-1", "IN"),
    ("ap-south-2", "IN"),
    ("ap-northeast-1", "JP"),
    ("ap-northeast-2", "KR"),
    ("ap-northeast-3", "JP"),
    ("ap-southeast-1", "SG"),
    ("ap-southeast-2", "AU"),
    ("ap-southeast-3", "ID"),
    ("ap-southeast-4", "AU"),
    ("ap-southeast-5", "MY"),
    ("ap-southeast-7", "TH"),
    ("ap-east-1", "HK"),
    ("ap-east-2", "TW"),
    ("cn-north-1", "CN"),
    ("cn-northwest-1", "CN"),
];

const GCP: &[(&str, &str)] = &[
    ("us-central1", "US"),
    ("us-east1", "US"),
    ("us-east4", "US"),
    ("us-east5", "US"),
    ("us-south1", "US"),
    ("us-west1", "US"),
    ("us-west2", "US"),
    ("us-west3", "US"),
    ("us-west4", "US"),
    ("northamerica-northeast1", "CA"),
    ("northamerica-northeast2", "CA"),
    ("northamerica-south1", "MX"),
    ("southamerica-east1", "BR"),
    ("southamerica-west1", "CL"),
    ("europe-central2", "PL"),
    ("europe-north1", "FI"),
    ("europe-north2", "SE"),
    ("europe-southwest1", "ES"),
    ("europe-west1", "BE"),
    ("europe-west2", "GB"),
    ("europe-west3", "DE"),
    ("europe-west4", "NL"),
    ("europe-west6", "CH"),
    ("europe-west8", "IT"),
    ("europe-west9", "FR"),
    ("europe-west10", "DE"),
    ("europe-west12", "IT"),
    ("asia-east1", "TW"),
    ("asia-east2", "HK"),
    ("asia-northeast1", "JP"),
    ("asia-northeast2", "JP"),
    ("asia-northeast3", "KR"),
    ("asia-south1", "IN"),
    ("asia-south2", "IN"),
    ("asia-southeast1", "SG"),
    ("asia-southeast2", "ID"),
    ("australia-southeast1", "AU"),
    ("australia-southeast2", "AU"),
    ("me-central1", "QA"),
    ("me-central2", "SA"),
    ("me-west1", "IL"),
    ("africa-south1", "ZA"),
];

const AZURE: &[(&str, &str)] = &[
    ("eastus", "US"),
    ("eastus2", "US"),
    ("centralus", "US"),
    ("northcentralus", "US"),
    ("southcentralus", "US"),
    ("westcentralus", "US"),
    ("westus", "US"),
    ("westus2", "US"),
    ("westus3", "US"),
    ("canadacentral", "CA"),
    ("canadaeast", "CA"),
    ("mexicocentral", "MX"),
    ("brazilsouth", "BR"),
    ("northeurope", "IE"),
    ("westeurope", "NL"),
    ("francecentral", "FR"),
    ("francesouth", "FR"),
    ("germanywestcentral", "DE"),
    ("germanynorth", "DE"),
    ("swedencentral", "SE"),
    ("norwayeast", "NO"),
    ("norwaywest", "NO"),
    ("switzerlandnorth", "CH"),
    ("switzerlandwest", "CH"),
    ("uksouth", "GB"),
    ("ukwest", "GB"),
    ("italynorth", "IT"),
    ("polandcentral", "PL"),
    ("spaincentral", "ES"),
    ("japaneast", "JP"),
    ("japanwest", "JP"),
    ("koreacentral", "KR"),
    ("koreasouth", "KR"),
    ("southeastasia", "SG"),
    ("eastasia", "HK"),
    ("centralindia", "IN"),
    ("southindia", "IN"),
    ("westindia", "IN"),
    ("australiaeast", "AU"),
    ("australiasoutheast", "AU"),
    ("australiacentral", "AU"),
    ("uaenorth", "AE"),
    ("southafricanorth", "ZA"),
    ("qatarcentral", "QA"),
    ("israelcentral", "IL"),
    ("swedensouth", "SE"),
    ("southafricawest", "ZA"),
    ("uaecentral", "AE"),
    ("australiacentral2", "AU"),
    ("brazilsoutheast", "BR"),
    ("jioindiawest", "IN"),
    ("jioindiacentral", "IN"),
    ("newzealandnorth", "NZ"),
    ("malaysiawest", "MY"),
    ("indonesiacentral", "ID"),
    ("chilecentral", "CL"),
];

const EU: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// The countries of a built-in geography, `None` if there is no such built-in.
pub fn builtin_countries(geo: &str) -> Option<Vec<&'static str>> {
    let one = |c: &'static str| Some(vec![c]);
    match geo {
        "eu" => Some(EU.to_vec()),
        "eea" => Some(EU.iter().copied().chain(["NO", "IS", "LI"]).collect()),
        "us" => one("US"),
        "uk" => one("GB"),
        "ca" => one("CA"),
        "ch" => one("CH"),
        "in" => one("IN"),
        "jp" => one("JP"),
        "au" => one("AU"),
        "br" => one("BR"),
        "sg" => one("SG"),
        "kr" => one("KR"),
        "za" => one("ZA"),
        "ae" => one("AE"),
        "mx" => one("MX"),
        "il" => one("IL"),
        "de" => one("DE"),
        "fr" => one("FR"),
        _ => None,
    }
}

/// Names of the built-in geographies, for error messages.
pub const BUILTIN_GEOGRAPHIES: &[&str] = &[
    "eu", "eea", "us", "uk", "ca", "ch", "in", "jp", "au", "br", "sg", "kr", "za", "ae", "mx",
    "il", "de", "fr",
];

/// The country of a region of `cloud`, `None` when the region is unknown.
pub fn country(cloud: Cloud, region: &str) -> Option<&'static str> {
    let r = region.to_ascii_lowercase();
    table(cloud)
        .iter()
        .find(|(name, _)| *name == r)
        .map(|(_, c)| *c)
}

/// GCS multi-regions and predefined dual-regions, with the regions each spans.
///
/// Predefined dual-regions, from Cloud Storage's bucket-locations page: `ASIA1` (Tokyo and
/// Osaka), `EUR4` (Finland and the Netherlands), `EUR5` (Belgium and London), `EUR7` (London
/// and Frankfurt), `EUR8` (Frankfurt and Zurich), `NAM4` (Iowa and South Carolina). A
/// configurable dual-region is its multi-region code plus two regions of it
/// (`custom_placement_config`), which providers report as places of their own.
const GCP_MULTI: &[(&str, &[&str])] = &[
    ("ASIA1", &["asia-northeast1", "asia-northeast2"]),
    ("EUR4", &["europe-north1", "europe-west4"]),
    ("EUR5", &["europe-west1", "europe-west2"]),
    ("EUR7", &["europe-west2", "europe-west3"]),
    ("EUR8", &["europe-west3", "europe-west6"]),
    ("NAM4", &["us-central1", "us-east1"]),
    (
        "ASIA",
        &[
            "asia-east1",
            "asia-east2",
            "asia-northeast1",
            "asia-northeast2",
            "asia-northeast3",
            "asia-south1",
            "asia-south2",
            "asia-southeast1",
            "asia-southeast2",
        ],
    ),
    (
        "EU",
        &[
            "europe-central2",
            "europe-north1",
            "europe-north2",
            "europe-southwest1",
            "europe-west1",
            "europe-west3",
            "europe-west4",
            "europe-west8",
            "europe-west9",
            "europe-west10",
            "europe-west12",
        ],
    ),
    (
        "US",
        &[
            "us-central1",
            "us-east1",
            "us-east4",
            "us-east5",
            "us-south1",
            "us-west1",
            "us-west2",
            "us-west3",
            "us-west4",
        ],
    ),
];

/// Azure region pairs: where geo-redundant storage (GRS, RA-GRS, GZRS, RA-GZRS) copies data,
/// as `(region, its pair)`. Pairing is not always mutual: Brazil South copies to South Central US
/// (outside Brazil), whose own pair is North Central US; West US 3 pairs with East US, whose
/// pair is West US; West India pairs with South India, whose pair is Central India. Regions
/// without a pair (Poland Central, Italy North, Spain Central, Israel Central, Qatar Central,
/// Mexico Central, ...) are absent. Source: Microsoft's "Azure region pairs and nonpaired
/// regions" list and ARM's List Locations `metadata.pairedRegion`.
const AZURE_PAIRS: &[(&str, &str)] = &[
    // United States
    ("eastus", "westus"),
    ("westus", "eastus"),
    ("eastus2", "centralus"),
    ("centralus", "eastus2"),
    ("northcentralus", "southcentralus"),
    ("southcentralus", "northcentralus"),
    ("westus2", "westcentralus"),
    ("westcentralus", "westus2"),
    ("westus3", "eastus"),
    // Canada
    ("canadacentral", "canadaeast"),
    ("canadaeast", "canadacentral"),
    // Brazil: Brazil South's pair lies outside its geography.
    ("brazilsouth", "southcentralus"),
    ("brazilsoutheast", "brazilsouth"),
    // Europe
    ("northeurope", "westeurope"),
    ("westeurope", "northeurope"),
    ("francecentral", "francesouth"),
    ("francesouth", "francecentral"),
    ("germanywestcentral", "germanynorth"),
    ("germanynorth", "germanywestcentral"),
    ("swedencentral", "swedensouth"),
    ("swedensouth", "swedencentral"),
    ("norwayeast", "norwaywest"),
    ("norwaywest", "norwayeast"),
    ("switzerlandnorth", "switzerlandwest"),
    ("switzerlandwest", "switzerlandnorth"),
    ("uksouth", "ukwest"),
    ("ukwest", "uksouth"),
    // Middle East and Africa
    ("uaenorth", "uaecentral"),
    ("uaecentral", "uaenorth"),
    ("southafricanorth", "southafricawest"),
    ("southafricawest", "southafricanorth"),
    // Asia Pacific: East Asia (Hong Kong) and Southeast Asia (Singapore) pair across a border.
    ("eastasia", "southeastasia"),
    ("southeastasia", "eastasia"),
    ("japaneast", "japanwest"),
    ("japanwest", "japaneast"),
    ("koreacentral", "koreasouth"),
    ("koreasouth", "koreacentral"),
    ("centralindia", "southindia"),
    ("southindia", "centralindia"),
    ("westindia", "southindia"),
    ("jioindiawest", "jioindiacentral"),
    ("jioindiacentral", "jioindiawest"),
    ("australiaeast", "australiasoutheast"),
    ("australiasoutheast", "australiaeast"),
    ("australiacentral", "australiacentral2"),
    ("australiacentral2", "australiacentral"),
];

/// The regions a location of `cloud` spans: a region itself, a zone's region, every region of
/// a multi- or dual-region. `None` when the catalogue does not know the name.
pub fn spans(cloud: Cloud, location: &str) -> Option<Vec<&'static str>> {
    if let Some(r) = region_name(cloud, location) {
        return Some(vec![r]);
    }
    if cloud == Cloud::Gcp {
        let upper = location.to_ascii_uppercase();
        if let Some((_, rs)) = GCP_MULTI.iter().find(|(n, _)| *n == upper) {
            return Some(rs.to_vec());
        }
    }
    zone_region(cloud, location).map(|r| vec![r])
}

/// Whether `location` names one region (or a zone of one), rather than several regions.
pub fn is_single_region(cloud: Cloud, location: &str) -> bool {
    region_name(cloud, location).is_some() || zone_region(cloud, location).is_some()
}

/// The region a zone lies in: `europe-west3-a` (GCP), `eu-central-1a` (AWS).
pub fn zone_region(cloud: Cloud, zone: &str) -> Option<&'static str> {
    let z = zone.to_ascii_lowercase();
    let base = match cloud {
        Cloud::Gcp => z.rsplit_once('-').map(|(r, _)| r.to_string())?,
        Cloud::Aws => z
            .strip_suffix(|c: char| c.is_ascii_lowercase())
            .map(str::to_string)?,
        Cloud::Azure => return None,
    };
    region_name(cloud, &base)
}

/// The region an Azure region's geo-redundant copies go to, when the catalogue knows it;
/// `None` for other clouds, unknown regions and Azure regions without a pair.
pub fn paired_region(cloud: Cloud, region: &str) -> Option<&'static str> {
    if cloud != Cloud::Azure {
        return None;
    }
    let r = region.to_ascii_lowercase();
    AZURE_PAIRS
        .iter()
        .find_map(|(a, b)| (*a == r).then_some(*b))
}

fn region_name(cloud: Cloud, region: &str) -> Option<&'static str> {
    let r = region.to_ascii_lowercase();
    table(cloud)
        .iter()
        .find(|(name, _)| *name == r)
        .map(|(n, _)| *n)
}

fn table(cloud: Cloud) -> &'static [(&'static str, &'static str)] {
    match cloud {
        Cloud::Aws => AWS,
        Cloud::Gcp => GCP,
        Cloud::Azure => AZURE,
    }
}

/// Where objects of a provider plugin's resource type live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypePlacement {
    /// In one region: the resource's `region`/`location` argument, else its provider's.
    Regional,
    /// Account- or project-wide, no region (IAM, DNS): a bound workspace must allow the type.
    Global,
    /// The catalogue does not know: treated like a global type.
    Unknown,
}

/// The cloud a provider plugin's objects live in, by the type part of its source address
/// (`hashicorp/aws` → `aws`).
pub fn cloud_of_provider_type(provider_type: &str) -> Option<Cloud> {
    match provider_type {
        "aws" => Some(Cloud::Aws),
        "google" | "google-beta" => Some(Cloud::Gcp),
        "azurerm" => Some(Cloud::Azure),
        _ => None,
    }
}

/// Prefixes of global (region-less) resource types, per provider type.
const GLOBAL_TYPES: &[(&str, &[&str])] = &[
    (
        "aws",
        &[
            "aws_iam_",
            "aws_route53_",
            "aws_cloudfront_",
            "aws_organizations_",
            "aws_budgets_",
            "aws_ce_",
            "aws_shield_",
            "aws_waf_",
            "aws_globalaccelerator_",
            "aws_s3_account_",
        ],
    ),
    (
        "google",
        &[
            "google_project",
            "google_service_account",
            "google_organization_",
            "google_folder",
            "google_dns_",
            "google_billing_",
        ],
    ),
    (
        "azurerm",
        &[
            "azurerm_role_",
            "azurerm_dns_",
            "azurerm_subscription",
            "azurerm_management_group",
        ],
    ),
];

/// Prefixes of regional resource types, per provider type (everything else unknown).
const REGIONAL_TYPES: &[(&str, &[&str])] = &[
    (
        "aws",
        &[
            "aws_vpc",
            "aws_subnet",
            "aws_security_group",
            "aws_internet_gateway",
            "aws_nat_gateway",
            "aws_route",
            "aws_eip",
            "aws_instance",
            "aws_launch_template",
            "aws_autoscaling_",
            "aws_eks_",
            "aws_ecs_",
            "aws_ecr_",
            "aws_s3_",
            "aws_kms_",
            "aws_db_",
            "aws_rds_",
            "aws_lb",
            "aws_alb",
            "aws_cloudwatch_",
            "aws_sqs_",
            "aws_sns_",
            "aws_dynamodb_",
            "aws_lambda_",
            "aws_efs_",
            "aws_elasticache_",
            "aws_secretsmanager_",
            "aws_ssm_",
            "aws_network_",
            "aws_flow_log",
            "aws_ebs_",
            "aws_key_pair",
            "aws_default_",
            "aws_egress_only_",
            "aws_main_route_table_",
            "aws_vpc_",
            "aws_ec2_",
        ],
    ),
    (
        "google",
        &[
            "google_compute_",
            "google_container_",
            "google_storage_",
            "google_sql_",
            "google_kms_",
            "google_artifact_registry_",
            "google_pubsub_",
            "google_redis_",
        ],
    ),
    (
        "azurerm",
        &[
            "azurerm_resource_group",
            "azurerm_kubernetes_",
            "azurerm_storage_",
            "azurerm_virtual_network",
            "azurerm_subnet",
            "azurerm_network_",
            "azurerm_key_vault",
            "azurerm_postgresql_",
            "azurerm_container_registry",
            "azurerm_public_ip",
            "azurerm_linux_",
            "azurerm_windows_",
            "azurerm_log_analytics_",
        ],
    ),
];

/// Where objects of resource type `type_name` of provider type `provider_type` live.
pub fn type_placement(provider_type: &str, type_name: &str) -> TypePlacement {
    let hit = |table: &[(&str, &[&str])]| {
        table
            .iter()
            .filter(|(p, _)| *p == provider_type)
            .any(|(_, prefixes)| prefixes.iter().any(|x| type_name.starts_with(x)))
    };
    if hit(GLOBAL_TYPES) {
        TypePlacement::Global
    } else if hit(REGIONAL_TYPES) {
        TypePlacement::Regional
    } else {
        TypePlacement::Unknown
    }
}

/// Where something physically lives, as a backend or a cloud object reports it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// Its cloud.
    pub cloud: Cloud,
    /// The cloud's name for the location (region, zone, multi-region).
    pub name: String,
}

impl Location {
    /// `name` in `cloud`.
    pub fn new(cloud: Cloud, name: impl Into<String>) -> Self {
        Location {
            cloud,
            name: name.into(),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.name, self.cloud.name())
    }
}

/// Every known region of a cloud, for suggestions.
pub fn regions(cloud: Cloud) -> impl Iterator<Item = &'static str> {
    table(cloud).iter().map(|(r, _)| *r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_countries() {
        assert_eq!(country(Cloud::Aws, "eu-central-1"), Some("DE"));
        assert_eq!(country(Cloud::Gcp, "europe-west2"), Some("GB"));
        assert_eq!(country(Cloud::Azure, "westeurope"), Some("NL"));
        assert_eq!(country(Cloud::Aws, "mars-north-1"), None);
    }

    #[test]
    fn uk_and_switzerland_are_not_in_the_eu() {
        let eu = builtin_countries("eu").expect("eu");
        assert!(!eu.contains(&"GB") && !eu.contains(&"CH"));
        assert!(eu.contains(&"IE"));
    }

    #[test]
    fn zones_and_multi_regions_span_their_regions() {
        assert_eq!(
            spans(Cloud::Gcp, "europe-west3-a"),
            Some(vec!["europe-west3"])
        );
        assert_eq!(
            spans(Cloud::Aws, "eu-central-1b"),
            Some(vec!["eu-central-1"])
        );
        assert!(spans(Cloud::Gcp, "EU").is_some_and(|r| r.contains(&"europe-west3")));
        assert_eq!(spans(Cloud::Gcp, "MARS"), None);
        assert!(is_single_region(Cloud::Gcp, "europe-west3-a"));
        assert!(!is_single_region(Cloud::Gcp, "EU"));
    }

    #[test]
    fn plugin_types_are_placed_by_the_catalogue() {
        assert_eq!(type_placement("aws", "aws_vpc"), TypePlacement::Regional);
        assert_eq!(type_placement("aws", "aws_subnet"), TypePlacement::Regional);
        assert_eq!(type_placement("aws", "aws_iam_role"), TypePlacement::Global);
        assert_eq!(type_placement("aws", "aws_made_up"), TypePlacement::Unknown);
        assert_eq!(type_placement("test", "test_thing"), TypePlacement::Unknown);
        assert_eq!(cloud_of_provider_type("aws"), Some(Cloud::Aws));
    }

    /// Whether every region `location` spans is in a country of `geo`.
    fn inside(geo: &str, location: &str) -> bool {
        let countries = builtin_countries(geo).expect("geography");
        spans(Cloud::Gcp, location).is_some_and(|rs| {
            rs.iter()
                .all(|r| country(Cloud::Gcp, r).is_some_and(|c| countries.contains(&c)))
        })
    }

    #[test]
    fn gcs_dual_and_multi_regions_are_judged_by_every_region_they_span() {
        // Predefined dual-regions are pairs, case-insensitive like GCS location names.
        assert_eq!(
            spans(Cloud::Gcp, "eur4"),
            Some(vec!["europe-north1", "europe-west4"])
        );
        assert_eq!(
            spans(Cloud::Gcp, "NAM4"),
            Some(vec!["us-central1", "us-east1"])
        );
        assert_eq!(
            spans(Cloud::Gcp, "ASIA1"),
            Some(vec!["asia-northeast1", "asia-northeast2"])
        );
        assert!(!is_single_region(Cloud::Gcp, "EUR8"));
        // EU multi-region and EUR4 stay in the EU; EUR5 and EUR7 include London, EUR8 Zurich.
        assert!(inside("eu", "EU"));
        assert!(inside("eu", "EUR4"));
        assert!(!inside("eu", "EUR5"));
        assert!(!inside("eu", "EUR7"));
        assert!(!inside("eu", "EUR8"));
        assert!(!inside("eu", "US"));
        assert!(inside("us", "US") && inside("us", "NAM4"));
        assert!(inside("jp", "ASIA1"));
        assert!(!inside("jp", "ASIA"));
        assert!(spans(Cloud::Gcp, "ASIA").is_some_and(|r| r.contains(&"asia-southeast1")));
        // A region in upper case, as GCS reports bucket locations, is the region.
        assert!(inside("eu", "EUROPE-WEST3"));
    }

    #[test]
    fn azure_pairs_follow_microsofts_list() {
        let pair = |r: &str| paired_region(Cloud::Azure, r);
        assert_eq!(pair("germanywestcentral"), Some("germanynorth"));
        assert_eq!(pair("GermanyNorth"), Some("germanywestcentral"));
        assert_eq!(pair("northeurope"), Some("westeurope"));
        assert_eq!(pair("francecentral"), Some("francesouth"));
        assert_eq!(pair("uksouth"), Some("ukwest"));
        assert_eq!(pair("swedencentral"), Some("swedensouth"));
        // Not mutual: Brazil South copies to South Central US, which copies to North Central US.
        assert_eq!(pair("brazilsouth"), Some("southcentralus"));
        assert_eq!(pair("southcentralus"), Some("northcentralus"));
        assert_eq!(pair("westus3"), Some("eastus"));
        assert_eq!(pair("eastus"), Some("westus"));
        // Nonpaired regions, unknown regions and other clouds have none.
        assert_eq!(pair("polandcentral"), None);
        assert_eq!(pair("italynorth"), None);
        assert_eq!(pair("marsnorth"), None);
        assert_eq!(paired_region(Cloud::Aws, "eu-central-1"), None);
    }

    #[test]
    fn every_pair_names_known_regions() {
        for (a, b) in AZURE_PAIRS {
            assert!(
                country(Cloud::Azure, a).is_some(),
                "{a} is not in the AZURE table"
            );
            assert!(
                country(Cloud::Azure, b).is_some(),
                "{b} is not in the AZURE table"
            );
            assert_ne!(a, b, "{a} is paired with itself");
        }
        let mut seen = std::collections::HashSet::new();
        for (a, _) in AZURE_PAIRS {
            assert!(seen.insert(a), "{a} has two pairs");
        }
    }

    #[test]
    fn pairs_that_cross_a_border() {
        let inside = |geo: &str, r: &str| {
            let countries = builtin_countries(geo).expect("built in");
            country(Cloud::Azure, r).is_some_and(|c| countries.contains(&c))
        };
        // Every EU region's pair stays in the EU: GRS in the EU never leaves it.
        for (a, b) in AZURE_PAIRS {
            if inside("eu", a) {
                assert!(inside("eu", b), "{a}'s pair {b} leaves the eu");
            }
        }
        // Brazil South's copies leave Brazil; Southeast Asia's leave Singapore for Hong Kong.
        let brazil = paired_region(Cloud::Azure, "brazilsouth").expect("paired");
        assert!(inside("br", "brazilsouth") && !inside("br", brazil));
        let sg = paired_region(Cloud::Azure, "southeastasia").expect("paired");
        assert!(inside("sg", "southeastasia") && !inside("sg", sg));
        // Norway's pair stays in Norway: inside the eea, outside the eu.
        let no = paired_region(Cloud::Azure, "norwayeast").expect("paired");
        assert!(inside("eea", no) && !inside("eu", no));
    }
}
