//! Signposting over HTTP, on the demo data: London North East's open groups signposted to
//! its boroughs, GLOW's to a district through its county, the referral carried from a link
//! into an enrolment, and the partner's view of its area with its entity tag.

use reqwest::Method;
use serde_json::{Value, json};

use chrono_tz::Europe::London;
use mathshub::seed::demo_offer::Slot;

use crate::helpers::{TestApp, assert_problem, each_of, invalid_fields, json_body, session_of};

const NEWHAM: &str = "E09000025";
const GLOUCESTERSHIRE: &str = "E10000013";
const COTSWOLD: &str = "E07000079";
const CITY_OF_LONDON: &str = "E09000001";
const LDE: &str = "london-district-east";
const ADMIN: &str = "admin@demo.mathshub.invalid";
const PARTNER: &str = "partner.lde@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";

/// London North East's open groups, soonest deadline first: the blended group, Core Maths,
/// the online group.
pub fn lne_groups(app: &TestApp) -> [String; 3] {
    [
        Slot::LneYears5To8,
        Slot::LneCoreMaths,
        Slot::LneYears5To8Online,
    ]
    .map(|slot| app.demo_code(slot))
}

async fn signposting(app: &TestApp, query: &str) -> Value {
    app.get_json(&format!("/api/v1/signposting?{query}"), 200)
        .await
}

fn codes(signposting: &Value) -> Vec<String> {
    each_of(&signposting["work_groups"], "code")
}

fn group<'a>(signposting: &'a Value, code: &str) -> &'a Value {
    signposting["work_groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["code"] == code)
        .unwrap_or_else(|| panic!("{code} not in {signposting}"))
}

async fn id_of(app: &TestApp, code: &str) -> String {
    app.query_text(
        "SELECT id::text AS value FROM work_groups WHERE code = $1",
        &[code],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_london_borough_gets_its_hub_and_every_open_group_soonest_deadline_first() {
    let app = TestApp::spawn_with_demo().await;
    let [blended_code, ..] = lne_groups(&app);
    let offer = app.demo_offer();
    let planned = offer
        .iter()
        .find(|group| group.code == blended_code)
        .unwrap();

    let newham = signposting(&app, &format!("local_authority={NEWHAM}")).await;

    assert_eq!(
        newham["local_authority"],
        json!({"gss_code": NEWHAM, "name": "Newham", "kind": "london_borough", "parent": null})
    );
    assert_eq!(
        newham["hubs"],
        json!([{"slug": "london-north-east", "name": "London North East Maths Hub"}])
    );
    assert_eq!(newham["referred_by"], Value::Null);
    assert_eq!(codes(&newham), lne_groups(&app));
    let blended = group(&newham, &blended_code);
    let id = id_of(&app, &blended_code).await;
    assert_eq!(blended["id"], id);
    assert_eq!(
        blended["project"],
        json!({"code": planned.project, "title": "Years 5–8 Continuity"})
    );
    assert_eq!(
        (
            &blended["academic_year"],
            &blended["phase"],
            &blended["mode"],
            &blended["status"],
            &blended["admission"],
            &blended["places_left"]
        ),
        (
            &json!(planned.academic_year.as_str()),
            &json!("secondary"),
            &json!("blended"),
            &json!("open"),
            &json!("automatic"),
            &json!(24)
        )
    );
    assert_eq!(
        blended["leads"],
        json!([{"id": "017ce0d0-0000-7000-8000-000000000503", "name": "Demo Lead (LNE)", "role": "work_group_lead"}])
    );
    // London times, with the offset of their date (GMT in winter, BST in summer); a venue
    // by its town, online as such.
    let shown =
        |instant: chrono::DateTime<chrono::Utc>| instant.with_timezone(&London).to_rfc3339();
    let times: Vec<(String, String)> = planned
        .sessions
        .iter()
        .map(|session| (shown(session.starts_at), shown(session.ends_at)))
        .collect();
    assert_eq!(
        blended["sessions"],
        json!([
            {"kind": "workshop", "mode": "face_to_face", "starts_at": times[0].0,
             "ends_at": times[0].1, "place": "London"},
            {"kind": "workshop", "mode": "online", "starts_at": times[1].0,
             "ends_at": times[1].1, "place": "online"},
            {"kind": "workshop", "mode": "face_to_face", "starts_at": times[2].0,
             "ends_at": times[2].1, "place": "London"},
        ])
    );
    let wall_clock: Vec<&str> = times.iter().map(|(starts, _)| &starts[11..16]).collect();
    assert_eq!(wall_clock, ["09:30", "16:00", "09:30"]);
    assert_eq!(
        blended["expression_of_interest_url"],
        format!("https://mathshub.invalid/work-groups/{id}/express-interest")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_session_is_not_signposted() {
    let app = TestApp::spawn_with_demo().await;
    let [blended, ..] = lne_groups(&app);
    app.execute(&format!(
        "UPDATE sessions SET cancelled_at = now(), cancellation_reason = 'The lead is unwell.' \
          WHERE mode = 'online' AND work_group_id = (SELECT id FROM work_groups WHERE code = '{blended}')"
    ))
    .await;

    let newham = signposting(&app, &format!("local_authority={NEWHAM}")).await;

    let sessions = &group(&newham, &blended)["sessions"];
    assert_eq!(each_of(sessions, "mode"), ["face_to_face", "face_to_face"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_district_is_served_by_its_county_s_hub() {
    let app = TestApp::spawn_with_demo().await;
    // GLOW's Core Maths group, closed in the demo, taking expressions of interest again.
    let glow = app.demo_code(Slot::GlowCoreMaths);
    app.execute(&format!(
        "UPDATE work_groups SET status = 'open', eoi_deadline = now() + interval '1 day' WHERE code = '{glow}'"
    ))
    .await;

    let cotswold = signposting(&app, &format!("local_authority={COTSWOLD}")).await;

    assert_eq!(
        cotswold["local_authority"]["parent"],
        json!({"gss_code": "E10000013", "name": "Gloucestershire"})
    );
    assert_eq!(cotswold["local_authority"]["kind"], "district");
    assert_eq!(each_of(&cotswold["hubs"], "slug"), ["glow"]);
    assert_eq!(codes(&cotswold), [glow.as_str()]);
    assert_eq!(
        each_of(&group(&cotswold, &glow)["leads"], "name"),
        ["Demo Lead (GLOW Post-16)"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_authority_without_open_groups_or_without_a_hub_answers_empty_lists() {
    let app = TestApp::spawn_with_demo().await;

    let gloucestershire = signposting(&app, &format!("local_authority={GLOUCESTERSHIRE}")).await;
    let city = signposting(&app, &format!("local_authority={CITY_OF_LONDON}")).await;

    // GLOW's groups of the demo are closed, cancelled or a draft.
    assert_eq!(each_of(&gloucestershire["hubs"], "slug"), ["glow"]);
    assert_eq!(gloucestershire["work_groups"], json!([]));
    assert_eq!(city["local_authority"]["name"], "City of London");
    assert_eq!(
        (&city["hubs"], &city["work_groups"]),
        (&json!([]), &json!([]))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_or_malformed_authorities_referrals_and_parameters_are_refused() {
    let app = TestApp::spawn_with_demo().await;
    let refused = |query: &'static str, status: u16| {
        let app = &app;
        async move {
            assert_problem(
                app.get(&format!("/api/v1/signposting{query}")).await,
                status,
            )
            .await
        }
    };

    refused("?local_authority=E09000099", 404).await;
    let problem = refused("?local_authority=E09000025&referred_by=nowhere", 422).await;
    assert_eq!(invalid_fields(&problem), ["referred_by"], "{problem}");
    for (query, fields) in [
        ("", vec!["local_authority"]),
        ("?local_authority=E0900002", vec!["local_authority"]),
        ("?local_authority=E09000025&colour=red", vec!["colour"]),
        (
            "?local_authority=E09000025&referred_by=Not%20A%20Slug",
            vec!["referred_by"],
        ),
        (
            "?local_authority=x&referred_by=Y",
            vec!["local_authority", "referred_by"],
        ),
        (
            "?local_authority=E09000025&local_authority=E09000002",
            vec!["local_authority"],
        ),
    ] {
        let problem = refused(query, 400).await;
        assert_eq!(invalid_fields(&problem), fields, "{query}: {problem}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn drafts_closed_cancelled_running_and_past_deadline_groups_are_never_shown_full_ones_are() {
    let app = TestApp::spawn_with_demo().await;
    let newham = format!("local_authority={NEWHAM}");
    let [blended, core_maths, online] = lne_groups(&app);

    app.execute(&format!(
        "UPDATE work_groups SET status = 'full', accepted_count = 24 WHERE code = '{blended}';
         UPDATE work_groups SET status = 'draft' WHERE code = '{core_maths}';
         UPDATE work_groups SET status = 'closed' WHERE code = '{online}';"
    ))
    .await;
    let shown = signposting(&app, &newham).await;
    assert_eq!(codes(&shown), [blended.as_str()]);
    let full = group(&shown, &blended);
    assert_eq!(
        (&full["status"], &full["places_left"]),
        (&json!("full"), &json!(0))
    );

    app.execute(&format!(
        "UPDATE work_groups SET status = 'open', accepted_count = 0, eoi_deadline = now() - interval '1 minute'
          WHERE code = '{blended}';
         UPDATE work_groups SET status = 'cancelled', cancellation_reason = 'No venue' WHERE code = '{core_maths}';
         UPDATE work_groups SET status = 'running' WHERE code = '{online}';"
    ))
    .await;
    assert_eq!(
        codes(&signposting(&app, &newham).await),
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_joining_link_address_or_personal_data_is_shown_leads_only_by_published_profile() {
    let app = TestApp::spawn_with_demo().await;
    let [blended, ..] = lne_groups(&app);
    let group = id_of(&app, &blended).await;
    app.execute(&format!(
        "INSERT INTO users (id, email, name, role, hub_id)
         SELECT '00000000-0000-7000-8000-00000000c001', 'unpublished@school.example', 'Unpublished Account', 'lead', id
           FROM hubs WHERE slug = 'london-north-east';
         INSERT INTO llme_profiles (user_id, display_name, published)
         VALUES ('00000000-0000-7000-8000-00000000c001', 'Unpublished Profile', false);
         INSERT INTO users (id, email, name, role, hub_id)
         SELECT '00000000-0000-7000-8000-00000000c002', 'profileless@school.example', 'Profileless Account', 'lead', id
           FROM hubs WHERE slug = 'london-north-east';
         INSERT INTO work_group_leads (work_group_id, user_id, role) VALUES
           ('{group}', '00000000-0000-7000-8000-00000000c001', 'cohort_lead'),
           ('{group}', '00000000-0000-7000-8000-00000000c002', 'cohort_lead');"
    ))
    .await;
    crate::helpers::hold_places(&app, &blended, &["Participant Person"]).await;
    let partner = app.token(PARTNER).await;

    let public = app
        .get(&format!(
            "/api/v1/signposting?local_authority={NEWHAM}&referred_by={LDE}"
        ))
        .await
        .text()
        .await
        .unwrap();
    let area = app
        .send(
            Method::GET,
            "/api/v1/partners/me/signposting",
            Some(&partner),
            None,
        )
        .await
        .text()
        .await
        .unwrap();

    for body in [&public, &area] {
        assert!(body.contains("Demo Lead (LNE)"), "{body}");
        for secret in [
            "meet.example.invalid",
            "joining_link",
            "@",
            "Participant Person",
            "Unpublished",
            "Profileless",
            "Stratford",
            "venue (to be confirmed)",
        ] {
            assert!(!body.contains(secret), "{secret} shown: {body}");
        }
    }
    let newham: Value = serde_json::from_str(&public).unwrap();
    assert_eq!(group_places(&newham, &blended), json!(23));
}

fn group_places(signposting: &Value, code: &str) -> Value {
    group(signposting, code)["places_left"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_referral_goes_into_every_link_and_from_the_link_into_the_enrolment() {
    let app = TestApp::spawn_with_demo().await;
    let [blended, ..] = lne_groups(&app);

    let newham = signposting(&app, &format!("local_authority={NEWHAM}&referred_by={LDE}")).await;

    assert_eq!(
        newham["referred_by"],
        json!({"slug": LDE, "name": "London District East Teaching School Hub"})
    );
    for group in newham["work_groups"].as_array().unwrap() {
        assert_eq!(
            group["expression_of_interest_url"],
            format!(
                "https://mathshub.invalid/work-groups/{}/express-interest?referred_by={LDE}",
                group["id"].as_str().unwrap()
            )
        );
    }
    // The front end reads the group and the referral from the link, and sends both on.
    let link = group(&newham, &blended)["expression_of_interest_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (path, query) = link.split_once('?').unwrap();
    let work_group = path.split('/').rev().nth(1).unwrap();
    let referred_by = query.strip_prefix("referred_by=").unwrap();
    let teacher = app.token(TEACHER).await;
    let enrolment = json_body(
        app.send(
            Method::POST,
            &format!("/api/v1/work-groups/{work_group}/enrolments"),
            Some(&teacher),
            Some(
                &json!({"school_urn": "137083", "role_in_school": "head_of_department",
                         "referred_by": referred_by}),
            ),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(enrolment["referred_by"], LDE);
    assert_eq!(enrolment["status"], "accepted");
    let recorded = app
        .query_text(
            "SELECT t.slug AS value FROM enrolments e JOIN teaching_school_hubs t ON t.id = e.referred_by_id \
              WHERE e.id = $1::uuid",
            &[enrolment["id"].as_str().unwrap()],
        )
        .await;
    assert_eq!(recorded, LDE);
    // The place taken shows at once.
    let after = signposting(&app, &format!("local_authority={NEWHAM}")).await;
    assert_eq!(group_places(&after, &blended), json!(23));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partner_reads_its_own_area_grouped_by_authority_and_admins_read_any_area() {
    let app = TestApp::spawn_with_demo().await;
    let partner = app.token(PARTNER).await;
    let admin = app.token(ADMIN).await;

    let own = json_body(
        app.send(
            Method::GET,
            "/api/v1/partners/me/signposting",
            Some(&partner),
            None,
        )
        .await,
        200,
    )
    .await;
    let east_london = json_body(
        app.send(
            Method::GET,
            "/api/v1/teaching-school-hubs/east-london/signposting",
            Some(&admin),
            None,
        )
        .await,
        200,
    )
    .await;

    assert_eq!(own["teaching_school_hub"]["slug"], LDE);
    let authorities = own["local_authorities"].as_array().unwrap();
    let names: Vec<&str> = authorities
        .iter()
        .map(|la| la["local_authority"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Barking and Dagenham", "Havering", "Newham"]);
    for authority in authorities {
        assert_eq!(each_of(&authority["hubs"], "slug"), ["london-north-east"]);
        assert_eq!(codes(authority), lne_groups(&app));
        for group in authority["work_groups"].as_array().unwrap() {
            let link = group["expression_of_interest_url"].as_str().unwrap();
            assert!(link.ends_with(&format!("?referred_by={LDE}")), "{link}");
        }
    }
    assert_eq!(east_london["teaching_school_hub"]["slug"], "east-london");
    let hackney = &east_london["local_authorities"];
    assert_eq!(hackney.as_array().unwrap().len(), 1, "{east_london}");
    assert_eq!(hackney[0]["local_authority"]["gss_code"], "E09000012");
    assert!(
        hackney[0]["work_groups"][0]["expression_of_interest_url"]
            .as_str()
            .unwrap()
            .ends_with("?referred_by=east-london")
    );
    assert_problem(
        app.send(
            Method::GET,
            "/api/v1/teaching-school-hubs/nowhere/signposting",
            Some(&admin),
            None,
        )
        .await,
        404,
    )
    .await;
}

/// `GET path` with the partner's token and `If-None-Match: tag`.
async fn poll(app: &TestApp, token: &str, tag: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/api/v1/partners/me/signposting", app.address))
        .bearer_auth(token)
        .header("if-none-match", tag)
        .send()
        .await
        .unwrap()
}

fn etag(response: &reqwest::Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_owned()
}

/// The partner's next poll after a change of `what`: a full answer with a new tag.
async fn changed_tag(app: &TestApp, token: &str, tag: &str, what: &str) -> String {
    let changed = poll(app, token, tag).await;
    assert_eq!(changed.status(), 200, "after a change of {what}");
    let new_tag = etag(&changed);
    assert_ne!(new_tag, tag, "after a change of {what}");
    new_tag
}

#[tokio::test(flavor = "multi_thread")]
async fn the_partner_polls_with_its_entity_tag_until_anything_shown_changes() {
    let app = TestApp::spawn_with_demo().await;
    let partner = app.token(PARTNER).await;
    let admin = app.token(ADMIN).await;
    let first = poll(&app, &partner, "\"none\"").await;
    assert_eq!(first.status(), 200);
    let mut tag = etag(&first);

    let unchanged = poll(&app, &partner, &tag).await;
    assert_eq!(unchanged.status(), 304);
    assert_eq!(etag(&unchanged), tag);
    assert!(unchanged.bytes().await.unwrap().is_empty());

    let [blended, ..] = lne_groups(&app);
    let group = id_of(&app, &blended).await;
    json_body(
        app.send(
            Method::PATCH,
            &format!("/api/v1/work-groups/{group}"),
            Some(&admin),
            Some(&json!({"capacity": 25})),
        )
        .await,
        200,
    )
    .await;
    tag = changed_tag(&app, &partner, &tag, "places").await;
    let session = session_of(&app, &blended, 1).await;
    app.execute(&format!(
        "UPDATE sessions SET starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour' \
          WHERE id = '{session}'"
    ))
    .await;
    tag = changed_tag(&app, &partner, &tag, "a session").await;
    app.execute(
        "UPDATE llme_profiles SET display_name = 'Demo Lead (LNE), renamed' \
          WHERE user_id = '017ce0d0-0000-7000-8000-000000000503'",
    )
    .await;
    tag = changed_tag(&app, &partner, &tag, "a lead's name").await;
    app.execute(
        "UPDATE hub_local_authorities SET covered_until = now() \
          WHERE la_code = 'E09000025' AND covered_until IS NULL",
    )
    .await;
    changed_tag(&app, &partner, &tag, "which hub covers Newham").await;
    let last: Value = poll(&app, &partner, "\"none\"").await.json().await.unwrap();
    let newham = &last["local_authorities"][2];
    assert_eq!(newham["local_authority"]["name"], "Newham");
    assert_eq!(
        (&newham["hubs"], &newham["work_groups"]),
        (&json!([]), &json!([]))
    );
}

/// The committed worked examples are what the demo data answers, save what moves with the day
/// the demo is loaded on: the ids of its offer, its dates, its academic year (the examples
/// keep fixed, illustrative ones).
#[tokio::test(flavor = "multi_thread")]
async fn the_worked_examples_are_the_demo_data() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;

    let newham = signposting(&app, &format!("local_authority={NEWHAM}&referred_by={LDE}")).await;
    let east_london = json_body(
        app.send(
            Method::GET,
            "/api/v1/teaching-school-hubs/east-london/signposting",
            Some(&admin),
            None,
        )
        .await,
        200,
    )
    .await;

    assert_eq!(
        without_dates(newham),
        without_dates(mathshub::api::signposting::newham_example())
    );
    assert_eq!(
        without_dates(east_london),
        without_dates(mathshub::api::signposting::east_london_example())
    );
}

/// `value` without what the day the demo was loaded on decides: work group ids and links,
/// deadlines and academic years left out, session times cut to their London time of day, the
/// year in codes (`LNE26-94-01`) blanked.
fn without_dates(mut value: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                if map.contains_key("expression_of_interest_url") {
                    for key in [
                        "id",
                        "expression_of_interest_url",
                        "eoi_deadline",
                        "academic_year",
                    ] {
                        map.remove(key);
                    }
                }
                for key in ["starts_at", "ends_at"] {
                    if let Some(Value::String(time)) = map.get_mut(key) {
                        *time = time[11..16].to_owned();
                    }
                }
                if let Some(Value::String(code)) = map.get_mut("code") {
                    *code = code
                        .split('-')
                        .enumerate()
                        .map(|(i, part)| match i {
                            0 => part
                                .trim_end_matches(|c: char| c.is_ascii_digit())
                                .to_owned(),
                            _ => part.to_owned(),
                        })
                        .collect::<Vec<_>>()
                        .join("-");
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}
