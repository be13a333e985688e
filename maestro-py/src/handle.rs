//! The native handle: one open store, shared by every thread of the interpreter.

use crate::convert::{to_py, to_value};
use crate::errors::{self, binding};
use crate::subscription::NativeSubscription;
use maestro_core::{api, Maestro};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::{Arc, RwLock};

/// An open store. Thread-safe: every method may be called from any thread at once; the
/// interpreter is released while the store works. Not fork-safe by design: in a child
/// process every call raises `MaestroError` (open a new handle there).
#[pyclass(frozen, module = "maestro._native")]
pub struct Native {
    inner: RwLock<Option<Arc<Maestro>>>,
    pid: u32,
}

impl Native {
    /// The store, if this process opened it and it is still open.
    fn store(&self) -> PyResult<Arc<Maestro>> {
        let here = std::process::id();
        if here != self.pid {
            return Err(binding(format!(
                "this Maestro handle was opened in process {} and cannot be used in process {here} \
                 (after os.fork()): open a new handle in the child",
                self.pid
            )));
        }
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| binding("the Maestro handle is closed".into()))
    }
}

#[pymethods]
impl Native {
    /// Opens (creating if needed) the database at `path` (`":memory:"` for a private
    /// in-memory one) with `options` such as `{"durability": "normal"}`.
    #[new]
    #[pyo3(signature = (path, options=None))]
    fn new(py: Python<'_>, path: String, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let options = match options {
            Some(d) => Some(to_value(d.as_any(), &mut String::new(), 1)?.to_string()),
            None => None,
        };
        let m = py
            .detach(|| api::open(&path, options.as_deref()))
            .map_err(|e| errors::to_py(py, e))?;
        Ok(Native {
            inner: RwLock::new(Some(Arc::new(m))),
            pid: std::process::id(),
        })
    }

    /// Runs operation `op` (`"tasks.claim"`) with `args`, a dict of named arguments checked
    /// against `schemas/api/operations.schema.json`, as one atomic operation; returns its
    /// result as dicts, lists and scalars.
    fn call<'py>(&self, py: Python<'py>, op: &str, args: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let m = self.store()?;
        let input = to_value(args, &mut String::new(), 1)?;
        let out = py
            .detach(|| api::call_value(&m, op, input))
            .map_err(|e| errors::to_py(py, e))?;
        to_py(py, &out)
    }

    /// Pushes every event committed through this handle from now on that matches
    /// `filter` (an EventFilter dict, or None for every event).
    #[pyo3(signature = (filter=None))]
    fn subscribe(&self, py: Python<'_>, filter: Option<&Bound<'_, PyAny>>) -> PyResult<NativeSubscription> {
        let m = self.store()?;
        let filter = match filter {
            Some(f) if !f.is_none() => {
                api::event_filter(&to_value(f, &mut String::new(), 1)?.to_string()).map_err(|e| errors::to_py(py, e))?
            }
            _ => Default::default(),
        };
        let sub = m.events().subscribe(filter).map_err(|e| errors::to_py(py, e))?;
        Ok(NativeSubscription::new(sub))
    }

    /// Closes the handle: later calls raise `MaestroError`; calls already running finish
    /// first. Closing twice is a no-op.
    fn close(&self, py: Python<'_>) {
        let taken = self.inner.write().unwrap_or_else(|p| p.into_inner()).take();
        if std::process::id() == self.pid {
            py.detach(|| drop(taken));
        } else {
            // A forked child must not close the parent's SQLite connections: closing the
            // last one checkpoints and may delete the WAL under the parent.
            std::mem::forget(taken);
        }
    }

    /// Whether the handle is closed.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).is_none()
    }
}

impl Drop for Native {
    fn drop(&mut self) {
        if std::process::id() != self.pid {
            let taken = self.inner.get_mut().unwrap_or_else(|p| p.into_inner()).take();
            std::mem::forget(taken);
        }
    }
}

/// Every operation of the API, as `"<namespace>.<verb>"`, in the core's order.
#[pyfunction]
pub fn operations() -> Vec<String> {
    maestro_core::ops::OPERATIONS
        .iter()
        .map(|(ns, verb)| format!("{ns}.{verb}"))
        .collect()
}
