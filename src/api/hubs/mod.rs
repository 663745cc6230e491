//! The 40 Maths Hubs: the directory, its changes, and which local authorities each covers.

pub mod covers;
pub mod not_reached;
pub mod read;
pub mod write;

/// Registers the resource's operations.
pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    read::configure(config);
    write::configure(config);
    covers::configure(config);
    config.service(not_reached::list_schools_not_reached);
}
