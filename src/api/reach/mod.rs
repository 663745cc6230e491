//! The reach report: how many schools and teachers each hub's offer reached, as JSON or as a
//! table for spreadsheets.

pub mod read;
pub mod table;
pub mod views;

/// Registers the resource's operations.
pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    read::configure(config);
}
