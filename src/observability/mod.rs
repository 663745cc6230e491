//! What the service tells its operators about itself: a request id for every request (echoed
//! in `X-Request-Id`, in problem bodies and in log lines), Prometheus metrics, and whether the
//! process is live (`/healthz`).
//!
//! Both ride on one task-local, [`scope::RequestScope`], set by the middleware around every
//! request (`http::middleware::request_scope`): whatever runs while the request is handled, an error
//! being rendered or a log line being written, finds its request there without being handed
//! it.

pub mod liveness;
pub mod log_format;
pub mod metrics;
pub mod request_id;
pub mod scope;

pub use liveness::Liveness;
pub use metrics::Metrics;
pub use request_id::RequestId;
