//! England's local authorities, the reference data every hub, school and Teaching School Hub
//! area points at. The list ships inside the binary (`data/england-local-authorities.csv`, with
//! its source and licence in `data/README.md`) and is upserted, so loading it again is harmless
//! and a newer list corrects names, kinds and regions in place.

use diesel::dsl::now;
use diesel::prelude::*;
use diesel::query_dsl::methods::FilterDsl;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::local_authorities;
use crate::domain::LaKind;

const ENGLAND_CSV: &str = include_str!("data/england-local-authorities.csv");

/// One row of the CSV, as it is inserted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Insertable)]
#[diesel(table_name = local_authorities)]
pub struct LocalAuthorityRecord {
    pub gss_code: String,
    pub name: String,
    pub kind: LaKind,
    /// The county a district sits in; empty for everything else.
    pub parent_gss_code: Option<String>,
    pub region: String,
}

/// Every current local authority of England, education authorities first so that each
/// district comes after the county it names as parent.
pub fn england_local_authorities() -> Result<Vec<LocalAuthorityRecord>, csv::Error> {
    let mut records = csv::Reader::from_reader(ENGLAND_CSV.as_bytes())
        .deserialize()
        .collect::<Result<Vec<LocalAuthorityRecord>, _>>()?;
    // A stable sort keeps the file's GSS order within each group.
    records.sort_by_key(|record| record.kind == LaKind::District);
    Ok(records)
}

/// Inserts or corrects every local authority in one statement; returns the number of rows
/// inserted or changed (0 when the database already holds this list).
pub async fn load_local_authorities(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    use crate::db::schema::local_authorities::dsl::*;

    // The CSV is compiled in and parsed by the unit tests below, so this cannot fail in a
    // released build; it is still reported rather than unwrapped.
    let records = england_local_authorities()
        .map_err(|error| diesel::result::Error::DeserializationError(Box::new(error)))?;
    // Foreign keys are checked at the end of the statement, so one multi-row insert may hold
    // both a county and its districts.
    diesel::insert_into(local_authorities)
        .values(&records)
        .on_conflict(gss_code)
        .do_update()
        .set((
            name.eq(excluded(name)),
            kind.eq(excluded(kind)),
            parent_gss_code.eq(excluded(parent_gss_code)),
            region.eq(excluded(region)),
            updated_at.eq(now),
        ))
        // Only touch rows that differ, so a reload keeps `updated_at` (and ETags) as they were.
        .filter(
            name.ne(excluded(name))
                .or(kind.ne(excluded(kind)))
                .or(parent_gss_code.is_distinct_from(excluded(parent_gss_code)))
                .or(region.ne(excluded(region))),
        )
        .execute(conn)
        .await
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn records() -> Vec<LocalAuthorityRecord> {
        england_local_authorities().expect("the embedded CSV parses")
    }

    #[test]
    fn csv_holds_317_authorities_153_education_and_164_districts() {
        let records = records();
        assert_eq!(records.len(), 317);
        assert_eq!(
            records
                .iter()
                .filter(|r| r.kind.is_education_authority())
                .count(),
            153
        );
        assert_eq!(
            records
                .iter()
                .filter(|r| r.kind == LaKind::District)
                .count(),
            164
        );
    }

    #[test]
    fn csv_counts_each_kind_of_authority() {
        let mut counts: HashMap<LaKind, usize> = HashMap::new();
        for record in records() {
            *counts.entry(record.kind).or_default() += 1;
        }
        assert_eq!(counts[&LaKind::County], 21);
        assert_eq!(counts[&LaKind::Unitary], 63);
        assert_eq!(counts[&LaKind::Metropolitan], 36);
        assert_eq!(counts[&LaKind::LondonBorough], 33);
    }

    #[test]
    fn every_district_has_a_county_parent_listed_before_it() {
        let records = records();
        let position: HashMap<&str, usize> = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.gss_code.as_str(), i))
            .collect();
        for (i, record) in records.iter().enumerate() {
            match (&record.parent_gss_code, record.kind) {
                (Some(parent), LaKind::District) => {
                    let at = position[parent.as_str()];
                    assert_eq!(
                        records[at].kind,
                        LaKind::County,
                        "{} sits in {parent}",
                        record.gss_code
                    );
                    assert!(at < i, "{parent} must load before {}", record.gss_code);
                }
                (None, LaKind::District) => panic!("district {} has no parent", record.gss_code),
                (Some(parent), _) => panic!(
                    "{} is not a district but names parent {parent}",
                    record.gss_code
                ),
                (None, _) => {}
            }
        }
    }

    #[test]
    fn codes_are_unique_and_match_their_kind() {
        let records = records();
        let mut seen = std::collections::HashSet::new();
        for record in &records {
            assert!(
                seen.insert(record.gss_code.as_str()),
                "{} twice",
                record.gss_code
            );
            let prefix = match record.kind {
                LaKind::Unitary => "E06",
                LaKind::District => "E07",
                LaKind::Metropolitan => "E08",
                LaKind::LondonBorough => "E09",
                LaKind::County => "E10",
            };
            assert!(
                record.gss_code.starts_with(prefix) && record.gss_code.len() == 9,
                "{}",
                record.gss_code
            );
            assert!(!record.name.trim().is_empty() && !record.region.trim().is_empty());
        }
    }

    #[test]
    fn quoted_name_with_a_comma_stays_one_field() {
        let bcp = records()
            .into_iter()
            .find(|r| r.gss_code == "E06000058")
            .expect("E06000058");
        assert_eq!(bcp.name, "Bournemouth, Christchurch and Poole");
        assert_eq!(bcp.kind, LaKind::Unitary);
        assert_eq!(bcp.region, "South West");
    }
}
