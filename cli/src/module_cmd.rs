//! `hangar module docs DIR [--check | --write]`: a module's interface documentation.
//!
//! The Markdown comes from [`hangar_engine::docs`]; this command only loads the module, prints the
//! section, writes it into `DIR/README.md`, or checks that the README is current (exit 1 when
//! not, so CI can require fresh docs). It never touches state, providers or clouds.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use hangar_core::Diagnostic;

use super::{CliError, Env};
use hangar_engine::docs::{module_docs, readme_is_current, update_readme, BEGIN_MARKER};

/// `hangar module ...`.
#[derive(Subcommand, Debug)]
pub enum ModuleCommand {
    /// Generate Markdown tables of a module's inputs and outputs.
    Docs {
        /// The module directory.
        dir: PathBuf,
        /// Exit 1 when DIR/README.md lacks the generated section or it is out of date.
        #[arg(long, conflicts_with = "write")]
        check: bool,
        /// Write the section into DIR/README.md between its markers.
        #[arg(long)]
        write: bool,
    },
}

/// Runs a `hangar module` subcommand.
pub fn run(env: &mut Env, cmd: ModuleCommand) -> Result<u8, CliError> {
    match cmd {
        ModuleCommand::Docs { dir, check, write } => docs(env, &dir, check, write),
    }
}

/// `hangar module docs DIR [--check] [--write]`.
fn docs(env: &mut Env, dir: &Path, check: bool, write: bool) -> Result<u8, CliError> {
    let full = env.dir.join(dir);
    let generated = load_docs(env, &full)?;
    let readme = full.join("README.md");
    let shown = dir.join("README.md");
    let existing = match std::fs::read_to_string(&readme) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(CliError::Message(format!(
                "cannot read {}: {e}",
                shown.display()
            )))
        }
    };
    if check {
        let problem = match &existing {
            None => "does not exist",
            Some(t) if !t.contains(BEGIN_MARKER) => "has no generated documentation section",
            Some(t) if !readme_is_current(t, &generated) => "is out of date",
            Some(_) => {
                crate::outln!("{} is up to date.", shown.display());
                return Ok(0);
            }
        };
        return Err(Diagnostic::error(
            "Module documentation is not current",
            format!(
                "{} {problem}. Run `hangar module docs {} --write` to update it.",
                shown.display(),
                dir.display()
            ),
        )
        .into());
    }
    if write {
        let old = existing.unwrap_or_default();
        let new = update_readme(&old, &generated);
        if new == old {
            crate::outln!("{} is up to date.", shown.display());
        } else {
            std::fs::write(&readme, new)
                .map_err(|e| CliError::Message(format!("cannot write {}: {e}", shown.display())))?;
            crate::outln!("Updated {}.", shown.display());
        }
        return Ok(0);
    }
    crate::out!("{generated}");
    Ok(0)
}

/// Loads the module in `dir` and renders its documentation, keeping its files for diagnostics.
fn load_docs(env: &mut Env, dir: &Path) -> Result<String, CliError> {
    if !dir.is_dir() {
        return Err(CliError::Message(format!(
            "module directory {} does not exist",
            dir.display()
        )));
    }
    match hangar_engine::config::load_dir(dir) {
        Ok(cfg) => {
            for f in &cfg.files {
                env.sources.add(f.clone());
            }
            let root = cfg.root();
            Ok(module_docs(&root.variables, &root.outputs))
        }
        Err(d) => {
            remember_files(env, dir);
            Err(d.into())
        }
    }
}

/// Keeps the directory's configuration files so load errors can quote them.
fn remember_files(env: &mut Env, dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for p in rd.filter_map(Result::ok).map(|e| e.path()) {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".tf") || name.ends_with(".hcl") {
            if let Ok(text) = std::fs::read_to_string(&p) {
                env.sources
                    .add(std::sync::Arc::new(hangar_lang::SourceFile::new(
                        name, text,
                    )));
            }
        }
    }
}
