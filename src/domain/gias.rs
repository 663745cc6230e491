//! The Get Information about Schools (GIAS) CSV layout, read without a database. The eight
//! columns of SPEC §2 may come in any order among any others (a full GIAS extract has about
//! 130; the rest are ignored). Values are read as GIAS spells them, in any case:
//!
//! | `PhaseOfEducation (name)` | phase |
//! | --- | --- |
//! | `Nursery`, `Primary`, `Secondary` | `nursery`, `primary`, `secondary` |
//! | `Middle deemed primary`, `Middle deemed secondary` | `middle_deemed_primary`, `middle_deemed_secondary` |
//! | `16 plus` | `sixteen_plus` |
//! | `All-through` | `all_through` |
//! | `Not applicable` | `not_applicable` |
//!
//! | `EstablishmentStatus (name)` | status |
//! | --- | --- |
//! | `Open` | `open` |
//! | `Open, but proposed to close` | `open`: it still teaches, and its teachers may still enrol |
//! | `Closed` | `closed` |
//! | `Proposed to open` | the row is refused: a school is imported once it has opened |
//!
//! A file that is not such a CSV (not UTF-8, a required column missing or named twice, rows
//! longer or shorter than the header…) is refused as a whole. A row with a bad value is
//! refused on its own, with every reason.

use super::{GssCode, ParseError, Postcode, SchoolPhase, SchoolStatus, Urn, school};

pub const URN: &str = "URN";
pub const NAME: &str = "EstablishmentName";
pub const LA_NUMBER: &str = "LA (code)";
pub const LA_NAME: &str = "LA (name)";
pub const PHASE: &str = "PhaseOfEducation (name)";
pub const DISTRICT: &str = "DistrictAdministrative (code)";
pub const POSTCODE: &str = "Postcode";
pub const STATUS: &str = "EstablishmentStatus (name)";

/// The columns an import needs, in the order `GiasRow` holds them.
const REQUIRED: [&str; 8] = [
    URN, NAME, LA_NUMBER, LA_NAME, PHASE, DISTRICT, POSTCODE, STATUS,
];

const PHASES: [(&str, SchoolPhase); 8] = [
    ("Nursery", SchoolPhase::Nursery),
    ("Primary", SchoolPhase::Primary),
    ("Middle deemed primary", SchoolPhase::MiddleDeemedPrimary),
    ("Secondary", SchoolPhase::Secondary),
    (
        "Middle deemed secondary",
        SchoolPhase::MiddleDeemedSecondary,
    ),
    ("16 plus", SchoolPhase::SixteenPlus),
    ("All-through", SchoolPhase::AllThrough),
    ("Not applicable", SchoolPhase::NotApplicable),
];

/// Why a whole file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedFile(pub String);

/// One data row as read: the required columns, trimmed. `line` is where the row starts in
/// the file, the header being line 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiasRow {
    pub line: u64,
    pub urn: String,
    pub name: String,
    pub la_number: String,
    pub la_name: String,
    pub phase: String,
    pub district: String,
    pub postcode: String,
    pub status: String,
}

/// A row whose values all have the right shape. Its authority and district are still to be
/// resolved against the database's local authorities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiasSchool {
    pub urn: Urn,
    pub name: String,
    pub phase: SchoolPhase,
    /// The DfE LA number, when given.
    pub la_number: Option<String>,
    pub la_name: String,
    pub district: Option<GssCode>,
    pub postcode: Option<Postcode>,
    pub status: SchoolStatus,
}

/// Reads every data row of a GIAS CSV, or refuses the file as a whole.
pub fn read(file: &[u8]) -> Result<Vec<GiasRow>, MalformedFile> {
    let text = std::str::from_utf8(file).map_err(|error| {
        let line = 1 + file[..error.valid_up_to()]
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count();
        MalformedFile(format!(
            "line {line} is not UTF-8 text: save the file as UTF-8 (GIAS downloads are \
             Windows-1252; `iconv -f WINDOWS-1252 -t UTF-8` converts them)"
        ))
    })?;
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader.headers().map_err(malformed)?.clone();
    if header.iter().all(|name| name.trim().is_empty()) {
        return Err(MalformedFile(
            "the file is empty: its first line must name the GIAS columns".into(),
        ));
    }
    let positions = column_positions(&header)?;
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(malformed)? {
        let value = |index: usize| record[positions[index]].trim().to_owned();
        rows.push(GiasRow {
            line: record.position().map_or(0, csv::Position::line),
            urn: value(0),
            name: value(1),
            la_number: value(2),
            la_name: value(3),
            phase: value(4),
            district: value(5),
            postcode: value(6),
            status: value(7),
        });
    }
    Ok(rows)
}

/// Where each required column is, refusing a header that lacks one or names one twice.
fn column_positions(header: &csv::StringRecord) -> Result<[usize; 8], MalformedFile> {
    let mut positions = [0; 8];
    let mut missing = Vec::new();
    for (slot, wanted) in positions.iter_mut().zip(REQUIRED) {
        let found: Vec<usize> = header
            .iter()
            .enumerate()
            .filter(|(_, name)| name.trim().eq_ignore_ascii_case(wanted))
            .map(|(index, _)| index)
            .collect();
        match found[..] {
            [index] => *slot = index,
            [] => missing.push(wanted),
            _ => {
                return Err(MalformedFile(format!(
                    "the header names the column `{wanted}` {} times",
                    found.len()
                )));
            }
        }
    }
    let named = |names: &[&str]| format!("`{}`", names.join("`, `"));
    match missing.len() {
        0 => Ok(positions),
        8 => Err(MalformedFile(format!(
            "the first line names none of the GIAS columns {}: is this a GIAS CSV?",
            named(&REQUIRED)
        ))),
        1 => Err(MalformedFile(format!(
            "the header lacks the GIAS column {}",
            named(&missing)
        ))),
        _ => Err(MalformedFile(format!(
            "the header lacks the GIAS columns {}",
            named(&missing)
        ))),
    }
}

fn malformed(error: csv::Error) -> MalformedFile {
    MalformedFile(match error.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "line {} has {len} fields where the header has {expected_len}",
            pos.as_ref().map_or(0, csv::Position::line)
        ),
        _ => format!("the file is not CSV: {error}"),
    })
}

impl GiasRow {
    /// The row's values, or every reason to refuse it (each naming its column).
    pub fn parse(&self) -> Result<GiasSchool, Vec<String>> {
        let mut reasons = Vec::new();
        let urn = noted(&mut reasons, URN, Urn::parse(&self.urn));
        let name = noted(&mut reasons, NAME, school::school_name(&self.name));
        let phase = noted(&mut reasons, PHASE, phase(&self.phase));
        let status = noted(&mut reasons, STATUS, status(&self.status));
        let la_number = noted(
            &mut reasons,
            LA_NUMBER,
            optional(&self.la_number, la_number),
        );
        let district = noted(
            &mut reasons,
            DISTRICT,
            optional(&self.district, GssCode::parse),
        );
        let postcode = noted(
            &mut reasons,
            POSTCODE,
            optional(&self.postcode, Postcode::parse),
        );
        match (urn, name, phase, status, la_number, district, postcode) {
            (
                Some(urn),
                Some(name),
                Some(phase),
                Some(status),
                Some(la_number),
                Some(district),
                Some(postcode),
            ) => Ok(GiasSchool {
                urn,
                name,
                phase,
                la_number,
                la_name: self.la_name.clone(),
                district,
                postcode,
                status,
            }),
            _ => Err(reasons),
        }
    }
}

/// The value, or `None` with the reason noted against its column.
fn noted<T>(reasons: &mut Vec<String>, column: &str, result: Result<T, ParseError>) -> Option<T> {
    result
        .map_err(|error| reasons.push(format!("{column}: {error}")))
        .ok()
}

/// `None` for a blank value, otherwise the parsed one.
fn optional<T>(
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, ParseError>,
) -> Result<Option<T>, ParseError> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse(text).map(Some)
    }
}

fn la_number(text: &str) -> Result<String, ParseError> {
    if text.len() == 3 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(ParseError(
            "must be a three-digit DfE LA number, such as 307".into(),
        ))
    }
}

/// A phase as GIAS names it.
pub fn phase(text: &str) -> Result<SchoolPhase, ParseError> {
    PHASES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, phase)| *phase)
        .ok_or_else(|| {
            let names: Vec<&str> = PHASES.iter().map(|(name, _)| *name).collect();
            ParseError(format!(
                "`{text}` is not a GIAS phase ({})",
                names.join(", ")
            ))
        })
}

/// A status as GIAS names it; a school that has yet to open is not imported.
pub fn status(text: &str) -> Result<SchoolStatus, ParseError> {
    let is = |name: &str| name.eq_ignore_ascii_case(text);
    if is("Open") || is("Open, but proposed to close") {
        Ok(SchoolStatus::Open)
    } else if is("Closed") {
        Ok(SchoolStatus::Closed)
    } else if is("Proposed to open") {
        Err(ParseError(
            "the school has not opened yet: it is imported once GIAS shows it open".into(),
        ))
    } else {
        Err(ParseError(format!(
            "`{text}` is not a GIAS status (Open, Open, but proposed to close, Closed, Proposed to open)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "URN,EstablishmentName,LA (code),LA (name),PhaseOfEducation (name),\
DistrictAdministrative (code),Postcode,EstablishmentStatus (name)";

    #[test]
    fn reads_the_required_columns_in_any_order_among_others() {
        let file = "Town,EstablishmentStatus (name),Postcode,URN,DistrictAdministrative (code),\
PhaseOfEducation (name),LA (name),LA (code),EstablishmentName\n\
Acton,Open, W3 9PP ,137083,E09000009,Secondary,Ealing,307,Twyford Church of England High School\n\
\"Dartford, Kent\",\"Open, but proposed to close\",DA1 2HW,118765,E07000107,Secondary,Kent,886,Dartford Grammar School\n";
        let rows = read(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            GiasRow {
                line: 2,
                urn: "137083".into(),
                name: "Twyford Church of England High School".into(),
                la_number: "307".into(),
                la_name: "Ealing".into(),
                phase: "Secondary".into(),
                district: "E09000009".into(),
                postcode: "W3 9PP".into(),
                status: "Open".into(),
            }
        );
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].status, "Open, but proposed to close");
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_are_read() {
        let file =
            format!("\u{feff}{HEADER}\r\n137083,Twyford,307,Ealing,Secondary,,W3 9PP,Open\r\n");
        let rows = read(file.as_bytes()).unwrap();
        assert_eq!(rows[0].urn, "137083");
        assert_eq!(rows[0].status, "Open");
    }

    #[test]
    fn a_file_that_is_not_a_gias_csv_is_refused_saying_why() {
        let mut latin1 = format!("{HEADER}\n137083,Caf").into_bytes();
        latin1.push(0xe9); // é in Windows-1252
        latin1.extend_from_slice(b",307,Ealing,Secondary,,W3 9PP,Open\n");
        let cases: [(Vec<u8>, &str); 6] = [
            (Vec::new(), "the file is empty"),
            (
                b"URN,EstablishmentName\n137083,Twyford\n".to_vec(),
                "lacks the GIAS columns `LA (code)`",
            ),
            (
                format!("{HEADER},URN\n").into_bytes(),
                "names the column `URN` 2 times",
            ),
            (
                format!("{HEADER}\n137083,Twyford,307\n").into_bytes(),
                "line 2 has 3 fields where the header has 8",
            ),
            (latin1, "line 2 is not UTF-8"),
            (
                b"{\"urn\": \"137083\"}".to_vec(),
                "names none of the GIAS columns",
            ),
        ];
        for (file, expected) in cases {
            let error = read(&file).unwrap_err();
            assert!(error.0.contains(expected), "{expected:?} not in {error}");
        }
    }

    fn row(values: [&str; 8]) -> GiasRow {
        let [
            urn,
            name,
            la_number,
            la_name,
            phase,
            district,
            postcode,
            status,
        ] = values.map(str::to_owned);
        GiasRow {
            line: 2,
            urn,
            name,
            la_number,
            la_name,
            phase,
            district,
            postcode,
            status,
        }
    }

    #[test]
    fn a_good_row_parses_and_blanks_are_absent() {
        let school = row([
            "137083",
            "Twyford",
            "",
            "Ealing",
            "secondary",
            "",
            "",
            "Closed",
        ])
        .parse()
        .unwrap();
        assert_eq!(school.urn.as_str(), "137083");
        assert_eq!(school.phase, SchoolPhase::Secondary);
        assert_eq!(school.status, SchoolStatus::Closed);
        assert_eq!(
            (school.la_number, school.district, school.postcode),
            (None, None, None)
        );
    }

    #[test]
    fn a_bad_row_names_every_bad_column() {
        let reasons = row(["13708", " ", "30", "Ealing", "Middle", "X1", "W3", "Shut"])
            .parse()
            .unwrap_err();
        let columns: Vec<&str> = reasons
            .iter()
            .map(|reason| reason.split(": ").next().unwrap())
            .collect();
        assert_eq!(
            columns,
            [URN, NAME, PHASE, STATUS, LA_NUMBER, DISTRICT, POSTCODE]
        );
    }

    #[test]
    fn every_gias_phase_maps_to_one_of_ours() {
        for (gias, ours) in [
            ("Nursery", "nursery"),
            ("Primary", "primary"),
            ("Middle deemed primary", "middle_deemed_primary"),
            ("Secondary", "secondary"),
            ("Middle deemed secondary", "middle_deemed_secondary"),
            ("16 plus", "sixteen_plus"),
            ("All-through", "all_through"),
            ("Not applicable", "not_applicable"),
        ] {
            assert_eq!(phase(gias).unwrap().as_str(), ours);
        }
        assert!(phase("Sixth form").is_err());
    }

    #[test]
    fn gias_statuses_map_to_open_or_closed_and_a_school_yet_to_open_is_refused() {
        assert_eq!(status("Open"), Ok(SchoolStatus::Open));
        assert_eq!(
            status("Open, but proposed to close"),
            Ok(SchoolStatus::Open)
        );
        assert_eq!(status("Closed"), Ok(SchoolStatus::Closed));
        assert!(
            status("Proposed to open")
                .unwrap_err()
                .0
                .contains("not opened yet")
        );
        assert!(status("Shut").is_err());
    }
}
