//! Module sources: where a `module` block's code comes from, and how git sources stay pinned.
//!
//! Two forms are supported, as in Terraform: local paths (`./vpc`, `../shared/dns`), taken
//! relative to the calling module's directory, and git sources
//! (`git::file:///srv/modules//vpc?ref=v1.2.0`), installed by [`fetch`] under
//! `.hangar/modules/` in the root configuration directory. The commit every git source resolved
//! to is recorded in `.hangar.lock.json` ([`Lock`]), so later installs check out exactly that
//! commit until an upgrade re-resolves it. [`locate`] is the loader's side: it finds installed
//! code without running git or touching the network.
//!
//! Module registry addresses (`[HOST/]NAMESPACE/NAME/PROVIDER[//SUBDIR]` with the call's
//! `version`) are resolved by [`fetch_registry`] through the registry protocol to a version and
//! the git source the registry names for it; both, and the commit, are pinned in the lock file.
//!
//! Deliberately left out: registry downloads that are not git sources, private registries'
//! credentials, HTTP archives, and any git transport beyond what
//! the `git` command itself provides (only `file://` is exercised by the tests).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The lock file's name, in the root configuration directory.
pub const LOCK_FILE: &str = ".hangar.lock.json";

/// Where installed git modules live, relative to the root configuration directory.
const MODULES_DIR: &str = ".hangar/modules";

/// The forms the parser accepts, quoted in every "unsupported source" error.
const SUPPORTED: &str = "Hangar supports local paths starting with ./ or ../, git sources \
     written git::URL[//SUBDIR][?ref=REF], for example git::file:///srv/modules//vpc?ref=v1.2.0, \
     and module registry addresses [HOST/]NAMESPACE/NAME/PROVIDER with a version constraint";

/// Where a module's code comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `./x` or `../x`: a directory relative to the calling module's directory.
    Local(PathBuf),
    /// `git::URL[//SUBDIR][?ref=REF]`: a directory inside a git repository.
    Git {
        /// Repository URL handed to `git clone`, e.g. `file:///srv/repo`.
        url: String,
        /// Tag, branch or commit from `?ref=`; the remote's default branch when absent.
        reference: Option<String>,
        /// The `//sub/dir` part: the module's directory inside the repository.
        subdir: Option<String>,
    },
    /// `[HOST/]NAMESPACE/NAME/PROVIDER[//SUBDIR]`: a module registry address, resolved with
    /// the call's `version` constraint.
    Registry {
        /// The module.
        addr: hangar_provider_plugin::install::modules::ModuleAddr,
        /// The `//sub/dir` part: a directory inside the downloaded module.
        subdir: Option<String>,
    },
}

/// Why a module source could not be parsed, installed or found.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The source string is in none of the supported forms.
    #[error("unsupported module source {text:?}: {hint}. {SUPPORTED}")]
    Unsupported {
        /// The source as written.
        text: String,
        /// What it looked like, and why that form is not accepted.
        hint: &'static str,
    },
    /// A `git::` source is malformed.
    #[error("invalid module source {text:?}: {reason}")]
    Invalid {
        /// The source as written.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A local source does not name a directory.
    #[error("module directory {} does not exist", path.display())]
    LocalMissing {
        /// The directory looked for.
        path: PathBuf,
    },
    /// A git source has not been installed yet, or its installation is stale.
    #[error("module source {source_text:?} is not installed at {}{detail}; run `hangar init` to install it", dir.display())]
    NotInstalled {
        /// The source as written.
        source_text: String,
        /// Where it was expected.
        dir: PathBuf,
        /// More about what was found instead, if anything.
        detail: String,
    },
    /// The `//subdir` of a git source is not a directory in the checked-out commit.
    #[error("module source {source_text:?}: directory {subdir:?} does not exist in the repository at commit {commit}")]
    SubdirMissing {
        /// The source as written.
        source_text: String,
        /// The missing subdirectory.
        subdir: String,
        /// The commit checked out.
        commit: String,
    },
    /// A `ref` (or the default branch) names no commit in the repository.
    #[error("module source {source_text:?}: {reference:?} names no commit in {url}")]
    UnknownRef {
        /// The source as written.
        source_text: String,
        /// The reference looked up.
        reference: String,
        /// The repository.
        url: String,
    },
    /// The commit recorded in the lock file is not in the repository any more.
    #[error("module source {source_text:?}: the locked commit {commit} is not in {url}; re-resolve it with `hangar init --upgrade`")]
    LockedCommitMissing {
        /// The source as written.
        source_text: String,
        /// The commit from the lock file.
        commit: String,
        /// The repository.
        url: String,
    },
    /// A registry source could not be resolved.
    #[error("module source {source_text:?}: {message}")]
    Registry {
        /// The source as written.
        source_text: String,
        /// What the registry (or its answer) did wrong.
        message: String,
    },
    /// The `git` program could not be started.
    #[error("cannot run git (is it installed and on PATH?): {source}")]
    GitUnavailable {
        /// Why spawning failed.
        source: std::io::Error,
    },
    /// A git command failed; carries what git printed.
    #[error("git {args} failed: {stderr}")]
    Git {
        /// The arguments given to git.
        args: String,
        /// git's standard error, trimmed.
        stderr: String,
    },
    /// The lock file is not valid JSON of the expected shape.
    #[error("cannot parse {}: {source}", path.display())]
    LockParse {
        /// The lock file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Source {
    /// Parses a `module` block's `source` string; fails on any form other than `./x`, `../x`
    /// and `git::URL[//SUBDIR][?ref=REF]`, saying which forms are supported.
    pub fn parse(text: &str) -> Result<Source, SourceError> {
        if text.starts_with("./") || text.starts_with("../") {
            return Ok(Source::Local(PathBuf::from(text)));
        }
        if let Some(rest) = text.strip_prefix("git::") {
            return parse_git(text, rest);
        }
        if let Some(r) = parse_registry(text) {
            return Ok(r);
        }
        let hint = if text.starts_with('/') {
            "absolute paths are not accepted; write a path relative to the calling module, starting with ./ or ../"
        } else if text.starts_with("http://") || text.starts_with("https://") {
            "HTTP URLs (archives and redirects) are not supported; prefix a git repository URL with git::"
        } else if text.contains("::") {
            "the only forced getter supported is git::"
        } else {
            "a local path must start with ./ or ../"
        };
        Err(SourceError::Unsupported {
            text: text.to_string(),
            hint,
        })
    }
}

/// `[HOST/]NAMESPACE/NAME/PROVIDER[//SUBDIR]`, as Terraform's registry addresses: three
/// segments on the default registry, four with a host first (a name with a dot or a port).
fn parse_registry(text: &str) -> Option<Source> {
    use hangar_provider_plugin::install::modules::{ModuleAddr, DEFAULT_HOST};
    if text.contains("::") || text.starts_with('/') || text.starts_with('.') {
        return None;
    }
    let (main, subdir) = match text.split_once("//") {
        Some((m, s)) => (
            m,
            Some(s.trim_matches('/').to_string()).filter(|s| !s.is_empty()),
        ),
        None => (text, None),
    };
    let seg = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let parts: Vec<&str> = main.split('/').collect();
    let (host, rest) = match parts.as_slice() {
        [n, m, p] => (DEFAULT_HOST.to_string(), [*n, *m, *p]),
        [h, n, m, p] if h.contains('.') || h.contains(':') || *h == "localhost" => {
            (h.to_ascii_lowercase(), [*n, *m, *p])
        }
        _ => return None,
    };
    if !rest.iter().all(|p| seg(p)) {
        return None;
    }
    Some(Source::Registry {
        addr: ModuleAddr {
            host,
            namespace: rest[0].to_string(),
            name: rest[1].to_string(),
            provider: rest[2].to_string(),
        },
        subdir,
    })
}

/// Parses what follows `git::`: URL, optional `//subdir`, optional `?ref=`.
fn parse_git(text: &str, rest: &str) -> Result<Source, SourceError> {
    let invalid = |reason: String| SourceError::Invalid {
        text: text.to_string(),
        reason,
    };
    let (location, query) = match rest.split_once('?') {
        Some((l, q)) => (l, Some(q)),
        None => (rest, None),
    };
    let mut reference = None;
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        match pair.split_once('=') {
            Some(("ref", r)) if !r.is_empty() => reference = Some(r.to_string()),
            Some(("ref", _)) => return Err(invalid("?ref= needs a tag, branch or commit".into())),
            _ => {
                return Err(invalid(format!(
                    "unsupported query parameter {pair:?}; only ?ref=REF is supported"
                )))
            }
        }
    }
    // The subdirectory separator is the first `//` after the scheme's `://`, if any.
    let after_scheme = location.find("://").map_or(0, |i| i + 3);
    let (url, subdir) = match location[after_scheme..].find("//") {
        Some(i) => {
            let split = after_scheme + i;
            (&location[..split], Some(&location[split + 2..]))
        }
        None => (location, None),
    };
    if url.is_empty() || url.ends_with("://") {
        return Err(invalid("the repository URL is missing after git::".into()));
    }
    let subdir = subdir
        .map(|s| s.trim_matches('/'))
        .filter(|s| !s.is_empty());
    if let Some(s) = subdir {
        if Path::new(s)
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(invalid(format!(
                "the subdirectory {s:?} must stay inside the repository (no . or .. parts)"
            )));
        }
    }
    Ok(Source::Git {
        url: url.to_string(),
        reference,
        subdir: subdir.map(str::to_string),
    })
}

/// The lock file: the commit each git source resolved to, so every install gets the same code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    /// Format version, for future changes to the file.
    version: u32,
    /// Entries by source string, sorted so the file diffs cleanly.
    modules: BTreeMap<String, LockedModule>,
}

/// One locked source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct LockedModule {
    /// The full commit id.
    commit: String,
    /// For a registry source: the version the constraint resolved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    /// For a registry source: the git source the registry named for that version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    download: Option<String>,
}

impl Lock {
    /// Reads `root/.hangar.lock.json`; an absent file is an empty lock. Fails when the file
    /// cannot be read or is not a lock file.
    pub fn load(root: &Path) -> Result<Lock, SourceError> {
        let path = root.join(LOCK_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lock::default()),
            Err(source) => return Err(SourceError::Io { path, source }),
        };
        serde_json::from_str(&text).map_err(|source| SourceError::LockParse { path, source })
    }

    /// Writes the lock as pretty JSON through a temporary file and a rename, so a crash never
    /// leaves half a lock file. Fails when the directory is not writable.
    pub fn save(&self, root: &Path) -> Result<(), SourceError> {
        let path = root.join(LOCK_FILE);
        let tmp = root.join(format!("{LOCK_FILE}.tmp-{}", std::process::id()));
        let doc = Lock {
            version: 1,
            modules: self.modules.clone(),
        };
        let mut text = serde_json::to_string_pretty(&doc).map_err(|e| SourceError::Io {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        text.push('\n');
        std::fs::write(&tmp, text).map_err(|source| SourceError::Io {
            path: tmp.clone(),
            source,
        })?;
        std::fs::rename(&tmp, &path).map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            SourceError::Io { path, source }
        })
    }

    /// The commit recorded for a source string, if any.
    pub fn get(&self, source_text: &str) -> Option<&str> {
        self.modules.get(source_text).map(|m| m.commit.as_str())
    }

    /// Records the commit a source string resolved to.
    pub fn set(&mut self, source_text: &str, commit: &str) {
        self.modules.insert(
            source_text.to_string(),
            LockedModule {
                commit: commit.to_string(),
                version: None,
                download: None,
            },
        );
    }

    /// For a registry source string: the locked version, the git source it downloads from and
    /// the commit that resolved to.
    pub fn registry(&self, source_text: &str) -> Option<(&str, &str, &str)> {
        let m = self.modules.get(source_text)?;
        Some((
            m.version.as_deref()?,
            m.download.as_deref()?,
            m.commit.as_str(),
        ))
    }

    /// Records what a registry source string resolved to.
    pub fn set_registry(&mut self, source_text: &str, version: &str, download: &str, commit: &str) {
        self.modules.insert(
            source_text.to_string(),
            LockedModule {
                commit: commit.to_string(),
                version: Some(version.to_string()),
                download: Some(download.to_string()),
            },
        );
    }
}

/// The checkout directory of a git source (the repository root, without any subdirectory):
/// a readable prefix of the URL plus a hash of the whole source string, so names never clash.
fn checkout_dir(root: &Path, source_text: &str) -> PathBuf {
    let url = source_text.strip_prefix("git::").unwrap_or(source_text);
    let url = url.split_once("://").map_or(url, |(_, rest)| rest);
    let mut name = String::new();
    for c in url.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && (name.is_empty() || name.ends_with('-'))) {
            name.push(c);
        }
        if name.len() >= 40 {
            break;
        }
    }
    let hash = Sha256::digest(source_text.as_bytes());
    let short: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    let name = name.trim_end_matches('-');
    root.join(MODULES_DIR).join(format!("{name}-{short}"))
}

/// Where a git source is installed: `root/.hangar/modules/<name>[/<subdir>]`. A string that
/// does not parse as a git source gets the bare checkout directory.
pub fn installed_dir(root: &Path, source_text: &str) -> PathBuf {
    let dir = checkout_dir(root, source_text);
    match Source::parse(source_text) {
        Ok(Source::Git {
            subdir: Some(s), ..
        }) => dir.join(s),
        _ => dir,
    }
}

/// Runs git with `args`, returning its trimmed standard output; fails with git's standard
/// error when it exits non-zero, or when git cannot be started.
fn git(dir: Option<&Path>, args: &[&str]) -> Result<String, SourceError> {
    let mut cmd = Command::new("git");
    cmd.args(["-c", "advice.detachedHead=false"]);
    if let Some(d) = dir {
        cmd.arg("-C").arg(d);
    }
    let out = cmd
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| SourceError::GitUnavailable { source })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(SourceError::Git {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

/// The commit `rev` names in the checkout, or `None` when it names none.
fn rev_parse(checkout: &Path, rev: &str) -> Result<Option<String>, SourceError> {
    let spec = format!("{rev}^{{commit}}");
    match git(Some(checkout), &["rev-parse", "--verify", "--quiet", &spec]) {
        Ok(sha) => Ok(Some(sha)),
        Err(SourceError::Git { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Clones the repository into `checkout`, or fetches every branch and tag when it is there.
fn clone_or_fetch(url: &str, checkout: &Path) -> Result<(), SourceError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SourceError::Io { path, source }
    };
    if checkout.join(".git").is_dir() {
        git(
            Some(checkout),
            &["fetch", "--quiet", "--force", "--tags", "--prune", "origin"],
        )?;
        return Ok(());
    }
    let parent = checkout.parent().unwrap_or(checkout);
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    // Clone beside the target and rename, so an interrupted clone never looks installed.
    let mut tmp = checkout.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    if checkout.exists() {
        std::fs::remove_dir_all(checkout).map_err(io(checkout))?;
    }
    let tmp_text = tmp.to_string_lossy();
    if let Err(e) = git(None, &["clone", "--quiet", "--no-checkout", url, &tmp_text]) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, checkout).map_err(io(checkout))
}

/// Installs a module source under `root/.hangar/modules` and returns its directory (including
/// any `//subdir`). A git source with a commit in `lock` gets exactly that commit unless
/// `upgrade`; otherwise its `ref` (default: the remote's default branch) is resolved and the
/// commit recorded in `lock` — the caller saves the lock. A local source needs no install and
/// is returned as written, relative to its caller. Fails when git fails (with its message), the
/// ref or locked commit is unknown, or the subdirectory is missing at that commit.
pub fn fetch(
    root: &Path,
    source_text: &str,
    src: &Source,
    lock: &mut Lock,
    upgrade: bool,
) -> Result<PathBuf, SourceError> {
    let (url, reference, subdir) = match src {
        Source::Local(p) => return Ok(p.clone()),
        Source::Registry { .. } => {
            return Err(SourceError::Registry {
                source_text: source_text.to_string(),
                message: "a registry source needs its version constraint (fetch_registry)".into(),
            })
        }
        Source::Git {
            url,
            reference,
            subdir,
        } => (url, reference, subdir),
    };
    let checkout = checkout_dir(root, source_text);
    clone_or_fetch(url, &checkout)?;
    let pinned = lock.get(source_text).filter(|_| !upgrade);
    let commit = match pinned {
        Some(c) => rev_parse(&checkout, c)?.ok_or_else(|| SourceError::LockedCommitMissing {
            source_text: source_text.to_string(),
            commit: c.to_string(),
            url: url.clone(),
        })?,
        None => {
            resolve(&checkout, reference.as_deref())?.ok_or_else(|| SourceError::UnknownRef {
                source_text: source_text.to_string(),
                reference: reference.clone().unwrap_or_else(|| "HEAD".into()),
                url: url.clone(),
            })?
        }
    };
    git(
        Some(&checkout),
        &["checkout", "--quiet", "--force", "--detach", &commit],
    )?;
    git(Some(&checkout), &["clean", "-ffdxq"])?;
    lock.set(source_text, &commit);
    match subdir {
        Some(s) if !checkout.join(s).is_dir() => Err(SourceError::SubdirMissing {
            source_text: source_text.to_string(),
            subdir: s.clone(),
            commit,
        }),
        Some(s) => Ok(checkout.join(s)),
        None => Ok(checkout),
    }
}

/// Installs a registry source: asks the registry (`addr`'s host) for the newest version the
/// call's `version` constraint allows — the locked version while it still matches, unless
/// `upgrade` — and where its code is, then fetches that git source like any other and records
/// version, download address and commit in `lock`. Fails when the registry cannot be reached
/// or has no matching version, or names a download that is not a `git::` source.
pub fn fetch_registry(
    root: &Path,
    source_text: &str,
    src: &Source,
    version: Option<&str>,
    lock: &mut Lock,
    upgrade: bool,
) -> Result<PathBuf, SourceError> {
    use hangar_provider_plugin::install::modules::Registry;
    use hangar_provider_plugin::install::{Constraint, Version};
    let Source::Registry { addr, subdir } = src else {
        return fetch(root, source_text, src, lock, upgrade);
    };
    let fail = |message: String| SourceError::Registry {
        source_text: source_text.to_string(),
        message,
    };
    let constraint =
        Constraint::parse(version.unwrap_or(">= 0.0.0")).map_err(|e| fail(e.to_string()))?;
    let locked = lock
        .registry(source_text)
        .filter(|_| !upgrade)
        .and_then(|(v, d, c)| Some((Version::parse(v)?, d.to_string(), c.to_string())))
        .filter(|(v, _, _)| constraint.allows(v));
    // The CLI configuration's `host` blocks override service discovery, as in Terraform.
    let hosts = hangar_provider_plugin::install::CliConfig::load()
        .map_err(|e| fail(e.to_string()))?
        .hosts;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let (chosen, download) = runtime
        .block_on(async {
            let reg = Registry::discover_with(&addr.host, &hosts).await?;
            let chosen = match &locked {
                Some((v, _, _)) => v.clone(),
                None => reg.newest(addr, &constraint).await?,
            };
            let download = reg.download(addr, &chosen).await?;
            Ok::<_, hangar_provider_plugin::install::modules::RegistryError>((chosen, download))
        })
        .map_err(|e| fail(e.to_string()))?;
    let git_src = Source::parse(&download)
        .ok()
        .filter(|s| matches!(s, Source::Git { .. }));
    let Some(git_src) = git_src else {
        return Err(fail(format!(
            "the registry names {download} as the code of version {chosen}; Hangar fetches only git:: sources"
        )));
    };
    // The git fetch pins its commit through a scratch lock seeded with the locked commit.
    let mut scratch = Lock::default();
    if let Some((v, d, c)) = &locked {
        if *v == chosen && *d == download {
            scratch.set(&download, c);
        }
    }
    let dir = fetch(root, &download, &git_src, &mut scratch, upgrade)?;
    let commit = scratch.get(&download).unwrap_or_default().to_string();
    lock.set_registry(source_text, &chosen.to_string(), &download, &commit);
    registry_subdir(source_text, dir, subdir.as_deref(), &commit)
}

/// Whether the version `.hangar.lock.json` records for a registry source still meets the call's
/// `version` constraint; fails, saying to run `hangar init`, when it does not (as Terraform
/// insists on `terraform init` after a module's version requirement changed).
pub fn check_registry_version(
    root: &Path,
    source_text: &str,
    version: Option<&str>,
) -> Result<(), SourceError> {
    use hangar_provider_plugin::install::{Constraint, Version};
    let (Some(want), Some((locked, _, _))) = (
        version,
        Lock::load(root)?
            .registry(source_text)
            .map(|(v, d, c)| (v.to_string(), d.to_string(), c.to_string())),
    ) else {
        return Ok(());
    };
    let ok = match (Constraint::parse(want), Version::parse(&locked)) {
        (Ok(c), Some(v)) => c.allows(&v),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(SourceError::NotInstalled {
        source_text: source_text.to_string(),
        dir: root.join(MODULES_DIR),
        detail: format!(
            " at a version matching {want} (version {locked} is installed; the requirement changed)"
        ),
    })
}

fn registry_subdir(
    source_text: &str,
    dir: PathBuf,
    subdir: Option<&str>,
    commit: &str,
) -> Result<PathBuf, SourceError> {
    match subdir {
        Some(s) if !dir.join(s).is_dir() => Err(SourceError::SubdirMissing {
            source_text: source_text.to_string(),
            subdir: s.to_string(),
            commit: commit.to_string(),
        }),
        Some(s) => Ok(dir.join(s)),
        None => Ok(dir),
    }
}

/// The commit a `ref` names in a fresh fetch: a tag, then a remote branch, then a commit id;
/// with no ref, the remote's default branch.
fn resolve(checkout: &Path, reference: Option<&str>) -> Result<Option<String>, SourceError> {
    let candidates = match reference {
        None | Some("HEAD") => vec!["refs/remotes/origin/HEAD".to_string()],
        Some(r) => vec![
            format!("refs/tags/{r}"),
            format!("refs/remotes/origin/{r}"),
            r.to_string(),
        ],
    };
    for c in candidates {
        if let Some(sha) = rev_parse(checkout, &c)? {
            return Ok(Some(sha));
        }
    }
    Ok(None)
}

/// Finds a module's directory for the loader, without git or network: a local source relative
/// to `caller_dir`, a git source where [`fetch`] installed it. Fails when the source does not
/// parse, the directory is missing, or a git source is not installed at the commit the lock
/// records (the error says to run `hangar init`).
pub fn locate(root: &Path, caller_dir: &Path, source_text: &str) -> Result<PathBuf, SourceError> {
    match Source::parse(source_text)? {
        Source::Registry { subdir, .. } => {
            let lock = Lock::load(root)?;
            let Some((_, download, _)) = lock.registry(source_text) else {
                return Err(SourceError::NotInstalled {
                    source_text: source_text.to_string(),
                    dir: root.join(MODULES_DIR),
                    detail: " (no version of it is recorded in .hangar.lock.json)".into(),
                });
            };
            let mut git_lock = Lock::default();
            let (_, _, commit) = lock.registry(source_text).unwrap_or_default();
            git_lock.set(download, commit);
            let dir = locate_git(root, download, &git_lock)?;
            registry_subdir(source_text, dir, subdir.as_deref(), commit)
        }
        Source::Local(p) => {
            let path = caller_dir.join(p);
            if path.is_dir() {
                Ok(path)
            } else {
                Err(SourceError::LocalMissing { path })
            }
        }
        Source::Git { .. } => locate_git(root, source_text, &Lock::load(root)?),
    }
}

/// Where a git source is installed, checked against the commit `lock` records for it.
fn locate_git(root: &Path, source_text: &str, lock: &Lock) -> Result<PathBuf, SourceError> {
    match Source::parse(source_text)? {
        Source::Git { subdir, .. } => {
            let checkout = checkout_dir(root, source_text);
            let not_installed = |detail: String| SourceError::NotInstalled {
                source_text: source_text.to_string(),
                dir: checkout.clone(),
                detail,
            };
            // A detached checkout's .git/HEAD holds the commit id itself.
            let head = std::fs::read_to_string(checkout.join(".git/HEAD"))
                .map_err(|_| not_installed(String::new()))?;
            if let Some(locked) = lock.get(source_text) {
                if head.trim() != locked {
                    return Err(not_installed(format!(
                        " at the locked commit {locked} (found {})",
                        head.trim()
                    )));
                }
            }
            let dir = match &subdir {
                Some(s) => checkout.join(s),
                None => checkout,
            };
            if dir.is_dir() {
                Ok(dir)
            } else {
                Err(SourceError::SubdirMissing {
                    source_text: source_text.to_string(),
                    subdir: subdir.unwrap_or_default(),
                    commit: head.trim().to_string(),
                })
            }
        }
        _ => Err(SourceError::NotInstalled {
            source_text: source_text.to_string(),
            dir: root.join(MODULES_DIR),
            detail: " (not a git source)".into(),
        }),
    }
}

#[cfg(test)]
mod tests;
