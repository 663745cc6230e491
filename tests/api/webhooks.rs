//! Partner webhooks end to end: a partner registers an endpoint over HTTP, a change in its
//! area is handed to the endpoint once and posted to a real HTTP receiver
//! (`tests/webhooks/receiver.py`), which verifies each delivery with the published Standard
//! Webhooks library; a receiver that fails then recovers gets it; two dispatchers deliver each
//! event once; rotation, pausing, disabling, redelivery and the address rules hold.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use mathshub::domain::retry::RetryPolicy;
use mathshub::observability::Metrics;
use mathshub::webhooks::target::TargetPolicy;
use mathshub::webhooks::{Dispatcher, WebhookSettings};
use reqwest::Method;
use serde_json::{Value, json};

use crate::change_feed::{act_on_group, patch_group, settled};
use crate::helper_process::{HelperProcess, free_port};
use crate::helpers::{TestApp, assert_problem, invalid_fields, json_body, post};
use crate::signposting::lne_groups;

const ADMIN: &str = "admin@demo.mathshub.invalid";
const PARTNER: &str = "partner.lde@demo.mathshub.invalid";
const WEBHOOKS: &str = "/api/v1/partners/me/webhooks";

/// A real HTTP receiver on a free port.
struct Receiver(HelperProcess);

impl Receiver {
    fn start() -> Self {
        Self(HelperProcess::start(
            "webhooks/receiver.py",
            free_port(),
            "pip install standardwebhooks",
        ))
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.0.port)
    }

    /// The secrets it verifies signatures with, in this order.
    fn trust(&self, secrets: &[&str]) {
        let path = format!("{}.secrets", self.0.out.display());
        std::fs::write(path, secrets.join("\n")).unwrap();
    }

    /// The status it answers with from now on.
    fn answer(&self, status: u16) {
        let path = format!("{}.status", self.0.out.display());
        std::fs::write(path, status.to_string()).unwrap();
    }

    fn received(&self) -> Vec<Value> {
        self.0.records()
    }
}

/// Failures come back at once, so a test's next round tries them again.
fn at_once() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        first_wait: Duration::ZERO,
        longest_wait: Duration::ZERO,
    }
}

fn settings() -> WebhookSettings {
    WebhookSettings {
        targets: TargetPolicy {
            plain_http_and_loopback: true,
        },
        timeout: Duration::from_secs(5),
        disable_after: Duration::from_secs(5 * 24 * 60 * 60),
        retry: at_once(),
    }
}

fn dispatcher_with(app: &TestApp, settings: WebhookSettings) -> Dispatcher {
    Dispatcher::new(app.pool.clone(), settings, Arc::new(Metrics::new()))
}

/// One round of what every server process's dispatcher does, once the events are final.
async fn dispatch(app: &TestApp, dispatcher: &Dispatcher) -> mathshub::webhooks::Round {
    settled(app).await;
    dispatcher.hand_out().await.unwrap();
    dispatcher.deliver_due_at(Utc::now()).await.unwrap()
}

/// Registers an endpoint at `url` for `event_types`: the endpoint with its secret.
async fn register(app: &TestApp, partner: &str, url: &str, event_types: &[&str]) -> Value {
    let body = json!({"url": url, "event_types": event_types});
    json_body(post(app, partner, WEBHOOKS, Some(&body)).await, 201).await
}

/// An endpoint of the demo partner's, at an address nothing listens on: its id.
pub async fn an_endpoint(app: &TestApp, partner: &str) -> String {
    let endpoint = register(app, partner, "https://81.2.69.160/hooks", &["opened"]).await;
    endpoint["id"].as_str().unwrap().to_owned()
}

/// `method` on the endpoint's own URL, with no body.
async fn on_endpoint(app: &TestApp, method: Method, partner: &str, id: &str) -> reqwest::Response {
    let path = format!("{WEBHOOKS}/{id}");
    app.send(method, &path, Some(partner), None).await
}

async fn endpoint_as_shown(app: &TestApp, partner: &str, id: &str) -> Value {
    json_body(on_endpoint(app, Method::GET, partner, id).await, 200).await
}

async fn deliveries(app: &TestApp, partner: &str, endpoint: &str) -> Vec<Value> {
    let page = json_body(
        app.send(
            Method::GET,
            &format!("{WEBHOOKS}/{endpoint}/deliveries"),
            Some(partner),
            None,
        )
        .await,
        200,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

async fn change(app: &TestApp, partner: &str, endpoint: &str, body: Value) -> Value {
    json_body(
        app.send(
            Method::PATCH,
            &format!("{WEBHOOKS}/{endpoint}"),
            Some(partner),
            Some(&body),
        )
        .await,
        200,
    )
    .await
}

/// A delivery is what the document's `webhooks` say: every header it declares, within its
/// bounds, and a body with exactly the `ChangeEvent` schema's properties, its `data` a `Change`.
fn assert_as_documented(delivery: &Value) {
    let document: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let post = &document["webhooks"]["change-event"]["post"];
    let declared = post["parameters"].as_array().unwrap();
    assert_eq!(declared.len(), 3, "{post}");
    for header in declared {
        let name = header["name"].as_str().unwrap();
        let schema = &header["schema"];
        let value = delivery["headers"][name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name}"));
        assert!(
            value.len() as u64 <= schema["maxLength"].as_u64().unwrap(),
            "{name}: {value}"
        );
        if let Some(pattern) = schema["pattern"].as_str() {
            assert!(
                regex::Regex::new(pattern).unwrap().is_match(value),
                "{name}: {value}"
            );
        }
    }
    let body: Value = serde_json::from_str(delivery["body"].as_str().unwrap()).unwrap();
    let event = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap();
    assert_eq!(event, "#/components/schemas/ChangeEvent");
    let schemas = &document["components"]["schemas"];
    let keys = |value: &Value| -> Vec<String> {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&body), keys(&schemas["ChangeEvent"]["properties"]));
    for name in keys(&body["data"]) {
        assert!(
            schemas["Change"]["properties"].get(&name).is_some(),
            "{name}"
        );
    }
    for required in schemas["Change"]["required"].as_array().unwrap() {
        assert!(
            body["data"].get(required.as_str().unwrap()).is_some(),
            "{required}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_shows_the_secret_once_and_refuses_what_it_cannot_send_to() {
    let app = TestApp::spawn_with_demo().await;
    let partner = app.token(PARTNER).await;
    let created = register(&app, &partner, "https://81.2.69.160/hooks", &["opened"]).await;
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(created["status"], "active");
    let id = created["id"].as_str().unwrap();
    let shown = endpoint_as_shown(&app, &partner, id).await;
    assert!(shown.get("secret").is_none(), "{shown}");
    assert_eq!(shown["url"], "https://81.2.69.160/hooks");

    let area_code = app
        .query_text(
            "SELECT min(la_code) AS value FROM teaching_school_hub_areas a \
               JOIN teaching_school_hubs t ON t.id = a.teaching_school_hub_id \
              WHERE t.slug = 'london-district-east'",
            &[],
        )
        .await;
    let narrowed = json_body(
        post(
            &app,
            &partner,
            WEBHOOKS,
            Some(
                &json!({"url": "https://81.2.69.160/a", "event_types": ["filled"],
                         "local_authorities": [area_code]}),
            ),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(narrowed["local_authorities"], json!([area_code]));

    let before = app
        .query_count("SELECT count(*) AS count FROM webhook_endpoints", &[])
        .await;
    for (body, field) in [
        (
            json!({"url": "ftp://81.2.69.160/x", "event_types": ["opened"]}),
            "url",
        ),
        (
            json!({"url": "not a url", "event_types": ["opened"]}),
            "url",
        ),
        (
            json!({"url": "https://10.0.0.8/hooks", "event_types": ["opened"]}),
            "url",
        ),
        (
            json!({"url": "https://169.254.169.254/latest", "event_types": ["opened"]}),
            "url",
        ),
        (
            json!({"url": "https://192.168.1.20/hooks", "event_types": ["opened"]}),
            "url",
        ),
        (
            json!({"url": "https://81.2.69.160/x", "event_types": ["booked"]}),
            "event_types[0]",
        ),
        (
            json!({"url": "https://81.2.69.160/x", "event_types": []}),
            "event_types",
        ),
        (
            json!({"url": "https://81.2.69.160/x", "event_types": ["opened"], "local_authorities": ["E08000001"]}),
            "local_authorities[0]",
        ),
    ] {
        let problem = assert_problem(post(&app, &partner, WEBHOOKS, Some(&body)).await, 422).await;
        assert_eq!(invalid_fields(&problem), [field], "{body}: {problem}");
    }
    let after = app
        .query_count("SELECT count(*) AS count FROM webhook_endpoints", &[])
        .await;
    assert_eq!(before, after, "a refused registration changes nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_change_is_delivered_once_signed_and_as_the_feed_shows_it() {
    let app = TestApp::spawn_with_demo().await;
    let receiver = Receiver::start();
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    let [blended, core_maths, _] = lne_groups(&app);
    let endpoint = register(&app, &partner, &receiver.url(), &["updated", "closed"]).await;
    receiver.trust(&[endpoint["secret"].as_str().unwrap()]);
    let id = endpoint["id"].as_str().unwrap();
    let dispatcher = dispatcher_with(&app, settings());

    patch_group(&app, &admin, &blended, json!({"capacity": 12})).await;
    act_on_group(&app, &admin, &core_maths, "close", None).await;
    act_on_group(&app, &admin, &core_maths, "open", None).await;
    let round = dispatch(&app, &dispatcher).await;

    assert_eq!(round.delivered, 2, "{round:?}");
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    let feed = json_body(
        app.send(
            Method::GET,
            "/api/v1/partners/me/changes",
            Some(&partner),
            None,
        )
        .await,
        200,
    )
    .await;
    let wanted: Vec<&Value> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["kind"] != "opened")
        .collect();
    assert_eq!(wanted.len(), 2, "{feed}");
    let listed = deliveries(&app, &partner, id).await;
    // Deliveries go side by side, in no promised order: each is matched to its feed item.
    for delivery in &received {
        assert_eq!(delivery["verified_by"], json!([0]), "{delivery}");
        assert_as_documented(delivery);
        let body: Value = serde_json::from_str(delivery["body"].as_str().unwrap()).unwrap();
        let item = wanted
            .iter()
            .find(|item| item["id"] == body["data"]["id"])
            .unwrap();
        assert_eq!(body["type"], item["kind"]);
        assert_eq!(body["timestamp"], item["occurred_at"]);
        assert_eq!(&body["data"], *item, "the payload is the feed's item");
        let webhook_id = delivery["headers"]["webhook-id"].as_str().unwrap();
        let listed = listed.iter().find(|d| d["id"] == webhook_id).unwrap();
        assert_eq!(listed["status"], "delivered");
        assert_eq!(listed["response_status"], 204);
        assert_eq!(listed["event_id"], item["id"]);
    }

    let mut kinds: Vec<String> = received
        .iter()
        .map(|delivery| serde_json::from_str::<Value>(delivery["body"].as_str().unwrap()).unwrap())
        .map(|body| body["type"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        ["closed", "updated"],
        "one delivery for each change wanted"
    );

    let again = dispatch(&app, &dispatcher).await;
    assert_eq!(again, mathshub::webhooks::Round::default());
    assert_eq!(receiver.received().len(), 2, "each event is delivered once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_fails_then_recovers_gets_the_delivery_under_the_same_id() {
    let app = TestApp::spawn_with_demo().await;
    let receiver = Receiver::start();
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    let [blended, ..] = lne_groups(&app);
    let endpoint = register(&app, &partner, &receiver.url(), &["updated"]).await;
    let id = endpoint["id"].as_str().unwrap();
    let dispatcher = dispatcher_with(&app, settings());
    receiver.answer(503);

    patch_group(&app, &admin, &blended, json!({"capacity": 12})).await;
    let failed = dispatch(&app, &dispatcher).await;
    assert_eq!(failed.retried, 1, "{failed:?}");
    let [pending] = deliveries(&app, &partner, id).await.try_into().unwrap();
    assert_eq!(pending["status"], "pending");
    assert_eq!(pending["attempts"], 1);
    assert_eq!(pending["response_status"], 503);
    assert_eq!(pending["response_excerpt"], "receiver says 503");
    assert!(pending["next_attempt_at"].is_string());
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"mathshub_outbox_pending{channel="webhook"} 1"#),
        "{metrics}"
    );
    let shown = endpoint_as_shown(&app, &partner, id).await;
    assert!(shown["failing_since"].is_string(), "{shown}");

    receiver.answer(302);
    let redirected = dispatch(&app, &dispatcher).await;
    assert_eq!(
        redirected.retried, 1,
        "a redirect is not followed: {redirected:?}"
    );
    let [moved] = deliveries(&app, &partner, id).await.try_into().unwrap();
    assert!(
        moved["last_error"]
            .as_str()
            .unwrap()
            .contains("redirects are not followed"),
        "{moved}"
    );

    receiver.answer(204);
    let recovered = dispatch(&app, &dispatcher).await;
    assert_eq!(recovered.delivered, 1, "{recovered:?}");
    let received = receiver.received();
    assert_eq!(
        received.len(),
        3,
        "only the receiver's own address was posted to"
    );
    let ids: std::collections::BTreeSet<&str> = received
        .iter()
        .map(|one| one["headers"]["webhook-id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "every attempt carries the delivery's id");
    let [delivered] = deliveries(&app, &partner, id).await.try_into().unwrap();
    assert_eq!(delivered["status"], "delivered");
    assert_eq!(delivered["attempts"], 3);
    let shown = endpoint_as_shown(&app, &partner, id).await;
    assert_eq!(
        shown["failing_since"],
        Value::Null,
        "a success ends the failures"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_dispatchers_sharing_the_database_deliver_each_event_once() {
    let app = TestApp::spawn_with_demo().await;
    let receiver = Receiver::start();
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    let [blended, ..] = lne_groups(&app);
    register(&app, &partner, &receiver.url(), &["updated"]).await;
    register(&app, &partner, &receiver.url(), &["updated"]).await;
    for capacity in 11..=16 {
        patch_group(&app, &admin, &blended, json!({"capacity": capacity})).await;
    }
    settled(&app).await;
    let (first, second) = (
        dispatcher_with(&app, settings()),
        dispatcher_with(&app, settings()),
    );

    let (a, b) = tokio::join!(first.hand_out(), second.hand_out());
    assert_eq!(
        a.unwrap() + b.unwrap(),
        12,
        "six events for each of two endpoints"
    );
    let now = Utc::now();
    let (a, b) = tokio::join!(first.deliver_due_at(now), second.deliver_due_at(now));
    assert_eq!(a.unwrap().delivered + b.unwrap().delivered, 12);

    let received = receiver.received();
    let ids: std::collections::BTreeSet<&str> = received
        .iter()
        .map(|one| one["headers"]["webhook-id"].as_str().unwrap())
        .collect();
    assert_eq!((received.len(), ids.len()), (12, 12), "each once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotation_signs_with_both_secrets_until_the_old_one_lapses() {
    let app = TestApp::spawn_with_demo().await;
    let receiver = Receiver::start();
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    let [blended, ..] = lne_groups(&app);
    let endpoint = register(&app, &partner, &receiver.url(), &["updated"]).await;
    let id = endpoint["id"].as_str().unwrap();
    let old = endpoint["secret"].as_str().unwrap().to_owned();
    let rotated = json_body(
        post(
            &app,
            &partner,
            &format!("{WEBHOOKS}/{id}/rotate-secret"),
            None,
        )
        .await,
        200,
    )
    .await;
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(old, new);
    assert!(rotated["previous_secret_valid_until"].is_string());
    receiver.trust(&[&old, &new]);
    let dispatcher = dispatcher_with(&app, settings());

    patch_group(&app, &admin, &blended, json!({"capacity": 12})).await;
    dispatch(&app, &dispatcher).await;
    app.execute("UPDATE webhook_endpoints SET previous_secret_until = now() - interval '1 second'")
        .await;
    patch_group(&app, &admin, &blended, json!({"capacity": 13})).await;
    dispatch(&app, &dispatcher).await;

    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0]["verified_by"],
        json!([0, 1]),
        "both, while the old one holds"
    );
    assert_eq!(
        received[1]["verified_by"],
        json!([1]),
        "the new one only, once it lapsed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_endpoint_gets_nothing_until_resumed_then_what_happened_meanwhile() {
    let app = TestApp::spawn_with_demo().await;
    let receiver = Receiver::start();
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    let [blended, core_maths, _] = lne_groups(&app);
    let endpoint = register(&app, &partner, &receiver.url(), &["updated", "closed"]).await;
    let id = endpoint["id"].as_str().unwrap();
    let dispatcher = dispatcher_with(&app, settings());

    let paused = change(&app, &partner, id, json!({"status": "paused"})).await;
    assert_eq!(paused["status"], "paused");
    patch_group(&app, &admin, &blended, json!({"capacity": 12})).await;
    act_on_group(&app, &admin, &core_maths, "close", None).await;
    dispatch(&app, &dispatcher).await;
    assert!(
        receiver.received().is_empty(),
        "nothing goes to a paused endpoint"
    );

    change(&app, &partner, id, json!({"status": "active"})).await;
    let round = dispatch(&app, &dispatcher).await;
    assert_eq!(round.delivered, 2, "{round:?}");
    let types: Vec<String> = receiver
        .received()
        .iter()
        .map(|one| {
            let body: Value = serde_json::from_str(one["body"].as_str().unwrap()).unwrap();
            body["type"].as_str().unwrap().to_owned()
        })
        .collect();
    let mut sorted = types.clone();
    sorted.sort();
    assert_eq!(sorted, ["closed", "updated"]);

    let problem = assert_problem(
        app.send(
            Method::PATCH,
            &format!("{WEBHOOKS}/{id}"),
            Some(&partner),
            Some(&json!({"status": "disabled"})),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["status"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_failing_too_long_is_disabled_and_the_partners_people_are_told() {
    let app = TestApp::spawn_with_demo().await;
    let receiver = Receiver::start();
    receiver.answer(500);
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    let [blended, ..] = lne_groups(&app);
    let endpoint = register(&app, &partner, &receiver.url(), &["updated"]).await;
    let id = endpoint["id"].as_str().unwrap();
    let dispatcher = dispatcher_with(
        &app,
        WebhookSettings {
            disable_after: Duration::ZERO,
            ..settings()
        },
    );

    patch_group(&app, &admin, &blended, json!({"capacity": 12})).await;
    let round = dispatch(&app, &dispatcher).await;
    assert_eq!(round.disabled, 1, "{round:?}");
    let shown = endpoint_as_shown(&app, &partner, id).await;
    assert_eq!(shown["status"], "disabled");
    assert!(shown["disabled_at"].is_string());
    let told = app
        .query_text(
            "SELECT coalesce(string_agg(u.email || ' ' || (m.facts->'endpoint'->>'id'), ','), '') AS value \
               FROM outbox_messages m JOIN users u ON u.id = m.recipient_id \
              WHERE m.kind = 'webhook_disabled'",
            &[],
        )
        .await;
    assert_eq!(told, format!("{PARTNER} {id}"));

    patch_group(&app, &admin, &blended, json!({"capacity": 13})).await;
    dispatch(&app, &dispatcher).await;
    assert_eq!(
        receiver.received().len(),
        1,
        "nothing goes to a disabled endpoint"
    );
    let resumed = change(&app, &partner, id, json!({"status": "active"})).await;
    assert_eq!(
        (
            resumed["status"].as_str(),
            resumed["failing_since"].as_str()
        ),
        (Some("active"), None)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn addresses_are_judged_again_at_delivery_and_redirects_are_not_followed() {
    let app = TestApp::spawn_with_demo().await;
    let receiver = Receiver::start();
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    let [blended, ..] = lne_groups(&app);
    let endpoint = register(&app, &partner, &receiver.url(), &["updated"]).await;
    let id = endpoint["id"].as_str().unwrap();
    // As if the name had resolved to a public address at registration and to loopback now.
    app.execute(&format!(
        "UPDATE webhook_endpoints SET url = 'https://localhost:{}/hooks'",
        receiver.0.port
    ))
    .await;
    let strict = dispatcher_with(
        &app,
        WebhookSettings {
            targets: TargetPolicy::default(),
            ..settings()
        },
    );

    patch_group(&app, &admin, &blended, json!({"capacity": 12})).await;
    let round = dispatch(&app, &strict).await;
    assert_eq!(round.retried, 1, "{round:?}");
    assert!(receiver.received().is_empty(), "no connection was made");
    let [refused] = deliveries(&app, &partner, id).await.try_into().unwrap();
    let error = refused["last_error"].as_str().unwrap();
    assert!(error.contains("loopback"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partner_redelivers_its_own_deliveries_and_no_one_else_sees_them() {
    let app = TestApp::spawn_with_demo().await;
    let receiver = Receiver::start();
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    let [blended, ..] = lne_groups(&app);
    let endpoint = register(&app, &partner, &receiver.url(), &["updated"]).await;
    let id = endpoint["id"].as_str().unwrap();
    let dispatcher = dispatcher_with(&app, settings());
    patch_group(&app, &admin, &blended, json!({"capacity": 12})).await;
    dispatch(&app, &dispatcher).await;
    let [delivered] = deliveries(&app, &partner, id).await.try_into().unwrap();
    let delivery = delivered["id"].as_str().unwrap();

    let again = json_body(
        post(
            &app,
            &partner,
            &format!("{WEBHOOKS}/{id}/deliveries/{delivery}/redeliver"),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (again["status"].as_str(), again["attempts"].as_i64()),
        (Some("pending"), Some(0))
    );
    dispatch(&app, &dispatcher).await;
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1]["headers"]["webhook-id"], delivery);

    let unknown = uuid::Uuid::now_v7();
    assert_problem(
        post(
            &app,
            &partner,
            &format!("{WEBHOOKS}/{id}/deliveries/{unknown}/redeliver"),
            None,
        )
        .await,
        404,
    )
    .await;
    app.execute(&format!(
        "UPDATE webhook_endpoints SET teaching_school_hub_id = \
           (SELECT id FROM teaching_school_hubs WHERE slug <> 'london-district-east' LIMIT 1) \
          WHERE id = '{id}'"
    ))
    .await;
    assert_problem(on_endpoint(&app, Method::GET, &partner, id).await, 404).await;
    let deleted = on_endpoint(&app, Method::DELETE, &partner, id).await;
    assert_eq!(
        deleted.status(),
        404,
        "another area's endpoint is not the caller's to delete"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_endpoint_forgets_it_and_its_deliveries() {
    let app = TestApp::spawn_with_demo().await;
    let receiver = Receiver::start();
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    let [blended, ..] = lne_groups(&app);
    let endpoint = register(&app, &partner, &receiver.url(), &["updated"]).await;
    let id = endpoint["id"].as_str().unwrap();
    patch_group(&app, &admin, &blended, json!({"capacity": 12})).await;
    dispatch(&app, &dispatcher_with(&app, settings())).await;

    let deleted = on_endpoint(&app, Method::DELETE, &partner, id).await;
    assert_eq!(deleted.status(), 204);
    let left = app
        .query_count(
            "SELECT count(*) AS count FROM webhook_deliveries WHERE endpoint_id = $1::uuid",
            &[id],
        )
        .await;
    assert_eq!(left, 0);
    assert_problem(on_endpoint(&app, Method::GET, &partner, id).await, 404).await;
}
