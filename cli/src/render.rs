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

use hangar_engine::plan::{Action, OutputChange, Plan, ResourceChange};

mod collection;
mod observations;

pub use observations::render_observations;

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

    /// [`Style::paint`] appending to `out` instead of allocating.
    fn paint_into(&self, out: &mut String, code: &str, s: &str) {
        if self.color {
            let _ = write!(out, "\x1b[{code}m{s}\x1b[0m");
        } else {
            out.push_str(s);
        }
    }

    fn glyph(&self, a: Action) -> String {
        let code = match a {
            Action::Create => "32",
            Action::Update => "33",
            Action::Delete => "31",
            Action::Read => "36",
            Action::DeleteThenCreate | Action::CreateThenDelete => "33",
            Action::NoOp | Action::Forget => "0",
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
            Action::NoOp | Action::Read | Action::Forget => {}
        }
    }
    c
}

/// Prints the whole plan as `hangar plan` shows it, a chunk at a time: a plan of 100k changes
/// is about 25 MB of text, which need not all be held at once.
pub fn print_plan(plan: &Plan, st: Style) {
    let mut out = String::with_capacity(2 * PRINT_CHUNK);
    let mut print = |out: &mut String| {
        crate::out::print(out);
        out.clear();
    };
    render_into(plan, st, &mut out, &mut print);
    print(&mut out);
}

/// How much rendered text [`print_plan`] gathers before printing it.
const PRINT_CHUNK: usize = 64 * 1024;

/// Renders `plan` onto `out`, handing `out` to `flush` (which may empty it) after each
/// change once it holds more than [`PRINT_CHUNK`].
fn render_into(plan: &Plan, st: Style, out: &mut String, flush: &mut dyn FnMut(&mut String)) {
    out.push_str(&render_observations(plan, st));
    if plan.refresh_only {
        if plan.observations.is_empty() {
            out.push_str("\nNo changes. Your infrastructure still matches the configuration.\n");
        } else {
            out.push_str("\nThis is a refresh-only plan: applying it records the changes above in state and changes no infrastructure.\n");
        }
        return;
    }
    let changes: Vec<&ResourceChange> = plan.resource_changes.iter().filter(|c| c.acts()).collect();
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
        return;
    }
    if !changes.is_empty() {
        let used: BTreeSet<Action> = changes
            .iter()
            .map(|c| c.action)
            .filter(|a| !matches!(a, Action::NoOp | Action::Forget))
            .collect();
        if !used.is_empty() {
            out.push_str(
                "\nHangar used the selected providers to generate the following execution\n\
                 plan. Resource actions are indicated with the following symbols:\n",
            );
        }
        for a in used {
            let word = match a {
                Action::Create => "create",
                Action::Update => "update in-place",
                Action::Delete => "destroy",
                Action::DeleteThenCreate => "destroy and then create replacement",
                Action::CreateThenDelete => "create replacement and then destroy",
                Action::Read => "read (data resources)",
                Action::NoOp | Action::Forget => continue,
            };
            let _ = writeln!(out, "{} {word}", pad_glyph(&st.glyph(a), a));
        }
        out.push_str("\nHangar will perform the following actions:\n");
        for c in &changes {
            out.push('\n');
            render_change(out, c, st);
            if out.len() > PRINT_CHUNK {
                flush(out);
            }
        }
        let (a, ch, d) = counts(plan);
        let imports = changes.iter().filter(|c| c.importing.is_some()).count();
        let imports = match imports {
            0 => String::new(),
            n => format!(" {n} to import,"),
        };
        let _ = writeln!(
            out,
            "\n{}{imports} {a} to add, {ch} to change, {d} to destroy.",
            st.bold("Plan:")
        );
        let forgotten: Vec<_> = changes
            .iter()
            .filter(|c| c.action == Action::Forget)
            .collect();
        if !forgotten.is_empty() {
            out.push_str("\nWarning: Some objects will no longer be managed by Hangar\n\nIf you apply this plan, Hangar will discard its tracking information for\nthe following objects, but it will not delete them:\n");
            for c in forgotten {
                let _ = writeln!(out, " - {}", c.addr);
            }
            out.push_str("\nAfter applying this plan, Hangar will no longer manage these objects. You\nwill need to import them into Hangar to manage them again.\n");
        }
    }
    if !outputs.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        let width = outputs.iter().map(|o| o.name.len()).max().unwrap_or(0);
        for o in outputs {
            let before = o.before.as_ref().map(|b| b.value.clone());
            let after = o.after.as_ref().map(|a| a.value.clone());
            let marked = |v: Option<&Value>, mark: Mark<'_>| {
                let mut s = String::new();
                write_marked(&mut s, v.unwrap_or(&Value::NULL), 2, Some(mark));
                s
            };
            let line = match o.action {
                Action::Create => marked(after.as_ref(), Mark::created(st)),
                Action::Delete => {
                    format!("{} -> null", marked(before.as_ref(), Mark::destroyed(st)))
                }
                _ => format!(
                    "{} -> {}",
                    format_value(before.as_ref().unwrap_or(&Value::NULL), 2),
                    format_value(after.as_ref().unwrap_or(&Value::NULL), 2)
                ),
            };
            let _ = writeln!(out, "  {} {:width$} = {line}", st.glyph(o.action), o.name);
        }
    }
}

/// The glyph right-aligned to three columns, as Terraform lays it out.
fn pad_glyph(g: &str, a: Action) -> String {
    let columns = if a == Action::Forget { 2 } else { 3 };
    format!("{}{g}", " ".repeat(columns - a.glyph().len()))
}

/// Writes the `# addr will be ...` comment, with its `(because ...)` line when there is one.
fn header(out: &mut String, c: &ResourceChange) {
    let addr = &c.addr;
    let what = match c.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::Delete => "will be destroyed",
        Action::DeleteThenCreate | Action::CreateThenDelete
            if c.replace_paths.iter().any(|p| p == "replace_triggered_by") =>
        {
            "will be replaced due to changes in replace_triggered_by"
        }
        Action::DeleteThenCreate | Action::CreateThenDelete => match c.reason.as_deref() {
            Some("replace_because_tainted") => "is tainted, so must be replaced",
            Some("replace_by_request") => "will be replaced, as requested",
            _ => "must be replaced",
        },
        Action::Read => "will be read during apply",
        Action::Forget => {
            "will no longer be managed by Hangar, but will not be destroyed\n # (destroy = false is set in the configuration)"
        }
        Action::NoOp if c.importing.is_some() => "will be imported",
        Action::NoOp => "has no changes",
    };
    match (&c.previous_address, c.action) {
        (Some(from), Action::NoOp) if c.importing.is_none() => {
            let _ = write!(out, "# {from} has moved to {addr}");
        }
        (Some(from), _) => {
            let _ = write!(out, "# {addr} {what}\n  # (moved from {from})");
        }
        (None, _) => {
            let _ = write!(out, "# {addr} {what}");
        }
    }
    if let (Some(import), false) = (&c.importing, c.action == Action::NoOp) {
        let id = serde_json::Value::String(import.id.clone());
        let _ = write!(out, "\n  # (imported from {id})");
    }
    match (c.reason.as_deref(), &addr.key) {
        _ if c.action == Action::Forget => {}
        (Some("delete_because_no_resource_config"), _) => {
            let _ = write!(out, "\n  # (because {addr} is not in configuration)");
        }
        (Some("delete_because_count_index"), InstanceKey::Int(i)) => {
            let _ = write!(out, "\n  # (because index [{i}] is out of range for count)");
        }
        (Some("delete_because_each_key"), k) => {
            let _ = write!(out, "\n  # (because key {k} is not in for_each map)");
        }
        _ => {}
    }
}

fn render_change(out: &mut String, c: &ResourceChange, st: Style) {
    // Terraform indents a forgotten object's lines one column less than the others.
    out.push_str(if c.action == Action::Forget {
        " "
    } else {
        "  "
    });
    if st.color {
        out.push_str("\x1b[1m");
        header(out, c);
        out.push_str("\x1b[0m\n");
    } else {
        header(out, c);
        out.push('\n');
    }
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
    let null = Value::NULL;
    let before = c.before.as_ref().map_or(&null, |b| &b.value);
    let after = match c.action {
        Action::Forget => before,
        _ => c.after.as_ref().map_or(&null, |a| &a.value),
    };
    let empty = Default::default();
    let bmap = before.as_map().unwrap_or(&empty);
    let amap = after.as_map().unwrap_or(&empty);
    let mut names: Vec<&String> = bmap.keys().chain(amap.keys()).collect();
    names.sort();
    names.dedup();
    let mut rows: Vec<(&str, Row, bool)> = Vec::with_capacity(names.len());
    let mut blocks = String::new();
    let mut hidden = 0;
    let mut hidden_blocks = 0;
    let mut width = 0;
    let absent = |v: &Value| v.is_null() && !v.is_unknown();
    for name in names {
        let b = bmap.get(name).unwrap_or(&Value::NULL);
        let a = amap.get(name).unwrap_or(&Value::NULL);
        if c.blocks.contains(name) {
            let shape = BlockShape {
                path: name,
                blocks: &c.blocks,
                depth: 0,
            };
            if !render_blocks(&mut blocks, &shape, c.action, b, a, st) {
                hidden_blocks += 1;
            }
            continue;
        }
        if absent(b) && absent(a) {
            continue;
        }
        // Terraform aligns `=` over every attribute with a value, hidden ones included.
        width = width.max(name.len());
        let forces = c.replace_shown.iter().any(|p| p == name);
        let row = match c.action {
            Action::Create | Action::Read => {
                if a.is_null() {
                    continue;
                }
                Row::Add(a)
            }
            Action::Delete => {
                if b.is_null() {
                    continue;
                }
                Row::Remove(b)
            }
            _ => {
                if same_value(b, a) {
                    if name == "id" || name == "name" {
                        Row::Same(a)
                    } else {
                        hidden += 1;
                        continue;
                    }
                } else if marks_only(b, a) {
                    Row::Marked(b.contains_sensitive(), a.contains_sensitive())
                } else if b.is_null() {
                    Row::Add(a)
                } else if a.is_null() && !a.is_unknown() {
                    Row::Remove(b)
                } else {
                    Row::Change(b, a)
                }
            }
        };
        rows.push((name.as_str(), row, forces));
    }
    for (name, row, forces) in rows {
        if let Row::Marked(was, is) = row {
            let warning = match (was, is) {
                (false, true) => "# Warning: this attribute value will be marked as sensitive and will not\n      # display in UI output after applying this change.",
                _ => "# Warning: this attribute value will no longer be marked as sensitive\n      # after applying this change.",
            };
            let _ = writeln!(out, "      {warning} The value is unchanged.");
        }
        out.push_str("      ");
        match row {
            Row::Add(_) => st.paint_into(out, "32", "+"),
            Row::Remove(_) => st.paint_into(out, "31", "-"),
            Row::Change(..) | Row::Marked(..) => st.paint_into(out, "33", "~"),
            Row::Same(_) => out.push(' '),
        }
        let _ = write!(out, " {name:width$} = ");
        match row {
            Row::Add(a) => write_marked(out, a, 6, Some(Mark::created(st))),
            Row::Same(a) => write_value(out, a, 6),
            Row::Marked(..) => out.push_str("(sensitive value)"),
            Row::Remove(b) => {
                write_marked(out, b, 6, Some(Mark::destroyed(st)));
                out.push_str(" -> null");
            }
            Row::Change(b, a) => {
                if !collection::write_change(out, b, a, 6, st) {
                    write_value(out, b, 6);
                    out.push_str(" -> ");
                    write_value(out, a, 6);
                }
            }
        }
        if forces && c.action != Action::Delete && !matches!(row, Row::Same(_)) {
            out.push(' ');
            st.paint_into(out, "31", "# forces replacement");
        }
        out.push('\n');
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

/// How one attribute of a resource shows in the plan.
#[derive(Clone, Copy)]
enum Row<'a> {
    /// `+ name = after`.
    Add(&'a Value),
    /// `- name = before -> null`.
    Remove(&'a Value),
    /// `~ name = before -> after`, or element by element for collections.
    Change(&'a Value, &'a Value),
    /// `  name = value`, unchanged but shown (`id`, `name`).
    Same(&'a Value),
    /// `~ name = (sensitive value)`: only the sensitive mark changes (was, is).
    Marked(bool, bool),
}

/// Whether two known values differ only in their sensitive marks.
fn marks_only(b: &Value, a: &Value) -> bool {
    b.is_wholly_known()
        && a.is_wholly_known()
        && b.contains_sensitive() != a.contains_sensitive()
        && to_json(b) == to_json(a)
}

/// Whether two values render identically: both known, equal JSON and the same sensitivity.
fn same_value(b: &Value, a: &Value) -> bool {
    b.is_wholly_known()
        && a.is_wholly_known()
        && b.contains_sensitive() == a.contains_sensitive()
        && (b == a || to_json(b) == to_json(a))
}

/// The elements of a nested-block attribute (one object, or a list/set of them).
fn block_items(v: &Value) -> Vec<Value> {
    match v.peel() {
        Value::Null(_) | Value::Unknown(_) => Vec::new(),
        Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => xs.clone(),
        other => vec![other.clone()],
    }
}

/// Where a nested block sits: its dotted path among the schema's block paths, and its depth.
struct BlockShape<'a> {
    /// `rule` or `rule.apply_server_side_encryption_by_default`.
    path: &'a str,
    /// Every block path of the resource's schema.
    blocks: &'a [String],
    /// 0 for a block directly in the resource.
    depth: usize,
}

/// Nested blocks in Terraform's block syntax, blocks inside blocks included; returns false
/// when nothing changed (hidden).
fn render_blocks(
    out: &mut String,
    shape: &BlockShape<'_>,
    action: Action,
    before: &Value,
    after: &Value,
    st: Style,
) -> bool {
    let name = shape.path.rsplit('.').next().unwrap_or(shape.path);
    let indent = 6 + 4 * shape.depth;
    let unchanged =
        before.is_wholly_known() && after.is_wholly_known() && to_json(before) == to_json(after);
    if unchanged && !matches!(action, Action::Create | Action::Read | Action::Delete) {
        return false;
    }
    let paint = |g: &str| match g {
        "+" => st.paint("32", "+"),
        "-" => st.paint("31", "-"),
        _ => st.paint("33", "~"),
    };
    if after.is_unknown() && matches!(action, Action::Create | Action::Read) {
        let _ = writeln!(
            out,
            "\n{}{} {name} (known after apply)",
            " ".repeat(indent),
            paint("+")
        );
        return true;
    }
    let (bs, as_) = (block_items(before), block_items(after));
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
        let null = Value::NULL;
        let row_indent = indent + 4;
        let mut attrs = Vec::new();
        let mut nested = String::new();
        let mut hidden = 0;
        for k in &keys {
            let x = bm.get(*k).unwrap_or(&null);
            let y = am.get(*k).unwrap_or(&null);
            let path = format!("{}.{k}", shape.path);
            if shape.blocks.contains(&path) {
                let inner = BlockShape {
                    path: &path,
                    blocks: shape.blocks,
                    depth: shape.depth + 1,
                };
                let act = match glyph {
                    "+" => Action::Create,
                    "-" => Action::Delete,
                    _ => Action::Update,
                };
                render_blocks(&mut nested, &inner, act, x, y, st);
                continue;
            }
            let absent = |v: &Value| v.is_null() && !v.is_unknown();
            let gone = match glyph {
                "+" => absent(y),
                "-" => absent(x),
                _ => absent(x) && absent(y),
            };
            if !gone {
                attrs.push((k.as_str(), x, y));
            }
        }
        let width = attrs.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let mut rows = String::new();
        for (k, x, y) in attrs {
            let mut line = String::new();
            let g = match glyph {
                "+" if !y.is_null() || y.is_unknown() => {
                    write_marked(&mut line, y, row_indent, Some(Mark::created(st)));
                    "+"
                }
                "-" if !x.is_null() => {
                    write_marked(&mut line, x, row_indent, Some(Mark::destroyed(st)));
                    line.push_str(" -> null");
                    "-"
                }
                "~" if !same_value(x, y) => {
                    if !collection::write_change(&mut line, x, y, row_indent, st) {
                        write_value(&mut line, x, row_indent);
                        line.push_str(" -> ");
                        write_value(&mut line, y, row_indent);
                    }
                    "~"
                }
                _ => {
                    hidden += 1;
                    continue;
                }
            };
            let _ = writeln!(
                rows,
                "{}{} {k:width$} = {line}",
                " ".repeat(row_indent),
                paint(g)
            );
        }
        let _ = writeln!(out, "\n{}{} {name} {{", " ".repeat(indent), paint(glyph));
        out.push_str(&rows);
        if hidden > 0 {
            let s = if hidden == 1 { "" } else { "s" };
            let _ = writeln!(
                out,
                "{}# ({hidden} unchanged attribute{s} hidden)",
                " ".repeat(row_indent + 2)
            );
        }
        // A block that opens with a nested block has no blank line before it.
        if rows.is_empty() && hidden == 0 {
            out.push_str(nested.strip_prefix('\n').unwrap_or(&nested));
        } else {
            out.push_str(&nested);
        }
        let _ = writeln!(out, "{}}}", " ".repeat(indent + 2));
    }
    true
}

/// A value as the plan shows it, continuation lines indented by `indent`.
pub fn format_value(v: &Value, indent: usize) -> String {
    let mut out = String::new();
    write_value(&mut out, v, indent);
    out
}

/// Appends `n` spaces.
fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Appends `s` quoted and escaped as a JSON string, as Terraform shows strings.
fn write_quoted(out: &mut String, s: &str) {
    if s.bytes()
        .all(|b| b >= 0x20 && b != b'"' && b != b'\\' && b != 0x7f)
    {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::Value::String(s.to_string()).to_string());
    }
}

/// [`format_value`] appending to `out`, so rendering a large plan allocates once per buffer.
fn write_value(out: &mut String, v: &Value, indent: usize) {
    write_marked(out, v, indent, None);
}

/// A value a plan creates (`+`) or destroys (`-`), as Terraform renders it: every nested
/// element and attribute carries the mark (painted with its color code), and object attribute
/// names are bare when they are identifiers.
#[derive(Clone, Copy)]
struct Mark<'a> {
    glyph: &'a str,
    code: &'a str,
    st: Style,
}

impl Mark<'_> {
    fn created(st: Style) -> Mark<'static> {
        Mark {
            glyph: "+",
            code: "32",
            st,
        }
    }

    fn destroyed(st: Style) -> Mark<'static> {
        Mark {
            glyph: "-",
            code: "31",
            st,
        }
    }
}

/// Pads to a nested line and writes its mark, if any.
fn nested(out: &mut String, indent: usize, mark: Option<Mark<'_>>) {
    pad(out, indent + 4);
    if let Some(m) = mark {
        m.st.paint_into(out, m.code, m.glyph);
        out.push(' ');
    }
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn write_marked(out: &mut String, v: &Value, indent: usize, mark: Option<Mark<'_>>) {
    match v {
        Value::Sensitive(_) => out.push_str("(sensitive value)"),
        Value::Unknown(_) => out.push_str("(known after apply)"),
        Value::Null(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => {
            if s.contains('\n') {
                out.push_str("<<-EOT\n");
                for line in s.trim_end_matches('\n').split('\n') {
                    pad(out, indent + 4);
                    out.push_str(line);
                    out.push('\n');
                }
                pad(out, indent + 2);
                out.push_str("EOT");
            } else {
                write_quoted(out, s);
            }
        }
        Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => {
            if xs.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push_str("[\n");
            for x in xs {
                nested(out, indent, mark);
                write_marked(out, x, indent + 4, mark);
                out.push_str(",\n");
            }
            pad(out, indent + 2);
            out.push(']');
        }
        Value::Map(m) | Value::Object(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return;
            }
            let bare = mark.is_some() && matches!(v, Value::Object(_));
            let key = |k: &String| {
                if bare && is_identifier(k) {
                    k.clone()
                } else {
                    serde_json::Value::String(k.clone()).to_string()
                }
            };
            let width = m.keys().map(|k| key(k).len()).max().unwrap_or(0);
            out.push_str("{\n");
            for (k, x) in m {
                nested(out, indent, mark);
                let _ = write!(out, "{:width$} = ", key(k));
                write_marked(out, x, indent + 4, mark);
                out.push('\n');
            }
            pad(out, indent + 2);
            out.push('}');
        }
    }
}
