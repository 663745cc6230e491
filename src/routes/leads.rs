//! PLACEHOLDER: being written.

pub fn configure(_config: &mut utoipa_actix_web::service_config::ServiceConfig) {}
