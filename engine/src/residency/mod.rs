//! Residency: a workspace is bound to one geography, and nothing may land outside it.
//!
//! [`Policy::select`] reads the selected `workspace` block (geography, primary region, allowed
//! regions) and checks that its own regions lie inside its geography. [`Policy::admits`] decides
//! for any region of any cloud. [`binding`] records the policy in state on first apply and
//! refuses any later run that would change it; [`gate`] is the one function every cloud-bound
//! step passes, and [`preflight`] runs it over the whole configuration before any cloud call.
//! Configurations without workspace blocks have no policy (the plain Terraform behaviour).

pub mod binding;
pub mod gate;
pub mod gated;
pub mod preflight;
pub mod suggest;

use std::collections::BTreeMap;

use hangar_core::{Diagnostic, Diagnostics, Value};
use hangar_lang::EmptyScope;

use crate::body::eval_expr;
use crate::config::{Config, Expr};
use hangar_core::geo::{builtin_countries, country, is_single_region, spans, BUILTIN_GEOGRAPHIES};
use hangar_core::Cloud;

/// The rules of the selected workspace.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Workspace name.
    pub workspace: String,
    /// Geography name.
    pub geography: String,
    /// Primary region.
    pub region: String,
    /// Further regions the workspace may use.
    pub allowed_regions: Vec<String>,
    /// For custom geographies: the explicit regions per cloud.
    pub custom: Option<BTreeMap<Cloud, Vec<String>>>,
    /// Per-workspace input variables.
    pub variables: BTreeMap<String, Value>,
    /// Regions outside the geography that data sources may read from (`allowed_reads`).
    pub allowed_reads: Vec<String>,
    /// Where state lives when the backend cannot report it (`state_location`).
    pub state_location: Option<String>,
    /// Resource types with no region the workspace may manage (`global_types`, globs).
    pub global_types: Vec<String>,
}

/// Why a region is not admitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The region is outside the geography.
    OutsideGeography,
    /// Inside the geography but not one of the workspace's regions.
    NotAllowed,
}

fn eval_const(e: &Expr) -> Result<Value, Diagnostics> {
    eval_expr(e, &EmptyScope, std::path::Path::new("."))
}

fn string_list(v: &Value) -> Option<Vec<String>> {
    v.as_seq().map(|xs| {
        xs.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    })
}

/// The workspace a run uses: the one named, or the only declared one.
pub fn selected_workspace(cfg: &Config, requested: &str) -> Result<String, Diagnostic> {
    if cfg.workspaces.is_empty() {
        if requested == "default" {
            return Ok(requested.to_string());
        }
        return Err(Diagnostic::error(
            "No such workspace",
            format!(
                "Workspace \"{requested}\" is not declared: this configuration declares no workspace blocks, so its only \
                 workspace is \"default\". Declare it to use it: workspace \"{requested}\" {{ geography = \"eu\", region = \"eu-central-1\" }}."
            ),
        ));
    }
    if requested == "default" && cfg.workspaces.len() == 1 {
        return Ok(cfg.workspaces.keys().next().cloned().unwrap_or_default());
    }
    if cfg.workspaces.contains_key(requested) {
        return Ok(requested.to_string());
    }
    let names: Vec<_> = cfg.workspaces.keys().cloned().collect();
    Err(Diagnostic::error(
        "No such workspace",
        if requested == "default" {
            format!("This configuration declares several workspaces ({}); choose one with -w NAME or HANGAR_WORKSPACE.", names.join(", "))
        } else {
            format!(
                "Workspace \"{requested}\" is not declared. Declared workspaces: {}.",
                names.join(", ")
            )
        },
    ))
}

impl Policy {
    /// The policy of workspace `name`, `None` when the configuration declares no workspaces.
    pub fn select(cfg: &Config, name: &str) -> Result<Option<Policy>, Diagnostics> {
        let Some(w) = cfg.workspaces.get(name) else {
            return Ok(None);
        };
        let mut diags = Diagnostics::new();
        let text = |e: &Option<Expr>, what: &str, diags: &mut Diagnostics| -> String {
            let Some(e) = e else { return String::new() };
            match eval_const(e) {
                Ok(v) => match v.as_str() {
                    Some(s) => s.to_string(),
                    None => {
                        diags.push(
                            Diagnostic::error(
                                format!("Invalid workspace {what}"),
                                format!("The {what} must be a string."),
                            )
                            .at(Some(e.range())),
                        );
                        String::new()
                    }
                },
                Err(d) => {
                    diags.extend(d);
                    String::new()
                }
            }
        };
        let geography = text(&w.geography, "geography", &mut diags);
        let region = text(&w.region, "region", &mut diags);
        let list = |e: &Option<Expr>, what: &str, diags: &mut Diagnostics| match e {
            None => Vec::new(),
            Some(e) => match eval_const(e).map(|v| string_list(&v)) {
                Ok(Some(l)) => l,
                Ok(None) => {
                    diags.push(
                        Diagnostic::error(
                            format!("Invalid {what}"),
                            format!("{what} must be a list of region names."),
                        )
                        .at(Some(e.range())),
                    );
                    Vec::new()
                }
                Err(d) => {
                    diags.extend(d);
                    Vec::new()
                }
            },
        };
        let allowed_regions = list(&w.allowed_regions, "allowed_regions", &mut diags);
        let allowed_reads = list(&w.allowed_reads, "allowed_reads", &mut diags);
        let global_types = list(&w.global_types, "global_types", &mut diags);
        let state_location = w
            .state_location
            .as_ref()
            .map(|_| text(&w.state_location, "state_location", &mut diags));
        let variables = match &w.variables {
            None => BTreeMap::new(),
            Some(e) => match eval_const(e) {
                Ok(v) => v
                    .as_map()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
                Err(d) => {
                    diags.extend(d);
                    BTreeMap::new()
                }
            },
        };
        let custom = match cfg.geographies.get(&geography) {
            Some(g) => {
                let mut m = BTreeMap::new();
                for (cloud, e) in &g.regions {
                    let c = match cloud.as_str() {
                        "aws" => Cloud::Aws,
                        "gcp" => Cloud::Gcp,
                        _ => Cloud::Azure,
                    };
                    match eval_const(e).map(|v| string_list(&v)) {
                        Ok(Some(l)) => {
                            m.insert(c, l);
                        }
                        Ok(None) => diags.push(
                            Diagnostic::error(
                                "Invalid geography",
                                "Region lists must be lists of strings.",
                            )
                            .at(Some(e.range())),
                        ),
                        Err(d) => diags.extend(d),
                    }
                }
                Some(m)
            }
            None if builtin_countries(&geography).is_some() || geography.is_empty() => None,
            None => {
                diags.push(
                    Diagnostic::error(
                        "Unknown geography",
                        format!(
                            "Geography \"{geography}\" is neither built in ({}) nor declared by a geography block.",
                            BUILTIN_GEOGRAPHIES.join(", ")
                        ),
                    )
                    .at(w.geography.as_ref().map(Expr::range)),
                );
                None
            }
        };
        if diags.has_errors() {
            return Err(diags);
        }
        let policy = Policy {
            workspace: name.to_string(),
            geography,
            region,
            allowed_regions,
            custom,
            variables,
            allowed_reads,
            state_location,
            global_types,
        };
        for r in std::iter::once(&policy.region).chain(&policy.allowed_regions) {
            if !policy.in_geography_any_cloud(r) {
                diags.push(
                    Diagnostic::error(
                        "Workspace region outside its geography",
                        format!("Workspace \"{name}\" lists region \"{r}\", which is not inside geography \"{}\".", policy.geography),
                    )
                    .at(Some(w.decl.clone())),
                );
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(Some(policy))
    }

    fn in_geography_any_cloud(&self, region: &str) -> bool {
        [Cloud::Aws, Cloud::Gcp, Cloud::Azure]
            .iter()
            .any(|c| self.in_geography(*c, region))
    }

    /// Whether every region location `location` of `cloud` spans lies inside the geography.
    pub fn in_geography(&self, cloud: Cloud, location: &str) -> bool {
        let Some(regions) = spans(cloud, location) else {
            return false;
        };
        regions.iter().all(|region| match &self.custom {
            Some(m) => m
                .get(&cloud)
                .is_some_and(|l| l.iter().any(|r| r.eq_ignore_ascii_case(region))),
            None => {
                let countries = builtin_countries(&self.geography).unwrap_or_default();
                country(cloud, region).is_some_and(|c| countries.contains(&c))
            }
        })
    }

    /// Every region the workspace may use.
    pub fn regions(&self) -> Vec<String> {
        std::iter::once(self.region.clone())
            .chain(self.allowed_regions.iter().cloned())
            .collect()
    }

    /// Whether anything of `cloud` may live in `location`: every region it spans lies inside
    /// the geography and, for a single region (or a zone of one), it is one of the workspace's
    /// regions. Multi- and dual-regions inside the geography need no listing.
    pub fn admits(&self, cloud: Cloud, location: &str) -> Result<(), Refusal> {
        if !self.in_geography(cloud, location) {
            return Err(Refusal::OutsideGeography);
        }
        if !is_single_region(cloud, location) {
            return Ok(());
        }
        let region = spans(cloud, location)
            .and_then(|r| r.first().copied())
            .unwrap_or(location);
        if self
            .regions()
            .iter()
            .any(|r| r.eq_ignore_ascii_case(region))
        {
            Ok(())
        } else {
            Err(Refusal::NotAllowed)
        }
    }

    /// Whether data sources may read from `location` although it lies outside the workspace
    /// (the workspace block lists it, or a region it spans, in `allowed_reads`).
    pub fn allows_read(&self, cloud: Cloud, location: &str) -> bool {
        let listed = |r: &str| self.allowed_reads.iter().any(|a| a.eq_ignore_ascii_case(r));
        listed(location) || spans(cloud, location).is_some_and(|rs| rs.iter().all(|r| listed(r)))
    }

    /// Whether the workspace block names `type_name` in `global_types` (`*` globs allowed).
    pub fn allows_global(&self, type_name: &str) -> bool {
        self.global_types
            .iter()
            .any(|g| crate::drift::allow::glob(g, type_name))
    }

    /// A sentence explaining a refusal, naming the region, the workspace and its geography.
    pub fn explain(&self, cloud: Cloud, region: &str, why: &Refusal) -> String {
        let place = country(cloud, region)
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        match why {
            Refusal::OutsideGeography => format!(
                "Region \"{region}\"{place} is outside geography \"{}\", to which workspace \"{}\" is bound.",
                self.geography, self.workspace
            ),
            Refusal::NotAllowed => format!(
                "Region \"{region}\"{place} is inside geography \"{}\" but is not one of workspace \"{}\"'s regions ({}). Add it to allowed_regions to use it.",
                self.geography,
                self.workspace,
                self.regions().join(", ")
            ),
        }
    }

    /// `workspace.*` in expressions.
    pub fn value(&self) -> Value {
        Value::Object(
            [
                ("name".to_string(), Value::string(self.workspace.clone())),
                (
                    "geography".to_string(),
                    Value::string(self.geography.clone()),
                ),
                ("region".to_string(), Value::string(self.region.clone())),
                (
                    "allowed_regions".to_string(),
                    Value::List(
                        self.allowed_regions
                            .iter()
                            .cloned()
                            .map(Value::String)
                            .collect(),
                    ),
                ),
            ]
            .into(),
        )
    }
}
