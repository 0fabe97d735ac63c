//! The local backend against the shared backend conformance suite.

use hangar_state::{Backend, LocalBackend};
use hangar_testkit::state_conformance::run_conformance;

#[test]
fn local_backend_passes_the_conformance_suite() {
    let root = tempfile::tempdir().expect("tempdir");
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let make = || -> Box<dyn Backend> {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::new(LocalBackend::new(
            root.path().join(format!("case{n}")).join("hangar.tfstate"),
        ))
    };
    run_conformance(&make);
}

#[test]
fn encrypted_local_backend_passes_the_conformance_suite_and_hides_values() {
    use hangar_state::encryption::{EncryptedBackend, Keys};
    let root = tempfile::tempdir().expect("tempdir");
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let make = || -> Box<dyn Backend> {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let inner = LocalBackend::new(root.path().join(format!("case{n}")).join("hangar.tfstate"));
        Box::new(EncryptedBackend::new(
            Box::new(inner),
            Keys::new([7; 32], &[]).expect("keys"),
        ))
    };
    run_conformance(&make);
    for entry in std::fs::read_dir(root.path()).expect("cases") {
        let dir = entry.expect("case").path();
        for file in std::fs::read_dir(&dir).expect("files") {
            let path = file.expect("file").path();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                !text.contains("\"id\":"),
                "plaintext attribute in {}: {text}",
                path.display()
            );
        }
    }
}
