//! Local Leaders of Maths Education as the public sees them: published profiles with their
//! hubs and the work groups they lead, never anything from the account (such as the email).

use diesel::sql_types::{Array, Bool, Jsonb, Nullable, SmallInt, Text, Uuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::json::Json;
use crate::db::like_pattern;
use crate::db::sql::SqlBuilder;
use crate::domain::{LeadRole, ProgrammePhase, Slug};

#[derive(Debug, diesel::prelude::QueryableByName)]
pub struct LeadRow {
    #[diesel(sql_type = Uuid)]
    pub user_id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    pub display_name: String,
    #[diesel(sql_type = Array<Text>)]
    pub phases: Vec<ProgrammePhase>,
    #[diesel(sql_type = Array<Text>)]
    pub specialisms: Vec<String>,
    #[diesel(sql_type = Text)]
    pub bio: String,
    #[diesel(sql_type = Array<Text>)]
    pub roles_held: Vec<String>,
    #[diesel(sql_type = Bool)]
    pub community_member: bool,
    #[diesel(sql_type = Nullable<SmallInt>)]
    pub community_member_since: Option<i16>,
    /// In name order.
    #[diesel(sql_type = Jsonb)]
    pub hubs: Json<Vec<LeadHubRow>>,
    /// The public groups they lead (`is_public`), newest academic year first.
    #[diesel(sql_type = Jsonb)]
    pub work_groups: Json<Vec<LedWorkGroupRow>>,
}

/// A hub a lead works with.
#[derive(Debug, serde::Deserialize)]
pub struct LeadHubRow {
    pub slug: String,
    pub name: String,
}

/// A work group a lead leads, and in which role.
#[derive(Debug, serde::Deserialize)]
pub struct LedWorkGroupRow {
    pub id: uuid::Uuid,
    pub code: String,
    pub title: String,
    pub role: LeadRole,
}

/// Every profile; the user row is joined for nothing but `PUBLIC`.
const SELECT_ANY: &str = "\
SELECT p.user_id, p.display_name, p.phases, p.specialisms, p.bio, p.roles_held, p.community_member,
       p.community_member_since,
       coalesce((SELECT jsonb_agg(jsonb_build_object('slug', h.slug, 'name', h.name) ORDER BY h.name, h.slug)
                   FROM llme_profile_hubs ph
                   JOIN hubs h ON h.id = ph.hub_id
                  WHERE ph.user_id = p.user_id), '[]'::jsonb) AS hubs,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', w.id, 'code', w.code, 'title', w.title, 'role', l.role)
                                  ORDER BY w.academic_year DESC, w.code, w.id)
                   FROM work_group_leads l
                   JOIN work_groups w ON w.id = l.work_group_id
                  WHERE l.user_id = p.user_id AND w.is_public), '[]'::jsonb) AS work_groups
  FROM llme_profiles p
  JOIN users u ON u.id = p.user_id";

/// What the public sees: published profiles of enabled lead accounts.
const PUBLIC: &str = " WHERE p.published AND u.role = 'lead' AND u.disabled_at IS NULL";

#[derive(Debug, Default)]
pub struct LeadFilter {
    /// Leads working with this hub.
    pub hub: Option<Slug>,
    pub phase: Option<ProgrammePhase>,
    pub q: Option<String>,
}

/// One page in (display name, id) order, after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &LeadFilter,
    after: Option<&(String, uuid::Uuid)>,
    limit: i64,
) -> diesel::QueryResult<Vec<LeadRow>> {
    let mut query = SqlBuilder::new(SELECT_ANY).sql(PUBLIC);
    if let Some(hub) = &filter.hub {
        query = query
            .sql(
                " AND EXISTS (SELECT 1 FROM llme_profile_hubs ph JOIN hubs h ON h.id = ph.hub_id \
                 WHERE ph.user_id = p.user_id AND h.slug = ",
            )
            .bind::<Text, _>(hub.as_str().to_owned())
            .sql(")");
    }
    if let Some(phase) = filter.phase {
        query = query
            .sql(" AND p.phases @> ARRAY[")
            .bind::<Text, _>(phase.as_str())
            .sql("]");
    }
    if let Some(q) = &filter.q {
        query = query
            .sql(" AND p.display_name ILIKE ")
            .bind::<Text, _>(like_pattern(q));
    }
    query
        .page_after("p.display_name, p.user_id", after, limit)
        .load(conn)
        .await
}

/// A published profile of an enabled lead.
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
) -> diesel::QueryResult<Option<LeadRow>> {
    first(
        SqlBuilder::new(SELECT_ANY)
            .sql(PUBLIC)
            .sql(" AND p.user_id = ")
            .bind::<Uuid, _>(id),
        conn,
    )
    .await
}

/// Any profile, published or not, as those who write it see it.
pub async fn find_any(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
) -> diesel::QueryResult<Option<LeadRow>> {
    first(
        SqlBuilder::new(SELECT_ANY)
            .sql(" WHERE p.user_id = ")
            .bind::<Uuid, _>(id),
        conn,
    )
    .await
}

async fn first(
    query: SqlBuilder,
    conn: &mut AsyncPgConnection,
) -> diesel::QueryResult<Option<LeadRow>> {
    let rows: Vec<LeadRow> = query.load(conn).await?;
    Ok(rows.into_iter().next())
}
