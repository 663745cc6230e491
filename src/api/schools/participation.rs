//! A school's own view of its participation, for its confirmed contacts and national admins:
//! the places its teachers hold or wait for, and the fees it owes, paid or was let off, in
//! every hub's groups.

use actix_web::{HttpRequest, HttpResponse, get, web};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::enrolments::read::{Enrolment, EnrolmentList, Participant};
use crate::api::fees::Fee;
use crate::api::projects::read::Currency;
use crate::api::refs::WorkGroupRef;
use crate::api::schools::contacts::authorise_on_school;
use crate::auth::{Action, Caller};
use crate::db::DbPool;
use crate::db::enrolments::{self as enrolments, EnrolmentRow, Owner};
use crate::db::fees::{self, FeeFilter, FeeKey, YearTotals};
use crate::domain::senior_leader::SeniorLeaderAgreement;
use crate::domain::{AcademicYear, EnrolmentStatus, FeeStatus, LondonTime, RoleInSchool, Urn};
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, NoQueryParameters, Page};
use crate::http::parse::parse_path;

const TAG: &str = "Schools";

/// One of the school's teachers in a work group, and where their enrolment stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchoolPlace {
    /// The enrolment's id.
    pub id: uuid::Uuid,
    pub work_group: WorkGroupRef,
    pub participant: Participant,
    pub role_in_school: RoleInSchool,
    pub status: EnrolmentStatus,
    /// Place on the waiting list (1 is next), when waitlisted.
    pub waitlist_position: Option<i32>,
    /// Who at the school agreed to release the teacher for the group's sessions.
    pub senior_leader_agreement: Option<SeniorLeaderAgreement>,
    pub created_at: LondonTime,
    pub updated_at: LondonTime,
}

impl From<EnrolmentRow> for SchoolPlace {
    fn from(row: EnrolmentRow) -> Self {
        let enrolment = Enrolment::from(row);
        Self {
            id: enrolment.id,
            work_group: enrolment.work_group,
            participant: enrolment.participant,
            role_in_school: enrolment.role_in_school,
            status: enrolment.status,
            waitlist_position: enrolment.waitlist_position,
            senior_leader_agreement: enrolment.senior_leader_agreement,
            created_at: enrolment.created_at,
            updated_at: enrolment.updated_at,
        }
    }
}

/// The school the path names, once `caller` may see its participation: 400 for a malformed
/// URN, 404 for an unknown school, 403 for those who may not.
async fn school_seen_by(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    path: &str,
) -> Result<Urn, ApiError> {
    let urn = parse_path("urn", path, Urn::parse)?;
    authorise_on_school(conn, caller, &urn, |school| {
        Action::SeeSchoolParticipation(school)
    })
    .await?;
    Ok(urn)
}

/// List a school's places
///
/// Every enrolment made for the school, in any hub's work group, the oldest first (filter
/// `status`: `accepted` for the places held, `waitlisted` for those waiting): for the
/// school's confirmed contacts and national admins (403 for others; 404 for an unknown
/// school). What each teacher wrote to the hub stays between them and the hub.
#[utoipa::path(
    tag = TAG,
    params(("urn" = String, Path, description = "The school's DfE URN", example = "137083"), EnrolmentList),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the school's enrolments", body = Page<SchoolPlace>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/schools/{urn}/enrolments")]
pub async fn list_school_enrolments(
    caller: Caller,
    request: HttpRequest,
    path: web::Path<String>,
    query: Deferred<EnrolmentList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    let urn = school_seen_by(&mut conn, &caller, &path).await?;
    let query = query.take()?;
    let status = query.filters.status;
    query
        .page
        .respond(
            &request,
            async |after, count| {
                let owner = Owner::School(urn.as_str());
                enrolments::list(&mut conn, owner, status, after, count).await
            },
            |place: &SchoolPlace| (place.created_at.0, place.id),
        )
        .await
}

/// Filters of a school's fees.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SchoolFeeQuery {
    /// Fees in work groups of this academic year.
    #[param(example = "2021/22")]
    academic_year: Option<String>,
    #[param(value_type = Option<FeeStatus>)]
    status: Option<String>,
}

#[derive(Debug)]
pub struct SchoolFeeFilter {
    academic_year: Option<AcademicYear>,
    status: Option<FeeStatus>,
}

impl Filters for SchoolFeeFilter {
    type Raw = SchoolFeeQuery;

    fn parse(raw: SchoolFeeQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            academic_year: errors.parse("academic_year", raw.academic_year, AcademicYear::parse),
            status: errors.parse("status", raw.status, FeeStatus::parse),
        })
    }
}

type SchoolFeeList = ListQuery<SchoolFeeFilter, FeeKey>;

/// List a school's fees
///
/// The fees the school was charged in any hub's work group, the oldest first, each `owed`,
/// `paid`, `waived` or `voided` (filters `academic_year`, `status`): for the school's
/// confirmed contacts and national admins (403 for others; 404 for an unknown school).
#[utoipa::path(
    tag = TAG,
    params(("urn" = String, Path, description = "The school's DfE URN", example = "137083"), SchoolFeeList),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the school's fees", body = Page<Fee>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/schools/{urn}/fees")]
pub async fn list_school_fees(
    caller: Caller,
    request: HttpRequest,
    path: web::Path<String>,
    query: Deferred<SchoolFeeList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    let urn = school_seen_by(&mut conn, &caller, &path).await?;
    let query = query.take()?;
    let filter = FeeFilter {
        hub_id: None,
        school: Some(urn),
        academic_year: query.filters.academic_year,
        status: query.filters.status,
    };
    query
        .page
        .respond(
            &request,
            async |after, count| fees::list(&mut conn, &filter, after, count).await,
            |fee: &Fee| (fee.created_at.0, fee.id),
        )
        .await
}

/// What a school's fees of one academic year come to.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "academic_year": "2021/22", "owed_pence": 7500, "paid_pence": 15000, "waived_pence": 0,
    "paid_then_voided_pence": 0
}))]
pub struct FeeYear {
    pub academic_year: String,
    /// Still to pay.
    pub owed_pence: i64,
    pub paid_pence: i64,
    /// Let off by the hub.
    pub waived_pence: i64,
    /// Paid, then voided by a correction of attendance: what the hub owes the school back.
    pub paid_then_voided_pence: i64,
}

impl From<YearTotals> for FeeYear {
    fn from(totals: YearTotals) -> Self {
        Self {
            academic_year: totals.academic_year,
            owed_pence: totals.owed_pence,
            paid_pence: totals.paid_pence,
            waived_pence: totals.waived_pence,
            paid_then_voided_pence: totals.paid_then_voided_pence,
        }
    }
}

/// A school's fees totalled.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchoolFeeTotals {
    /// The school's DfE URN.
    #[schema(example = "137083")]
    pub urn: String,
    /// The currency of every amount.
    pub currency: Currency,
    /// Each academic year the school was charged in, the latest first.
    pub years: Vec<FeeYear>,
}

/// Total a school's fees
///
/// What the school's fees in every hub's groups come to, by academic year: owed, paid,
/// waived, and paid then voided (a refund the hub owes). Fees voided before any payment count
/// nowhere. For the school's confirmed contacts and national admins (403 for others; 404 for
/// an unknown school).
#[utoipa::path(
    tag = TAG,
    params(("urn" = String, Path, description = "The school's DfE URN", example = "137083")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The school's fees by academic year", body = SchoolFeeTotals,
         headers(("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/schools/{urn}/fee-totals")]
pub async fn school_fee_totals(
    caller: Caller,
    path: web::Path<String>,
    query: Deferred<NoQueryParameters>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<SchoolFeeTotals>, ApiError> {
    let mut conn = pool.get().await?;
    let urn = school_seen_by(&mut conn, &caller, &path).await?;
    query.take()?;
    let years = fees::school_totals(&mut conn, &urn).await?;
    Ok(web::Json(SchoolFeeTotals {
        urn: urn.as_str().to_owned(),
        currency: Currency::Gbp,
        years: years.into_iter().map(FeeYear::from).collect(),
    }))
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_school_enrolments)
        .service(list_school_fees)
        .service(school_fee_totals);
}
