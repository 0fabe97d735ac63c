//! Hangar's AWS provider: EKS clusters and S3 buckets through the official AWS SDK.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use async_trait::async_trait;
use hangar_core::{Diagnostic, Diagnostics};
use hangar_provider::{ConfigureRequest, ConfiguredProvider, Provider, Schema};

/// The `aws` provider.
#[derive(Debug, Default)]
pub struct AwsProvider;

#[async_trait]
impl Provider for AwsProvider {
    fn name(&self) -> &'static str {
        "aws"
    }

    fn schema(&self) -> Schema {
        Schema::default()
    }

    async fn configure(
        &self,
        _req: ConfigureRequest,
    ) -> Result<Box<dyn ConfiguredProvider>, Diagnostics> {
        Err(Diagnostic::error("AWS provider not available", "The AWS provider is not built yet.").into())
    }
}
