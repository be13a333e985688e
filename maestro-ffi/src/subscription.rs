//! Pushing committed events to a host callback.

use crate::error::Failure;
use crate::handle::{handle, maestro_t};
use crate::status::maestro_status_t;
use crate::strings::{opt_arg, out_ptr};
use maestro_core::feed::Wait;
use maestro_core::schema::limits;
use maestro_core::{api, EventFilter};
use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Receives one committed event as JSON (`schemas/event.schema.json`). `event_json` is
/// owned by the library and valid only during the call; copy it to keep it.
pub type maestro_event_callback = Option<unsafe extern "C" fn(user_data: *mut c_void, event_json: *const c_char)>;

/// A live subscription: a library thread calling the callback for each matching event.
/// Lifetime: from `maestro_events_subscribe` until `maestro_subscription_free`.
pub struct maestro_subscription_t {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// The host's pointer, handed back untouched to its callback on the library thread.
struct UserData(*mut c_void);
// SAFETY: the library never dereferences it; the host promises (in the header) that its
// callback may be called with it from another thread.
unsafe impl Send for UserData {}

/// How often the delivery thread checks whether it was asked to stop.
const POLL: Duration = Duration::from_millis(20);

/// Calls `callback(user_data, event_json)` for every event matching `filter_json` (NULL:
/// every event; otherwise an EventFilter such as `{"entities": ["task"]}`) committed
/// through this handle from now on, in commit order. Events written by other handles or
/// processes are not pushed: poll them with `maestro_events_since`.
///
/// The callback runs on a library thread, never on the caller's, one event at a time; it
/// must not call `maestro_subscription_free` on its own subscription. On success
/// `*subscription_out` receives a subscription owned by the caller, released with
/// `maestro_subscription_free`, which stops delivery.
#[no_mangle]
pub extern "C" fn maestro_events_subscribe(
    maestro: *const maestro_t,
    filter_json: *const c_char,
    callback: maestro_event_callback,
    user_data: *mut c_void,
    subscription_out: *mut *mut maestro_subscription_t,
) -> maestro_status_t {
    ffi_boundary!({
        let m = unsafe { handle(maestro) }?;
        let filter = unsafe { opt_arg(filter_json, "filter_json") }?;
        let callback = callback.ok_or(Failure::Null("callback"))?;
        out_ptr(subscription_out, "subscription_out")?;
        let filter: EventFilter = match filter {
            Some(text) => {
                let filter = limits::parse("input", text).map_err(|e| e.within("/filter"))?;
                let input = serde_json::json!({ "filter": filter });
                api::validate("events.subscribe", &input)?;
                serde_json::from_value(input["filter"].clone())
                    .map_err(|e| maestro_core::Error::validation("input", "/filter", e.to_string()))?
            }
            None => EventFilter::default(),
        };
        let sub = m.events().subscribe(filter)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let user = UserData(user_data);
        let thread = std::thread::Builder::new()
            .name("maestro-subscription".into())
            .spawn(move || {
                let user = user;
                while !flag.load(Ordering::Acquire) {
                    match sub.wait(POLL) {
                        Wait::Event(e) => {
                            let Ok(json) = serde_json::to_string(&e) else { continue };
                            let Ok(json) = CString::new(json) else { continue };
                            if !flag.load(Ordering::Acquire) {
                                unsafe { callback(user.0, json.as_ptr()) };
                            }
                        }
                        Wait::Timeout => {}
                        Wait::Closed => break,
                    }
                }
            })
            .map_err(|e| maestro_core::Error::Internal(format!("cannot start the subscription thread: {e}")))?;
        let s = Box::new(maestro_subscription_t {
            stop,
            thread: Some(thread),
        });
        unsafe { *subscription_out = Box::into_raw(s) };
        Ok(())
    })
}

/// Stops a subscription and frees it; when it returns, the callback is not running and
/// will not be called again. NULL is a no-op. Must not be called from the callback itself.
#[no_mangle]
pub extern "C" fn maestro_subscription_free(subscription: *mut maestro_subscription_t) {
    if subscription.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut s = unsafe { Box::from_raw(subscription) };
        s.stop.store(true, Ordering::Release);
        if let Some(t) = s.thread.take() {
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }));
}
