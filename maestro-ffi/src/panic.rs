//! The one boundary every exported function runs inside.

/// Runs `$body` (a block returning `Result<(), Failure>`) under `catch_unwind`: success
/// clears the thread's last error and returns `MAESTRO_OK`; a failure or a caught panic
/// becomes the last error and its status code. Nothing unwinds into the host.
macro_rules! ffi_boundary {
    ($body:block) => {{
        let run = || -> ::std::result::Result<(), $crate::error::Failure> { $body };
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(run)) {
            Ok(Ok(())) => {
                $crate::error::clear();
                $crate::status::maestro_status_t::MAESTRO_OK
            }
            Ok(Err(failure)) => failure.record(),
            Err(payload) => $crate::panic::caught(payload),
        }
    }};
}

/// Records a caught panic as the last error.
pub(crate) fn caught(payload: Box<dyn std::any::Any + Send>) -> crate::status::maestro_status_t {
    crate::error::set(
        crate::status::maestro_status_t::MAESTRO_PANIC,
        maestro_core::Error::from_panic(&*payload).to_string(),
        None,
    )
}
