//! Everything that talks to PostgreSQL: the schema, the connection pool, migrations, the
//! embedded cluster for development and tests, and one module of queries per resource.

pub mod account_tokens;
pub mod attendance;
pub mod audit;
pub mod calendar_feeds;
pub mod change_feed;
pub mod completion;
pub mod embedded;
pub mod enrolment_writes;
pub mod enrolments;
pub mod erasure;
pub mod fees;
pub mod housekeeping;
pub mod hub_covers;
pub mod hub_writes;
pub mod hubs;
pub mod idempotency_keys;
pub mod json;
pub mod lead_writes;
pub mod leads;
pub mod local_authorities;
pub mod local_authority_writes;
pub mod lookups;
pub mod migrate;
pub mod outbox;
pub mod participation;
pub mod partner_clients;
mod pool;
pub mod project_writes;
pub mod projects;
pub mod provision;
pub mod rate_limits;
pub mod reach;
pub mod reference_data;
pub mod refresh_tokens;
pub mod retention;
pub mod schema;
pub mod school_contacts;
pub mod school_writes;
pub mod schools;
pub mod sessions;
pub mod signposting;
pub mod sql;
pub mod status_clock;
pub mod strategic_partners;
pub mod subject_access;
pub mod teaching_school_hub_writes;
pub mod teaching_school_hubs;
pub mod unreached_schools;
pub mod users;
pub mod webhooks;
pub mod work_group_writes;
pub mod work_groups;

pub use pool::{DbConn, DbPool, PoolError, PoolSettings, build_pool};

/// Appends `(id of the hub currently covering the authority)`, a district being covered
/// through its county: "find your hub". NULL, so matching nothing, where no hub is recorded.
pub fn hub_covering(query: sql::SqlBuilder, authority: &crate::domain::GssCode) -> sql::SqlBuilder {
    query
        .sql(
            "(SELECT cover.hub_id FROM local_authorities la \
               JOIN hub_local_authorities cover \
                 ON cover.la_code = coalesce(la.parent_gss_code, la.gss_code) AND cover.covered_until IS NULL \
              WHERE la.gss_code = ",
        )
        .bind::<diesel::sql_types::Text, _>(authority.as_str().to_owned())
        .sql(")")
}

/// A case-insensitive "contains" pattern for `ILIKE`, with the caller's `%`, `_` and backslash
/// taken literally.
pub fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(super::like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
