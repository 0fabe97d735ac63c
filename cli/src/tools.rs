//! Commands that need no state or cloud: `init`, `validate`, `fmt`, `graph`, `force-unlock`.
//!
//! `validate` evaluates every resource body against its provider schema with all input
//! variables unknown, so type errors, unsupported arguments and undeclared references are
//! reported without credentials. `fmt` never rewrites a file it cannot parse.

use std::path::{Path, PathBuf};

use hangar_core::{Diagnostic, Diagnostics, Value};

use super::{CliError, Env};
use hangar_engine::body::eval_body;
use hangar_engine::graph::Graph;
use hangar_engine::registry::Registry;
use hangar_engine::scope::{EvalScope, InstanceNames, Values};

/// The backend recorded by the last `init`, to notice a changed backend configuration.
const RECORDED_BACKEND: &str = ".hangar/backend.json";

fn backend_json(cfg: &hangar_engine::config::Config) -> serde_json::Value {
    match &cfg.backend {
        Some(b) => serde_json::json!({"kind": b.kind, "settings": b.settings}),
        None => serde_json::json!({"kind": "local", "settings": {}}),
    }
}

/// Records the configured backend; with `migrate`, first copies state from the recorded one.
fn init_backend(
    env: &mut Env,
    cfg: &hangar_engine::config::Config,
    migrate: bool,
) -> Result<(), CliError> {
    let path = env.dir.join(RECORDED_BACKEND);
    let now = backend_json(cfg);
    let before: Option<serde_json::Value> = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    if let Some(old) = before.filter(|old| *old != now) {
        if !migrate {
            return Err(Diagnostic::error(
                "Backend configuration changed",
                format!(
                    "The backend changed from {} to {} since the last init. Run `hangar init --migrate-state` to copy the existing state to the new backend.",
                    old["kind"], now["kind"]
                ),
            )
            .into());
        }
        let empty = serde_json::Map::new();
        let kind = old["kind"].as_str().unwrap_or("local");
        let settings = old["settings"].as_object().unwrap_or(&empty);
        let from = hangar_state::from_config(kind, settings, &env.workspace, &env.dir)?;
        let to = env.backend()?;
        hangar_state::migrate(&*from, &*to)?;
        crate::outln!(
            "Successfully migrated state from the \"{kind}\" backend to the \"{}\" backend.",
            now["kind"].as_str().unwrap_or("local")
        );
    }
    std::fs::create_dir_all(env.dir.join(".hangar"))
        .map_err(|e| CliError::Message(format!("cannot create .hangar: {e}")))?;
    std::fs::write(&path, now.to_string())
        .map_err(|e| CliError::Message(format!("cannot write {RECORDED_BACKEND}: {e}")))?;
    Ok(())
}

/// `hangar init [--migrate-state] [--upgrade]`.
pub fn init(env: &mut Env, migrate: bool, upgrade: bool) -> Result<u8, CliError> {
    let (cfg, installed) = match hangar_engine::config::load::install_modules(&env.dir, upgrade) {
        Ok(loaded) => loaded,
        Err(d) => return Err(env.load_failed(d)),
    };
    env.remember_config(&cfg);
    if !installed.is_empty() {
        crate::outln!("Initializing modules...");
        for m in &installed {
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
    let registry = Registry::builtin();
    let mut missing: Vec<String> = cfg
        .resources
        .values()
        .map(|r| r.provider.name.clone())
        .filter(|n| registry.get(n).is_none())
        .collect();
    missing.sort();
    missing.dedup();
    if !missing.is_empty() {
        return Err(Diagnostic::error(
            "Failed to query available provider packages",
            format!(
                "Hangar has no provider named {}. Built-in providers: {}.",
                missing.join(", "),
                registry.names().collect::<Vec<_>>().join(", ")
            ),
        )
        .into());
    }
    init_backend(env, &cfg, migrate)?;
    crate::outln!("\nHangar has been successfully initialized!\n\nYou may now begin working with Hangar. Try running \"hangar plan\" to see\nany changes that are required for your infrastructure.");
    Ok(0)
}

/// `hangar validate`.
pub fn validate(env: &mut Env, json: bool) -> Result<u8, CliError> {
    let result = validate_inner(env);
    if json {
        let diags = match &result {
            Ok(()) => Vec::new(),
            Err(CliError::Diags(d)) => d.0.clone(),
            Err(e) => vec![Diagnostic::error(e.to_string(), "")],
        };
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let out = serde_json::json!({
            "format_version": "1.0",
            "valid": errors == 0,
            "error_count": errors,
            "warning_count": diags.len() - errors,
            "diagnostics": diags,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(u8::from(errors > 0));
    }
    result?;
    crate::outln!("Success! The configuration is valid.");
    Ok(0)
}

fn validate_inner(env: &mut Env) -> Result<(), CliError> {
    let cfg = env.load()?;
    let graph = Graph::build(&cfg).check()?;
    let registry = Registry::builtin();
    let mut diags = Diagnostics::new();
    let mut values = Values::default();
    for (path, m) in &cfg.modules {
        let here = values.module_mut(path);
        for v in m.variables.values() {
            match hangar_engine::vars::declared_type(v) {
                Ok(t) => {
                    here.vars.insert(v.name.clone(), Value::Unknown(t));
                }
                Err(d) => diags.push(d),
            }
        }
        for l in m.locals.keys() {
            here.locals.insert(l.clone(), Value::unknown());
        }
    }
    for r in cfg.resources.values() {
        values.resources.insert(r.addr.clone(), Value::unknown());
    }
    let names = InstanceNames {
        count_index: Some(0),
        each: Some((Value::unknown(), Value::unknown())),
        self_value: None,
    };
    for (_, node) in graph.order() {
        let hangar_engine::graph::Node::Resource(addr) = node else {
            continue;
        };
        let r = &cfg.resources[addr];
        let data = addr.mode == hangar_core::ResourceMode::Data;
        let Some(schema) = registry.resource_schema(&r.provider.name, &addr.type_, data) else {
            let what = if data { "data source" } else { "resource type" };
            diags.push(
                Diagnostic::error(
                    format!("Invalid {what}"),
                    format!(
                        "The provider {} does not support {what} \"{}\".",
                        r.provider.name, addr.type_
                    ),
                )
                .at(Some(r.decl.clone())),
            );
            continue;
        };
        let names = InstanceNames {
            count_index: r.count.as_ref().and(names.count_index),
            each: r.for_each.as_ref().and(names.each.clone()),
            self_value: None,
        };
        let scope = EvalScope {
            cfg: &cfg,
            values: &values,
            names: &names,
            module: &addr.module,
        };
        if let Err(d) = eval_body(
            &r.body,
            &schema.block,
            &scope,
            &cfg.dir,
            Some(r.decl.clone()),
        ) {
            diags.extend(d);
        }
    }
    for (_, node) in graph.order() {
        let hangar_engine::graph::Node::Variable(path, name) = node else {
            continue;
        };
        let expanded = hangar_engine::calls::call_of(&cfg, path)
            .is_some_and(|(_, c)| c.count.is_some() || c.for_each.is_some());
        if path.is_root() || expanded {
            continue;
        }
        values.instances.insert(path.clone(), vec![path.clone()]);
        if let Err(d) = hangar_engine::calls::eval_input(&cfg, &mut values, path, name) {
            diags.extend(d);
        }
    }
    let ws = hangar_engine::residency::selected_workspace(&cfg, &env.workspace)?;
    if let Some(policy) = hangar_engine::residency::Policy::select(&cfg, &ws)? {
        let ws_vars = policy.variables.clone();
        if let Ok(vars) = hangar_engine::vars::resolve(&cfg, &[], &super::env_vars(), &ws_vars) {
            let mut values = Values::new(
                vars,
                cfg.dir.display().to_string(),
                ws.clone(),
                Some(policy.value()),
            );
            if let Err(d) =
                hangar_engine::residency::check::check_config(&cfg, &graph, &mut values, &policy)
            {
                diags.extend(d);
            }
        }
    }
    if diags.has_errors() {
        return Err(diags.into());
    }
    Ok(())
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
                    for (a, b) in text.lines().zip(formatted.lines()).filter(|(a, b)| a != b) {
                        crate::outln!("-{a}\n+{b}");
                    }
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

/// `hangar graph`.
pub fn graph(env: &mut Env) -> Result<u8, CliError> {
    let cfg = env.load()?;
    let g = Graph::build(&cfg).check()?;
    crate::out!("{}", g.to_dot());
    Ok(0)
}

/// `hangar force-unlock ID`.
pub fn force_unlock(env: &mut Env, id: &str) -> Result<u8, CliError> {
    let backend = env.backend()?;
    backend.force_unlock(id)?;
    crate::outln!("Hangar state has been successfully unlocked!");
    Ok(0)
}
