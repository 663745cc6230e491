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
mod hub_covers;
mod hub_writes;
mod hubs;
mod joining_links;
mod leads;
mod local_authorities;
mod local_authority_writes;
mod me;
mod migrations;
mod openapi;
mod partners;
mod projects;
mod rights;
mod schema;
mod schools;
mod session_writes;
mod sessions;
mod strategic_partners;
mod synthetic_seed;
mod teaching_school_hub_writes;
mod teaching_school_hubs;
mod tokens;
mod users;
mod work_group_writes;
mod work_groups;
