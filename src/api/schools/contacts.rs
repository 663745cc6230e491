//! `/schools/{urn}/contacts`: the participants who speak for a school in the programme. A
//! participant whose account records them as the school's maths lead or senior leader is
//! confirmed by a national admin or a manager of the hub covering the school; a contact sees
//! the school's places and fees (`api::schools::participation`). A confirmation lapses by
//! itself when the account's school or role changes.

use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Action, Caller, authorize};
use crate::db::school_contacts::{self as queries, Confirmation, ContactKey, ContactRow};
use crate::db::{DbPool, audit};
use crate::domain::scope::SchoolScope;
use crate::domain::{LondonTime, RoleInSchool, Urn};
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::paging::{ListQuery, Page, Unfiltered};
use crate::http::parse::{parse_path, uuid};
use crate::http::write::{Answer, Write};

const TAG: &str = "Schools";

/// A participant confirmed as one of a school's contacts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01931b8d-1a2b-7c3d-8e4f-0a1b2c3d4e07", "name": "Demo Maths Lead (Twyford)",
    "email": "contact.twyford@demo.mathshub.invalid", "role_in_school": "maths_lead",
    "confirmed_at": "2026-09-07T10:15:00+01:00"
}))]
pub struct SchoolContact {
    /// The participant's account.
    pub id: uuid::Uuid,
    pub name: String,
    pub email: String,
    /// `maths_lead` or `senior_leader`, as their account records it.
    pub role_in_school: RoleInSchool,
    pub confirmed_at: LondonTime,
}

impl From<ContactRow> for SchoolContact {
    fn from(row: ContactRow) -> Self {
        Self {
            id: row.user_id,
            name: row.name,
            email: row.email,
            role_in_school: row.role_in_school,
            confirmed_at: LondonTime(row.confirmed_at),
        }
    }
}

/// The school `urn` as the rights see it, once `caller` may do `action` to it: 404 when there
/// is no such school, 403 when they may not.
pub async fn authorise_on_school(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    urn: &Urn,
    action: fn(&SchoolScope) -> Action<'_>,
) -> Result<SchoolScope, ApiError> {
    let what = format!("School {urn}");
    let scope = queries::scope(conn, urn.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(&what))?;
    authorize(caller, &action(&scope)).map_err(|refusal| refusal.into_error(&what))?;
    Ok(scope)
}

type ContactList = ListQuery<Unfiltered, ContactKey>;

/// List a school's contacts
///
/// The participants confirmed as the school's contacts, the first confirmed first: for
/// national admins, the managers of the hub covering the school, and the contacts themselves
/// (403 for others; 404 for an unknown school).
#[utoipa::path(
    tag = TAG,
    params(("urn" = String, Path, description = "The school's DfE URN", example = "137083"), ContactList),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the school's contacts", body = Page<SchoolContact>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/schools/{urn}/contacts")]
pub async fn list_school_contacts(
    caller: Caller,
    request: HttpRequest,
    path: web::Path<String>,
    query: Deferred<ContactList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let urn = parse_path("urn", &path, Urn::parse)?;
    let mut conn = pool.get().await?;
    authorise_on_school(&mut conn, &caller, &urn, |school| {
        Action::SeeSchoolContacts(school)
    })
    .await?;
    query
        .take()?
        .page
        .respond(
            &request,
            async |after, count| queries::list(&mut conn, urn.as_str(), after, count).await,
            |contact: &SchoolContact| (contact.confirmed_at.0, contact.id),
        )
        .await
}

/// Confirm a school's contact
///
/// Confirms the participant `id` as a contact of the school: their account must record this
/// school, as its `maths_lead` or `senior_leader`, and be enabled (else 404, as for an unknown
/// account). For national admins and the managers of the hub covering the school (403 for
/// others). The answer is 201 with the contact when confirmed now, 200 when they were
/// already: confirming again changes nothing. The confirmation lapses when the account's
/// school or role in it changes, or it is disabled. Audited as `school.contact_confirmed`.
#[utoipa::path(
    tag = TAG,
    params(
        ("urn" = String, Path, description = "The school's DfE URN", example = "137083"),
        ("id" = uuid::Uuid, Path, description = "The participant's account id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Confirmed now", body = SchoolContact,
         headers(("Location" = String, description = "The school's contacts"))),
        (status = 200, description = "Confirmed already: nothing changed", body = SchoolContact),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[put("/schools/{urn}/contacts/{id}")]
pub async fn confirm_school_contact(
    caller: Caller,
    path: web::Path<(String, String)>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let (urn, id) = parse_contact_path(&path)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| managed_school(conn, &caller, &urn).await,
            async |conn, _, _| {
                let confirmation = queries::confirm(conn, urn.as_str(), id).await?;
                if confirmation == Confirmation::NotEligible {
                    return Err(ApiError::NotFound(format!(
                        "No enabled participant with the id {id} is recorded as the maths lead or senior leader of school {urn}: their account's school and role in school say who they are."
                    )));
                }
                let contact = SchoolContact::from(
                    queries::find(conn, urn.as_str(), id)
                        .await?
                        .ok_or_else(|| ApiError::not_found(format!("Contact {id}")))?,
                );
                if confirmation == Confirmation::AlreadyConfirmed {
                    return Answer::ok(&contact);
                }
                audit_contact(conn, &caller, &urn, "school.contact_confirmed", id).await?;
                Answer::created(format!("/api/v1/schools/{urn}/contacts"), &contact)
            },
        )
        .await
}

/// End a school contact's confirmation
///
/// The participant `id` no longer speaks for the school (their account is unchanged). For
/// national admins and the managers of the hub covering the school (403 for others); 404 when
/// they are not its contact. Audited as `school.contact_removed`.
#[utoipa::path(
    tag = TAG,
    params(
        ("urn" = String, Path, description = "The school's DfE URN", example = "137083"),
        ("id" = uuid::Uuid, Path, description = "The participant's account id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "No longer a contact of the school"),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[delete("/schools/{urn}/contacts/{id}")]
pub async fn remove_school_contact(
    caller: Caller,
    path: web::Path<(String, String)>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let (urn, id) = parse_contact_path(&path)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| managed_school(conn, &caller, &urn).await,
            async |conn, _, _| {
                if !queries::remove(conn, urn.as_str(), id).await? {
                    return Err(ApiError::NotFound(format!(
                        "The participant {id} is not a contact of school {urn}."
                    )));
                }
                audit_contact(conn, &caller, &urn, "school.contact_removed", id).await?;
                Answer::no_content()
            },
        )
        .await
}

/// The school `urn`, once `caller` may confirm its contacts.
async fn managed_school(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    urn: &Urn,
) -> Result<SchoolScope, ApiError> {
    authorise_on_school(conn, caller, urn, |school| {
        Action::ManageSchoolContacts(school)
    })
    .await
}

fn parse_contact_path(path: &(String, String)) -> Result<(Urn, uuid::Uuid), ApiError> {
    Ok((
        parse_path("urn", &path.0, Urn::parse)?,
        parse_path("id", &path.1, uuid)?,
    ))
}

async fn audit_contact(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    urn: &Urn,
    action: &str,
    contact_id: uuid::Uuid,
) -> Result<(), ApiError> {
    let details = serde_json::json!({"contact_id": contact_id});
    audit::record(
        conn,
        Some(caller.id),
        action,
        "school",
        urn.as_str(),
        details,
    )
    .await?;
    Ok(())
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_school_contacts)
        .service(confirm_school_contact)
        .service(remove_school_contact);
}
