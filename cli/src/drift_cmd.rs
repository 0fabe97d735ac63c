//! `hangar drift`: a read-only check for CI, with honest exit codes and machine reports.
//!
//! It refreshes every recorded object (holding the state lock only while reading state),
//! compares with state and configuration, searches for orphans, and writes nothing. Exit codes,
//! always: 0 no drift, 2 drift found (or an expired allowlist entry), 1 error. `--json` prints
//! report format 1.0; `--junit FILE` writes one test case per resource; `--allow FILE` lists
//! known drift that is reported but does not fail the run until its expiry date.
//!
//! Report format 1.0: `{format_version, workspace, binding, checked_at, api_calls, summary:
//! {drift, allowed, pending, expired_allowances}, items: [{address, kind, attributes: [{name,
//! recorded, actual}], region, detail, allowed, allowed_by}], pending: [{address, actions}],
//! expired_allowances: [...]}` where kind is one of changed, deleted, residency, orphan.

use std::path::Path;

use hangar_core::Diagnostic;
use serde_json::json;

use super::run::{make, prepare, Mode};
use super::{CliError, Env, RunFlags};
use crate::progress::Lines;
use hangar_engine::drift::Observation;
use hangar_engine::events::{Events, NoEvents};
use hangar_engine::plan::Action;

/// One allowlist entry: known drift that should not fail the run.
#[derive(Debug, Clone)]
pub struct Allowance {
    /// Address pattern (`*` matches any run of characters).
    pub address: String,
    /// Attribute pattern, `*` when absent.
    pub attribute: String,
    /// Why it is allowed.
    pub reason: String,
    /// Last day it applies (YYYY-MM-DD).
    pub expires: String,
}

/// Glob match with `*` only.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(p) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            match rest.find(p) {
                Some(at) => rest = &rest[at + p.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Reads an allowlist: `allow { address = "...", attribute = "tags.*", reason = "...", expires = "2026-12-31" }` blocks.
pub fn read_allowlist(path: &Path) -> Result<Vec<Allowance>, CliError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::from(Diagnostic::error(
            "Cannot read allowlist",
            format!("{shown}: {e}"),
        ))
    })?;
    let file = hangar_lang::SourceFile::new(shown.clone(), text);
    let body = hangar_engine::config::load::parse_file(&file)?;
    let mut out = Vec::new();
    for b in body.blocks() {
        if b.ident.as_str() != "allow" {
            return Err(Diagnostic::error(
                "Invalid allowlist",
                format!(
                    "{shown}: only allow {{ ... }} blocks are expected, found {}.",
                    b.ident.as_str()
                ),
            )
            .into());
        }
        let get = |k: &str| -> Option<String> {
            b.body.get_attribute(k).and_then(|a| match &a.value {
                hcl_edit::expr::Expression::String(s) => Some(s.value().clone()),
                _ => None,
            })
        };
        let (Some(address), Some(reason), Some(expires)) =
            (get("address"), get("reason"), get("expires"))
        else {
            return Err(Diagnostic::error(
                "Invalid allowlist entry",
                format!("{shown}: every allow block needs string address, reason and expires (YYYY-MM-DD); attribute is optional."),
            )
            .into());
        };
        if expires.len() != 10 || expires.as_bytes().get(4) != Some(&b'-') {
            return Err(Diagnostic::error(
                "Invalid allowlist entry",
                format!("{shown}: expires must be a date like 2026-12-31, found {expires:?}."),
            )
            .into());
        }
        out.push(Allowance {
            address,
            attribute: get("attribute").unwrap_or_else(|| "*".into()),
            reason,
            expires,
        });
    }
    Ok(out)
}

fn today() -> String {
    hangar_state::lock_info::rfc3339_utc(std::time::SystemTime::now())[..10].to_string()
}

fn allowed_by<'a>(o: &Observation, allow: &'a [Allowance], today: &str) -> Option<&'a Allowance> {
    allow.iter().find(|a| {
        a.expires.as_str() >= today
            && glob(&a.address, &o.address)
            && (o.attributes.is_empty() && a.attribute == "*"
                || !o.attributes.is_empty()
                    && o.attributes.iter().all(|x| glob(&a.attribute, &x.name)))
    })
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `hangar drift`.
pub fn drift(
    env: &mut Env,
    flags: &RunFlags,
    as_json: bool,
    junit: Option<&Path>,
    allow: Option<&Path>,
) -> Result<u8, CliError> {
    let allowances = match allow {
        Some(p) => read_allowlist(p)?,
        None => Vec::new(),
    };
    let p = prepare(env)?;
    let backend = env.backend()?;
    super::run::check_backend_location(&*backend, &p)?;
    let prior = {
        let _lock = if flags.lock {
            Some(env.lock(&*backend, "drift")?)
        } else {
            None
        };
        env.read_state(&*backend)?
    };
    let events: &dyn Events = if as_json { &NoEvents } else { &Lines };
    let plan = make(env, &p, &prior, flags, Mode::Drift, events)?;
    let today = today();
    let binding = hangar_engine::residency::binding::recorded(&prior)?;
    let mut drift = 0;
    let mut allowed = 0;
    let items: Vec<serde_json::Value> = plan
        .observations
        .iter()
        .map(|o| {
            let by = allowed_by(o, &allowances, &today);
            if by.is_some() {
                allowed += 1;
            } else {
                drift += 1;
            }
            json!({
                "address": o.address,
                "kind": o.kind.name(),
                "attributes": o.attributes,
                "region": o.region,
                "detail": o.detail,
                "allowed": by.is_some(),
                "allowed_by": by.map(|a| json!({"address": a.address, "attribute": a.attribute, "reason": a.reason, "expires": a.expires})),
            })
        })
        .collect();
    let pending: Vec<serde_json::Value> = plan
        .resource_changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .filter(|c| {
            !plan
                .observations
                .iter()
                .any(|o| o.address == c.addr.to_string())
        })
        .map(|c| json!({"address": c.addr.to_string(), "actions": c.action.json_actions()}))
        .collect();
    let expired: Vec<&Allowance> = allowances
        .iter()
        .filter(|a| a.expires.as_str() < today.as_str())
        .collect();
    let report = json!({
        "format_version": "1.0",
        "workspace": env.workspace,
        "binding": binding,
        "checked_at": hangar_state::lock_info::rfc3339_utc(std::time::SystemTime::now()),
        "api_calls": plan.api_calls,
        "summary": {"drift": drift, "allowed": allowed, "pending": pending.len(), "expired_allowances": expired.len()},
        "items": items,
        "pending": pending,
        "expired_allowances": expired.iter().map(|a| json!({"address": a.address, "attribute": a.attribute, "reason": a.reason, "expires": a.expires})).collect::<Vec<_>>(),
    });
    if let Some(path) = junit {
        write_junit(
            path,
            &env.workspace,
            &prior,
            &plan.observations,
            &allowances,
            &today,
        )?;
    }
    if as_json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        crate::outln!();
        for o in &plan.observations {
            let tag = if allowed_by(o, &allowances, &today).is_some() {
                "allowed"
            } else {
                "DRIFT"
            };
            crate::outln!("{tag:7} {:9} {}", o.kind.name(), o.detail);
            for a in &o.attributes {
                crate::outln!("          {}: {} -> {}", a.name, a.recorded, a.actual);
            }
        }
        for a in &expired {
            crate::outln!(
                "EXPIRED allowlist entry for {} ({}) expired on {}: {}",
                a.address,
                a.attribute,
                a.expires,
                a.reason
            );
        }
        if !pending.is_empty() {
            crate::outln!("\nConfiguration not yet applied (not drift): {} change(s); run hangar plan to see them.", pending.len());
        }
        crate::outln!(
            "\nDrift check of workspace {}: {drift} drifted, {allowed} allowed, {} expired allowance(s), {} API call(s).",
            env.workspace,
            expired.len(),
            plan.api_calls
        );
    }
    Ok(if drift > 0 || !expired.is_empty() {
        2
    } else {
        0
    })
}

fn write_junit(
    path: &Path,
    ws: &str,
    prior: &hangar_state::StateDoc,
    obs: &[Observation],
    allow: &[Allowance],
    today: &str,
) -> Result<(), CliError> {
    let mut cases = String::new();
    let mut failures = 0;
    let mut names: Vec<String> = prior.resources.keys().cloned().collect();
    for o in obs {
        if !names.contains(&o.address) {
            names.push(o.address.clone());
        }
    }
    for name in &names {
        let found: Vec<&Observation> = obs.iter().filter(|o| &o.address == name).collect();
        cases.push_str(&format!(
            "    <testcase classname=\"hangar.drift.{}\" name=\"{}\">\n",
            xml(ws),
            xml(name)
        ));
        for o in found {
            if allowed_by(o, allow, today).is_some() {
                cases.push_str(&format!(
                    "      <system-out>allowed: {}</system-out>\n",
                    xml(&o.detail)
                ));
            } else {
                failures += 1;
                let attrs: Vec<String> = o
                    .attributes
                    .iter()
                    .map(|a| format!("{}: {} -> {}", a.name, a.recorded, a.actual))
                    .collect();
                cases.push_str(&format!(
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                    o.kind.name(),
                    xml(&o.detail),
                    xml(&attrs.join("\n"))
                ));
            }
        }
        cases.push_str("    </testcase>\n");
    }
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"hangar drift {}\" tests=\"{}\" failures=\"{failures}\">\n{cases}  </testsuite>\n</testsuites>\n",
        xml(ws),
        names.len()
    );
    std::fs::write(path, doc)
        .map_err(|e| CliError::Message(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_match_like_shells() {
        assert!(glob("tags.*", "tags.owner"));
        assert!(glob("aws_s3_bucket.*", "aws_s3_bucket.logs"));
        assert!(glob("*", "anything"));
        assert!(!glob("tags.*", "name"));
        assert!(glob("a*c*e", "abcde"));
        assert!(!glob("a*c*e", "abcdf"));
    }
}
