//! `validate`: everything that can be checked without state or credentials.
//!
//! Input variables are unknown (of their declared types; defaults must convert to them), and
//! the whole graph is walked under [`Rule::Collect`]: locals, module inputs and outputs, root
//! outputs, every resource body against its schema, references to attributes a resource type
//! does not have, unknown functions and wrong arities — all reported at once. In a bound
//! workspace the residency pre-flight runs too (with the variables the environment and files
//! give), and the state backend's location is checked. The JSON view is Terraform's
//! `validate -json` shape.

use hangar_core::{Diagnostic, Diagnostics, ModulePath, Severity, SourceRange, Value};
use serde::Serialize;

use super::Workspace;
use crate::body::eval_expr;
use crate::scope::{EvalScope, InstanceNames, Values};
use crate::walk::{offline, Rule, Source};

/// What `validate` found, in Terraform's `validate -json` shape.
#[derive(Debug, Clone, Serialize)]
pub struct ValidateReport {
    /// Always `1.0`.
    pub format_version: &'static str,
    /// No errors.
    pub valid: bool,
    /// Errors found.
    pub error_count: usize,
    /// Warnings found.
    pub warning_count: usize,
    /// Every problem.
    pub diagnostics: Vec<JsonDiagnostic>,
}

/// One diagnostic as Terraform's JSON prints it.
#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    /// `error` or `warning`.
    pub severity: Severity,
    /// One line.
    pub summary: String,
    /// More explanation.
    pub detail: String,
    /// Where, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<SourceRange>,
}

impl ValidateReport {
    /// The report of `diags`.
    pub fn from_diagnostics(diags: &Diagnostics) -> ValidateReport {
        let errors = diags.0.iter().filter(|d| d.is_error()).count();
        ValidateReport {
            format_version: "1.0",
            valid: errors == 0,
            error_count: errors,
            warning_count: diags.0.len() - errors,
            diagnostics: diags
                .0
                .iter()
                .map(|d| JsonDiagnostic {
                    severity: d.severity,
                    summary: d.summary.clone(),
                    detail: d.detail.clone(),
                    range: d.subject.clone(),
                })
                .collect(),
        }
    }
}

impl Workspace {
    /// Validates the configuration (see the module documentation); returns every problem.
    pub fn validate_diagnostics(&self) -> Diagnostics {
        let cfg = &self.cfg;
        let mut diags = Diagnostics::new();
        let mut vars = std::collections::BTreeMap::new();
        for v in cfg.root().variables.values() {
            match crate::vars::declared_type(v) {
                Ok(t) => {
                    if let Some(d) = &v.default {
                        if let Ok(value) = eval_expr(d, &hangar_lang::EmptyScope, &cfg.dir) {
                            if let Err(e) = hangar_core::convert::convert(value, &t) {
                                diags.push(
                                    Diagnostic::error(
                                        "Invalid default value for variable",
                                        format!(
                                            "This default value is not compatible with the variable's type constraint: {e}."
                                        ),
                                    )
                                    .at(Some(d.range())),
                                );
                            }
                        }
                    }
                    vars.insert(v.name.clone(), Value::Unknown(t));
                }
                Err(d) => diags.push(d),
            }
        }
        let mut values = Values::new(
            vars,
            cfg.dir.display().to_string(),
            self.name.clone(),
            self.policy().map(crate::residency::Policy::value),
        );
        diags.extend(offline(
            cfg,
            &self.graph,
            &mut values,
            Rule::Collect,
            Source::Config(&self.registry),
            |_, _, _| {},
        ));
        let names = InstanceNames::default();
        let root = ModulePath::root();
        let scope = EvalScope {
            cfg,
            values: &values,
            names: &names,
            module: &root,
        };
        for o in cfg.root().outputs.values() {
            if let Err(d) = eval_expr(&o.value, &scope, &cfg.dir) {
                diags.extend(d);
            }
        }
        if self.policy().is_some() && !diags.has_errors() {
            if let Ok(vars) = self.variables() {
                let mut values = self.initial_values(vars);
                match crate::residency::preflight::check(
                    cfg,
                    &self.graph,
                    &self.registry,
                    &mut values,
                    &self.gate,
                ) {
                    Ok(p) => diags.extend(p.warnings),
                    Err(d) => diags.extend(d),
                }
            }
            if let Err(e) = self.check_backend() {
                match e {
                    super::Error::Diags(d) => diags.extend(d),
                    other => diags.push(Diagnostic::error(
                        "Cannot check the state backend's location",
                        other.to_string(),
                    )),
                }
            }
        }
        dedup(diags)
    }

    /// [`Workspace::validate_diagnostics`] as a report.
    pub fn validate(&self) -> ValidateReport {
        ValidateReport::from_diagnostics(&self.validate_diagnostics())
    }
}

/// The same problem found twice (a module instance walked twice) is reported once.
fn dedup(d: Diagnostics) -> Diagnostics {
    let mut out: Vec<Diagnostic> = Vec::new();
    for x in d.0 {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    Diagnostics(out)
}
