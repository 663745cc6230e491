//! Reading enrolments: a participant's own, and a work group's for its staff (its leads, its
//! hub's managers, admins). They carry personal data, so every read goes through the policy,
//! and an enrolment outside the caller's reach answers 404.

use actix_web::{HttpRequest, HttpResponse, get, web};
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::enrolments::register::{self, Register};
use crate::api::refs::{SchoolRef, WorkGroupRef};
use crate::api::sessions::read::Session;
use crate::auth::policy::{EnrolmentScope, authorize_on_group};
use crate::auth::{Action, Caller, authorize};
use crate::db::enrolments::{self as queries, EnrolmentRow, Owner};
use crate::db::work_groups::{self, WorkGroupScopeRow};
use crate::db::{DbPool, sessions};
use crate::domain::senior_leader::SeniorLeaderAgreement;
use crate::domain::{EnrolmentStatus, LondonTime, RoleInSchool};
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::negotiation;
use crate::http::extract::paging::{
    FieldErrors, Filters, ListQuery, NoQueryParameters, Page, refuse_paging,
};
use crate::http::parse::{parse_path, uuid};
use crate::http::read;

const TAG: &str = "Enrolments";

/// The person behind an enrolment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Participant {
    pub id: uuid::Uuid,
    #[schema(example = "Demo Teacher (Twyford)")]
    pub name: String,
    #[schema(example = "teacher.twyford@demo.mathshub.invalid")]
    pub email: String,
}

/// A teacher's expression of interest in a work group, for their school, and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrolment {
    pub id: uuid::Uuid,
    pub work_group_id: uuid::Uuid,
    pub work_group: WorkGroupRef,
    pub participant: Participant,
    pub school: SchoolRef,
    pub role_in_school: RoleInSchool,
    pub statement: String,
    pub status: EnrolmentStatus,
    /// Place on the waiting list (1 is next), when waitlisted.
    pub waitlist_position: Option<i32>,
    /// The Teaching School Hub (slug) whose signposting the participant came from.
    #[schema(example = "london-district-east")]
    pub referred_by: Option<String>,
    /// Who at the school agreed to release the participant for the group's sessions.
    pub senior_leader_agreement: Option<SeniorLeaderAgreement>,
    pub created_at: LondonTime,
    pub updated_at: LondonTime,
}

impl From<EnrolmentRow> for Enrolment {
    fn from(row: EnrolmentRow) -> Self {
        Self {
            id: row.id,
            work_group_id: row.work_group_id,
            work_group: WorkGroupRef {
                id: row.work_group_id,
                code: row.work_group_code,
                title: row.work_group_title,
            },
            participant: Participant {
                id: row.participant_id,
                name: row.participant_name,
                email: row.participant_email,
            },
            school: SchoolRef {
                urn: row.school_urn,
                name: row.school_name,
            },
            role_in_school: row.role_in_school,
            statement: row.statement,
            status: row.status,
            waitlist_position: row.waitlist_position,
            referred_by: row.referred_by_slug,
            senior_leader_agreement: SeniorLeaderAgreement::from_columns(
                row.senior_leader_name,
                row.senior_leader_role,
                row.senior_leader_agreed_at,
            ),
            created_at: LondonTime(row.created_at),
            updated_at: LondonTime(row.updated_at),
        }
    }
}

/// One of the caller's enrolments, with its work group's sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyEnrolment {
    #[serde(flatten)]
    pub enrolment: Enrolment,
    /// The group's sessions in time order. Their online joining links show while this
    /// enrolment holds a place (accepted or completed), and are `null` otherwise.
    pub sessions: Vec<Session>,
}

/// Filters of enrolment lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EnrolmentQuery {
    #[param(value_type = Option<EnrolmentStatus>)]
    status: Option<String>,
}

#[derive(Debug, Default)]
pub struct EnrolmentFilter {
    pub status: Option<EnrolmentStatus>,
}

impl Filters for EnrolmentFilter {
    type Raw = EnrolmentQuery;

    fn parse(raw: EnrolmentQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            status: errors.parse("status", raw.status, EnrolmentStatus::parse),
        })
    }
}

pub type EnrolmentKey = (DateTime<Utc>, uuid::Uuid);

/// The query string of the lists of enrolments: filters, page size and cursor.
pub type EnrolmentList = ListQuery<EnrolmentFilter, EnrolmentKey>;

fn sort_key(enrolment: &Enrolment) -> EnrolmentKey {
    (enrolment.created_at.0, enrolment.id)
}

/// List a work group's enrolments (JSON, or a CSV register)
///
/// Every enrolment of the group in the order they came, with the participants' names and
/// emails: for the group's leads, its hub's managers and national admins. Others get 403
/// (404 for a draft group, whose existence is private).
///
/// With `Accept: text/csv` the answer is the group's register for spreadsheets, as a
/// download: every matching enrolment, **not paged** (`limit` and `cursor` are refused),
/// one line each with the school (URN, name), the participant (name, email), role in
/// school, status and waiting-list position, then one column per session, headed by its
/// start (RFC 3339 with the Europe/London offset), holding the attendance recorded:
/// `present`, `absent`, `apologies`, or empty. Text a spreadsheet would run as a formula
/// starts with `'`. JSON is the answer when `Accept` is absent or ranks both alike; 406 when
/// it names neither.
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The work group's id"),
        EnrolmentList,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of enrolments (JSON), or the whole register (CSV)",
         content(
             (Page<Enrolment> = "application/json"),
             (String = "text/csv", example = json!(register::EXAMPLE)),
         ),
         headers(
             ("Link" = String, description = "JSON: `<…>; rel=\"next\"` when a next page exists"),
             ("Content-Disposition" = String, description = "CSV: `attachment; filename=\"<code>-enrolments.csv\"`"),
             ("Vary" = String, description = "`Accept`"),
             ("ETag" = String),
         )),
        (status = 406, response = crate::http::problems::NotAcceptable),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/work-groups/{id}/enrolments")]
pub async fn list_work_group_enrolments(
    caller: Caller,
    request: HttpRequest,
    path: web::Path<String>,
    query: Deferred<EnrolmentList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    let group = group_row(&mut conn, id).await?;
    let (code, is_public) = (group.code.clone(), group.is_public);
    authorize_on_group(&caller, &Action::SeeEnrolments(&group.into()), is_public)
        .map_err(|refusal| refusal.into_error(format!("Work group {id}")))?;
    let query = query.take()?;
    let as_csv = negotiation::wants_csv(&request)?;
    if as_csv {
        refuse_paging(&request, "the CSV register")?;
    }
    let response = if as_csv {
        let register = Register::load(&mut conn, id, query.filters.status).await?;
        register::response(&code, register.to_csv()?)
    } else {
        query
            .page
            .respond(
                &request,
                async |after, count| {
                    let owner = Owner::WorkGroup(id);
                    queries::list(&mut conn, owner, query.filters.status, after, count).await
                },
                sort_key,
            )
            .await?
    };
    Ok(negotiation::varies_by_accept(response))
}

/// A work group's scope row (rights, status, code): 404 when there is no such group.
async fn group_row(
    conn: &mut diesel_async::AsyncPgConnection,
    id: uuid::Uuid,
) -> Result<WorkGroupScopeRow, ApiError> {
    read::found(conn, "Work group", &id, async |conn, id| {
        work_groups::scope(conn, *id).await
    })
    .await
}

/// Get an enrolment
///
/// One enrolment: for its participant and the group's staff. Anyone else gets 404.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The enrolment's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The enrolment", body = Enrolment, headers(("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/enrolments/{id}")]
pub async fn get_enrolment(
    caller: Caller,
    path: web::Path<String>,
    query: Deferred<NoQueryParameters>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Enrolment>, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let what = format!("Enrolment {id}");
    let mut conn = pool.get().await?;
    let row = queries::find(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(&what))?;
    let scope = EnrolmentScope {
        participant_id: row.participant_id,
        work_group: row.work_group_scope(),
    };
    authorize(&caller, &Action::SeeEnrolment(&scope))
        .map_err(|refusal| refusal.into_error(&what))?;
    query.take()?;
    Ok(web::Json(row.into()))
}

/// List my enrolments
///
/// The caller's own enrolments, oldest first, each with its work group's sessions in time
/// order and the waiting-list position when waitlisted: participants only. A session's
/// online joining link shows on enrolments holding a place (accepted or completed) and is
/// `null` on the others (pending, waitlisted, declined, withdrawn).
#[utoipa::path(
    tag = TAG,
    params(EnrolmentList),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the caller's enrolments", body = Page<MyEnrolment>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ProtectedListErrors,
    )
)]
#[get("/me/enrolments")]
pub async fn list_my_enrolments(
    caller: Caller,
    request: HttpRequest,
    query: Deferred<EnrolmentList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, &Action::ListOwnEnrolments)
        .map_err(|refusal| refusal.into_error("Enrolments"))?;
    let query = query.take()?;
    query
        .respond(
            &request,
            &pool,
            async |conn, filters, after, count| {
                let owner = Owner::Participant(caller.id);
                let rows = queries::list(conn, owner, filters.status, after, count).await?;
                with_sessions(conn, &caller, rows).await
            },
            |item: &MyEnrolment| sort_key(&item.enrolment),
        )
        .await
}

/// Each of the caller's enrolments with its group's sessions, in one query for every group.
async fn with_sessions(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    rows: Vec<EnrolmentRow>,
) -> Result<Vec<MyEnrolment>, ApiError> {
    let groups: Vec<uuid::Uuid> = rows.iter().map(|row| row.work_group_id).collect();
    let links_of: Vec<uuid::Uuid> = rows
        .iter()
        .filter(|row| may_see_joining_links(caller, row))
        .map(|row| row.work_group_id)
        .collect();
    let mut sessions_by_group: HashMap<uuid::Uuid, Vec<Session>> = HashMap::new();
    for row in sessions::of_work_groups(conn, &groups, &links_of).await? {
        let session = Session::from(row.session).with_link(row.joining_link);
        sessions_by_group
            .entry(row.work_group_id)
            .or_default()
            .push(session);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            // Links show per enrolment: a withdrawn one hides them even when a later
            // enrolment in the same group holds a place.
            let shows_links = may_see_joining_links(caller, &row);
            let sessions = sessions_by_group
                .get(&row.work_group_id)
                .into_iter()
                .flatten()
                .map(|session| Session {
                    joining_link: session.joining_link.clone().filter(|_| shows_links),
                    ..session.clone()
                })
                .collect();
            MyEnrolment {
                enrolment: Enrolment::from(row),
                sessions,
            }
        })
        .collect())
}

/// Whether this enrolment shows its group's joining links to its participant: the policy's
/// rule, with "holds a place" read from the enrolment itself.
fn may_see_joining_links(caller: &Caller, row: &EnrolmentRow) -> bool {
    let group = row.work_group_scope();
    let action = Action::SeeJoiningLinks {
        group: &group,
        holds_place: row.status.holds_place(),
    };
    authorize(caller, &action).is_ok()
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_work_group_enrolments)
        .service(get_enrolment)
        .service(list_my_enrolments);
}
