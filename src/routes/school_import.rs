//! `POST /schools/import`: national admins import a Get Information about Schools CSV, sent
//! as the body, through the same module as `mathshub import schools` (`crate::school_import`).

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, post, web};

use crate::auth::{Action, Caller, authorize};
use crate::db::DbPool;
use crate::error::ApiError;
use crate::school_import::{self, ImportReport, Source};
use crate::startup::MAX_CSV_BYTES;

const TAG: &str = "Schools";

/// Import schools from GIAS
///
/// Imports a Get Information about Schools CSV, sent as a `text/csv` body of at most
/// 128 MiB (a whole national extract), for national admins. The file needs the columns
/// `URN`, `EstablishmentName`, `LA (code)`, `LA (name)`, `PhaseOfEducation (name)`,
/// `DistrictAdministrative (code)`, `Postcode` and `EstablishmentStatus (name)` in any
/// order; other columns are ignored. Values are read as GIAS spells them: phases such as
/// `Middle deemed primary`, `16 plus` or `All-through`; statuses `Open` and `Open, but
/// proposed to close` (open), `Closed` (closed), while a school `Proposed to open` is not
/// imported until it opens. `LA (code)` is the DfE LA number; where no authority has it yet,
/// the education authority named `LA (name)` is used if it has no number either.
///
/// Rows are upserted by URN in one transaction: schools absent from the file stay as they
/// are, and none is ever deleted. A row with a bad value is rejected on its own and named in
/// `rejected_rows` with its line, URN and reasons, while the good rows are imported. A file
/// that cannot be read as such a CSV (not UTF-8, a required column missing, rows longer or
/// shorter than the header) changes nothing and answers 422 saying why.
#[utoipa::path(
    tag = TAG,
    request_body(
        content = String,
        content_type = "text/csv",
        description = "A GIAS CSV file, UTF-8, at most 128 MiB",
        example = json!("URN,EstablishmentName,LA (code),LA (name),PhaseOfEducation (name),DistrictAdministrative (code),Postcode,EstablishmentStatus (name)\n137083,Twyford Church of England High School,307,Ealing,Secondary,E09000009,W3 9PP,Open\n")
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file was read: what was imported, and every row rejected", body = ImportReport),
        crate::openapi::ProtectedUploadErrors,
    )
)]
#[post("/schools/import")]
pub async fn import_schools(
    caller: Caller,
    request: HttpRequest,
    payload: web::Payload,
    pool: web::Data<DbPool>,
) -> Result<web::Json<ImportReport>, ApiError> {
    authorize(&caller, &Action::ManageReferenceData)
        .map_err(|refusal| refusal.into_error("Schools"))?;
    require_csv(&request)?;
    let file = read_body(&request, payload).await?;
    let mut conn = pool.get().await?;
    let report = school_import::import(
        &mut conn,
        &file,
        Source::Api { actor: caller.id },
        &|_, _| {},
    )
    .await?;
    Ok(web::Json(report))
}

fn require_csv(request: &HttpRequest) -> Result<(), ApiError> {
    match request.mime_type() {
        Ok(Some(mime)) if mime.essence_str() == "text/csv" => Ok(()),
        _ => Err(ApiError::invalid("body", "must be sent as text/csv")),
    }
}

/// The whole body, refused with 413 as soon as it is known to exceed `MAX_CSV_BYTES`: at
/// once when `Content-Length` says so, otherwise when that much has arrived.
async fn read_body(request: &HttpRequest, payload: web::Payload) -> Result<web::Bytes, ApiError> {
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "CSV files are limited to {MAX_CSV_BYTES} bytes ({} MiB).",
            MAX_CSV_BYTES >> 20
        ))
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_CSV_BYTES as u64) {
        return Err(too_large());
    }
    payload
        .to_bytes_limited(MAX_CSV_BYTES)
        .await
        .map_err(|_| too_large())?
        .map_err(|error| ApiError::invalid("body", format!("could not be read: {error}")))
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(import_schools);
}
