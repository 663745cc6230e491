//! Everything that talks to PostgreSQL: the schema, the connection pool, migrations, the
//! embedded cluster for development and tests, and one module of queries per resource.

pub mod embedded;
pub mod hubs;
pub mod leads;
pub mod local_authorities;
pub mod migrate;
pub mod projects;
pub mod provision;
mod pool;
pub mod schema;
pub mod schools;
pub mod sessions;
pub mod sql;
pub mod teaching_school_hubs;
pub mod work_groups;

pub use pool::{DbConn, DbPool, PoolError, PoolSettings, build_pool};

/// A case-insensitive "contains" pattern for `ILIKE`, with the caller's `%`, `_` and backslash
/// taken literally.
pub fn like_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(super::like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
