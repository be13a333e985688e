//! A pull-based subscription for Python: wait for the next event with a timeout.

use crate::convert::to_py;
use crate::errors::binding;
use maestro_core::feed::{Subscription, Wait};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest one wait runs without the interpreter before checking for signals and
/// for `close` from another thread.
const SLICE: Duration = Duration::from_millis(50);

/// Events committed through one handle, delivered in commit order. Thread-safe; the
/// interpreter is released while waiting.
#[pyclass(frozen, module = "maestro._native")]
pub struct NativeSubscription {
    inner: Mutex<Option<Subscription>>,
    closed: AtomicBool,
    pid: u32,
}

impl NativeSubscription {
    pub(crate) fn new(sub: Subscription) -> Self {
        NativeSubscription {
            inner: Mutex::new(Some(sub)),
            closed: AtomicBool::new(false),
            pid: std::process::id(),
        }
    }

    /// One slice of waiting, without the interpreter.
    fn wait_slice(&self, slice: Duration) -> Wait {
        if self.closed.load(Ordering::Acquire) {
            return Wait::Closed;
        }
        match self.inner.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some(sub) => sub.wait(slice),
            None => Wait::Closed,
        }
    }
}

#[pymethods]
impl NativeSubscription {
    /// The next event as a dict, waiting up to `timeout` seconds (None: until one comes);
    /// None on timeout. Raises `MaestroError` once the handle or the subscription is
    /// closed, and lets Ctrl-C interrupt the wait.
    #[pyo3(signature = (timeout=None))]
    fn next<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Option<Bound<'py, PyAny>>> {
        if std::process::id() != self.pid {
            return Err(binding(
                "this subscription belongs to the parent process (after os.fork())".into(),
            ));
        }
        let deadline = match timeout {
            Some(t) if !t.is_finite() || t < 0.0 => {
                return Err(PyValueError::new_err(format!(
                    "timeout must be a finite number of seconds ≥ 0, got {t}"
                )))
            }
            Some(t) => Some(Instant::now() + Duration::from_secs_f64(t.min(1e9))),
            None => None,
        };
        loop {
            let slice = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()).min(SLICE),
                None => SLICE,
            };
            match py.detach(|| self.wait_slice(slice)) {
                Wait::Event(e) => {
                    let v = serde_json::to_value(&e).map_err(|e| binding(format!("encoding an event: {e}")))?;
                    return Ok(Some(to_py(py, &v)?));
                }
                Wait::Closed => return Err(binding("the subscription is closed".into())),
                Wait::Timeout if deadline.is_some_and(|d| Instant::now() >= d) => return Ok(None),
                Wait::Timeout => py.check_signals()?,
            }
        }
    }

    /// Stops the subscription; a `next` waiting in another thread returns within 50 ms
    /// with `MaestroError`, and later calls raise it too.
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Ok(mut inner) = self.inner.try_lock() {
            inner.take();
        }
    }
}
