//! The "changed outside Hangar" section a plan opens with when refresh found drift.

use std::fmt::Write as _;

use hangar_core::Value;
use hangar_engine::plan::Plan;

use super::{collection, write_marked, write_value, Mark, Style};

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
            hangar_engine::drift::Kind::Changed => "has changed",
            hangar_engine::drift::Kind::Deleted => "has been deleted",
            hangar_engine::drift::Kind::Residency => "is outside the workspace's geography",
            hangar_engine::drift::Kind::Orphan => "exists but is not in state",
        };
        let _ = writeln!(out, "\n  {}", st.bold(&format!("# {} {what}", o.address)));
        if o.attributes.is_empty() {
            if o.kind != hangar_engine::drift::Kind::Deleted {
                let _ = writeln!(out, "      {}", o.detail);
            }
            continue;
        }
        // Changed attributes render like any other diff, collections element by element.
        let (type_, name) = match o.address.parse::<hangar_core::ResourceInstanceAddr>() {
            Ok(a) => (a.resource.type_, a.resource.name),
            Err(_) => (String::new(), o.address.clone()),
        };
        let _ = writeln!(
            out,
            "  {} resource \"{type_}\" \"{name}\" {{",
            st.paint("33", "~")
        );
        let width = o.attributes.iter().map(|a| a.name.len()).max().unwrap_or(0);
        for a in &o.attributes {
            let (b, after) = (observed(&a.recorded), observed(&a.actual));
            out.push_str("      ");
            let mut value = String::new();
            let glyph = if b.is_null() {
                write_marked(&mut value, &after, 6, Some(Mark::created(st)));
                st.paint("32", "+")
            } else if after.is_null() {
                write_marked(&mut value, &b, 6, Some(Mark::destroyed(st)));
                value.push_str(" -> null");
                st.paint("31", "-")
            } else {
                if !collection::write_change(&mut value, &b, &after, 6, st) {
                    write_value(&mut value, &b, 6);
                    value.push_str(" -> ");
                    write_value(&mut value, &after, 6);
                }
                st.paint("33", "~")
            };
            let _ = writeln!(out, "{glyph} {:width$} = {value}", a.name);
        }
        out.push_str("    }\n");
    }
    out
}

/// A value a drift observation recorded as JSON (`"(sensitive value)"` stands for a
/// sensitive one); JSON objects are read as maps, as attribute values in drift are.
fn observed(j: &serde_json::Value) -> Value {
    fn as_maps(v: Value) -> Value {
        match v {
            Value::Object(m) => Value::Map(m.into_iter().map(|(k, x)| (k, as_maps(x))).collect()),
            Value::Tuple(xs) => Value::Tuple(xs.into_iter().map(as_maps).collect()),
            other => other,
        }
    }
    match j {
        serde_json::Value::String(s) if s == "(sensitive value)" => {
            Value::Sensitive(Box::new(Value::NULL))
        }
        other => as_maps(hangar_core::json::from_json(other)),
    }
}
