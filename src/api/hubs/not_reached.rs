//! The list a hub works from to reach schools "not yet involved": the open schools of the
//! authorities it covers now that have never signed up (an enrolment from the school accepted
//! at some point, with any hub: the reach report's rule), or not in the last few academic
//! years; as JSON pages, or whole as CSV. For the hub's managers and national admins.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;
use chrono_tz::Europe::London;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::schools::School;
use crate::auth::policy::UNKNOWN_HUB;
use crate::auth::{Action, Caller, authorize};
use crate::db::DbPool;
use crate::db::unreached_schools::{self as queries, UnreachedFilter, UnreachedSchoolRow};
use crate::domain::{AcademicYear, GssCode, SchoolPhase, YearsSpan};
use crate::error::ApiError;
use crate::http::csv::{download, spreadsheet_text};
use crate::http::extract::deferred::Deferred;
use crate::http::extract::negotiation;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, Page, refuse_paging};
use crate::http::parse::named_hub;

const TAG: &str = "Reports";

/// An open school of the hub's area that has not signed up in the span asked for.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "school": {"urn": "101930", "name": "Ealing Fields High School", "phase": "secondary",
               "status": "open", "local_authority": {"gss_code": "E09000009", "name": "Ealing"},
               "district": null, "postcode": "W5 4EA"},
    "last_signed_up": "2021/22"
}))]
pub struct SchoolNotReached {
    pub school: School,
    /// The last academic year an enrolment from the school was accepted, with any hub;
    /// `null`: never.
    #[schema(example = "2021/22")]
    pub last_signed_up: Option<String>,
}

impl From<UnreachedSchoolRow> for SchoolNotReached {
    fn from(row: UnreachedSchoolRow) -> Self {
        Self {
            school: School::from(row.school),
            last_signed_up: row.last_signed_up,
        }
    }
}

/// Filters of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotReachedQuery {
    /// Schools that have not signed up in any of the last this many academic years, the
    /// current one included (1 to 20); without it, schools that have never signed up.
    #[param(value_type = Option<YearsSpan>, inline, example = 3)]
    years: Option<String>,
    /// Only schools in this local authority or district (GSS code).
    #[param(value_type = Option<String>, example = "E09000009")]
    local_authority: Option<String>,
    /// Only schools of this GIAS phase.
    #[param(value_type = Option<SchoolPhase>)]
    phase: Option<String>,
}

#[derive(Debug)]
pub struct NotReachedFilter {
    years: Option<YearsSpan>,
    local_authority: Option<GssCode>,
    phase: Option<SchoolPhase>,
}

impl Filters for NotReachedFilter {
    type Raw = NotReachedQuery;

    fn parse(raw: NotReachedQuery, errors: &mut FieldErrors) -> Option<Self> {
        let years = |text: &str| {
            let refused = || {
                crate::domain::ParseError(format!(
                    "must be a whole number of years between {} and {}",
                    YearsSpan::MIN,
                    YearsSpan::MAX
                ))
            };
            text.parse::<i64>()
                .map_err(|_| refused())
                .and_then(YearsSpan::parse)
        };
        Some(Self {
            years: errors.parse("years", raw.years, years),
            local_authority: errors.parse("local_authority", raw.local_authority, GssCode::parse),
            phase: errors.parse("phase", raw.phase, SchoolPhase::parse),
        })
    }
}

impl NotReachedFilter {
    /// The first academic year of the span: this one, and `years - 1` before it.
    fn since(&self) -> Option<AcademicYear> {
        self.years.map(|years| {
            let today = Utc::now().with_timezone(&London).date_naive();
            AcademicYear::starting(AcademicYear::containing(today).start_year() - years.get() + 1)
        })
    }
}

/// The query string of the list below: its filters, page size and cursor.
type NotReachedList = ListQuery<NotReachedFilter, String>;

const COLUMNS: [&str; 9] = [
    "urn",
    "name",
    "phase",
    "local_authority_code",
    "local_authority_name",
    "district_code",
    "district_name",
    "postcode",
    "last_signed_up",
];

/// An example table, for the OpenAPI document.
const EXAMPLE: &str = "\
urn,name,phase,local_authority_code,local_authority_name,district_code,district_name,postcode,last_signed_up
101930,Ealing Fields High School,secondary,E09000009,Ealing,,,W5 4EA,2021/22
101931,Drayton Manor Primary School,primary,E09000009,Ealing,,,W7 1EU,
";

/// The schools as CSV (RFC 4180).
fn to_csv(rows: &[UnreachedSchoolRow]) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS).map_err(ApiError::internal)?;
    for row in rows {
        let school = &row.school;
        let record = [
            school.urn.as_str(),
            &spreadsheet_text(&school.name),
            school.phase.as_str(),
            &school.la_code,
            &spreadsheet_text(&school.la_name),
            school.district_code.as_deref().unwrap_or_default(),
            &school
                .district_name
                .as_deref()
                .map(spreadsheet_text)
                .unwrap_or_default(),
            &school
                .postcode
                .as_deref()
                .map(spreadsheet_text)
                .unwrap_or_default(),
            row.last_signed_up.as_deref().unwrap_or_default(),
        ];
        writer.write_record(record).map_err(ApiError::internal)?;
    }
    writer.into_inner().map_err(ApiError::internal)
}

/// List the schools a hub has not reached (JSON, or CSV for spreadsheets)
///
/// The open schools of the local authorities the hub covers now that have never signed up
/// (an enrolment from the school accepted at some point, with any hub, as the reach report
/// counts signing up), or, with `years`, none in the last that many academic years (the
/// current one included), in URN order, each with the last academic year it signed up
/// (`null`: never). Filter by `local_authority` (an authority or one of its districts) and
/// `phase`. For the hub's managers and national admins; anyone else answers 403, and an
/// unknown hub 404 (403 to a hub manager, as any other hub).
///
/// With `Accept: text/csv` every school the filters select comes as one file, unpaged
/// (`limit` and `cursor` answer 400). JSON is the answer when `Accept` is absent or ranks
/// both alike; 406 when it names neither.
#[utoipa::path(
    tag = TAG,
    params(
        ("slug" = String, Path, description = "The hub's slug", example = "london-central-and-west"),
        NotReachedList,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of schools (JSON), or every school selected (CSV)",
         content(
             (Page<SchoolNotReached> = "application/json"),
             (String = "text/csv", example = json!(EXAMPLE)),
         ),
         headers(
             ("Link" = String, description = "JSON: `<…>; rel=\"next\"` when a next page exists"),
             ("Content-Disposition" = String, description = "CSV: `attachment; filename=\"schools-not-reached-london-central-and-west.csv\"`, with the span when given (`…-3-years.csv`)"),
             ("Vary" = String, description = "`Accept`"),
             ("ETag" = String),
         )),
        (status = 406, response = crate::http::problems::NotAcceptable),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/hubs/{slug}/schools-not-reached")]
pub async fn list_schools_not_reached(
    caller: Caller,
    request: HttpRequest,
    path: web::Path<String>,
    query: Deferred<NotReachedList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let refused = |refusal: crate::auth::policy::Refusal| refusal.into_error("The list");
    // Who may read any hub's list is known before the hub is looked up.
    let own_hub = caller.hub_id.unwrap_or(UNKNOWN_HUB);
    authorize(&caller, &Action::ReadSchoolsNotReached { hub_id: own_hub }).map_err(refused)?;
    let mut conn = pool.get().await?;
    let hub_id = named_hub(&mut conn, &path).await?;
    authorize(&caller, &Action::ReadSchoolsNotReached { hub_id }).map_err(refused)?;
    if hub_id == UNKNOWN_HUB {
        return Err(ApiError::not_found(format!("Hub {path}")));
    }
    let query = query.take()?;
    let as_csv = negotiation::wants_csv(&request)?;
    let filter = UnreachedFilter {
        hub_id,
        since: query.filters.since(),
        local_authority: query.filters.local_authority.clone(),
        phase: query.filters.phase,
    };
    let response = if as_csv {
        refuse_paging(&request, "the CSV list")?;
        let rows = queries::all(&mut conn, &filter).await?;
        let span = query
            .filters
            .years
            .map(|years| format!("-{}-years", years.get()))
            .unwrap_or_default();
        download(
            format!("schools-not-reached-{path}{span}.csv"),
            to_csv(&rows)?,
        )
    } else {
        query
            .page
            .respond(
                &request,
                async |after: Option<&String>, count| {
                    queries::list(&mut conn, &filter, after.map(String::as_str), count).await
                },
                |school: &SchoolNotReached| school.school.urn.clone(),
            )
            .await?
    };
    Ok(negotiation::varies_by_accept(response))
}
