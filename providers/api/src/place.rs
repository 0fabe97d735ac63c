//! Where a provider configuration or a resource instance sends data, as its configuration
//! declares it, for the engine's residency gate.
//!
//! Providers describe places; they never judge them. The engine's one residency gate resolves
//! each [`Place`] to the regions it spans (through `hangar_core::geo`) and refuses anything it
//! cannot prove inside the workspace's geography, before any cloud call. These functions are
//! pure: they see configuration values (possibly with unknowns) and call no cloud.

use hangar_core::Value;

/// One place a block sends data to or reads it from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// What the place is, for messages: `region`, `location`, `replication destination`,
    /// `endpoint override`, `geo-redundant copy`.
    pub role: String,
    /// The attribute path in the block the place comes from (`destination[0].bucket`), `None`
    /// when it is implied (the provider's default region).
    pub path: Option<String>,
    /// The place itself.
    pub target: Target,
}

impl Place {
    /// A place with `role` from attribute `path` (if any).
    pub fn new(role: impl Into<String>, path: Option<&str>, target: Target) -> Self {
        Place {
            role: role.into(),
            path: path.map(str::to_string),
            target,
        }
    }
}

/// Where a [`Place`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A location name of the provider's cloud, judged by the catalogue: a region, a zone, a
    /// multi- or dual-region (`eu-central-1`, `europe-west3-a`, `EU`, `EUR4`).
    Location(String),
    /// The provider configuration's default region: the block sets no location of its own.
    ProviderDefault,
    /// A location not known until apply: it cannot be proven, so a bound workspace refuses it.
    Unknown,
    /// Wherever the object this attribute names lives (a bucket ARN, a storage account id):
    /// the engine follows the attribute's references to a resource of `type_name` in this
    /// configuration and judges that resource's places instead, in that resource's cloud.
    SameAs {
        /// The resource type the attribute names an object of.
        type_name: String,
    },
    /// An endpoint URL whose host names no region of the cloud (an emulator, a private
    /// endpoint): its name cannot prove where it is. The gate warns and relies on the regions
    /// read back from real objects.
    Unprovable(String),
    /// The object has no region at all (account- or project-wide: IAM, DNS), or the catalogue
    /// does not know where objects of its type live: a bound workspace refuses it unless its
    /// `global_types` names the type.
    Global {
        /// The resource type.
        type_name: String,
    },
}

/// The places of a block whose location is its `region` or `location` attribute: that
/// attribute when set (unknown when not yet known), else the provider's default region.
/// The default for providers and resource types with no other rule.
pub fn by_location_attribute(config: &Value) -> Vec<Place> {
    for name in ["region", "location"] {
        let Some(v) = config.get_attr(name) else {
            continue;
        };
        if v.is_null() {
            continue;
        }
        let target = match v.as_str() {
            Some(s) => Target::Location(s.to_string()),
            None => Target::Unknown,
        };
        return vec![Place::new(name, Some(name), target)];
    }
    vec![Place::new("region", None, Target::ProviderDefault)]
}
