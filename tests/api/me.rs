//! `/me`: the caller's own account as the server knows it, and the few changes a person may
//! make to it themselves — never their role, hub or status.

use mathshub::seed::demo_accounts::DEMO_PASSWORD;
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, invalid_fields, json_body};

const ADMIN: &str = "admin@demo.mathshub.invalid";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const LEAD_LCW: &str = "lead.lcw@demo.mathshub.invalid";
const LEAD_GLOW: &str = "lead.glow.post16@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
const PARTNER: &str = "partner.lde@demo.mathshub.invalid";

const ME: &str = "/api/v1/me";
const TWYFORD: &str = "137083";

/// The whole stored row of the account with this email (role, hub, status, token version
/// and password hash included), to show nothing changed.
async fn stored_row(app: &TestApp, email: &str) -> String {
    app.query_text(
        "SELECT row_to_json(u)::text AS value FROM users u WHERE email = $1",
        &[email],
    )
    .await
}

async fn stored_role(app: &TestApp, email: &str) -> String {
    app.query_text("SELECT role AS value FROM users WHERE email = $1", &[email])
        .await
}

async fn get_me(app: &TestApp, token: &str) -> Value {
    json_body(app.send(Method::GET, ME, Some(token), None).await, 200).await
}

async fn patch_me(app: &TestApp, token: &str, changes: &Value) -> reqwest::Response {
    app.send(Method::PATCH, ME, Some(token), Some(changes))
        .await
}

/// Partner credentials for London District East, made by the admin, and a token from them.
async fn partner_client_token(app: &TestApp) -> (Value, String) {
    let admin = app.token(ADMIN).await;
    let client = json_body(
        app.send(
            Method::POST,
            "/api/v1/partners",
            Some(&admin),
            Some(&json!({"teaching_school_hub": "london-district-east", "name": "x"})),
        )
        .await,
        201,
    )
    .await;
    let form = serde_urlencoded::to_string([
        ("grant_type", "client_credentials"),
        (
            "client_id",
            client["client_id"].as_str().expect("client_id"),
        ),
        (
            "client_secret",
            client["client_secret"].as_str().expect("client_secret"),
        ),
    ])
    .expect("a form");
    let response = app
        .client
        .post(format!("{}/api/v1/auth/token", app.address))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("request");
    let token = json_body(response, 200).await["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    (client, token)
}

#[tokio::test(flavor = "multi_thread")]
async fn get_me_returns_each_role_s_account_with_what_it_is_attached_to() {
    let app = TestApp::spawn_with_demo().await;

    let admin = get_me(&app, &app.token(ADMIN).await).await;
    assert_eq!(admin["kind"], "user");
    assert_eq!(admin["email"], ADMIN);
    assert_eq!(admin["role"], "admin");
    for attachment in ["hub", "school", "role_in_school", "teaching_school_hub"] {
        assert_eq!(admin[attachment], Value::Null, "{admin}");
    }
    assert_eq!(admin["disabled"], false);

    let manager = get_me(&app, &app.token(MANAGER).await).await;
    assert_eq!(manager["role"], "hub_manager");
    assert_eq!(manager["hub"]["slug"], "london-central-and-west");
    assert_eq!(manager["school"], Value::Null);

    let lead = get_me(&app, &app.token(LEAD_GLOW).await).await;
    assert_eq!(lead["role"], "lead");
    assert_eq!(lead["hub"]["slug"], "glow");
    assert_eq!(lead["teaching_school_hub"], Value::Null);

    let teacher = get_me(&app, &app.token(TEACHER).await).await;
    assert_eq!(teacher["role"], "participant");
    assert_eq!(teacher["school"]["urn"], TWYFORD);
    assert!(teacher["school"]["name"].is_string());
    assert_eq!(teacher["role_in_school"], "head_of_department");
    assert_eq!(teacher["hub"], Value::Null);

    let partner = get_me(&app, &app.token(PARTNER).await).await;
    assert_eq!(partner["kind"], "user");
    assert_eq!(partner["role"], "partner");
    assert_eq!(
        partner["teaching_school_hub"]["slug"],
        "london-district-east"
    );
    assert_eq!(partner["hub"], Value::Null);

    for body in [&admin, &manager, &lead, &teacher, &partner] {
        assert!(body.get("password_hash").is_none(), "{body}");
        assert!(body.get("token_version").is_none(), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_me_returns_401_without_a_token_or_with_a_bad_one() {
    let app = TestApp::spawn_with_demo().await;
    assert_problem(app.send(Method::GET, ME, None, None).await, 401).await;
    assert_problem(
        app.send(Method::GET, ME, Some("not.a.token"), None).await,
        401,
    )
    .await;
    assert_problem(
        patch_me(&app, "not.a.token", &json!({"name": "Nobody"})).await,
        401,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn partner_client_token_reads_me_as_a_client_but_cannot_patch_it() {
    let app = TestApp::spawn_with_demo().await;
    let (client, token) = partner_client_token(&app).await;

    let me = get_me(&app, &token).await;
    assert_eq!(me["kind"], "partner_client");
    assert_eq!(me["client_id"], client["client_id"]);
    assert_eq!(me["teaching_school_hub"]["slug"], "london-district-east");
    assert!(me.get("client_secret").is_none(), "{me}");

    for changes in [
        json!({"name": "Renamed Client"}),
        json!({"password": "a new passphrase", "current_password": "whatever"}),
    ] {
        assert_problem(patch_me(&app, &token, &changes).await, 403).await;
    }
    assert_eq!(get_me(&app, &token).await["name"], "x");
}

#[tokio::test(flavor = "multi_thread")]
async fn update_me_changes_the_name_and_nothing_else() {
    let app = TestApp::spawn_with_demo().await;
    let token = app.token(LEAD_LCW).await;
    let before = get_me(&app, &token).await;

    let changed = json_body(
        patch_me(&app, &token, &json!({"name": "Alex Lead"})).await,
        200,
    )
    .await;

    assert_eq!(changed["name"], "Alex Lead");
    let after = get_me(&app, &token).await;
    assert_eq!(after["name"], "Alex Lead");
    for unchanged in ["id", "email", "role", "hub", "disabled", "created_at"] {
        assert_eq!(after[unchanged], before[unchanged], "{unchanged}");
    }
    let audited = app
        .query_text(
            "SELECT count(*)::text AS value FROM audit_log \
         WHERE action = 'user.updated_own' AND object_id = $1 AND actor_id::text = $1",
            &[before["id"].as_str().unwrap()],
        )
        .await;
    assert_eq!(audited, "1");

    for blank in ["", "   "] {
        let problem =
            assert_problem(patch_me(&app, &token, &json!({"name": blank})).await, 400).await;
        assert_eq!(invalid_fields(&problem), ["name"]);
    }
    assert_eq!(get_me(&app, &token).await["name"], "Alex Lead");
}

#[tokio::test(flavor = "multi_thread")]
async fn update_me_changes_the_password_only_with_the_right_current_one_and_ends_the_other_sessions()
 {
    let app = TestApp::spawn_with_demo().await;
    let session = app.sign_in(TEACHER).await;
    let other = app.sign_in(TEACHER).await;
    let token = session["access_token"].as_str().unwrap();
    let new_password = "a fresh teacher passphrase";
    let before = stored_row(&app, TEACHER).await;

    // A wrong or missing current password is well-formed but cannot be used (422); a password
    // too short breaks the document's schema (400).
    for (changes, field, status) in [
        (
            json!({"password": new_password, "current_password": "not my password"}),
            "current_password",
            422,
        ),
        (json!({"password": new_password}), "current_password", 422),
        (
            json!({"password": "short", "current_password": DEMO_PASSWORD}),
            "password",
            400,
        ),
    ] {
        let problem = assert_problem(patch_me(&app, token, &changes).await, status).await;
        assert_eq!(invalid_fields(&problem), [field], "{changes}: {problem}");
        assert_eq!(stored_row(&app, TEACHER).await, before, "{changes}");
    }
    assert_eq!(get_me(&app, token).await["email"], TEACHER);

    let changes = json!({"password": new_password, "current_password": DEMO_PASSWORD});
    let changed = json_body(patch_me(&app, token, &changes).await, 200).await;

    assert!(changed.get("password").is_none(), "{changed}");
    assert_problem(app.login(TEACHER, DEMO_PASSWORD).await, 401).await;
    json_body(app.login(TEACHER, new_password).await, 200).await;
    // The other session is over: its refresh token is revoked and its access token refused.
    let refresh = json!({"refresh_token": other["refresh_token"]});
    assert_problem(
        app.send(Method::POST, "/api/v1/auth/refresh", None, Some(&refresh))
            .await,
        401,
    )
    .await;
    assert_problem(
        app.send(Method::GET, ME, other["access_token"].as_str(), None)
            .await,
        401,
    )
    .await;
    // The session it was changed in stays signed in: its access token is refused, and its
    // refresh token gets a new one.
    assert_problem(app.send(Method::GET, ME, Some(token), None).await, 401).await;
    let refresh = json!({"refresh_token": session["refresh_token"]});
    let renewed = json_body(
        app.send(Method::POST, "/api/v1/auth/refresh", None, Some(&refresh))
            .await,
        200,
    )
    .await;
    assert_eq!(
        get_me(&app, renewed["access_token"].as_str().unwrap()).await["email"],
        TEACHER
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn update_me_lets_a_participant_move_school_and_change_their_role_in_it() {
    let app = TestApp::spawn_with_demo().await;
    let other_school = app.query_text("SELECT urn AS value FROM schools WHERE status = 'open' AND urn <> $1 ORDER BY urn LIMIT 1", &[TWYFORD]).await;
    let token = app.token(TEACHER).await;

    let moved = json_body(
        patch_me(
            &app,
            &token,
            &json!({"school_urn": other_school, "role_in_school": "maths_lead"}),
        )
        .await,
        200,
    )
    .await;

    assert_eq!(moved["school"]["urn"], other_school.as_str());
    assert_eq!(moved["role_in_school"], "maths_lead");
    assert_eq!(moved["role"], "participant");
    // Neither cuts access.
    assert_eq!(
        get_me(&app, &token).await["school"]["urn"],
        other_school.as_str()
    );

    let changed = json_body(
        patch_me(&app, &token, &json!({"role_in_school": "senior_leader"})).await,
        200,
    )
    .await;
    assert_eq!(changed["role_in_school"], "senior_leader");
    assert_eq!(changed["school"]["urn"], other_school.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn update_me_refuses_a_closed_an_unknown_or_a_malformed_school() {
    let app = TestApp::spawn_with_demo().await;
    TestApp::execute(
        &app,
        "INSERT INTO schools (urn, name, phase, la_code, status)
         VALUES ('900099', 'A Closed School', 'primary', 'E09000009', 'closed');",
    )
    .await;
    let token = app.token(TEACHER).await;
    let before = stored_row(&app, TEACHER).await;

    for (school, status) in [
        ("900099", 422),
        ("999999", 422),
        ("12345", 400),
        ("not-a-urn", 400),
    ] {
        let problem = assert_problem(
            patch_me(&app, &token, &json!({"school_urn": school})).await,
            status,
        )
        .await;
        assert_eq!(
            invalid_fields(&problem),
            ["school_urn"],
            "{school}: {problem}"
        );
    }
    let problem = assert_problem(
        patch_me(&app, &token, &json!({"role_in_school": "headteacher"})).await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["body"]);
    assert_eq!(stored_row(&app, TEACHER).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_me_returns_403_when_someone_other_than_a_participant_sends_a_school() {
    let app = TestApp::spawn_with_demo().await;

    for email in [LEAD_LCW, MANAGER, ADMIN, PARTNER] {
        let token = app.token(email).await;
        let before = stored_row(&app, email).await;
        for changes in [
            json!({"school_urn": TWYFORD}),
            json!({"role_in_school": "teacher"}),
            json!({"school_urn": TWYFORD, "role_in_school": "teacher", "name": "Teacher Now"}),
        ] {
            assert_problem(patch_me(&app, &token, &changes).await, 403).await;
            assert_eq!(stored_row(&app, email).await, before, "{email}: {changes}");
        }
        assert_eq!(get_me(&app, &token).await["school"], Value::Null);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn update_me_returns_400_naming_role_hub_disabled_status_or_capacity_and_changes_nothing() {
    let app = TestApp::spawn_with_demo().await;

    for email in [TEACHER, LEAD_LCW] {
        let token = app.token(email).await;
        let role = stored_role(&app, email).await;
        let before = stored_row(&app, email).await;
        for (field, value) in [
            ("role", json!("admin")),
            ("hub", json!("glow")),
            ("disabled", json!(false)),
            ("status", json!("active")),
            ("capacity", json!(500)),
            ("teaching_school_hub", json!("london-district-east")),
            ("email", json!("someone.else@example.org")),
            ("token_version", json!(0)),
        ] {
            for changes in [
                json!({field: value}),
                json!({"name": "Mass Assigned", field: value}),
            ] {
                let problem = assert_problem(patch_me(&app, &token, &changes).await, 400).await;
                assert!(
                    problem
                        .to_string()
                        .contains(&format!("unknown field `{field}`")),
                    "{email} {changes}: {problem}"
                );
                assert_eq!(stored_row(&app, email).await, before, "{email}: {changes}");
            }
        }
        assert_eq!(stored_role(&app, email).await, role);
        // Nothing bumped the token version: the same token still works.
        assert_eq!(get_me(&app, &token).await["role"], role.as_str());
    }
}
