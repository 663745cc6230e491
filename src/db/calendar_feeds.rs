//! What the calendar feeds read: the sessions of one public work group, of a hub's public
//! groups, of the groups signposted to an authority, or of the groups a person leads or holds a place in (with joining links, which
//! only that feed selects), and the calendar version behind a person's feed secret. Cancelled
//! sessions stay in every feed: a calendar that showed one must learn it is off.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::signposting::{self, OFFERED_TO_AUTHORITIES};
use crate::db::sql::SqlBuilder;
use crate::domain::feed_window::FeedWindow;
use crate::domain::{GssCode, Role, SessionKind, SessionMode, Slug, WorkGroupStatus};

/// A session with its work group, as a feed shows it.
#[derive(Debug, QueryableByName)]
pub struct FeedSessionRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: SessionKind,
    #[diesel(sql_type = Text)]
    pub mode: SessionMode,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub ends_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub venue_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub venue_address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub venue_postcode: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub notes: Option<String>,
    #[diesel(sql_type = Integer)]
    pub revision: i32,
    /// Whether the session itself is cancelled, and why.
    #[diesel(sql_type = Bool)]
    pub cancelled: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub session_cancellation_reason: Option<String>,
    /// The later of the session's and its group's last change.
    #[diesel(sql_type = Timestamptz)]
    pub changed_at: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub work_group_id: Uuid,
    #[diesel(sql_type = Text)]
    pub work_group_code: String,
    #[diesel(sql_type = Text)]
    pub work_group_title: String,
    #[diesel(sql_type = Text)]
    pub work_group_status: WorkGroupStatus,
    #[diesel(sql_type = Nullable<Text>)]
    pub cancellation_reason: Option<String>,
    #[diesel(sql_type = Text)]
    pub hub_name: String,
    /// Selected by the personal feed only.
    #[diesel(sql_type = Nullable<Text>)]
    pub joining_link: Option<String>,
}

/// The columns of `FeedSessionRow` but the joining link, over `sessions s`, `work_groups wg`
/// and `hubs hub`.
const COLUMNS: &str = "\
SELECT s.id, s.kind, s.mode, s.starts_at, s.ends_at, s.venue_name, s.venue_address,
       s.venue_postcode, s.notes, s.revision, s.cancelled_at IS NOT NULL AS cancelled,
       s.cancellation_reason AS session_cancellation_reason,
       greatest(s.updated_at, wg.updated_at) AS changed_at,
       wg.id AS work_group_id, wg.code AS work_group_code, wg.title AS work_group_title,
       wg.status AS work_group_status, wg.cancellation_reason, hub.name AS hub_name";

const FROM: &str = " FROM sessions s
  JOIN work_groups wg ON wg.id = s.work_group_id
  JOIN hubs hub ON hub.id = wg.hub_id";

const ORDER: &str = " ORDER BY s.starts_at, s.id";

/// A public work group (one that has opened) as its feed is named.
#[derive(Debug, QueryableByName)]
pub struct FeedGroupRow {
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub hub_name: String,
}

/// A public work group and every session of it; `None` for a group not public or none.
pub async fn of_work_group(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Option<(FeedGroupRow, Vec<FeedSessionRow>)>> {
    let groups: Vec<FeedGroupRow> = SqlBuilder::new(
        "SELECT wg.code, wg.title, hub.name AS hub_name FROM work_groups wg
           JOIN hubs hub ON hub.id = wg.hub_id WHERE wg.is_public AND wg.id = ",
    )
    .bind::<SqlUuid, _>(id)
    .load(conn)
    .await?;
    let Some(group) = groups.into_iter().next() else {
        return Ok(None);
    };
    let sessions = SqlBuilder::new(format!(
        "{COLUMNS}, NULL::text AS joining_link{FROM} WHERE wg.id = "
    ))
    .bind::<SqlUuid, _>(id)
    .sql(ORDER)
    .load(conn)
    .await?;
    Ok(Some((group, sessions)))
}

/// The sessions in `window` of a hub's public work groups; `None` when there is no such hub.
pub async fn of_hub(
    conn: &mut AsyncPgConnection,
    slug: &Slug,
    window: FeedWindow,
) -> diesel::QueryResult<Option<(String, Vec<FeedSessionRow>)>> {
    use crate::db::schema::hubs;
    use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
    let Some((hub_id, hub_name)) = hubs::table
        .filter(hubs::slug.eq(slug.as_str()))
        .select((hubs::id, hubs::name))
        .first::<(Uuid, String)>(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let sessions = within(
        SqlBuilder::new(format!(
            "{COLUMNS}, NULL::text AS joining_link{FROM} WHERE wg.is_public AND wg.hub_id = "
        ))
        .bind::<SqlUuid, _>(hub_id),
        window,
    )
    .load(conn)
    .await?;
    Ok(Some((hub_name, sessions)))
}

/// Every session of the groups open for expressions of interest to the schools of `codes`,
/// as signposting shows them (`db::signposting::OFFERED_TO_AUTHORITIES`), no joining links.
pub async fn signposted_to(
    conn: &mut AsyncPgConnection,
    codes: &[GssCode],
) -> diesel::QueryResult<Vec<FeedSessionRow>> {
    diesel::sql_query(format!(
        "{COLUMNS}, NULL::text AS joining_link{FROM} WHERE wg.id IN ({OFFERED_TO_AUTHORITIES}){ORDER}"
    ))
    .bind::<diesel::sql_types::Array<Text>, _>(signposting::code_texts(codes))
    .load(conn)
    .await
}

/// The sessions in `window` of every group `person` leads or holds a place in, with their
/// joining links: exactly those the policy lets them see (`Action::SeeJoiningLinks`: a
/// group's leads, and participants holding a place).
pub async fn of_person(
    conn: &mut AsyncPgConnection,
    person: Uuid,
    window: FeedWindow,
) -> diesel::QueryResult<Vec<FeedSessionRow>> {
    within(
        SqlBuilder::new(format!(
            "{COLUMNS}, s.joining_link{FROM}
             WHERE wg.id IN (SELECT work_group_id FROM work_group_leads WHERE user_id = "
        ))
        .bind::<SqlUuid, _>(person)
        .sql(
            " UNION SELECT work_group_id FROM enrolments
                     WHERE status IN ('accepted', 'completed') AND participant_id = ",
        )
        .bind::<SqlUuid, _>(person)
        .sql(")"),
        window,
    )
    .load(conn)
    .await
}

fn within(query: SqlBuilder, window: FeedWindow) -> SqlBuilder {
    query
        .sql(" AND s.ends_at > ")
        .bind::<Timestamptz, _>(window.from)
        .sql(" AND s.starts_at < ")
        .bind::<Timestamptz, _>(window.until)
        .sql(ORDER)
}

/// The account behind a feed secret, as its feed checks it.
#[derive(Debug, diesel::Queryable)]
pub struct FeedOwnerRow {
    pub role: Role,
    pub hub_id: Option<Uuid>,
    pub teaching_school_hub_id: Option<Uuid>,
    pub calendar_token_version: i32,
    pub disabled: bool,
}

pub async fn owner(
    conn: &mut AsyncPgConnection,
    user: Uuid,
) -> diesel::QueryResult<Option<FeedOwnerRow>> {
    use crate::db::schema::users;
    use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
    users::table
        .find(user)
        .select((
            users::role,
            users::hub_id,
            users::teaching_school_hub_id,
            users::calendar_token_version,
            users::disabled_at.is_not_null(),
        ))
        .first(conn)
        .await
        .optional()
}

/// A new calendar version for `user`, which kills the feed secret of the old one.
pub async fn bump_version(conn: &mut AsyncPgConnection, user: Uuid) -> diesel::QueryResult<i32> {
    use crate::db::schema::users;
    use diesel::{ExpressionMethods, QueryDsl};
    diesel::update(users::table.find(user))
        .set(users::calendar_token_version.eq(users::calendar_token_version + 1))
        .returning(users::calendar_token_version)
        .get_result(conn)
        .await
}
