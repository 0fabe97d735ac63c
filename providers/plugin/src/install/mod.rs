//! Installing providers as Terraform users expect: version constraints, filesystem mirrors
//! found where Terraform looks, the CLI configuration's `provider_installation`, the provider
//! and module registry protocols, and `.terraform.lock.hcl`.
//!
//! These are library functions: `hangar init` (in the engine) decides when to call them.

pub mod mirror;
pub mod version;

pub use mirror::{find_in, FoundProvider, Mirror, Package, ProviderSource};
pub use version::{Constraint, Version};
