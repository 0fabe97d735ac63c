//! Shared vocabulary of Hangar.
//!
//! Everything the engine, the state store and the providers must agree on lives here and nowhere
//! else: the [`Value`] type (Terraform's value model with *unknown* and *sensitive* marks and
//! arbitrary-precision numbers), [`Type`] constraints and the one conversion layer ([`convert`],
//! cty's rules; [`set`], cty's set order), typed resource [`address`]es, source-located
//! [`Diagnostic`]s with [`suggest`]ions for misspelt names, the [`geo`] catalogue of where every
//! cloud location is, and the small pieces that must read and write exactly as Terraform's Go
//! does ([`duration`], [`quote`]) or as Hangar's own records do ([`timestamp`]). It must never
//! depend on another Hangar crate, an SDK or an async runtime: state and every provider depend
//! on it, and on nothing else of Hangar's.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod address;
pub mod convert;
pub mod diagnostic;
pub mod duration;
pub mod geo;
pub mod json;
pub mod number;
pub mod quote;
pub mod set;
pub mod suggest;
pub mod timestamp;
pub mod types;
pub mod value;

pub use address::{InstanceKey, ModulePath, ResourceAddr, ResourceInstanceAddr, ResourceMode};
pub use diagnostic::{Diagnostic, Diagnostics, Severity, SourcePos, SourceRange};
pub use geo::{Cloud, Location};
pub use number::Number;
pub use types::Type;
pub use value::Value;
