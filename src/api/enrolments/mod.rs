//! Enrolments: a work group's list and register, a participant's own, and the engine's writes (expressing interest, accepting, declining, withdrawing, promoting).

pub mod access;
pub mod agreement;
pub mod read;
pub mod register;
pub mod write;

/// Registers the resource's operations.
pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    read::configure(config);
    write::configure(config);
    config.service(agreement::record_senior_leader_agreement);
}
