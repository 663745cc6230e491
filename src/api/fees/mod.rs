//! The fee ledger: what schools owe under their projects' fee policies (non-attendance and
//! late withdrawal), for hub managers (their own hub's) and national admins (every hub's),
//! who may waive a fee with a reason or record that the school paid it. Entries are never
//! deleted: a fee whose attendance was corrected stays, `voided`.

mod table;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::projects::read::Currency;
use crate::api::refs::{HubRef, ParticipantRef, SchoolRef, WorkGroupRef};
use crate::auth::policy::{Refusal, UNKNOWN_HUB, may_read_fees};
use crate::auth::{Action, Caller, authorize};
use crate::db::fees::{self as queries, FeeFilter, FeeKey, FeeRow};
use crate::db::{DbPool, audit};
use crate::domain::{AcademicYear, FeeReason, FeeStatus, LondonTime, NonBlank, Slug, Urn};
use crate::error::ApiError;
use crate::http::body::ReasonForm;
use crate::http::csv::download;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::negotiation;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, Page, refuse_paging};
use crate::http::parse::{named_hub, parse_path, uuid};
use crate::http::write::{Answer, Write};

const TAG: &str = "Fees";

/// The enrolment a fee arose from.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeEnrolment {
    pub id: uuid::Uuid,
    pub participant: ParticipantRef,
}

/// The session a fee is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeSession {
    pub id: uuid::Uuid,
    pub starts_at: LondonTime,
}

/// A fee a school owes, or owed, under its project's policy.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01931b91-0c1d-7e2f-8a3b-4c5d6e7f8a01", "reason": "non_attendance", "status": "owed",
    "amount_pence": 7500, "currency": "GBP",
    "school": {"urn": "137083", "name": "Twyford Church of England High School"},
    "enrolment": {"id": "01931b90-5a2b-7c3d-8e4f-0a1b2c3d4e02",
                  "participant": {"id": "01931b8d-1a2b-7c3d-8e4f-0a1b2c3d4e05", "name": "Demo Teacher (Twyford)"}},
    "session": {"id": "017ce0d0-0000-7000-8000-000000000701", "starts_at": "2021-11-17T09:30:00+00:00"},
    "work_group": {"id": "017ce0d0-0000-7000-8000-000000000601", "code": "LCW21-15-01",
                   "title": "Secondary Subject Leadership"},
    "hub": {"slug": "london-central-and-west", "name": "London Central and West Maths Hub"},
    "academic_year": "2021/22", "created_at": "2021-11-17T15:02:11+00:00",
    "waived_at": null, "waiver_reason": null, "paid_at": null, "payment_reference": null,
    "voided_at": null
}))]
pub struct Fee {
    pub id: uuid::Uuid,
    pub reason: FeeReason,
    pub status: FeeStatus,
    /// The amount in pence of `currency`.
    pub amount_pence: i32,
    pub currency: Currency,
    /// The school that owes it.
    pub school: SchoolRef,
    pub enrolment: FeeEnrolment,
    pub session: FeeSession,
    pub work_group: WorkGroupRef,
    pub hub: HubRef,
    pub academic_year: String,
    pub created_at: LondonTime,
    pub waived_at: Option<LondonTime>,
    pub waiver_reason: Option<String>,
    /// When the hub recorded the school's payment.
    pub paid_at: Option<LondonTime>,
    /// The school's reference for its payment.
    pub payment_reference: Option<String>,
    /// When a correction of the attendance behind it voided it. With `paid_at` set, the hub
    /// owes the school a refund.
    pub voided_at: Option<LondonTime>,
}

impl From<FeeRow> for Fee {
    fn from(row: FeeRow) -> Self {
        Self {
            id: row.id,
            reason: row.reason,
            status: row.status,
            amount_pence: row.amount_pence,
            currency: Currency::Gbp,
            school: SchoolRef {
                urn: row.school_urn,
                name: row.school_name,
            },
            enrolment: FeeEnrolment {
                id: row.enrolment_id,
                participant: ParticipantRef {
                    id: row.participant_id,
                    name: row.participant_name,
                },
            },
            session: FeeSession {
                id: row.session_id,
                starts_at: LondonTime(row.session_starts_at),
            },
            work_group: WorkGroupRef {
                id: row.work_group_id,
                code: row.work_group_code,
                title: row.work_group_title,
            },
            hub: HubRef {
                slug: row.hub_slug,
                name: row.hub_name,
            },
            academic_year: row.academic_year,
            created_at: LondonTime(row.created_at),
            waived_at: row.waived_at.map(LondonTime),
            waiver_reason: row.waiver_reason,
            paid_at: row.paid_at.map(LondonTime),
            payment_reference: row.payment_reference,
            voided_at: row.voided_at.map(LondonTime),
        }
    }
}

/// Filters of the fee ledger.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeeQuery {
    /// Fees in this hub's work groups (slug). A hub manager's ledger is their own hub's
    /// whether or not they name it.
    #[param(example = "london-central-and-west")]
    hub: Option<String>,
    /// Fees owed by this school (URN).
    #[param(example = "137083")]
    school: Option<String>,
    /// Fees in work groups of this academic year.
    #[param(example = "2021/22")]
    academic_year: Option<String>,
    #[param(value_type = Option<FeeStatus>)]
    status: Option<String>,
}

#[derive(Debug, Default)]
pub struct FeeLedgerFilter {
    hub: Option<Slug>,
    school: Option<Urn>,
    academic_year: Option<AcademicYear>,
    status: Option<FeeStatus>,
}

impl Filters for FeeLedgerFilter {
    type Raw = FeeQuery;

    fn parse(raw: FeeQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            hub: errors.parse("hub", raw.hub, Slug::parse),
            school: errors.parse("school", raw.school, Urn::parse),
            academic_year: errors.parse("academic_year", raw.academic_year, AcademicYear::parse),
            status: errors.parse("status", raw.status, FeeStatus::parse),
        })
    }
}

/// The query string of the list below: its filters, page size and cursor.
type FeeLedgerList = ListQuery<FeeLedgerFilter, FeeKey>;

/// List fees
///
/// The fee ledger, oldest first: each fee with its reason, status, amount in pence, the
/// school that owes it, the enrolment and session it arose from. National admins read every
/// hub's (or the one they name); hub managers their own hub's.
///
/// With `Accept: text/csv` the whole ledger the filters select comes as one file to invoice
/// from, unpaged (`limit` and `cursor` answer 400): a line per fee with its school, work
/// group, session and participant, the amount in pence and in pounds, and its status,
/// waiver and voiding. JSON is the answer when `Accept` is absent or ranks both alike; 406
/// when it names neither.
#[utoipa::path(
    tag = TAG,
    params(FeeLedgerList),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the ledger (JSON), or the whole ledger selected (CSV)",
         content(
             (Page<Fee> = "application/json"),
             (String = "text/csv", example = json!(table::EXAMPLE)),
         ),
         headers(
             ("Link" = String, description = "JSON: `<…>; rel=\"next\"` when a next page exists"),
             ("Content-Disposition" = String, description = "CSV: `attachment; filename=\"fees.csv\"`, with the hub's slug and the year when named (`fees-london-central-and-west-2021-22.csv`)"),
             ("Vary" = String, description = "`Accept`"),
             ("ETag" = String),
         )),
        (status = 406, response = crate::http::problems::NotAcceptable),
        crate::http::problems::ProtectedListErrors,
        (status = 422, response = crate::http::problems::Unprocessable),
    )
)]
#[get("/fees")]
pub async fn list_fees(
    caller: Caller,
    request: HttpRequest,
    query: Deferred<FeeLedgerList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let refused = |refusal: Refusal| refusal.into_error("Fees");
    may_read_fees(&caller).map_err(refused)?;
    let query = query.take()?;
    let filters = query.filters;
    let mut conn = pool.get().await?;
    // The hub named, else the caller's own (a hub manager's), else every hub (admins only).
    let hub_id = match &filters.hub {
        Some(slug) => Some(named_hub(&mut conn, slug.as_str()).await?),
        None => caller.hub_id,
    };
    authorize(&caller, &Action::ReadFees { hub_id }).map_err(refused)?;
    if let (Some(UNKNOWN_HUB), Some(slug)) = (hub_id, &filters.hub) {
        return Err(ApiError::unprocessable(
            "hub",
            format!("no hub has the slug {slug}"),
        ));
    }
    let as_csv = negotiation::wants_csv(&request)?;
    if as_csv {
        refuse_paging(&request, "the CSV ledger")?;
    }
    let name = csv_name(filters.hub.as_ref(), filters.academic_year.as_ref());
    let filter = FeeFilter {
        hub_id,
        school: filters.school,
        academic_year: filters.academic_year,
        status: filters.status,
    };
    let response = if as_csv {
        let fees = queries::all(&mut conn, &filter).await?;
        download(name, table::to_csv(&fees)?)
    } else {
        query
            .page
            .respond(
                &request,
                async |after, count| queries::list(&mut conn, &filter, after, count).await,
                |fee: &Fee| (fee.created_at.0, fee.id),
            )
            .await?
    };
    Ok(negotiation::varies_by_accept(response))
}

/// The CSV's file name: `fees`, then the hub and the year named, if any.
fn csv_name(hub: Option<&Slug>, academic_year: Option<&AcademicYear>) -> String {
    let mut name = String::from("fees");
    if let Some(hub) = hub {
        name.push('-');
        name.push_str(hub.as_str());
    }
    if let Some(year) = academic_year {
        name.push('-');
        name.push_str(&year.as_str().replace('/', "-"));
    }
    name + ".csv"
}

/// Why a fee is waived.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The participant was taken ill; the school told the hub that morning."}))]
pub struct FeeWaiver {
    /// Up to 200 characters, kept with the fee.
    #[schema(inline)]
    pub reason: NonBlank,
}

impl TryFrom<ReasonForm> for FeeWaiver {
    type Error = ApiError;

    fn try_from(form: ReasonForm) -> Result<Self, ApiError> {
        form.parse().map(|reason| Self { reason })
    }
}

/// Waive a fee
///
/// Lets the school off a fee it owes, with a reason kept in the ledger and the audit trail.
/// For the managers of the hub whose group the fee arose in, and national admins; a fee
/// outside the caller's reach answers 404. A fee already waived or paid, or voided by a
/// correction of attendance, answers 409.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The fee's id")),
    request_body = FeeWaiver,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The fee, now waived", body = Fee),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/fees/{id}/waive")]
pub async fn waive_fee(
    caller: Caller,
    path: web::Path<String>,
    write: Write<ReasonForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| owed_fee(conn, &caller, id).await,
            async |conn, status, form| {
                let reason = FeeWaiver::try_from(form)?.reason.into_inner();
                settle(conn, &caller, id, status, Settlement::Waived(&reason)).await
            },
        )
        .await
}

/// A school's payment of a fee, as the hub recorded it.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reference": "INV-LCW-2021-0042"}))]
pub struct FeePayment {
    /// The school's reference for the payment (an invoice or remittance number, up to 200
    /// characters), kept with the fee.
    #[schema(inline)]
    pub reference: Option<NonBlank>,
}

/// `FeePayment` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "FeePayment", deny_unknown_fields)]
pub struct FeePaymentForm {
    reference: Option<String>,
}

impl TryFrom<FeePaymentForm> for FeePayment {
    type Error = ApiError;

    fn try_from(form: FeePaymentForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let reference = errors.parse("reference", form.reference, NonBlank::parse);
        errors.finish(|| Some(Self { reference }))
    }
}

/// Record a fee's payment
///
/// Records that the school paid a fee it owes, now, with the school's reference for the
/// payment if given; kept in the ledger (`paid_at`, `payment_reference`) and the audit trail.
/// For the managers of the hub whose group the fee arose in, and national admins; a fee
/// outside the caller's reach answers 404. A fee already paid or waived, or voided by a
/// correction of attendance, answers 409. A paid fee that a later correction voids keeps its
/// payment: `voided` with `paid_at` set is a refund the hub owes.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The fee's id")),
    request_body = FeePayment,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The fee, now paid", body = Fee),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/fees/{id}/payment")]
pub async fn record_fee_payment(
    caller: Caller,
    path: web::Path<String>,
    write: Write<FeePaymentForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| owed_fee(conn, &caller, id).await,
            async |conn, status, form| {
                let reference = FeePayment::try_from(form)?.reference;
                let reference = reference.as_ref().map(NonBlank::as_str);
                settle(conn, &caller, id, status, Settlement::Paid(reference)).await
            },
        )
        .await
}

/// How a fee the school owes is settled.
#[derive(Debug, Clone, Copy)]
enum Settlement<'a> {
    /// Let off, for this reason.
    Waived(&'a str),
    /// Paid, with the school's reference if it gave one.
    Paid(Option<&'a str>),
}

/// The status of the fee `id`, locked, once `caller` may settle it: 404 otherwise.
async fn owed_fee(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
) -> Result<FeeStatus, ApiError> {
    let what = format!("Fee {id}");
    let (status, hub_id) = queries::lock(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(&what))?;
    authorize(caller, &Action::SettleFee { hub_id })
        .map_err(|refusal| refusal.into_error(&what))?;
    Ok(status)
}

/// Settles the fee `id`, locked at `status`, if it is still owed (else 409), audited; answers
/// the fee.
async fn settle(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
    status: FeeStatus,
    settlement: Settlement<'_>,
) -> Result<Answer, ApiError> {
    let refused = |why: &str| Err(ApiError::Conflict(why.into()));
    match status {
        FeeStatus::Owed => {}
        FeeStatus::Waived => return refused("The fee is already waived."),
        FeeStatus::Paid => return refused("The fee is paid already."),
        FeeStatus::Voided => {
            return refused("The fee was voided by a correction of attendance: nothing is owed.");
        }
    }
    let (action, after, (said, what)) = match settlement {
        Settlement::Waived(reason) => {
            queries::waive(conn, id, caller.id, reason).await?;
            ("fee.waived", FeeStatus::Waived, ("reason", Some(reason)))
        }
        Settlement::Paid(reference) => {
            queries::record_payment(conn, id, reference).await?;
            ("fee.paid", FeeStatus::Paid, ("reference", reference))
        }
    };
    let details = serde_json::json!({"before": status, "after": after, said: what});
    audit::record(
        conn,
        Some(caller.id),
        action,
        "fee",
        &id.to_string(),
        details,
    )
    .await?;
    let row = queries::find(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Fee {id}")))?;
    Answer::ok(&Fee::from(row))
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_fees)
        .service(waive_fee)
        .service(record_fee_payment);
}
