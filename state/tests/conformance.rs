//! The local backend against the shared backend conformance suite.

use hangar_state::conformance::run_conformance;
use hangar_state::{Backend, LocalBackend};

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
