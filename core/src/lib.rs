//! Shared vocabulary of Hangar.
//!
//! Everything the engine, the state store and the providers must agree on lives here and nowhere
//! else: the [`Value`] type (Terraform's value model with *unknown* and *sensitive* marks and
//! arbitrary-precision numbers), [`Type`] constraints and conversion, typed resource
//! [`address`]es, source-located [`Diagnostic`]s with [`suggest`]ions for misspelt names, and the [`geo`] catalogue of where every
//! cloud location is. It must never depend on another Hangar crate, an SDK or an async runtime:
//! state and every provider depend on it, and on nothing else of Hangar's.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod address;
pub mod convert;
pub mod diagnostic;
pub mod geo;
pub mod json;
pub mod number;
pub mod suggest;
pub mod types;
pub mod value;

pub use address::{InstanceKey, ModulePath, ResourceAddr, ResourceInstanceAddr, ResourceMode};
pub use diagnostic::{Diagnostic, Diagnostics, Severity, SourcePos, SourceRange};
pub use geo::{Cloud, Location};
pub use number::Number;
pub use types::Type;
pub use value::Value;
