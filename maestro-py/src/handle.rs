//! The native handle: one open store, shared by every thread of the interpreter.

use crate::convert::{to_value, to_value_allowing};
use crate::errors::{self, binding};
use crate::from_json;
use crate::subscription::NativeSubscription;
use maestro_core::{api, Maestro};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::os::unix::fs::MetadataExt;
use std::sync::{Arc, Mutex, RwLock};

/// Every database file open through this module: (process, device, inode). A forked
/// child inherits this list together with SQLite's own per-file state, which is why it
/// may not open those files again (see [`refuse_inherited`]).
static OPEN: Mutex<Vec<(u32, u64, u64)>> = Mutex::new(Vec::new());

fn file_id(path: &str) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// SQLite keeps one record per open file for the whole process, with the locks it holds.
/// A forked child inherits those records but not the locks, so a connection it opens to
/// the same file would trust locks nobody holds: reads could see a half-checkpointed file
/// and the parent could truncate the WAL under the child. Refuse, clearly.
fn refuse_inherited(path: &str) -> PyResult<()> {
    let Some((dev, ino)) = file_id(path) else {
        return Ok(());
    };
    let here = std::process::id();
    let open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((parent, _, _)) = open.iter().find(|(pid, d, i)| *pid != here && *d == dev && *i == ino) {
        return Err(binding(format!(
            "{path} is open in process {parent}, which this process was forked from; SQLite's state \
             inherited through fork() makes a new connection to it unsafe. Start workers with \
             multiprocessing's \"spawn\" or \"forkserver\" method (or exec), or close the handle before forking"
        )));
    }
    Ok(())
}

/// An open store. Thread-safe: every method may be called from any thread at once; the
/// interpreter is released while the store works. Not fork-safe by design: in a child
/// process every call raises `MaestroError` (open a new handle there).
#[pyclass(frozen, module = "maestro._native")]
pub struct Native {
    inner: RwLock<Option<Arc<Maestro>>>,
    pid: u32,
    /// The file's identity in [`OPEN`]; `None` for an in-memory store.
    file: Option<(u64, u64)>,
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
            Some(d) => Some(to_value(d.as_any())?.to_string()),
            None => None,
        };
        let memory = path == ":memory:";
        if !memory {
            refuse_inherited(&path)?;
        }
        let m = py
            .detach(|| api::open(&path, options.as_deref()))
            .map_err(|e| errors::to_py(py, e))?;
        let pid = std::process::id();
        let file = if memory { None } else { file_id(&path) };
        if let Some((dev, ino)) = file {
            OPEN.lock().unwrap_or_else(|p| p.into_inner()).push((pid, dev, ino));
        }
        Ok(Native {
            inner: RwLock::new(Some(Arc::new(m))),
            pid,
            file,
        })
    }

    /// Runs operation `op` (`"tasks.claim"`) with `args`, a dict of named arguments checked
    /// against `schemas/api/operations.schema.json`, as one atomic operation; returns its
    /// result as dicts, lists and scalars. With `raw_payloads`, event payloads stay JSON
    /// text under `_payload_json` (for the typed `Event`, which decodes them on first use).
    #[pyo3(signature = (op, args, raw_payloads=false))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        args: &Bound<'py, PyAny>,
        raw_payloads: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let m = self.store()?;
        let input = to_value_allowing(args, maestro_core::schema::limits::large_strings(op))?;
        let out = py.detach(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| api::call_parsed(&m, op, input)));
            // If close() ran meanwhile, this is the last reference: close without the GIL.
            drop(m);
            out.unwrap_or_else(|p| Err(maestro_core::Error::from_panic(&*p)))
        });
        from_json::to_py(py, &out.map_err(|e| errors::to_py(py, e))?, raw_payloads)
    }

    /// Pushes every event committed through this handle from now on that matches
    /// `filter` (an EventFilter dict, or None for every event).
    #[pyo3(signature = (filter=None))]
    fn subscribe(&self, py: Python<'_>, filter: Option<&Bound<'_, PyAny>>) -> PyResult<NativeSubscription> {
        let m = self.store()?;
        let filter = match filter {
            Some(f) if !f.is_none() => {
                api::event_filter(&to_value(f)?.to_string()).map_err(|e| errors::to_py(py, e))?
            }
            _ => Default::default(),
        };
        let sub = m.events().subscribe(filter).map_err(|e| errors::to_py(py, e))?;
        Ok(NativeSubscription::new(sub))
    }

    /// Closes the handle: later calls raise `MaestroError`. A call already running in
    /// another thread finishes, and the store closes when the last one does. Closing twice
    /// is a no-op.
    fn close(&self, py: Python<'_>) {
        if std::process::id() != self.pid {
            // A forked child must not close the parent's SQLite connections: closing the
            // last one checkpoints and may delete the WAL under the parent.
            std::mem::forget(self.inner.write().unwrap_or_else(|p| p.into_inner()).take());
            return;
        }
        let taken = py.detach(|| self.inner.write().unwrap_or_else(|p| p.into_inner()).take());
        if taken.is_some() {
            self.forget_file();
        }
        py.detach(move || drop(taken));
    }

    /// Whether the handle is closed.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).is_none()
    }
}

impl Native {
    fn forget_file(&self) {
        if let Some((dev, ino)) = self.file {
            let mut open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(i) = open.iter().position(|e| *e == (self.pid, dev, ino)) {
                open.swap_remove(i);
            }
        }
    }
}

impl Drop for Native {
    fn drop(&mut self) {
        let taken = self.inner.get_mut().unwrap_or_else(|p| p.into_inner()).take();
        if std::process::id() != self.pid {
            std::mem::forget(taken);
        } else if taken.is_some() {
            self.forget_file();
        }
    }
}

/// Every operation of the API, as `"<namespace>.<verb>"`, in the core's order.
#[pyfunction]
pub fn operations() -> Vec<String> {
    maestro_core::ops::names()
}
