//! The request being handled, as a task-local: set around each request by
//! `http::middleware::request_scope`, read where its id or its metrics are wanted deep down (problem
//! bodies, log lines, the mapping of database errors) without threading them through every
//! signature. Outside a request (start-up, background jobs, the command line) there is none.

use actix_web::web;

use super::{Metrics, RequestId};

/// What code running for a request may want of it.
pub struct RequestScope {
    pub id: RequestId,
    pub metrics: web::Data<Metrics>,
}

tokio::task_local! {
    pub static CURRENT: RequestScope;
}

/// The id of the request being handled, if any.
pub fn request_id() -> Option<RequestId> {
    CURRENT.try_with(|scope| scope.id.clone()).ok()
}

/// Counts something in the metrics of the server handling the current request; outside a
/// request, nothing.
pub fn count(record: impl FnOnce(&Metrics)) {
    let _ = CURRENT.try_with(|scope| record(&scope.metrics));
}
