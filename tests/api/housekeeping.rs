//! Housekeeping forgets rate-limit windows and refresh tokens a day after they are over, and
//! idempotency keys once expired, and keeps everything else.

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn sweep_forgets_windows_tokens_and_keys_that_are_over_and_keeps_the_rest() {
    let app = TestApp::spawn_with_demo().await;
    app.execute(
        "INSERT INTO rate_limit_windows (key, started_at, hits) VALUES
           ('login:address:old', now() - interval '2 days', 3),
           ('login:address:recent', now() - interval '1 minute', 1);
         INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, issued_at, expires_at)
         SELECT gen_random_uuid(), id, gen_random_uuid(), decode(md5(email || kind), 'hex'),
                now() - interval '40 days', now() + offset_by
           FROM users,
                (VALUES ('long expired', interval '-2 days'), ('just expired', interval '-1 hour'),
                        ('live', interval '20 days')) AS t (kind, offset_by)
          WHERE email = 'teacher.twyford@demo.mathshub.invalid';
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
    assert_eq!(swept.refresh_tokens, 1);
    assert_eq!(swept.idempotency_keys, 1);
    let again = mathshub::db::housekeeping::sweep(&app.pool).await.unwrap();
    assert_eq!(again, mathshub::db::housekeeping::Swept::default());
}
