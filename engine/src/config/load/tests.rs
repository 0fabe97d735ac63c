//! Loading configuration directories: the model built and the errors reported.

use super::*;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write fixture");
}

#[test]
fn loads_blocks_into_the_model() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        "main.tf",
        r#"
variable "n" {
  type    = number
  default = 2
}
locals { x = var.n }
resource "terraform_data" "a" {
  count = local.x
  input = "hi"
  lifecycle { create_before_destroy = true }
}
data "terraform_remote_state" "r" {}
output "o" { value = terraform_data.a[0].id }
"#,
    );
    let cfg = load_dir(d.path()).expect("loads");
    assert!(cfg.root().variables.contains_key("n"));
    assert!(cfg.root().locals.contains_key("x"));
    assert_eq!(cfg.resources.len(), 2);
    let a = &cfg.resources[&ResourceAddr::managed("terraform_data", "a")];
    assert!(a.count.is_some());
    assert!(a.lifecycle().create_before_destroy);
    assert!(a.body.body.get_attribute("count").is_none());
    assert_eq!(a.provider.name, "terraform");
}

#[test]
fn a_block_declared_twice_is_reported_where_it_is_declared_again() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        "a.tf",
        "resource \"terraform_data\" \"x\" {\n  input = 1\n}\n",
    );
    write(
        d.path(),
        "b.tf",
        "data \"terraform_remote_state\" \"x\" {}\n\nresource \"terraform_data\" \"x\" {\n  input = 2\n}\n",
    );
    let diags = load_dir(d.path()).expect_err("duplicate");
    let errors: Vec<_> = diags.0.iter().filter(|x| x.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].summary,
        "Duplicate resource \"terraform_data\" configuration"
    );
    assert_eq!(
        errors[0].detail,
        "A terraform_data resource named \"x\" was already declared."
    );
    let at = errors[0].subject.as_ref().expect("located");
    assert_eq!((at.filename.as_str(), at.start.line), ("b.tf", 3));
}

#[test]
fn reports_every_error_with_a_location() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "a.tf", "resource \"x\" {}\nbogus {}\n");
    write(d.path(), "b.tf", "output \"o\" {\n  value = (\n}\n");
    let diags = load_dir(d.path()).expect_err("fails");
    let located: Vec<_> = diags
        .0
        .iter()
        .map(|d| {
            d.subject
                .as_ref()
                .map(|s| (s.filename.clone(), s.start.line))
        })
        .collect();
    assert!(located.contains(&Some(("a.tf".into(), 1))), "{located:?}");
    assert!(located.contains(&Some(("a.tf".into(), 2))), "{located:?}");
    assert!(
        located
            .iter()
            .any(|l| l.as_ref().is_some_and(|l| l.0 == "b.tf")),
        "{located:?}"
    );
}
