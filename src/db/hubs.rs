//! Maths Hubs: the hub itself, the education authorities it currently covers, its strategic
//! partners and the Teaching School Hubs it partners with (recorded, or derived from areas that
//! overlap its coverage).

use std::sync::LazyLock;

use diesel::QueryableByName;
use diesel::sql_types::{Jsonb, Nullable, Text, Timestamptz, Uuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::json::Json;
use crate::db::sql::SqlBuilder;
use crate::db::{hub_covering, like_pattern};
use crate::domain::{GssCode, LaKind, Partnership, Slug, StrategicPartnerKind};

/// Every partnership of a Maths Hub with a Teaching School Hub, one row per pair:
/// `(hub_id, teaching_school_hub_id, explicit)`. A pair is a partnership when it is recorded in
/// `hub_partnerships` (`explicit`), or when the Teaching School Hub's area holds an authority the
/// hub currently covers or a district of a county it covers; recorded wins when both hold.
/// Retired hubs and Teaching School Hubs are left for the caller to exclude.
pub const PARTNERSHIPS: &str = "\
SELECT pair.hub_id, pair.teaching_school_hub_id, bool_or(pair.explicit) AS explicit
  FROM (SELECT hub_id, teaching_school_hub_id, true AS explicit FROM hub_partnerships
        UNION ALL
        SELECT cover.hub_id, area.teaching_school_hub_id, false
          FROM teaching_school_hub_areas area
          JOIN local_authorities area_la ON area_la.gss_code = area.la_code
          JOIN hub_local_authorities cover
            ON cover.la_code = coalesce(area_la.parent_gss_code, area_la.gss_code) AND cover.covered_until IS NULL
       ) pair
 GROUP BY pair.hub_id, pair.teaching_school_hub_id";

/// How a partnership is shown in JSON: `explicit` or `overlapping area`.
pub const PARTNERSHIP_LABEL: &str =
    "CASE WHEN p.explicit THEN 'explicit' ELSE 'overlapping area' END";

/// What a Maths Hub and a Teaching School Hub both are: an organisation known by its slug, led
/// by a school, until it is retired. A Teaching School Hub is no more than this.
#[derive(Debug, QueryableByName)]
pub struct OrganisationRow {
    #[diesel(sql_type = Uuid)]
    pub id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    pub slug: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub lead_school_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub lead_school_urn: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub website: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub retired_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A Maths Hub: an organisation in a region, with an address to contact it.
#[derive(Debug, QueryableByName)]
pub struct HubRow {
    #[diesel(embed)]
    pub organisation: OrganisationRow,
    #[diesel(sql_type = Text)]
    pub region: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub contact_email: Option<String>,
}

/// A hub with its nested lists, each a JSON array built by the database.
#[derive(Debug, QueryableByName)]
pub struct HubDetailRow {
    #[diesel(embed)]
    pub hub: HubRow,
    /// The authorities it currently covers, by name.
    #[diesel(sql_type = Jsonb)]
    pub local_authorities: Json<Vec<AreaAuthorityRow>>,
    /// By name.
    #[diesel(sql_type = Jsonb)]
    pub strategic_partners: Json<Vec<StrategicPartnerRow>>,
    /// Partner Teaching School Hubs, by name.
    #[diesel(sql_type = Jsonb)]
    pub teaching_school_hubs: Json<Vec<PartnerRow>>,
}

/// A local authority in a hub's coverage or a Teaching School Hub's area.
#[derive(Debug, serde::Deserialize)]
pub struct AreaAuthorityRow {
    pub gss_code: String,
    pub name: String,
    pub kind: LaKind,
}

/// A strategic partner of a hub.
#[derive(Debug, serde::Deserialize, diesel::Queryable)]
pub struct StrategicPartnerRow {
    pub id: uuid::Uuid,
    pub name: String,
    pub kind: StrategicPartnerKind,
    pub school_urn: Option<String>,
    pub website: Option<String>,
}

/// The other side of a partnership (a Teaching School Hub for a hub, a hub for a Teaching
/// School Hub), and why they are partners.
#[derive(Debug, serde::Deserialize)]
pub struct PartnerRow {
    pub slug: String,
    pub name: String,
    /// As [`PARTNERSHIP_LABEL`] spells it.
    pub partnership: Partnership,
}

const SELECT: &str = "\
SELECT h.id, h.slug, h.name, h.region, h.lead_school_name, h.lead_school_urn, h.contact_email,
       h.website, h.retired_at
  FROM hubs h";

static SELECT_DETAIL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "\
SELECT h.id, h.slug, h.name, h.region, h.lead_school_name, h.lead_school_urn, h.contact_email,
       h.website, h.retired_at,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('gss_code', la.gss_code, 'name', la.name, 'kind', la.kind)
                                  ORDER BY la.name, la.gss_code), '[]')
          FROM hub_local_authorities cover
          JOIN local_authorities la ON la.gss_code = cover.la_code
         WHERE cover.hub_id = h.id AND cover.covered_until IS NULL) AS local_authorities,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('id', sp.id, 'name', sp.name, 'kind', sp.kind, 'school_urn', sp.school_urn,
                                                     'website', sp.website)
                                  ORDER BY sp.name), '[]')
          FROM strategic_partners sp
         WHERE sp.hub_id = h.id) AS strategic_partners,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('slug', t.slug, 'name', t.name, 'partnership', {PARTNERSHIP_LABEL})
                                  ORDER BY t.name, t.slug), '[]')
          FROM ({PARTNERSHIPS}) p
          JOIN teaching_school_hubs t ON t.id = p.teaching_school_hub_id AND t.retired_at IS NULL
         WHERE p.hub_id = h.id) AS teaching_school_hubs
  FROM hubs h"
    )
});

#[derive(Debug, Default)]
pub struct HubFilter {
    /// The hub covering this authority (a district through its county).
    pub local_authority: Option<GssCode>,
    pub region: Option<String>,
    pub q: Option<String>,
}

/// One page in slug order, after `after`; current hubs only.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &HubFilter,
    after: Option<&str>,
    limit: i64,
) -> diesel::QueryResult<Vec<HubRow>> {
    let mut query = SqlBuilder::new(SELECT).sql(" WHERE h.retired_at IS NULL");
    if let Some(authority) = &filter.local_authority {
        query = hub_covering(query.sql(" AND h.id = "), authority);
    }
    if let Some(region) = &filter.region {
        query = query
            .sql(" AND h.region = ")
            .bind::<Text, _>(region.clone());
    }
    if let Some(q) = &filter.q {
        query = query
            .sql(" AND h.name ILIKE ")
            .bind::<Text, _>(like_pattern(q));
    }
    query.page_after("h.slug", after, limit).load(conn).await
}

/// One hub by slug, retired or not, with its coverage, strategic partners and partner
/// Teaching School Hubs, in one query.
pub async fn find(
    conn: &mut AsyncPgConnection,
    slug: &Slug,
) -> diesel::QueryResult<Option<HubDetailRow>> {
    let query = SqlBuilder::new(SELECT_DETAIL.as_str())
        .sql(" WHERE h.slug = ")
        .bind::<Text, _>(slug.as_str().to_owned());
    let rows: Vec<HubDetailRow> = query.load(conn).await?;
    Ok(rows.into_iter().next())
}
