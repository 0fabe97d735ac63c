//! Human-readable plan output, in Terraform's layout.
//!
//! `+` create, `~` update in place, `-/+` and `+/-` replace (the attribute that forces it is
//! marked `# forces replacement`), `-` destroy, `<=` read. Unknown values show as
//! `(known after apply)` and sensitive ones as `(sensitive value)` — never their contents.
//! Colors are ANSI and only used when the caller asks (a TTY without `NO_COLOR`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use hangar_core::json::to_json;
use hangar_core::{InstanceKey, Value};

use crate::plan::{Action, OutputChange, Plan, ResourceChange};

/// Whether to color output.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Emit ANSI colors.
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn glyph(&self, a: Action) -> String {
        let code = match a {
            Action::Create => "32",
            Action::Update => "33",
            Action::Delete => "31",
            Action::Read => "36",
            Action::DeleteThenCreate | Action::CreateThenDelete => "33",
            Action::NoOp => "0",
        };
        self.paint(code, a.glyph())
    }

    /// Bold text.
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
}

/// The counts of the summary line: (add, change, destroy).
pub fn counts(plan: &Plan) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for rc in &plan.resource_changes {
        match rc.action {
            Action::Create => c.0 += 1,
            Action::Update => c.1 += 1,
            Action::Delete => c.2 += 1,
            Action::DeleteThenCreate | Action::CreateThenDelete => {
                c.0 += 1;
                c.2 += 1;
            }
            Action::NoOp | Action::Read => {}
        }
    }
    c
}

/// The "changed outside Hangar" section that precedes a plan when refresh found drift.
pub fn render_observations(plan: &Plan, st: Style) -> String {
    let mut out = String::new();
    if plan.observations.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\n{}\n",
        st.bold("Note: Objects have changed outside of Hangar")
    );
    out.push_str("Hangar detected the following changes made outside of Hangar since the last\n\"hangar apply\":\n");
    for o in &plan.observations {
        let what = match o.kind {
            crate::drift::Kind::Changed => "has changed",
            crate::drift::Kind::Deleted => "has been deleted",
            crate::drift::Kind::Residency => "is outside the workspace's geography",
            crate::drift::Kind::Orphan => "exists but is not in state",
        };
        let _ = writeln!(out, "\n  {}", st.bold(&format!("# {} {what}", o.address)));
        for a in &o.attributes {
            let _ = writeln!(
                out,
                "      {} {} = {} -> {}",
                st.paint("33", "~"),
                a.name,
                a.recorded,
                a.actual
            );
        }
        if o.attributes.is_empty() && o.kind != crate::drift::Kind::Deleted {
            let _ = writeln!(out, "      {}", o.detail);
        }
    }
    out
}

/// The whole plan as `hangar plan` prints it.
pub fn render_plan(plan: &Plan, st: Style) -> String {
    let mut out = render_observations(plan, st);
    if plan.refresh_only {
        if plan.observations.is_empty() {
            out.push_str("\nNo changes. Your infrastructure still matches the configuration.\n");
        } else {
            out.push_str("\nThis is a refresh-only plan: applying it records the changes above in state and changes no infrastructure.\n");
        }
        return out;
    }
    let changes: Vec<&ResourceChange> = plan
        .resource_changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    let outputs: Vec<&OutputChange> = plan
        .output_changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    if changes.is_empty() && outputs.is_empty() {
        out.push_str(&st.bold("No changes."));
        out.push_str(" Your infrastructure matches the configuration.\n\n");
        out.push_str(
            "Hangar has compared your real infrastructure against your configuration and found\n\
             no differences, so no changes are needed.\n",
        );
        return out;
    }
    if !changes.is_empty() {
        let used: BTreeSet<Action> = changes.iter().map(|c| c.action).collect();
        out.push_str(
            "\nHangar used the selected providers to generate the following execution\n\
             plan. Resource actions are indicated with the following symbols:\n",
        );
        for a in used {
            let word = match a {
                Action::Create => "create",
                Action::Update => "update in-place",
                Action::Delete => "destroy",
                Action::DeleteThenCreate => "destroy and then create replacement",
                Action::CreateThenDelete => "create replacement and then destroy",
                Action::Read => "read (data resources)",
                Action::NoOp => continue,
            };
            let _ = writeln!(out, "{} {word}", pad_glyph(&st.glyph(a), a));
        }
        out.push_str("\nHangar will perform the following actions:\n");
        for c in &changes {
            out.push('\n');
            render_change(&mut out, c, st);
        }
        let (a, ch, d) = counts(plan);
        let _ = writeln!(
            out,
            "\n{} {a} to add, {ch} to change, {d} to destroy.",
            st.bold("Plan:")
        );
    }
    if !outputs.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        let width = outputs.iter().map(|o| o.name.len()).max().unwrap_or(0);
        for o in outputs {
            let before = o.before.as_ref().map(|b| b.decode());
            let after = o.after.as_ref().map(|a| a.decode());
            let line = match o.action {
                Action::Create => format_value(after.as_ref().unwrap_or(&Value::NULL), 2),
                Action::Delete => format!(
                    "{} -> null",
                    format_value(before.as_ref().unwrap_or(&Value::NULL), 2)
                ),
                _ => format!(
                    "{} -> {}",
                    format_value(before.as_ref().unwrap_or(&Value::NULL), 2),
                    format_value(after.as_ref().unwrap_or(&Value::NULL), 2)
                ),
            };
            let _ = writeln!(out, "  {} {:width$} = {line}", st.glyph(o.action), o.name);
        }
    }
    out
}

/// The glyph right-aligned to three columns, as Terraform lays it out.
fn pad_glyph(g: &str, a: Action) -> String {
    format!("{}{g}", " ".repeat(3 - a.glyph().len()))
}

fn header(c: &ResourceChange) -> String {
    let addr = &c.addr;
    let what = match c.action {
        Action::Create => "will be created".to_string(),
        Action::Update => "will be updated in-place".to_string(),
        Action::Delete => "will be destroyed".to_string(),
        Action::DeleteThenCreate | Action::CreateThenDelete => "must be replaced".to_string(),
        Action::Read => "will be read during apply".to_string(),
        Action::NoOp => "has no changes".to_string(),
    };
    let mut s = format!("# {addr} {what}");
    match (c.reason.as_deref(), &addr.key) {
        (Some("delete_because_no_resource_config"), _) => {
            let _ = write!(s, "\n  # (because {addr} is not in configuration)");
        }
        (Some("delete_because_count_index"), InstanceKey::Int(i)) => {
            let _ = write!(s, "\n  # (because index [{i}] is out of range for count)");
        }
        (Some("delete_because_each_key"), k) => {
            let _ = write!(s, "\n  # (because key {k} is not in for_each map)");
        }
        _ => {}
    }
    s
}

fn render_change(out: &mut String, c: &ResourceChange, st: Style) {
    let _ = writeln!(out, "  {}", st.bold(&header(c)));
    let mode = if c.addr.resource.mode == hangar_core::ResourceMode::Data {
        "data"
    } else {
        "resource"
    };
    let _ = writeln!(
        out,
        "{} {mode} \"{}\" \"{}\" {{",
        pad_glyph(&st.glyph(c.action), c.action),
        c.addr.resource.type_,
        c.addr.resource.name
    );
    let before = c.before.as_ref().map(|b| b.decode()).unwrap_or(Value::NULL);
    let after = c.after.as_ref().map(|a| a.decode()).unwrap_or(Value::NULL);
    let empty = Default::default();
    let bmap = before.as_map().unwrap_or(&empty);
    let amap = after.as_map().unwrap_or(&empty);
    let mut names: Vec<&String> = bmap.keys().chain(amap.keys()).collect();
    names.sort();
    names.dedup();
    let mut lines: Vec<(String, &str, String)> = Vec::new();
    let mut blocks = String::new();
    let mut hidden = 0;
    let mut hidden_blocks = 0;
    for name in names {
        let b = bmap.get(name).cloned().unwrap_or(Value::NULL);
        let a = amap.get(name).cloned().unwrap_or(Value::NULL);
        if c.blocks.contains(name) {
            if !render_blocks(&mut blocks, name, c.action, &b, &a, st) {
                hidden_blocks += 1;
            }
            continue;
        }
        let forces = c.replace_paths.iter().any(|p| p == name);
        let suffix = if forces {
            format!(" {}", st.paint("31", "# forces replacement"))
        } else {
            String::new()
        };
        let line = match c.action {
            Action::Create | Action::Read => {
                if a.is_null() {
                    continue;
                }
                ("+", format!("{}{suffix}", format_value(&a, 6)))
            }
            Action::Delete => {
                if b.is_null() {
                    continue;
                }
                ("-", format!("{} -> null", format_value(&b, 6)))
            }
            _ => {
                let same = b.is_wholly_known()
                    && a.is_wholly_known()
                    && to_json(&b) == to_json(&a)
                    && b.contains_sensitive() == a.contains_sensitive();
                if same {
                    if name == "id" || name == "name" {
                        (" ", format_value(&a, 6))
                    } else {
                        hidden += 1;
                        continue;
                    }
                } else if b.is_null() {
                    ("+", format!("{}{suffix}", format_value(&a, 6)))
                } else if a.is_null() && !a.is_unknown() {
                    ("-", format!("{} -> null{suffix}", format_value(&b, 6)))
                } else {
                    (
                        "~",
                        format!("{} -> {}{suffix}", format_value(&b, 6), format_value(&a, 6)),
                    )
                }
            }
        };
        lines.push((name.clone(), line.0, line.1));
    }
    let width = lines.iter().map(|l| l.0.len()).max().unwrap_or(0);
    for (name, g, text) in lines {
        let glyph = match g {
            "+" => st.paint("32", "+"),
            "-" => st.paint("31", "-"),
            "~" => st.paint("33", "~"),
            _ => " ".to_string(),
        };
        let _ = writeln!(out, "      {glyph} {name:width$} = {text}");
    }
    out.push_str(&blocks);
    if hidden > 0 {
        let s = if hidden == 1 { "" } else { "s" };
        let _ = writeln!(out, "        # ({hidden} unchanged attribute{s} hidden)");
    }
    if hidden_blocks > 0 {
        let s = if hidden_blocks == 1 { "" } else { "s" };
        let _ = writeln!(out, "        # ({hidden_blocks} unchanged block{s} hidden)");
    }
    out.push_str("    }\n");
}

/// The elements of a nested-block attribute (one object, or a list/set of them).
fn block_items(v: &Value) -> Vec<Value> {
    match v.peel() {
        Value::Null(_) | Value::Unknown(_) => Vec::new(),
        Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => xs.clone(),
        other => vec![other.clone()],
    }
}

/// Nested blocks in Terraform's block syntax; returns false when nothing changed (hidden).
fn render_blocks(
    out: &mut String,
    name: &str,
    action: Action,
    before: &Value,
    after: &Value,
    st: Style,
) -> bool {
    let (bs, as_) = (block_items(before), block_items(after));
    let unchanged =
        before.is_wholly_known() && after.is_wholly_known() && to_json(before) == to_json(after);
    if unchanged && !matches!(action, Action::Create | Action::Read | Action::Delete) {
        return false;
    }
    for i in 0..bs.len().max(as_.len()) {
        let (b, a) = (bs.get(i), as_.get(i));
        let glyph = match (action, b, a) {
            (Action::Delete, _, _) | (_, Some(_), None) => "-",
            (_, None, Some(_)) | (Action::Create | Action::Read, _, _) => "+",
            _ => "~",
        };
        let empty = Default::default();
        let bm = b.and_then(Value::as_map).unwrap_or(&empty);
        let am = a.and_then(Value::as_map).unwrap_or(&empty);
        let mut keys: Vec<&String> = bm.keys().chain(am.keys()).collect();
        keys.sort();
        keys.dedup();
        let mut rows = Vec::new();
        for k in keys {
            let x = bm.get(k).cloned().unwrap_or(Value::NULL);
            let y = am.get(k).cloned().unwrap_or(Value::NULL);
            let row = match glyph {
                "+" if !y.is_null() => ("+", format_value(&y, 10)),
                "-" if !x.is_null() => ("-", format!("{} -> null", format_value(&x, 10))),
                "~" if x.is_wholly_known() && y.is_wholly_known() && to_json(&x) == to_json(&y) => {
                    continue
                }
                "~" => (
                    "~",
                    format!("{} -> {}", format_value(&x, 10), format_value(&y, 10)),
                ),
                _ => continue,
            };
            rows.push((k.clone(), row.0, row.1));
        }
        let paint = |g: &str| match g {
            "+" => st.paint("32", "+"),
            "-" => st.paint("31", "-"),
            _ => st.paint("33", "~"),
        };
        let _ = writeln!(out, "\n      {} {name} {{", paint(glyph));
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        for (k, g, text) in rows {
            let _ = writeln!(out, "          {} {k:width$} = {text}", paint(g));
        }
        out.push_str("        }\n");
    }
    true
}

/// A value as the plan shows it, continuation lines indented by `indent`.
pub fn format_value(v: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent + 4);
    let close = " ".repeat(indent + 2);
    match v {
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::Unknown(_) => "(known after apply)".into(),
        Value::Null(_) => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            if s.contains('\n') {
                let mut out = String::from("<<-EOT\n");
                for line in s.trim_end_matches('\n').split('\n') {
                    let _ = writeln!(out, "{pad}{line}");
                }
                let _ = write!(out, "{close}EOT");
                out
            } else {
                serde_json::Value::String(s.clone()).to_string()
            }
        }
        Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => {
            if xs.is_empty() {
                return "[]".into();
            }
            let mut out = String::from("[\n");
            for x in xs {
                let _ = writeln!(out, "{pad}{},", format_value(x, indent + 4));
            }
            let _ = write!(out, "{close}]");
            out
        }
        Value::Map(m) | Value::Object(m) => {
            if m.is_empty() {
                return "{}".into();
            }
            let width = m.keys().map(|k| k.len() + 2).max().unwrap_or(0);
            let mut out = String::from("{\n");
            for (k, x) in m {
                let key = serde_json::Value::String(k.clone()).to_string();
                let _ = writeln!(out, "{pad}{key:width$} = {}", format_value(x, indent + 4));
            }
            let _ = write!(out, "{close}}}");
            out
        }
    }
}
