//! Schools by DfE URN, with the local authority and district they sit in.

use diesel::sql_types::{Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::like_pattern;
use crate::db::sql::SqlBuilder;
use crate::domain::{GssCode, SchoolPhase, SchoolStatus, Urn};

#[derive(Debug, diesel::prelude::QueryableByName)]
pub struct SchoolRow {
    #[diesel(sql_type = Text)]
    pub urn: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub phase: SchoolPhase,
    #[diesel(sql_type = Text)]
    pub status: SchoolStatus,
    #[diesel(sql_type = Text)]
    pub la_code: String,
    #[diesel(sql_type = Text)]
    pub la_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub district_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub district_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub postcode: Option<String>,
}

/// The columns of a `SchoolRow`, for a school `s` in the authority `la` and the district
/// `district`; a macro, so that queries can be put together from it at compile time.
macro_rules! school_columns {
    () => {
        "s.urn, s.name, s.phase, s.status, s.la_code, la.name AS la_name,
         s.district_code, district.name AS district_name, s.postcode"
    };
}
pub(crate) use school_columns;

const SELECT: &str = concat!(
    "SELECT ",
    school_columns!(),
    "
  FROM schools s
  JOIN local_authorities la ON la.gss_code = s.la_code
  LEFT JOIN local_authorities district ON district.gss_code = s.district_code"
);

#[derive(Debug, Default)]
pub struct SchoolFilter {
    pub q: Option<String>,
    /// Schools whose authority or district this is.
    pub local_authority: Option<GssCode>,
    pub phase: Option<SchoolPhase>,
    pub status: Option<SchoolStatus>,
}

/// `query` narrowed to the schools `s` of the authority or district `local_authority` and of
/// `phase`, where given: the filters every list of schools takes.
pub fn of_authority_and_phase(
    mut query: SqlBuilder,
    local_authority: Option<&GssCode>,
    phase: Option<SchoolPhase>,
) -> SqlBuilder {
    if let Some(code) = local_authority {
        // Two indexed equalities rather than `IN`, so each can use its own index.
        query = query
            .sql(" AND (s.la_code = ")
            .bind::<Text, _>(code.as_str().to_owned())
            .sql(" OR s.district_code = ")
            .bind::<Text, _>(code.as_str().to_owned())
            .sql(")");
    }
    if let Some(phase) = phase {
        query = query.sql(" AND s.phase = ").bind::<Text, _>(phase.as_str());
    }
    query
}

/// One page in URN order, after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &SchoolFilter,
    after: Option<&str>,
    limit: i64,
) -> diesel::QueryResult<Vec<SchoolRow>> {
    let mut query = SqlBuilder::new(SELECT).sql(" WHERE TRUE");
    if let Some(q) = &filter.q {
        query = query
            .sql(" AND s.name ILIKE ")
            .bind::<Text, _>(like_pattern(q));
    }
    query = of_authority_and_phase(query, filter.local_authority.as_ref(), filter.phase);
    if let Some(status) = filter.status {
        query = query
            .sql(" AND s.status = ")
            .bind::<Text, _>(status.as_str());
    }
    query.page_after("s.urn", after, limit).load(conn).await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    urn: &Urn,
) -> diesel::QueryResult<Option<SchoolRow>> {
    let query = SqlBuilder::new(SELECT)
        .sql(" WHERE s.urn = ")
        .bind::<Text, _>(urn.as_str().to_owned());
    let rows: Vec<SchoolRow> = query.load(conn).await?;
    Ok(rows.into_iter().next())
}
