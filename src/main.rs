//! The `hangar` binary: a thin shell around the engine's CLI.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    hangar_engine::cli::main()
}
