//! Pushing committed events to a host callback.

use crate::error::Failure;
use crate::handle::{handle, maestro_t};
use crate::status::maestro_status_t;
use crate::strings::{opt_arg, out_ptr};
use maestro_core::feed::Wait;
use maestro_core::{api, EventFilter};
use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Receives one committed event as JSON (`schemas/event.schema.json`). `event_json` is
/// owned by the library and valid only during the call; copy it to keep it. Runs on a
/// library thread; must not unwind (no C++ exception may leave it).
pub type maestro_event_callback = Option<unsafe extern "C" fn(user_data: *mut c_void, event_json: *const c_char)>;

/// A live subscription. Pushed (`maestro_events_subscribe`): a library thread calling the
/// callback for each matching event. Pulled (`maestro_subscription_open`): events wait
/// until the host takes them with `maestro_subscription_next`. Lifetime: until
/// `maestro_subscription_free`.
pub struct maestro_subscription_t(Form);

/// How a subscription's events reach the host.
enum Form {
    /// Its delivery state and the library thread calling the callback.
    Pushed {
        delivery: Arc<Delivery>,
        thread: JoinHandle<()>,
    },
    /// The events waiting to be taken.
    Pulled(Mutex<maestro_core::Subscription>),
}

/// What the delivery thread and whoever stops it share: a stop flag, and a lock held
/// around each callback so that stopping can wait for the one in flight.
#[derive(Default)]
pub(crate) struct Delivery {
    stopped: AtomicBool,
    calling: Mutex<()>,
}

impl Delivery {
    /// Stops delivery; when it returns no callback is running and none will start.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        drop(self.calling.lock().unwrap_or_else(|p| p.into_inner()));
    }

    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }
}

/// The host's pointer, handed back untouched to its callback on the library thread.
struct UserData(*mut c_void);
// SAFETY: the library never dereferences it; the header tells the host its callback is
// called with it from a library thread.
unsafe impl Send for UserData {}

/// How often the delivery thread checks whether it was asked to stop.
const POLL: Duration = Duration::from_millis(20);

/// Calls `callback(user_data, event_json)` for every event matching `filter_json` (NULL:
/// every event; otherwise an EventFilter such as `{"entities": ["task"]}`, errors under
/// `/filter`) committed from now on, in commit order. On a SQLite file, only events
/// committed through this handle are pushed (poll other handles' and processes' with
/// `maestro_events_since`); on a PostgreSQL store, those of every handle, process and
/// host are, read from the feed shortly after they commit.
///
/// The callback runs on one library thread, never on the caller's, one event at a time.
/// It may call into the library with this handle, but must not free its own
/// subscription or close the handle. Undelivered events wait in an unbounded queue, so a
/// slow callback makes memory grow. `user_data` must stay valid until
/// `maestro_subscription_free` (or `maestro_close`) returns.
///
/// On success `*subscription_out` receives a subscription owned by the caller, released
/// with `maestro_subscription_free`. Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_events_subscribe(
    maestro: *const maestro_t,
    filter_json: *const c_char,
    callback: maestro_event_callback,
    user_data: *mut c_void,
    subscription_out: *mut *mut maestro_subscription_t,
) -> maestro_status_t {
    ffi_boundary!({
        let h = unsafe { handle(maestro) }?;
        let filter = unsafe { opt_arg(filter_json, "filter_json") }?;
        let callback = callback.ok_or(Failure::Null("callback"))?;
        out_ptr(subscription_out, "subscription_out")?;
        let filter = match filter {
            Some(text) => api::event_filter(text)?,
            None => EventFilter::default(),
        };
        let sub = h.inner.events().subscribe(filter)?;
        let delivery = Arc::new(Delivery::default());
        let shared = Arc::clone(&delivery);
        let user = UserData(user_data);
        let thread = std::thread::Builder::new()
            .name("maestro-subscription".into())
            .spawn(move || {
                let user = user;
                while !shared.stopped() {
                    match sub.wait(POLL) {
                        Wait::Event(e) => {
                            // An event is plain data: encoding it cannot fail.
                            let json = serde_json::to_string(&e).unwrap_or_default();
                            let json = CString::new(json).unwrap_or_default();
                            let _calling = shared.calling.lock().unwrap_or_else(|p| p.into_inner());
                            if shared.stopped() {
                                break;
                            }
                            unsafe { callback(user.0, json.as_ptr()) };
                        }
                        Wait::Timeout => {}
                        Wait::Closed => break,
                    }
                }
            })
            .map_err(|e| maestro_core::Error::Internal(format!("cannot start the subscription thread: {e}")))?;
        h.subscriptions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Arc::downgrade(&delivery));
        let s = Box::new(maestro_subscription_t(Form::Pushed { delivery, thread }));
        unsafe { *subscription_out = Box::into_raw(s) };
        Ok(())
    })
}

/// Opens a pulled subscription: every event matching `filter_json` (as for
/// `maestro_events_subscribe`) committed from now on waits, in commit order, until the host
/// takes it with `maestro_subscription_next`. No library thread calls into the host: this
/// is the subscription for event-loop hosts (Node, an `epoll` loop) and for hosts whose
/// threads may end at any time. Undelivered events wait in an unbounded queue.
///
/// On success `*subscription_out` receives a subscription owned by the caller, released
/// with `maestro_subscription_free`. Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_subscription_open(
    maestro: *const maestro_t,
    filter_json: *const c_char,
    subscription_out: *mut *mut maestro_subscription_t,
) -> maestro_status_t {
    ffi_boundary!({
        let h = unsafe { handle(maestro) }?;
        let filter = unsafe { opt_arg(filter_json, "filter_json") }?;
        out_ptr(subscription_out, "subscription_out")?;
        let filter = match filter {
            Some(text) => api::event_filter(text)?,
            None => EventFilter::default(),
        };
        let sub = h.inner.events().subscribe(filter)?;
        let s = Box::new(maestro_subscription_t(Form::Pulled(Mutex::new(sub))));
        unsafe { *subscription_out = Box::into_raw(s) };
        Ok(())
    })
}

/// Takes the next event of a pulled subscription (`maestro_subscription_open`), waiting up
/// to `timeout_ms` milliseconds for one (0: only looks). On `MAESTRO_OK`, `*json_out`
/// receives the event as JSON (free with `maestro_string_free`), or NULL when none came in
/// time. `MAESTRO_INVALID_ARGUMENT` when the subscription has ended (its handle was
/// closed: no event will come) or is a pushed one. Thread-safe: concurrent calls take
/// events one at a time.
#[no_mangle]
pub extern "C" fn maestro_subscription_next(
    subscription: *const maestro_subscription_t,
    timeout_ms: u32,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({
        let s = unsafe { subscription.as_ref() }.ok_or(Failure::Null("subscription"))?;
        out_ptr(json_out, "json_out")?;
        let maestro_subscription_t(Form::Pulled(pulled)) = s else {
            return Err(Failure::Invalid(
                "subscription",
                "a pushed subscription (maestro_events_subscribe) calls its callback; only one opened with maestro_subscription_open is pulled".into(),
            ));
        };
        let sub = pulled.lock().unwrap_or_else(|p| p.into_inner());
        match sub.wait(Duration::from_millis(timeout_ms.into())) {
            Wait::Event(e) => {
                let json = serde_json::to_string(&e).map_err(|e| maestro_core::Error::Internal(e.to_string()))?;
                unsafe { crate::strings::give(json_out, json) }
            }
            Wait::Timeout => {
                unsafe { *json_out = std::ptr::null_mut() };
                Ok(())
            }
            Wait::Closed => Err(Failure::Invalid(
                "subscription",
                "the subscription has ended: its handle was closed".into(),
            )),
        }
    })
}

/// Stops a subscription and frees it; `MAESTRO_OK`, and NULL is a no-op. For a pushed
/// subscription it blocks until a callback in flight returns, so the caller must not hold
/// a lock that callback waits for; when it returns, the callback is not running and will
/// not be called again. Called from the subscription's own callback it frees nothing and
/// answers `MAESTRO_INVALID_ARGUMENT` (it would wait for itself): free it from another
/// thread. Callable from any other thread, before or after `maestro_close`.
#[no_mangle]
pub extern "C" fn maestro_subscription_free(subscription: *mut maestro_subscription_t) -> maestro_status_t {
    ffi_boundary!({
        if subscription.is_null() {
            return Ok(());
        }
        if let maestro_subscription_t(Form::Pushed { thread, .. }) = unsafe { &*subscription } {
            if thread.thread().id() == std::thread::current().id() {
                return Err(Failure::Invalid(
                    "subscription",
                    "a subscription cannot be freed from its own callback (it would wait for itself); free it from another thread".into(),
                ));
            }
        }
        if let maestro_subscription_t(Form::Pushed { delivery, thread }) = *unsafe { Box::from_raw(subscription) } {
            delivery.stop();
            let _ = thread.join();
        }
        Ok(())
    })
}
