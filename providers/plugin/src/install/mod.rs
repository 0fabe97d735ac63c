//! Installing providers as Terraform users expect: version constraints, filesystem mirrors
//! found where Terraform looks, the CLI configuration's `provider_installation` (filesystem
//! and network mirrors, direct registry downloads) and `host` overrides, the provider registry,
//! network mirror and module registry protocols, and `.terraform.lock.hcl`.
//!
//! These are library functions: `hangar init` (in the engine) decides when to call them.

pub mod cliconfig;
pub mod discovery;
pub mod hash;
pub mod http;
pub mod lockfile;
pub mod mirror;
pub mod modules;
pub mod network_mirror;
pub mod provider_registry;
pub mod remote;
pub mod version;

pub use cliconfig::CliConfig;
pub use lockfile::{LockFile, LockedProvider};
pub use mirror::{find_in, FoundProvider, Mirror, Package, ProviderSource};
pub use remote::{Fetched, Origin, Remote, RemoteError};
pub use version::{Constraint, Version};

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::hash::{h1_dir, h1_zip, unpack_zip, zh};
    use super::*;

    fn fixture() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mirror")
    }

    /// Hashes recorded by Terraform 1.11 (`terraform providers lock -fs-mirror`) for the same
    /// package, unpacked and zipped.
    const TERRAFORM_H1: &str = "h1:GTO+WdmxmC/O4Afw3WUfbYty0cPWCjo9DDPvZyTcVEs=";

    #[test]
    fn h1_matches_terraform_for_directories_and_zips() {
        let src = ProviderSource::parse("hangar/fake").expect("src");
        let all = Mirror::new(fixture()).versions(&src, "linux_amd64");
        let dir = all.iter().find_map(|f| match &f.package {
            Package::Unpacked(d) => Some(d.clone()),
            _ => None,
        });
        let zip = all.iter().find_map(|f| match &f.package {
            Package::Packed(z) => Some(z.clone()),
            _ => None,
        });
        let (dir, zip) = (dir.expect("unpacked"), zip.expect("packed"));
        assert_eq!(h1_dir(&dir).expect("dir"), TERRAFORM_H1);
        assert_eq!(h1_zip(&zip).expect("zip"), TERRAFORM_H1);
        assert_eq!(
            zh(&zip).expect("zh"),
            "zh:57de020afefb56e0fbd149a2e6d43786bd7e2c92f7e3e6bdc09958b1044743c5"
        );
        let out = tempfile::tempdir().expect("tmp");
        unpack_zip(&zip, out.path()).expect("unpack");
        assert_eq!(h1_dir(out.path()).expect("unpacked"), TERRAFORM_H1);
        let exe = mirror::find_executable(out.path(), "fake").expect("exe");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(exe).expect("meta").permissions().mode();
            assert_ne!(mode & 0o100, 0, "the executable stays executable");
        }
    }
}
