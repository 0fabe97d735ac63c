//! The `hangar` binary: a thin shell around `hangar-cli`.
#![forbid(unsafe_code)]

/// mimalloc instead of the system allocator: a plan allocates millions of small values and
/// glibc's malloc was a quarter of its time.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    hangar_cli::main()
}
