//! The integration suite: one binary, every test against the real HTTP app and a real
//! PostgreSQL database of its own.

mod audit;
mod auth;
mod bench_sql;
mod cli;
mod conventions;
mod demo_seed;
mod health;
mod helpers;
mod housekeeping;
mod hubs;
mod joining_links;
mod leads;
mod local_authorities;
mod me;
mod migrations;
mod openapi;
mod partners;
mod projects;
mod rights;
mod schema;
mod school_import;
mod school_writes;
mod schools;
mod session_writes;
mod sessions;
mod synthetic_seed;
mod teaching_school_hubs;
mod tokens;
mod users;
mod work_group_writes;
mod work_groups;
