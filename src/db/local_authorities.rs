//! Local authorities: England's counties, districts, unitaries and boroughs, each with the
//! Maths Hub that covers it (a district through its county).

use diesel::sql_types::{Nullable, Text, Timestamptz, Uuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::like_pattern;
use crate::db::sql::SqlBuilder;
use crate::domain::{GssCode, LaKind};

#[derive(Debug, diesel::prelude::QueryableByName)]
pub struct LocalAuthorityRow {
    #[diesel(sql_type = Text)]
    pub gss_code: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub la_number: Option<String>,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub kind: LaKind,
    #[diesel(sql_type = Text)]
    pub region: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub parent_gss_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub parent_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub hub_slug: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub hub_name: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub retired_at: Option<chrono::DateTime<chrono::Utc>>,
}

const SELECT: &str = "\
SELECT la.gss_code, la.la_number, la.name, la.kind, la.region, la.parent_gss_code,
       parent.name AS parent_name, hub.slug AS hub_slug, hub.name AS hub_name, la.retired_at
  FROM local_authorities la
  LEFT JOIN local_authorities parent ON parent.gss_code = la.parent_gss_code
  LEFT JOIN hub_local_authorities cover
         ON cover.la_code = coalesce(la.parent_gss_code, la.gss_code) AND cover.covered_until IS NULL
  LEFT JOIN hubs hub ON hub.id = cover.hub_id";

#[derive(Debug, Default)]
pub struct LocalAuthorityFilter {
    pub kind: Option<LaKind>,
    pub region: Option<String>,
    pub parent: Option<GssCode>,
    pub q: Option<String>,
}

/// One page in GSS code order, after `after`; current authorities only.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &LocalAuthorityFilter,
    after: Option<&str>,
    limit: i64,
) -> diesel::QueryResult<Vec<LocalAuthorityRow>> {
    let mut query = SqlBuilder::new(SELECT).sql(" WHERE la.retired_at IS NULL");
    if let Some(kind) = filter.kind {
        query = query.sql(" AND la.kind = ").bind::<Text, _>(kind.as_str());
    }
    if let Some(region) = &filter.region {
        query = query
            .sql(" AND la.region = ")
            .bind::<Text, _>(region.clone());
    }
    if let Some(parent) = &filter.parent {
        query = query
            .sql(" AND la.parent_gss_code = ")
            .bind::<Text, _>(parent.as_str().to_owned());
    }
    if let Some(q) = &filter.q {
        query = query
            .sql(" AND la.name ILIKE ")
            .bind::<Text, _>(like_pattern(q));
    }
    query
        .page_after("la.gss_code", after, limit)
        .load(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    code: &GssCode,
) -> diesel::QueryResult<Option<LocalAuthorityRow>> {
    let query = SqlBuilder::new(SELECT)
        .sql(" WHERE la.gss_code = ")
        .bind::<Text, _>(code.as_str().to_owned());
    let rows: Vec<LocalAuthorityRow> = query.load(conn).await?;
    Ok(rows.into_iter().next())
}

/// The authorities of a Teaching School Hub's area (districts, unitaries, boroughs), by name.
pub async fn in_area_of(
    conn: &mut AsyncPgConnection,
    teaching_school_hub_id: uuid::Uuid,
) -> diesel::QueryResult<Vec<LocalAuthorityRow>> {
    SqlBuilder::new(SELECT)
        .sql(
            " JOIN teaching_school_hub_areas area ON area.la_code = la.gss_code \
              WHERE area.teaching_school_hub_id = ",
        )
        .bind::<Uuid, _>(teaching_school_hub_id)
        .sql(" ORDER BY la.name, la.gss_code")
        .load(conn)
        .await
}
