//! Bounds on untrusted JSON, checked before a document is validated or used: a hostile
//! document gets a clear error naming where it broke the limit, never a crash, a stack
//! overflow or an unbounded allocation.

use crate::error::{Error, Result};
use serde_json::Value;

/// Largest JSON text accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 64 << 20;
/// Deepest nesting accepted: the root is depth 1, each array or object level adds one.
pub const MAX_DEPTH: usize = 64;
/// Longest string (or object key) accepted, in bytes.
pub const MAX_STRING_BYTES: usize = 1 << 20;

/// Where, in one operation's input (named `<namespace>.<verb>`) or one document (named
/// as its schema), a string may be longer than [`MAX_STRING_BYTES`] (up to the document
/// limit): the base64 data of a thread's blobs. Each pattern is a JSON pointer whose `*`
/// segments match any array index or key.
pub fn large_strings(name: &str) -> &'static [&'static str] {
    match name {
        "threads.put" => &["/checkpoint/data"],
        "threads.put_writes" => &["/writes/*/value/data"],
        "thread" => &["/checkpoint/checkpoint/data", "/write/value/data"],
        _ => &[],
    }
}

/// Whether the pointer `path` matches one of `patterns` (see [`large_strings`]).
pub fn is_large(path: &str, patterns: &[&str]) -> bool {
    patterns.iter().any(|p| {
        let (mut a, mut b) = (p.split('/'), path.split('/'));
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some(x), Some(y)) if x == "*" || x == y => continue,
                _ => return false,
            }
        }
    })
}

/// `key` as one segment of a JSON pointer (RFC 6901: `~` is `~0`, `/` is `~1`).
pub fn pointer_segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Parses `text` as JSON within the limits. serde_json's own recursion limit (128)
/// stops pathological nesting during parsing, before [`check`] sees the value.
pub fn parse(entity: &'static str, text: &str) -> Result<Value> {
    parse_allowing(entity, text, &[])
}

/// [`parse`], where strings at `large` (see [`large_strings`]) may be as long as the document.
pub fn parse_allowing(entity: &'static str, text: &str, large: &[&str]) -> Result<Value> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::validation(
            entity,
            "",
            format!(
                "document is {} bytes, more than the limit of {MAX_DOCUMENT_BYTES}",
                text.len()
            ),
        ));
    }
    let v: Value =
        serde_json::from_str(text).map_err(|e| Error::validation(entity, "", format!("not valid JSON: {e}")))?;
    check_allowing(entity, &v, large)?;
    Ok(v)
}

/// Parses a list document (an export's `decisions.json`, a session file) of any size
/// the caller allowed: the limits are then checked on each item as a document of its
/// own. serde_json's recursion limit (128) still bounds the nesting while parsing.
pub fn parse_list(entity: &'static str, text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::validation(entity, "", format!("not valid JSON: {e}")))
}

/// Checks nesting depth and string sizes of an already parsed value.
pub fn check(entity: &'static str, v: &Value) -> Result<()> {
    check_allowing(entity, v, &[])
}

/// [`check`], where strings at `large` (see [`large_strings`]) may be as long as the document.
pub fn check_allowing(entity: &'static str, v: &Value, large: &[&str]) -> Result<()> {
    walk(entity, v, 1, &mut String::new(), large)
}

fn walk(entity: &'static str, v: &Value, depth: usize, path: &mut String, large: &[&str]) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::validation(
            entity,
            path.clone(),
            format!("nested more than {MAX_DEPTH} levels deep"),
        ));
    }
    let too_long = |path: &str, len: usize| {
        Error::validation(
            entity,
            path.to_owned(),
            format!("string of {len} bytes is longer than the limit of {MAX_STRING_BYTES}"),
        )
    };
    match v {
        Value::String(s) if s.len() > MAX_STRING_BYTES && !is_large(path, large) => Err(too_long(path, s.len())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                walk(entity, item, depth + 1, path, large)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = path.len();
                path.push('/');
                path.push_str(&pointer_segment(k));
                if k.len() > MAX_STRING_BYTES {
                    return Err(too_long(path, k.len()));
                }
                walk(entity, item, depth + 1, path, large)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_bounded_and_the_path_points_at_the_first_level_too_deep() {
        let mut text = String::new();
        for _ in 0..MAX_DEPTH {
            text.push_str("{\"a\":");
        }
        text.push('1');
        text.push_str(&"}".repeat(MAX_DEPTH));
        let e = parse("doc", &text).unwrap_err();
        assert_eq!(e.path(), Some("/a".repeat(MAX_DEPTH).as_str()), "{e}");
        let ok = format!("{}1{}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert!(parse("doc", &ok).is_ok());
    }

    #[test]
    fn pathological_nesting_is_an_error_not_a_stack_overflow() {
        let text = "[".repeat(1_000_000);
        let e = parse("doc", &text).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Validation);
        assert!(e.to_string().contains("not valid JSON"), "{e}");
    }

    #[test]
    fn long_strings_and_keys_are_refused_with_their_path() {
        let big = "x".repeat(MAX_STRING_BYTES + 1);
        let v = serde_json::json!({"list": ["ok", big.clone()]});
        assert_eq!(check("doc", &v).unwrap_err().path(), Some("/list/1"));
        let mut m = serde_json::Map::new();
        m.insert(big, Value::Null);
        let e = check("doc", &Value::Object(m)).unwrap_err();
        assert!(e.to_string().contains("longer than the limit"), "{e}");
        let text = format!("\"{}\"", "y".repeat(MAX_DOCUMENT_BYTES));
        assert!(parse("doc", &text)
            .unwrap_err()
            .to_string()
            .contains("more than the limit"));
    }
}
