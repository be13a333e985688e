//! # maestro-py
//!
//! The native half of the Python package: `maestro._native`. It only converts: Python
//! objects to JSON values, results from the core's JSON text to Python objects in one
//! pass ([`from_json`]), core errors to the exception classes of
//! [`errors`], and it releases the interpreter around every storage and git call. The
//! typed Python API (`maestro.open`, namespaces, result classes) lives in
//! `python/maestro/` and calls `Native.call` with an operation name from the
//! core's table and a dict of named arguments.

#![warn(missing_docs)]

pub mod cli;
pub mod convert;
pub mod errors;
pub mod from_json;
pub mod handle;
pub mod subscription;

use pyo3::prelude::*;

/// The extension module. It keeps no global state and never holds the interpreter while
/// storage or git work runs, so it declares that it does not need the GIL
/// (free-threaded Python can run it without re-enabling the GIL).
#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<handle::Native>()?;
    m.add_class::<subscription::NativeSubscription>()?;
    m.add_function(wrap_pyfunction!(handle::operations, m)?)?;
    m.add_function(wrap_pyfunction!(cli::cli_main, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    Ok(())
}
