//! Sessions of public work groups: a group's own (in time order, numbered from 1) and the
//! calendar of all of them in a time range, cancelled ones included (people need to see that
//! a date is off). Joining links are private to the group's leads, managers, admins and
//! accepted participants: selected only when the caller asks for them after the policy
//! allowed it.

use chrono::{DateTime, Utc};
use diesel::prelude::QueryableByName;
use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::json::Json;
use crate::db::sql::SqlBuilder;
use crate::domain::notice::SessionPlan;
use crate::domain::{SessionKind, SessionMode, SessionStatus, Slug};

/// One session, as selected here or as JSON inside a work group's row.
#[derive(Debug, QueryableByName, serde::Deserialize)]
pub struct SessionRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Position of the session in its group, by start time.
    #[diesel(sql_type = BigInt)]
    pub sequence: i64,
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
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub cancelled_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub cancellation_reason: Option<String>,
}

/// A session with the group and hub it belongs to, for calendars.
#[derive(Debug, QueryableByName)]
pub struct CalendarSessionRow {
    #[diesel(embed)]
    pub session: SessionRow,
    #[diesel(sql_type = SqlUuid)]
    pub work_group_id: Uuid,
    #[diesel(sql_type = Text)]
    pub work_group_code: String,
    #[diesel(sql_type = Text)]
    pub work_group_title: String,
    #[diesel(sql_type = Text)]
    pub hub_slug: String,
    #[diesel(sql_type = Text)]
    pub hub_name: String,
}

/// A public work group and, when it has any after the cursor, one of its sessions.
#[derive(Debug, QueryableByName)]
struct GroupSessionRow {
    #[diesel(sql_type = Nullable<Jsonb>)]
    session: Option<Json<SessionRow>>,
}

const SESSION_COLUMNS: &str = "\
s.id, (SELECT count(*) FROM sessions earlier
        WHERE earlier.work_group_id = s.work_group_id
          AND (earlier.starts_at, earlier.id) <= (s.starts_at, s.id)) AS sequence,
       s.kind, s.mode, s.starts_at, s.ends_at, s.venue_name, s.venue_address, s.venue_postcode, s.notes,
       s.cancelled_at, s.cancellation_reason";

/// The sort key of session lists.
pub type SessionKey = (DateTime<Utc>, Uuid);

/// One page of a public group's sessions; `None` when there is no such public group.
pub async fn of_work_group(
    conn: &mut AsyncPgConnection,
    work_group_id: Uuid,
    after: Option<&SessionKey>,
    limit: i64,
) -> diesel::QueryResult<Option<Vec<SessionRow>>> {
    let query = SqlBuilder::new(format!(
        "SELECT to_jsonb(page) AS session FROM work_groups wg LEFT JOIN LATERAL (
           SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.work_group_id = wg.id"
    ))
    .page_after("s.starts_at, s.id", after, limit)
    .sql(") page ON true WHERE wg.is_public AND wg.id = ")
    .bind::<SqlUuid, _>(work_group_id)
    .sql(" ORDER BY page.starts_at, page.id");
    let rows: Vec<GroupSessionRow> = query.load(conn).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .filter_map(|row| row.session.map(|Json(session)| session))
            .collect(),
    ))
}

#[derive(Debug, Default)]
pub struct CalendarFilter {
    /// Sessions still running at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Sessions starting before this instant.
    pub to: Option<DateTime<Utc>>,
    pub hub: Option<Slug>,
    pub status: Option<SessionStatus>,
}

/// One page of the sessions of public work groups overlapping the range, in time order.
pub async fn calendar(
    conn: &mut AsyncPgConnection,
    filter: &CalendarFilter,
    after: Option<&SessionKey>,
    limit: i64,
) -> diesel::QueryResult<Vec<CalendarSessionRow>> {
    let mut query = SqlBuilder::new(format!(
        "SELECT {SESSION_COLUMNS}, wg.id AS work_group_id, wg.code AS work_group_code,
                wg.title AS work_group_title, hub.slug AS hub_slug, hub.name AS hub_name
           FROM sessions s
           JOIN work_groups wg ON wg.id = s.work_group_id AND wg.is_public
           JOIN hubs hub ON hub.id = wg.hub_id
          WHERE true"
    ));
    if let Some(from) = filter.from {
        query = query.sql(" AND s.ends_at > ").bind::<Timestamptz, _>(from);
    }
    if let Some(to) = filter.to {
        query = query.sql(" AND s.starts_at < ").bind::<Timestamptz, _>(to);
    }
    if let Some(hub) = &filter.hub {
        query = query
            .sql(" AND hub.slug = ")
            .bind::<Text, _>(hub.as_str().to_owned());
    }
    query = match filter.status {
        Some(SessionStatus::Scheduled) => query.sql(" AND s.cancelled_at IS NULL"),
        Some(SessionStatus::Cancelled) => query.sql(" AND s.cancelled_at IS NOT NULL"),
        None => query,
    };
    query
        .page_after("s.starts_at, s.id", after, limit)
        .load(conn)
        .await
}

/// A session of one of several groups, with its joining link when it was asked for.
#[derive(Debug, QueryableByName)]
pub struct SessionOfGroupRow {
    #[diesel(sql_type = SqlUuid)]
    pub work_group_id: Uuid,
    #[diesel(embed)]
    pub session: SessionRow,
    #[diesel(sql_type = Nullable<Text>)]
    pub joining_link: Option<String>,
}

/// Every session of the groups, in time order within each; joining links are selected only
/// for the groups in `links_of` (those the policy lets the caller see), `null` elsewhere.
pub async fn of_work_groups(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
    links_of: &[Uuid],
) -> diesel::QueryResult<Vec<SessionOfGroupRow>> {
    SqlBuilder::new(format!(
        "SELECT {SESSION_COLUMNS}, s.work_group_id,
                CASE WHEN s.work_group_id = ANY("
    ))
    .bind::<Array<SqlUuid>, _>(links_of.to_vec())
    .sql(") THEN s.joining_link END AS joining_link FROM sessions s WHERE s.work_group_id = ANY(")
    .bind::<Array<SqlUuid>, _>(groups.to_vec())
    .sql(") ORDER BY s.work_group_id, s.starts_at, s.id")
    .load(conn)
    .await
}

/// The online joining links of a group's sessions, by session id: private, so read only
/// for callers the policy lets see them.
pub async fn joining_links(
    conn: &mut AsyncPgConnection,
    work_group_id: Uuid,
) -> diesel::QueryResult<Vec<(Uuid, String)>> {
    use crate::db::schema::sessions;
    use diesel::{ExpressionMethods, NullableExpressionMethods, QueryDsl};
    sessions::table
        .filter(sessions::work_group_id.eq(work_group_id))
        .filter(sessions::joining_link.is_not_null())
        .select((sessions::id, sessions::joining_link.assume_not_null()))
        .load(conn)
        .await
}

/// Every field of a session a write sets.
#[derive(
    Debug, Clone, diesel::Insertable, diesel::AsChangeset, diesel::Queryable, diesel::Selectable,
)]
#[diesel(table_name = crate::db::schema::sessions, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct SessionFields {
    pub kind: SessionKind,
    pub mode: SessionMode,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_name: Option<String>,
    pub venue_address: Option<String>,
    pub venue_postcode: Option<String>,
    pub joining_link: Option<String>,
    pub notes: Option<String>,
}

impl SessionFields {
    /// The session `id` with these fields, as messages tell of it.
    pub fn plan(&self, id: Uuid) -> SessionPlan {
        SessionPlan {
            id,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            mode: self.mode,
            venue_name: self.venue_name.clone(),
            venue_address: self.venue_address.clone(),
            venue_postcode: self.venue_postcode.clone(),
        }
    }
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    work_group_id: Uuid,
    fields: &SessionFields,
) -> diesel::QueryResult<Uuid> {
    use crate::db::schema::sessions;
    use diesel::ExpressionMethods;
    let id = Uuid::now_v7();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::work_group_id.eq(work_group_id),
            fields,
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// A session as a write finds it under its lock.
#[derive(Debug, diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = crate::db::schema::sessions, check_for_backend(diesel::pg::Pg))]
pub struct LockedSession {
    pub work_group_id: Uuid,
    /// Set once the session is cancelled: it no longer changes.
    pub cancelled_at: Option<DateTime<Utc>>,
    #[diesel(embed)]
    pub fields: SessionFields,
}

/// A session, locked until the transaction ends.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Option<LockedSession>> {
    use crate::db::schema::sessions;
    use diesel::{OptionalExtension, QueryDsl, SelectableHelper};
    sessions::table
        .find(id)
        .select(LockedSession::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    fields: &SessionFields,
) -> diesel::QueryResult<()> {
    use crate::db::schema::sessions;
    use diesel::{ExpressionMethods, QueryDsl};
    diesel::update(sessions::table.find(id))
        .set((fields, sessions::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await
        .map(drop)
}

/// Cancels the session with its reason (its revision moves on, by trigger).
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reason: &str,
) -> diesel::QueryResult<()> {
    use crate::db::schema::sessions;
    use diesel::{ExpressionMethods, QueryDsl};
    diesel::update(sessions::table.find(id))
        .set((
            sessions::cancelled_at.eq(diesel::dsl::now),
            sessions::cancellation_reason.eq(reason),
            sessions::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<()> {
    use crate::db::schema::sessions;
    use diesel::QueryDsl;
    diesel::delete(sessions::table.find(id))
        .execute(conn)
        .await
        .map(drop)
}

/// Whether another session of the group taking place overlaps the time span: a cancelled
/// one leaves its slot free.
pub async fn overlaps(
    conn: &mut AsyncPgConnection,
    work_group_id: Uuid,
    span: (DateTime<Utc>, DateTime<Utc>),
    except: Option<Uuid>,
) -> diesel::QueryResult<bool> {
    use crate::db::schema::sessions;
    use diesel::{BoolExpressionMethods, ExpressionMethods, QueryDsl};
    let mut others = sessions::table
        .filter(sessions::work_group_id.eq(work_group_id))
        .filter(sessions::cancelled_at.is_null())
        .filter(
            sessions::starts_at
                .lt(span.1)
                .and(sessions::ends_at.gt(span.0)),
        )
        .into_boxed();
    if let Some(except) = except {
        others = others.filter(sessions::id.ne(except));
    }
    diesel::select(diesel::dsl::exists(others))
        .get_result(conn)
        .await
}

/// One session with its place in its group.
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Option<SessionRow>> {
    let rows: Vec<SessionRow> = SqlBuilder::new(format!(
        "SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.id = "
    ))
    .bind::<SqlUuid, _>(id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

/// The work group a session belongs to.
pub async fn group_of(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<Option<Uuid>> {
    use crate::db::schema::sessions;
    use diesel::{OptionalExtension, QueryDsl};
    sessions::table
        .find(id)
        .select(sessions::work_group_id)
        .first(conn)
        .await
        .optional()
}

/// Whether attendance or a fee is recorded against the session: the register and the ledger
/// keep them, so the session stays.
pub async fn has_records(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<bool> {
    use crate::db::schema::{attendance, fee_liabilities};
    use diesel::{BoolExpressionMethods, ExpressionMethods, QueryDsl};
    diesel::select(
        diesel::dsl::exists(attendance::table.filter(attendance::session_id.eq(id))).or(
            diesel::dsl::exists(fee_liabilities::table.filter(fee_liabilities::session_id.eq(id))),
        ),
    )
    .get_result(conn)
    .await
}
