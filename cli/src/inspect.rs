//! Commands that read state and plans: `output`, `show`, `state ...`, `console`.
//!
//! Sensitive values are redacted in every human-readable form (`(sensitive value)`,
//! `<sensitive>`); `output NAME`, `--json` and `--raw` print them, as Terraform does, because
//! asking for one output by name is an explicit request.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::Path;

use hangar_core::json::{from_json, mark_paths};
use hangar_core::{Diagnostic, InstanceKey, ResourceAddr, ResourceInstanceAddr, Value};
use hangar_state::StateDoc;

use super::{env_vars, CliError, Env, RunFlags, StateCommand};
use crate::render::{format_value, render_plan};
use hangar_engine::body::eval_expr;
use hangar_engine::expand::Expansion;
use hangar_engine::graph::Graph;
use hangar_engine::moves::Endpoint;
use hangar_engine::plan::Plan;
use hangar_engine::scope::{EvalScope, InstanceNames, Values};

fn redact(v: &Value) -> Value {
    match v {
        Value::Sensitive(_) => Value::Sensitive(Box::new(Value::NULL)),
        Value::List(xs) => Value::List(xs.iter().map(redact).collect()),
        Value::Tuple(xs) => Value::Tuple(xs.iter().map(redact).collect()),
        Value::Set(xs) => Value::Set(xs.iter().map(redact).collect()),
        Value::Map(m) => Value::Map(m.iter().map(|(k, x)| (k.clone(), redact(x))).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), redact(x))).collect()),
        other => other.clone(),
    }
}

/// The `Outputs:` block printed after apply and by `hangar output`.
pub fn outputs_text(doc: &StateDoc) -> String {
    let mut out = String::new();
    for (name, o) in &doc.outputs {
        if o.sensitive {
            let _ = writeln!(out, "{name} = <sensitive>");
        } else {
            let _ = writeln!(
                out,
                "{name} = {}",
                hangar_lang::console_format(&from_json(&o.value))
            );
        }
    }
    out
}

/// `hangar output [NAME] [--json|--raw]`.
pub fn output(env: &mut Env, name: Option<&str>, json: bool, raw: bool) -> Result<u8, CliError> {
    let backend = env.backend()?;
    let doc = env.read_state(&*backend)?;
    match name {
        Some(n) => {
            let Some(o) = doc.outputs.get(n) else {
                return Err(Diagnostic::error(
                    format!("Output \"{n}\" not found"),
                    "The output variable requested could not be found in the state file. If you recently added this to your configuration, be sure to run `hangar apply`, since the state won't be updated with new output variables until that command is run.",
                )
                .into());
            };
            if raw {
                match &o.value {
                    serde_json::Value::String(s) => crate::out!("{s}"),
                    serde_json::Value::Number(_) | serde_json::Value::Bool(_) => crate::out!("{}", o.value),
                    _ => {
                        return Err(Diagnostic::error(
                            "Unsupported value for raw output",
                            format!("The -raw option only supports strings, numbers, and boolean values, but output value \"{n}\" is not."),
                        )
                        .into())
                    }
                }
            } else if json {
                crate::outln!("{}", o.value);
            } else {
                crate::outln!("{}", hangar_lang::console_format(&from_json(&o.value)));
            }
        }
        None if json => {
            let all: serde_json::Map<String, serde_json::Value> = doc
                .outputs
                .iter()
                .map(|(k, o)| {
                    (
                        k.clone(),
                        serde_json::json!({"sensitive": o.sensitive, "value": o.value}),
                    )
                })
                .collect();
            crate::outln!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        }
        None => crate::out!("{}", outputs_text(&doc)),
    }
    Ok(0)
}

/// `hangar show [FILE] [--json]`.
pub fn show(env: &mut Env, file: Option<&Path>, json: bool) -> Result<u8, CliError> {
    if let Some(f) = file {
        let keys = match hangar_engine::config::load_dir(&env.dir) {
            Ok(cfg) => super::encryption_keys(&cfg)?,
            Err(_) => None,
        };
        let plan = Plan::load(f, keys.as_ref())?;
        if json {
            crate::outln!("{}", hangar_engine::plan_json::plan_to_json(&plan));
        } else {
            crate::out!("{}", render_plan(&plan, env.style));
        }
        return Ok(0);
    }
    let backend = env.backend()?;
    let doc = env.read_state(&*backend)?;
    if json {
        crate::outln!("{}", state_json(&doc));
        return Ok(0);
    }
    if doc.resources.is_empty() {
        crate::outln!("The state file is empty. No resources are represented.");
        return Ok(0);
    }
    for rec in doc.resources.values() {
        crate::out!("{}\n", show_record(rec));
    }
    if !doc.outputs.is_empty() {
        crate::outln!("\nOutputs:\n");
        crate::out!("{}", outputs_text(&doc));
    }
    Ok(0)
}

fn state_json(doc: &StateDoc) -> serde_json::Value {
    let resources: Vec<serde_json::Value> = doc
        .resources
        .values()
        .map(|r| {
            let mut m = serde_json::json!({
                "address": r.addr.to_string(),
                "mode": match r.addr.resource.mode { hangar_core::ResourceMode::Managed => "managed", hangar_core::ResourceMode::Data => "data" },
                "type": r.addr.resource.type_,
                "name": r.addr.resource.name,
                "provider_name": hangar_engine::plan_json::provider_source(&r.provider),
                "schema_version": 0,
                "values": r.attributes,
                "sensitive_values": hangar_core::json::sensitive_mirror(&mark_paths(from_json(&r.attributes), &r.sensitive_paths)),
            });
            match &r.addr.key {
                InstanceKey::Int(i) => m["index"] = serde_json::json!(i),
                InstanceKey::Str(s) => m["index"] = serde_json::json!(s),
                InstanceKey::None => {}
            }
            m
        })
        .collect();
    let outputs: serde_json::Map<String, serde_json::Value> = doc
        .outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                serde_json::json!({"sensitive": o.sensitive, "value": o.value}),
            )
        })
        .collect();
    serde_json::json!({
        "format_version": "1.0",
        "hangar_version": env!("CARGO_PKG_VERSION"),
        "values": { "outputs": outputs, "root_module": { "resources": resources } },
    })
}

fn show_record(rec: &hangar_state::InstanceRecord) -> String {
    let v = redact(&mark_paths(
        from_json(&rec.attributes),
        &rec.sensitive_paths,
    ));
    let mut out = format!("# {}:\n", rec.addr);
    let mode = if rec.addr.resource.mode == hangar_core::ResourceMode::Data {
        "data"
    } else {
        "resource"
    };
    let _ = writeln!(
        out,
        "{mode} \"{}\" \"{}\" {{",
        rec.addr.resource.type_, rec.addr.resource.name
    );
    if let Some(m) = v.as_map() {
        let shown: Vec<_> = m.iter().filter(|(_, x)| !x.is_null()).collect();
        let width = shown.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, x) in shown {
            let _ = writeln!(out, "    {k:width$} = {}", format_value(x, 2));
        }
    }
    out.push_str("}\n");
    out
}

fn parse_endpoint(s: &str) -> Result<Endpoint, CliError> {
    Endpoint::parse(s).map_err(|e| {
        CliError::Diags(Diagnostic::error("Invalid address", format!("{s}: {e}")).into())
    })
}

/// `hangar state list|show|rm|mv`.
pub fn state(env: &mut Env, cmd: StateCommand) -> Result<u8, CliError> {
    let backend = env.backend()?;
    match cmd {
        StateCommand::List { addresses } => {
            let doc = env.read_state(&*backend)?;
            for k in doc.resources.keys() {
                if addresses.is_empty()
                    || addresses.iter().any(|a| {
                        k == a || k.starts_with(&format!("{a}[")) || k.starts_with(&format!("{a}."))
                    })
                {
                    crate::outln!("{k}");
                }
            }
            Ok(0)
        }
        StateCommand::Show { address } => {
            let doc = env.read_state(&*backend)?;
            match doc.resources.get(&address) {
                Some(rec) => {
                    crate::out!("{}", show_record(rec));
                    Ok(0)
                }
                None => Err(Diagnostic::error(
                    "No instance found for the given address!",
                    format!("This command requires that the address references one specific instance; {address} is not in state. Use `hangar state list` to see the addresses."),
                )
                .into()),
            }
        }
        StateCommand::Rm { addresses } => {
            let _lock = env.lock(&*backend, "state rm")?;
            let mut doc = env.read_state(&*backend)?;
            let mut removed = 0;
            for a in &addresses {
                let target = parse_endpoint(a)?;
                let hits: Vec<String> = doc
                    .resources
                    .iter()
                    .filter(|(_, r)| hangar_engine::moves::covers(&target, &r.addr))
                    .map(|(k, _)| k.clone())
                    .collect();
                if hits.is_empty() {
                    return Err(Diagnostic::error(
                        "Invalid target address",
                        format!("No matching objects found for {a}."),
                    )
                    .into());
                }
                for k in hits {
                    doc.resources.remove(&k);
                    crate::outln!("Removed {k}");
                    removed += 1;
                }
            }
            doc.serial += 1;
            backend.write(&doc)?;
            crate::outln!("Successfully removed {removed} resource instance(s).");
            Ok(0)
        }
        StateCommand::Pull => {
            let doc = env.read_state(&*backend)?;
            let bytes = doc.encode()?;
            crate::outln!("{}", String::from_utf8_lossy(&bytes));
            Ok(0)
        }
        StateCommand::Push { file } => {
            let _lock = env.lock(&*backend, "state push")?;
            let stored = backend.read()?;
            let text = std::fs::read(&file)
                .map_err(|e| CliError::Message(format!("cannot read {}: {e}", file.display())))?;
            let mut doc = StateDoc::decode(&text, &file.display().to_string())?;
            if let Some(current) = &stored {
                if current.binding.is_some() && doc.binding != current.binding {
                    return Err(Diagnostic::error(
                        "Cannot change the workspace binding",
                        "The pushed state does not carry this workspace's geography binding. A binding can never be removed or changed; push a document that keeps it.",
                    )
                    .into());
                }
                if doc.serial <= current.serial {
                    doc.serial = current.serial + 1;
                }
            }
            backend.write(&doc)?;
            crate::outln!("State pushed (serial {}).", doc.serial);
            Ok(0)
        }
        StateCommand::Mv {
            source,
            destination,
        } => {
            let _lock = env.lock(&*backend, "state mv")?;
            let mut doc = env.read_state(&*backend)?;
            let (from, to) = (parse_endpoint(&source)?, parse_endpoint(&destination)?);
            let moves: Vec<(String, ResourceInstanceAddr)> = doc
                .resources
                .iter()
                .filter_map(|(k, r)| {
                    Some((
                        k.clone(),
                        hangar_engine::moves::relocate(&from, &to, &r.addr)?,
                    ))
                })
                .collect();
            if moves.is_empty() {
                return Err(Diagnostic::error(
                    "Invalid source address",
                    format!("Cannot move {source}: it does not exist in state, or cannot move to {destination}."),
                )
                .into());
            }
            for (_, new) in &moves {
                if doc.get(new).is_some() {
                    return Err(Diagnostic::error("Invalid target address", format!("Cannot move to {new}: there is already a resource instance at that address.")).into());
                }
            }
            for (old, new) in &moves {
                if let Some(mut rec) = doc.resources.remove(old) {
                    rec.addr = new.clone();
                    doc.put(rec);
                }
            }
            doc.serial += 1;
            backend.write(&doc)?;
            crate::outln!(
                "Move \"{source}\" to \"{destination}\"\nSuccessfully moved {} object(s).",
                moves.len()
            );
            Ok(0)
        }
    }
}

/// Values of everything recorded, plus variables and locals, for `console`.
pub(super) fn console_values(
    env: &Env,
    cfg: &hangar_engine::config::Config,
    doc: &StateDoc,
    flags: &RunFlags,
) -> Result<Values, CliError> {
    let policy = hangar_engine::residency::Policy::select(cfg, &env.workspace)?;
    let ws_vars = policy
        .as_ref()
        .map(|x| x.variables.clone())
        .unwrap_or_default();
    let vars = hangar_engine::vars::resolve(cfg, &flags.var_args(), &env_vars(), &ws_vars)?;
    let mut values = Values::new(
        vars,
        env.dir.display().to_string(),
        env.workspace.clone(),
        policy.as_ref().map(hangar_engine::residency::Policy::value),
    );
    let mut grouped: BTreeMap<ResourceAddr, Vec<(InstanceKey, Value)>> = BTreeMap::new();
    for rec in doc.resources.values() {
        let v = mark_paths(from_json(&rec.attributes), &rec.sensitive_paths);
        grouped
            .entry(rec.addr.resource.clone())
            .or_default()
            .push((rec.addr.key.clone(), v));
    }
    for (addr, insts) in grouped {
        values
            .resources
            .insert(addr, Expansion::assemble_keys(insts));
    }
    let graph = Graph::build(cfg).check()?;
    for (_, node) in graph.order() {
        hangar_engine::calls::eval_offline(cfg, &mut values, node);
    }
    Ok(values)
}

/// `hangar console`: one expression per line from standard input.
pub fn console(env: &mut Env, flags: &RunFlags) -> Result<u8, CliError> {
    let cfg = env.load()?;
    let backend = env.backend()?;
    let doc = env.read_state(&*backend)?;
    let values = console_values(env, &cfg, &doc, flags)?;
    let names = InstanceNames::default();
    let scope = EvalScope {
        cfg: &cfg,
        values: &values,
        names: &names,
        module: &hangar_core::ModulePath::root(),
    };
    let mut failed = false;
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let line =
            line.map_err(|e| CliError::Message(format!("cannot read standard input: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let file = std::sync::Arc::new(hangar_lang::SourceFile::new(
            format!("<console-input:{}>", n + 1),
            line.clone(),
        ));
        env.sources.add(file.clone());
        let result = hcl_edit::parser::parse_expr(&line)
            .map_err(|e| {
                hangar_core::Diagnostics::from(hangar_engine::config::load::syntax_error(&file, &e))
            })
            .and_then(|expr| {
                eval_expr(
                    &hangar_engine::config::Expr { expr, file },
                    &scope,
                    &cfg.dir,
                )
            });
        match result {
            Ok(v) => crate::outln!("{}", hangar_lang::console_format(&v)),
            Err(d) => {
                failed = true;
                super::report_error(&CliError::Diags(d), env);
            }
        }
    }
    Ok(u8::from(failed))
}
