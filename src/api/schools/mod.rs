//! `/schools`: schools by DfE URN, as Get Information about Schools records them; national
//! admins create and change them one at a time (whole files: `api::schools::import`). A
//! school's contacts (`contacts`) see its own places and fees (`participation`).

pub mod contacts;
pub mod import;
pub mod participation;

use actix_web::http::header::HeaderValue;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::reference_data::may_change;
use crate::api::refs::{LocalAuthorityRef, reference};
use crate::auth::Caller;
use crate::db::school_writes::{self as writes, SchoolFields};
use crate::db::schools::{self as queries, SchoolFilter, SchoolRow};
use crate::db::{DbPool, audit};
use crate::domain::school::{SchoolName, check_district, check_education_authority};
use crate::domain::{GssCode, Postcode, SchoolPhase, SchoolStatus, Urn};
use crate::error::ApiError;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, NoQueryParameters, Page};
use crate::http::middleware::etag::require_current_if_sent;
use crate::http::parse::{nullable, parse_path, set_if_sent};
use crate::http::read;
use crate::http::write::{Answer, Write};

const TAG: &str = "Schools";

/// A school of England.
#[derive(Debug, Serialize, ToSchema)]
pub struct School {
    /// DfE Unique Reference Number.
    #[schema(example = "137083")]
    pub urn: String,
    #[schema(example = "Twyford Church of England High School")]
    pub name: String,
    pub phase: SchoolPhase,
    pub status: SchoolStatus,
    /// The local (education) authority that maintains or hosts the school.
    pub local_authority: LocalAuthorityRef,
    /// The district it sits in, where its authority is a county.
    pub district: Option<LocalAuthorityRef>,
    #[schema(example = "W3 9PP")]
    pub postcode: Option<String>,
}

impl From<SchoolRow> for School {
    fn from(row: SchoolRow) -> Self {
        Self {
            urn: row.urn,
            name: row.name,
            phase: row.phase,
            status: row.status,
            local_authority: LocalAuthorityRef {
                gss_code: row.la_code,
                name: row.la_name,
            },
            district: reference(row.district_code, row.district_name, |gss_code, name| {
                LocalAuthorityRef { gss_code, name }
            }),
            postcode: row.postcode,
        }
    }
}

/// Filters of `GET /schools`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SchoolQuery {
    /// Part of the name, any case.
    #[param(example = "twyford")]
    q: Option<String>,
    /// Only schools in this local authority or district (GSS code).
    #[param(value_type = Option<String>, example = "E09000009")]
    local_authority: Option<String>,
    /// Only schools of this GIAS phase.
    #[param(value_type = Option<SchoolPhase>)]
    phase: Option<String>,
    /// Only open, or only closed, schools.
    #[param(value_type = Option<SchoolStatus>)]
    status: Option<String>,
}

impl Filters for SchoolFilter {
    type Raw = SchoolQuery;

    fn parse(raw: SchoolQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            q: errors.parse("q", raw.q, crate::http::parse::non_empty),
            local_authority: errors.parse("local_authority", raw.local_authority, GssCode::parse),
            phase: errors.parse("phase", raw.phase, SchoolPhase::parse),
            status: errors.parse("status", raw.status, SchoolStatus::parse),
        })
    }
}

/// The query string of the list below: its filters, page size and cursor.
type SchoolList = ListQuery<SchoolFilter, String>;

/// List schools
///
/// Schools in URN order. `local_authority` matches a school's education authority or its
/// district, so both a county and one of its districts can be asked for.
#[utoipa::path(
    tag = TAG,
    params(SchoolList),
    responses(
        (status = 200, description = "One page of schools", body = Page<School>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ListErrors,
    )
)]
#[get("/schools")]
pub async fn list_schools(
    request: HttpRequest,
    query: SchoolList,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    query
        .respond(&request, &pool, queries::list, |school: &School| {
            school.urn.clone()
        })
        .await
}

/// Get a school
///
/// One school by its DfE URN.
#[utoipa::path(
    tag = TAG,
    params(("urn" = String, Path, description = "DfE Unique Reference Number", example = "137083")),
    responses(
        (status = 200, description = "The school", body = School, headers(("ETag" = String))),
        crate::http::problems::ReadErrors,
    )
)]
#[get("/schools/{urn}")]
pub async fn get_school(
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<School>, ApiError> {
    let urn = parse_path("urn", &path, Urn::parse)?;
    let mut conn = pool.get().await?;
    view(&mut conn, &urn).await.map(web::Json)
}

/// A new school, as its GIAS record gives it.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "urn": "137083", "name": "Twyford Church of England High School", "phase": "secondary",
    "local_authority": "E09000009", "district": null, "postcode": "W3 9PP", "status": "open"
}))]
pub struct NewSchool {
    /// DfE Unique Reference Number: six digits.
    #[schema(inline)]
    pub urn: Urn,
    #[schema(inline)]
    pub name: SchoolName,
    pub phase: SchoolPhase,
    /// The education authority (GSS code): a county, unitary or borough.
    #[schema(inline)]
    pub local_authority: GssCode,
    /// For a school in a county: one of that county's districts (GSS code).
    #[schema(inline)]
    pub district: Option<GssCode>,
    #[schema(inline)]
    pub postcode: Option<Postcode>,
    /// `open` when left out.
    pub status: Option<SchoolStatus>,
}

/// `NewSchool` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "NewSchool", deny_unknown_fields)]
pub struct NewSchoolForm {
    urn: String,
    name: String,
    phase: String,
    local_authority: String,
    district: Option<String>,
    postcode: Option<String>,
    status: Option<String>,
}

impl TryFrom<NewSchoolForm> for NewSchool {
    type Error = ApiError;

    fn try_from(form: NewSchoolForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let urn = errors.parse("urn", Some(form.urn), Urn::parse);
        let name = errors.parse("name", Some(form.name), SchoolName::parse);
        let phase = errors.parse("phase", Some(form.phase), SchoolPhase::parse);
        let local_authority = errors.parse(
            "local_authority",
            Some(form.local_authority),
            GssCode::parse,
        );
        let district = errors.parse("district", form.district, GssCode::parse);
        let postcode = errors.parse("postcode", form.postcode, Postcode::parse);
        let status = errors.parse("status", form.status, SchoolStatus::parse);
        errors.finish(|| {
            Some(Self {
                urn: urn?,
                name: name?,
                phase: phase?,
                local_authority: local_authority?,
                district,
                postcode,
                status,
            })
        })
    }
}

impl NewSchool {
    /// The URN, and the school's fields (`open` unless a status was sent).
    fn into_parts(self) -> (Urn, SchoolFields) {
        let fields = SchoolFields {
            urn: self.urn.as_str().to_owned(),
            name: self.name.into_inner(),
            phase: self.phase,
            la_code: self.local_authority.into_inner(),
            district_code: self.district.map(GssCode::into_inner),
            postcode: self.postcode.map(Postcode::into_inner),
            status: self.status.unwrap_or(SchoolStatus::Open),
        };
        (self.urn, fields)
    }
}

/// Changes to a school; what is left out stays, `null` clears `district` or `postcode`.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Twyford CofE High School", "status": "closed"}))]
pub struct SchoolChanges {
    #[schema(inline)]
    pub name: Option<SchoolName>,
    pub phase: Option<SchoolPhase>,
    /// The education authority (GSS code).
    #[schema(inline)]
    pub local_authority: Option<GssCode>,
    #[schema(inline)]
    pub district: Option<Option<GssCode>>,
    #[schema(inline)]
    pub postcode: Option<Option<Postcode>>,
    pub status: Option<SchoolStatus>,
}

/// `SchoolChanges` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "SchoolChanges", deny_unknown_fields)]
pub struct SchoolChangesForm {
    name: Option<String>,
    phase: Option<String>,
    local_authority: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    district: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    postcode: Option<Option<String>>,
    status: Option<String>,
}

impl TryFrom<SchoolChangesForm> for SchoolChanges {
    type Error = ApiError;

    fn try_from(form: SchoolChangesForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.parse("name", form.name, SchoolName::parse);
        let phase = errors.parse("phase", form.phase, SchoolPhase::parse);
        let local_authority = errors.parse("local_authority", form.local_authority, GssCode::parse);
        let district = errors.parse_nullable("district", form.district, GssCode::parse);
        let postcode = errors.parse_nullable("postcode", form.postcode, Postcode::parse);
        let status = errors.parse("status", form.status, SchoolStatus::parse);
        errors.finish(|| {
            Some(Self {
                name,
                phase,
                local_authority,
                district,
                postcode,
                status,
            })
        })
    }
}

impl SchoolChanges {
    /// Whether the change moves the school to another authority or district.
    fn moves(&self) -> bool {
        self.local_authority.is_some() || self.district.is_some()
    }

    /// `fields` with what was sent set.
    fn apply_to(self, mut fields: SchoolFields) -> SchoolFields {
        set_if_sent(&mut fields.name, self.name.map(SchoolName::into_inner));
        set_if_sent(&mut fields.phase, self.phase);
        set_if_sent(
            &mut fields.la_code,
            self.local_authority.map(GssCode::into_inner),
        );
        set_if_sent(
            &mut fields.district_code,
            self.district.map(|code| code.map(GssCode::into_inner)),
        );
        set_if_sent(
            &mut fields.postcode,
            self.postcode
                .map(|postcode| postcode.map(Postcode::into_inner)),
        );
        set_if_sent(&mut fields.status, self.status);
        fields
    }
}

/// 422 naming `local_authority` unless it is an education authority, and `district` unless
/// it is a district of that (county) authority.
async fn check_place(
    conn: &mut AsyncPgConnection,
    la_code: &str,
    district_code: Option<&str>,
) -> Result<(), ApiError> {
    let codes: Vec<&str> = [Some(la_code), district_code]
        .into_iter()
        .flatten()
        .collect();
    let facts = writes::authorities(conn, &codes).await?;
    let find = |code: &str| facts.iter().find(|facts| facts.gss_code == code);
    let unknown = |code: &str| format!("no local authority has the GSS code {code}");
    let mut errors = FieldErrors::default();
    let authority = find(la_code);
    match authority {
        None => errors.refuse("local_authority", unknown(la_code)),
        Some(authority) => {
            if let Err(error) = check_education_authority(authority) {
                errors.refuse("local_authority", error.0);
            }
        }
    }
    if let Some(code) = district_code {
        match (find(code), authority) {
            (None, _) => errors.refuse("district", unknown(code)),
            (Some(district), Some(authority)) => {
                if let Err(error) = check_district(district, authority) {
                    errors.refuse("district", error.0);
                }
            }
            (Some(_), None) => {}
        }
    }
    errors.into_result()
}

/// The school as `GET /schools/{urn}` shows it.
async fn view(conn: &mut AsyncPgConnection, urn: &Urn) -> Result<School, ApiError> {
    read::found(conn, "School", urn, queries::find).await
}

/// Create a school
///
/// Adds a school that Get Information about Schools lists (for national admins; a whole
/// GIAS file is imported with `POST /schools/import`). Its authority must be an education
/// authority, and its district, if any, a district of that county. A URN already stored
/// answers 409.
#[utoipa::path(
    tag = TAG,
    request_body = NewSchool,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = School,
         headers(("Location" = String, description = "The new school's URL"))),
        crate::http::problems::ProtectedWriteErrors,
    )
)]
#[post("/schools")]
pub async fn create_school(
    caller: Caller,
    write: Write<NewSchoolForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| may_change(&caller, "Schools"),
            async |conn, (), form| {
                let (urn, fields) = NewSchool::try_from(form)?.into_parts();
                check_place(conn, &fields.la_code, fields.district_code.as_deref()).await?;
                writes::insert(conn, &fields).await?;
                audit::record(
                    conn,
                    Some(caller.id),
                    "school.created",
                    "school",
                    &fields.urn,
                    serde_json::json!({"after": fields}),
                )
                .await?;
                let school = view(conn, &urn).await?;
                Answer::created(format!("/api/v1/schools/{}", school.urn), &school)
            },
        )
        .await
}

/// Update a school
///
/// Changes a school (for national admins); fields left out stay, `null` clears `district`
/// or `postcode`. A new authority or district must fit as they do on creation. Send the
/// `ETag` of your copy in `If-Match` to refuse the change (412) if someone changed the
/// school since.
#[utoipa::path(
    tag = TAG,
    params(
        ("urn" = String, Path, description = "DfE Unique Reference Number", example = "137083"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on"),
    ),
    request_body = SchoolChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed school", body = School),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[patch("/schools/{urn}")]
pub async fn update_school(
    caller: Caller,
    path: web::Path<String>,
    write: Write<SchoolChangesForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| {
                may_change(&caller, "Schools")?;
                parse_path("urn", &path, Urn::parse)
            },
            async |conn, urn, form| {
                let changes = SchoolChanges::try_from(form)?;
                let before = lock_current(conn, &urn, write.if_match()?).await?;
                let moves = changes.moves();
                let fields = changes.apply_to(before.clone());
                // Only a move is checked: a school of an authority retired since may be renamed.
                if moves {
                    check_place(conn, &fields.la_code, fields.district_code.as_deref()).await?;
                }
                save(conn, &caller, &before, &fields).await?;
                Answer::ok(&view(conn, &urn).await?)
            },
        )
        .await
}

/// Locks the school `urn` for a change: 404 when there is none, 412 when `if_match` is sent
/// and names another version of its view.
async fn lock_current(
    conn: &mut AsyncPgConnection,
    urn: &Urn,
    if_match: Option<&HeaderValue>,
) -> Result<SchoolFields, ApiError> {
    let before = writes::lock(conn, urn.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("School {urn}")))?;
    require_current_if_sent(if_match, "School", urn, async || view(conn, urn).await).await?;
    Ok(before)
}

/// Writes the school's new `fields`, audited as `caller`'s change from `before`.
async fn save(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    before: &SchoolFields,
    fields: &SchoolFields,
) -> Result<(), ApiError> {
    writes::update(conn, fields).await?;
    let details = serde_json::json!({"before": before, "after": fields});
    audit::record(
        conn,
        Some(caller.id),
        "school.updated",
        "school",
        &fields.urn,
        details,
    )
    .await?;
    Ok(())
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_schools)
        .service(get_school)
        .service(create_school)
        .service(update_school);
    import::configure(config);
    contacts::configure(config);
    participation::configure(config);
}
