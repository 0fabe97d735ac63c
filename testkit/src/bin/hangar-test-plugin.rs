//! Hangar's test provider plugin as a standalone executable (for filesystem-mirror layouts and
//! manual runs); tests usually run it from their own test binary instead (see
//! `hangar_testkit::test_plugin`).
fn main() {
    hangar_testkit::test_plugin::main();
}
