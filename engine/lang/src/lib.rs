//! Hangar's expression language: Terraform's expressions evaluated on Hangar values.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
