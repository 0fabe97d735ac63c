//! Compiles `../proto/*.proto` with protox and writes tonic/prost Rust into `../src/proto/`.
use std::path::PathBuf;

/// Protocol 5 messages that are wire-identical to protocol 6 ones, by (v5 path, v6 Rust path).
const SHARED: &[(&str, &str)] = &[
    ("DynamicValue", "DynamicValue"),
    ("Diagnostic", "Diagnostic"),
    ("AttributePath", "AttributePath"),
    ("Stop", "StopProvider"),
    ("Stop.Request", "stop_provider::Request"),
    ("Stop.Response", "stop_provider::Response"),
    ("RawState", "RawState"),
    ("StringKind", "StringKind"),
    ("ServerCapabilities", "ServerCapabilities"),
    ("ClientCapabilities", "ClientCapabilities"),
    ("Deferred", "Deferred"),
    ("GetMetadata", "GetMetadata"),
    ("GetMetadata.Request", "get_metadata::Request"),
    ("GetMetadata.Response", "get_metadata::Response"),
    ("GetMetadata.DataSourceMetadata", "get_metadata::DataSourceMetadata"),
    ("GetMetadata.ResourceMetadata", "get_metadata::ResourceMetadata"),
    ("PrepareProviderConfig.Request", "validate_provider_config::Request"),
    ("PrepareProviderConfig.Response", "validate_provider_config::Response"),
    ("UpgradeResourceState.Request", "upgrade_resource_state::Request"),
    ("UpgradeResourceState.Response", "upgrade_resource_state::Response"),
    ("ValidateResourceTypeConfig.Request", "validate_resource_config::Request"),
    ("ValidateResourceTypeConfig.Response", "validate_resource_config::Response"),
    ("ValidateDataSourceConfig.Request", "validate_data_resource_config::Request"),
    ("ValidateDataSourceConfig.Response", "validate_data_resource_config::Response"),
    ("Configure.Request", "configure_provider::Request"),
    ("Configure.Response", "configure_provider::Response"),
    ("ReadResource.Request", "read_resource::Request"),
    ("ReadResource.Response", "read_resource::Response"),
    ("PlanResourceChange.Request", "plan_resource_change::Request"),
    ("PlanResourceChange.Response", "plan_resource_change::Response"),
    ("ApplyResourceChange.Request", "apply_resource_change::Request"),
    ("ApplyResourceChange.Response", "apply_resource_change::Response"),
    ("ImportResourceState.Request", "import_resource_state::Request"),
    ("ImportResourceState.Response", "import_resource_state::Response"),
    ("ImportResourceState.ImportedResource", "import_resource_state::ImportedResource"),
    ("ReadDataSource.Request", "read_data_source::Request"),
    ("ReadDataSource.Response", "read_data_source::Response"),
];

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = root.join("src/proto");
    std::fs::create_dir_all(&out).expect("create src/proto");
    for version in ["tfplugin6", "tfplugin5"] {
        let file = format!("{version}.proto");
        let fds = protox::compile([&file], [root.join("proto")]).expect("compile proto");
        let mut b = tonic_prost_build::configure()
            .build_client(true)
            .build_server(true)
            .build_transport(false)
            .emit_rerun_if_changed(false)
            .out_dir(&out);
        if version == "tfplugin5" {
            for (v5, v6) in SHARED {
                b = b.extern_path(
                    format!(".tfplugin5.{v5}"),
                    format!("crate::proto::tfplugin6::{v6}"),
                );
            }
        }
        b.compile_fds(fds).expect("generate Rust");
    }
    println!("wrote {}", out.display());
}
