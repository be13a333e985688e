//! A pull-based subscription for Python: wait for the next event with a timeout.

use crate::convert::to_py;
use crate::errors::binding;
use maestro_core::feed::{Subscription, Wait};
use pyo3::prelude::*;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest a wait holds the subscription before checking again.
const SLICE: Duration = Duration::from_millis(50);

/// Events committed through one handle, delivered in commit order. Thread-safe; the
/// interpreter is released while waiting.
#[pyclass(frozen, module = "maestro._native")]
pub struct NativeSubscription {
    inner: Mutex<Option<Subscription>>,
}

impl NativeSubscription {
    pub(crate) fn new(sub: Subscription) -> Self {
        NativeSubscription {
            inner: Mutex::new(Some(sub)),
        }
    }
}

#[pymethods]
impl NativeSubscription {
    /// The next event as a dict, waiting up to `timeout` seconds (None: forever); None
    /// on timeout. Raises `MaestroError` once the handle or the subscription is closed.
    #[pyo3(signature = (timeout=None))]
    fn next<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let deadline = timeout.map(|t| Instant::now() + Duration::from_secs_f64(t.clamp(0.0, 1e9)));
        // Waits in short slices so that `close` from another thread is never kept waiting.
        let got = py.detach(|| loop {
            let slice = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()).min(SLICE),
                None => SLICE,
            };
            let got = match self.inner.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                Some(sub) => sub.wait(slice),
                None => Wait::Closed,
            };
            match got {
                Wait::Timeout if deadline.is_none_or(|d| Instant::now() < d) => continue,
                other => break other,
            }
        });
        match got {
            Wait::Event(e) => {
                let v = serde_json::to_value(&e).map_err(|e| binding(format!("encoding an event: {e}")))?;
                Ok(Some(to_py(py, &v)?))
            }
            Wait::Timeout => Ok(None),
            Wait::Closed => Err(binding("the subscription is closed".into())),
        }
    }

    /// Stops the subscription; later `next` calls raise `MaestroError`.
    fn close(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}
