//! The azurerm provider through the `Provider` trait, against the ARM test server (management
//! plane) and Azurite (blob data plane), both on 127.0.0.1: the shared lifecycle suite for
//! every resource type, errors, ownership tags, `list_owned`, crash adoption and import.

mod env;
mod errors;
mod kubernetes;
mod owned;
mod resources;
