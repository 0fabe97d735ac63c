//! `moved` and `removed` blocks: renaming and forgetting recorded objects before planning.
//!
//! An [`Endpoint`] names a module instance, a whole resource or one resource instance, written
//! as in configuration (`module.eu`, `aws_s3_bucket.b`, `aws_s3_bucket.b["x"]`). Endpoints of
//! blocks inside a called module are relative to each instance of that module.

use std::fmt;

use hangar_core::{InstanceKey, ModulePath, ResourceAddr, ResourceInstanceAddr};

/// One side of a `moved` block, or the target of a `removed` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `module.NAME` or `module.NAME[KEY]`: every object inside it.
    Module(ModulePath),
    /// `TYPE.NAME`: every instance of the resource.
    Resource(ResourceAddr),
    /// `TYPE.NAME[KEY]`: one instance.
    Instance(ResourceInstanceAddr),
}

impl Endpoint {
    /// Parses the address text of a `from`/`to` argument.
    pub fn parse(text: &str) -> Result<Endpoint, String> {
        let text = text.trim();
        if let Ok(m) = text.parse::<ModulePath>() {
            return Ok(Endpoint::Module(m));
        }
        let inst: ResourceInstanceAddr =
            text.parse()
                .map_err(|e: hangar_core::address::AddressError| {
                    format!(
                        "{} (expected module.NAME, TYPE.NAME or TYPE.NAME[KEY])",
                        e.reason
                    )
                })?;
        Ok(if inst.key == InstanceKey::None && !text.ends_with(']') {
            Endpoint::Resource(inst.resource)
        } else {
            Endpoint::Instance(inst)
        })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Module(m) => write!(f, "{m}"),
            Endpoint::Resource(r) => write!(f, "{r}"),
            Endpoint::Instance(i) => write!(f, "{i}"),
        }
    }
}
