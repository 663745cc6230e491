//! England's local authorities (reference data): the list and its changes.

pub mod read;
pub mod write;

/// Registers the resource's operations.
pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    read::configure(config);
    write::configure(config);
}
