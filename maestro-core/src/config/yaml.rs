//! YAML → JSON for `config.yaml`, within limits, remembering where every value was.
//!
//! Built on `saphyr-parser`'s event stream (a YAML 1.2 parser with no recursion of its
//! own), so the limits are checked while the document is built: nesting depth, document
//! size and the number of nodes after alias expansion (an "exponential laughs" bomb
//! stops at the limit instead of exhausting memory). Plain scalars follow the YAML 1.2
//! core schema (`null`, `true`, integers, floats); quoted scalars are strings.

use crate::error::{Error, Result};
use crate::schema::limits::pointer_segment;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// Largest config text accepted, in bytes.
pub const MAX_BYTES: usize = 1 << 20;
/// Deepest nesting accepted (the root mapping is depth 1).
pub const MAX_DEPTH: usize = 32;
/// Most nodes a document may expand to, aliases counted at their full size.
pub const MAX_NODES: usize = 100_000;
/// Most bytes of text (scalars and keys) a document may expand to, aliases counted at
/// their full size.
pub const MAX_EXPANDED_BYTES: usize = 8 << 20;
/// Longest key accepted, in bytes (config keys are names).
pub const MAX_KEY_BYTES: usize = 256;
/// Bytes of JSON pointers kept to report positions; past it, an error points at the
/// nearest value whose position was kept.
const MAX_POSITION_BYTES: usize = 4 << 20;

/// A line and column in the source (both 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1.
    pub column: usize,
}

impl From<&Marker> for Position {
    fn from(m: &Marker) -> Self {
        Position {
            line: m.line(),
            column: m.col() + 1,
        }
    }
}

/// A parsed document: its JSON value and the position of every value by JSON pointer.
pub(crate) struct Document {
    pub value: Value,
    positions: HashMap<String, Position>,
    keys: HashMap<String, Position>,
}

impl Document {
    /// Where the key of the value at `pointer` is (for an unknown key), else where the
    /// value is.
    pub fn key_position(&self, pointer: &str) -> Position {
        self.keys
            .get(pointer)
            .copied()
            .unwrap_or_else(|| self.position(pointer))
    }

    /// Where the value at `pointer` (or its nearest enclosing value) starts.
    pub fn position(&self, pointer: &str) -> Position {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return *pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Position { line: 1, column: 1 },
            }
        }
    }
}

/// A config error at `pointer`, with the line and column in the message.
pub(crate) fn error_at(source: &str, pointer: &str, at: Position, message: impl std::fmt::Display) -> Error {
    Error::validation(
        "config",
        pointer.to_owned(),
        format!("{source} line {}, column {}: {message}", at.line, at.column),
    )
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        nodes: usize,
        bytes: usize,
    },
    Map {
        map: Map<String, Value>,
        key: Option<String>,
        anchor: usize,
        nodes: usize,
        bytes: usize,
    },
}

struct Anchored {
    value: Value,
    nodes: usize,
    bytes: usize,
    depth: usize,
}

struct Builder<'s> {
    source: &'s str,
    stack: Vec<Frame>,
    /// The pointer of each open frame, so errors and positions name where they are.
    pointers: Vec<String>,
    anchors: HashMap<usize, Anchored>,
    positions: HashMap<String, Position>,
    keys: HashMap<String, Position>,
    position_bytes: usize,
    nodes: usize,
    bytes: usize,
    root: Option<Value>,
}

impl Builder<'_> {
    /// The pointer the next value lands at, or `None` when the next scalar is a key.
    fn next_pointer(&self) -> Option<String> {
        let parent = self.pointers.last().map(String::as_str).unwrap_or("");
        match self.stack.last() {
            None => Some(String::new()),
            Some(Frame::Seq { items, .. }) => Some(format!("{parent}/{}", items.len())),
            Some(Frame::Map { key: Some(k), .. }) => Some(format!("{parent}/{}", pointer_segment(k))),
            Some(Frame::Map { key: None, .. }) => None,
        }
    }

    fn fail(&self, pointer: &str, at: &Marker, message: impl std::fmt::Display) -> Error {
        error_at(self.source, pointer, at.into(), message)
    }

    fn count(&mut self, n: usize, bytes: usize, pointer: &str, at: &Marker) -> Result<()> {
        self.nodes += n;
        self.bytes += bytes;
        if self.nodes > MAX_NODES {
            return Err(self.fail(
                pointer,
                at,
                format!("the document expands to more than {MAX_NODES} values (alias bomb?)"),
            ));
        }
        if self.bytes > MAX_EXPANDED_BYTES {
            return Err(self.fail(
                pointer,
                at,
                format!("the document expands to more than {MAX_EXPANDED_BYTES} bytes of text (alias bomb?)"),
            ));
        }
        Ok(())
    }

    /// Keeps the position of `pointer` (the first one given, or the latest when
    /// `replace`), within the budget for positions.
    fn remember(&mut self, key: bool, pointer: String, at: Position, replace: bool) {
        if self.position_bytes + pointer.len() > MAX_POSITION_BYTES {
            return;
        }
        let map = if key { &mut self.keys } else { &mut self.positions };
        if replace || !map.contains_key(&pointer) {
            self.position_bytes += pointer.len();
            map.insert(pointer, at);
        }
    }

    /// Places a finished value at the current position.
    fn place(
        &mut self,
        value: Value,
        nodes: usize,
        bytes: usize,
        depth: usize,
        anchor: usize,
        at: &Marker,
    ) -> Result<()> {
        if anchor != 0 {
            self.anchors.insert(
                anchor,
                Anchored {
                    value: value.clone(),
                    nodes,
                    bytes,
                    depth,
                },
            );
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_some() {
                    return Err(self.fail("", at, "more than one YAML document"));
                }
                self.root = Some(value);
            }
            Some(Frame::Seq { items, nodes: n, .. }) => {
                items.push(value);
                *n += nodes;
            }
            Some(Frame::Map { map, key, nodes: n, .. }) => {
                let k = key
                    .take()
                    .ok_or_else(|| Error::Internal("a YAML value without its key".into()))?;
                map.insert(k, value);
                *n += nodes;
            }
        }
        Ok(())
    }

    fn scalar(&mut self, text: &str, style: ScalarStyle, anchor: usize, tag: Option<&Tag>, at: &Marker) -> Result<()> {
        match self.next_pointer() {
            None => {
                let parent = self.pointers.last().cloned().unwrap_or_default();
                if text.len() > MAX_KEY_BYTES {
                    return Err(self.fail(&parent, at, format!("a key is longer than {MAX_KEY_BYTES} bytes")));
                }
                let pointer = format!("{parent}/{}", pointer_segment(text));
                self.count(0, text.len(), &parent, at)?;
                if let Some(Frame::Map { map, key, .. }) = self.stack.last_mut() {
                    if map.contains_key(text) {
                        return Err(self.fail(&pointer, at, format!("duplicate key {text:?}")));
                    }
                    *key = Some(text.to_owned());
                }
                self.remember(true, pointer.clone(), at.into(), true);
                self.remember(false, pointer, at.into(), true);
                Ok(())
            }
            Some(pointer) => {
                self.count(1, text.len(), &pointer, at)?;
                let value = resolve(text, style, tag).map_err(|m| self.fail(&pointer, at, m))?;
                // A scalar's own position beats its key's; a block value keeps its key's.
                self.remember(false, pointer, at.into(), true);
                self.place(value, 1, text.len(), 1, anchor, at)
            }
        }
    }

    fn open(&mut self, map: bool, anchor: usize, at: &Marker) -> Result<()> {
        let Some(pointer) = self.next_pointer() else {
            return Err(self.fail(
                self.pointers.last().map(String::as_str).unwrap_or(""),
                at,
                "keys must be plain strings, not mappings or lists",
            ));
        };
        if self.stack.len() + 1 > MAX_DEPTH {
            return Err(self.fail(&pointer, at, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        self.count(1, 0, &pointer, at)?;
        self.remember(false, pointer.clone(), at.into(), false);
        self.pointers.push(pointer);
        self.stack.push(if map {
            Frame::Map {
                map: Map::new(),
                key: None,
                anchor,
                nodes: 1,
                bytes: 0,
            }
        } else {
            Frame::Seq {
                items: Vec::new(),
                anchor,
                nodes: 1,
                bytes: 0,
            }
        });
        Ok(())
    }

    fn close(&mut self, at: &Marker) -> Result<()> {
        let frame = self
            .stack
            .pop()
            .ok_or_else(|| Error::Internal("unbalanced YAML events".into()))?;
        self.pointers.pop();
        let (value, anchor, nodes, bytes) = match frame {
            Frame::Seq {
                items,
                anchor,
                nodes,
                bytes,
            } => (Value::Array(items), anchor, nodes, bytes),
            Frame::Map {
                map,
                anchor,
                nodes,
                bytes,
                ..
            } => (Value::Object(map), anchor, nodes, bytes),
        };
        let depth = value_depth(&value);
        self.place(value, nodes, bytes, depth, anchor, at)
    }

    fn alias(&mut self, id: usize, at: &Marker) -> Result<()> {
        let pointer = match self.next_pointer() {
            Some(p) => p,
            None => {
                return Err(self.fail(
                    self.pointers.last().map(String::as_str).unwrap_or(""),
                    at,
                    "an alias cannot be a key",
                ))
            }
        };
        let Some(a) = self.anchors.get(&id) else {
            return Err(self.fail(&pointer, at, "alias of an unknown anchor"));
        };
        let (nodes, bytes, depth) = (a.nodes, a.bytes, a.depth);
        if self.stack.len() + depth > MAX_DEPTH {
            return Err(self.fail(&pointer, at, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        // Counted before the copy is made: a bomb stops here, not in the allocator.
        self.count(nodes, bytes, &pointer, at)?;
        let value = self.anchors[&id].value.clone();
        self.remember(false, pointer, at.into(), false);
        self.place(value, nodes, bytes, depth, 0, at)
    }
}

fn value_depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(value_depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(value_depth).max().unwrap_or(0),
        _ => 1,
    }
}

/// The JSON value of a scalar under the YAML 1.2 core schema.
fn resolve(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> std::result::Result<Value, String> {
    if text.len() > crate::schema::limits::MAX_STRING_BYTES {
        return Err(format!(
            "string of {} bytes is longer than the limit of {}",
            text.len(),
            crate::schema::limits::MAX_STRING_BYTES
        ));
    }
    if let Some(tag) = tag {
        let v = match (tag.is_yaml_core_schema(), tag.suffix.as_str()) {
            (true, "str") => return Ok(Value::String(text.to_owned())),
            (true, "int" | "float" | "bool" | "null") => resolve(text, ScalarStyle::Plain, None)?,
            _ => return Err(format!("tag {tag} is not supported")),
        };
        let fits = match tag.suffix.as_str() {
            "int" => v.is_i64(),
            "float" => v.is_number(),
            "bool" => v.is_boolean(),
            _ => v.is_null(),
        };
        return if fits {
            Ok(v)
        } else {
            Err(format!("{text:?} is not a valid {tag}"))
        };
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_owned()));
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN" => {
            return Err(format!("{text} is not a finite number"))
        }
        _ => {}
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let too_big = || format!("{text} does not fit a 64-bit integer");
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        let decimal = if negative { text } else { unsigned };
        return decimal.parse::<i64>().map(Value::from).map_err(|_| too_big());
    }
    for (prefix, radix) in [("0x", 16), ("0o", 8)] {
        if let Some(digits) = text.strip_prefix(prefix).filter(|d| !d.is_empty()) {
            if digits.chars().all(|c| c.is_digit(radix)) {
                return i64::from_str_radix(digits, radix)
                    .map(Value::from)
                    .map_err(|_| too_big());
            }
        }
    }
    let looks_numeric = unsigned.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if looks_numeric {
        if let Ok(f) = text.parse::<f64>() {
            if let Some(n) = Number::from_f64(f) {
                return Ok(Value::Number(n));
            }
        }
    }
    Ok(Value::String(text.to_owned()))
}

/// Parses `text` (named `source` in errors) into a JSON value, within the limits.
pub(crate) fn parse(source: &str, text: &str) -> Result<Document> {
    if text.len() > MAX_BYTES {
        return Err(error_at(
            source,
            "",
            Position { line: 1, column: 1 },
            format!("{} bytes is more than the limit of {MAX_BYTES}", text.len()),
        ));
    }
    let mut b = Builder {
        source,
        stack: Vec::new(),
        pointers: Vec::new(),
        anchors: HashMap::new(),
        positions: HashMap::new(),
        keys: HashMap::new(),
        position_bytes: 0,
        nodes: 0,
        bytes: 0,
        root: None,
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let at: Position = e.marker().into();
            let pointer = b
                .next_pointer()
                .or_else(|| b.pointers.last().cloned())
                .unwrap_or_default();
            error_at(source, &pointer, at, format!("not valid YAML: {}", e.info()))
        })?;
        let at = span.start;
        match event {
            Event::Scalar(text, style, anchor, tag) => b.scalar(&text, style, anchor, tag.as_deref(), &at)?,
            Event::SequenceStart(_, tag) | Event::MappingStart(_, tag)
                if tag
                    .as_ref()
                    .is_some_and(|t| !(t.is_yaml_core_schema() && matches!(t.suffix.as_str(), "map" | "seq"))) =>
            {
                let pointer = b.next_pointer().unwrap_or_default();
                return Err(b.fail(
                    &pointer,
                    &at,
                    format!(
                        "tag {} is not supported",
                        tag.map(|t| t.to_string()).unwrap_or_default()
                    ),
                ));
            }
            Event::SequenceStart(anchor, _) => b.open(false, anchor, &at)?,
            Event::MappingStart(anchor, _) => b.open(true, anchor, &at)?,
            Event::SequenceEnd | Event::MappingEnd => b.close(&at)?,
            Event::Alias(id) => b.alias(id, &at)?,
            Event::DocumentStart(_) if b.root.is_some() => {
                return Err(b.fail("", &at, "more than one YAML document"));
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    Ok(Document {
        value: b.root.unwrap_or(Value::Null),
        positions: b.positions,
        keys: b.keys,
    })
}

/// Writes `v` as block-style YAML. Strings are double-quoted JSON strings (valid YAML),
/// so nothing is ever re-read as another type.
pub(crate) fn render(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => render_map(m, 0, &mut out),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

fn inline(v: &Value) -> String {
    match v {
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        other => other.to_string(),
    }
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::Object(m) if !m.is_empty()) || matches!(v, Value::Array(a) if !a.is_empty())
}

fn render_map(m: &Map<String, Value>, indent: usize, out: &mut String) {
    for (k, v) in m {
        out.push_str(&" ".repeat(indent));
        out.push_str(&Value::String(k.clone()).to_string());
        out.push(':');
        render_value(v, indent, out);
    }
}

fn render_value(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            render_map(m, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            for item in a {
                out.push_str(&" ".repeat(indent + 2));
                out.push('-');
                if is_block(item) {
                    match item {
                        Value::Object(m) => {
                            // The first key on the dash's line, the rest aligned under it.
                            let mut first = true;
                            for (k, v) in m {
                                if first {
                                    out.push(' ');
                                    first = false;
                                } else {
                                    out.push_str(&" ".repeat(indent + 4));
                                }
                                out.push_str(&Value::String(k.clone()).to_string());
                                out.push(':');
                                render_value(v, indent + 4, out);
                            }
                        }
                        other => render_value(other, indent + 2, out),
                    }
                } else {
                    out.push(' ');
                    out.push_str(&inline(item));
                    out.push('\n');
                }
            }
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_follow_the_core_schema() {
        let d = parse(
            "t",
            "a: 1\nb: -2\nc: 0x1f\nd: 1.5\ne: true\nf: ~\ng: '1'\nh: text\ni: 1e3\n",
        )
        .unwrap();
        assert_eq!(
            d.value,
            serde_json::json!({"a": 1, "b": -2, "c": 31, "d": 1.5, "e": true, "f": null, "g": "1", "h": "text", "i": 1000.0})
        );
        assert_eq!(d.position("/d"), Position { line: 4, column: 4 });
    }

    #[test]
    fn render_reads_back_to_the_same_value() {
        let v = serde_json::json!({"a": {"b": [1, {"c": "x: y", "d": [[]]}, "z"], "e": {}}, "f": "-1", "g": null});
        let text = render(&v);
        assert_eq!(parse("t", &text).unwrap().value, v, "{text}");
    }

    #[test]
    fn integers_span_i64_and_core_tags_are_checked() {
        let d = parse("t", "a: -9223372036854775808\nb: 9223372036854775807\nc: !!str 12\n").unwrap();
        assert_eq!(d.value, serde_json::json!({"a": i64::MIN, "b": i64::MAX, "c": "12"}));
        assert!(parse("t", "a: !!int abc\n").is_err());
        assert!(parse("t", "a: !!bool 1\n").is_err());
    }

    #[test]
    fn an_alias_bomb_stops_at_the_node_limit() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let e = parse("t", &text).err().unwrap();
        assert!(e.to_string().contains("alias bomb"), "{e}");
    }
}
