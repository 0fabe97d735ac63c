//! Tests of module sources: parsing, the lock file, and real git repositories in temporary
//! directories (skipped with a note when git is not installed).

use super::*;

/// True when git can run; otherwise prints why the calling test is skipped.
fn have_git() -> bool {
    let ok = Command::new("git").arg("--version").output().is_ok();
    if !ok {
        eprintln!("note: git is not installed; skipping this test");
    }
    ok
}

/// Runs git in `dir` for test setup, with a fixed identity and no user configuration.
fn sh(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(["-c", "tag.gpgsign=false"])
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Writes `main.tf` (and `sub/main.tf`) saying `text`, commits, returns the commit id.
fn commit(repo: &Path, text: &str) -> String {
    std::fs::create_dir_all(repo.join("sub")).expect("mkdir");
    std::fs::write(repo.join("main.tf"), text).expect("write");
    std::fs::write(repo.join("sub/main.tf"), format!("sub {text}")).expect("write");
    sh(repo, &["add", "-A"]);
    sh(repo, &["commit", "-q", "-m", text]);
    sh(repo, &["rev-parse", "HEAD"])
}

/// A repository with `v1` tagged at the first commit and a second commit on main.
struct Fixture {
    _tmp: tempfile::TempDir,
    repo: PathBuf,
    root: PathBuf,
    v1: String,
    v2: String,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    let root = tmp.path().join("root");
    std::fs::create_dir_all(&repo).expect("mkdir");
    std::fs::create_dir_all(&root).expect("mkdir");
    sh(&repo, &["init", "-q"]);
    let v1 = commit(&repo, "one");
    sh(&repo, &["tag", "v1"]);
    let v2 = commit(&repo, "two");
    Fixture {
        _tmp: tmp,
        repo,
        root,
        v1,
        v2,
    }
}

impl Fixture {
    fn source(&self, suffix: &str) -> String {
        format!("git::file://{}{suffix}", self.repo.display())
    }

    fn fetch(&self, text: &str, lock: &mut Lock, upgrade: bool) -> Result<PathBuf, SourceError> {
        let src = Source::parse(text).expect("parses");
        fetch(&self.root, text, &src, lock, upgrade)
    }
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).expect("read")
}

#[test]
fn parses_local_and_git_sources() {
    assert_eq!(
        Source::parse("./vpc").expect("local"),
        Source::Local(PathBuf::from("./vpc"))
    );
    assert_eq!(
        Source::parse("../shared/dns").expect("parent"),
        Source::Local(PathBuf::from("../shared/dns"))
    );
    assert_eq!(
        Source::parse("git::file:///srv/repo").expect("git"),
        Source::Git {
            url: "file:///srv/repo".into(),
            reference: None,
            subdir: None
        }
    );
    assert_eq!(
        Source::parse("git::file:///srv/repo//modules/vpc/?ref=v1.2.0").expect("git"),
        Source::Git {
            url: "file:///srv/repo".into(),
            reference: Some("v1.2.0".into()),
            subdir: Some("modules/vpc".into())
        }
    );
    assert_eq!(
        Source::parse("git::https://example.com/org/repo.git?ref=main").expect("https"),
        Source::Git {
            url: "https://example.com/org/repo.git".into(),
            reference: Some("main".into()),
            subdir: None
        }
    );
}

#[test]
fn parses_registry_addresses_like_terraform() {
    use hangar_provider_plugin::install::modules::ModuleAddr;
    let addr = |h: &str, n: &str, m: &str, p: &str| ModuleAddr {
        host: h.into(),
        namespace: n.into(),
        name: m.into(),
        provider: p.into(),
    };
    assert_eq!(
        Source::parse("hashicorp/consul/aws").expect("3 parts"),
        Source::Registry {
            addr: addr("registry.terraform.io", "hashicorp", "consul", "aws"),
            subdir: None
        }
    );
    assert_eq!(
        Source::parse("app.terraform.io/acme/vpc/aws//modules/subnets").expect("4 parts"),
        Source::Registry {
            addr: addr("app.terraform.io", "acme", "vpc", "aws"),
            subdir: Some("modules/subnets".into())
        }
    );
    assert_eq!(
        Source::parse("localhost:8443/acme/vpc/aws").expect("host with port"),
        Source::Registry {
            addr: addr("localhost:8443", "acme", "vpc", "aws"),
            subdir: None
        }
    );
    assert!(
        Source::parse("acme/vpc/aws/extra").is_err(),
        "4 parts need a host"
    );
}

#[test]
fn rejects_unsupported_sources_naming_the_supported_forms() {
    for (text, says) in [
        ("hashicorp/consul", "./ or ../"),
        ("https://example.com/vpc.zip", "HTTP"),
        ("/srv/modules/vpc", "absolute"),
        ("vpc", "./ or ../"),
        ("s3::https://bucket/vpc.zip", "git::"),
    ] {
        let e = Source::parse(text).expect_err(text).to_string();
        assert!(e.contains(says), "{text}: {e}");
        assert!(e.contains("git::URL[//SUBDIR][?ref=REF]"), "{text}: {e}");
    }
    for text in [
        "git::",
        "git::file://",
        "git::file:///srv/repo?depth=1",
        "git::file:///srv/repo?ref=",
        "git::file:///srv/repo//../etc",
    ] {
        let e = Source::parse(text).expect_err(text);
        assert!(matches!(e, SourceError::Invalid { .. }), "{text}: {e}");
    }
}

#[test]
fn installed_dir_is_stable_distinct_and_ends_in_the_subdir() {
    let root = Path::new("/cfg");
    let a = installed_dir(root, "git::file:///srv/repo?ref=v1");
    assert_eq!(a, installed_dir(root, "git::file:///srv/repo?ref=v1"));
    assert_ne!(a, installed_dir(root, "git::file:///srv/repo?ref=v2"));
    assert!(a.starts_with("/cfg/.hangar/modules"), "{}", a.display());
    let name = a.file_name().expect("name").to_string_lossy().into_owned();
    assert!(name.starts_with("srv-repo-"), "{name}");
    let sub = installed_dir(root, "git::file:///srv/repo//modules/vpc");
    assert!(sub.ends_with("modules/vpc"), "{}", sub.display());
}

#[test]
fn lock_round_trips_as_sorted_pretty_json() {
    let tmp = tempfile::tempdir().expect("tempdir");
    assert_eq!(Lock::load(tmp.path()).expect("empty"), Lock::default());
    let mut lock = Lock::default();
    lock.set("git::file:///b", "2222");
    lock.set("git::file:///a", "1111");
    lock.save(tmp.path()).expect("save");
    let text = read(tmp.path(), LOCK_FILE);
    assert!(text.contains("\n  \"modules\": {\n"), "{text}");
    assert!(
        text.find("///a").expect("a") < text.find("///b").expect("b"),
        "{text}"
    );
    let back = Lock::load(tmp.path()).expect("load");
    assert_eq!(back.get("git::file:///a"), Some("1111"));
    assert_eq!(back.get("git::file:///c"), None);
    std::fs::write(tmp.path().join(LOCK_FILE), "{").expect("write");
    assert!(matches!(
        Lock::load(tmp.path()),
        Err(SourceError::LockParse { .. })
    ));
}

#[test]
fn fetch_checks_out_the_ref_and_stays_on_the_locked_commit() {
    if !have_git() {
        return;
    }
    let f = fixture();
    let text = f.source("?ref=v1");
    let mut lock = Lock::default();
    let dir = f.fetch(&text, &mut lock, false).expect("fetch v1");
    assert_eq!(read(&dir, "main.tf"), "one");
    assert_eq!(lock.get(&text), Some(f.v1.as_str()));
    assert_eq!(sh(&dir, &["rev-parse", "HEAD"]), f.v1);
    assert_eq!(
        sh(&dir, &["rev-parse", "--abbrev-ref", "HEAD"]),
        "HEAD",
        "detached"
    );

    // The tag moves to a newer commit: the lock still wins.
    sh(&f.repo, &["tag", "-f", "v1", &f.v2]);
    let v3 = commit(&f.repo, "three");
    let dir = f.fetch(&text, &mut lock, false).expect("pinned");
    assert_eq!(read(&dir, "main.tf"), "one");
    assert_eq!(lock.get(&text), Some(f.v1.as_str()));

    // Upgrading re-resolves the moved tag.
    let dir = f.fetch(&text, &mut lock, true).expect("upgrade");
    assert_eq!(read(&dir, "main.tf"), "two");
    assert_eq!(lock.get(&text), Some(f.v2.as_str()));

    // No ref: the default branch, and a new commit there is picked up only by upgrade.
    let head = f.source("");
    let dir = f.fetch(&head, &mut lock, false).expect("head");
    assert_eq!(lock.get(&head), Some(v3.as_str()));
    commit(&f.repo, "four");
    f.fetch(&head, &mut lock, false).expect("pinned head");
    assert_eq!(read(&dir, "main.tf"), "three");
    f.fetch(&head, &mut lock, true).expect("upgrade head");
    assert_eq!(read(&dir, "main.tf"), "four");
}

#[test]
fn fetch_resolves_branches_and_commit_ids() {
    if !have_git() {
        return;
    }
    let f = fixture();
    let mut lock = Lock::default();
    let by_branch = f.source("?ref=main");
    let dir = f.fetch(&by_branch, &mut lock, false).expect("branch");
    assert_eq!(read(&dir, "main.tf"), "two");
    let by_commit = f.source(&format!("?ref={}", &f.v1[..12]));
    let dir = f.fetch(&by_commit, &mut lock, false).expect("commit");
    assert_eq!(read(&dir, "main.tf"), "one");
    assert_eq!(lock.get(&by_commit), Some(f.v1.as_str()));
    let missing = f.source("?ref=nope");
    let e = f
        .fetch(&missing, &mut lock, false)
        .expect_err("unknown ref");
    assert!(matches!(e, SourceError::UnknownRef { .. }), "{e}");
}

#[test]
fn fetch_and_locate_handle_subdirectories() {
    if !have_git() {
        return;
    }
    let f = fixture();
    let mut lock = Lock::default();
    let text = f.source("//sub?ref=v1");
    let dir = f.fetch(&text, &mut lock, false).expect("subdir");
    assert_eq!(read(&dir, "main.tf"), "sub one");
    assert_eq!(dir, installed_dir(&f.root, &text));
    lock.save(&f.root).expect("save");
    assert_eq!(locate(&f.root, &f.repo, &text).expect("locate"), dir);

    let bad = f.source("//nowhere?ref=v1");
    let e = f.fetch(&bad, &mut lock, false).expect_err("missing subdir");
    assert!(matches!(e, SourceError::SubdirMissing { .. }), "{e}");
    assert!(e.to_string().contains("nowhere"), "{e}");
}

#[test]
fn fetch_reports_git_errors_with_gits_message() {
    if !have_git() {
        return;
    }
    let f = fixture();
    let text = format!("git::file://{}/absent", f.root.display());
    let e = f
        .fetch(&text, &mut Lock::default(), false)
        .expect_err("no repo");
    match e {
        SourceError::Git { stderr, .. } => assert!(!stderr.is_empty()),
        other => panic!("expected a git error, got {other}"),
    }
    assert!(
        !installed_dir(&f.root, &text).exists(),
        "no partial install"
    );
}

#[test]
fn locate_finds_local_dirs_and_asks_for_init_when_git_sources_are_missing_or_stale() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    std::fs::create_dir_all(root.join("modules/vpc")).expect("mkdir");
    assert_eq!(
        locate(root, root, "./modules/vpc").expect("local"),
        root.join("./modules/vpc")
    );
    let e = locate(root, root, "./modules/dns").expect_err("missing");
    assert!(matches!(e, SourceError::LocalMissing { .. }), "{e}");
    let text = "git::file:///srv/repo?ref=v1";
    let e = locate(root, root, text).expect_err("not installed");
    assert!(e.to_string().contains("hangar init"), "{e}");

    if !have_git() {
        return;
    }
    let f = fixture();
    let text = f.source("?ref=v1");
    let mut lock = Lock::default();
    f.fetch(&text, &mut lock, false).expect("fetch");
    lock.set(&text, &f.v2);
    lock.save(&f.root).expect("save");
    let e = locate(&f.root, &f.root, &text).expect_err("stale");
    assert!(e.to_string().contains("hangar init"), "{e}");
    assert!(e.to_string().contains(&f.v2), "{e}");
}
