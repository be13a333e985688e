//! Python objects to JSON values and back. Only what JSON can carry crosses: `None`,
//! `bool`, `int`, `float`, `str`, lists/tuples and dicts with `str` keys.
//!
//! A value JSON cannot carry, or one past the core's limits (NaN or infinity, an
//! integer beyond 64 bits, nesting deeper than the limit, a string longer than the
//! limit, more text in all than one document may hold, a type that is not JSON), raises
//! `ValidationError` whose `.path` is the JSON pointer of the value in the call's input.
//! The limits are checked while converting, so a refused input never costs more memory
//! than the limit: every value counts against the document limit for the length of its
//! JSON text (a string its bytes, `None` 4, a number its digits, one more for the comma),
//! so a list of twenty million `None`s stops where its JSON would pass 64 MiB.

use maestro_core::schema::limits::{is_large, pointer_segment, MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_STRING_BYTES};
use maestro_core::Error;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;
use serde_json::{Map, Number, Value};

/// The JSON value of `obj`, a call's whole input (or one argument given on its own,
/// whose errors then have paths inside it).
pub fn to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    to_value_allowing(obj, &[])
}

/// [`to_value`] of an operation's input, where strings at `large` (the operation's
/// `limits::large_strings`, a thread's blobs) may be as long as the document limit.
pub fn to_value_allowing(obj: &Bound<'_, PyAny>, large: &'static [&'static str]) -> PyResult<Value> {
    let mut c = Converter {
        path: String::new(),
        bytes: 0,
        large,
    };
    c.value(obj, 1)
}

/// A conversion in progress: where it is, how many bytes of text it took so far, and
/// where strings may be long.
struct Converter {
    path: String,
    bytes: usize,
    large: &'static [&'static str],
}

impl Converter {
    /// A `ValidationError` at the current path.
    fn refuse(&self, py: Python<'_>, message: String) -> PyErr {
        crate::errors::to_py(py, Error::validation("input", self.path.clone(), message))
    }

    /// Counts a value that is not a string, `len` bytes of JSON text and its comma,
    /// against the document limit.
    fn count(&mut self, py: Python<'_>, len: usize) -> PyResult<()> {
        self.bytes += len + 1;
        if self.bytes > MAX_DOCUMENT_BYTES {
            return Err(self.refuse(
                py,
                format!("the input holds more than {MAX_DOCUMENT_BYTES} bytes of JSON, the limit of one document"),
            ));
        }
        Ok(())
    }

    /// Counts `len` more bytes of text against the document limit.
    fn take(&mut self, py: Python<'_>, len: usize) -> PyResult<()> {
        if len > MAX_STRING_BYTES && !is_large(&self.path, self.large) {
            return Err(self.refuse(
                py,
                format!("string of {len} bytes is longer than the limit of {MAX_STRING_BYTES}"),
            ));
        }
        self.bytes += len;
        if self.bytes > MAX_DOCUMENT_BYTES {
            return Err(self.refuse(
                py,
                format!("the input holds more than {MAX_DOCUMENT_BYTES} bytes of text, the limit of one document"),
            ));
        }
        Ok(())
    }

    /// Runs `f` one level down, at `segment` (already escaped).
    fn at<T>(&mut self, segment: &str, f: impl FnOnce(&mut Self) -> PyResult<T>) -> PyResult<T> {
        let len = self.path.len();
        self.path.push('/');
        self.path.push_str(segment);
        let r = f(self);
        self.path.truncate(len);
        r
    }

    fn value(&mut self, obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
        let py = obj.py();
        if depth > MAX_DEPTH {
            return Err(self.refuse(py, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        if obj.is_none() {
            self.count(py, 4)?;
            return Ok(Value::Null);
        }
        if obj.is_instance_of::<PyBool>() {
            let b: bool = obj.extract()?;
            self.count(py, if b { 4 } else { 5 })?;
            return Ok(Value::Bool(b));
        }
        if obj.is_instance_of::<PyInt>() {
            if let Ok(i) = obj.extract::<i64>() {
                self.count(py, digits(i.unsigned_abs()) + usize::from(i < 0))?;
                return Ok(Value::from(i));
            }
            return match obj.extract::<u64>() {
                Ok(u) => {
                    self.count(py, digits(u))?;
                    Ok(Value::from(u))
                }
                Err(_) => Err(self.refuse(py, format!("integer {obj} is out of range (64 bits at most)"))),
            };
        }
        if obj.is_instance_of::<PyFloat>() {
            self.count(py, 8)?;
            let f: f64 = obj.extract()?;
            return Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(|| self.refuse(py, format!("{f} is not a JSON number (NaN and infinities are not)")));
        }
        if let Ok(s) = obj.cast::<PyString>() {
            let text = s.to_cow()?;
            self.take(py, text.len())?;
            return Ok(Value::String(text.into_owned()));
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            self.count(py, 2)?;
            let mut m = Map::with_capacity(d.len());
            for (k, v) in d.iter() {
                let Ok(key) = k.cast::<PyString>() else {
                    return Err(self.refuse(py, format!("dict keys must be str, not {}", k.get_type().name()?)));
                };
                let key = key.to_cow()?;
                self.take(py, key.len())?;
                let segment = pointer_segment(&key);
                let v = self.at(&segment, |c| c.value(&v, depth + 1))?;
                m.insert(key.into_owned(), v);
            }
            return Ok(Value::Object(m));
        }
        if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            self.count(py, 2)?;
            let mut items = Vec::new();
            for (i, v) in obj.try_iter()?.enumerate() {
                let v = v?;
                items.push(self.at(&i.to_string(), |c| c.value(&v, depth + 1))?);
            }
            return Ok(Value::Array(items));
        }
        Err(self.refuse(
            py,
            format!(
                "a {} is not JSON (use dict, list, str, int, float, bool or None)",
                obj.get_type().name()?
            ),
        ))
    }
}

/// How many decimal digits `n` has.
fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The Python object of `v`: dicts, lists, str, int, float, bool and None.
pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Value::Null => Ok(py.None().into_bound(py)),
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_bound_py_any(py)
            } else if let Some(u) = n.as_u64() {
                u.into_bound_py_any(py)
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py)
            }
        }
        Value::String(s) => s.as_str().into_bound_py_any(py),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            Ok(list.into_any())
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, item) in m {
                d.set_item(k, to_py(py, item)?)?;
            }
            Ok(d.into_any())
        }
    }
}
