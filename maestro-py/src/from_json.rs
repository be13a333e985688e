//! JSON text to Python objects in one pass: the parser's events build dicts, lists and
//! scalars directly, with no intermediate tree. Results cross from the core as the JSON
//! text it encodes straight from its structs (the C ABI's answer), so a result is built
//! once in Rust and once in Python. Object keys are made once per call and shared: the
//! same few keys repeat in every record of a list.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use pyo3::IntoPyObjectExt;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::fmt;

/// The Python object of the JSON document `text`. With `raw_payloads`, the value of every
/// `payload` key is left as its JSON text, under the key `_payload_json` (the typed
/// `Event` decodes it when it is first read).
pub fn to_py<'py>(py: Python<'py>, text: &str, raw_payloads: bool) -> PyResult<Bound<'py, PyAny>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let keys = RefCell::new(Vec::new());
    let v = Node(py, raw_payloads, &keys)
        .deserialize(&mut de)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("decoding a result: {e}")))?;
    de.end()
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("decoding a result: {e}")))?;
    Ok(v)
}

fn py_err<E: de::Error>(e: PyErr) -> E {
    E::custom(e)
}

/// The keys made so far in one call. Records of one list share their keys, so a short
/// list scanned by length and bytes finds them without hashing.
type Keys<'py> = RefCell<Vec<(Box<str>, Bound<'py, PyString>)>>;

/// Keys beyond this many are made afresh each time (a document with many distinct keys).
const MAX_SHARED_KEYS: usize = 64;

/// One JSON value; the flag is `raw_payloads`.
#[derive(Clone, Copy)]
struct Node<'a, 'py>(Python<'py>, bool, &'a Keys<'py>);

impl<'de, 'py> DeserializeSeed<'de> for Node<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for Node<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.None().into_bound(self.0))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        v.into_bound_py_any(self.0).map_err(py_err)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        v.into_bound_py_any(self.0).map_err(py_err)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        v.into_bound_py_any(self.0).map_err(py_err)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        v.into_bound_py_any(self.0).map_err(py_err)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.0, v).into_any())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.0);
        while let Some(item) = seq.next_element_seed(self)? {
            list.append(item).map_err(py_err)?;
        }
        Ok(list.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.0);
        while let Some((key, is_payload)) = map.next_key_seed(Key(self.0, self.2))? {
            if self.1 && is_payload {
                let raw: &'de serde_json::value::RawValue = map.next_value()?;
                dict.set_item(PyString::intern(self.0, "_payload_json"), raw.get())
                    .map_err(py_err)?;
                continue;
            }
            let value = map.next_value_seed(self)?;
            dict.set_item(key, value).map_err(py_err)?;
        }
        Ok(dict.into_any())
    }
}

/// An object key, shared, and whether it is `payload`.
struct Key<'a, 'py>(Python<'py>, &'a Keys<'py>);

impl<'de, 'py> DeserializeSeed<'de> for Key<'_, 'py> {
    type Value = (Bound<'py, PyString>, bool);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for Key<'_, 'py> {
    type Value = (Bound<'py, PyString>, bool);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let mut keys = self.1.borrow_mut();
        if let Some((_, k)) = keys.iter().find(|(s, _)| &**s == v) {
            return Ok((k.clone(), v == "payload"));
        }
        let k = PyString::new(self.0, v);
        if keys.len() < MAX_SHARED_KEYS {
            keys.push((v.into(), k.clone()));
        }
        Ok((k, v == "payload"))
    }
}
