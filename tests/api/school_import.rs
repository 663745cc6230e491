//! Importing a Get Information about Schools CSV over HTTP (`POST /schools/import`); the
//! command line's `mathshub import schools` runs the same module (see `cli.rs`).

use std::io::{Read, Write};

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, assert_problem_saying, invalid_fields, json_body};

/// A GIAS extract: its columns shuffled among others, rows new, changed, unchanged, closed
/// and bad. The demo data holds 137083, 900001 (Gloucestershire, Cotswold) and 900002 (Wirral).
pub const GIAS_FILE: &str = "\
EstablishmentName,URN,TypeOfEstablishment (name),LA (name),LA (code),EstablishmentStatus (name),PhaseOfEducation (name),DistrictAdministrative (code),Postcode
Dartford Grammar School,118765,Academy converter,Kent,886,Open,Secondary,E07000107,da1 2hw
Cotswold Sixth Form,118766,Further education,Gloucestershire,916,\"Open, but proposed to close\",16 plus,E07000079,GL56 9DB
Twyford CofE High School,137083,Voluntary aided school,Ealing,307,Open,All-through,E09000009,W3 9PP
Chipping Campden School,900001,Academy converter,Gloucestershire,,Open,Secondary,E07000079,
Our Lady of Pity Primary School,900002,Voluntary aided school,Wirral,344,Closed,Primary,E08000015,
Bad Urn School,13708,Community school,Ealing,307,Open,Primary,E09000009,W3 1AA
Middle School,118767,Community school,Kent,886,Open,Middle,E07000107,DA1 1AA
Nowhere School,118768,Community school,Nowhere,999,Open,Primary,,
Misplaced School,118769,Community school,Ealing,307,Open,Primary,E07000107,W5 1AA
Future School,118770,Free schools,Kent,886,Proposed to open,Primary,E07000107,DA2 1AA
Twin School,118771,Community school,Kent,886,Open,Primary,E07000107,DA2 2AA
Twin School,118771,Community school,Kent,886,Open,Primary,E07000107,DA2 2AA
";

/// The rows of `GIAS_FILE` rejected: line, URN and words of the reason.
pub const REJECTED: [(u64, &str, &str); 7] = [
    (7, "13708", "URN: must be a six-digit DfE URN"),
    (
        8,
        "118767",
        "PhaseOfEducation (name): `Middle` is not a GIAS phase",
    ),
    (
        9,
        "118768",
        "LA (code): no local authority has the LA number 999",
    ),
    (
        10,
        "118769",
        "DistrictAdministrative (code): Ealing (E09000009) is not a county",
    ),
    (
        11,
        "118770",
        "EstablishmentStatus (name): the school has not opened yet",
    ),
    (12, "118771", "URN: 118771 is on lines 12, 13"),
    (13, "118771", "URN: 118771 is on lines 12, 13"),
];

/// The demo data, with the DfE LA numbers of Ealing and Kent recorded (Gloucestershire's and
/// Wirral's are not: those rows are matched by `LA (name)`).
pub async fn app_with_la_numbers() -> TestApp {
    let app = TestApp::spawn_with_demo().await;
    app.execute(
        "UPDATE local_authorities SET la_number = '307' WHERE gss_code = 'E09000009';
         UPDATE local_authorities SET la_number = '886' WHERE gss_code = 'E10000016';",
    )
    .await;
    app
}

/// A school's stored columns, `|`-separated, or `none`.
pub async fn stored(app: &TestApp, urn: &str) -> String {
    app.query_text(
        "SELECT coalesce((SELECT concat_ws('|', name, phase, la_code, coalesce(district_code, '-'), \
                coalesce(postcode, '-'), status) FROM schools WHERE urn = $1), 'none') AS value",
        &[urn],
    )
    .await
}

/// A digest of every school and the audit trail's length.
pub async fn schools_state(app: &TestApp) -> String {
    app.query_text(
        "SELECT md5(concat_ws('|', (SELECT string_agg(s::text, ',' ORDER BY s.urn) FROM schools s), \
                (SELECT count(*)::text FROM audit_log))) AS value",
        &[],
    )
    .await
}

fn counts(report: &Value) -> [u64; 5] {
    ["rows", "inserted", "updated", "unchanged", "rejected"]
        .map(|key| report[key].as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn import_upserts_good_rows_by_urn_and_reports_every_rejected_row() {
    let app = app_with_la_numbers().await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    let untouched = stored(&app, "900003").await;

    let report = json_body(
        app.post_csv("/api/v1/schools/import", Some(&admin), GIAS_FILE)
            .await,
        200,
    )
    .await;

    assert_eq!(counts(&report), [12, 2, 2, 1, 7], "{report}");
    let rejected = report["rejected_rows"].as_array().unwrap();
    assert_eq!(rejected.len(), REJECTED.len(), "{report}");
    for (row, (line, urn, words)) in rejected.iter().zip(REJECTED) {
        assert_eq!(
            (row["line"].as_u64(), row["urn"].as_str()),
            (Some(line), Some(urn))
        );
        assert!(row["reason"].as_str().unwrap().contains(words), "{row}");
    }
    assert_eq!(
        stored(&app, "118765").await,
        "Dartford Grammar School|secondary|E10000016|E07000107|DA1 2HW|open"
    );
    assert_eq!(
        stored(&app, "118766").await,
        "Cotswold Sixth Form|sixteen_plus|E10000013|E07000079|GL56 9DB|open",
        "found by LA (name); open, but proposed to close, is open"
    );
    assert_eq!(
        stored(&app, "137083").await,
        "Twyford CofE High School|all_through|E09000009|-|W3 9PP|open",
        "a borough's own code as district means no district"
    );
    assert_eq!(
        stored(&app, "900002").await,
        "Our Lady of Pity Primary School|primary|E08000015|-|-|closed"
    );
    for urn in ["118767", "118768", "118769", "118770", "118771"] {
        assert_eq!(stored(&app, urn).await, "none", "{urn}");
    }
    assert_eq!(
        stored(&app, "900003").await,
        untouched,
        "absent, so untouched"
    );
    let audited = app
        .query_text(
            "SELECT details::text AS value FROM audit_log WHERE action = 'schools.imported'",
            &[],
        )
        .await;
    let audited: Value = serde_json::from_str(&audited).unwrap();
    assert_eq!(
        [
            &audited["inserted"],
            &audited["updated"],
            &audited["unchanged"],
            &audited["rejected"]
        ],
        [2, 2, 1, 7]
    );
    assert_eq!(audited["via"], "api");
}

#[tokio::test(flavor = "multi_thread")]
async fn importing_the_same_file_again_changes_nothing_and_says_so() {
    let app = app_with_la_numbers().await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    json_body(
        app.post_csv("/api/v1/schools/import", Some(&admin), GIAS_FILE)
            .await,
        200,
    )
    .await;
    let updated_at = app
        .query_text("SELECT max(updated_at)::text AS value FROM schools", &[])
        .await;

    let again = json_body(
        app.post_csv("/api/v1/schools/import", Some(&admin), GIAS_FILE)
            .await,
        200,
    )
    .await;

    assert_eq!(counts(&again), [12, 0, 0, 5, 7], "{again}");
    assert_eq!(
        app.query_text("SELECT max(updated_at)::text AS value FROM schools", &[])
            .await,
        updated_at
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_file_changes_nothing_and_says_why() {
    let app = app_with_la_numbers().await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    let header = GIAS_FILE.lines().next().unwrap();
    let good_row = GIAS_FILE.lines().nth(1).unwrap();
    let mut windows_1252 = format!("{header}\n{good_row}\nCaf").into_bytes();
    windows_1252.extend_from_slice(b"\xe9 School,118799,x,Kent,886,Open,Primary,,\n");
    let cases: [(Vec<u8>, &str); 5] = [
        (
            format!("{header}\n{good_row}\n118799,Short Row\n").into_bytes(),
            "line 3 has 2 fields where the header has 9",
        ),
        (
            b"URN,EstablishmentName\n118799,No Columns\n".to_vec(),
            "lacks the GIAS columns `LA (code)`, `LA (name)`",
        ),
        (windows_1252, "line 3 is not UTF-8"),
        (Vec::new(), "the file is empty"),
        (b"%PDF-1.7\n\x00\xff\xfe binary".to_vec(), "is not UTF-8"),
    ];
    for (file, words) in cases {
        let before = schools_state(&app).await;

        let problem = crate::helpers::assert_problem(
            app.post_csv("/api/v1/schools/import", Some(&admin), file)
                .await,
            422,
        )
        .await;

        assert_eq!(invalid_fields(&problem), ["body"]);
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("nothing changed"), "{problem}");
        assert!(message.contains(words), "{words:?} not in {problem}");
        assert_eq!(schools_state(&app).await, before, "{words}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn import_returns_400_unless_the_body_is_sent_as_text_csv() {
    let app = app_with_la_numbers().await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    let before = schools_state(&app).await;

    let response = app
        .send(
            Method::POST,
            "/api/v1/schools/import",
            Some(&admin),
            Some(&serde_json::json!({"file": GIAS_FILE})),
        )
        .await;

    let problem = assert_problem_saying(response, 400, "1 field is invalid").await;
    assert_eq!(problem["errors"][0]["message"], "must be sent as text/csv");
    assert_eq!(schools_state(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn import_returns_413_when_the_file_is_over_the_limit() {
    let app = app_with_la_numbers().await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    let limit = mathshub::http::write::MAX_CSV_BYTES;
    let address = app.address.trim_start_matches("http://").to_owned();

    // Only the headers are sent: the declared length alone must be refused, before the body.
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(
            stream,
            "POST /api/v1/schools/import HTTP/1.1\r\nHost: localhost\r\n\
             Authorization: Bearer {admin}\r\nContent-Type: text/csv\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            limit + 1
        )
        .unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let mut answer = Vec::new();
        // Ends when the server closes the connection (or, failing that, at the timeout).
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap();

    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(
        answer.contains(&format!("CSV files are limited to {limit} bytes")),
        "{answer}"
    );
}
