//! Extractors of who calls (`caller`) and what a request asks for: paging with its filters (`paging`), cursors
//! (`cursor`), content negotiation (`negotiation`), and query strings judged only after the
//! rights (`deferred`).

pub mod caller;
pub mod cursor;
pub mod deferred;
pub mod negotiation;
pub mod paging;
