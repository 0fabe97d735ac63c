//! A filesystem mirror holding the test plugin, in Terraform's unpacked layout
//! (`HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/terraform-provider-TYPE_vVERSION`), so `hangar init`
//! finds, hashes and locks it like any provider.
//!
//! The package's executable is a small shell script that runs a given binary with
//! `HANGAR_TEST_PLUGIN_SERVE=1`: test binaries built with `harness = false` serve as the plugin
//! themselves (see [`super::serve_if_requested`]). Unix only.

use std::path::{Path, PathBuf};

/// The test plugin's source address in a mirror.
pub const SOURCE: &str = "hangar/hangartest";

/// Writes version `version` of `hangar/hangartest` for this platform into the mirror at `root`,
/// running `exe` (a binary that calls [`super::serve_if_requested`] first); returns the package
/// directory.
///
/// Fails when the files cannot be written.
pub fn write(root: &Path, exe: &Path, version: &str) -> std::io::Result<PathBuf> {
    let platform = hangar_provider_plugin::install::mirror::current_platform();
    let dir = root
        .join("registry.terraform.io/hangar/hangartest")
        .join(version)
        .join(platform);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("terraform-provider-hangartest_v{version}"));
    std::fs::write(&path, script(exe))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(dir)
}

/// Writes version `version` of `hangar/hangartest` into the mirror at `root` in Terraform's
/// packed layout (`HOST/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip`, what
/// `terraform providers mirror` writes), its executable running `exe` as in [`write`]; returns
/// the zip's path.
///
/// Fails when the file cannot be written.
pub fn write_packed(root: &Path, exe: &Path, version: &str) -> std::io::Result<PathBuf> {
    let platform = hangar_provider_plugin::install::mirror::current_platform();
    let dir = root.join("registry.terraform.io/hangar/hangartest");
    std::fs::create_dir_all(&dir)?;
    let zip_path = dir.join(format!(
        "terraform-provider-hangartest_{version}_{platform}.zip"
    ));
    std::fs::write(&zip_path, package_zip(exe, version, "")?)?;
    Ok(zip_path)
}

/// The zip of version `version` of the test plugin as a registry or network mirror serves it
/// (`terraform-provider-hangartest_vVERSION` inside), its executable running `exe` as in
/// [`write`]; `comment` is added to the script as a shell comment, to make a different package.
///
/// Fails when the archive cannot be written.
pub fn package_zip(exe: &Path, version: &str, comment: &str) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
    z.start_file(format!("terraform-provider-hangartest_v{version}"), opts)
        .map_err(std::io::Error::other)?;
    z.write_all(script(exe).as_bytes())?;
    if !comment.is_empty() {
        z.write_all(format!("# {comment}\n").as_bytes())?;
    }
    Ok(z.finish().map_err(std::io::Error::other)?.into_inner())
}

/// The package's executable: runs `exe` as the plugin.
fn script(exe: &Path) -> String {
    let quoted = exe.to_string_lossy().replace('\'', r"'\''");
    format!("#!/bin/sh\n{}=1 exec '{quoted}' \"$@\"\n", super::SERVE_ENV)
}

/// A Terraform CLI configuration file at `path` whose `provider_installation` uses only the
/// filesystem mirrors `mirrors`, in order.
///
/// Fails when the file cannot be written.
pub fn cli_config(path: &Path, mirrors: &[&Path]) -> std::io::Result<()> {
    let blocks: String = mirrors
        .iter()
        .map(|m| {
            format!(
                "  filesystem_mirror {{\n    path = \"{}\"\n  }}\n",
                m.display()
            )
        })
        .collect();
    std::fs::write(path, format!("provider_installation {{\n{blocks}}}\n"))
}
