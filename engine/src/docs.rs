//! Module documentation: Markdown tables of a module's inputs and outputs, kept in its README.
//!
//! [`module_docs`] renders an `## Inputs` and an `## Outputs` table from the declarations as
//! written: types and defaults are shown as compact source text, never evaluated, so the docs
//! say exactly what the code says. [`update_readme`] places that section between
//! [`BEGIN_MARKER`] and [`END_MARKER`], leaving the rest of the README to its authors, and
//! [`readme_is_current`] tells CI whether a README has fallen behind.
//!
//! Deliberately left out: resources, providers and called modules (only the interface is
//! documented), and any templating of the surrounding README.

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::Span;

use crate::config::{Expr, Output, Variable};

/// Opens the generated section of a README.
pub const BEGIN_MARKER: &str = "<!-- BEGIN_HANGAR_DOCS -->";

/// Closes the generated section of a README.
pub const END_MARKER: &str = "<!-- END_HANGAR_DOCS -->";

/// The Markdown section documenting a module's interface: an `## Inputs` table (name,
/// description, type, default, required) and an `## Outputs` table (name, description,
/// sensitive), each sorted by name.
pub fn module_docs(
    variables: &BTreeMap<String, Variable>,
    outputs: &BTreeMap<String, Output>,
) -> String {
    let mut md = String::from("## Inputs\n\n");
    if variables.is_empty() {
        md.push_str("No inputs.\n");
    } else {
        md.push_str("| Name | Description | Type | Default | Required |\n");
        md.push_str("|------|-------------|------|---------|:--------:|\n");
        for v in variables.values() {
            let ty = v
                .type_expr
                .as_ref()
                .map_or_else(|| "any".to_string(), source_text);
            let default = v
                .default
                .as_ref()
                .map_or_else(|| "n/a".to_string(), |d| code(&source_text(d)));
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                code(&v.name),
                description(v.description.as_deref()),
                code(&ty),
                default,
                if v.default.is_none() { "yes" } else { "no" },
            ));
        }
    }
    md.push_str("\n## Outputs\n\n");
    if outputs.is_empty() {
        md.push_str("No outputs.\n");
    } else {
        md.push_str("| Name | Description | Sensitive |\n");
        md.push_str("|------|-------------|:---------:|\n");
        for o in outputs.values() {
            md.push_str(&format!(
                "| {} | {} | {} |\n",
                code(&o.name),
                description(o.description.as_deref()),
                if o.sensitive { "yes" } else { "no" },
            ));
        }
    }
    md
}

/// A description as one table cell: newlines collapsed, pipes escaped, `n/a` when absent.
fn description(text: Option<&str>) -> String {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => cell(&collapse(t)),
        None => "n/a".to_string(),
    }
}

/// Text as a Markdown code span that is safe inside a table cell.
fn code(text: &str) -> String {
    let text = cell(text);
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// Escapes the characters that would end a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// Collapses every run of whitespace (newlines included) to one space.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An expression's compact source text: collections and calls rebuilt on one line with their
/// comments dropped, everything else as written with whitespace collapsed.
fn source_text(e: &Expr) -> String {
    compact(&e.expr, e.file.code())
}

/// The compact text of one expression, `text` being the file it was parsed from.
fn compact(e: &Expression, text: &str) -> String {
    match e {
        Expression::Array(a) => {
            let items: Vec<String> = a.iter().map(|x| compact(x, text)).collect();
            format!("[{}]", items.join(", "))
        }
        Expression::Object(o) if o.is_empty() => "{}".to_string(),
        Expression::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(x) => compact(x, text),
                    };
                    format!("{key} = {}", compact(v.expr(), text))
                })
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        Expression::FuncCall(f) => {
            let mut name: Vec<&str> = f.name.namespace.iter().map(|n| n.as_str()).collect();
            name.push(f.name.name.as_str());
            let args: Vec<String> = f.args.iter().map(|x| compact(x, text)).collect();
            let dots = if f.args.expand_final() { "..." } else { "" };
            format!("{}({}{dots})", name.join("::"), args.join(", "))
        }
        Expression::Parenthesis(p) => format!("({})", compact(p.inner(), text)),
        other => match other.span().and_then(|s| text.get(s)) {
            Some(src) => collapse(src),
            None => collapse(&other.to_string()),
        },
    }
}

/// The README with `generated` between the markers: replaced in place when the markers are
/// there (a missing end marker means "to the end of the file"), appended otherwise.
pub fn update_readme(existing: &str, generated: &str) -> String {
    let section = format!("{BEGIN_MARKER}\n{}\n{END_MARKER}", generated.trim_end());
    let Some(begin) = existing.find(BEGIN_MARKER) else {
        let mut out = existing.trim_end().to_string();
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&section);
        out.push('\n');
        return out;
    };
    let after = begin + BEGIN_MARKER.len();
    let tail = match existing[after..].find(END_MARKER) {
        Some(i) => &existing[after + i + END_MARKER.len()..],
        None => "\n",
    };
    format!("{}{section}{tail}", &existing[..begin])
}

/// Whether a README already holds exactly this generated section between its markers.
pub fn readme_is_current(existing: &str, generated: &str) -> bool {
    existing.contains(BEGIN_MARKER)
        && existing.contains(END_MARKER)
        && update_readme(existing, generated) == existing
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn docs_of(src: &str) -> String {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("main.tf"), src).expect("write");
        let cfg = crate::config::load_dir(Path::new(tmp.path())).expect("loads");
        let root = cfg.root();
        module_docs(&root.variables, &root.outputs)
    }

    #[test]
    fn documents_required_optional_and_complex_inputs_and_sensitive_outputs() {
        let md = docs_of(
            r#"
variable "name" {
  description = "Bucket name | must be unique"
  type        = string
}

variable "tags" {
  description = "Tags for\nevery object."
  type = map(string)
  default = {
    team = "platform" # owner
    tier = "gold"
  }
}

variable "rules" {
  type = list(object({
    id      = string
    enabled = optional(bool, true)
  }))
  default = []
}

variable "anything" {}

output "arn" {
  description = "The bucket's ARN."
  value       = "x"
}

output "secret" {
  value     = "y"
  sensitive = true
}
"#,
        );
        let expected = r#"## Inputs

| Name | Description | Type | Default | Required |
|------|-------------|------|---------|:--------:|
| `anything` | n/a | `any` | n/a | yes |
| `name` | Bucket name \| must be unique | `string` | n/a | yes |
| `rules` | n/a | `list(object({ id = string, enabled = optional(bool, true) }))` | `[]` | no |
| `tags` | Tags for every object. | `map(string)` | `{ team = "platform", tier = "gold" }` | no |

## Outputs

| Name | Description | Sensitive |
|------|-------------|:---------:|
| `arn` | The bucket's ARN. | no |
| `secret` | n/a | yes |
"#;
        assert_eq!(md, expected);
    }

    #[test]
    fn says_so_when_a_module_has_no_inputs_or_outputs() {
        assert_eq!(
            docs_of(""),
            "## Inputs\n\nNo inputs.\n\n## Outputs\n\nNo outputs.\n"
        );
    }

    #[test]
    fn defaults_keep_their_source_spelling_on_one_line() {
        let md = docs_of(
            "variable \"a\" {\n  default = \"x|y\"\n}\nvariable \"b\" {\n  default = 1 + 2 # sum\n}\nvariable \"c\" {\n  default = [\n    1,\n    2,\n  ]\n}\nvariable \"d\" {\n  default = null\n}\n",
        );
        assert!(
            md.contains("| `a` | n/a | `any` | `\"x\\|y\"` | no |"),
            "{md}"
        );
        assert!(md.contains("| `b` | n/a | `any` | `1 + 2` | no |"), "{md}");
        assert!(md.contains("| `c` | n/a | `any` | `[1, 2]` | no |"), "{md}");
        assert!(md.contains("| `d` | n/a | `any` | `null` | no |"), "{md}");
    }

    #[test]
    fn update_readme_replaces_between_markers_and_appends_when_absent() {
        let generated = "## Inputs\n\nNo inputs.\n";
        let fresh = update_readme("", generated);
        assert_eq!(fresh, format!("{BEGIN_MARKER}\n{generated}{END_MARKER}\n"));
        assert!(readme_is_current(&fresh, generated));

        let appended = update_readme("# My module\n\nIntro.\n", generated);
        assert_eq!(
            appended,
            format!("# My module\n\nIntro.\n\n{BEGIN_MARKER}\n{generated}{END_MARKER}\n")
        );

        let old = format!("# M\n\n{BEGIN_MARKER}\nold stuff\n{END_MARKER}\n\nFooter.\n");
        assert!(!readme_is_current(&old, generated));
        let new = update_readme(&old, generated);
        assert_eq!(
            new,
            format!("# M\n\n{BEGIN_MARKER}\n{generated}{END_MARKER}\n\nFooter.\n")
        );
        assert!(readme_is_current(&new, generated));
        assert_eq!(update_readme(&new, generated), new, "idempotent");

        assert!(!readme_is_current("# M\n", generated), "no markers");
        let unterminated = format!("# M\n{BEGIN_MARKER}\nold\n");
        assert_eq!(
            update_readme(&unterminated, generated),
            format!("# M\n{BEGIN_MARKER}\n{generated}{END_MARKER}\n")
        );
    }
}
