//! The rules a work group's life keeps, over HTTP on the demo: a draft abandoned before it
//! ever opened stays private, a group once opened keeps a session that takes place and a
//! lead, it opens only with both, and a session called off shows its joining link to nobody.

use mathshub::seed::demo_offer::Slot;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, events_of, json_body, session_of,
};

const ADMIN: &str = "admin@demo.mathshub.invalid";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const PARTNER: &str = "partner.lde@demo.mathshub.invalid";
const LNE_LEAD: &str = "lead.lne@demo.mathshub.invalid";
const LNE_LEAD_ID: &str = "017ce0d0-0000-7000-8000-000000000503";
const LCW_LEAD_ID: &str = "017ce0d0-0000-7000-8000-000000000501";

async fn id_of(app: &TestApp, code: &str) -> String {
    app.query_text(
        "SELECT id::text AS value FROM work_groups WHERE code = $1",
        &[code],
    )
    .await
}

async fn post(app: &TestApp, token: &str, path: &str, body: Option<&Value>) -> reqwest::Response {
    app.send(Method::POST, path, Some(token), body).await
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.send(Method::GET, path, Some(token), None).await
}

/// The partner's change feed from the start, once every change recorded is final: "kind:code"
/// of each.
async fn partner_changes(app: &TestApp) -> Vec<String> {
    crate::change_feed::settled(app).await;
    let partner = app.token(PARTNER).await;
    let page = json_body(
        get_as(app, &partner, "/api/v1/partners/me/changes?limit=100").await,
        200,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            format!(
                "{}:{}",
                item["kind"].as_str().unwrap(),
                item["work_group"]["code"].as_str().unwrap()
            )
        })
        .collect()
}

/// A draft of London North East (a partner's area) beside its open blended group: the same
/// project, deadline and venue, one session a day after the group's first; its id.
async fn lne_draft(app: &TestApp, admin: &str, code: &str) -> String {
    let blended = app
        .demo_offer()
        .into_iter()
        .find(|g| g.slot == Slot::LneYears5To8)
        .unwrap();
    let draft = json_body(
        post(
            app,
            admin,
            "/api/v1/work-groups",
            Some(&json!({
                "hub": "london-north-east", "project": blended.project, "code": code,
                "title": "Years 5–8 Continuity (a second group)", "phase": "secondary",
                "mode": "face_to_face", "capacity": 20, "admission": "automatic",
                "eoi_deadline": blended.eoi_deadline.to_rfc3339(),
                "leads": [{"user_id": LNE_LEAD_ID, "role": "work_group_lead"}]
            })),
        )
        .await,
        201,
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let first = &blended.sessions[0];
    let day = chrono::Duration::days(1);
    json_body(
        post(
            app,
            admin,
            &format!("/api/v1/work-groups/{id}/sessions"),
            Some(&json!({"kind": "workshop", "mode": "face_to_face",
                         "starts_at": (first.starts_at + day).to_rfc3339(),
                         "ends_at": (first.ends_at + day).to_rfc3339()})),
        )
        .await,
        201,
    )
    .await;
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_cancelled_before_it_opened_stays_out_of_every_public_list_feed_and_calendar() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let code = "LNE-ABANDONED-1";
    let id = lne_draft(&app, &admin, code).await;
    let session = session_of(&app, code, 1).await;

    let cancelled = json_body(
        post(
            &app,
            &admin,
            &format!("/api/v1/work-groups/{id}/cancel"),
            Some(&json!({"reason": "We could not find a second lead this term."})),
        )
        .await,
        200,
    )
    .await;

    assert_eq!(cancelled["status"], "cancelled");
    // Its staff and admins still see it.
    let lead = app.token(LNE_LEAD).await;
    for token in [&admin, &lead] {
        let seen = json_body(
            get_as(&app, token, &format!("/api/v1/work-groups/{id}")).await,
            200,
        )
        .await;
        assert_eq!(seen["status"], "cancelled");
    }
    // Nobody else: not by its address, not in any list, feed or calendar.
    for path in [
        format!("/api/v1/work-groups/{id}"),
        format!("/api/v1/work-groups/{id}/sessions"),
        format!("/api/v1/work-groups/{id}/calendar.ics"),
        format!("/api/v1/sessions/{session}"),
    ] {
        assert_problem(app.get(&path).await, 404).await;
    }
    let partner = app.token(PARTNER).await;
    assert_problem(
        get_as(&app, &partner, &format!("/api/v1/work-groups/{id}")).await,
        404,
    )
    .await;
    for path in [
        "/api/v1/work-groups?hub=london-north-east&limit=100".to_owned(),
        "/api/v1/work-groups?status=cancelled&limit=100".to_owned(),
        "/api/v1/sessions?hub=london-north-east&limit=100".to_owned(),
        "/api/v1/hubs/london-north-east/calendar.ics".to_owned(),
        "/api/v1/signposting?local_authority=E09000025".to_owned(),
        format!("/api/v1/leads/{LNE_LEAD_ID}"),
    ] {
        let body = app.get(&path).await.text().await.unwrap();
        assert!(
            !body.contains(code) && !body.contains(&session),
            "{path}: {body}"
        );
    }
    assert_eq!(
        partner_changes(&app).await,
        Vec::<String>::new(),
        "partners hear nothing"
    );
    assert_eq!(
        events_of(&app, &id).await,
        "",
        "nothing is recorded for them"
    );

    // A group that was open, cancelled, is public as cancelled, and partners hear of it.
    let online = id_of(&app, &app.demo_code(Slot::LneYears5To8Online)).await;
    json_body(
        post(
            &app,
            &admin,
            &format!("/api/v1/work-groups/{online}/cancel"),
            Some(&json!({"reason": "The lead is on leave."})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        app.get_json(&format!("/api/v1/work-groups/{online}"), 200)
            .await["status"],
        "cancelled"
    );
    assert_eq!(
        partner_changes(&app).await,
        [format!(
            "cancelled:{}",
            app.demo_code(Slot::LneYears5To8Online)
        )]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_session_of_an_opened_group_is_neither_cancelled_nor_removed() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let core_maths = app.demo_code(Slot::LneCoreMaths);
    let [first, last] = [
        session_of(&app, &core_maths, 1).await,
        session_of(&app, &core_maths, 2).await,
    ];
    let reason = json!({"reason": "The venue is closed that day."});
    json_body(
        post(
            &app,
            &admin,
            &format!("/api/v1/sessions/{first}/cancel"),
            Some(&reason),
        )
        .await,
        200,
    )
    .await;

    for status in ["open", "closed", "full"] {
        app.execute(&format!(
            "UPDATE work_groups SET status = '{status}' WHERE code = '{core_maths}'"
        ))
        .await;
        let cancel = post(
            &app,
            &admin,
            &format!("/api/v1/sessions/{last}/cancel"),
            Some(&reason),
        )
        .await;
        assert_problem_saying(cancel, 409, "cancel the work group instead").await;
        let delete = app
            .send(
                Method::DELETE,
                &format!("/api/v1/sessions/{last}"),
                Some(&admin),
                None,
            )
            .await;
        assert_problem_saying(delete, 409, "cancel the work group instead").await;
    }

    let group = app
        .get_json(
            &format!("/api/v1/work-groups/{}", id_of(&app, &core_maths).await),
            200,
        )
        .await;
    assert_eq!(group["status"], "full");
    assert_eq!(group["sessions"][1]["status"], "scheduled");
    // The cancelled one may go: the group keeps the session that takes place.
    let removed = app
        .send(
            Method::DELETE,
            &format!("/api/v1/sessions/{first}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(removed.status(), 204);

    // A draft may lose every session.
    let draft = app.demo_code(Slot::GlowYears5To8);
    let sessions: Vec<String> =
        futures_util::future::join_all((1..=3).map(|n| session_of(&app, &draft, n))).await;
    json_body(
        post(
            &app,
            &admin,
            &format!("/api/v1/sessions/{}/cancel", sessions[0]),
            Some(&reason),
        )
        .await,
        200,
    )
    .await;
    for session in &sessions {
        let removed = app
            .send(
                Method::DELETE,
                &format!("/api/v1/sessions/{session}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(removed.status(), 204);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_session_shows_its_joining_link_to_nobody_anywhere() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let lead = app.token(LNE_LEAD).await;
    let code = app.demo_code(Slot::LneYears5To8Online);
    let group = id_of(&app, &code).await;
    let [(participant_id, participant)] =
        <[(String, String); 1]>::try_from(app.participants(1, "137083", "teacher").await).unwrap();
    app.execute(&format!(
        "INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status, accepted_at)
         VALUES (gen_random_uuid(), '{group}', '{participant_id}', '137083', 'teacher', 'accepted', now());
         UPDATE work_groups SET accepted_count = 1 WHERE id = '{group}';"
    ))
    .await;
    let called_off = session_of(&app, &code, 1).await;
    let off_link = "https://meet.example.invalid/called-off-room";
    app.execute(&format!(
        "UPDATE sessions SET joining_link = '{off_link}' WHERE id = '{called_off}'"
    ))
    .await;
    let kept_link = format!("https://meet.example.invalid/{}", code.to_lowercase());

    let cancelled = json_body(
        post(
            &app,
            &lead,
            &format!("/api/v1/sessions/{called_off}/cancel"),
            Some(&json!({"reason": "The lead is unwell."})),
        )
        .await,
        200,
    )
    .await;

    assert_eq!(cancelled["joining_link"], Value::Null);
    let calendar_of = async |token: &str| {
        let url = json_body(get_as(&app, token, "/api/v1/me/calendar-url").await, 200).await["url"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = url
            .split_once("/api/v1/")
            .map(|(_, rest)| format!("/api/v1/{rest}"))
            .unwrap();
        // Long lines are folded (RFC 5545): unfolded, a link reads whole.
        app.get(&path)
            .await
            .text()
            .await
            .unwrap()
            .replace("\r\n ", "")
    };
    let mut seen = Vec::new();
    for token in [&admin, &lead, &participant] {
        for path in [
            format!("/api/v1/work-groups/{group}"),
            format!("/api/v1/work-groups/{group}/sessions"),
            format!("/api/v1/sessions/{called_off}"),
            "/api/v1/sessions?hub=london-north-east&limit=100".to_owned(),
        ] {
            let response = get_as(&app, token, &path).await;
            assert_eq!(response.status(), 200, "{path}");
            seen.push((path, response.text().await.unwrap()));
        }
    }
    seen.push((
        "/me/enrolments".into(),
        get_as(&app, &participant, "/api/v1/me/enrolments")
            .await
            .text()
            .await
            .unwrap(),
    ));
    seen.push((
        "the participant's calendar".into(),
        calendar_of(&participant).await,
    ));
    seen.push(("the lead's calendar".into(), calendar_of(&lead).await));
    for (what, body) in &seen {
        assert!(!body.contains(off_link), "{what}: {body}");
    }
    // The sessions that take place keep theirs, for those who may see them (`/sessions`
    // shows none).
    for (what, body) in seen
        .iter()
        .filter(|(what, _)| !what.starts_with("/api/v1/sessions"))
    {
        assert!(body.contains(&kept_link), "{what}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_opens_only_with_a_lead_and_a_session_ahead_and_is_told_which_is_missing() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let cohort = app
        .demo_offer()
        .into_iter()
        .find(|g| g.slot == Slot::SubjectLeadership)
        .unwrap();
    let draft = json_body(
        post(
            &app,
            &manager,
            "/api/v1/work-groups",
            Some(&json!({
                "hub": "london-central-and-west", "project": cohort.project, "code": "LCW-SPRING-1",
                "title": "Secondary Subject Leadership (spring)", "phase": "secondary", "mode": "blended",
                "capacity": 30, "admission": "review", "eoi_deadline": cohort.eoi_deadline.to_rfc3339()
            })),
        )
        .await,
        201,
    )
    .await;
    let id = draft["id"].as_str().unwrap();
    let open_path = format!("/api/v1/work-groups/{id}/open");
    let open = || post(&app, &manager, &open_path, None);
    let missing = |problem: &Value| {
        let detail = problem["detail"].as_str().unwrap().to_owned();
        (
            detail.contains("at least one lead"),
            detail.contains("at least one session ahead"),
        )
    };

    let neither = assert_problem(open().await, 409).await;
    assert_eq!(missing(&neither), (true, true), "{neither}");

    let leads = json!({"leads": [{"user_id": LCW_LEAD_ID, "role": "work_group_lead"}]});
    json_body(
        app.send(
            Method::PATCH,
            &format!("/api/v1/work-groups/{id}"),
            Some(&manager),
            Some(&leads),
        )
        .await,
        200,
    )
    .await;
    let no_session = assert_problem(open().await, 409).await;
    assert_eq!(missing(&no_session), (false, true), "{no_session}");

    let first = &cohort.sessions[0];
    let week = chrono::Duration::days(7);
    json_body(
        post(
            &app,
            &manager,
            &format!("/api/v1/work-groups/{id}/sessions"),
            Some(&json!({"kind": "workshop", "mode": "online", "starts_at": (first.starts_at + week).to_rfc3339(),
                         "ends_at": (first.ends_at + week).to_rfc3339(), "joining_link": "https://meet.example.invalid/spring"})),
        )
        .await,
        201,
    )
    .await;
    let no_lead = json!({"leads": []});
    json_body(
        app.send(
            Method::PATCH,
            &format!("/api/v1/work-groups/{id}"),
            Some(&manager),
            Some(&no_lead),
        )
        .await,
        200,
    )
    .await;
    let no_lead_only = assert_problem(open().await, 409).await;
    assert_eq!(missing(&no_lead_only), (true, false), "{no_lead_only}");
    json_body(
        app.send(
            Method::PATCH,
            &format!("/api/v1/work-groups/{id}"),
            Some(&manager),
            Some(&leads),
        )
        .await,
        200,
    )
    .await;

    let opened = json_body(open().await, 200).await;
    assert_eq!(opened["status"], "open");
    assert_eq!(opened["leads"][0]["id"], LCW_LEAD_ID);

    // Once opened, the group keeps a lead.
    let emptied = app
        .send(
            Method::PATCH,
            &format!("/api/v1/work-groups/{id}"),
            Some(&manager),
            Some(&no_lead),
        )
        .await;
    assert_problem_saying(emptied, 409, "at least one lead").await;
    let kept = json_body(
        get_as(&app, &manager, &format!("/api/v1/work-groups/{id}")).await,
        200,
    )
    .await;
    assert_eq!(kept["leads"][0]["id"], LCW_LEAD_ID);

    // A lead whose account is disabled leads nothing: the group has no lead to open with.
    app.execute(&format!(
        "UPDATE work_groups SET status = 'draft' WHERE id = '{id}';
         UPDATE users SET disabled_at = now() WHERE id = '{LCW_LEAD_ID}';"
    ))
    .await;
    let disabled = assert_problem(open().await, 409).await;
    assert_eq!(missing(&disabled), (true, false), "{disabled}");
}
