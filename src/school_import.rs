//! Importing schools from a Get Information about Schools CSV, for the command line
//! (`mathshub import schools FILE.csv`) and the API (`POST /api/v1/schools/import`) alike.
//!
//! The whole file is read first (`domain::gias`), so a malformed one changes nothing. Then,
//! in one transaction with the schools table locked against other writers, each row's
//! authority and district are resolved and the rows are upserted by URN in batches: new
//! schools inserted, changed ones updated (a school GIAS shows closed is marked closed;
//! nothing is ever deleted), the rest counted as unchanged. A row with a bad value is
//! rejected on its own, with its line, its URN and the reasons, and the good rows go in.
//! One audit record per import holds its counts.
//!
//! `LA (code)` is the DfE LA number (`local_authorities.la_number`). Where no authority has
//! that number, the education authority named exactly `LA (name)` (any case) is used if it
//! has no number recorded yet, so that files import before every number is recorded.

use std::collections::HashMap;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::audit;
use crate::db::school_writes::{self as writes, SchoolFields};
use crate::domain::gias::{self, GiasRow, GiasSchool, MalformedFile};
use crate::domain::school::{AuthorityFacts, check_district, check_education_authority};
use crate::error::ApiError;

/// Rows written per statement: large enough to be quick, small enough to show progress and
/// to keep each statement well inside the server's statement timeout.
const BATCH_ROWS: usize = 5_000;

/// Who asked for an import.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// An admin, through the API.
    Api { actor: uuid::Uuid },
    /// Someone at the server's command line.
    CommandLine,
}

/// Told `(rows settled, rows in the file)` as the import goes.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// What an import did.
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(example = json!({
    "rows": 4, "inserted": 1, "updated": 1, "unchanged": 1, "rejected": 1,
    "rejected_rows": [{"line": 5, "urn": "13708", "reason": "URN: must be a six-digit DfE URN, such as 137083"}]
}))]
pub struct ImportReport {
    /// Data rows in the file (the header aside).
    #[schema(format = Int64)]
    pub rows: usize,
    #[schema(format = Int64)]
    pub inserted: usize,
    #[schema(format = Int64)]
    pub updated: usize,
    #[schema(format = Int64)]
    pub unchanged: usize,
    #[schema(format = Int64)]
    pub rejected: usize,
    /// Every rejected row, in file order.
    pub rejected_rows: Vec<RejectedRow>,
}

/// A row that was not imported, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedRow {
    /// The line the row starts on; the header is line 1.
    pub line: u64,
    /// The URN as the file gives it.
    pub urn: String,
    /// Every problem with the row, each naming its column.
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file cannot be imported, so nothing changed: {0}")]
    Malformed(#[from] MalformedFile),
    #[error("the database refused the import: {0}")]
    Database(#[from] diesel::result::Error),
}

impl From<ImportError> for ApiError {
    fn from(error: ImportError) -> Self {
        match error {
            // The document says only "CSV text": what a GIAS file must hold is beyond it.
            ImportError::Malformed(_) => ApiError::unprocessable("body", error.to_string()),
            ImportError::Database(error) => error.into(),
        }
    }
}

/// Imports a GIAS CSV file.
pub async fn import(
    conn: &mut AsyncPgConnection,
    file: &[u8],
    source: Source,
    progress: Progress<'_>,
) -> Result<ImportReport, ImportError> {
    let rows = gias::read(file)?;
    progress(0, rows.len());
    let lines_of_urn = lines_of_each_urn(&rows);
    conn.transaction::<_, ImportError, _>(async |conn| {
        writes::lock_for_import(conn).await?;
        let authorities = Authorities::new(writes::all_authorities(conn).await?);
        let mut report = ImportReport {
            rows: rows.len(),
            ..ImportReport::default()
        };
        let mut accepted = Vec::with_capacity(rows.len());
        for row in &rows {
            let repeated = &lines_of_urn[row.urn.as_str()];
            match resolve(row, repeated, &authorities) {
                Ok(fields) => accepted.push(fields),
                Err(reasons) => report.rejected_rows.push(RejectedRow {
                    line: row.line,
                    urn: row.urn.clone(),
                    reason: reasons.join("; "),
                }),
            }
        }
        report.rejected = report.rejected_rows.len();
        progress(report.rejected, report.rows);
        for batch in accepted.chunks(BATCH_ROWS) {
            upsert(conn, batch, &mut report).await?;
            progress(
                report.rejected + report.inserted + report.updated + report.unchanged,
                report.rows,
            );
        }
        let (actor, via) = match source {
            Source::Api { actor } => (Some(actor), "api"),
            Source::CommandLine => (None, "command_line"),
        };
        audit::record(
            conn,
            actor,
            "schools.imported",
            "school_import",
            &uuid::Uuid::now_v7().to_string(),
            serde_json::json!({
                "via": via, "rows": report.rows, "inserted": report.inserted,
                "updated": report.updated, "unchanged": report.unchanged,
                "rejected": report.rejected,
            }),
        )
        .await?;
        Ok(report)
    })
    .await
}

/// The lines each URN (as written) appears on.
fn lines_of_each_urn(rows: &[GiasRow]) -> HashMap<&str, Vec<u64>> {
    let mut lines: HashMap<&str, Vec<u64>> = HashMap::with_capacity(rows.len());
    for row in rows {
        lines.entry(row.urn.as_str()).or_default().push(row.line);
    }
    lines
}

/// The row as a school to store, or every reason it cannot be one.
fn resolve(
    row: &GiasRow,
    lines_of_urn: &[u64],
    authorities: &Authorities,
) -> Result<SchoolFields, Vec<String>> {
    let school = row.parse();
    let mut reasons = match &school {
        Ok(_) => Vec::new(),
        Err(reasons) => reasons.clone(),
    };
    // Which of two rows is right cannot be known: neither is imported.
    if lines_of_urn.len() > 1 && !row.urn.is_empty() {
        let lines: Vec<String> = lines_of_urn.iter().map(u64::to_string).collect();
        reasons.push(format!(
            "{}: {} is on lines {}, so none of them is imported",
            gias::URN,
            row.urn,
            lines.join(", ")
        ));
    }
    let school = match school {
        Ok(school) if reasons.is_empty() => school,
        _ => return Err(reasons),
    };
    let (la_code, district_code) = authorities.place(&school)?;
    Ok(SchoolFields {
        urn: school.urn.into_inner(),
        name: school.name,
        phase: school.phase,
        la_code,
        district_code,
        postcode: school.postcode.map(|postcode| postcode.into_inner()),
        status: school.status,
    })
}

/// Inserts the batch's new schools and updates its changed ones, counting each kind.
async fn upsert(
    conn: &mut AsyncPgConnection,
    batch: &[SchoolFields],
    report: &mut ImportReport,
) -> diesel::QueryResult<()> {
    let urns: Vec<&str> = batch.iter().map(|school| school.urn.as_str()).collect();
    let stored: HashMap<String, SchoolFields> = writes::existing(conn, &urns)
        .await?
        .into_iter()
        .map(|school| (school.urn.clone(), school))
        .collect();
    let (mut new, mut changed) = (Vec::new(), Vec::new());
    for school in batch {
        match stored.get(&school.urn) {
            None => new.push(school),
            Some(current) if current == school => report.unchanged += 1,
            Some(_) => changed.push(school),
        }
    }
    writes::insert_many(conn, &new).await?;
    writes::update_many(conn, &changed).await?;
    report.inserted += new.len();
    report.updated += changed.len();
    Ok(())
}

/// Every local authority, found by GSS code, by LA number, and (those with no number yet)
/// by name.
struct Authorities {
    by_code: HashMap<String, AuthorityFacts>,
    code_by_number: HashMap<String, String>,
    unnumbered_code_by_name: HashMap<String, String>,
}

impl Authorities {
    fn new(all: Vec<AuthorityFacts>) -> Self {
        let mut code_by_number = HashMap::new();
        let mut unnumbered_code_by_name = HashMap::new();
        for authority in &all {
            match &authority.la_number {
                Some(number) => {
                    code_by_number.insert(number.clone(), authority.gss_code.clone());
                }
                None if authority.kind.is_education_authority() => {
                    unnumbered_code_by_name
                        .insert(authority.name.to_lowercase(), authority.gss_code.clone());
                }
                None => {}
            }
        }
        Self {
            by_code: all
                .into_iter()
                .map(|authority| (authority.gss_code.clone(), authority))
                .collect(),
            code_by_number,
            unnumbered_code_by_name,
        }
    }

    /// The school's authority and district (GSS codes), or why they are not acceptable.
    fn place(&self, school: &GiasSchool) -> Result<(String, Option<String>), Vec<String>> {
        let code = school
            .la_number
            .as_ref()
            .and_then(|number| self.code_by_number.get(number))
            .or_else(|| {
                self.unnumbered_code_by_name
                    .get(&school.la_name.to_lowercase())
            })
            .ok_or_else(|| {
                vec![format!(
                    "{}: no local authority has the LA number {}, and no education authority \
                     without one is named `{}` ({})",
                    gias::LA_NUMBER,
                    school.la_number.as_deref().unwrap_or("(blank)"),
                    school.la_name,
                    gias::LA_NAME
                )]
            })?;
        let authority = &self.by_code[code];
        check_education_authority(authority)
            .map_err(|error| vec![format!("{}: {error}", gias::LA_NUMBER)])?;
        let district = match &school.district {
            // GIAS gives a borough's or unitary's schools the authority itself as district.
            Some(district) if district.as_str() != authority.gss_code => {
                let facts = self.by_code.get(district.as_str()).ok_or_else(|| {
                    vec![format!(
                        "{}: no local authority has the GSS code {district}",
                        gias::DISTRICT
                    )]
                })?;
                check_district(facts, authority)
                    .map_err(|error| vec![format!("{}: {error}", gias::DISTRICT)])?;
                Some(district.as_str().to_owned())
            }
            _ => None,
        };
        Ok((authority.gss_code.clone(), district))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LaKind;

    fn authority(code: &str, number: Option<&str>, name: &str, kind: LaKind) -> AuthorityFacts {
        AuthorityFacts {
            gss_code: code.into(),
            la_number: number.map(str::to_owned),
            name: name.into(),
            kind,
            parent_gss_code: (kind == LaKind::District).then(|| "E10000016".to_owned()),
            retired: false,
        }
    }

    fn authorities() -> Authorities {
        Authorities::new(vec![
            authority("E10000016", Some("886"), "Kent", LaKind::County),
            authority("E07000107", None, "Dartford", LaKind::District),
            authority("E09000009", None, "Ealing", LaKind::LondonBorough),
            authority(
                "E09000002",
                Some("301"),
                "Barking and Dagenham",
                LaKind::LondonBorough,
            ),
        ])
    }

    fn school(la_number: Option<&str>, la_name: &str, district: Option<&str>) -> GiasSchool {
        GiasSchool {
            urn: crate::domain::Urn::parse("137083").unwrap(),
            name: "A School".into(),
            phase: crate::domain::SchoolPhase::Primary,
            la_number: la_number.map(str::to_owned),
            la_name: la_name.into(),
            district: district.map(|code| crate::domain::GssCode::parse(code).unwrap()),
            postcode: None,
            status: crate::domain::SchoolStatus::Open,
        }
    }

    fn place(school: &GiasSchool) -> Result<(String, Option<String>), String> {
        authorities()
            .place(school)
            .map_err(|reasons| reasons.join("; "))
    }

    #[test]
    fn the_la_number_finds_the_authority_and_a_county_keeps_its_district() {
        assert_eq!(
            place(&school(Some("886"), "Kent County", Some("E07000107"))),
            Ok(("E10000016".into(), Some("E07000107".into())))
        );
    }

    #[test]
    fn an_unknown_number_falls_back_to_the_name_of_an_unnumbered_authority() {
        assert_eq!(
            place(&school(Some("307"), "EALING", Some("E09000009"))),
            Ok(("E09000009".into(), None)),
            "a borough's own code as district means no district"
        );
        assert_eq!(
            place(&school(None, "Ealing", None)),
            Ok(("E09000009".into(), None))
        );
        // Barking and Dagenham has its number: a name alone does not reach it.
        let refused = place(&school(Some("999"), "Barking and Dagenham", None)).unwrap_err();
        assert!(
            refused.contains("no local authority has the LA number 999"),
            "{refused}"
        );
        assert!(
            place(&school(None, "Dartford", None)).is_err(),
            "districts are not LAs"
        );
    }

    #[test]
    fn a_district_must_be_one_of_the_county() {
        let refused = place(&school(Some("301"), "", Some("E07000107"))).unwrap_err();
        assert!(
            refused.starts_with("DistrictAdministrative (code): "),
            "{refused}"
        );
        let unknown = place(&school(Some("886"), "Kent", Some("E07000999"))).unwrap_err();
        assert!(
            unknown.contains("no local authority has the GSS code E07000999"),
            "{unknown}"
        );
    }
}
