//! Telling people what happened, end to end: a change over HTTP writes its messages into the
//! outbox in its own transaction, and the delivery worker mails them to a real SMTP server
//! (aiosmtpd over TCP), once each, to the right people, in the right words; a mail server
//! that is down or refuses loses nothing; a dead message can be retried by an admin.

use chrono::Utc;
use diesel_async::SimpleAsyncConnection;
use mathshub::db::outbox;
use mathshub::domain::retry::RetryPolicy;
use mathshub::notify::mail::Mailer;
use reqwest::Method;
use serde_json::{Value, json};

use crate::enrolment_writes::{TWYFORD, interest, open_group};
use crate::helpers::{TestApp, assert_problem, hold_places, json_body, next_cohort, session_of};
use crate::mail_catcher::{FRONT_END, MailCatcher, notifier, notifier_with};

const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const ADMIN: &str = "admin@demo.mathshub.invalid";

async fn express(app: &TestApp, token: &str, group: &str) -> Value {
    let path = format!("/api/v1/work-groups/{group}/enrolments");
    json_body(
        app.send(Method::POST, &path, Some(token), Some(&interest()))
            .await,
        201,
    )
    .await
}

async fn act(app: &TestApp, token: &str, enrolment: &str, action: &str, body: Option<&Value>) {
    let path = format!("/api/v1/enrolments/{enrolment}/{action}");
    json_body(app.send(Method::POST, &path, Some(token), body).await, 200).await;
}

/// A new participant who expressed interest in an open group with places, and so holds one:
/// their user id and the enrolment as answered.
async fn accepted_participant(app: &TestApp) -> (String, Value) {
    let group = open_group(app, 10, "automatic").await;
    let (user, token) = app
        .participants(1, TWYFORD, "head_of_department")
        .await
        .remove(0);
    (user, express(app, &token, &group).await)
}

async fn email_of(app: &TestApp, user: &str) -> String {
    app.query_text(
        "SELECT email AS value FROM users WHERE id = $1::uuid",
        &[user],
    )
    .await
}

/// The kinds of the outbox's messages to `user`, oldest first.
async fn kinds_to(app: &TestApp, user: &str) -> Vec<String> {
    let kinds = app
        .query_text(
            "SELECT coalesce(string_agg(kind, ',' ORDER BY created_at, kind), '') AS value \
               FROM outbox_messages WHERE recipient_id = $1::uuid",
            &[user],
        )
        .await;
    kinds
        .split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn count_messages(app: &TestApp, status: &str) -> i64 {
    app.query_count(
        "SELECT count(*) AS count FROM outbox_messages WHERE status = $1",
        &[status],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_place_taken_is_mailed_once_to_the_participant_with_a_link_to_the_enrolment() {
    let app = TestApp::spawn_with_demo().await;
    let mail = MailCatcher::start();
    let group = open_group(&app, 10, "automatic").await;
    let (user, token) = app
        .participants(1, TWYFORD, "head_of_department")
        .await
        .remove(0);

    let enrolment = express(&app, &token, &group).await;
    let worker = notifier(&app, &mail.url());
    let first = worker.deliver_due_at(Utc::now()).await.unwrap();
    let again = worker.deliver_due_at(Utc::now()).await.unwrap();

    assert_eq!((first.delivered, again.delivered), (1, 0));
    let address = email_of(&app, &user).await;
    let received = mail.to(&address);
    assert_eq!(received.len(), 1, "{received:?}");
    let message = &received[0];
    assert!(
        message["subject"]
            .as_str()
            .unwrap()
            .starts_with("You have a place: ")
    );
    assert!(message["to"].as_str().unwrap().contains(&address));
    let link = format!(
        "{FRONT_END}/enrolments/{}",
        enrolment["id"].as_str().unwrap()
    );
    assert!(message["text"].as_str().unwrap().contains(&link));
    assert!(message["html"].as_str().unwrap().contains(&link));
    // The message's id is its outbox id: a receiver can drop a duplicate.
    let id = app
        .query_text(
            "SELECT id::text AS value FROM outbox_messages WHERE recipient_id = $1::uuid",
            &[&user],
        )
        .await;
    assert_eq!(message["message_id"], format!("<{id}@mathshub.test>"));
    assert_eq!(count_messages(&app, "delivered").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expression_of_interest_for_review_tells_the_participant_and_every_lead() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 10, "review").await;
    let (user, token) = app
        .participants(1, TWYFORD, "head_of_department")
        .await
        .remove(0);

    express(&app, &token, &group).await;

    assert_eq!(kinds_to(&app, &user).await, ["interest_received"]);
    let leads = app
        .query_count(
            "SELECT count(*) AS count FROM work_group_leads WHERE work_group_id = $1::uuid",
            &[&group],
        )
        .await;
    assert!(leads > 0);
    let reviews = app
        .query_count(
            "SELECT count(*) AS count FROM outbox_messages m \
               JOIN work_group_leads l ON l.user_id = m.recipient_id AND l.work_group_id = $1::uuid \
              WHERE m.kind = 'awaiting_review'",
            &[&group],
        )
        .await;
    assert_eq!(reviews, leads);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_move_of_an_enrolment_tells_its_participant_and_a_promotion_tells_the_next() {
    let app = TestApp::spawn_with_demo().await;
    let mail = MailCatcher::start();
    let group = open_group(&app, 1, "automatic").await;
    let people = app.participants(3, TWYFORD, "head_of_department").await;
    let mut ids = Vec::new();
    for (_, token) in &people {
        ids.push(
            express(&app, token, &group).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let manager = app.token(MANAGER).await;

    act(
        &app,
        &people[0].1,
        &ids[0],
        "withdraw",
        Some(&json!({"reason": "I moved school."})),
    )
    .await;
    let reason = json!({"reason": "The group is for heads of department in Year 7."});
    act(&app, &manager, &ids[2], "decline", Some(&reason)).await;

    assert_eq!(
        kinds_to(&app, &people[0].0).await,
        ["accepted", "withdrawn"]
    );
    assert_eq!(
        kinds_to(&app, &people[1].0).await,
        ["waitlisted", "promoted"]
    );
    assert_eq!(
        kinds_to(&app, &people[2].0).await,
        ["waitlisted", "declined"]
    );
    notifier(&app, &mail.url())
        .deliver_due_at(Utc::now())
        .await
        .unwrap();
    // Messages sent side by side arrive in any order.
    let received = mail.to(&email_of(&app, &people[2].0).await);
    let about = |subject: &str| {
        received
            .iter()
            .find(|message| message["subject"].as_str().unwrap().starts_with(subject))
            .unwrap_or_else(|| panic!("no message about {subject}: {received:?}"))
    };
    let waiting = about("You are on the waiting list");
    assert!(
        waiting["text"]
            .as_str()
            .unwrap()
            .contains("Position on the waiting list: 2")
    );
    let declined = about("Expression of interest declined");
    assert!(
        declined["text"]
            .as_str()
            .unwrap()
            .contains("Reason: The group is for heads")
    );
    assert!(
        declined["subject"]
            .as_str()
            .unwrap()
            .starts_with("Expression of interest declined")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_refused_writes_no_message() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 1, "review").await;
    let people = app.participants(2, TWYFORD, "head_of_department").await;
    let first = express(&app, &people[0].1, &group).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = express(&app, &people[1].1, &group).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let manager = app.token(MANAGER).await;
    act(&app, &manager, &first, "accept", None).await;
    let before = app
        .query_count("SELECT count(*) AS count FROM outbox_messages", &[])
        .await;

    let path = format!("/api/v1/enrolments/{second}/accept");
    assert_problem(
        app.send(Method::POST, &path, Some(&manager), None).await,
        409,
    )
    .await;

    let after = app
        .query_count("SELECT count(*) AS count FROM outbox_messages", &[])
        .await;
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_moved_or_cancelled_is_told_to_everyone_holding_a_place_and_a_note_is_not() {
    let app = TestApp::spawn_with_demo().await;
    let code = next_cohort(&app);
    let holders = hold_places(&app, &code, &["Ada Holder", "Bea Holder"]).await;
    let (first, second) = (
        session_of(&app, &code, 1).await,
        session_of(&app, &code, 2).await,
    );
    let manager = app.token(MANAGER).await;
    let patch = |body: Value| {
        let path = format!("/api/v1/sessions/{first}");
        let (app, manager) = (&app, &manager);
        async move {
            json_body(
                app.send(Method::PATCH, &path, Some(manager), Some(&body))
                    .await,
                200,
            )
            .await
        }
    };

    patch(json!({"notes": "Bring a calculator."})).await;
    let venue =
        json!({"name": "Room 12", "address": "Twyford Crescent, London", "postcode": "W3 9PP"});
    patch(json!({"venue": venue})).await;
    let cancel = format!("/api/v1/sessions/{second}/cancel");
    let body = json!({"reason": "The venue is closed for repairs."});
    json_body(
        app.send(Method::POST, &cancel, Some(&manager), Some(&body))
            .await,
        200,
    )
    .await;

    for enrolment in &holders {
        let kinds = app
            .query_text(
                "SELECT string_agg(m.kind, ',' ORDER BY m.created_at) AS value FROM outbox_messages m \
                   JOIN enrolments e ON e.participant_id = m.recipient_id WHERE e.id = $1::uuid",
                &[enrolment],
            )
            .await;
        assert_eq!(kinds, "session_changed,session_cancelled");
    }
    let changed = app
        .query_text(
            "SELECT DISTINCT facts->>'changed' AS value FROM outbox_messages WHERE kind = 'session_changed'",
            &[],
        )
        .await;
    assert_eq!(changed, r#"["venue"]"#);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_group_is_told_to_everyone_still_enrolled() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 1, "automatic").await;
    let people = app.participants(3, TWYFORD, "head_of_department").await;
    let mut ids = Vec::new();
    for (_, token) in &people {
        ids.push(
            express(&app, token, &group).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    act(
        &app,
        &people[2].1,
        &ids[2],
        "withdraw",
        Some(&json!({"reason": "Too far."})),
    )
    .await;
    let manager = app.token(MANAGER).await;

    let path = format!("/api/v1/work-groups/{group}/cancel");
    let body = json!({"reason": "The lead is unwell."});
    json_body(
        app.send(Method::POST, &path, Some(&manager), Some(&body))
            .await,
        200,
    )
    .await;

    assert_eq!(
        kinds_to(&app, &people[0].0).await,
        ["accepted", "work_group_cancelled"]
    );
    assert_eq!(
        kinds_to(&app, &people[1].0).await,
        ["waitlisted", "work_group_cancelled"]
    );
    assert_eq!(
        kinds_to(&app, &people[2].0).await,
        ["waitlisted", "withdrawn"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mail_server_down_delays_messages_and_loses_none() {
    let app = TestApp::spawn_with_demo().await;
    let mail = MailCatcher::start();
    let port = mail.stop();
    let (user, _) = accepted_participant(&app).await;
    let worker = notifier(&app, &format!("smtp://127.0.0.1:{port}"));

    let failed = worker.deliver_due_at(Utc::now()).await.unwrap();
    assert_eq!((failed.delivered, failed.retried), (0, 1));
    let waiting = app
        .query_text(
            "SELECT status || ' ' || attempts || ' ' || (next_attempt_at > now()) AS value \
               FROM outbox_messages WHERE recipient_id = $1::uuid",
            &[&user],
        )
        .await;
    assert_eq!(waiting, "pending 1 true");
    // Not due again before its backoff is over.
    assert_eq!(worker.deliver_due_at(Utc::now()).await.unwrap().retried, 0);

    let mail = MailCatcher::start_on(port);
    let later = Utc::now() + chrono::Duration::hours(1);
    let recovered = worker.deliver_due_at(later).await.unwrap();

    assert_eq!(recovered.delivered, 1);
    assert_eq!(mail.to(&email_of(&app, &user).await).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_lost_mid_delivery_leaves_the_message_to_be_sent_again_under_its_id() {
    let app = TestApp::spawn_with_demo().await;
    let mail = MailCatcher::start();
    let (user, _) = accepted_participant(&app).await;
    // A worker claims the message, then dies before committing what became of it.
    let mut lost = app.database.connection().await;
    lost.batch_execute("BEGIN").await.unwrap();
    let claimed = outbox::claim(&mut lost, Utc::now(), 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let worker = notifier(&app, &mail.url());
    assert_eq!(
        worker.deliver_due_at(Utc::now()).await.unwrap().delivered,
        0
    );

    drop(lost);
    let mut delivered = 0;
    for _ in 0..100 {
        delivered += worker.deliver_due_at(Utc::now()).await.unwrap().delivered;
        if delivered > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    assert_eq!(delivered, 1);
    let received = mail.to(&email_of(&app, &user).await);
    assert_eq!(
        received[0]["message_id"],
        format!("<{}@mathshub.test>", claimed[0].id)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_delivering_at_once_send_each_message_once() {
    let app = TestApp::spawn_with_demo().await;
    let mail = MailCatcher::start();
    let group = open_group(&app, 40, "automatic").await;
    let people = app.participants(30, TWYFORD, "head_of_department").await;
    for (_, token) in &people {
        express(&app, token, &group).await;
    }
    let other_pool =
        mathshub::db::build_pool(&app.database.url, &mathshub::db::PoolSettings::default());
    let one = notifier(&app, &mail.url());
    let mut two = notifier(&app, &mail.url());
    two.pool = other_pool;

    let (a, b) = tokio::join!(
        one.deliver_due_at(Utc::now()),
        two.deliver_due_at(Utc::now())
    );

    assert_eq!(a.unwrap().delivered + b.unwrap().delivered, 30);
    let received = mail.messages();
    assert_eq!(received.len(), 30);
    let distinct: std::collections::BTreeSet<_> = received
        .iter()
        .map(|m| m["message_id"].to_string())
        .collect();
    assert_eq!(distinct.len(), 30);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_dead_after_its_last_attempt_is_listed_for_admins_and_can_be_retried() {
    let app = TestApp::spawn_with_demo().await;
    let mail = MailCatcher::start();
    let port = mail.stop();
    accepted_participant(&app).await;
    let once = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    let down = Mailer::smtp(&format!("smtp://127.0.0.1:{port}")).unwrap();
    assert_eq!(
        notifier_with(&app, down, once)
            .deliver_due_at(Utc::now())
            .await
            .unwrap()
            .dead,
        1
    );
    let admin = app.token(ADMIN).await;

    let dead = json_body(
        app.send(
            Method::GET,
            "/api/v1/messages?status=dead",
            Some(&admin),
            None,
        )
        .await,
        200,
    )
    .await;
    let items = dead["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "accepted");
    assert!(items[0]["last_error"].as_str().unwrap().starts_with("SMTP"));
    let id = items[0]["id"].as_str().unwrap().to_owned();
    let participant = app.token("teacher.twyford@demo.mathshub.invalid").await;
    assert_problem(
        app.send(Method::GET, "/api/v1/messages", Some(&participant), None)
            .await,
        403,
    )
    .await;

    let retry = format!("/api/v1/messages/{id}/retry");
    let retried = json_body(
        app.send(Method::POST, &retry, Some(&admin), None).await,
        200,
    )
    .await;
    assert_eq!(
        (retried["status"].as_str(), retried["attempts"].as_i64()),
        (Some("pending"), Some(0))
    );
    assert_problem(
        app.send(Method::POST, &retry, Some(&admin), None).await,
        409,
    )
    .await;
    let mail = MailCatcher::start_on(port);
    assert_eq!(
        notifier(&app, &mail.url())
            .deliver_due_at(Utc::now())
            .await
            .unwrap()
            .delivered,
        1
    );
    let unknown = format!("/api/v1/messages/{}/retry", uuid::Uuid::now_v7());
    assert_problem(
        app.send(Method::POST, &unknown, Some(&admin), None).await,
        404,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_message_goes_to_a_disabled_account() {
    let app = TestApp::spawn_with_demo().await;
    let mail = MailCatcher::start();
    let (user, _) = accepted_participant(&app).await;
    app.execute(&format!(
        "UPDATE users SET disabled_at = now() WHERE id = '{user}'"
    ))
    .await;

    let round = notifier(&app, &mail.url())
        .deliver_due_at(Utc::now())
        .await
        .unwrap();

    assert_eq!((round.delivered, round.suppressed), (0, 1));
    assert!(mail.messages().is_empty());
    assert_eq!(count_messages(&app, "suppressed").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn reminders_go_once_before_each_session_to_those_who_want_them() {
    let app = TestApp::spawn_with_demo().await;
    let mail = MailCatcher::start();
    let group = open_group(&app, 10, "automatic").await;
    let people = app.participants(2, TWYFORD, "head_of_department").await;
    for (_, token) in &people {
        express(&app, token, &group).await;
    }
    let off = json!({"session_reminders": false});
    let answer = app
        .send(
            Method::PATCH,
            "/api/v1/me/preferences",
            Some(&people[1].1),
            Some(&off),
        )
        .await;
    assert_eq!(json_body(answer, 200).await, off);
    let mine = app
        .send(
            Method::GET,
            "/api/v1/me/preferences",
            Some(&people[1].1),
            None,
        )
        .await;
    assert_eq!(json_body(mine, 200).await, off);
    // The group's first session starts in a day.
    app.execute(&format!(
        "UPDATE sessions SET starts_at = now() + interval '1 day', ends_at = now() + interval '1 day 2 hours' \
          WHERE id = (SELECT id FROM sessions WHERE work_group_id = '{group}' ORDER BY starts_at LIMIT 1)"
    ))
    .await;
    let worker = notifier(&app, &mail.url());

    assert_eq!(worker.remind_at(Utc::now()).await.unwrap(), 1);
    assert_eq!(worker.remind_at(Utc::now()).await.unwrap(), 0);
    worker.deliver_due_at(Utc::now()).await.unwrap();

    assert_eq!(
        kinds_to(&app, &people[0].0).await,
        ["accepted", "session_reminder"]
    );
    assert_eq!(kinds_to(&app, &people[1].0).await, ["accepted"]);
    let reminded = mail.to(&email_of(&app, &people[0].0).await);
    assert!(reminded.iter().any(|m| {
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("Your next session")
            && m["text"]
                .as_str()
                .unwrap()
                .contains("turn reminders before sessions off")
    }));
}

#[tokio::test(flavor = "multi_thread")]
async fn preferences_refuse_a_wrong_body_and_partners() {
    let app = TestApp::spawn_with_demo().await;
    let token = app.token("teacher.twyford@demo.mathshub.invalid").await;
    for body in [
        json!({"session_reminders": "no"}),
        json!({"reminders": false}),
        json!([]),
    ] {
        let answer = app
            .send(
                Method::PATCH,
                "/api/v1/me/preferences",
                Some(&token),
                Some(&body),
            )
            .await;
        assert_problem(answer, 400).await;
    }
    assert_problem(
        app.send(Method::GET, "/api/v1/me/preferences", None, None)
            .await,
        401,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_mail_server_each_message_is_written_as_an_eml_file() {
    let app = TestApp::spawn_with_demo().await;
    let folder = std::env::temp_dir().join(format!("mathshub-eml-{}", uuid::Uuid::now_v7()));
    accepted_participant(&app).await;

    let worker = notifier_with(&app, Mailer::Folder(folder.clone()), RetryPolicy::default());
    assert_eq!(
        worker.deliver_due_at(Utc::now()).await.unwrap().delivered,
        1
    );

    let files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("Message-ID: <"));
    assert!(eml.contains("Content-Type: multipart/alternative"));
    std::fs::remove_dir_all(folder).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_show_the_outbox_backlog() {
    let app = TestApp::spawn_with_demo().await;
    accepted_participant(&app).await;

    let text = app.get("/metrics").await.text().await.unwrap();

    assert!(
        text.contains("mathshub_outbox_pending{channel=\"email\"} 1"),
        "{text}"
    );
    assert!(text.contains("mathshub_outbox_dead{channel=\"email\"} 0"));
    assert!(text.contains("mathshub_outbox_oldest_pending_seconds"));
    assert!(
        text.contains(r#"mathshub_outbox_deliveries_total{channel="email",outcome="delivered"} 0"#)
    );
}
