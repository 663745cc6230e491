//! What runs around the handlers: entity tags and `If-Match` (`etag`), `Idempotency-Key`
//! (`idempotency`), body limits and JSON bodies (`json_bodies`), the request's scope
//! (`request_scope`), and the answers to unknown routes and methods (`unknown`).

pub mod etag;
pub mod idempotency;
pub mod json_bodies;
pub mod request_scope;
pub mod unknown;
