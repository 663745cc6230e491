//! A school's own view over HTTP: its confirmed contact (the demo's Twyford maths lead) sees
//! the school's places and fees in every hub's groups, and what the fees come to by year;
//! nobody else but national admins does.

use reqwest::Method;
use serde_json::{Value, json};

use crate::fees::{absent, correct_to_present, pay, waive};
use crate::helpers::{TestApp, assert_problem, each_of, hold_places, invalid_fields, json_body};

const CONTACT: &str = "contact.twyford@demo.mathshub.invalid";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const ADMIN: &str = "admin@demo.mathshub.invalid";
const TWYFORD: &str = "137083";
const LCW: &str = "LCW21-15-01";

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.send(Method::GET, path, Some(token), None).await
}

async fn all_ids(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    app.walk_as(token, path, 2)
        .await
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Four Twyford teachers absent from LCW's first session: one fee paid, one waived, one owed,
/// one paid then voided by a correction. Answers the fees in that order.
async fn fees_of_every_standing(app: &TestApp) -> Vec<String> {
    let places = hold_places(
        app,
        LCW,
        &["Pat Paid", "Wes Waived", "Owen Owed", "Vi Voided"],
    )
    .await;
    let fees = absent(app, LCW, &places).await;
    let manager = app.token(MANAGER).await;
    json_body(
        pay(app, &manager, &fees[0], json!({"reference": "BACS 0042"})).await,
        200,
    )
    .await;
    json_body(waive(app, &manager, &fees[1], "Ill on the day.").await, 200).await;
    json_body(pay(app, &manager, &fees[3], json!({})).await, 200).await;
    correct_to_present(app, &manager, &fees[3]).await;
    fees
}

#[tokio::test(flavor = "multi_thread")]
async fn a_school_s_contact_sees_its_fees_and_what_they_come_to() {
    let app = TestApp::spawn_with_demo().await;
    let fees = fees_of_every_standing(&app).await;
    let contact = app.token(CONTACT).await;
    let path = format!("/api/v1/schools/{TWYFORD}/fees");

    assert_eq!(all_ids(&app, &contact, &path).await, fees);
    let owed = json_body(
        get(&app, &contact, &format!("{path}?status=owed")).await,
        200,
    )
    .await;
    assert_eq!(each_of(&owed["items"], "id"), [fees[2].clone()]);
    let paid = json_body(
        get(&app, &contact, &format!("{path}?status=paid")).await,
        200,
    )
    .await;
    assert_eq!(paid["items"][0]["payment_reference"], "BACS 0042");
    assert_eq!(
        json_body(
            get(&app, &contact, &format!("{path}?academic_year=2030/31")).await,
            200
        )
        .await["items"],
        json!([])
    );

    let totals = json_body(
        get(
            &app,
            &contact,
            &format!("/api/v1/schools/{TWYFORD}/fee-totals"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        totals,
        json!({"urn": TWYFORD, "currency": "GBP", "years": [{
            "academic_year": "2021/22", "owed_pence": 7500, "paid_pence": 7500,
            "waived_pence": 7500, "paid_then_voided_pence": 7500
        }]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_school_s_contact_sees_its_teachers_places_and_no_other_school_s() {
    let app = TestApp::spawn_with_demo().await;
    let ours = hold_places(&app, LCW, &["Ada Ours", "Ben Ours"]).await;
    let other_school = app
        .query_text(
            "SELECT urn AS value FROM schools WHERE urn <> $1 ORDER BY urn LIMIT 1",
            &[TWYFORD],
        )
        .await;
    let (_, elsewhere_token) = app
        .participants(1, &other_school, "maths_lead")
        .await
        .remove(0);
    let contact = app.token(CONTACT).await;
    let path = format!("/api/v1/schools/{TWYFORD}/enrolments");
    let twyford_enrolments = app
        .query_text(
            "SELECT string_agg(id::text, ',' ORDER BY created_at, id) AS value FROM enrolments \
              WHERE school_urn = $1",
            &[TWYFORD],
        )
        .await;

    let listed = all_ids(&app, &contact, &path).await;
    assert_eq!(listed.join(","), twyford_enrolments);
    assert!(ours.iter().all(|id| listed.contains(id)));
    let page = json_body(
        get(&app, &contact, &format!("{path}?status=accepted&limit=100")).await,
        200,
    )
    .await;
    let place = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == ours[0].as_str())
        .expect("the place is listed");
    assert_eq!(place["participant"]["name"], "Ada Ours");
    assert_eq!(place["status"], "accepted");
    assert_eq!(place["work_group"]["code"], LCW);
    // What the teacher wrote to the hub is not the school's to read.
    assert!(place.get("statement").is_none());
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["status"] == "accepted")
    );
    // Another school's participant is not a contact of Twyford.
    assert_problem(get(&app, &elsewhere_token, &path).await, 403).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_school_s_contacts_and_admins_see_its_places_and_fees() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let paths = ["enrolments", "fees", "fee-totals"]
        .map(|what| format!("/api/v1/schools/{TWYFORD}/{what}"));
    for path in &paths {
        json_body(get(&app, &admin, path).await, 200).await;
        for outsider in [
            "teacher.twyford@demo.mathshub.invalid",
            MANAGER,
            "lead.lcw@demo.mathshub.invalid",
            "partner.lde@demo.mathshub.invalid",
        ] {
            let token = app.token(outsider).await;
            assert_problem(get(&app, &token, path).await, 403).await;
        }
        assert_problem(app.send(Method::GET, path, None, None).await, 401).await;
        let unknown = path.replace(TWYFORD, "999999");
        assert_problem(get(&app, &admin, &unknown).await, 404).await;
        let malformed = path.replace(TWYFORD, "12");
        assert_problem(get(&app, &admin, &malformed).await, 400).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_filters_are_each_named() {
    let app = TestApp::spawn_with_demo().await;
    let contact = app.token(CONTACT).await;

    let fees: Value = assert_problem(
        get(
            &app,
            &contact,
            &format!("/api/v1/schools/{TWYFORD}/fees?academic_year=2021&status=settled&hub=lcw"),
        )
        .await,
        400,
    )
    .await;
    let mut fields = invalid_fields(&fees);
    fields.sort();
    assert_eq!(fields, ["academic_year", "hub", "status"]);
    let places = assert_problem(
        get(
            &app,
            &contact,
            &format!("/api/v1/schools/{TWYFORD}/enrolments?status=held"),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&places), ["status"]);
    assert_problem(
        get(
            &app,
            &contact,
            &format!("/api/v1/schools/{TWYFORD}/fee-totals?year=2021/22"),
        )
        .await,
        400,
    )
    .await;
}
