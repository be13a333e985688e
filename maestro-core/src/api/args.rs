//! Named arguments of one call, taken out of an already validated JSON object.

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The arguments object of one call.
pub(crate) struct Args(Map<String, Value>);

impl Args {
    pub(crate) fn new(v: Value) -> Self {
        match v {
            Value::Object(m) => Args(m),
            // The schema of every operation requires an object; an empty map makes any
            // required argument a clear error should that ever change.
            _ => Args(Map::new()),
        }
    }

    /// A required argument.
    pub(crate) fn req<T: DeserializeOwned>(&mut self, name: &str) -> Result<T> {
        let v = self
            .0
            .remove(name)
            .ok_or_else(|| Error::validation("input", format!("/{name}"), "required argument is missing"))?;
        convert(name, v)
    }

    /// An optional argument; `null` counts as absent.
    pub(crate) fn opt<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => convert(name, v).map(Some),
        }
    }

    /// The whole object as one value (for operations whose input is a document).
    pub(crate) fn whole<T: DeserializeOwned>(self) -> Result<T> {
        serde_json::from_value(Value::Object(self.0)).map_err(|e| Error::validation("input", "", e.to_string()))
    }
}

fn convert<T: DeserializeOwned>(name: &str, v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| Error::validation("input", format!("/{name}"), e.to_string()))
}
