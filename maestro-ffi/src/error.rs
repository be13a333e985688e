//! The thread-local last error: the code, message and JSON path of the last failed call
//! on the calling thread.

use crate::status::maestro_status_t;
use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::ptr;

/// Why a call failed, before it becomes a status code and a last error.
pub(crate) enum Failure {
    /// A NULL pointer argument, by parameter name.
    Null(&'static str),
    /// A string argument that is not UTF-8, by parameter name.
    Utf8(&'static str),
    /// An argument unusable for another reason, by parameter name, and why.
    Invalid(&'static str, String),
    /// An error of the core.
    Core(maestro_core::Error),
}

impl From<maestro_core::Error> for Failure {
    fn from(e: maestro_core::Error) -> Self {
        Failure::Core(e)
    }
}

struct LastError {
    code: maestro_status_t,
    message: CString,
    path: Option<CString>,
    oldest_seq: Option<i64>,
    /// Entity kind and id, and for a refused change of state the states from and to.
    about: [Option<CString>; 4],
}

thread_local! {
    static LAST: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

fn c_string(s: String) -> CString {
    CString::new(s.replace('\0', "\\0")).unwrap_or_default()
}

/// The message of `e` followed by its sources: `a: caused by: b: caused by: c`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !out.ends_with(&next) {
            out.push_str(": caused by: ");
            out.push_str(&next);
        }
        source = s.source();
    }
    out
}

pub(crate) fn set(code: maestro_status_t, message: String, path: Option<String>) -> maestro_status_t {
    store(LastError {
        code,
        message: c_string(message),
        path: path.map(c_string),
        oldest_seq: None,
        about: Default::default(),
    })
}

fn store(e: LastError) -> maestro_status_t {
    let code = e.code;
    // `try_with`: during thread teardown the slot may be gone; the code still returns.
    let _ = LAST.try_with(|l| *l.borrow_mut() = Some(e));
    code
}

/// The last error of a core failure: its kind, message, path, feed horizon, entity and states.
fn of_core(e: &maestro_core::Error) -> LastError {
    let text = |s: Option<&str>| s.map(|s| c_string(s.to_owned()));
    let states = e.states();
    LastError {
        code: e.kind().into(),
        message: c_string(chain(e)),
        path: text(e.path()),
        oldest_seq: e.oldest_seq(),
        about: [
            text(e.entity()),
            text(e.entity_id()),
            text(states.map(|s| s.0)),
            text(states.map(|s| s.1)),
        ],
    }
}

pub(crate) fn clear() {
    let _ = LAST.try_with(|l| {
        if l.borrow().is_some() {
            *l.borrow_mut() = None;
        }
    });
}

impl Failure {
    /// Stores the failure as the thread's last error and returns its status code.
    pub(crate) fn record(self) -> maestro_status_t {
        match self {
            Failure::Null(name) => set(
                maestro_status_t::MAESTRO_NULL_ARGUMENT,
                format!("{name} is NULL"),
                Some(name.to_owned()),
            ),
            Failure::Utf8(name) => set(
                maestro_status_t::MAESTRO_INVALID_UTF8,
                format!("{name} is not valid UTF-8"),
                Some(name.to_owned()),
            ),
            Failure::Invalid(name, why) => set(
                maestro_status_t::MAESTRO_INVALID_ARGUMENT,
                format!("{name}: {why}"),
                Some(name.to_owned()),
            ),
            Failure::Core(e) => store(of_core(&e)),
        }
    }
}

/// The status of the last failed call on this thread, or `MAESTRO_OK` when the last call
/// succeeded (every successful call clears the last error).
#[no_mangle]
pub extern "C" fn maestro_last_error_code() -> maestro_status_t {
    LAST.try_with(|l| l.borrow().as_ref().map_or(maestro_status_t::MAESTRO_OK, |e| e.code))
        .unwrap_or(maestro_status_t::MAESTRO_OK)
}

/// The message of the last failed call on this thread, with its "caused by" chain; NULL
/// when there is none. Owned by the library: valid until the next call on this thread
/// to a function other than `maestro_last_error_*`; do not free it.
#[no_mangle]
pub extern "C" fn maestro_last_error_message() -> *const c_char {
    LAST.try_with(|l| l.borrow().as_ref().map_or(ptr::null(), |e| e.message.as_ptr()))
        .unwrap_or(ptr::null())
}

/// The JSON pointer of the offending value inside the input of the last failed call on
/// this thread (`/labels/1`; `/event/metadata/progress` for a rule on a nested argument;
/// `/colour` for an unknown property; `""` for the whole input), whichever check refused
/// it (the schema or the domain rules), or the name of the offending parameter for NULL
/// and UTF-8 errors; NULL when the error has no path. Owned by the
/// library: valid until the next call on this thread to a function other than
/// `maestro_last_error_*`.
#[no_mangle]
pub extern "C" fn maestro_last_error_path() -> *const c_char {
    LAST.try_with(|l| {
        l.borrow()
            .as_ref()
            .and_then(|e| e.path.as_ref())
            .map_or(ptr::null(), |p| p.as_ptr())
    })
    .unwrap_or(ptr::null())
}

/// For a `MAESTRO_PRUNED` failure on this thread, the oldest seq from which the change
/// feed is complete (resume with `maestro_events_since(m, oldest_seq - 1, ...)` after a
/// resync); -1 when the last error is of another kind or there is none.
#[no_mangle]
pub extern "C" fn maestro_last_error_oldest_seq() -> i64 {
    LAST.try_with(|l| l.borrow().as_ref().and_then(|e| e.oldest_seq).unwrap_or(-1))
        .unwrap_or(-1)
}

fn about(i: usize) -> *const c_char {
    LAST.try_with(|l| {
        l.borrow()
            .as_ref()
            .and_then(|e| e.about[i].as_ref())
            .map_or(ptr::null(), |s| s.as_ptr())
    })
    .unwrap_or(ptr::null())
}

/// The kind of entity the last failed call on this thread was about (`"task"`), for
/// `MAESTRO_NOT_FOUND` and `MAESTRO_CONFLICT`; NULL otherwise. Owned by the library, valid
/// as `maestro_last_error_message`'s.
#[no_mangle]
pub extern "C" fn maestro_last_error_entity() -> *const c_char {
    about(0)
}

/// The id of the entity the last failed call on this thread was about, for
/// `MAESTRO_NOT_FOUND` and `MAESTRO_CONFLICT`; NULL otherwise. Owned by the library.
#[no_mangle]
pub extern "C" fn maestro_last_error_id() -> *const c_char {
    about(1)
}

/// For a `MAESTRO_CONFLICT` refusing a change of state on this thread (an illegal
/// transition, a gate not approved, an `expected` state that did not hold), the state the
/// entity is in (`"todo"`, `"requirements"`); NULL otherwise. Owned by the library.
#[no_mangle]
pub extern "C" fn maestro_last_error_from() -> *const c_char {
    about(2)
}

/// For such a conflict, the state asked for (`"completed"`, `"design"`); NULL otherwise.
/// Owned by the library.
#[no_mangle]
pub extern "C" fn maestro_last_error_to() -> *const c_char {
    about(3)
}

/// The last error of this thread as a JSON object, for callers that read it on another
/// thread than the call's (`maestro_call`): `{"status", "code", "message", "path",
/// "oldest_seq", "entity", "id", "from", "to"}`, absent parts as `null`.
pub(crate) fn last_json() -> Option<String> {
    LAST.try_with(|l| {
        l.borrow().as_ref().map(|e| {
            let text = |s: Option<&CString>| s.map(|s| s.to_string_lossy().into_owned());
            serde_json::json!({
                "status": e.code as u32,
                "code": format!("{:?}", e.code),
                "message": e.message.to_string_lossy(),
                "path": text(e.path.as_ref()),
                "oldest_seq": e.oldest_seq,
                "entity": text(e.about[0].as_ref()),
                "id": text(e.about[1].as_ref()),
                "from": text(e.about[2].as_ref()),
                "to": text(e.about[3].as_ref()),
            })
            .to_string()
        })
    })
    .ok()
    .flatten()
}

/// Forgets the last error of this thread.
#[no_mangle]
pub extern "C" fn maestro_clear_error() {
    clear();
}
