//! Changing schools: one at a time for the API, and in batches for a GIAS import, which
//! locks the table against other writers for its one transaction so that its counts of
//! inserted, updated and unchanged schools stay true.

use diesel::dsl::now;
use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{local_authorities, schools};
use crate::db::sql::SqlBuilder;
use crate::domain::school::AuthorityFacts;
use crate::domain::{LaKind, SchoolPhase, SchoolStatus};

/// Every field of a school a write sets.
#[derive(
    Debug, Clone, PartialEq, Eq, Insertable, AsChangeset, Queryable, Selectable, serde::Serialize,
)]
#[diesel(table_name = schools, primary_key(urn), treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct SchoolFields {
    pub urn: String,
    pub name: String,
    pub phase: SchoolPhase,
    pub la_code: String,
    pub district_code: Option<String>,
    pub postcode: Option<String>,
    pub status: SchoolStatus,
}

/// The facts of these local authorities (those that exist).
pub async fn authorities(
    conn: &mut AsyncPgConnection,
    codes: &[&str],
) -> QueryResult<Vec<AuthorityFacts>> {
    authority_facts(
        conn,
        local_authorities::table
            .filter(local_authorities::gss_code.eq_any(codes))
            .into_boxed(),
    )
    .await
}

/// The facts of every local authority, for resolving a whole file's rows.
pub async fn all_authorities(conn: &mut AsyncPgConnection) -> QueryResult<Vec<AuthorityFacts>> {
    authority_facts(conn, local_authorities::table.into_boxed()).await
}

async fn authority_facts(
    conn: &mut AsyncPgConnection,
    query: local_authorities::BoxedQuery<'_, diesel::pg::Pg>,
) -> QueryResult<Vec<AuthorityFacts>> {
    /// GSS code, LA number, name, kind, parent, retired.
    type Row = (String, Option<String>, String, LaKind, Option<String>, bool);
    let rows: Vec<Row> = query
        .select((
            local_authorities::gss_code,
            local_authorities::la_number,
            local_authorities::name,
            local_authorities::kind,
            local_authorities::parent_gss_code,
            local_authorities::retired_at.is_not_null(),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(gss_code, la_number, name, kind, parent_gss_code, retired)| AuthorityFacts {
                gss_code,
                la_number,
                name,
                kind,
                parent_gss_code,
                retired,
            },
        )
        .collect())
}

/// The school, locked until the transaction ends.
pub async fn lock(conn: &mut AsyncPgConnection, urn: &str) -> QueryResult<Option<SchoolFields>> {
    schools::table
        .find(urn)
        .select(SchoolFields::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut AsyncPgConnection, fields: &SchoolFields) -> QueryResult<()> {
    diesel::insert_into(schools::table)
        .values(fields)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn update(conn: &mut AsyncPgConnection, fields: &SchoolFields) -> QueryResult<()> {
    diesel::update(schools::table.find(&fields.urn))
        .set((fields, schools::updated_at.eq(now)))
        .execute(conn)
        .await
        .map(drop)
}

/// Holds off every other writer of schools (an import, a create or an update) until the
/// transaction ends; readers, and rows elsewhere referring to schools, carry on.
pub async fn lock_for_import(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("LOCK TABLE schools IN SHARE ROW EXCLUSIVE MODE")
        .execute(conn)
        .await
        .map(drop)
}

/// The schools already stored under these URNs.
pub async fn existing(
    conn: &mut AsyncPgConnection,
    urns: &[&str],
) -> QueryResult<Vec<SchoolFields>> {
    schools::table
        .filter(schools::urn.eq_any(urns))
        .select(SchoolFields::as_select())
        .load(conn)
        .await
}

/// Inserts many schools in one statement: one array per column, so the statement and its
/// plan are the same whatever the batch's size.
pub async fn insert_many(conn: &mut AsyncPgConnection, rows: &[&SchoolFields]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    bind_columns(
        SqlBuilder::new(
            "INSERT INTO schools (urn, name, phase, la_code, district_code, postcode, status) \
         SELECT * FROM unnest(",
        ),
        rows,
    )
    .sql(")")
    .execute(conn)
    .await
    .map(drop)
}

/// Replaces the fields of many schools in one statement.
pub async fn update_many(conn: &mut AsyncPgConnection, rows: &[&SchoolFields]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    bind_columns(
        SqlBuilder::new(
            "UPDATE schools s SET name = v.name, phase = v.phase, la_code = v.la_code, \
                district_code = v.district_code, postcode = v.postcode, status = v.status, \
                updated_at = now() \
           FROM unnest(",
        ),
        rows,
    )
    .sql(") AS v (urn, name, phase, la_code, district_code, postcode, status) WHERE s.urn = v.urn")
    .execute(conn)
    .await
    .map(drop)
}

/// Appends the rows' columns as seven array parameters, in table order.
fn bind_columns(query: SqlBuilder, rows: &[&SchoolFields]) -> SqlBuilder {
    let texts =
        |column: fn(&SchoolFields) -> String| rows.iter().copied().map(column).collect::<Vec<_>>();
    let optional = |column: fn(&SchoolFields) -> Option<String>| {
        rows.iter().copied().map(column).collect::<Vec<_>>()
    };
    query
        .bind::<Array<Text>, _>(texts(|row| row.urn.clone()))
        .sql(", ")
        .bind::<Array<Text>, _>(texts(|row| row.name.clone()))
        .sql(", ")
        .bind::<Array<Text>, _>(texts(|row| row.phase.as_str().to_owned()))
        .sql(", ")
        .bind::<Array<Text>, _>(texts(|row| row.la_code.clone()))
        .sql(", ")
        .bind::<Array<Nullable<Text>>, _>(optional(|row| row.district_code.clone()))
        .sql(", ")
        .bind::<Array<Nullable<Text>>, _>(optional(|row| row.postcode.clone()))
        .sql(", ")
        .bind::<Array<Text>, _>(texts(|row| row.status.as_str().to_owned()))
}
