//! The shapes of Terraform's blocks as JSON needs them: for each kind of body, which properties
//! are nested blocks (with their label names), which are arguments, and how each argument's
//! strings are read (templates, literal text, or native expressions). Provider-defined bodies
//! are [`Body::Schema`]: their properties stay arguments here and the provider's schema decides
//! later ([`crate::body`]).

/// The kinds of body Terraform's language has, as far as JSON needs to know them.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Body {
    /// The file itself: block types.
    Root,
    /// `terraform { ... }`.
    Terraform,
    /// `variable "NAME"`.
    Variable,
    /// `output "NAME"`.
    Output,
    /// `module "NAME"`.
    Module,
    /// `provider "NAME"`.
    Provider,
    /// `resource`/`data "TYPE" "NAME"`.
    Resource,
    /// A resource's `lifecycle`.
    Lifecycle,
    /// `moved`.
    Moved,
    /// `removed`.
    Removed,
    /// `import`.
    Import,
    /// `check "NAME"`.
    Check,
    /// `workspace "NAME"`.
    Workspace,
    /// `dynamic "TYPE"` in a provider-schema body.
    Dynamic,
    /// A provider-schema body: arguments and blocks decided later by the schema.
    Schema,
    /// Settings evaluated without context (backend): every property a literal argument.
    Literal,
    /// Every property an argument (locals, conditions, geographies, ...).
    Attrs,
}

/// How a property's value is written in native syntax.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Mode {
    /// Strings are templates.
    Template,
    /// Strings are taken as they are (no interpolation).
    Literal,
    /// A string holding a native expression.
    Expr,
    /// An array of strings holding native expressions.
    ExprList,
    /// `ignore_changes`: the keyword `all` or a list of expressions.
    IgnoreChanges,
    /// A module's `providers`: an object whose names and values are expressions.
    Providers,
}

/// What a property of a body is.
pub(super) enum Child {
    /// An argument.
    Attr(Mode),
    /// A nested block with these label names.
    Block(&'static [&'static str], Body),
    /// A comment (`"//"`).
    Comment,
    /// Nothing of that name exists here.
    Unknown,
}

/// The top-level block types, for suggestions.
pub(super) const ROOT_BLOCKS: &[&str] = &[
    "terraform",
    "variable",
    "locals",
    "output",
    "module",
    "provider",
    "resource",
    "data",
    "moved",
    "removed",
    "import",
    "check",
    "workspace",
    "geography",
];

impl Body {
    pub(super) fn child(self, name: &str) -> Child {
        use Child::{Attr, Block};
        if name == "//" && self != Body::Root {
            return Child::Comment;
        }
        match (self, name) {
            (Body::Root, "//") => Child::Comment,
            (Body::Root, "terraform") => Block(&[], Body::Terraform),
            (Body::Root, "variable") => Block(&["name"], Body::Variable),
            (Body::Root, "locals") => Block(&[], Body::Attrs),
            (Body::Root, "output") => Block(&["name"], Body::Output),
            (Body::Root, "module") => Block(&["name"], Body::Module),
            (Body::Root, "provider") => Block(&["name"], Body::Provider),
            (Body::Root, "resource" | "data") => Block(&["type", "name"], Body::Resource),
            (Body::Root, "moved") => Block(&[], Body::Moved),
            (Body::Root, "removed") => Block(&[], Body::Removed),
            (Body::Root, "import") => Block(&[], Body::Import),
            (Body::Root, "check") => Block(&["name"], Body::Check),
            (Body::Root, "workspace") => Block(&["name"], Body::Workspace),
            (Body::Root, "geography") => Block(&["name"], Body::Attrs),
            (Body::Root, _) => Child::Unknown,
            (Body::Terraform, "backend") => Block(&["type"], Body::Literal),
            (Body::Terraform, "required_providers" | "encryption" | "cloud") => {
                Block(&[], Body::Literal)
            }
            (Body::Terraform, "provider_meta") => Block(&["provider"], Body::Attrs),
            (Body::Terraform, "experiments") => Attr(Mode::ExprList),
            (Body::Variable, "type") => Attr(Mode::Expr),
            (Body::Variable, "default") => Attr(Mode::Literal),
            (Body::Variable, "validation") => Block(&[], Body::Attrs),
            (Body::Output, "depends_on") => Attr(Mode::ExprList),
            (Body::Output, "precondition") => Block(&[], Body::Attrs),
            (Body::Module, "depends_on") => Attr(Mode::ExprList),
            (Body::Module, "providers") => Attr(Mode::Providers),
            (Body::Provider, "alias" | "version") => Attr(Mode::Template),
            (Body::Provider, "dynamic") => Block(&["type"], Body::Dynamic),
            (Body::Provider, _) => Attr(Mode::Template),
            (Body::Resource, "count" | "for_each") => Attr(Mode::Template),
            (Body::Resource, "provider") => Attr(Mode::Expr),
            (Body::Resource, "depends_on") => Attr(Mode::ExprList),
            (Body::Resource, "lifecycle") => Block(&[], Body::Lifecycle),
            (Body::Resource, "connection") => Block(&[], Body::Schema),
            (Body::Resource, "provisioner") => Block(&["type"], Body::Schema),
            (Body::Resource | Body::Schema, "dynamic") => Block(&["type"], Body::Dynamic),
            (Body::Lifecycle, "ignore_changes") => Attr(Mode::IgnoreChanges),
            (Body::Lifecycle, "replace_triggered_by") => Attr(Mode::ExprList),
            (Body::Lifecycle, "precondition" | "postcondition") => Block(&[], Body::Attrs),
            (Body::Moved, "from" | "to") => Attr(Mode::Expr),
            (Body::Removed, "from") => Attr(Mode::Expr),
            (Body::Removed, "lifecycle") => Block(&[], Body::Attrs),
            (Body::Removed, "provisioner") => Block(&["type"], Body::Schema),
            (Body::Import, "to" | "provider") => Attr(Mode::Expr),
            (Body::Check, "assert") => Block(&[], Body::Attrs),
            (Body::Check, "data") => Block(&["type", "name"], Body::Resource),
            (Body::Workspace, "backend") => Block(&["type"], Body::Literal),
            (Body::Dynamic, "iterator") => Attr(Mode::Expr),
            (Body::Dynamic, "content") => Block(&[], Body::Schema),
            (Body::Literal, _) => Attr(Mode::Literal),
            _ => Attr(Mode::Template),
        }
    }
}
