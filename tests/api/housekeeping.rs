//! Housekeeping forgets rate-limit windows a day after they are over, and idempotency keys
//! once expired, and keeps everything else. (Expired sign-ins go by the retention schedule:
//! `tests/api/retention.rs`.)

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn sweep_forgets_windows_and_keys_that_are_over_and_keeps_the_rest() {
    let app = TestApp::spawn_with_demo().await;
    app.execute(
        "INSERT INTO rate_limit_windows (key, started_at, hits) VALUES
           ('login:address:old', now() - interval '2 days', 3),
           ('login:address:recent', now() - interval '1 minute', 1);
         INSERT INTO idempotency_keys (caller, key, request_method, request_path, request_hash,
                                       response_status, response_headers, response_body, expires_at)
         VALUES ('user:x', 'expired', 'POST', '/api/v1/work-groups', '\\x00', 201, '[]', '\\x7b7d',
                 now() - interval '1 second'),
                ('user:x', 'live', 'POST', '/api/v1/work-groups', '\\x00', 201, '[]', '\\x7b7d',
                 now() + interval '1 hour')",
    )
    .await;

    let swept = mathshub::db::housekeeping::sweep(&app.pool).await.unwrap();
    assert_eq!(swept.rate_limit_windows, 1);
    assert_eq!(swept.idempotency_keys, 1);
    let again = mathshub::db::housekeeping::sweep(&app.pool).await.unwrap();
    assert_eq!(again, mathshub::db::housekeeping::Swept::default());
}
