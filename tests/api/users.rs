//! `/users`: who sees which accounts, creating accounts with the attachments their role
//! needs, and changing them — with what hub managers may not touch refused and left as it
//! was, and every change that cuts access cutting it at once.

use std::collections::HashSet;

use mathshub::auth::account_tokens::AccountTokens;
use mathshub::config::Secret;
use mathshub::seed::demo_accounts::DEMO_PASSWORD;
use reqwest::Method;
use reqwest::header::{ETAG, IF_MATCH, LOCATION};
use serde_json::{Value, json};

use crate::helpers::{TEST_JWT_SECRET, TestApp, assert_problem, invalid_fields, json_body};

const ADMIN: &str = "admin@demo.mathshub.invalid";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const LEAD_LCW: &str = "lead.lcw@demo.mathshub.invalid";
const LEAD_GLOW: &str = "lead.glow.post16@demo.mathshub.invalid";
const LEAD_LNE: &str = "lead.lne@demo.mathshub.invalid";
const LEAD_CHESHIRE: &str = "lead.cheshire@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
const CONTACT: &str = "contact.twyford@demo.mathshub.invalid";
const PARTNER: &str = "partner.lde@demo.mathshub.invalid";

/// Every account of the demo data: its sign-in accounts, placeholder leads and the
/// placeholder participants holding the places of its full group.
const DEMO_EMAILS: [&str; 12] = [
    ADMIN,
    MANAGER,
    LEAD_LCW,
    LEAD_GLOW,
    LEAD_LNE,
    LEAD_CHESHIRE,
    TEACHER,
    CONTACT,
    PARTNER,
    "participant.alsager@demo.mathshub.invalid",
    "participant.our-lady-of-pity@demo.mathshub.invalid",
    "participant.meadow@demo.mathshub.invalid",
];

const LCW: &str = "london-central-and-west";
const USERS: &str = "/api/v1/users";

async fn user_count(app: &TestApp) -> i64 {
    app.query_count("SELECT count(*) AS count FROM users", &[])
        .await
}

/// The id of the account with this email.
async fn id_of(app: &TestApp, email: &str) -> String {
    app.query_text(
        "SELECT id::text AS value FROM users WHERE lower(email) = lower($1)",
        &[email],
    )
    .await
}

/// The whole stored row (token version and password hash included), to show nothing changed.
async fn stored_row(app: &TestApp, id: &str) -> String {
    app.query_text(
        "SELECT row_to_json(u)::text AS value FROM users u WHERE id = $1::uuid",
        &[id],
    )
    .await
}

fn emails(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|user| user["email"].as_str().expect("email").to_owned())
        .collect()
}

async fn list(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let page = json_body(app.send(Method::GET, path, Some(token), None).await, 200).await;
    emails(page["items"].as_array().expect("items"))
}

async fn create(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.send(Method::POST, USERS, Some(token), Some(body)).await
}

async fn patch(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    app.send(
        Method::PATCH,
        &format!("{USERS}/{id}"),
        Some(token),
        Some(body),
    )
    .await
}

/// `GET /me` with `token`: 200 while it is accepted, 401 once it is not.
async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.send(Method::GET, "/api/v1/me", Some(token), None)
        .await
        .status()
        .as_u16()
}

/// `GET /users/{id}` answered 404: the kind of problem, to compare with other 404s.
async fn hidden(app: &TestApp, token: &str, id: &str) -> (Value, Value) {
    let path = format!("{USERS}/{id}");
    let problem = assert_problem(app.send(Method::GET, &path, Some(token), None).await, 404).await;
    (problem["type"].clone(), problem["title"].clone())
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

#[tokio::test(flavor = "multi_thread")]
async fn list_users_shows_every_account_to_an_admin() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;

    let listed = list(&app, &admin, USERS).await;

    let expected: Vec<String> = DEMO_EMAILS.iter().map(|e| (*e).to_owned()).collect();
    assert_eq!(sorted(listed.clone()), sorted(expected));
    assert_eq!(listed.len() as i64, user_count(&app).await);
    // In email order.
    assert_eq!(listed, sorted(listed.clone()));
}

#[tokio::test(flavor = "multi_thread")]
async fn list_users_shows_a_hub_manager_only_the_leads_of_their_hub_whatever_the_filters() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;

    assert_eq!(list(&app, &manager, USERS).await, [LEAD_LCW]);
    for narrowing in [
        "?hub=glow",
        "?hub=london-north-east",
        "?role=admin",
        "?role=hub_manager",
        "?role=participant",
        "?q=teacher",
        "?q=glow",
    ] {
        let listed = list(&app, &manager, &format!("{USERS}{narrowing}")).await;
        assert!(listed.is_empty(), "{narrowing} showed {listed:?}");
    }
    assert_eq!(
        list(&app, &manager, &format!("{USERS}?role=lead&hub={LCW}")).await,
        [LEAD_LCW]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_users_returns_403_to_leads_participants_and_partners_and_401_without_a_token() {
    let app = TestApp::spawn_with_demo().await;
    for email in [LEAD_LCW, TEACHER, PARTNER] {
        let token = app.token(email).await;
        assert_problem(app.send(Method::GET, USERS, Some(&token), None).await, 403).await;
    }
    assert_problem(app.send(Method::GET, USERS, None, None).await, 401).await;
    assert_problem(
        app.send(Method::GET, USERS, Some("not-a-token"), None)
            .await,
        401,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_users_filters_by_role_hub_text_and_disabled_state() {
    let app = TestApp::spawn_with_demo().await;
    TestApp::execute(
        &app,
        &format!("UPDATE users SET disabled_at = now() WHERE email = '{LEAD_LNE}'"),
    )
    .await;
    let admin = app.token(ADMIN).await;
    let filtered = |query: &str| {
        let path = format!("{USERS}?{query}");
        let (app, admin) = (&app, &admin);
        async move { list(app, admin, &path).await }
    };

    assert_eq!(
        sorted(filtered("role=lead").await),
        sorted(vec![
            LEAD_CHESHIRE.into(),
            LEAD_GLOW.into(),
            LEAD_LCW.into(),
            LEAD_LNE.into()
        ])
    );
    assert_eq!(
        sorted(filtered(&format!("hub={LCW}")).await),
        sorted(vec![LEAD_LCW.into(), MANAGER.into()])
    );
    assert_eq!(filtered("role=lead&hub=glow").await, [LEAD_GLOW]);
    // Name or email, any case.
    assert_eq!(filtered("q=TWYFORD").await, [CONTACT, TEACHER]);
    assert_eq!(filtered("q=Partner%20(London").await, [PARTNER]);
    // Wildcards are searched for, not obeyed.
    assert!(filtered("q=%25").await.is_empty());
    assert!(filtered("q=_").await.is_empty());
    assert_eq!(filtered("disabled=true").await, [LEAD_LNE]);
    let enabled = filtered("disabled=false").await;
    assert_eq!(enabled.len(), DEMO_EMAILS.len() - 1);
    assert!(!enabled.contains(&LEAD_LNE.to_owned()));
    assert!(filtered("role=partner&hub=glow").await.is_empty());

    for (query, field) in [
        ("role=superuser", "role"),
        ("disabled=maybe", "disabled"),
        ("hub=Not%20A%20Slug", "hub"),
        ("colour=blue", "colour"),
        ("limit=0", "limit"),
        ("cursor=garbage", "cursor"),
    ] {
        let problem = assert_problem(
            app.send(Method::GET, &format!("{USERS}?{query}"), Some(&admin), None)
                .await,
            400,
        )
        .await;
        assert_eq!(invalid_fields(&problem), [field], "{query}: {problem}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_users_pages_through_every_account_once_in_email_order() {
    let app = TestApp::spawn_with_demo().await;
    // Mixed case, so the order is the lower-case email's, not the bytes'.
    TestApp::execute(
        &app,
        "INSERT INTO users (id, email, name, role) VALUES
           (gen_random_uuid(), 'Zoe.Admin@Example.org', 'Zoe', 'admin'),
           (gen_random_uuid(), 'aaron@example.org', 'Aaron', 'admin'),
           (gen_random_uuid(), 'Mia@example.org', 'Mia', 'admin'),
           (gen_random_uuid(), 'beth@EXAMPLE.org', 'Beth', 'admin');",
    )
    .await;
    let admin = app.token(ADMIN).await;

    let items = app.walk_as(&admin, USERS, 2).await;

    let listed = emails(&items);
    let ids: HashSet<&str> = items.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), items.len(), "an account came twice: {listed:?}");
    assert_eq!(items.len() as i64, user_count(&app).await);
    let lower: Vec<String> = listed.iter().map(|e| e.to_lowercase()).collect();
    assert_eq!(lower, sorted(lower.clone()), "{listed:?}");
    assert_eq!(
        list(&app, &admin, &format!("{USERS}?limit=100")).await,
        listed
    );

    // Filters hold across pages.
    let leads = app.walk_as(&admin, &format!("{USERS}?role=lead"), 2).await;
    assert_eq!(
        emails(&leads),
        [LEAD_CHESHIRE, LEAD_GLOW, LEAD_LCW, LEAD_LNE].map(str::to_owned)
    );
}

/// Sets the password of the invited account `user` through its invitation's link, whose
/// token the letter derives from the link's id.
async fn take_up_invitation(app: &TestApp, user: &str, password: &str) {
    let link: uuid::Uuid = app
        .query_text(
            "SELECT facts->'link'->>'id' AS value FROM outbox_messages \
              WHERE recipient_id = $1::uuid AND kind = 'invitation'",
            &[user],
        )
        .await
        .parse()
        .unwrap();
    let token = AccountTokens::new(&Secret::new(TEST_JWT_SECRET)).token(link);
    let body = json!({"token": token, "password": password});
    let answer = app
        .send(Method::POST, "/api/v1/auth/set-password", None, Some(&body))
        .await;
    assert_eq!(answer.status(), 204);
}

async fn invitations_to(app: &TestApp, user: &str) -> i64 {
    app.query_count(
        "SELECT count(*) AS count FROM outbox_messages WHERE recipient_id = $1::uuid AND kind = 'invitation'",
        &[user],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn create_user_makes_an_account_of_each_role_that_signs_in_once_its_invitation_is_taken_up() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let admin_id = id_of(&app, ADMIN).await;
    let cases = [
        json!({"email": "new.admin@example.org", "name": "New Admin", "role": "admin"}),
        json!({"email": "new.manager@example.org", "name": "New Manager", "role": "hub_manager",
               "hub": "glow"}),
        json!({"email": "new.lead@example.org", "name": "New Lead", "role": "lead",
               "hub": "london-north-east"}),
        json!({"email": "new.teacher@example.org", "name": "New Teacher", "role": "participant",
               "school_urn": "900001", "role_in_school": "maths_lead"}),
        json!({"email": "new.partner@example.org", "name": "New Partner", "role": "partner",
               "teaching_school_hub": "london-district-east"}),
    ];

    for request in cases {
        let response = create(&app, &admin, &request).await;
        let location = response
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let created = json_body(response, 201).await;

        let id = created["id"].as_str().expect("id");
        assert_eq!(location.as_deref(), Some(format!("{USERS}/{id}").as_str()));
        assert_eq!(created["email"], request["email"]);
        assert_eq!(created["name"], request["name"]);
        assert_eq!(created["role"], request["role"]);
        assert_eq!(created["disabled"], false);
        let hub = request.get("hub").cloned().unwrap_or(Value::Null);
        assert_eq!(created["hub"]["slug"], hub, "{created}");
        let school = request.get("school_urn").cloned().unwrap_or(Value::Null);
        assert_eq!(created["school"]["urn"], school, "{created}");
        let role_in_school = request.get("role_in_school").cloned();
        assert_eq!(
            created["role_in_school"],
            role_in_school.unwrap_or_default()
        );
        let tsh = request.get("teaching_school_hub").cloned();
        assert_eq!(
            created["teaching_school_hub"]["slug"],
            tsh.unwrap_or_default()
        );

        let read = json_body(
            app.send(Method::GET, &location.unwrap(), Some(&admin), None)
                .await,
            200,
        )
        .await;
        let mut without_invitation = created.clone();
        without_invitation
            .as_object_mut()
            .unwrap()
            .remove("invitation_expires_at");
        assert_eq!(read, without_invitation);

        assert!(created["invitation_expires_at"].is_string(), "{created}");
        let email = request["email"].as_str().unwrap();
        let password = "an invited person's passphrase";
        take_up_invitation(&app, id, password).await;
        let pair = json_body(app.login(email, password).await, 200).await;
        let me = json_body(
            app.send(
                Method::GET,
                "/api/v1/me",
                pair["access_token"].as_str(),
                None,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(me["id"], id);
        assert_eq!(me["role"], request["role"]);

        let audited = app
            .query_count(
                &format!(
                    "SELECT count(*) AS count FROM audit_log WHERE action = 'user.created' \
                 AND object_type = 'user' AND object_id = '{id}' AND actor_id = '{admin_id}'"
                ),
                &[],
            )
            .await;
        assert_eq!(audited, 1, "{email}");
    }
    assert_eq!(user_count(&app).await, DEMO_EMAILS.len() as i64 + 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_user_with_a_chosen_password_generates_none_and_the_chosen_one_signs_in() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let request = json!({"email": "chosen@example.org", "name": "Chosen", "role": "admin",
                         "password": "a chosen passphrase"});

    let created = json_body(create(&app, &admin, &request).await, 201).await;

    assert_eq!(created["invitation_expires_at"], Value::Null);
    assert_eq!(
        invitations_to(&app, created["id"].as_str().unwrap()).await,
        0
    );
    json_body(
        app.login("chosen@example.org", "a chosen passphrase").await,
        200,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create_user_returns_422_naming_the_attachments_a_role_lacks_or_cannot_have() {
    let app = TestApp::spawn_with_demo().await;
    TestApp::execute(
        &app,
        "INSERT INTO schools (urn, name, phase, la_code, status)
         VALUES ('900099', 'A Closed School', 'primary', 'E09000009', 'closed');",
    )
    .await;
    let admin = app.token(ADMIN).await;
    let before = user_count(&app).await;
    let person = |role: &str, extra: Value| {
        let mut body = json!({"email": "someone.new@example.org", "name": "Someone", "role": role});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let cases = [
        (person("lead", json!({})), vec!["hub"]),
        (person("hub_manager", json!({})), vec!["hub"]),
        (
            person("participant", json!({})),
            vec!["role_in_school", "school_urn"],
        ),
        (
            person("participant", json!({"school_urn": "900001"})),
            vec!["role_in_school"],
        ),
        (
            person("participant", json!({"role_in_school": "teacher"})),
            vec!["school_urn"],
        ),
        (
            person("partner", json!({"hub": "glow"})),
            vec!["hub", "teaching_school_hub"],
        ),
        (
            person(
                "admin",
                json!({"school_urn": "900001", "role_in_school": "teacher"}),
            ),
            vec!["role_in_school", "school_urn"],
        ),
        (
            person(
                "lead",
                json!({"hub": "glow", "teaching_school_hub": "london-district-east"}),
            ),
            vec!["teaching_school_hub"],
        ),
        (
            person(
                "participant",
                json!({"school_urn": "900099", "role_in_school": "teacher"}),
            ),
            vec!["school_urn"],
        ),
        (
            person(
                "participant",
                json!({"school_urn": "999999", "role_in_school": "teacher"}),
            ),
            vec!["school_urn"],
        ),
        (person("lead", json!({"hub": "no-such-hub"})), vec!["hub"]),
        (
            person("partner", json!({"teaching_school_hub": "nowhere"})),
            vec!["teaching_school_hub"],
        ),
    ];

    for (request, fields) in cases {
        let problem = assert_problem(create(&app, &admin, &request).await, 422).await;
        assert_eq!(
            sorted(invalid_fields(&problem)),
            fields,
            "{request}: {problem}"
        );
    }
    assert_eq!(user_count(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_user_returns_400_for_a_bad_email_name_or_password_or_an_unknown_field() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let before = user_count(&app).await;
    let admin_named = |extra: Value| {
        let mut body = json!({"email": "fine@example.org", "name": "Fine", "role": "admin"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };

    for (request, field) in [
        (admin_named(json!({"password": "too short"})), "password"),
        (
            admin_named(json!({"password": "x".repeat(129)})),
            "password",
        ),
        (admin_named(json!({"email": "not-an-email"})), "email"),
        (admin_named(json!({"name": ""})), "name"),
    ] {
        let problem = assert_problem(create(&app, &admin, &request).await, 400).await;
        assert_eq!(invalid_fields(&problem), [field], "{request}: {problem}");
    }
    for unknown in ["disabled", "token_version", "id"] {
        let request = admin_named(json!({unknown: true}));
        let problem = assert_problem(create(&app, &admin, &request).await, 400).await;
        assert!(
            problem
                .to_string()
                .contains(&format!("unknown field `{unknown}`")),
            "{problem}"
        );
    }
    let problem = assert_problem(
        create(&app, &admin, &admin_named(json!({"role": "superuser"}))).await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["body"]);
    assert_eq!(user_count(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_user_lets_a_hub_manager_create_leads_of_their_own_hub_with_public_profiles() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let manager_id = id_of(&app, MANAGER).await;

    for request in [
        json!({"email": "lead.one@example.org", "name": "Lead One", "role": "lead"}),
        json!({"email": "lead.two@example.org", "name": "Lead Two", "role": "lead", "hub": LCW}),
    ] {
        let created = json_body(create(&app, &manager, &request).await, 201).await;
        let id = created["id"].as_str().unwrap();
        assert_eq!(created["role"], "lead");
        assert_eq!(created["hub"]["slug"], LCW);
        assert!(created["invitation_expires_at"].is_string());
        assert_eq!(invitations_to(&app, id).await, 1);

        let profile = app.get_json(&format!("/api/v1/leads/{id}"), 200).await;
        assert_eq!(profile["name"], request["name"], "{profile}");
        let audited = app
            .query_count(
                &format!(
                    "SELECT count(*) AS count FROM audit_log WHERE action = 'user.created' \
                 AND object_id = '{id}' AND actor_id = '{manager_id}'"
                ),
                &[],
            )
            .await;
        assert_eq!(audited, 1);
    }
    assert_eq!(
        list(&app, &manager, USERS).await,
        [LEAD_LCW, "lead.one@example.org", "lead.two@example.org"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_user_returns_403_to_a_hub_manager_for_another_hub_or_role_and_creates_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let before = user_count(&app).await;
    let email = "not.created@example.org";

    for request in [
        json!({"email": email, "name": "N", "role": "lead", "hub": "glow"}),
        json!({"email": email, "name": "N", "role": "hub_manager"}),
        json!({"email": email, "name": "N", "role": "hub_manager", "hub": LCW}),
        json!({"email": email, "name": "N", "role": "participant",
               "school_urn": "137083", "role_in_school": "teacher"}),
        json!({"email": email, "name": "N", "role": "admin"}),
        json!({"email": email, "name": "N", "role": "partner",
               "teaching_school_hub": "london-district-east"}),
    ] {
        assert_problem(create(&app, &manager, &request).await, 403).await;
    }
    assert_eq!(user_count(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_user_returns_403_to_participants_leads_and_partners_and_creates_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let before = user_count(&app).await;
    let requests = [
        json!({"email": "me.admin@example.org", "name": "Me", "role": "admin"}),
        json!({"email": "me.lead@example.org", "name": "Me", "role": "lead", "hub": LCW}),
    ];

    for email in [TEACHER, LEAD_LCW, PARTNER] {
        let token = app.token(email).await;
        for request in &requests {
            assert_problem(create(&app, &token, request).await, 403).await;
        }
    }
    assert_problem(
        app.send(Method::POST, USERS, None, Some(&requests[0]))
            .await,
        401,
    )
    .await;
    assert_eq!(user_count(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_user_returns_409_when_the_email_is_taken_in_any_case() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let before = user_count(&app).await;

    for email in [
        TEACHER.to_owned(),
        TEACHER.to_uppercase(),
        "Lead.LCW@Demo.Mathshub.Invalid".to_owned(),
    ] {
        let request = json!({"email": email, "name": "Clash", "role": "admin"});
        assert_problem(create(&app, &admin, &request).await, 409).await;
    }
    assert_eq!(user_count(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn get_user_returns_the_account_to_an_admin_and_to_the_manager_of_the_lead_s_hub() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let manager = app.token(MANAGER).await;
    let lead_id = id_of(&app, LEAD_LCW).await;
    let path = format!("{USERS}/{lead_id}");

    let response = app.send(Method::GET, &path, Some(&admin), None).await;
    assert!(response.headers().contains_key(ETAG));
    let as_admin = json_body(response, 200).await;
    let as_manager = json_body(
        app.send(Method::GET, &path, Some(&manager), None).await,
        200,
    )
    .await;

    assert_eq!(as_admin, as_manager);
    assert_eq!(as_admin["id"], lead_id);
    assert_eq!(as_admin["email"], LEAD_LCW);
    assert_eq!(as_admin["role"], "lead");
    assert_eq!(as_admin["hub"]["slug"], LCW);
    assert!(as_admin.get("password_hash").is_none());
    assert!(as_admin.get("token_version").is_none());

    let teacher = json_body(
        app.send(
            Method::GET,
            &format!("{USERS}/{}", id_of(&app, TEACHER).await),
            Some(&admin),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(teacher["school"]["urn"], "137083");
    assert_eq!(teacher["role_in_school"], "head_of_department");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_user_returns_404_alike_for_accounts_outside_the_caller_s_reach_and_unknown_ids() {
    let app = TestApp::spawn_with_demo().await;
    let unknown = "01900000-0000-7000-8000-000000000000";
    let manager = app.token(MANAGER).await;
    let unknown_answer = hidden(&app, &manager, unknown).await;

    for email in [LEAD_GLOW, LEAD_LNE, ADMIN, MANAGER, TEACHER, PARTNER] {
        let answer = hidden(&app, &manager, &id_of(&app, email).await).await;
        assert_eq!(answer, unknown_answer, "{email}");
    }
    // Nor do other roles read accounts here, not even their own.
    for email in [LEAD_LCW, TEACHER, PARTNER] {
        let token = app.token(email).await;
        for target in [LEAD_LCW, TEACHER, ADMIN] {
            let answer = hidden(&app, &token, &id_of(&app, target).await).await;
            assert_eq!(answer, unknown_answer, "{email} reading {target}");
        }
    }
    let admin = app.token(ADMIN).await;
    assert_eq!(hidden(&app, &admin, unknown).await, unknown_answer);
    let problem = assert_problem(
        app.send(
            Method::GET,
            &format!("{USERS}/not-a-uuid"),
            Some(&admin),
            None,
        )
        .await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["id"]);
    let lead_id = id_of(&app, LEAD_LCW).await;
    assert_problem(
        app.send(Method::GET, &format!("{USERS}/{lead_id}"), None, None)
            .await,
        401,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn update_user_lets_a_hub_manager_rename_and_re_email_their_own_lead() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let manager_id = id_of(&app, MANAGER).await;
    let lead_id = id_of(&app, LEAD_LCW).await;
    let lead = app.token(LEAD_LCW).await;

    let changes = json!({"name": "Renamed Lead", "email": "renamed.lead@example.org"});
    let updated = json_body(patch(&app, &manager, &lead_id, &changes).await, 200).await;

    assert_eq!(updated["name"], "Renamed Lead");
    assert_eq!(updated["email"], "renamed.lead@example.org");
    assert_eq!(updated["role"], "lead");
    assert_eq!(updated["hub"]["slug"], LCW);
    // Neither name nor email cuts access.
    assert_eq!(me_status(&app, &lead).await, 200);
    json_body(
        app.login("renamed.lead@example.org", DEMO_PASSWORD).await,
        200,
    )
    .await;
    let audited = app
        .query_count(
            &format!(
                "SELECT count(*) AS count FROM audit_log WHERE action = 'user.updated' \
             AND object_id = '{lead_id}' AND actor_id = '{manager_id}' \
             AND details -> 'fields' ? 'name' AND details -> 'fields' ? 'email'"
            ),
            &[],
        )
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_user_returns_403_to_a_hub_manager_sending_access_fields_and_changes_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let lead_id = id_of(&app, LEAD_LCW).await;
    let lead = app.token(LEAD_LCW).await;
    let before = stored_row(&app, &lead_id).await;

    for changes in [
        json!({"role": "hub_manager"}),
        json!({"role": "lead"}),
        json!({"hub": "glow"}),
        json!({"hub": LCW}),
        json!({"school_urn": "137083"}),
        json!({"role_in_school": "teacher"}),
        json!({"teaching_school_hub": "london-district-east"}),
        json!({"name": "Sneaky", "role": "admin"}),
        json!({"disabled": true, "hub": "glow"}),
    ] {
        let problem = assert_problem(patch(&app, &manager, &lead_id, &changes).await, 403).await;
        let sent = changes.as_object().unwrap();
        let access: Vec<&String> = sent
            .keys()
            .filter(|k| *k != "name" && *k != "disabled")
            .collect();
        assert!(
            access
                .iter()
                .all(|k| problem["detail"].as_str().unwrap().contains(k.as_str())),
            "{changes}: {problem}"
        );
        assert_eq!(stored_row(&app, &lead_id).await, before, "{changes}");
    }
    assert_eq!(me_status(&app, &lead).await, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_user_returns_404_to_a_hub_manager_for_another_hub_s_lead_and_changes_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let glow_lead = app.token(LEAD_GLOW).await;
    let glow_id = id_of(&app, LEAD_GLOW).await;
    let before = stored_row(&app, &glow_id).await;

    assert_problem(
        app.send(
            Method::GET,
            &format!("{USERS}/{glow_id}"),
            Some(&manager),
            None,
        )
        .await,
        404,
    )
    .await;
    for changes in [
        json!({"name": "Hijacked"}),
        json!({"disabled": true}),
        json!({"password": "a password of mine"}),
        json!({"hub": LCW}),
    ] {
        assert_problem(patch(&app, &manager, &glow_id, &changes).await, 404).await;
    }
    // Nor other accounts of their own hub that are not leads: themselves included.
    let own_id = id_of(&app, MANAGER).await;
    let own_before = stored_row(&app, &own_id).await;
    assert_problem(
        patch(&app, &manager, &own_id, &json!({"name": "Self"})).await,
        404,
    )
    .await;

    assert_eq!(stored_row(&app, &glow_id).await, before);
    assert_eq!(stored_row(&app, &own_id).await, own_before);
    assert_eq!(me_status(&app, &glow_lead).await, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn disabling_a_lead_refuses_their_token_and_login_at_once_and_enabling_lets_them_back() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let lead_id = id_of(&app, LEAD_LCW).await;
    let pair = app.sign_in(LEAD_LCW).await;
    let lead = pair["access_token"].as_str().unwrap().to_owned();
    assert_eq!(me_status(&app, &lead).await, 200);

    let disabled = json_body(
        patch(&app, &manager, &lead_id, &json!({"disabled": true})).await,
        200,
    )
    .await;

    assert_eq!(disabled["disabled"], true);
    assert!(disabled["disabled_at"].is_string(), "{disabled}");
    assert_problem(
        app.send(Method::GET, "/api/v1/me", Some(&lead), None).await,
        401,
    )
    .await;
    let refresh = json!({"refresh_token": pair["refresh_token"]});
    assert_problem(
        app.send(Method::POST, "/api/v1/auth/refresh", None, Some(&refresh))
            .await,
        401,
    )
    .await;
    assert_problem(app.login(LEAD_LCW, DEMO_PASSWORD).await, 401).await;
    assert_eq!(
        list(&app, &manager, &format!("{USERS}?disabled=true")).await,
        [LEAD_LCW]
    );
    // The public no longer sees a disabled lead.
    app.get_json(&format!("/api/v1/leads/{lead_id}"), 404).await;

    let enabled = json_body(
        patch(&app, &manager, &lead_id, &json!({"disabled": false})).await,
        200,
    )
    .await;

    assert_eq!(enabled["disabled"], false);
    assert_eq!(enabled["disabled_at"], Value::Null);
    let fresh = app.token(LEAD_LCW).await;
    assert_eq!(me_status(&app, &fresh).await, 200);
    // Tokens from before stay refused.
    assert_eq!(me_status(&app, &lead).await, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_a_role_as_admin_applies_the_attachment_rules_and_refuses_the_old_token() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let lead_id = id_of(&app, LEAD_LNE).await;
    let lead = app.token(LEAD_LNE).await;
    let before = stored_row(&app, &lead_id).await;

    // A participant needs a school and a role in it.
    let problem = assert_problem(
        patch(&app, &admin, &lead_id, &json!({"role": "participant"})).await,
        422,
    )
    .await;
    assert_eq!(
        sorted(invalid_fields(&problem)),
        ["role_in_school", "school_urn"]
    );
    // A partner cannot keep a hub.
    let problem = assert_problem(
        patch(
            &app,
            &admin,
            &lead_id,
            &json!({"role": "partner", "teaching_school_hub": "london-district-east", "hub": "glow"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["hub"]);
    assert_eq!(stored_row(&app, &lead_id).await, before);
    assert_eq!(me_status(&app, &lead).await, 200);

    let changes =
        json!({"role": "participant", "school_urn": "900001", "role_in_school": "teacher"});
    let changed = json_body(patch(&app, &admin, &lead_id, &changes).await, 200).await;

    assert_eq!(changed["role"], "participant");
    assert_eq!(changed["hub"], Value::Null);
    assert_eq!(changed["school"]["urn"], "900001");
    assert_eq!(changed["role_in_school"], "teacher");
    assert_problem(
        app.send(Method::GET, "/api/v1/me", Some(&lead), None).await,
        401,
    )
    .await;
    let me = json_body(
        app.send(
            Method::GET,
            "/api/v1/me",
            Some(&app.token(LEAD_LNE).await),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(me["role"], "participant");
    let audited = app
        .query_count(
            &format!(
                "SELECT count(*) AS count FROM audit_log WHERE action = 'user.updated' \
             AND object_id = '{lead_id}' AND details -> 'fields' ? 'role'"
            ),
            &[],
        )
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn moving_a_lead_to_another_hub_refuses_their_old_token() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let lead_id = id_of(&app, LEAD_LCW).await;
    let lead = app.token(LEAD_LCW).await;

    let moved = json_body(
        patch(&app, &admin, &lead_id, &json!({"hub": "glow"})).await,
        200,
    )
    .await;

    assert_eq!(moved["hub"]["slug"], "glow");
    assert_eq!(me_status(&app, &lead).await, 401);
    // Their public profile moved with them.
    let profile = app.get_json(&format!("/api/v1/leads/{lead_id}"), 200).await;
    let hubs: Vec<&str> = profile["hubs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hub| hub["slug"].as_str().unwrap())
        .collect();
    assert_eq!(hubs, ["glow"]);
    // Now out of the LCW manager's reach.
    let manager = app.token(MANAGER).await;
    assert!(list(&app, &manager, USERS).await.is_empty());
    assert_problem(
        app.send(
            Method::GET,
            &format!("{USERS}/{lead_id}"),
            Some(&manager),
            None,
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn update_user_applies_a_current_if_match_and_refuses_a_stale_one_with_412() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let lead_id = id_of(&app, LEAD_LCW).await;
    let path = format!("{USERS}/{lead_id}");
    let tag_of =
        |response: &reqwest::Response| response.headers()[ETAG].to_str().unwrap().to_owned();
    let first_tag = tag_of(&app.send(Method::GET, &path, Some(&admin), None).await);

    let applied = app
        .client
        .patch(format!("{}{path}", app.address))
        .bearer_auth(&admin)
        .header(IF_MATCH, &first_tag)
        .json(&json!({"name": "First Change"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(applied, 200).await["name"], "First Change");
    let current = stored_row(&app, &lead_id).await;

    for stale in [
        first_tag.clone(),
        format!("W/{first_tag}"),
        "\"nope\"".into(),
    ] {
        let refused = app
            .client
            .patch(format!("{}{path}", app.address))
            .bearer_auth(&admin)
            .header(IF_MATCH, &stale)
            .json(&json!({"name": "Second Change"}))
            .send()
            .await
            .unwrap();
        assert_problem(refused, 412).await;
        assert_eq!(stored_row(&app, &lead_id).await, current, "{stale}");
    }

    let second_tag = tag_of(&app.send(Method::GET, &path, Some(&admin), None).await);
    assert_ne!(second_tag, first_tag);
    let applied = app
        .client
        .patch(format!("{}{path}", app.address))
        .bearer_auth(&admin)
        .header(IF_MATCH, &second_tag)
        .json(&json!({"name": "Second Change"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(applied, 200).await["name"], "Second Change");
}

#[tokio::test(flavor = "multi_thread")]
async fn update_user_returns_409_when_an_admin_disables_themselves_or_changes_their_own_role() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let admin_id = id_of(&app, ADMIN).await;
    let before = stored_row(&app, &admin_id).await;

    for changes in [
        json!({"disabled": true}),
        json!({"role": "lead", "hub": LCW}),
        json!({"role": "participant", "school_urn": "137083", "role_in_school": "teacher"}),
        json!({"name": "Still Me", "disabled": true}),
    ] {
        assert_problem(patch(&app, &admin, &admin_id, &changes).await, 409).await;
        assert_eq!(stored_row(&app, &admin_id).await, before, "{changes}");
    }
    assert_eq!(me_status(&app, &admin).await, 200);
    // Their own name is theirs to change.
    let renamed = json_body(
        patch(&app, &admin, &admin_id, &json!({"name": "Renamed Admin"})).await,
        200,
    )
    .await;
    assert_eq!(renamed["name"], "Renamed Admin");
    assert_eq!(me_status(&app, &admin).await, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_user_new_password_ends_the_account_s_tokens_and_sessions() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let lead_id = id_of(&app, LEAD_LCW).await;
    let pair = app.sign_in(LEAD_LCW).await;
    let new_password = "a brand new passphrase";

    let changed = patch(&app, &manager, &lead_id, &json!({"password": new_password})).await;

    let body = json_body(changed, 200).await;
    assert!(body.get("password").is_none() && body.get("password_hash").is_none());
    assert_eq!(
        me_status(&app, pair["access_token"].as_str().unwrap()).await,
        401
    );
    let refresh = json!({"refresh_token": pair["refresh_token"]});
    assert_problem(
        app.send(Method::POST, "/api/v1/auth/refresh", None, Some(&refresh))
            .await,
        401,
    )
    .await;
    assert_problem(app.login(LEAD_LCW, DEMO_PASSWORD).await, 401).await;
    json_body(app.login(LEAD_LCW, new_password).await, 200).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn update_user_refuses_a_bad_field_or_an_unknown_one_and_changes_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let lead_id = id_of(&app, LEAD_LCW).await;
    let before = stored_row(&app, &lead_id).await;

    for (changes, field, status) in [
        (json!({"password": "too short"}), "password", 400),
        (json!({"email": "no-at-sign"}), "email", 400),
        (json!({"name": ""}), "name", 400),
        (json!({"hub": "no-such-hub"}), "hub", 422),
        (json!({"role": "superuser"}), "body", 400),
        (json!({"token_version": 0}), "body", 400),
        (json!({"created_at": "2020-01-01T00:00:00Z"}), "body", 400),
    ] {
        let problem = assert_problem(patch(&app, &admin, &lead_id, &changes).await, status).await;
        assert_eq!(invalid_fields(&problem), [field], "{changes}: {problem}");
        assert_eq!(stored_row(&app, &lead_id).await, before, "{changes}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn update_user_returns_409_when_the_new_email_is_taken_in_any_case() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let lead_id = id_of(&app, LEAD_LCW).await;
    let before = stored_row(&app, &lead_id).await;

    for taken in [ADMIN.to_owned(), ADMIN.to_uppercase()] {
        assert_problem(
            patch(&app, &manager, &lead_id, &json!({"email": taken})).await,
            409,
        )
        .await;
    }
    assert_eq!(stored_row(&app, &lead_id).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_made_a_participant_is_no_longer_shown_as_a_lead() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let lead_id = id_of(&app, LEAD_LNE).await;
    app.get_json(&format!("/api/v1/leads/{lead_id}"), 200).await;

    let changes =
        json!({"role": "participant", "school_urn": "137083", "role_in_school": "teacher"});
    let changed = json_body(patch(&app, &admin, &lead_id, &changes).await, 200).await;

    assert_eq!(changed["role"], "participant");
    assert!(changed["hub"].is_null());
    app.get_json(&format!("/api/v1/leads/{lead_id}"), 404).await;
}
