//! People's data under UK GDPR, over HTTP and a real database: the subject access export
//! holds every row that references the person and nobody else's data; erasure leaves no
//! trace of their name or email in any column, keeps the reach report and the fee ledger
//! as they were, ends their access at once, waits for places and fees unless forced, and
//! changes nothing when repeated.

use std::collections::BTreeSet;

use mathshub::db::erasure::{OnErasure, REFERENCES};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, audit_count, hold_places, json_body,
    next_cohort, session_of, without_request_id,
};

const ADMIN: &str = "admin@demo.mathshub.invalid";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
/// A documented group of 2021/22: completed, so a place in it keeps nobody from erasure.
const LCW: &str = "LCW21-15-01";
const PASSWORD: &str = "a passphrase of their own";

/// Every `table.column` that references `users (id)` in the migrated database.
async fn references_in_database(app: &TestApp) -> BTreeSet<String> {
    app.query_text(
        "SELECT string_agg(c.conrelid::regclass::text || '.' || a.attname, ',') AS value \
           FROM pg_constraint c \
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
          WHERE c.contype = 'f' AND c.confrelid = 'users'::regclass",
        &[],
    )
    .await
    .split(',')
    .map(str::to_owned)
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn erasure_says_what_becomes_of_every_column_that_references_an_account() {
    let app = TestApp::spawn().await;
    let listed: BTreeSet<String> = REFERENCES
        .iter()
        .map(|reference| format!("{}.{}", reference.table, reference.column))
        .collect();
    assert_eq!(
        references_in_database(&app).await,
        listed,
        "a column referencing users must be listed in db::erasure::REFERENCES, exported by \
         db::subject_access and given a row in the export test below"
    );
    assert!(
        REFERENCES
            .iter()
            .any(|r| r.on_erasure == OnErasure::Deleted)
    );
}

/// A lead who also took part as a teacher, with a row in every table that references
/// accounts: (their id, a partner client id they created).
const SUBJECT: &str = "00000000-0000-7000-8000-00000000c001";
const OTHER: &str = "00000000-0000-7000-8000-00000000c002";

async fn subject_everywhere(app: &TestApp) {
    let first_session = session_of(app, LCW, 1).await;
    app.execute(&format!(
        "INSERT INTO users (id, email, name, role, school_urn, role_in_school) VALUES
           ('{SUBJECT}', 'subject@school.example', 'Subject Person', 'participant', '137083', 'maths_lead'),
           ('{OTHER}', 'other@school.example', 'Other Person', 'participant', '137083', 'teacher');
         INSERT INTO llme_profiles (user_id, display_name, bio)
         VALUES ('{SUBJECT}', 'Subject P.', 'Twenty years of teaching.');
         INSERT INTO llme_profile_hubs (user_id, hub_id)
         SELECT '{SUBJECT}', id FROM hubs WHERE slug = 'london-central-and-west';
         INSERT INTO work_group_leads (work_group_id, user_id, role)
         SELECT id, '{SUBJECT}', 'work_group_lead' FROM work_groups WHERE code = '{LCW}';
         INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, statement, status)
         SELECT '00000000-0000-7000-8000-00000000c101', id, '{SUBJECT}', '137083', 'teacher', 'Mine.', 'completed'
           FROM work_groups WHERE code = '{LCW}';
         INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status, decided_by)
         SELECT '00000000-0000-7000-8000-00000000c102', id, '{OTHER}', '137083', 'teacher', 'completed', '{SUBJECT}'
           FROM work_groups WHERE code = '{LCW}';
         INSERT INTO attendance (session_id, enrolment_id, status, recorded_by) VALUES
           ('{first_session}', '00000000-0000-7000-8000-00000000c101', 'absent', NULL),
           ('{first_session}', '00000000-0000-7000-8000-00000000c102', 'absent', '{SUBJECT}');
         INSERT INTO fee_liabilities (id, enrolment_id, session_id, school_urn, reason, amount_pence, waived_at, waived_by, waiver_reason) VALUES
           ('00000000-0000-7000-8000-00000000c201', '00000000-0000-7000-8000-00000000c101', '{first_session}', '137083', 'non_attendance', 7500, NULL, NULL, NULL),
           ('00000000-0000-7000-8000-00000000c202', '00000000-0000-7000-8000-00000000c102', '{first_session}', '137083', 'non_attendance', 7500, now(), '{SUBJECT}', 'Ill.');
         INSERT INTO partner_clients (id, teaching_school_hub_id, client_id, secret_hash, name, created_by)
         SELECT '00000000-0000-7000-8000-00000000c301', id, 'subject-client', 'x', 'Made by the subject', '{SUBJECT}'
           FROM teaching_school_hubs WHERE slug = 'london-district-east';
         INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at)
         VALUES ('00000000-0000-7000-8000-00000000c401', '{SUBJECT}', '00000000-0000-7000-8000-00000000c402', '\\x01', now() + interval '1 day');
         INSERT INTO account_tokens (id, user_id, purpose, token_hash, expires_at)
         VALUES ('00000000-0000-7000-8000-00000000c501', '{SUBJECT}', 'password_reset', '\\x02', now() + interval '1 hour');
         INSERT INTO school_contacts (user_id, school_urn) VALUES ('{SUBJECT}', '137083');
         INSERT INTO outbox_messages (id, kind, recipient_id, facts)
         VALUES ('00000000-0000-7000-8000-00000000c601', 'accepted', '{SUBJECT}', '{{}}');
         INSERT INTO audit_log (actor_id, action, object_type, object_id, details)
         VALUES ('{SUBJECT}', 'enrolment.accepted', 'enrolment', '00000000-0000-7000-8000-00000000c102', '{{}}');"
    ))
    .await;
}

/// The primary key's columns of `table`.
async fn primary_key(app: &TestApp, table: &str) -> Vec<String> {
    app.query_text(
        "SELECT string_agg(a.attname, ',') AS value FROM pg_index i \
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) \
          WHERE i.indrelid = $1::regclass AND i.indisprimary",
        &[table],
    )
    .await
    .split(',')
    .map(str::to_owned)
    .collect()
}

/// The text columns of `table`.
async fn text_columns(app: &TestApp, table: &str) -> Vec<String> {
    app.query_text(
        "SELECT coalesce(string_agg(column_name, ','), '') AS value FROM information_schema.columns \
          WHERE table_schema = 'public' AND table_name = $1 AND data_type = 'text'",
        &[table],
    )
    .await
    .split(',')
    .filter(|name| !name.is_empty())
    .map(str::to_owned)
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_export_holds_every_row_that_references_the_person() {
    let app = TestApp::spawn_with_demo().await;
    subject_everywhere(&app).await;
    let admin = app.token(ADMIN).await;
    let export = json_body(
        app.send(
            Method::GET,
            &format!("/api/v1/users/{SUBJECT}/data"),
            Some(&admin),
            None,
        )
        .await,
        200,
    )
    .await;
    let text = export.to_string();

    let mut missing = Vec::new();
    for reference in references_in_database(&app).await {
        let (table, column) = reference.split_once('.').unwrap();
        let rows: Vec<Value> = serde_json::from_str(
            &app.query_text(
                &format!(
                    "SELECT coalesce(json_agg(t), '[]')::text AS value FROM {table} t \
                      WHERE {column} = '{SUBJECT}'"
                ),
                &[],
            )
            .await,
        )
        .unwrap();
        assert!(
            !rows.is_empty(),
            "the subject has no {reference} row: give them one in subject_everywhere"
        );
        let key: Vec<String> = primary_key(&app, table)
            .await
            .into_iter()
            .filter(|name| name != column)
            .collect();
        // A row whose key is the person themselves is shown by what it says.
        let shown_by = if key.is_empty() {
            text_columns(&app, table).await
        } else {
            key
        };
        for row in &rows {
            for name in &shown_by {
                let value = match &row[name] {
                    Value::String(text) if text.is_empty() => continue,
                    Value::String(text) => text.clone(),
                    Value::Null => continue,
                    other => other.to_string(),
                };
                if !text.contains(&value) {
                    missing.push(format!("{reference}: {name} {value}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "not in the export: {missing:?}");
    assert_eq!(export["account"]["email"], "subject@school.example");
    assert_eq!(export["enrolments"][0]["statement"], "Mine.");
    assert_eq!(export["enrolments"][0]["fees"][0]["amount_pence"], 7500);
    // The other person's enrolment is named by id only.
    assert!(!text.contains("Other Person") && !text.contains("other@school.example"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_downloads_their_own_data_and_an_admin_s_export_is_audited() {
    let app = TestApp::spawn_with_demo().await;
    let teacher_id = app
        .query_text(
            "SELECT id::text AS value FROM users WHERE email = $1",
            &[TEACHER],
        )
        .await;
    // Staff who decided on the teacher's enrolment are not named in their export.
    app.execute(&format!(
        "INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status, decided_by)
         SELECT gen_random_uuid(), w.id, '{teacher_id}', '137083', 'head_of_department', 'declined', u.id
           FROM work_groups w, users u WHERE w.code = '{LCW}' AND u.email = '{MANAGER}';
         INSERT INTO audit_log (actor_id, action, object_type, object_id, details)
         SELECT decided_by, 'enrolment.declined', 'enrolment', id::text, '{{\"reason\": \"Full.\"}}'
           FROM enrolments WHERE participant_id = '{teacher_id}';"
    ))
    .await;
    let teacher = app.token(TEACHER).await;

    let response = app
        .send(Method::GET, "/api/v1/me/data", Some(&teacher), None)
        .await;
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    assert!(response.headers().get("content-disposition").is_none());
    let export = json_body(response, 200).await;
    assert_eq!(export["account"]["email"], TEACHER);
    assert_eq!(export["account"]["id"], teacher_id.as_str());
    assert_eq!(export["enrolments"][0]["status"], "declined");
    assert_eq!(export["enrolments"][0]["history"][0]["by_you"], false);
    assert_eq!(
        export["enrolments"][0]["history"][0]["details"]["reason"],
        "Full."
    );
    assert!(!export["sign_ins"].as_array().unwrap().is_empty());
    let text = export.to_string();
    let manager_name = app
        .query_text(
            "SELECT name AS value FROM users WHERE email = $1",
            &[MANAGER],
        )
        .await;
    assert!(!text.contains(MANAGER) && !text.contains(&manager_name));

    let download = app
        .send(
            Method::GET,
            "/api/v1/me/data?download=true",
            Some(&teacher),
            None,
        )
        .await;
    assert_eq!(
        download.headers()["content-disposition"],
        format!("attachment; filename=\"personal-data-{teacher_id}.json\"").as_str()
    );
    json_body(download, 200).await;
    assert_problem(
        app.send(
            Method::GET,
            "/api/v1/me/data?download=maybe",
            Some(&teacher),
            None,
        )
        .await,
        400,
    )
    .await;

    let admin = app.token(ADMIN).await;
    assert_eq!(
        audit_count(&app, "user.data_exported", &teacher_id).await,
        0
    );
    let by_admin = json_body(
        app.send(
            Method::GET,
            &format!("/api/v1/users/{teacher_id}/data"),
            Some(&admin),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(by_admin["account"], export["account"]);
    assert_eq!(
        audit_count(&app, "user.data_exported", &teacher_id).await,
        1
    );
    let unknown = uuid::Uuid::now_v7();
    assert_problem(
        app.send(
            Method::GET,
            &format!("/api/v1/users/{unknown}/data"),
            Some(&admin),
            None,
        )
        .await,
        404,
    )
    .await;
}

/// The names of the columns (`table.column`) holding `term` anywhere, in any case; binary
/// columns byte for byte.
async fn columns_holding(app: &TestApp, term: &str) -> Vec<String> {
    let columns = app
        .query_text(
            "SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',') AS value \
               FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name) \
              WHERE table_schema = 'public' AND t.table_type = 'BASE TABLE' \
                AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bytea')",
            &[],
        )
        .await;
    let probes: Vec<String> = columns
        .split(',')
        .map(|column| {
            let (name, data_type) = column.split_once(':').unwrap();
            let (table, column) = name.split_once('.').unwrap();
            let holds = if data_type == "bytea" {
                format!("position(convert_to($1, 'UTF8') IN \"{column}\") > 0")
            } else {
                format!("\"{column}\"::text ILIKE '%' || $1 || '%'")
            };
            format!("SELECT '{name}' AS hit WHERE EXISTS (SELECT 1 FROM \"{table}\" WHERE {holds})")
        })
        .collect();
    let hits = app
        .query_text(
            &format!(
                "SELECT coalesce(string_agg(hit, ','), '') AS value FROM ({}) AS hits",
                probes.join(" UNION ALL ")
            ),
            &[term],
        )
        .await;
    hits.split(',')
        .filter(|hit| !hit.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What the programme must keep through an erasure: the reach report of 2021/22, and the
/// fee ledger's amounts, dates and statuses.
async fn kept_records(app: &TestApp, admin: &str) -> (Value, Vec<Value>) {
    let reach = json_body(
        app.send(
            Method::GET,
            "/api/v1/reports/reach?academic_year=2021/22",
            Some(admin),
            None,
        )
        .await,
        200,
    )
    .await;
    let fees = app
        .query_text(
            "SELECT json_agg(json_build_object('id', id, 'amount', amount_pence, 'at', created_at, \
                    'status', status, 'school', school_urn) ORDER BY id)::text AS value \
               FROM fee_liabilities",
            &[],
        )
        .await;
    (reach, serde_json::from_str(&fees).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn erasure_leaves_no_trace_of_the_person_keeps_the_programme_s_records_and_is_idempotent() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let manager = app.token(MANAGER).await;
    let email = "zebedee.quillfeather@school.example";

    // An admin creates the account (the answer, kept for its Idempotency-Key, names them).
    let created = app
        .client
        .post(format!("{}/api/v1/users", app.address))
        .bearer_auth(&admin)
        .header("Idempotency-Key", "create-zebedee")
        .json(&json!({"email": email, "name": "Zebedee Quillfeather", "role": "participant",
                      "school_urn": "137083", "role_in_school": "head_of_department", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let id = json_body(created, 201).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = json_body(app.login(email, PASSWORD).await, 200).await;
    let access = session["access_token"].as_str().unwrap().to_owned();

    // They express interest with a statement of their own, and withdraw, saying why.
    let group = app
        .query_text(
            "SELECT id::text AS value FROM work_groups WHERE code = $1",
            &[&next_cohort(&app)],
        )
        .await;
    let interest = json_body(
        app.send(
            Method::POST,
            &format!("/api/v1/work-groups/{group}/enrolments"),
            Some(&access),
            Some(
                &json!({"school_urn": "137083", "role_in_school": "head_of_department",
                         "statement": "Quillfeather leads Year 7 maths."}),
            ),
        )
        .await,
        201,
    )
    .await;
    let enrolment = interest["id"].as_str().unwrap();
    json_body(
        app.send(
            Method::POST,
            &format!("/api/v1/enrolments/{enrolment}/withdraw"),
            Some(&access),
            Some(&json!({"reason": "Quillfeather moves school."})),
        )
        .await,
        200,
    )
    .await;

    // In 2021/22 they took part in LCW's group and missed a session; the fee was waived.
    let past = uuid::Uuid::now_v7();
    app.execute(&format!(
        "INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, statement, status, accepted_at)
         SELECT '{past}', id, '{id}', '137083', 'teacher', 'Zebedee again.', 'completed', now()
           FROM work_groups WHERE code = '{LCW}';"
    ))
    .await;
    let first_session = session_of(&app, LCW, 1).await;
    let register = json_body(
        app.send(
            Method::PUT,
            &format!("/api/v1/sessions/{first_session}/attendance"),
            Some(&admin),
            Some(&json!({"items": [{"enrolment_id": past, "status": "absent"}]})),
        )
        .await,
        200,
    )
    .await;
    let fee = register["entries"][0]["fee"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    json_body(
        app.send(
            Method::POST,
            &format!("/api/v1/fees/{fee}/waive"),
            Some(&manager),
            Some(&json!({"reason": "Zebedee Quillfeather was ill."})),
        )
        .await,
        200,
    )
    .await;
    // They asked for a password reset.
    app.send(
        Method::POST,
        "/api/v1/auth/password-reset",
        None,
        Some(&json!({"email": email})),
    )
    .await;
    for _ in 0..100 {
        let links = "SELECT count(*) AS count FROM account_tokens WHERE user_id = $1::uuid";
        if app.query_count(links, &[&id]).await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for term in [email, "Quillfeather", "Zebedee"] {
        assert!(
            !columns_holding(&app, term).await.is_empty(),
            "the fixture holds {term}"
        );
    }
    let holding_email = columns_holding(&app, email).await;
    for column in [
        "users.email",
        "audit_log.details",
        "idempotency_keys.response_body",
    ] {
        assert!(
            holding_email.contains(&column.to_owned()),
            "{holding_email:?}"
        );
    }
    let before = kept_records(&app, &admin).await;
    let unknown_sign_in = without_request_id(
        json_body(app.login("nobody@school.example", PASSWORD).await, 401).await,
    );

    let erasure = json_body(
        app.send(
            Method::POST,
            &format!("/api/v1/users/{id}/erase"),
            Some(&admin),
            None,
        )
        .await,
        200,
    )
    .await;

    for term in [email, "Quillfeather", "Zebedee"] {
        assert_eq!(
            columns_holding(&app, term).await,
            Vec::<String>::new(),
            "{term}"
        );
    }
    assert_eq!(kept_records(&app, &admin).await, before);
    assert_eq!(
        app.query_count(
            "SELECT count(*) AS count FROM enrolments WHERE participant_id = $1::uuid",
            &[&id]
        )
        .await,
        2
    );
    // Their access ends at once, and their old email is nobody's.
    assert_problem(
        app.send(Method::GET, "/api/v1/me", Some(&access), None)
            .await,
        401,
    )
    .await;
    let refresh = json!({"refresh_token": session["refresh_token"]});
    assert_problem(
        app.send(Method::POST, "/api/v1/auth/refresh", None, Some(&refresh))
            .await,
        401,
    )
    .await;
    assert_eq!(
        without_request_id(json_body(app.login(email, PASSWORD).await, 401).await),
        unknown_sign_in
    );
    // What stays is the tombstone: audited once, by whom, not what.
    let tombstone = json_body(
        app.send(
            Method::GET,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(tombstone["name"], "Erased person");
    assert_eq!(tombstone["disabled"], true);
    assert_eq!(tombstone["erased_at"], erasure["erased_at"]);
    assert_eq!(audit_count(&app, "user.erased", &id).await, 1);
    let by = app
        .query_text(
            "SELECT actor_id::text || ' ' || details::text AS value FROM audit_log \
              WHERE action = 'user.erased' AND object_id = $1",
            &[&id],
        )
        .await;
    let admin_id = app
        .query_text(
            "SELECT id::text AS value FROM users WHERE email = $1",
            &[ADMIN],
        )
        .await;
    assert_eq!(by, format!("{admin_id} {{\"forced\": false}}"));

    // Erasing again changes nothing and answers the same.
    let digest = "SELECT md5(string_agg(u::text, ',' ORDER BY u.id) || \
                  (SELECT count(*) FROM audit_log)::text) AS value FROM users u";
    let state = app.query_text(digest, &[]).await;
    let again = json_body(
        app.send(
            Method::POST,
            &format!("/api/v1/users/{id}/erase"),
            Some(&admin),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(again, erasure);
    assert_eq!(app.query_text(digest, &[]).await, state);
    assert_problem_saying(
        app.send(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(&json!({"disabled": false})),
        )
        .await,
        409,
        "erased",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn erasure_waits_for_places_in_unfinished_groups_and_unwaived_fees_unless_forced() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let erase = async |id: &str, query: &str| {
        app.send(
            Method::POST,
            &format!("/api/v1/users/{id}/erase{query}"),
            Some(&admin),
            None,
        )
        .await
    };
    let participant_of = async |enrolment: &str| {
        app.query_text(
            "SELECT participant_id::text AS value FROM enrolments WHERE id = $1::uuid",
            &[enrolment],
        )
        .await
    };
    let cohort = next_cohort(&app);
    let placed = hold_places(&app, &cohort, &["Placed Teacher"])
        .await
        .remove(0);
    let placed_by = participant_of(&placed).await;
    let charged = hold_places(&app, LCW, &["Charged Teacher"]).await.remove(0);
    let charged_by = participant_of(&charged).await;
    app.execute(&format!(
        "INSERT INTO fee_liabilities (id, enrolment_id, session_id, school_urn, reason, amount_pence)
         SELECT gen_random_uuid(), '{charged}', s.id, '137083', 'non_attendance', 7550
           FROM sessions s JOIN work_groups w ON w.id = s.work_group_id
          WHERE w.code = '{LCW}' ORDER BY s.starts_at LIMIT 1;"
    ))
    .await;
    let users = "SELECT md5(string_agg(u::text, ',' ORDER BY u.id)) AS value FROM users u";
    let before = app.query_text(users, &[]).await;

    let problem = assert_problem(erase(&placed_by, "").await, 409).await;
    assert!(problem["detail"].as_str().unwrap().contains("1 place(s)"));
    let problem = assert_problem(erase(&charged_by, "").await, 409).await;
    assert!(problem["detail"].as_str().unwrap().contains("£75.50"));
    assert_problem(erase(&placed_by, "?force=perhaps").await, 400).await;
    let manager = app.token(MANAGER).await;
    assert_problem(
        app.send(
            Method::POST,
            &format!("/api/v1/users/{placed_by}/erase"),
            Some(&manager),
            None,
        )
        .await,
        403,
    )
    .await;
    let admin_id = app
        .query_text(
            "SELECT id::text AS value FROM users WHERE email = $1",
            &[ADMIN],
        )
        .await;
    assert_problem(erase(&admin_id, "?force=true").await, 403).await;
    assert_problem(erase(&uuid::Uuid::now_v7().to_string(), "").await, 404).await;
    assert_eq!(app.query_text(users, &[]).await, before);

    // Forced, the place and the fee stay as they stand, against the erased account.
    let places = "SELECT status || '/' || accepted_count AS value FROM work_groups WHERE code = $1";
    let held = app.query_text(places, &[&cohort]).await;
    json_body(erase(&placed_by, "?force=true").await, 200).await;
    json_body(erase(&charged_by, "?force=true").await, 200).await;
    assert_eq!(app.query_text(places, &[&cohort]).await, held);
    let owed = "SELECT count(*) AS count FROM fee_liabilities WHERE enrolment_id = $1::uuid AND status = 'owed'";
    assert_eq!(app.query_count(owed, &[&charged]).await, 1);
    let forced = "SELECT count(*) AS count FROM audit_log WHERE action = 'user.erased' \
                   AND details = '{\"forced\": true}'";
    assert_eq!(app.query_count(forced, &[]).await, 2);
}
