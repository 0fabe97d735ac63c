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
const GCP_MULTI: &[(&str, &[&str])] = &[
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
