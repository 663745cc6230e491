//! The HTTP API, one module per resource: each parses its input, authorises the caller, calls
//! its queries in `db/` and renders rows as views. A resource registers its own operations
//! (and so its paths in the OpenAPI document) in its `configure`.

pub mod attendance;
pub mod audit;
pub mod auth;
pub mod calendars;
pub mod change_feed;
pub mod enrolments;
pub mod fees;
pub mod health;
pub mod hubs;
pub mod leads;
pub mod local_authorities;
pub mod me;
pub mod messages;
pub mod metrics;
pub mod partners;
pub mod passwords;
pub mod personal_data;
pub mod projects;
pub mod reach;
pub mod reference_data;
pub mod refs;
pub mod schools;
pub mod sessions;
pub mod signposting;
pub mod strategic_partners;
pub mod teaching_school_hubs;
pub mod users;
pub mod webhooks;
pub mod work_groups;

use actix_web::middleware::from_fn;
use utoipa_actix_web::scope;

use crate::http::middleware::etag;

/// Every route of the service: the probes and metrics at the root and the API under `/api/v1`.
pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .configure(health::configure)
        .configure(metrics::configure)
        .service(
            scope("/api/v1")
                .wrap(from_fn(etag::entity_tags))
                .configure(configure_api),
        );
}

/// Registers every `/api/v1` resource.
fn configure_api(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    local_authorities::configure(config);
    hubs::configure(config);
    strategic_partners::configure(config);
    teaching_school_hubs::configure(config);
    schools::configure(config);
    projects::configure(config);
    work_groups::configure(config);
    leads::configure(config);
    auth::configure(config);
    passwords::configure(config);
    me::configure(config);
    personal_data::configure(config);
    users::configure(config);
    partners::configure(config);
    enrolments::configure(config);
    sessions::configure(config);
    attendance::configure(config);
    fees::configure(config);
    audit::configure(config);
    messages::configure(config);
    calendars::configure(config);
    signposting::configure(config);
    change_feed::configure(config);
    webhooks::configure(config);
    reach::configure(config);
}
