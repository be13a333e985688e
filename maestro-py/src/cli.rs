//! The `maestro` command of the Python package: the core's own command line
//! (`maestro_core::cli`), run in this process with the interpreter released.

use pyo3::prelude::*;

/// Runs the `maestro` command with `argv` (the program's name first) and returns its
/// exit status. It prints to the process's standard output and error directly.
#[pyfunction]
pub fn cli_main(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(move || maestro_core::cli::main(argv))
}
