//! Commands that need no state or cloud: `init`, `validate`, `fmt`, `graph`, `force-unlock`.
//!
//! `validate` is the engine's ([`Workspace::validate_diagnostics`](hangar_engine::workspace::Workspace::validate_diagnostics));
//! `--json` prints Terraform's shape. `fmt` never rewrites a file it cannot parse.

use std::path::{Path, PathBuf};

use hangar_core::{Diagnostic, Diagnostics};
use hangar_engine::workspace::ValidateReport;

use crate::{CliError, Env};

/// `hangar init [--migrate-state] [--upgrade]`.
pub fn init(env: &mut Env, migrate: bool, upgrade: bool) -> Result<u8, CliError> {
    let opts = env.options(None);
    let done = match hangar_engine::workspace::init(
        &env.dir,
        &opts.workspace,
        &opts.environment,
        migrate,
        upgrade,
    ) {
        Ok(d) => d,
        Err(hangar_engine::workspace::Error::Diags(d)) => return Err(env.load_failed(d)),
        Err(e) => return Err(e.into()),
    };
    if !done.modules.is_empty() {
        crate::outln!("Initializing modules...");
        for m in &done.modules {
            let name = m
                .path
                .0
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(".");
            if m.source.starts_with("git::") {
                crate::outln!("- {name} in {} (from {})", m.rel_dir, m.source);
            } else {
                crate::outln!("- {name} in {}", m.rel_dir);
            }
        }
    }
    print_plugins(&done.plugins);
    if let Some((from, to)) = &done.migrated {
        crate::outln!(
            "Successfully migrated state from the \"{from}\" backend to the \"{to}\" backend."
        );
    }
    if let Some(block) = &done.suggested_workspace {
        crate::outln!("\nThis configuration is not bound to a geography, so nothing checks where it puts\ninfrastructure. To bind it to the region its providers use, add:\n\n{block}");
    }
    crate::outln!("\nHangar has been successfully initialized!\n\nYou may now begin working with Hangar. Try running \"hangar plan\" to see\nany changes that are required for your infrastructure.");
    Ok(0)
}

/// Terraform's provider lines for `init`: what was selected and whether the lock file changed.
fn print_plugins(report: &hangar_engine::plugins::InstallReport) {
    if report.providers.is_empty() {
        return;
    }
    crate::outln!("Initializing provider plugins...");
    for p in &report.providers {
        if p.reused {
            crate::outln!(
                "- Reusing previous version of {} from the dependency lock file",
                p.source
            );
            crate::outln!("- Using previously-installed {} v{}", p.source, p.version);
        } else {
            match &p.constraint {
                Some(c) => crate::outln!("- Finding {} versions matching \"{c}\"...", p.source),
                None => crate::outln!("- Finding latest version of {}...", p.source),
            }
            crate::outln!("- Installing {} v{}...", p.source, p.version);
            crate::outln!("- Installed {} v{} (unauthenticated)", p.source, p.version);
        }
    }
    if report.lock_created {
        crate::outln!("\nHangar has created a lock file .terraform.lock.hcl to record the provider\nselections it made above. Include this file in your version control repository\nso that Hangar can guarantee to make the same selections by default when\nyou run \"hangar init\" in the future.");
    } else if report.lock_changed {
        crate::outln!("\nHangar has made some changes to the provider dependency selections recorded\nin the .terraform.lock.hcl file. Review those changes and commit them to your\nversion control system if they represent changes you intended to make.");
    }
}

/// `hangar validate`.
pub fn validate(env: &mut Env, json: bool) -> Result<u8, CliError> {
    let diags = match env.open(None) {
        Ok(ws) => ws.validate_diagnostics(),
        Err(CliError::Diags(d)) => d,
        Err(e) => Diagnostics::from(Diagnostic::error(e.to_string(), "")),
    };
    if json {
        let report = ValidateReport::from_diagnostics(&diags);
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
        return Ok(u8::from(!report.valid));
    }
    if diags.has_errors() {
        return Err(diags.into());
    }
    if !diags.is_empty() {
        crate::report_error(&CliError::Diags(diags), env);
    }
    crate::outln!("Success! The configuration is valid.");
    Ok(0)
}

fn collect_files(path: &Path, recursive: bool, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let Ok(rd) = std::fs::read_dir(path) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            if recursive {
                collect_files(&p, recursive, out);
            }
        } else if name.ends_with(".tf") || name.ends_with(".tfvars") || name.ends_with(".hcl") {
            out.push(p);
        }
    }
}

/// `hangar fmt`: exit 0 when all is formatted (or was rewritten), 3 with `--check` when not, 2 on syntax errors.
pub fn fmt(
    env: &mut Env,
    check: bool,
    recursive: bool,
    diff: bool,
    paths: Vec<PathBuf>,
) -> Result<u8, CliError> {
    let roots = if paths.is_empty() {
        vec![env.dir.clone()]
    } else {
        paths.iter().map(|p| env.dir.join(p)).collect()
    };
    let mut files = Vec::new();
    for r in &roots {
        collect_files(r, recursive, &mut files);
    }
    let mut unformatted = false;
    let mut broken = false;
    for f in files {
        let shown = f.strip_prefix(&env.dir).unwrap_or(&f).display().to_string();
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("Error: cannot read {shown}: {e}");
                broken = true;
                continue;
            }
        };
        match hangar_fmt::format(&text) {
            Ok(formatted) if formatted != text => {
                unformatted = true;
                crate::outln!("{shown}");
                if diff {
                    crate::out!("{}", unified_diff(&shown, &text, &formatted));
                }
                if !check {
                    std::fs::write(&f, formatted)
                        .map_err(|e| CliError::Message(format!("cannot write {shown}: {e}")))?;
                }
            }
            Ok(_) => {}
            Err(e) => {
                broken = true;
                let file =
                    std::sync::Arc::new(hangar_lang::SourceFile::new(shown.clone(), text.clone()));
                env.sources.add(file.clone());
                match hangar_engine::config::load::parse_file(&file) {
                    Err(d) => super::report_error(&CliError::Diags(d.into()), env),
                    Ok(_) => eprintln!("Error: cannot format {shown}: {e}"),
                }
            }
        }
    }
    Ok(if broken {
        2
    } else if check && unformatted {
        3
    } else {
        0
    })
}

/// What `terraform fmt -diff` prints for a file: `diff -u --label=old/PATH --label=new/PATH`
/// of the file before and after formatting (three lines of context, `@@ -1,8 +1,6 @@` hunks).
fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{path}"), &format!("new/{path}"))
        .to_string()
}

/// `hangar graph`.
pub fn graph(env: &mut Env) -> Result<u8, CliError> {
    let ws = env.open(None)?;
    crate::out!("{}", ws.graph().to_dot());
    Ok(0)
}

/// `hangar force-unlock ID`.
pub fn force_unlock(env: &mut Env, id: &str) -> Result<u8, CliError> {
    env.open(None)?.force_unlock(id)?;
    crate::outln!("Hangar state has been successfully unlocked!");
    Ok(0)
}
