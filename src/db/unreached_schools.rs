//! The schools of a hub's area a hub works from to reach those "not yet involved": the open
//! schools of the authorities it covers now that have not signed up (an enrolment from the
//! school accepted, with any hub, as the reach report counts) since a given academic year, or
//! ever, each with the last year they did.

use diesel::QueryableByName;
use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schools::{SchoolRow, of_authority_and_phase, school_columns};
use crate::db::sql::SqlBuilder;
use crate::domain::{AcademicYear, GssCode, SchoolPhase};

#[derive(Debug, QueryableByName)]
pub struct UnreachedSchoolRow {
    #[diesel(embed)]
    pub school: SchoolRow,
    /// The last academic year the school signed up in; `None`: never.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_signed_up: Option<String>,
}

#[derive(Debug)]
pub struct UnreachedFilter {
    pub hub_id: Uuid,
    /// Schools that have not signed up in this academic year or any later one; `None`: never.
    pub since: Option<AcademicYear>,
    /// Schools whose authority or district this is.
    pub local_authority: Option<GssCode>,
    pub phase: Option<SchoolPhase>,
}

/// One page in URN order, after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &UnreachedFilter,
    after: Option<&str>,
    limit: i64,
) -> diesel::QueryResult<Vec<UnreachedSchoolRow>> {
    filtered(filter)
        .page_after("s.urn", after, limit)
        .load(conn)
        .await
}

/// Every school `filter` selects, in URN order.
pub async fn all(
    conn: &mut AsyncPgConnection,
    filter: &UnreachedFilter,
) -> diesel::QueryResult<Vec<UnreachedSchoolRow>> {
    filtered(filter).sql(" ORDER BY s.urn").load(conn).await
}

fn filtered(filter: &UnreachedFilter) -> SqlBuilder {
    let query = SqlBuilder::new(concat!(
        "SELECT ",
        school_columns!(),
        ", last.academic_year AS last_signed_up
           FROM hub_local_authorities c
           JOIN schools s ON s.la_code = c.la_code
           JOIN local_authorities la ON la.gss_code = s.la_code
           LEFT JOIN local_authorities district ON district.gss_code = s.district_code
           LEFT JOIN LATERAL (
               SELECT max(w.academic_year) AS academic_year
                 FROM enrolments e JOIN work_groups w ON w.id = e.work_group_id
                WHERE e.school_urn = s.urn AND e.accepted_at IS NOT NULL) last ON true
          WHERE c.covered_until IS NULL AND s.status = 'open' AND c.hub_id = "
    ))
    .bind::<SqlUuid, _>(filter.hub_id);
    let query = match &filter.since {
        Some(since) => query
            .sql(" AND (last.academic_year IS NULL OR last.academic_year < ")
            .bind::<Text, _>(since.as_str().to_owned())
            .sql(")"),
        None => query.sql(" AND last.academic_year IS NULL"),
    };
    of_authority_and_phase(query, filter.local_authority.as_ref(), filter.phase)
}
