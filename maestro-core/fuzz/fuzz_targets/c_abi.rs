//! The C entry points on raw bytes: an operation name and an input that may be anything
//! (not UTF-8, not JSON, empty), passed as C strings to `maestro_call`, and an event
//! filter to `maestro_events_since` and `maestro_subscription_open`. Every call returns a
//! status; on failure `maestro_call` hands back the error as JSON, and nothing panics
//! across the boundary.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maestro::handle::{maestro_close, maestro_open, maestro_t};
use maestro::ops::events::maestro_events_since;
use maestro::ops::maestro_call;
use maestro::status::maestro_status_t;
use maestro::strings::maestro_string_free;
use maestro::subscription::{maestro_subscription_free, maestro_subscription_open};
use std::ffi::{c_char, CStr, CString};
use std::ptr;

struct Handle(*mut maestro_t);

thread_local! {
    static HANDLE: std::cell::RefCell<(usize, Handle)> = std::cell::RefCell::new((usize::MAX, Handle(ptr::null_mut())));
}

/// `bytes` as a C string: cut at the first NUL, as C would read it.
fn c_string(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).unwrap()
}

const OUTSIDE: &[&[u8]] = &[b"store.", b"checkpoints."];

fuzz_target!(|data: &[u8]| {
    // name \xff input \xff filter
    let mut parts = data.splitn(3, |b| *b == 0xff);
    let op = parts.next().unwrap_or_default();
    let input = parts.next().unwrap_or_default();
    let filter = parts.next();
    if OUTSIDE.iter().any(|p| op.starts_with(p)) {
        return;
    }
    HANDLE.with(|h| {
        let mut h = h.borrow_mut();
        if h.0 >= 10_000 {
            maestro_close(h.1 .0);
            h.1 .0 = ptr::null_mut();
        }
        if h.1 .0.is_null() {
            let path = CString::new(":memory:").unwrap();
            let mut m = ptr::null_mut();
            assert_eq!(
                maestro_open(path.as_ptr(), ptr::null(), &mut m),
                maestro_status_t::MAESTRO_OK
            );
            for (op, input) in maestro_fuzz::SETUP {
                let (op, input) = (CString::new(*op).unwrap(), CString::new(*input).unwrap());
                let mut out: *mut c_char = ptr::null_mut();
                assert_eq!(
                    maestro_call(m, op.as_ptr(), input.as_ptr(), &mut out),
                    maestro_status_t::MAESTRO_OK
                );
                maestro_string_free(out);
            }
            *h = (0, Handle(m));
        }
        h.0 += 1;
        let m = h.1 .0;
        let (op, input) = (c_string(op), c_string(input));
        let mut out: *mut c_char = ptr::null_mut();
        let status = maestro_call(m, op.as_ptr(), input.as_ptr(), &mut out);
        assert!(
            !out.is_null(),
            "maestro_call answers a result or an error, status {status:?}"
        );
        // SAFETY: the library returned a NUL-terminated string it owns until freed.
        let text = unsafe { CStr::from_ptr(out) }
            .to_str()
            .expect("the output is UTF-8")
            .to_owned();
        let answer: serde_json::Value = serde_json::from_str(&text).expect("the output is JSON");
        if status != maestro_status_t::MAESTRO_OK {
            assert_eq!(answer["status"].as_u64(), Some(status as u64), "{text}");
        }
        maestro_string_free(out);
        if let Some(filter) = filter {
            let filter = c_string(filter);
            let mut events: *mut c_char = ptr::null_mut();
            if maestro_events_since(m, 0, filter.as_ptr(), 10, &mut events) == maestro_status_t::MAESTRO_OK {
                maestro_string_free(events);
            }
            let mut sub = ptr::null_mut();
            if maestro_subscription_open(m, filter.as_ptr(), &mut sub) == maestro_status_t::MAESTRO_OK {
                assert_eq!(maestro_subscription_free(sub), maestro_status_t::MAESTRO_OK);
            }
        }
    });
});
