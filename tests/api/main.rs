//! The integration suite: one binary, every test against the real HTTP app and a real
//! PostgreSQL database of its own.

mod auth;
mod bench_sql;
mod cli;
mod conventions;
mod demo_seed;
mod health;
mod helpers;
mod hubs;
mod leads;
mod local_authorities;
mod migrations;
mod openapi;
mod projects;
mod schema;
mod schools;
mod sessions;
mod synthetic_seed;
mod teaching_school_hubs;
mod work_groups;
