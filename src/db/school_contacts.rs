//! A school's contacts: the participants recorded as its maths lead or senior leader whom a
//! national admin or a manager of the covering hub confirmed. A confirmation lapses with the
//! account's school or role (the `school_contacts_lapse` trigger), so every row here is true
//! of its account now.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::QueryableByName;
use diesel::sql_types::{Array, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::sql::SqlBuilder;
use crate::domain::RoleInSchool;
use crate::domain::scope::SchoolScope;

/// The school `urn` as the rights see it; `None` when there is no such school.
pub async fn scope(
    conn: &mut AsyncPgConnection,
    urn: &str,
) -> diesel::QueryResult<Option<SchoolScope>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Nullable<SqlUuid>)]
        covering_hub_id: Option<Uuid>,
        #[diesel(sql_type = Array<SqlUuid>)]
        contact_ids: Vec<Uuid>,
    }
    let row: Option<Row> = diesel::sql_query(
        "SELECT (SELECT c.hub_id FROM hub_local_authorities c
                  WHERE c.la_code = s.la_code AND c.covered_until IS NULL) AS covering_hub_id,
                ARRAY(SELECT sc.user_id FROM school_contacts sc
                       WHERE sc.school_urn = s.urn) AS contact_ids
           FROM schools s WHERE s.urn = $1",
    )
    .bind::<Text, _>(urn)
    .get_result(conn)
    .await
    .optional()?;
    Ok(row.map(|row| SchoolScope {
        covering_hub_id: row.covering_hub_id,
        contact_ids: row.contact_ids,
    }))
}

/// A contact of a school, with their account.
#[derive(Debug, QueryableByName)]
pub struct ContactRow {
    #[diesel(sql_type = SqlUuid)]
    pub user_id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub role_in_school: RoleInSchool,
    #[diesel(sql_type = Timestamptz)]
    pub confirmed_at: DateTime<Utc>,
}

const SELECT: &str = "\
SELECT sc.user_id, u.name, u.email, u.role_in_school, sc.confirmed_at
  FROM school_contacts sc JOIN users u ON u.id = sc.user_id
 WHERE sc.school_urn = ";

/// The sort key of a school's contacts: the first confirmed first.
pub type ContactKey = (DateTime<Utc>, Uuid);

/// One page of the school's contacts after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    urn: &str,
    after: Option<&ContactKey>,
    limit: i64,
) -> diesel::QueryResult<Vec<ContactRow>> {
    SqlBuilder::new(SELECT)
        .bind::<Text, _>(urn.to_owned())
        .page_after("sc.confirmed_at, sc.user_id", after, limit)
        .load(conn)
        .await
}

/// The contact `user_id` of the school `urn`, if they are one.
pub async fn find(
    conn: &mut AsyncPgConnection,
    urn: &str,
    user_id: Uuid,
) -> diesel::QueryResult<Option<ContactRow>> {
    SqlBuilder::new(SELECT)
        .bind::<Text, _>(urn.to_owned())
        .sql(" AND sc.user_id = ")
        .bind::<SqlUuid, _>(user_id)
        .get_result(conn)
        .await
        .optional()
}

/// How a confirmation went.
#[derive(Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// Confirmed now.
    Confirmed,
    /// Confirmed before: nothing changed.
    AlreadyConfirmed,
    /// The account is not an enabled participant's recording the school, as its maths lead
    /// or senior leader (or there is no such account).
    NotEligible,
}

/// Confirms the account `user_id` as a contact of the school `urn`, if it records the school
/// as its maths lead or senior leader. The account's row is held (`FOR SHARE`) until the
/// transaction ends, so a change to it waits, and then lapses the confirmation as it should.
pub async fn confirm(
    conn: &mut AsyncPgConnection,
    urn: &str,
    user_id: Uuid,
) -> diesel::QueryResult<Confirmation> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        eligible: bool,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        inserted: bool,
    }
    let row: Row = diesel::sql_query(
        "WITH account AS (
           SELECT u.id FROM users u
            WHERE u.id = $1 AND u.school_urn = $2 AND u.role = 'participant'
              AND u.role_in_school IN ('maths_lead', 'senior_leader') AND u.disabled_at IS NULL
              FOR SHARE),
         inserted AS (
           INSERT INTO school_contacts (user_id, school_urn)
           SELECT id, $2 FROM account
           ON CONFLICT (user_id) DO NOTHING
           RETURNING user_id)
         SELECT EXISTS (SELECT 1 FROM account) AS eligible,
                EXISTS (SELECT 1 FROM inserted) AS inserted",
    )
    .bind::<SqlUuid, _>(user_id)
    .bind::<Text, _>(urn)
    .get_result(conn)
    .await?;
    Ok(match (row.eligible, row.inserted) {
        (false, _) => Confirmation::NotEligible,
        (true, true) => Confirmation::Confirmed,
        (true, false) => Confirmation::AlreadyConfirmed,
    })
}

/// Ends the confirmation of `user_id` as a contact of the school `urn`; whether there was one.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    urn: &str,
    user_id: Uuid,
) -> diesel::QueryResult<bool> {
    diesel::sql_query("DELETE FROM school_contacts WHERE user_id = $1 AND school_urn = $2")
        .bind::<SqlUuid, _>(user_id)
        .bind::<Text, _>(urn)
        .execute(conn)
        .await
        .map(|deleted| deleted > 0)
}
