//! Teaching School Hubs: the hub itself, the districts and unitary authorities of its area, and
//! the Maths Hubs it partners with (recorded, or derived from overlapping areas).

use std::sync::LazyLock;

use diesel::QueryableByName;
use diesel::sql_types::{Jsonb, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::hubs::{
    AreaAuthorityRow, OrganisationRow, PARTNERSHIP_LABEL, PARTNERSHIPS, PartnerRow,
};
use crate::db::json::Json;
use crate::db::like_pattern;
use crate::db::sql::SqlBuilder;
use crate::domain::{GssCode, Slug};

/// A Teaching School Hub with its nested lists, each a JSON array built by the database.
#[derive(Debug, QueryableByName)]
pub struct TeachingSchoolHubDetailRow {
    #[diesel(embed)]
    pub teaching_school_hub: OrganisationRow,
    /// The districts and unitary authorities of its area, by name.
    #[diesel(sql_type = Jsonb)]
    pub area: Json<Vec<AreaAuthorityRow>>,
    /// Partner Maths Hubs, by name.
    #[diesel(sql_type = Jsonb)]
    pub partner_hubs: Json<Vec<PartnerRow>>,
}

const SELECT: &str = "\
SELECT t.id, t.slug, t.name, t.lead_school_name, t.lead_school_urn, t.website, t.retired_at
  FROM teaching_school_hubs t";

static SELECT_DETAIL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "\
SELECT t.id, t.slug, t.name, t.lead_school_name, t.lead_school_urn, t.website, t.retired_at,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('gss_code', la.gss_code, 'name', la.name, 'kind', la.kind)
                                  ORDER BY la.name, la.gss_code), '[]')
          FROM teaching_school_hub_areas area
          JOIN local_authorities la ON la.gss_code = area.la_code
         WHERE area.teaching_school_hub_id = t.id) AS area,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('slug', h.slug, 'name', h.name, 'partnership', {PARTNERSHIP_LABEL})
                                  ORDER BY h.name, h.slug), '[]')
          FROM ({PARTNERSHIPS}) p
          JOIN hubs h ON h.id = p.hub_id AND h.retired_at IS NULL
         WHERE p.teaching_school_hub_id = t.id) AS partner_hubs
  FROM teaching_school_hubs t"
    )
});

#[derive(Debug, Default)]
pub struct TeachingSchoolHubFilter {
    /// Those whose area holds this authority or, for a county, one of its districts.
    pub local_authority: Option<GssCode>,
    /// The partners of this Maths Hub, recorded or with an overlapping area.
    pub hub: Option<Slug>,
    pub q: Option<String>,
}

/// One page in slug order, after `after`; current Teaching School Hubs only.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &TeachingSchoolHubFilter,
    after: Option<&str>,
    limit: i64,
) -> diesel::QueryResult<Vec<OrganisationRow>> {
    let mut query = SqlBuilder::new(SELECT).sql(" WHERE t.retired_at IS NULL");
    if let Some(code) = &filter.local_authority {
        query = query
            .sql(
                " AND t.id IN (SELECT area.teaching_school_hub_id FROM teaching_school_hub_areas area
                  JOIN local_authorities la ON la.gss_code = area.la_code
                 WHERE ",
            )
            .bind::<Text, _>(code.as_str().to_owned())
            .sql(" IN (la.gss_code, la.parent_gss_code))");
    }
    if let Some(hub) = &filter.hub {
        query = query
            .sql(format!(
                " AND t.id IN (SELECT p.teaching_school_hub_id FROM ({PARTNERSHIPS}) p
                  JOIN hubs h ON h.id = p.hub_id
                 WHERE h.slug = "
            ))
            .bind::<Text, _>(hub.as_str().to_owned())
            .sql(")");
    }
    if let Some(q) = &filter.q {
        query = query
            .sql(" AND t.name ILIKE ")
            .bind::<Text, _>(like_pattern(q));
    }
    query.page_after("t.slug", after, limit).load(conn).await
}

/// One Teaching School Hub by slug, retired or not, with its area and partner Maths Hubs, in
/// one query.
pub async fn find(
    conn: &mut AsyncPgConnection,
    slug: &Slug,
) -> diesel::QueryResult<Option<TeachingSchoolHubDetailRow>> {
    let query = SqlBuilder::new(SELECT_DETAIL.as_str())
        .sql(" WHERE t.slug = ")
        .bind::<Text, _>(slug.as_str().to_owned());
    let rows: Vec<TeachingSchoolHubDetailRow> = query.load(conn).await?;
    Ok(rows.into_iter().next())
}
