//! U+0000 in text: PostgreSQL's text cannot hold it, and sending it made the query fail with
//! a 500 (found by Schemathesis on the token endpoint). The document's patterns refuse it in
//! every text but the secrets (which are only hashed or compared): it is refused with 400
//! naming the field, credentials included, and a secret with one matches nothing.

use crate::helpers::{TestApp, assert_problem, invalid_fields};

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_returns_400_naming_an_account_name_that_holds_a_nul() {
    let app = TestApp::spawn_with_demo().await;

    let login = app
        .login("admin\u{0}@demo.mathshub.invalid", "maths-hubs-demo")
        .await;
    assert_eq!(invalid_fields(&assert_problem(login, 400).await), ["email"]);

    let token = app
        .client
        .post(format!("{}/api/v1/auth/token", app.address))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "mhp_\u{0}"),
            ("client_secret", "secret"),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(
        invalid_fields(&assert_problem(token, 400).await),
        ["client_id"]
    );

    let secret = app
        .client
        .post(format!("{}/api/v1/auth/token", app.address))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "mhp_unknown"),
            ("client_secret", "secret\u{0}"),
        ])
        .send()
        .await
        .expect("request");
    assert_problem(secret, 401).await;
}

/// Query strings are decoded strictly (`http::extract::paging::decode_pairs`): the filter is named.
#[tokio::test(flavor = "multi_thread")]
async fn list_returns_400_naming_a_text_filter_that_holds_a_nul() {
    let app = TestApp::spawn_with_demo().await;

    for path in ["/api/v1/hubs?q=a%00b", "/api/v1/schools?q=%00"] {
        let problem = assert_problem(app.get(path).await, 400).await;
        assert_eq!(invalid_fields(&problem), ["q"], "{path}");
    }
}

/// Only U+0000 is refused: other control characters are text a filter may hold, as the
/// document's patterns allow (Schemathesis sent `q=©\u{81}0` and met a 400).
#[tokio::test(flavor = "multi_thread")]
async fn list_searches_for_text_with_other_control_characters() {
    let app = TestApp::spawn_with_demo().await;

    for path in [
        "/api/v1/hubs?q=%C2%A9%C2%810",
        "/api/v1/schools?q=a%01%1Fb%7F",
    ] {
        let page = crate::helpers::json_body(app.get(path).await, 200).await;
        assert_eq!(page["items"], serde_json::json!([]), "{path}");
    }
}
