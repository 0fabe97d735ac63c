//! Element-by-element diffs of changed lists, tuples and sets, as Terraform shows them.
//!
//! Lists and tuples are matched by their longest common subsequence: elements only before are
//! `-`, only after are `+`, and the unchanged element on either side of a change is shown for
//! context while longer unchanged runs collapse into `# (N unchanged elements hidden)`. Sets
//! have no order, so unchanged members are only counted. Changed objects inside a collection
//! show as the old element removed and the new one added, not as a nested diff.

use hangar_core::Value;

use super::{pad, same_value, write_value, Style};

/// Above this many before × after pairs the LCS table is not built and the whole values are shown.
const MAX_LCS_CELLS: usize = 1 << 22;

/// What happens to one element.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    /// In both values.
    Keep,
    /// Only in the new value.
    Add,
    /// Only in the old value.
    Remove,
}

/// Writes `[ ... ]` with one `+`/`-` line per changed element; false (nothing written) when
/// either side is not a known, non-sensitive collection, so the caller shows `old -> new`.
pub(super) fn write_change(
    out: &mut String,
    before: &Value,
    after: &Value,
    indent: usize,
    st: Style,
) -> bool {
    if let (Some(bm), Some(am)) = (entries(before), entries(after)) {
        let map = matches!(before, Value::Map(_)) || matches!(after, Value::Map(_));
        write_map(out, bm, am, map, indent, st);
        return true;
    }
    let (Some(bs), Some(as_)) = (elements(before), elements(after)) else {
        return false;
    };
    let is_set = matches!(before, Value::Set(_)) || matches!(after, Value::Set(_));
    let ops = if is_set {
        set_ops(bs, as_)
    } else {
        match list_ops(bs, as_) {
            Some(ops) => ops,
            None => return false,
        }
    };
    out.push_str("[\n");
    if is_set {
        write_set(out, &ops, indent, st);
    } else {
        write_list(out, &ops, indent, st);
    }
    pad(out, indent + 2);
    out.push(']');
    true
}

/// The entries of a known, non-sensitive map or object.
fn entries(v: &Value) -> Option<&std::collections::BTreeMap<String, Value>> {
    match v {
        Value::Map(m) | Value::Object(m) if v.is_wholly_known() => Some(m),
        _ => None,
    }
}

/// Hangar's ownership tags (`hangar:workspace`, `hangar:address`, `hangar:token`): shown in a
/// diff only when they change.
fn ownership_tag(k: &str) -> bool {
    k.starts_with("hangar:")
}

/// `{ ... }` with one line per changed key (`~` changed, `+` added, `-` removed) and the
/// unchanged ones counted: map keys quoted and counted as elements, object attributes bare
/// and counted as attributes, as Terraform shows them.
fn write_map(
    out: &mut String,
    before: &std::collections::BTreeMap<String, Value>,
    after: &std::collections::BTreeMap<String, Value>,
    map: bool,
    indent: usize,
    st: Style,
) {
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    let key = |k: &str| {
        if !map && super::is_identifier(k) {
            k.to_string()
        } else {
            serde_json::Value::String(k.to_string()).to_string()
        }
    };
    let null = Value::NULL;
    let mut hidden = 0;
    let mut rows = Vec::new();
    for k in keys {
        let (b, a) = (
            before.get(k).unwrap_or(&null),
            after.get(k).unwrap_or(&null),
        );
        let (bn, an) = (
            !before.contains_key(k) || b.is_null(),
            !after.contains_key(k) || a.is_null(),
        );
        if same_value(b, a) || (bn && an) {
            if !ownership_tag(k) {
                hidden += 1;
            }
            continue;
        }
        rows.push((key(k), b, a, bn, an));
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    out.push_str("{\n");
    for (k, b, a, bn, an) in rows {
        pad(out, indent + 4);
        let mut value = String::new();
        if bn {
            st.paint_into(out, "32", "+");
            write_value(&mut value, a, indent + 4);
        } else if an {
            st.paint_into(out, "31", "-");
            write_value(&mut value, b, indent + 4);
            value.push_str(" -> null");
        } else {
            st.paint_into(out, "33", "~");
            if !write_change(&mut value, b, a, indent + 4, st) {
                write_value(&mut value, b, indent + 4);
                value.push_str(" -> ");
                write_value(&mut value, a, indent + 4);
            }
        }
        out.push_str(&format!(" {k:width$} = {value}\n"));
    }
    if hidden > 0 {
        let what = if map { "element" } else { "attribute" };
        let s = if hidden == 1 { "" } else { "s" };
        pad(out, indent + 6);
        out.push_str(&format!("# ({hidden} unchanged {what}{s} hidden)\n"));
    }
    pad(out, indent + 2);
    out.push('}');
}

/// The elements of a collection that is neither unknown nor sensitive as a whole.
fn elements(v: &Value) -> Option<&[Value]> {
    match v {
        Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => Some(xs),
        _ => None,
    }
}

/// Set members in the old order (kept or removed), then the added ones.
fn set_ops<'a>(bs: &'a [Value], as_: &'a [Value]) -> Vec<(Op, &'a Value)> {
    let mut matched = vec![false; as_.len()];
    let mut ops = Vec::with_capacity(bs.len() + as_.len());
    for b in bs {
        let hit = as_
            .iter()
            .enumerate()
            .position(|(j, a)| !matched[j] && same_value(b, a));
        match hit {
            Some(j) => {
                matched[j] = true;
                ops.push((Op::Keep, b));
            }
            None => ops.push((Op::Remove, b)),
        }
    }
    ops.extend(
        as_.iter()
            .zip(&matched)
            .filter(|(_, m)| !**m)
            .map(|(a, _)| (Op::Add, a)),
    );
    ops
}

/// List elements aligned on their longest common subsequence, removals before additions;
/// `None` when the lists are too long for the table.
fn list_ops<'a>(bs: &'a [Value], as_: &'a [Value]) -> Option<Vec<(Op, &'a Value)>> {
    let (n, m) = (bs.len(), as_.len());
    if (n + 1).saturating_mul(m + 1) > MAX_LCS_CELLS {
        return None;
    }
    // lcs[i][j]: length of the LCS of bs[i..] and as_[j..].
    let w = m + 1;
    let mut lcs = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * w + j] = if same_value(&bs[i], &as_[j]) {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let mut ops = Vec::with_capacity(n + m);
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n
            && j < m
            && same_value(&bs[i], &as_[j])
            && lcs[i * w + j] == lcs[(i + 1) * w + j + 1] + 1
        {
            ops.push((Op::Keep, &bs[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
            ops.push((Op::Remove, &bs[i]));
            i += 1;
        } else {
            ops.push((Op::Add, &as_[j]));
            j += 1;
        }
    }
    Some(ops)
}

/// One element line: glyph column at `indent + 4`, value after it.
fn write_element(out: &mut String, op: Op, v: &Value, indent: usize, st: Style) {
    pad(out, indent + 4);
    match op {
        Op::Add => st.paint_into(out, "32", "+"),
        Op::Remove => st.paint_into(out, "31", "-"),
        Op::Keep => out.push(' '),
    }
    out.push(' ');
    write_value(out, v, indent + 4);
    out.push_str(",\n");
}

/// The `# (N unchanged elements hidden)` line.
fn write_hidden(out: &mut String, n: usize, indent: usize) {
    let s = if n == 1 { "" } else { "s" };
    pad(out, indent + 6);
    out.push_str(&format!("# ({n} unchanged element{s} hidden)\n"));
}

/// List lines with one unchanged element of context on each side of every change.
fn write_list(out: &mut String, ops: &[(Op, &Value)], indent: usize, st: Style) {
    let mut unchanged: Vec<&Value> = Vec::new();
    let mut show_next = false;
    for &(op, v) in ops {
        if op == Op::Keep && !show_next {
            unchanged.push(v);
            continue;
        }
        show_next = op != Op::Keep;
        if unchanged.len() > 1 {
            write_hidden(out, unchanged.len() - 1, indent);
        }
        if let Some(last) = unchanged.last() {
            write_element(out, Op::Keep, last, indent, st);
        }
        unchanged.clear();
        write_element(out, op, v, indent, st);
    }
    if !unchanged.is_empty() {
        write_hidden(out, unchanged.len(), indent);
    }
}

/// Set lines: changed members only, then how many were unchanged.
fn write_set(out: &mut String, ops: &[(Op, &Value)], indent: usize, st: Style) {
    let mut hidden = 0;
    for &(op, v) in ops {
        if op == Op::Keep {
            hidden += 1;
        } else {
            write_element(out, op, v, indent, st);
        }
    }
    if hidden > 0 {
        write_hidden(out, hidden, indent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(xs: &[&str]) -> Vec<Value> {
        xs.iter().map(|x| Value::string(*x)).collect()
    }

    fn render(before: Value, after: Value) -> String {
        let mut out = String::from("      ~ tags = ");
        assert!(write_change(
            &mut out,
            &before,
            &after,
            6,
            Style { color: false }
        ));
        out
    }

    #[test]
    fn list_changes_show_added_and_removed_elements_with_context() {
        let before = Value::List(strs(&["a", "b", "c", "d", "e"]));
        let after = Value::List(strs(&["a", "b", "x", "d", "e"]));
        assert_eq!(
            render(before, after),
            "      ~ tags = [\n\
             \x20           # (1 unchanged element hidden)\n\
             \x20           \"b\",\n\
             \x20         - \"c\",\n\
             \x20         + \"x\",\n\
             \x20           \"d\",\n\
             \x20           # (1 unchanged element hidden)\n\
             \x20       ]"
        );
    }

    #[test]
    fn tuples_from_empty_list_all_added() {
        let out = render(Value::Tuple(vec![]), Value::Tuple(strs(&["x", "y"])));
        assert_eq!(
            out,
            "      ~ tags = [\n          + \"x\",\n          + \"y\",\n        ]"
        );
    }

    #[test]
    fn set_changes_hide_unchanged_members() {
        let before = Value::Set(strs(&["a", "y"]));
        let after = Value::Set(strs(&["x", "a"]));
        assert_eq!(
            render(before, after),
            "      ~ tags = [\n          - \"y\",\n          + \"x\",\n            # (1 unchanged element hidden)\n        ]"
        );
    }

    #[test]
    fn changed_maps_show_only_changed_keys_and_hide_unchanged_ownership_tags() {
        let m = |xs: &[(&str, &str)]| {
            Value::Map(
                xs.iter()
                    .map(|(k, v)| (k.to_string(), Value::string(*v)))
                    .collect(),
            )
        };
        let before = m(&[("a", "1"), ("b", "2"), ("hangar:token", "t"), ("gone", "x")]);
        let after = m(&[("a", "1"), ("b", "3"), ("hangar:token", "t"), ("new", "y")]);
        assert_eq!(
            render(before, after),
            "      ~ tags = {\n\
             \x20         ~ \"b\"    = \"2\" -> \"3\"\n\
             \x20         - \"gone\" = \"x\" -> null\n\
             \x20         + \"new\"  = \"y\"\n\
             \x20           # (1 unchanged element hidden)\n\
             \x20       }"
        );
        let before = m(&[("hangar:token", "t")]);
        let after = m(&[("hangar:token", "u")]);
        assert!(render(before, after).contains("~ \"hangar:token\" = \"t\" -> \"u\""));
    }

    #[test]
    fn unknown_or_sensitive_collections_fall_back() {
        let mut out = String::new();
        let st = Style { color: false };
        let list = Value::List(strs(&["a"]));
        assert!(!write_change(&mut out, &list, &Value::unknown(), 6, st));
        assert!(!write_change(
            &mut out,
            &list.clone().sensitive(),
            &list,
            6,
            st
        ));
        assert!(out.is_empty());
    }
}
