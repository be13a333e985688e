//! The `maestro` command. Everything it does lives in `maestro_core::cli`, which the
//! Python package's `maestro` script runs too.

fn main() {
    std::process::exit(maestro_core::cli::main(std::env::args_os()));
}
