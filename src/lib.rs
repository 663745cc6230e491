//! The Maths Hubs API: a JSON REST service for England's Maths Hubs programme.
//!
//! Layers, from the top down (each imports only its own and those below it; `tests/layers.rs`
//! checks): `main` and `cli` (the settings), `startup` (the server and its OpenAPI document),
//! `api` (one folder of handlers per resource) with `webhooks` (partner webhooks' delivery,
//! which sends the API's change-feed items), `http` (what every handler shares) and `seed`,
//! `auth`, `accounts`, `school_import` and `notify` (the outbox's delivery), `db` (rows,
//! queries and locks), `error` and `config`, and `domain` (types that hold only valid values,
//! and the rules) with `observability`.

pub mod accounts;
pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod notify;
pub mod observability;
pub mod school_import;
pub mod seed;
pub mod startup;
pub mod webhooks;
