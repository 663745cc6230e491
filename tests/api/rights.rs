//! The rights matrix of SPEC section 4, over HTTP: every protected operation of the OpenAPI
//! document, tried by every kind of caller (and by none), with the status each must get; and
//! on every refusal, proof that nothing in the database changed.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

/// The callers, in the order of each row's expected statuses.
pub const CALLERS: [&str; 7] = [
    "anonymous",
    "participant",
    "lead",
    "hub_manager",
    "partner user",
    "partner client",
    "admin",
];

/// Lead accounts without an LLME profile, of LCW and of GLOW.
const PROFILELESS_LCW_LEAD: &str = "00000000-0000-7000-8000-00000000b001";
const PROFILELESS_GLOW_LEAD: &str = "00000000-0000-7000-8000-00000000b002";
/// A participant holding a place in the LCW group, whose attendance the matrix records.
const ATTENDING_PARTICIPANT: &str = "00000000-0000-7000-8000-00000000b101";
const ATTENDING_ENROLMENT: &str = "00000000-0000-7000-8000-00000000b102";
const LCW_FUTURE_SESSION: &str = "00000000-0000-7000-8000-00000000b201";
/// An LCW session in two months, which nothing cancels: apologies are sent for it.
const LCW_LATER_SESSION: &str = "00000000-0000-7000-8000-00000000b202";
/// A message to the attending participant whose every attempt failed, for admins to retry.
const DEAD_MESSAGE: &str = "00000000-0000-7000-8000-00000000b301";
const WEBHOOK: &str = "00000000-0000-7000-8000-00000000b401";
/// A participant with nothing left to do in the programme, whom admins may erase.
const ERASABLE_PARTICIPANT: &str = "00000000-0000-7000-8000-00000000b501";
const WEBHOOK_DELIVERY: &str = "00000000-0000-7000-8000-00000000b402";

const LCW_GROUP: &str = "LCW21-15-01";
const GLOW_GROUP: &str = "GLOW21-91-01";
/// Cambridge, taken out of the demo's authorities so that admins may add it again.
const UNLISTED_DISTRICT: &str = "E07000008";
/// A hub and a Teaching School Hub nothing relies on, so that admins may retire them.
const SPARE_HUB: &str = "spare-hub";
const SPARE_TSH: &str = "spare-tsh";
/// Two of the demo's strategic partners of Cheshire and Wirral.
const CHESHIRE_PARTNER: &str = "017ce0d0-0000-7000-8000-000000000301";
const OTHER_CHESHIRE_PARTNER: &str = "017ce0d0-0000-7000-8000-000000000302";

pub struct Fixture {
    pub tokens: [Option<String>; 7],
    lcw_group: String,
    glow_group: String,
    lcw_lead: String,
    spare_lcw_lead: String,
    glow_lead: String,
    teacher_enrolment: String,
    other_enrolment: String,
    partner_client: String,
    spare_partner_client: String,
    lcw_session: String,
    /// An LCW session next month: not begun, so it may be cancelled.
    lcw_future_session: String,
    glow_session: String,
    /// Owed fees of an LCW and a GLOW enrolment.
    lcw_fee: String,
    glow_fee: String,
    /// Twyford's confirmed contact, the demo's maths lead.
    school_contact: String,
}

/// A digest of everything a protected operation could change. (Reading a person's data is
/// audited, but changes nothing.)
pub async fn state(app: &TestApp) -> String {
    app.query_text("SELECT md5(concat_ws('|', \
           (SELECT string_agg(u::text, ',' ORDER BY u.id) FROM users u), \
           (SELECT string_agg(p::text, ',' ORDER BY p.id) FROM partner_clients p), \
           (SELECT string_agg(l::text, ',' ORDER BY l.user_id) FROM llme_profiles l), \
           (SELECT string_agg(h::text, ',' ORDER BY h.user_id, h.hub_id) FROM llme_profile_hubs h), \
           (SELECT string_agg(p::text, ',' ORDER BY p.id) FROM projects p), \
           (SELECT string_agg(e::text, ',' ORDER BY e.id) FROM enrolments e), \
           (SELECT count(*)::text FROM fee_liabilities), \
           (SELECT string_agg(w::text, ',' ORDER BY w.id) FROM work_groups w), \
           (SELECT string_agg(l::text, ',' ORDER BY l.work_group_id, l.user_id) FROM work_group_leads l), \
           (SELECT count(*)::text FROM work_group_events), \
           (SELECT string_agg(s::text, ',' ORDER BY s.id) FROM sessions s), \
           (SELECT string_agg(a::text, ',' ORDER BY a.session_id, a.enrolment_id) FROM attendance a), \
           (SELECT string_agg(f::text, ',' ORDER BY f.id) FROM fee_liabilities f), \
           (SELECT count(*)::text FROM audit_log WHERE action <> 'user.data_exported'), \
           (SELECT string_agg(sc::text, ',' ORDER BY sc.urn) FROM schools sc), \
           (SELECT string_agg(l::text, ',' ORDER BY l.gss_code) FROM local_authorities l), \
           (SELECT string_agg(h::text, ',' ORDER BY h.id) FROM hubs h), \
           (SELECT string_agg(c::text, ',' ORDER BY c.id) FROM hub_local_authorities c), \
           (SELECT string_agg(p::text, ',' ORDER BY p.id) FROM strategic_partners p), \
           (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM teaching_school_hubs t), \
           (SELECT string_agg(a::text, ',' ORDER BY a.teaching_school_hub_id, a.la_code) FROM teaching_school_hub_areas a), \
           (SELECT string_agg(p::text, ',' ORDER BY p.hub_id, p.teaching_school_hub_id) FROM hub_partnerships p), \
           (SELECT string_agg(m::text, ',' ORDER BY m.id) FROM outbox_messages m))) AS value", &[]
    )
    .await
}

async fn create_partner_client(app: &TestApp, admin: &str, name: &str) -> (String, String, String) {
    let body = json!({"teaching_school_hub": "london-district-east", "name": name});
    let created: Value = app
        .send(Method::POST, "/api/v1/partners", Some(admin), Some(&body))
        .await
        .json()
        .await
        .unwrap();
    (
        created["id"].as_str().unwrap().to_owned(),
        created["client_id"].as_str().unwrap().to_owned(),
        created["client_secret"].as_str().unwrap().to_owned(),
    )
}

pub async fn fixture(app: &TestApp) -> Fixture {
    let id_of_group =
        |code: &str| format!("SELECT id::text AS value FROM work_groups WHERE code = '{code}'");
    let id_of_user =
        |email: &str| format!("SELECT id::text AS value FROM users WHERE email = '{email}'");
    let first_session_of = |group: &str| {
        format!(
            "SELECT id::text AS value FROM sessions WHERE work_group_id = '{group}' \
             ORDER BY starts_at LIMIT 1"
        )
    };
    let lcw_group = app.query_text(&id_of_group(LCW_GROUP), &[]).await;
    let glow_group = app.query_text(&id_of_group(GLOW_GROUP), &[]).await;
    crate::helpers::reopen_documented_group(app, LCW_GROUP).await;
    crate::helpers::reopen_documented_group(app, GLOW_GROUP).await;
    app.execute(&format!(
        "INSERT INTO users (id, email, name, role, school_urn, role_in_school) \
         VALUES (gen_random_uuid(), 'other.teacher@school.example', 'Other Teacher', 'participant', '137083', 'teacher');
         INSERT INTO users (id, email, name, role, hub_id) \
         SELECT gen_random_uuid(), 'spare.lead@school.example', 'Spare Lead', 'lead', id FROM hubs WHERE slug = 'london-central-and-west';
         INSERT INTO users (id, email, name, role, hub_id) \
         SELECT '{PROFILELESS_LCW_LEAD}', 'profileless.lcw@school.example', 'Profileless LCW Lead', 'lead', id \
           FROM hubs WHERE slug = 'london-central-and-west';
         INSERT INTO users (id, email, name, role, hub_id) \
         SELECT '{PROFILELESS_GLOW_LEAD}', 'profileless.glow@school.example', 'Profileless GLOW Lead', 'lead', id \
           FROM hubs WHERE slug = 'glow';
         INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status) \
         SELECT gen_random_uuid(), '{lcw_group}', id, '137083', 'head_of_department', 'pending' \
           FROM users WHERE email = 'teacher.twyford@demo.mathshub.invalid';
         INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status) \
         SELECT gen_random_uuid(), '{glow_group}', id, '137083', 'teacher', 'pending' \
           FROM users WHERE email = 'other.teacher@school.example';
         INSERT INTO users (id, email, name, role, school_urn, role_in_school) \
         VALUES ('{ERASABLE_PARTICIPANT}', 'erasable.teacher@school.example', 'Erasable Teacher', 'participant', '137083', 'teacher');
         INSERT INTO users (id, email, name, role, school_urn, role_in_school) \
         VALUES ('{ATTENDING_PARTICIPANT}', 'attending.teacher@school.example', 'Attending Teacher', 'participant', '137083', 'head_of_department');
         INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status, accepted_at) \
         VALUES ('{ATTENDING_ENROLMENT}', '{lcw_group}', '{ATTENDING_PARTICIPANT}', '137083', 'head_of_department', 'accepted', now());
         UPDATE work_groups SET accepted_count = 1 WHERE id = '{lcw_group}';
         INSERT INTO fee_liabilities (id, enrolment_id, session_id, school_urn, reason, amount_pence) \
         SELECT gen_random_uuid(), '{ATTENDING_ENROLMENT}', s.id, '137083', 'non_attendance', 7500 \
           FROM sessions s WHERE s.work_group_id = '{lcw_group}' ORDER BY s.starts_at DESC LIMIT 1;
         INSERT INTO fee_liabilities (id, enrolment_id, session_id, school_urn, reason, amount_pence) \
         SELECT gen_random_uuid(), e.id, s.id, '137083', 'late_withdrawal', 7500 \
           FROM enrolments e JOIN sessions s ON s.work_group_id = e.work_group_id \
          WHERE e.work_group_id = '{glow_group}' ORDER BY s.starts_at DESC LIMIT 1;
         DELETE FROM local_authorities WHERE gss_code = '{UNLISTED_DISTRICT}';
         INSERT INTO hubs (id, slug, name, region) VALUES (gen_random_uuid(), '{SPARE_HUB}', 'Spare Maths Hub', 'London');
         INSERT INTO teaching_school_hubs (id, slug, name) \
         VALUES (gen_random_uuid(), '{SPARE_TSH}', 'Spare Teaching School Hub');
         INSERT INTO sessions (id, work_group_id, kind, mode, starts_at, ends_at) \
         VALUES ('{LCW_FUTURE_SESSION}', '{lcw_group}', 'workshop', 'online', \
                 now() + interval '30 days', now() + interval '30 days 1 hour'), \
                ('{LCW_LATER_SESSION}', '{lcw_group}', 'workshop', 'online', \
                 now() + interval '60 days', now() + interval '60 days 1 hour');
         INSERT INTO outbox_messages (id, kind, recipient_id, facts, status, attempts, finished_at) \
         VALUES ('{DEAD_MESSAGE}', 'accepted', '{ATTENDING_PARTICIPANT}', '{{}}', 'dead', 12, now());
         INSERT INTO webhook_endpoints (id, teaching_school_hub_id, url, event_types, secret, feed_xid, feed_event) \
         SELECT '{WEBHOOK}', id, 'https://81.2.69.160/hooks', '{{opened}}', '\\x00', '0', 0 \
           FROM teaching_school_hubs WHERE slug = 'london-district-east';
         INSERT INTO work_group_events (work_group_id, kind, details) VALUES ('{lcw_group}', 'updated', '{{}}');
         INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, status, attempts, finished_at) \
         SELECT '{WEBHOOK_DELIVERY}', '{WEBHOOK}', max(id), 'updated', '{{}}', 'dead', 12, now() \
           FROM work_group_events;"
    ))
    .await;
    let enrolment_of = |email: &str| {
        format!(
            "SELECT e.id::text AS value FROM enrolments e JOIN users u ON u.id = e.participant_id \
             WHERE u.email = '{email}'"
        )
    };
    let fee_in = |group: &str| {
        format!(
            "SELECT f.id::text AS value FROM fee_liabilities f JOIN sessions s ON s.id = f.session_id \
             WHERE s.work_group_id = '{group}'"
        )
    };
    let admin = app.token("admin@demo.mathshub.invalid").await;
    let (partner_client, client_id, secret) = create_partner_client(app, &admin, "matrix").await;
    let (spare_partner_client, _, _) = create_partner_client(app, &admin, "spare").await;
    let client_token: Value = app
        .client
        .post(format!("{}/api/v1/auth/token", app.address))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Fixture {
        tokens: [
            None,
            Some(app.token("teacher.twyford@demo.mathshub.invalid").await),
            Some(app.token("lead.lcw@demo.mathshub.invalid").await),
            Some(app.token("manager.lcw@demo.mathshub.invalid").await),
            Some(app.token("partner.lde@demo.mathshub.invalid").await),
            Some(client_token["access_token"].as_str().unwrap().to_owned()),
            Some(admin),
        ],
        lcw_lead: app
            .query_text(&id_of_user("lead.lcw@demo.mathshub.invalid"), &[])
            .await,
        spare_lcw_lead: app
            .query_text(&id_of_user("spare.lead@school.example"), &[])
            .await,
        glow_lead: app
            .query_text(&id_of_user("lead.glow.post16@demo.mathshub.invalid"), &[])
            .await,
        teacher_enrolment: app
            .query_text(&enrolment_of("teacher.twyford@demo.mathshub.invalid"), &[])
            .await,
        other_enrolment: app
            .query_text(&enrolment_of("other.teacher@school.example"), &[])
            .await,
        lcw_session: app.query_text(&first_session_of(&lcw_group), &[]).await,
        lcw_future_session: LCW_FUTURE_SESSION.into(),
        glow_session: app.query_text(&first_session_of(&glow_group), &[]).await,
        lcw_fee: app.query_text(&fee_in(&lcw_group), &[]).await,
        glow_fee: app.query_text(&fee_in(&glow_group), &[]).await,
        school_contact: app
            .query_text(&id_of_user("contact.twyford@demo.mathshub.invalid"), &[])
            .await,
        lcw_group,
        glow_group,
        partner_client,
        spare_partner_client,
    }
}

/// One row of the matrix: an operation on an object, and what each caller must get.
pub struct Row {
    pub method: Method,
    /// The path as the OpenAPI document names it.
    pub template: &'static str,
    pub path: String,
    /// A body per caller (emails must differ where it creates).
    pub body: Option<fn(&str) -> Value>,
    /// A `text/csv` body instead, the same for every caller.
    pub csv: Option<&'static str>,
    pub expected: [u16; 7],
    /// Refusals that follow from what the request names rather than from the caller's role.
    pub named: Option<Named>,
}

/// Callers a row refuses for what the request names (another hub, another hub's lead, fields
/// beyond their right), who may perform the operation otherwise; and the same request naming
/// something that does not exist instead, which they must be refused alike.
pub struct Named {
    pub callers: &'static [&'static str],
    pub unknown: Unknown,
}

pub enum Unknown {
    Body(fn(&str) -> Value),
    Path(String),
}

/// A GIAS file of one school, new to the demo data (Ealing is found by `LA (name)`).
const ONE_SCHOOL_CSV: &str = "URN,EstablishmentName,LA (code),LA (name),PhaseOfEducation (name),\
DistrictAdministrative (code),Postcode,EstablishmentStatus (name)
101930,Ealing Fields High School,307,Ealing,Secondary,E09000009,W5 4EA,Open
";

pub fn rows(f: &Fixture) -> Vec<Row> {
    let row = |method: Method, template: &'static str, path: String, expected: [u16; 7]| Row {
        method,
        template,
        path,
        body: None,
        csv: None,
        expected,
        named: None,
    };
    let refused_for_what_it_names =
        |mut row: Row, callers: &'static [&'static str], unknown: Unknown| {
            row.named = Some(Named { callers, unknown });
            row
        };
    let with_body = |mut row: Row, body: fn(&str) -> Value| {
        row.body = Some(body);
        row
    };
    let with_csv = |mut row: Row, csv: &'static str| {
        row.csv = Some(csv);
        row
    };
    vec![
        with_body(
            row(
                Method::POST,
                "/api/v1/schools",
                "/api/v1/schools".into(),
                [401, 403, 403, 403, 403, 403, 201],
            ),
            |_| {
                json!({"urn": "101920", "name": "Ealing New School", "phase": "primary",
                       "local_authority": "E09000009", "postcode": "W5 1AA"})
            },
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/schools/{urn}",
                "/api/v1/schools/137083".into(),
                [401, 403, 403, 403, 403, 403, 200],
            ),
            |_| json!({"name": "Twyford CofE High School"}),
        ),
        with_csv(
            row(
                Method::POST,
                "/api/v1/schools/import",
                "/api/v1/schools/import".into(),
                [401, 403, 403, 403, 403, 403, 200],
            ),
            ONE_SCHOOL_CSV,
        ),
        row(
            Method::GET,
            "/api/v1/me",
            "/api/v1/me".into(),
            [401, 200, 200, 200, 200, 200, 200],
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/me",
                "/api/v1/me".into(),
                [401, 200, 200, 200, 200, 403, 200],
            ),
            |_| json!({"name": "Renamed Themselves"}),
        ),
        row(
            Method::GET,
            "/api/v1/me/calendar-url",
            "/api/v1/me/calendar-url".into(),
            [401, 200, 200, 403, 403, 403, 403],
        ),
        row(
            Method::POST,
            "/api/v1/me/calendar-url/reset",
            "/api/v1/me/calendar-url/reset".into(),
            [401, 200, 200, 403, 403, 403, 403],
        ),
        row(
            Method::GET,
            "/api/v1/users",
            "/api/v1/users".into(),
            [401, 403, 403, 200, 403, 403, 200],
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/users",
                "/api/v1/users".into(),
                [401, 403, 403, 201, 403, 403, 201],
            ),
            |caller| {
                json!({
                    "email": format!("new.lead.by.{}@school.example", caller.replace(' ', "-")),
                    "name": "New Lead", "role": "lead", "hub": "london-central-and-west"
                })
            },
        ),
        row(
            Method::GET,
            "/api/v1/users/{id}",
            format!("/api/v1/users/{}", f.lcw_lead),
            [401, 404, 404, 200, 404, 404, 200],
        ),
        row(
            Method::GET,
            "/api/v1/users/{id}",
            format!("/api/v1/users/{}", f.glow_lead),
            [401, 404, 404, 404, 404, 404, 200],
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/users/{id}",
                format!("/api/v1/users/{}", f.lcw_lead),
                [401, 404, 404, 200, 404, 404, 200],
            ),
            |_| json!({"name": "Demo Lead (LCW)"}),
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/users/{id}",
                format!("/api/v1/users/{}", f.glow_lead),
                [401, 404, 404, 404, 404, 404, 200],
            ),
            |_| json!({"name": "Demo Lead (GLOW Post-16)"}),
        ),
        refused_for_what_it_names(
            with_body(
                row(
                    Method::PATCH,
                    "/api/v1/users/{id}",
                    format!("/api/v1/users/{}", f.spare_lcw_lead),
                    [401, 404, 404, 403, 404, 404, 200],
                ),
                |_| json!({"role": "hub_manager"}),
            ),
            &["hub_manager"],
            Unknown::Body(|_| json!({"hub": "no-such-hub"})),
        ),
        row(
            Method::GET,
            "/api/v1/partners",
            "/api/v1/partners".into(),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/partners",
                "/api/v1/partners".into(),
                [401, 403, 403, 403, 403, 403, 201],
            ),
            |_| json!({"teaching_school_hub": "east-london", "name": "Another site"}),
        ),
        row(
            Method::GET,
            "/api/v1/partners/{id}",
            format!("/api/v1/partners/{}", f.partner_client),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            Method::POST,
            "/api/v1/partners/{id}/rotate-secret",
            format!("/api/v1/partners/{}/rotate-secret", f.spare_partner_client),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            Method::POST,
            "/api/v1/partners/{id}/revoke",
            format!("/api/v1/partners/{}/revoke", f.spare_partner_client),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        // Signposting and the change feed: a partner's own area; admins name any area.
        row(
            Method::GET,
            "/api/v1/partners/me/signposting",
            "/api/v1/partners/me/signposting".into(),
            [401, 403, 403, 403, 200, 200, 403],
        ),
        row(
            Method::GET,
            "/api/v1/partners/me/changes",
            "/api/v1/partners/me/changes".into(),
            [401, 403, 403, 403, 200, 200, 403],
        ),
        // Webhooks: a partner's own endpoints (the partner account deletes the one the client
        // would have next).
        with_body(
            row(
                Method::POST,
                "/api/v1/partners/me/webhooks",
                "/api/v1/partners/me/webhooks".into(),
                [401, 403, 403, 403, 201, 201, 403],
            ),
            |_| json!({"url": "https://81.2.69.160/hooks", "event_types": ["opened"]}),
        ),
        row(
            Method::GET,
            "/api/v1/partners/me/webhooks",
            "/api/v1/partners/me/webhooks".into(),
            [401, 403, 403, 403, 200, 200, 403],
        ),
        row(
            Method::GET,
            "/api/v1/partners/me/webhooks/{id}",
            format!("/api/v1/partners/me/webhooks/{WEBHOOK}"),
            [401, 403, 403, 403, 200, 200, 403],
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/partners/me/webhooks/{id}",
                format!("/api/v1/partners/me/webhooks/{WEBHOOK}"),
                [401, 403, 403, 403, 200, 200, 403],
            ),
            |_| json!({"status": "paused"}),
        ),
        row(
            Method::POST,
            "/api/v1/partners/me/webhooks/{id}/rotate-secret",
            format!("/api/v1/partners/me/webhooks/{WEBHOOK}/rotate-secret"),
            [401, 403, 403, 403, 200, 200, 403],
        ),
        row(
            Method::GET,
            "/api/v1/partners/me/webhooks/{id}/deliveries",
            format!("/api/v1/partners/me/webhooks/{WEBHOOK}/deliveries"),
            [401, 403, 403, 403, 200, 200, 403],
        ),
        row(
            Method::POST,
            "/api/v1/partners/me/webhooks/{id}/deliveries/{delivery}/redeliver",
            format!(
                "/api/v1/partners/me/webhooks/{WEBHOOK}/deliveries/{WEBHOOK_DELIVERY}/redeliver"
            ),
            [401, 403, 403, 403, 200, 200, 403],
        ),
        row(
            Method::DELETE,
            "/api/v1/partners/me/webhooks/{id}",
            format!("/api/v1/partners/me/webhooks/{WEBHOOK}"),
            [401, 403, 403, 403, 204, 404, 403],
        ),
        row(
            Method::GET,
            "/api/v1/teaching-school-hubs/{slug}/signposting",
            "/api/v1/teaching-school-hubs/london-district-east/signposting".into(),
            [401, 403, 403, 403, 200, 200, 200],
        ),
        row(
            Method::GET,
            "/api/v1/teaching-school-hubs/{slug}/signposting",
            "/api/v1/teaching-school-hubs/east-london/signposting".into(),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/work-groups/{id}/enrolments",
            format!("/api/v1/work-groups/{}/enrolments", f.lcw_group),
            [401, 403, 200, 200, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/work-groups/{id}/enrolments",
            format!("/api/v1/work-groups/{}/enrolments", f.glow_group),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/enrolments/{id}",
            format!("/api/v1/enrolments/{}", f.teacher_enrolment),
            [401, 200, 200, 200, 404, 404, 200],
        ),
        row(
            Method::GET,
            "/api/v1/enrolments/{id}",
            format!("/api/v1/enrolments/{}", f.other_enrolment),
            [401, 404, 404, 404, 404, 404, 200],
        ),
        row(
            Method::GET,
            "/api/v1/audit",
            "/api/v1/audit".into(),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/messages",
            "/api/v1/messages".into(),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/messages/{id}",
            format!("/api/v1/messages/{DEAD_MESSAGE}"),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            Method::POST,
            "/api/v1/messages/{id}/retry",
            format!("/api/v1/messages/{DEAD_MESSAGE}/retry"),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/me/preferences",
            "/api/v1/me/preferences".into(),
            [401, 200, 200, 200, 200, 403, 200],
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/me/preferences",
                "/api/v1/me/preferences".into(),
                [401, 200, 200, 200, 200, 403, 200],
            ),
            |_| json!({"session_reminders": false}),
        ),
        row(
            Method::GET,
            "/api/v1/me/data",
            "/api/v1/me/data".into(),
            [401, 200, 200, 200, 200, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/users/{id}/data",
            format!("/api/v1/users/{}/data", f.spare_lcw_lead),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            Method::POST,
            "/api/v1/users/{id}/erase",
            format!("/api/v1/users/{ERASABLE_PARTICIPANT}/erase"),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/me/enrolments",
            "/api/v1/me/enrolments".into(),
            [401, 200, 403, 403, 403, 403, 403],
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/work-groups/{id}/sessions",
                format!("/api/v1/work-groups/{}/sessions", f.lcw_group),
                [401, 403, 201, 201, 403, 403, 201],
            ),
            |caller| {
                // A day of its own for each caller allowed, so none overlaps another.
                let day = match caller {
                    "lead" => 1,
                    "hub_manager" => 2,
                    _ => 3,
                };
                json!({
                    "kind": "school_based_task", "mode": "online",
                    "starts_at": format!("2022-03-0{day}T15:30:00+00:00"),
                    "ends_at": format!("2022-03-0{day}T16:30:00+00:00")
                })
            },
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/sessions/{id}",
                format!("/api/v1/sessions/{}", f.lcw_session),
                [401, 403, 200, 200, 403, 403, 200],
            ),
            |caller| json!({"notes": format!("Noted by the {caller}.")}),
        ),
        // The lead cancels it; the manager and the admin may too, but it is cancelled by then.
        with_body(
            row(
                Method::POST,
                "/api/v1/sessions/{id}/cancel",
                format!("/api/v1/sessions/{}/cancel", f.lcw_future_session),
                [401, 403, 200, 409, 403, 403, 409],
            ),
            |caller| json!({"reason": format!("Called off by the {caller}.")}),
        ),
        with_body(
            row(
                Method::PUT,
                "/api/v1/sessions/{id}/attendance",
                format!("/api/v1/sessions/{}/attendance", f.lcw_session),
                [401, 403, 200, 200, 403, 403, 200],
            ),
            |caller| {
                let status = match caller {
                    "hub_manager" => "absent",
                    "admin" => "apologies",
                    _ => "present",
                };
                json!({"items": [{"enrolment_id": ATTENDING_ENROLMENT, "status": status,
                                  "apologies_at": (status == "apologies").then_some("2021-11-01T12:00:00+00:00")}]})
            },
        ),
        row(
            Method::GET,
            "/api/v1/sessions/{id}/attendance",
            format!("/api/v1/sessions/{}/attendance", f.lcw_session),
            [401, 403, 200, 200, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/fees",
            "/api/v1/fees".into(),
            [401, 403, 403, 200, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/hubs/{slug}/schools-not-reached",
            "/api/v1/hubs/london-central-and-west/schools-not-reached".into(),
            [401, 403, 403, 200, 403, 403, 200],
        ),
        // Twyford is in Ealing, which the LCW hub covers; the teacher is not its contact.
        row(
            Method::GET,
            "/api/v1/schools/{urn}/contacts",
            "/api/v1/schools/137083/contacts".into(),
            [401, 403, 403, 200, 403, 403, 200],
        ),
        row(
            Method::PUT,
            "/api/v1/schools/{urn}/contacts/{id}",
            format!("/api/v1/schools/137083/contacts/{}", f.school_contact),
            [401, 403, 403, 200, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/schools/{urn}/enrolments",
            "/api/v1/schools/137083/enrolments".into(),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/schools/{urn}/fees",
            "/api/v1/schools/137083/fees".into(),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/schools/{urn}/fee-totals",
            "/api/v1/schools/137083/fee-totals".into(),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        // The hub manager ends the confirmation; the admin may too, but it has ended (404).
        row(
            Method::DELETE,
            "/api/v1/schools/{urn}/contacts/{id}",
            format!("/api/v1/schools/137083/contacts/{}", f.school_contact),
            [401, 403, 403, 204, 403, 403, 404],
        ),
        // The hub manager waives it; the admin may too, but it is waived by then (409).
        with_body(
            row(
                Method::POST,
                "/api/v1/fees/{id}/waive",
                format!("/api/v1/fees/{}/waive", f.lcw_fee),
                [401, 404, 404, 200, 404, 404, 409],
            ),
            |_| json!({"reason": "Waived in the matrix."}),
        ),
        // The admin records the other hub's fee paid; it is no longer owed to waive (409).
        with_body(
            row(
                Method::POST,
                "/api/v1/fees/{id}/payment",
                format!("/api/v1/fees/{}/payment", f.glow_fee),
                [401, 404, 404, 404, 404, 404, 200],
            ),
            |_| json!({"reference": "INV-MATRIX-1"}),
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/fees/{id}/waive",
                format!("/api/v1/fees/{}/waive", f.glow_fee),
                [401, 404, 404, 404, 404, 404, 409],
            ),
            |_| json!({"reason": "Waived in the matrix."}),
        ),
        row(
            Method::DELETE,
            "/api/v1/sessions/{id}",
            format!("/api/v1/sessions/{}", f.glow_session),
            [401, 403, 403, 403, 403, 403, 204],
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/work-groups",
                "/api/v1/work-groups".into(),
                [401, 403, 403, 201, 403, 403, 201],
            ),
            |caller| {
                json!({
                    "hub": "london-central-and-west", "project": "NCP21-15",
                    "code": if caller == "admin" { "LCW21-15-91" } else { "LCW21-15-92" },
                    "title": "Another Subject Leadership group", "phase": "secondary", "mode": "online",
                    "admission": "automatic"
                })
            },
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/work-groups/{id}",
                format!("/api/v1/work-groups/{}", f.lcw_group),
                [401, 403, 200, 200, 403, 403, 200],
            ),
            |caller| json!({"description": format!("Edited by the {caller}.")}),
        ),
        refused_for_what_it_names(
            with_body(
                row(
                    Method::PATCH,
                    "/api/v1/work-groups/{id}",
                    format!("/api/v1/work-groups/{}", f.lcw_group),
                    [401, 403, 403, 200, 403, 403, 200],
                ),
                |_| json!({"capacity": 31}),
            ),
            &["lead"],
            Unknown::Body(
                |_| json!({"leads": [{"user_id": "00000000-0000-7000-8000-0000000000ff", "role": "work_group_lead"}]}),
            ),
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/work-groups/{id}",
                format!("/api/v1/work-groups/{}", f.glow_group),
                [401, 403, 403, 403, 403, 403, 200],
            ),
            |_| json!({"description": "Edited nationally."}),
        ),
        // The hub manager closes it; the admin may too, but it is closed by then (409).
        row(
            Method::POST,
            "/api/v1/work-groups/{id}/close",
            format!("/api/v1/work-groups/{}/close", f.lcw_group),
            [401, 403, 403, 200, 403, 403, 409],
        ),
        // The demo group's deadline and sessions are in 2021: allowed to try, refused by the rules.
        row(
            Method::POST,
            "/api/v1/work-groups/{id}/open",
            format!("/api/v1/work-groups/{}/open", f.lcw_group),
            [401, 403, 403, 409, 403, 403, 409],
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/projects",
                "/api/v1/projects".into(),
                [401, 403, 403, 403, 403, 403, 201],
            ),
            |_| {
                json!({"code": "NCP22-15", "kind": "national", "title": "Secondary Subject Leadership (year two)",
                       "academic_year": "2022/23", "phases": ["secondary"], "follows": "NCP21-15"})
            },
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/projects/{code}",
                "/api/v1/projects/NCP21-15".into(),
                [401, 403, 403, 403, 403, 403, 200],
            ),
            |_| json!({"non_attendance_fee_pence": 8000}),
        ),
        // The hub manager creates it; the admin may too, but it exists by then (409).
        with_body(
            row(
                Method::POST,
                "/api/v1/leads",
                "/api/v1/leads".into(),
                [401, 403, 403, 201, 403, 403, 409],
            ),
            |_| json!({"user_id": PROFILELESS_LCW_LEAD, "name": "Profiled LCW Lead"}),
        ),
        refused_for_what_it_names(
            with_body(
                row(
                    Method::POST,
                    "/api/v1/leads",
                    "/api/v1/leads".into(),
                    [401, 403, 403, 403, 403, 403, 201],
                ),
                |_| json!({"user_id": PROFILELESS_GLOW_LEAD, "name": "Profiled GLOW Lead"}),
            ),
            &["hub_manager"],
            Unknown::Body(
                |_| json!({"user_id": "00000000-0000-7000-8000-0000000000ff", "name": "Nobody"}),
            ),
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/leads/{id}",
                format!("/api/v1/leads/{}", f.lcw_lead),
                [401, 403, 200, 200, 403, 403, 200],
            ),
            |caller| json!({"bio": format!("Written by the {caller}.")}),
        ),
        refused_for_what_it_names(
            with_body(
                row(
                    Method::PATCH,
                    "/api/v1/leads/{id}",
                    format!("/api/v1/leads/{}", f.lcw_lead),
                    [401, 403, 403, 200, 403, 403, 200],
                ),
                |_| json!({"roles_held": ["Work Group Lead"]}),
            ),
            &["lead"],
            Unknown::Body(|_| json!({"phases": ["no_such_phase"]})),
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/leads/{id}",
                format!("/api/v1/leads/{}", f.glow_lead),
                [401, 403, 403, 403, 403, 403, 200],
            ),
            |caller| json!({"bio": format!("Written by the {caller}.")}),
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/local-authorities",
                "/api/v1/local-authorities".into(),
                [401, 403, 403, 403, 403, 403, 201],
            ),
            |_| {
                json!({"gss_code": UNLISTED_DISTRICT, "name": "Cambridge", "parent": "E10000003",
                       "region": "East of England"})
            },
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/local-authorities/{code}",
                "/api/v1/local-authorities/E09000009".into(),
                [401, 403, 403, 403, 403, 403, 200],
            ),
            |_| json!({"la_number": "307"}),
        ),
        // East Cambridgeshire: a district no school, cover or area relies on.
        row(
            Method::POST,
            "/api/v1/local-authorities/{code}/retire",
            "/api/v1/local-authorities/E07000009/retire".into(),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/hubs",
                "/api/v1/hubs".into(),
                [401, 403, 403, 403, 403, 403, 201],
            ),
            |_| json!({"slug": "another-hub", "name": "Another Maths Hub", "region": "London"}),
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/hubs/{slug}",
                "/api/v1/hubs/london-central-and-west".into(),
                [401, 403, 403, 403, 403, 403, 200],
            ),
            |_| json!({"website": "https://www.lcwmathshub.co.uk"}),
        ),
        row(
            Method::POST,
            "/api/v1/hubs/{slug}/retire",
            format!("/api/v1/hubs/{SPARE_HUB}/retire"),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        // Kensington and Chelsea moves from London Central and West to London North East.
        row(
            Method::PUT,
            "/api/v1/hubs/{slug}/local-authorities/{code}",
            "/api/v1/hubs/london-north-east/local-authorities/E09000020".into(),
            [401, 403, 403, 403, 403, 403, 201],
        ),
        row(
            Method::DELETE,
            "/api/v1/hubs/{slug}/local-authorities/{code}",
            "/api/v1/hubs/london-central-and-west/local-authorities/E09000017".into(),
            [401, 403, 403, 403, 403, 403, 204],
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/hubs/{slug}/strategic-partners",
                "/api/v1/hubs/london-central-and-west/strategic-partners".into(),
                [401, 403, 403, 403, 403, 403, 201],
            ),
            |_| {
                json!({"name": "Twyford Church of England High School", "kind": "school",
                       "school_urn": "137083"})
            },
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/hubs/{slug}/strategic-partners/{id}",
                format!("/api/v1/hubs/cheshire-and-wirral/strategic-partners/{CHESHIRE_PARTNER}"),
                [401, 403, 403, 403, 403, 403, 200],
            ),
            |_| json!({"website": "https://www.example.org/partner"}),
        ),
        row(
            Method::DELETE,
            "/api/v1/hubs/{slug}/strategic-partners/{id}",
            format!("/api/v1/hubs/cheshire-and-wirral/strategic-partners/{OTHER_CHESHIRE_PARTNER}"),
            [401, 403, 403, 403, 403, 403, 204],
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/teaching-school-hubs",
                "/api/v1/teaching-school-hubs".into(),
                [401, 403, 403, 403, 403, 403, 201],
            ),
            |_| {
                json!({"slug": "west-london", "name": "West London Teaching School Hub",
                       "area": ["E09000009"], "partner_hubs": ["london-central-and-west"]})
            },
        ),
        with_body(
            row(
                Method::PATCH,
                "/api/v1/teaching-school-hubs/{slug}",
                "/api/v1/teaching-school-hubs/london-district-east".into(),
                [401, 403, 403, 403, 403, 403, 200],
            ),
            |_| json!({"website": "https://www.example.org/tsh"}),
        ),
        row(
            Method::POST,
            "/api/v1/teaching-school-hubs/{slug}/retire",
            format!("/api/v1/teaching-school-hubs/{SPARE_TSH}/retire"),
            [401, 403, 403, 403, 403, 403, 200],
        ),
        // The demo group's deadline has passed: the participant is refused by the rules,
        // everyone else by their role.
        with_body(
            row(
                Method::POST,
                "/api/v1/work-groups/{id}/enrolments",
                format!("/api/v1/work-groups/{}/enrolments", f.lcw_group),
                [401, 409, 403, 403, 403, 403, 403],
            ),
            |_| json!({"school_urn": "137083", "role_in_school": "head_of_department"}),
        ),
        // The teacher's own pending enrolment: the school's agreement is recorded on it.
        with_body(
            row(
                Method::PUT,
                "/api/v1/enrolments/{id}/senior-leader-agreement",
                format!(
                    "/api/v1/enrolments/{}/senior-leader-agreement",
                    f.teacher_enrolment
                ),
                [401, 200, 200, 200, 404, 404, 200],
            ),
            |caller| json!({"name": format!("Head for the {caller}"), "role": "Headteacher"}),
        ),
        // The teacher's own pending enrolment in the LCW group: its lead accepts it first.
        row(
            Method::POST,
            "/api/v1/enrolments/{id}/accept",
            format!("/api/v1/enrolments/{}/accept", f.teacher_enrolment),
            [401, 403, 200, 409, 404, 404, 409],
        ),
        // The teacher's place, now held: the teacher and the group's staff send apologies.
        row(
            Method::PUT,
            "/api/v1/enrolments/{id}/sessions/{session_id}/apologies",
            format!(
                "/api/v1/enrolments/{}/sessions/{LCW_LATER_SESSION}/apologies",
                f.teacher_enrolment
            ),
            [401, 200, 200, 200, 404, 404, 200],
        ),
        // Another teacher's enrolment in the GLOW group: only an admin reaches it.
        row(
            Method::POST,
            "/api/v1/enrolments/{id}/waitlist",
            format!("/api/v1/enrolments/{}/waitlist", f.other_enrolment),
            [401, 404, 404, 404, 404, 404, 200],
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/enrolments/{id}/decline",
                format!("/api/v1/enrolments/{}/decline", f.other_enrolment),
                [401, 404, 404, 404, 404, 404, 200],
            ),
            |_| json!({"reason": "The group is for post-16 teachers."}),
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/enrolments/{id}/withdraw",
                format!("/api/v1/enrolments/{}/withdraw", f.teacher_enrolment),
                [401, 200, 409, 409, 404, 404, 409],
            ),
            |_| json!({"reason": "Written by the matrix."}),
        ),
        with_body(
            row(
                Method::POST,
                "/api/v1/work-groups/{id}/cancel",
                format!("/api/v1/work-groups/{}/cancel", f.glow_group),
                [401, 403, 403, 403, 403, 403, 200],
            ),
            |_| json!({"reason": "The hub could not find a venue."}),
        ),
        // Each reads the reach of their own role: the hub's, the groups led, the partner's area.
        row(
            Method::GET,
            "/api/v1/reports/reach",
            "/api/v1/reports/reach?academic_year=2021/22".into(),
            [401, 403, 200, 200, 200, 200, 200],
        ),
        // Another hub is beyond the LCW lead and manager; partners still see only their area.
        refused_for_what_it_names(
            row(
                Method::GET,
                "/api/v1/reports/reach",
                "/api/v1/reports/reach?academic_year=2021/22&hub=glow".into(),
                [401, 403, 403, 403, 200, 200, 200],
            ),
            &["lead", "hub_manager"],
            Unknown::Path("/api/v1/reports/reach?academic_year=2021/22&hub=no-such-hub".into()),
        ),
        // Another hub is beyond the LCW manager, as a hub that does not exist is.
        refused_for_what_it_names(
            row(
                Method::GET,
                "/api/v1/fees",
                "/api/v1/fees?hub=glow".into(),
                [401, 403, 403, 403, 403, 403, 200],
            ),
            &["hub_manager"],
            Unknown::Path("/api/v1/fees?hub=no-such-hub".into()),
        ),
        refused_for_what_it_names(
            with_body(
                row(
                    Method::POST,
                    "/api/v1/work-groups",
                    "/api/v1/work-groups".into(),
                    [401, 403, 403, 403, 403, 403, 201],
                ),
                |_| {
                    json!({
                        "hub": "glow", "project": "NCP21-91", "code": "GLOW21-91-90",
                        "title": "Another Core Maths group", "phase": "post_16", "mode": "online",
                        "admission": "automatic"
                    })
                },
            ),
            &["hub_manager"],
            Unknown::Body(|_| {
                json!({
                    "hub": "no-such-hub", "project": "NCP21-91", "code": "GLOW21-91-90",
                    "title": "Another Core Maths group", "phase": "post_16", "mode": "online",
                    "admission": "automatic"
                })
            }),
        ),
        refused_for_what_it_names(
            with_body(
                row(
                    Method::POST,
                    "/api/v1/users",
                    "/api/v1/users".into(),
                    [401, 403, 403, 403, 403, 403, 201],
                ),
                |caller| {
                    json!({
                        "email": format!("glow.lead.by.{}@school.example", caller.replace(' ', "-")),
                        "name": "New GLOW Lead", "role": "lead", "hub": "glow"
                    })
                },
            ),
            &["hub_manager"],
            Unknown::Body(|_| {
                json!({"email": "nowhere.lead@school.example", "name": "New Lead",
                       "role": "lead", "hub": "no-such-hub"})
            }),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn every_protected_operation_answers_each_caller_as_the_matrix_says_and_refusals_change_nothing()
 {
    let app = TestApp::spawn_with_demo().await;
    let fixture = fixture(&app).await;
    let mut failures = Vec::new();
    for row in rows(&fixture) {
        for (caller, (token, expected)) in
            CALLERS.iter().zip(fixture.tokens.iter().zip(row.expected))
        {
            let body = row.body.map(|body| body(caller));
            let before = state(&app).await;
            let response = match row.csv {
                Some(csv) => app.post_csv(&row.path, token.as_deref(), csv).await,
                None => {
                    app.send(
                        row.method.clone(),
                        &row.path,
                        token.as_deref(),
                        body.as_ref(),
                    )
                    .await
                }
            };
            let status = response.status().as_u16();
            let what = format!("{} {} as {caller}", row.method, row.path);
            if status != expected {
                let text = response.text().await.unwrap_or_default();
                failures.push(format!("{what}: expected {expected}, got {status}: {text}"));
                continue;
            }
            if status >= 400 {
                assert_problem(response, status).await;
                if state(&app).await != before {
                    failures.push(format!(
                        "{what}: refused with {status} but the database changed"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_matrix_covers_every_operation_that_needs_a_token() {
    let app = TestApp::spawn_with_demo().await;
    let fixture = fixture(&app).await;
    let covered: std::collections::BTreeSet<(String, String)> = rows(&fixture)
        .iter()
        .map(|row| (row.method.as_str().to_lowercase(), row.template.to_owned()))
        .collect();
    let document: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let mut secured = std::collections::BTreeSet::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let schemes = operation["security"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let token_required = !schemes.is_empty()
                && schemes
                    .iter()
                    .all(|scheme| scheme.as_object().is_some_and(|s| !s.is_empty()));
            if token_required {
                secured.insert((method.clone(), path.clone()));
            }
        }
    }
    assert_eq!(covered, secured);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_group_is_hidden_from_those_who_do_not_run_it_and_an_open_one_refused() {
    let app = TestApp::spawn_with_demo().await;
    let group = app
        .query_text(
            &format!("SELECT id::text AS value FROM work_groups WHERE code = '{LCW_GROUP}'"),
            &[],
        )
        .await;
    let path = format!("/api/v1/work-groups/{group}/enrolments");
    let other_lead = app.token("lead.glow.post16@demo.mathshub.invalid").await;
    let own_lead = app.token("lead.lcw@demo.mathshub.invalid").await;

    assert_problem(
        app.send(Method::GET, &path, Some(&other_lead), None).await,
        403,
    )
    .await;
    app.execute(&format!(
        "UPDATE work_groups SET status = 'draft' WHERE id = '{group}'"
    ))
    .await;
    let hidden = assert_problem(
        app.send(Method::GET, &path, Some(&other_lead), None).await,
        404,
    )
    .await;
    assert!(
        hidden["detail"].as_str().unwrap().contains(&group),
        "{hidden}"
    );
    let own = app.send(Method::GET, &path, Some(&own_lead), None).await;
    assert_eq!(own.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn participants_list_their_own_enrolments_only() {
    let app = TestApp::spawn_with_demo().await;
    let fixture = fixture(&app).await;
    let mine: Value = app
        .send(
            Method::GET,
            "/api/v1/me/enrolments",
            fixture.tokens[1].as_deref(),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [fixture.teacher_enrolment.as_str()]);
    assert_eq!(
        mine["items"][0]["participant"]["email"],
        "teacher.twyford@demo.mathshub.invalid"
    );
    assert_eq!(mine["items"][0]["work_group"]["code"], LCW_GROUP);
}
