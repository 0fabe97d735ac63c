//! Hangar's expression language: Terraform's expressions evaluated on Hangar values.
//!
//! Expressions are parsed by `hcl-edit`; this crate gives them meaning. [`eval`] evaluates one
//! expression against a [`Scope`] that resolves references, with Terraform's conversion,
//! unknown-value and sensitivity rules and its diagnostics (each located in a [`SourceFile`]).
//! [`references`] lists what an expression refers to without evaluating it, [`parse_type`]
//! reads variable type constraints, and [`console_format`] prints a value exactly as
//! `terraform console` does. Built-in functions come from `hangar-funcs`; `can` and `try` are
//! implemented here because they need unevaluated arguments. It knows nothing of resources,
//! state or providers and must never depend on the engine, state or any provider crate.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// `Diagnostic` (summary, detail and a located range: 128 bytes) is the error of every
// configuration-facing function; it is returned once per failed step, never in a hot loop.
#![allow(clippy::result_large_err)]

mod call;
mod eval;
mod forexpr;
mod format;
mod ops;
mod refs;
mod scope;
mod source;
mod template;
mod traverse;
mod typeexpr;

pub use eval::{eval, EvalContext};
pub use format::console_format;
pub use refs::{references, Reference};
pub use scope::{EmptyScope, Scope, ScopeError};
pub use source::{Mapping, SourceFile, Translation};
pub use typeexpr::parse_type;
