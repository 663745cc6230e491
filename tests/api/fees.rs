//! The fee ledger over HTTP: hub managers read their own hub's fees and admins every hub's,
//! with filters and keyset pages; a fee is waived once, with a reason, or recorded paid once,
//! and either is audited.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, audit_count, each_of, hold_places,
    invalid_fields, json_body, session_of,
};

const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const ADMIN: &str = "admin@demo.mathshub.invalid";
const LCW: &str = "LCW21-15-01";
const GLOW: &str = "GLOW21-91-01";

/// Records each enrolment absent at the first session of `group` (as an admin), charging its
/// school the project's fee; answers the fee ids in the order given.
pub async fn absent(app: &TestApp, group: &str, enrolments: &[String]) -> Vec<String> {
    let admin = app.token(ADMIN).await;
    let session = session_of(app, group, 1).await;
    let items: Vec<Value> = enrolments
        .iter()
        .map(|enrolment| json!({"enrolment_id": enrolment, "status": "absent"}))
        .collect();
    let register = json_body(
        app.send(
            Method::PUT,
            &format!("/api/v1/sessions/{session}/attendance"),
            Some(&admin),
            Some(&json!({ "items": items })),
        )
        .await,
        200,
    )
    .await;
    enrolments
        .iter()
        .map(|enrolment| {
            register["entries"]
                .as_array()
                .unwrap()
                .iter()
                .find(|entry| entry["enrolment_id"] == *enrolment)
                .map(|entry| entry["fee"]["id"].as_str().unwrap().to_owned())
                .unwrap()
        })
        .collect()
}

/// Two LCW fees and one GLOW fee; answers them in that order.
async fn ledger(app: &TestApp) -> Vec<String> {
    let lcw = hold_places(app, LCW, &["Ada Absent", "Ben Absent"]).await;
    let glow = hold_places(app, GLOW, &["Cat Absent"]).await;
    let mut fees = absent(app, LCW, &lcw).await;
    fees.extend(absent(app, GLOW, &glow).await);
    fees
}

async fn list(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.send(
        Method::GET,
        &format!("/api/v1/fees{query}"),
        Some(token),
        None,
    )
    .await
}

async fn ids_listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    each_of(
        &json_body(list(app, token, query).await, 200).await["items"],
        "id",
    )
}

pub async fn waive(app: &TestApp, token: &str, fee: &str, reason: &str) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/fees/{fee}/waive"),
        Some(token),
        Some(&json!({ "reason": reason })),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn hub_managers_read_their_own_hub_s_fees_and_admins_every_hub_s() {
    let app = TestApp::spawn_with_demo().await;
    let fees = ledger(&app).await;
    let manager = app.token(MANAGER).await;
    let admin = app.token(ADMIN).await;

    assert_eq!(ids_listed(&app, &manager, "").await, fees[..2]);
    assert_eq!(
        ids_listed(&app, &manager, "?hub=london-central-and-west").await,
        fees[..2]
    );
    assert_eq!(ids_listed(&app, &admin, "").await, fees);
    assert_eq!(ids_listed(&app, &admin, "?hub=glow").await, fees[2..]);
    assert_problem(list(&app, &manager, "?hub=glow").await, 403).await;
    for outsider in [
        "lead.lcw@demo.mathshub.invalid",
        "teacher.twyford@demo.mathshub.invalid",
        "partner.lde@demo.mathshub.invalid",
    ] {
        let token = app.token(outsider).await;
        assert_problem(list(&app, &token, "").await, 403).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_fee_shows_its_reason_session_school_and_amount() {
    let app = TestApp::spawn_with_demo().await;
    let fees = ledger(&app).await;
    let manager = app.token(MANAGER).await;

    let page = json_body(list(&app, &manager, "?limit=1").await, 200).await;

    let fee = &page["items"][0];
    assert_eq!(fee["id"], fees[0]);
    assert_eq!(fee["reason"], "non_attendance");
    assert_eq!(fee["status"], "owed");
    assert_eq!(fee["amount_pence"], 7500);
    assert_eq!(fee["currency"], "GBP");
    assert_eq!(fee["school"]["urn"], "137083");
    assert_eq!(fee["enrolment"]["participant"]["name"], "Ada Absent");
    assert_eq!(fee["session"]["id"], session_of(&app, LCW, 1).await);
    assert_eq!(fee["session"]["starts_at"], "2021-11-17T09:30:00+00:00");
    assert_eq!(fee["work_group"]["code"], LCW);
    assert_eq!(fee["hub"]["slug"], "london-central-and-west");
    assert_eq!(fee["academic_year"], "2021/22");
    assert!(page["next_cursor"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ledger_filters_by_school_year_and_status_and_pages_by_keyset() {
    let app = TestApp::spawn_with_demo().await;
    let fees = ledger(&app).await;
    let admin = app.token(ADMIN).await;
    json_body(waive(&app, &admin, &fees[1], "Ill on the day.").await, 200).await;

    assert_eq!(
        ids_listed(&app, &admin, "?status=owed").await,
        [fees[0].clone(), fees[2].clone()]
    );
    assert_eq!(ids_listed(&app, &admin, "?status=waived").await, fees[1..2]);
    assert_eq!(
        ids_listed(&app, &admin, "?school=137083&academic_year=2021/22").await,
        fees
    );
    assert!(ids_listed(&app, &admin, "?school=100000").await.is_empty());
    assert!(
        ids_listed(&app, &admin, "?academic_year=2022/23")
            .await
            .is_empty()
    );
    let mut walked = Vec::new();
    let mut query = "?limit=1".to_owned();
    loop {
        let page = json_body(list(&app, &admin, &query).await, 200).await;
        walked.extend(each_of(&page["items"], "id"));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(walked, fees);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_filters_are_each_named() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;

    let problem = assert_problem(
        list(
            &app,
            &admin,
            "?hub=Not%20A%20Slug&school=12&academic_year=2021&status=settled&colour=red",
        )
        .await,
        400,
    )
    .await;
    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        ["academic_year", "colour", "hub", "school", "status"]
    );
    let unknown_hub = assert_problem(list(&app, &admin, "?hub=no-such-hub").await, 422).await;
    assert_eq!(invalid_fields(&unknown_hub), ["hub"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_manager_waives_a_fee_once_with_a_reason_and_it_is_audited() {
    let app = TestApp::spawn_with_demo().await;
    let fees = ledger(&app).await;
    let manager = app.token(MANAGER).await;

    let waived = json_body(
        waive(
            &app,
            &manager,
            &fees[0],
            "Ill on the day; the school phoned.",
        )
        .await,
        200,
    )
    .await;

    assert_eq!(waived["status"], "waived");
    assert_eq!(
        waived["waiver_reason"],
        "Ill on the day; the school phoned."
    );
    assert!(waived["waived_at"].is_string());
    assert_eq!(audit_count(&app, "fee.waived", &fees[0]).await, 1);
    assert_problem_saying(
        waive(&app, &manager, &fees[0], "Again.").await,
        409,
        "already waived",
    )
    .await;
    assert_eq!(audit_count(&app, "fee.waived", &fees[0]).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn waiving_is_refused_without_a_reason_outside_the_hub_and_for_a_voided_fee() {
    let app = TestApp::spawn_with_demo().await;
    let fees = ledger(&app).await;
    let manager = app.token(MANAGER).await;
    let lead = app.token("lead.lcw@demo.mathshub.invalid").await;
    let owed = || {
        app.query_count(
            "SELECT count(*) AS count FROM fee_liabilities WHERE status = 'owed'",
            &[],
        )
    };

    let blank = assert_problem(waive(&app, &manager, &fees[0], "  ").await, 400).await;
    assert_eq!(invalid_fields(&blank), ["reason"]);
    assert_problem(waive(&app, &manager, &fees[2], "Not ours.").await, 404).await;
    assert_problem(waive(&app, &lead, &fees[0], "Kind.").await, 404).await;
    assert_eq!(owed().await, 3);

    correct_to_present(&app, &manager, &fees[0]).await;
    assert_problem_saying(
        waive(&app, &manager, &fees[0], "Too late.").await,
        409,
        "voided",
    )
    .await;
    assert_problem(
        waive(
            &app,
            &manager,
            "01931b90-0000-7000-8000-000000000000",
            "Who?",
        )
        .await,
        404,
    )
    .await;
}

pub async fn pay(app: &TestApp, token: &str, fee: &str, body: Value) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/fees/{fee}/payment"),
        Some(token),
        Some(&body),
    )
    .await
}

/// Marks the enrolment of `fee` present at the first LCW session, voiding the fee.
pub async fn correct_to_present(app: &TestApp, token: &str, fee: &str) {
    let session = session_of(app, LCW, 1).await;
    let enrolment = app
        .query_text(
            "SELECT enrolment_id::text AS value FROM fee_liabilities WHERE id::text = $1",
            &[fee],
        )
        .await;
    json_body(
        app.send(
            Method::PUT,
            &format!("/api/v1/sessions/{session}/attendance"),
            Some(token),
            Some(&json!({"items": [{"enrolment_id": enrolment, "status": "present"}]})),
        )
        .await,
        200,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_manager_records_a_payment_once_and_the_ledger_shows_it_paid() {
    let app = TestApp::spawn_with_demo().await;
    let fees = ledger(&app).await;
    let manager = app.token(MANAGER).await;

    let paid = json_body(
        pay(
            &app,
            &manager,
            &fees[0],
            json!({"reference": "INV-LCW-0042"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payment_reference"], "INV-LCW-0042");
    assert!(paid["paid_at"].is_string());
    assert!(paid["waived_at"].is_null());
    // A school may pay without giving a reference.
    let unreferenced = json_body(pay(&app, &manager, &fees[1], json!({})).await, 200).await;
    assert_eq!(unreferenced["status"], "paid");
    assert!(unreferenced["payment_reference"].is_null());

    assert_eq!(ids_listed(&app, &manager, "?status=paid").await, fees[..2]);
    assert_eq!(
        ids_listed(&app, &manager, "?status=owed").await,
        Vec::<String>::new()
    );
    assert_eq!(audit_count(&app, "fee.paid", &fees[0]).await, 1);
    let details = app
        .query_text(
            "SELECT details::text AS value FROM audit_log WHERE action = 'fee.paid' AND object_id = $1",
            &[&fees[0]],
        )
        .await;
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(
        details,
        json!({"before": "owed", "after": "paid", "reference": "INV-LCW-0042"})
    );

    assert_problem_saying(
        pay(&app, &manager, &fees[0], json!({"reference": "Twice"})).await,
        409,
        "paid already",
    )
    .await;
    assert_problem_saying(
        waive(&app, &manager, &fees[0], "After paying.").await,
        409,
        "paid already",
    )
    .await;
    assert_eq!(audit_count(&app, "fee.paid", &fees[0]).await, 1);
    assert_eq!(audit_count(&app, "fee.waived", &fees[0]).await, 0);

    // The invoicing file says when it was paid, and the school's reference.
    let text = csv_of(&app, &manager, "").await.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let columns = reader.headers().unwrap().clone();
    let first = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| &first[columns.iter().position(|column| column == name).unwrap()];
    assert_eq!(cell("status"), "paid");
    assert_eq!(cell("payment_reference"), "INV-LCW-0042");
    assert!(cell("paid_at").starts_with("20"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paid_fee_voided_by_a_correction_keeps_its_payment_to_refund() {
    let app = TestApp::spawn_with_demo().await;
    let fees = ledger(&app).await;
    let manager = app.token(MANAGER).await;
    json_body(pay(&app, &manager, &fees[0], json!({})).await, 200).await;

    correct_to_present(&app, &manager, &fees[0]).await;

    let page = json_body(list(&app, &manager, "?status=voided").await, 200).await;
    let voided = &page["items"][0];
    assert_eq!(voided["id"], fees[0]);
    assert!(voided["paid_at"].is_string() && voided["voided_at"].is_string());
    assert_problem_saying(
        pay(&app, &manager, &fees[0], json!({})).await,
        409,
        "voided",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn recording_a_payment_is_refused_for_bad_bodies_and_outside_the_hub() {
    let app = TestApp::spawn_with_demo().await;
    let fees = ledger(&app).await;
    let manager = app.token(MANAGER).await;
    let lead = app.token("lead.lcw@demo.mathshub.invalid").await;
    let owed = || {
        app.query_count(
            "SELECT count(*) AS count FROM fee_liabilities WHERE status = 'owed'",
            &[],
        )
    };

    let blank = assert_problem(
        pay(&app, &manager, &fees[0], json!({"reference": " "})).await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&blank), ["reference"]);
    let long = "x".repeat(201);
    let too_long = assert_problem(
        pay(&app, &manager, &fees[0], json!({"reference": long})).await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&too_long), ["reference"]);
    assert_problem(
        pay(&app, &manager, &fees[0], json!({"amount": 7500})).await,
        400,
    )
    .await;
    assert_problem(
        pay(&app, &manager, &fees[0], json!({"reference": 42})).await,
        400,
    )
    .await;
    assert_problem(pay(&app, &manager, &fees[2], json!({})).await, 404).await;
    assert_problem(pay(&app, &lead, &fees[0], json!({})).await, 404).await;
    assert_problem(
        pay(
            &app,
            &manager,
            "01931b90-0000-7000-8000-000000000000",
            json!({}),
        )
        .await,
        404,
    )
    .await;
    assert_problem(pay(&app, &manager, "not-a-fee", json!({})).await, 400).await;
    assert_eq!(owed().await, 3);
    assert_eq!(
        app.query_count(
            "SELECT count(*) AS count FROM audit_log WHERE action = 'fee.paid'",
            &[]
        )
        .await,
        0
    );
}

/// `GET /fees` with `query`, asking for CSV.
async fn csv_of(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/api/v1/fees{query}", app.address))
        .bearer_auth(token)
        .header(reqwest::header::ACCEPT, "text/csv")
        .send()
        .await
        .expect("request")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_exports_its_whole_ledger_as_csv_to_invoice_from() {
    let app = TestApp::spawn_with_demo().await;
    let lcw = hold_places(&app, LCW, &["Okafor, Ada", "=HYPERLINK(1)", "Cy Owed"]).await;
    let glow = hold_places(&app, GLOW, &["Dee Elsewhere"]).await;
    let mut fees = absent(&app, LCW, &lcw).await;
    fees.extend(absent(&app, GLOW, &glow).await);
    let manager = app.token(MANAGER).await;
    json_body(waive(&app, &manager, &fees[0], "=SUM(A1)").await, 200).await;

    // Every fee of the hub in one file, however small the JSON's pages would be.
    let response = csv_of(&app, &manager, "?academic_year=2021/22").await;
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert!(header("content-type").starts_with("text/csv"));
    assert!(header("vary").starts_with("accept"));
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"fees-2021-22.csv\""
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let columns = reader.headers().unwrap().clone();
    let lines: Vec<std::collections::HashMap<String, String>> = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            columns
                .iter()
                .map(str::to_owned)
                .zip(record.iter().map(str::to_owned))
                .collect()
        })
        .collect();
    let ids: Vec<&str> = lines.iter().map(|line| line["fee_id"].as_str()).collect();
    assert_eq!(
        ids,
        fees[..3].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let first = &lines[0];
    assert_eq!(first["participant_name"], "Okafor, Ada");
    assert_eq!(first["status"], "waived");
    assert_eq!(first["waiver_reason"], "'=SUM(A1)");
    assert_eq!(first["work_group_code"], LCW);
    assert_eq!(first["hub"], "london-central-and-west");
    assert_eq!(first["school_urn"], "137083");
    assert_eq!(lines[1]["participant_name"], "'=HYPERLINK(1)");
    let json = json_body(list(&app, &manager, "?limit=1").await, 200).await;
    let amount = json["items"][0]["amount_pence"].as_i64().unwrap();
    assert_eq!(first["amount_pence"], amount.to_string());
    assert_eq!(
        first["amount_gbp"],
        format!("{}.{:02}", amount / 100, amount % 100)
    );
    assert_eq!(lines[2]["status"], "owed");

    // Filters apply as they do to the JSON; an admin names the hub; paging does not apply.
    let admin = app.token(ADMIN).await;
    let owed = csv_of(&app, &admin, "?hub=glow&status=owed").await;
    assert_eq!(
        owed.headers()["content-disposition"],
        "attachment; filename=\"fees-glow.csv\""
    );
    let owed = owed.text().await.unwrap();
    assert_eq!(owed.lines().count(), 2, "{owed}");
    assert!(owed.contains(&fees[3]));
    assert_problem(csv_of(&app, &manager, "?limit=5").await, 400).await;
    assert_problem(csv_of(&app, &manager, "?hub=glow").await, 403).await;
    let not_acceptable = app
        .client
        .get(format!("{}/api/v1/fees", app.address))
        .bearer_auth(&manager)
        .header(reqwest::header::ACCEPT, "application/xml")
        .send()
        .await
        .unwrap();
    assert_problem(not_acceptable, 406).await;
}
