//! What signposting shows schools: the work groups open for expressions of interest to the
//! schools of some local authorities (the groups of the hubs covering them now, a district
//! through its county), each with its sessions and its leads' public names, in one query; and
//! the Teaching School Hub whose referral a signposting link carries.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Jsonb, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::json::Json;
use crate::db::schema::teaching_school_hubs;
use crate::db::work_groups::{FROM_ANY_STATUS, OUTLINE_COLUMNS, WorkGroupOutlineRow};
use crate::domain::{GssCode, LeadRole, SessionKind, SessionMode};

/// A work group taking expressions of interest: its outline, with its leads and sessions.
#[derive(Debug, QueryableByName)]
pub struct OpenGroupRow {
    #[diesel(embed)]
    pub outline: WorkGroupOutlineRow,
    /// Leads with a published LLME profile: work group leads first, then by name.
    #[diesel(sql_type = Jsonb)]
    pub leads: Json<Vec<PublicLeadRow>>,
    /// In time order.
    #[diesel(sql_type = Jsonb)]
    pub sessions: Json<Vec<OpenGroupSessionRow>>,
}

/// A lead by the name their published profile shows.
#[derive(Debug, serde::Deserialize)]
pub struct PublicLeadRow {
    pub id: Uuid,
    pub display_name: String,
    pub role: LeadRole,
}

/// A session taking place (a cancelled one is no date to offer a school), with no more of
/// its venue than its address (for the town) and never its joining link, which is not
/// selected.
#[derive(Debug, serde::Deserialize)]
pub struct OpenGroupSessionRow {
    pub kind: SessionKind,
    pub mode: SessionMode,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_address: Option<String>,
}

/// The ids of the groups open for expressions of interest to the schools of the authorities
/// bound as `$1` (the groups of the hubs covering them now, a district through its county):
/// `open` or `full` (a full group still takes expressions of interest, onto its waiting list)
/// with the deadline not passed, as `POST /work-groups/{id}/enrolments` takes them; never
/// drafts. The signposting calendar selects by it too.
pub const OFFERED_TO_AUTHORITIES: &str = "\
SELECT wg.id
  FROM work_groups wg
 WHERE wg.status IN ('open', 'full')
   AND (wg.eoi_deadline IS NULL OR wg.eoi_deadline > now())
   AND wg.hub_id IN (SELECT cover.hub_id
                       FROM local_authorities la
                       JOIN hub_local_authorities cover
                         ON cover.la_code = coalesce(la.parent_gss_code, la.gss_code)
                        AND cover.covered_until IS NULL
                      WHERE la.gss_code = ANY($1))";

/// A group as signposting shows it.
static OPEN_GROUP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "\
SELECT {OUTLINE_COLUMNS},
       (SELECT coalesce(jsonb_agg(jsonb_build_object('id', l.user_id, 'display_name', p.display_name, 'role', l.role)
                                  ORDER BY l.role = 'cohort_lead', p.display_name, l.user_id), '[]'::jsonb)
          FROM work_group_leads l
          JOIN llme_profiles p ON p.user_id = l.user_id
          JOIN users u ON u.id = l.user_id
         WHERE l.work_group_id = wg.id
           AND p.published AND u.role = 'lead' AND u.disabled_at IS NULL) AS leads,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('kind', s.kind, 'mode', s.mode, 'starts_at', s.starts_at,
                                                     'ends_at', s.ends_at, 'venue_address', s.venue_address)
                                  ORDER BY s.starts_at, s.id), '[]'::jsonb)
          FROM sessions s
         WHERE s.work_group_id = wg.id AND s.cancelled_at IS NULL) AS sessions{FROM_ANY_STATUS}"
    )
});

/// Every work group open for expressions of interest to the schools of any of `codes`, each
/// once, soonest deadline first.
pub async fn open_groups_for(
    conn: &mut AsyncPgConnection,
    codes: &[GssCode],
) -> QueryResult<Vec<OpenGroupRow>> {
    diesel::sql_query(format!(
        "{} WHERE wg.id IN ({OFFERED_TO_AUTHORITIES}) \
         ORDER BY wg.eoi_deadline, wg.code, wg.id",
        *OPEN_GROUP
    ))
    .bind::<Array<Text>, _>(code_texts(codes))
    .load(conn)
    .await
}

/// `codes` as the text `OFFERED_TO_AUTHORITIES` binds.
pub fn code_texts(codes: &[GssCode]) -> Vec<String> {
    codes.iter().map(|code| code.as_str().to_owned()).collect()
}

/// A Teaching School Hub: its id, slug and name.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = teaching_school_hubs)]
pub struct TeachingSchoolHubKey {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

pub async fn teaching_school_hub_by_slug(
    conn: &mut AsyncPgConnection,
    slug: &str,
) -> QueryResult<Option<TeachingSchoolHubKey>> {
    teaching_school_hubs::table
        .filter(teaching_school_hubs::slug.eq(slug))
        .select(TeachingSchoolHubKey::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn teaching_school_hub_by_id(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<TeachingSchoolHubKey>> {
    teaching_school_hubs::table
        .find(id)
        .select(TeachingSchoolHubKey::as_select())
        .first(conn)
        .await
        .optional()
}
