//! The integration suite: one binary, every test against the real HTTP app and a real
//! PostgreSQL database of its own.

mod health;
mod helpers;
mod local_authorities;
mod migrations;
