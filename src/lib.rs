//! The Maths Hubs API: a JSON REST service for England's Maths Hubs programme.
//!
//! Layers: `routes` (HTTP), `db` (rows and queries), `domain` (validated types and rules),
//! one `error` type, `observability` (request ids and metrics), and `openapi` for the document. `startup` builds the server and `cli`
//! reads the settings.

pub mod accounts;
pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod observability;
pub mod school_import;
pub mod seed;
pub mod startup;
