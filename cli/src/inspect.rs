//! Commands that read state and plans: `output`, `show`, `state ...`, `console`.
//!
//! Sensitive values are redacted in every human-readable form (`(sensitive value)`,
//! `<sensitive>`); `output NAME`, `--json` and `--raw` print them, as Terraform does, because
//! asking for one output by name is an explicit request.

use std::fmt::Write as _;
use std::io::BufRead;
use std::path::Path;

use hangar_core::json::{from_json, mark_paths};
use hangar_core::{Diagnostic, Value};
use hangar_engine::plan::Plan;
use hangar_engine::workspace::Workspace;
use hangar_state::StateDoc;

use crate::render::{format_value, print_plan};
use crate::{CliError, Env, RunFlags, StateCommand};

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
    let doc = env.open(None)?.state()?;
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
            /// One output as `terraform output -json` prints it.
            #[derive(serde::Serialize)]
            struct JsonOutput<'a> {
                sensitive: bool,
                #[serde(rename = "type")]
                ty: serde_json::Value,
                value: &'a serde_json::Value,
            }
            let all: std::collections::BTreeMap<&String, JsonOutput<'_>> = doc
                .outputs
                .iter()
                .map(|(k, o)| {
                    let ty =
                        o.ty.clone()
                            .unwrap_or_else(|| from_json(&o.value).ty().cty_json());
                    (
                        k,
                        JsonOutput {
                            sensitive: o.sensitive,
                            ty,
                            value: &o.value,
                        },
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
        let keys = match Workspace::open(env.options(None)) {
            Ok(ws) => ws.encryption_keys()?,
            Err(_) => None,
        };
        let plan = Plan::load(f, keys.as_ref())?;
        if json {
            crate::out::stream(|w| {
                hangar_engine::plan_json::write_plan_json(&plan, w).map_err(std::io::Error::from)
            });
        } else {
            print_plan(&plan, env.style);
        }
        return Ok(0);
    }
    let doc = env.open(None)?.state()?;
    if json {
        let json = hangar_engine::plan_json::state_to_json(&doc);
        crate::outln!("{}", serde_json::to_string(&json).unwrap_or_default());
        return Ok(0);
    }
    if doc.resources.is_empty() {
        crate::outln!("The state file is empty. No resources are represented.");
        return Ok(0);
    }
    let ws = env.open(None)?;
    for rec in doc.resources.values() {
        crate::out!("{}\n", show_record(rec, &block_paths(&ws, rec)));
    }
    if !doc.outputs.is_empty() {
        crate::outln!("\nOutputs:\n");
        crate::out!("{}", outputs_text(&doc));
    }
    Ok(0)
}

/// The block paths of a recorded instance's type (nested blocks print as blocks).
fn block_paths(ws: &Workspace, rec: &hangar_state::InstanceRecord) -> Vec<String> {
    let (name, _) = hangar_engine::planner::parse_provider_addr(&rec.provider);
    let data = rec.addr.resource.mode == hangar_core::ResourceMode::Data;
    ws.registry()
        .resource_schema(&name, &rec.addr.resource.type_, data)
        .map(|s| hangar_engine::planner::block_paths(&s.block))
        .unwrap_or_default()
}

fn show_record(rec: &hangar_state::InstanceRecord, blocks: &[String]) -> String {
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
        write_body(&mut out, m, blocks, "", 4);
    }
    out.push_str("}\n");
    out
}

/// A block's attributes (nulls left out), then its nested blocks in block syntax, as
/// `terraform show` prints state.
fn write_body(
    out: &mut String,
    m: &std::collections::BTreeMap<String, Value>,
    blocks: &[String],
    prefix: &str,
    indent: usize,
) {
    let is_block = |k: &str| blocks.iter().any(|b| b == &format!("{prefix}{k}"));
    let shown: Vec<_> = m
        .iter()
        .filter(|(k, _)| !is_block(k))
        .filter(|(_, x)| !x.is_null() || matches!(x, Value::Sensitive(_)))
        .collect();
    let width = shown.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let pad = " ".repeat(indent);
    for (k, x) in shown {
        let _ = writeln!(out, "{pad}{k:width$} = {}", format_value(x, indent - 2));
    }
    for (k, x) in m.iter().filter(|(k, _)| is_block(k)) {
        let items: Vec<&Value> = match x.peel() {
            Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => xs.iter().collect(),
            Value::Null(_) => Vec::new(),
            other => vec![other],
        };
        for item in items {
            let _ = writeln!(out, "\n{pad}{k} {{");
            if let Some(inner) = item.as_map() {
                write_body(out, inner, blocks, &format!("{prefix}{k}."), indent + 4);
            }
            let _ = writeln!(out, "{pad}}}");
        }
    }
}

/// `hangar state list|show|rm|mv|pull|push`.
pub fn state(env: &mut Env, cmd: StateCommand) -> Result<u8, CliError> {
    let ws = env.open(None)?;
    match cmd {
        StateCommand::List { addresses } => {
            let doc = ws.state()?;
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
            let doc = ws.state()?;
            match doc.resources.get(&address) {
                Some(rec) => {
                    crate::out!("{}", show_record(rec, &block_paths(&ws, rec)));
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
            let mut session = ws.begin("state rm")?;
            env.note_takeover(&session);
            let removed = session.remove(&addresses)?;
            for k in &removed {
                crate::outln!("Removed {k}");
            }
            crate::outln!(
                "Successfully removed {} resource instance(s).",
                removed.len()
            );
            Ok(0)
        }
        StateCommand::Pull { format } if format == "terraform" => {
            crate::migrate_cmd::pull_terraform(&ws)
        }
        StateCommand::MigrateFromTerraform { path } => {
            crate::migrate_cmd::migrate(env, &ws, path.as_deref())
        }
        StateCommand::Pull { .. } => {
            let doc = ws.state()?;
            let bytes = doc.encode()?;
            crate::outln!("{}", String::from_utf8_lossy(&bytes));
            Ok(0)
        }
        StateCommand::Push { file } => {
            let text = std::fs::read(&file)
                .map_err(|e| CliError::Message(format!("cannot read {}: {e}", file.display())))?;
            let doc = StateDoc::decode(&text, &file.display().to_string())?;
            let mut session = ws.begin("state push")?;
            env.note_takeover(&session);
            let serial = session.push(doc)?;
            crate::outln!("State pushed (serial {serial}).");
            Ok(0)
        }
        StateCommand::ReplaceProvider {
            from,
            to,
            auto_approve,
        } => {
            drop(ws);
            crate::state_cmd::replace_provider(env, &from, &to, auto_approve)
        }
        StateCommand::Mv {
            source,
            destination,
        } => {
            let mut session = ws.begin("state mv")?;
            env.note_takeover(&session);
            let moves = session.relocate(&source, &destination)?;
            crate::outln!(
                "Move \"{source}\" to \"{destination}\"\nSuccessfully moved {} object(s).",
                moves.len()
            );
            Ok(0)
        }
    }
}

/// `hangar console`: one expression per line from standard input.
pub fn console(env: &mut Env, flags: &RunFlags) -> Result<u8, CliError> {
    let ws = env.open(Some(flags))?;
    let doc = ws.state()?;
    let values = ws.values_from_state(&doc)?;
    let mut failed = false;
    let tty = std::io::IsTerminal::is_terminal(&std::io::stdin());
    if tty {
        crate::out!("> ");
    }
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let line =
            line.map_err(|e| CliError::Message(format!("cannot read standard input: {e}")))?;
        if tty && line.trim() == "exit" {
            break;
        }
        if line.trim().is_empty() {
            if tty {
                crate::out!("> ");
            }
            continue;
        }
        let file = std::sync::Arc::new(hangar_lang::SourceFile::new(
            format!("<console-input:{}>", n + 1),
            line.clone(),
        ));
        env.sources.add(file.clone());
        match ws.evaluate(&values, file) {
            Ok(v) => crate::outln!("{}", hangar_lang::console_format(&v)),
            Err(d) => {
                failed = !tty;
                crate::report_error(&CliError::Diags(d), env);
            }
        }
        if tty {
            crate::out!("> ");
        }
    }
    Ok(u8::from(failed))
}
