//! `POST /schools/import`: national admins import a Get Information about Schools CSV, sent
//! as the body, through the same module as `mathshub import schools` (`crate::school_import`).

use actix_web::{HttpResponse, post, web};

use crate::api::reference_data::may_change;
use crate::auth::Caller;
use crate::db::DbPool;
use crate::error::ApiError;
use crate::http::write::{Answer, Csv, Write};
use crate::school_import::{self, ImportReport, Source};

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
        crate::http::problems::ProtectedUploadErrors,
    )
)]
#[post("/schools/import")]
pub async fn import_schools(
    caller: Caller,
    write: Write<Csv>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| may_change(&caller, "Schools"),
            async |conn, (), Csv(file)| {
                let source = Source::Api { actor: caller.id };
                let report = school_import::import(conn, &file, source, &|_, _| {}).await?;
                Answer::ok(&report)
            },
        )
        .await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(import_schools);
}
