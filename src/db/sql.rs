//! Hand-written SQL with filters added at run time and values bound as parameters.
//!
//! Diesel's `BoxedSqlQuery` refuses the prepared-statement cache; this builder does not, so
//! each distinct shape of a list query is parsed and planned once per connection.

use diesel::QueryResult;
use std::borrow::Cow;

use chrono::{DateTime, Utc};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{
    BigInt, HasSqlType, SingleValue, SqlType, Text, Timestamptz, Untyped, Uuid as SqlUuid,
};

type BoxedBind = Box<dyn QueryFragment<Pg> + Send + Sync>;

enum Part {
    /// Mostly `&'static` text: a list query's fixed parts are not copied per request.
    Sql(Cow<'static, str>),
    /// A bound value, or a Diesel fragment with its own.
    Bind(BoxedBind),
}

/// An SQL statement built from text and bound values, in order. Load rows from it with
/// `diesel_async::RunQueryDsl` into a `QueryableByName` type.
#[derive(Default)]
pub struct SqlBuilder {
    parts: Vec<Part>,
}

impl SqlBuilder {
    pub fn new(sql: impl Into<Cow<'static, str>>) -> Self {
        Self {
            parts: vec![Part::Sql(sql.into())],
        }
    }

    /// Appends SQL text.
    pub fn sql(mut self, sql: impl Into<Cow<'static, str>>) -> Self {
        self.parts.push(Part::Sql(sql.into()));
        self
    }

    /// Appends a bound parameter (`$n`) holding `value`.
    pub fn bind<ST, T>(mut self, value: T) -> Self
    where
        Pg: HasSqlType<ST>,
        ST: SqlType + SingleValue,
        T: AsExpression<ST>,
        T::Expression: QueryFragment<Pg> + Send + Sync + 'static,
    {
        self.parts.push(Part::Bind(Box::new(value.as_expression())));
        self
    }

    /// Appends a statement Diesel built (an insert in a `WITH` clause, say), its values bound
    /// in place.
    pub fn fragment(mut self, fragment: impl QueryFragment<Pg> + Send + Sync + 'static) -> Self {
        self.parts.push(Part::Bind(Box::new(fragment)));
        self
    }

    /// Ends a list query with one page of it: at most `limit` rows after the sort key `after`,
    /// in the order of `columns` (ascending, such as `"wg.code, wg.id"`), so that each page
    /// is read from an index where the last one stopped. The query so far must end in a
    /// `WHERE` clause.
    pub fn page_after<K: SortKey + ?Sized>(
        self,
        columns: &str,
        after: Option<&K>,
        limit: i64,
    ) -> Self {
        self.keyset_page(columns, ">", columns, after, limit)
    }

    /// `page_after` newest first: the page of rows before the sort key `after`, in the
    /// descending order of `columns`.
    pub fn newest_page_after<K: SortKey + ?Sized>(
        self,
        columns: &str,
        after: Option<&K>,
        limit: i64,
    ) -> Self {
        let descending: Vec<String> = columns.split(", ").map(|c| format!("{c} DESC")).collect();
        self.keyset_page(columns, "<", &descending.join(", "), after, limit)
    }

    fn keyset_page<K: SortKey + ?Sized>(
        self,
        columns: &str,
        beyond: &str,
        order: &str,
        after: Option<&K>,
        limit: i64,
    ) -> Self {
        let query = match after {
            Some(after) => after
                .bind_parts(self.sql(format!(" AND ({columns}) {beyond} (")))
                .sql(")"),
            None => self,
        };
        query
            .sql(format!(" ORDER BY {order} LIMIT "))
            .bind::<BigInt, _>(limit)
    }

    /// The SQL text with `$n` placeholders, as PostgreSQL receives it.
    pub fn to_sql(&self) -> String {
        diesel::debug_query::<Pg, _>(self)
            .to_string()
            .split(" -- binds:")
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

/// A list's sort key, bound as the values of its columns, in their order.
pub trait SortKey {
    fn bind_parts(&self, query: SqlBuilder) -> SqlBuilder;
}

impl SortKey for str {
    fn bind_parts(&self, query: SqlBuilder) -> SqlBuilder {
        query.bind::<Text, _>(self.to_owned())
    }
}

impl SortKey for String {
    fn bind_parts(&self, query: SqlBuilder) -> SqlBuilder {
        self.as_str().bind_parts(query)
    }
}

impl SortKey for uuid::Uuid {
    fn bind_parts(&self, query: SqlBuilder) -> SqlBuilder {
        query.bind::<SqlUuid, _>(*self)
    }
}

impl SortKey for DateTime<Utc> {
    fn bind_parts(&self, query: SqlBuilder) -> SqlBuilder {
        query.bind::<Timestamptz, _>(*self)
    }
}

impl<A: SortKey, B: SortKey> SortKey for (A, B) {
    fn bind_parts(&self, query: SqlBuilder) -> SqlBuilder {
        self.1.bind_parts(self.0.bind_parts(query).sql(", "))
    }
}

impl QueryFragment<Pg> for SqlBuilder {
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        for part in &self.parts {
            match part {
                Part::Sql(sql) => pass.push_sql(sql),
                Part::Bind(bind) => bind.walk_ast(pass.reborrow())?,
            }
        }
        Ok(())
    }
}

impl QueryId for SqlBuilder {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for SqlBuilder {
    type SqlType = Untyped;
}

impl<Conn> diesel::RunQueryDsl<Conn> for SqlBuilder {}

/// A `FROM` item that lets the statement's own (implicit) transaction commit without waiting
/// for its WAL to reach the disk: `SET LOCAL synchronous_commit = off` for one statement.
/// Only for bookkeeping whose loss in a crash is harmless and that a later durable commit
/// would flush anyway (WAL is flushed in order), such as counting an attempt before the
/// request's own transaction.
pub const NO_FLUSH_WAIT: &str =
    "(SELECT set_config('synchronous_commit', 'off', true)) AS no_flush_wait";

/// A wrapper around a query that runs as that query: the same rows, and a prepared
/// statement keyed by its text, not its type (one wrapper type may hold many statements).
macro_rules! runs_as_wrapped_query {
    ($wrapper:ident) => {
        impl<Q> QueryId for $wrapper<Q> {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }

        impl<Q: Query> Query for $wrapper<Q> {
            type SqlType = Q::SqlType;
        }

        impl<Q, Conn> diesel::RunQueryDsl<Conn> for $wrapper<Q> {}
    };
}

/// A statement of one fixed shape, prepared once per connection and reused.
///
/// Diesel keeps every `UPDATE`, and every `INSERT` whose values may be `DEFAULT`, out of the
/// prepared-statement cache, because their text can change with their values; each run then
/// costs PostgreSQL a parse and a plan and the server one more round trip. The cache is keyed
/// by the statement's text, so wrap only statements whose text is the same on every call (a
/// changeset without skipped fields): hot paths such as the enrolment engine's.
pub fn reused<Q>(query: Q) -> Reused<Q> {
    Reused(query)
}

pub struct Reused<Q>(Q);

runs_as_wrapped_query!(Reused);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Reused<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

/// `query FOR NO KEY UPDATE OF table`: locks the rows one table of a join contributes and
/// reads the others, in one statement. Diesel's own `for_no_key_update` locks every table
/// joined, which on a work group joined to its project would queue every other group of
/// the project behind this one.
pub fn for_no_key_update_of<Q>(query: Q, table: &'static str) -> LockingRowsOf<Q> {
    LockingRowsOf { query, table }
}

pub struct LockingRowsOf<Q> {
    query: Q,
    table: &'static str,
}

runs_as_wrapped_query!(LockingRowsOf);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for LockingRowsOf<Q> {
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.query.walk_ast(pass.reborrow())?;
        pass.push_sql(" FOR NO KEY UPDATE OF ");
        pass.push_identifier(self.table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::sql_types::{BigInt, Text};

    #[test]
    fn placeholders_are_numbered_in_order() {
        let query = SqlBuilder::new("SELECT 1 WHERE a = ")
            .bind::<Text, _>("x".to_owned())
            .sql(" AND b < ")
            .bind::<BigInt, _>(5_i64);
        assert_eq!(query.to_sql(), "SELECT 1 WHERE a = $1 AND b < $2");
    }
}
