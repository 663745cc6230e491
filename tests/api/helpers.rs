//! `TestApp`: a real server on a free port, over its own database cloned from a migrated
//! template, on a PostgreSQL started once per test run (embedded, the way `cargo run` starts
//! it) or named by `TEST_DATABASE_URL`.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use mathshub::auth::rate_limit::RateLimits;
use mathshub::auth::{Auth, AuthSettings};
use mathshub::config::Secret;
use mathshub::db::embedded::{EmbeddedOptions, EmbeddedPostgres};
use mathshub::db::migrate::{self, quote_identifier};
use mathshub::db::{DbPool, PoolSettings, build_pool};
use mathshub::startup::{Application, ServerSettings};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

/// Where test apps say they are reached, in the absolute URLs they hand out (the real
/// address has a port picked at start).
pub const TEST_PUBLIC_URL: &str = "https://api.mathshub.test";

/// The key test apps sign tokens with, so tests can forge tokens to attack them.
pub const TEST_JWT_SECRET: &str = "test-secret-of-the-mathshub-suite-0123456789";

/// Limits no ordinary test reaches; rate-limit tests set their own.
const GENEROUS_LIMITS: RateLimits = RateLimits {
    per_address: 10_000,
    per_account: 10_000,
    expressions_of_interest: 10_000,
    window: Duration::from_secs(60),
};

/// The server every test database lives on, and the migrated template they are cloned from.
struct TestServer {
    /// URL of the server with the database name left off (ends in `/`).
    base_url: String,
    template: String,
}

static SERVER: OnceCell<TestServer> = OnceCell::const_new();
/// The embedded cluster, kept here so the exit hook can stop it.
static EMBEDDED: Mutex<Option<(EmbeddedPostgres, PathBuf)>> = Mutex::new(None);

extern "C" fn stop_embedded_cluster() {
    if let Ok(mut guard) = EMBEDDED.lock()
        && let Some((mut cluster, folder)) = guard.take()
    {
        let _ = cluster.stop();
        drop(cluster);
        let _ = std::fs::remove_dir_all(folder);
    }
}

async fn server() -> &'static TestServer {
    SERVER.get_or_init(start_server).await
}

async fn start_server() -> TestServer {
    let base_url = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => url
            .rsplit_once('/')
            .map(|(base, _)| format!("{base}/"))
            .expect("TEST_DATABASE_URL is a URL"),
        Err(_) => start_embedded_cluster().await,
    };
    let template = format!("mathshub_template_{}", std::process::id());
    let mut admin = connect(&format!("{base_url}postgres")).await;
    for statement in ["DROP DATABASE IF EXISTS", "CREATE DATABASE"] {
        admin
            .batch_execute(&format!("{statement} {}", quote_identifier(&template)))
            .await
            .expect("create the template database");
    }
    migrate::run_pending(&format!("{base_url}{template}"))
        .await
        .expect("migrate the template database");
    TestServer { base_url, template }
}

/// A new folder `name` in the temporary folder, for an embedded cluster's data: the
/// `postgres` OS user runs the server when tests run as root, so it is opened to it.
/// A client for the tests' own requests. The crate's reqwest brings rustls without a
/// process-wide crypto provider (its webhook client names one of its own), so the tests
/// install ring before building one.
pub fn client_builder() -> reqwest::ClientBuilder {
    #[allow(deprecated)]
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// `client_builder` with reqwest's defaults.
pub fn client() -> reqwest::Client {
    client_builder().build().expect("client")
}

pub fn cluster_folder(name: &str) -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&folder).expect("create the cluster folder");
    std::fs::set_permissions(
        &folder,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755),
    )
    .expect("open the cluster folder");
    folder
}

async fn start_embedded_cluster() -> String {
    let folder = cluster_folder(&format!("mathshub-test-{}", std::process::id()));
    let options = EmbeddedOptions {
        data_dir: folder.clone(),
        // Test data is thrown away: durability is not worth the time.
        server_settings: [
            ("fsync", "off"),
            ("synchronous_commit", "off"),
            ("full_page_writes", "off"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .to_vec(),
    };
    let cluster = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&options))
        .await
        .expect("start task")
        .expect("start the embedded PostgreSQL for tests");
    let url = cluster.url("");
    *EMBEDDED.lock().expect("lock") = Some((cluster, folder));
    // SAFETY: registers a plain `extern "C"` function with no arguments, as atexit expects.
    unsafe { libc::atexit(stop_embedded_cluster) };
    url
}

async fn connect(url: &str) -> AsyncPgConnection {
    AsyncPgConnection::establish(url)
        .await
        .expect("connect to the test PostgreSQL")
}

/// A fresh, migrated, empty database of its own, dropped when the value is.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    base_url: String,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let server = server().await;
        let name = format!("test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = connect(&format!("{}postgres", server.base_url)).await;
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {} TEMPLATE {}",
                quote_identifier(&name),
                quote_identifier(&server.template)
            ))
            .await
            .expect("clone the template database");
        Self {
            url: format!("{}{name}", server.base_url),
            name,
            base_url: server.base_url.clone(),
        }
    }

    /// An empty database with no migrations applied.
    pub async fn create_unmigrated() -> Self {
        let server = server().await;
        let name = format!("test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = connect(&format!("{}postgres", server.base_url)).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {}", quote_identifier(&name)))
            .await
            .expect("create database");
        Self {
            url: format!("{}{name}", server.base_url),
            name,
            base_url: server.base_url.clone(),
        }
    }

    pub async fn connection(&self) -> AsyncPgConnection {
        connect(&self.url).await
    }

    /// Drops the database now, cutting off whoever is connected.
    pub async fn drop_now(&self) {
        let mut admin = connect(&format!("{}postgres", self.base_url)).await;
        admin
            .batch_execute(&format!(
                "DROP DATABASE {} WITH (FORCE)",
                quote_identifier(&self.name)
            ))
            .await
            .expect("drop the database");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = format!("{}postgres", self.base_url);
        let sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_identifier(&self.name)
        );
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&admin_url).await?;
                admin.batch_execute(&sql).await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// The API served over real HTTP from a database of its own.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: DbPool,
    pub database: TestDatabase,
    /// When the demo data was loaded, its offer laid out for that day (`None`: no demo).
    pub demo_loaded_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl TestApp {
    /// An app over an empty, migrated database.
    pub async fn spawn() -> Self {
        let database = TestDatabase::create().await;
        Self::spawn_on(
            database,
            PoolSettings {
                max_size: 4,
                ..PoolSettings::default()
            },
        )
        .await
    }

    /// An app over the demo data from the source documents.
    pub async fn spawn_with_demo() -> Self {
        Self::spawn_with_demo_on(PoolSettings {
            max_size: 4,
            ..PoolSettings::default()
        })
        .await
    }

    /// An app over the demo data, with this connection pool.
    pub async fn spawn_with_demo_on(pool_settings: PoolSettings) -> Self {
        let mut app = Self::spawn_on(TestDatabase::create().await, pool_settings).await;
        app.load_demo().await;
        app
    }

    /// Loads the demo data with its offer laid out for today: the server under test reads
    /// the wall clock, so the demo it serves must be of the same day. Tests that pin the day
    /// load the demo themselves (`demo_seed`).
    async fn load_demo(&mut self) {
        let now = chrono::Utc::now();
        let mut conn = self.database.connection().await;
        mathshub::seed::demo::load(&mut conn, now)
            .await
            .expect("load the demo data");
        self.demo_loaded_at = Some(now);
    }

    /// The demo's offer as it was laid out when the demo was loaded.
    pub fn demo_offer(&self) -> Vec<mathshub::seed::demo_offer::PlannedGroup> {
        mathshub::seed::demo_offer::plan(self.demo_loaded_at.expect("an app over the demo"))
    }

    /// The code of the demo's group in `slot`, e.g. `LNE26-94-01`.
    pub fn demo_code(&self, slot: mathshub::seed::demo_offer::Slot) -> String {
        self.demo_offer()
            .into_iter()
            .find(|group| group.slot == slot)
            .expect("every slot is planned")
            .code
    }

    /// `count` new participants of `school` holding `role_in_school`, each with an access
    /// token (minted here: the suite knows the signing key), as (user id, token).
    pub async fn participants(
        &self,
        count: usize,
        school: &str,
        role_in_school: &str,
    ) -> Vec<(String, String)> {
        let batch = uuid::Uuid::now_v7().simple().to_string();
        self.execute(&format!(
            "INSERT INTO users (id, email, name, role, school_urn, role_in_school) \
             SELECT gen_random_uuid(), 'p' || n || '.{batch}@school.example', 'Participant ' || n, \
                    'participant', '{school}', '{role_in_school}' \
               FROM generate_series(1, {count}) AS n"
        ))
        .await;
        let ids = self
            .query_text(
                "SELECT string_agg(id::text, ',' ORDER BY created_at, email) AS value FROM users \
                  WHERE email LIKE '%.' || $1 || '@school.example'",
                &[&batch],
            )
            .await;
        let keys = mathshub::auth::tokens::TokenKeys::new(&Secret::new(TEST_JWT_SECRET))
            .expect("a valid secret");
        ids.split(',')
            .map(|id| {
                let token = keys.issue(mathshub::auth::tokens::Subject {
                    sub: id.to_owned(),
                    role: mathshub::domain::Role::Participant,
                    hub: None,
                    tsh: None,
                    client_id: None,
                    token_version: 0,
                    session: None,
                });
                (id.to_owned(), token)
            })
            .collect()
    }

    pub async fn spawn_on(database: TestDatabase, pool_settings: PoolSettings) -> Self {
        Self::spawn_with(database, pool_settings, GENEROUS_LIMITS, None).await
    }

    /// An app over an empty database whose `/metrics` asks for this bearer token.
    pub async fn spawn_with_metrics_token(token: &str) -> Self {
        let pool_settings = PoolSettings {
            max_size: 4,
            ..PoolSettings::default()
        };
        let token = Some(Secret::new(token));
        Self::spawn_with(
            TestDatabase::create().await,
            pool_settings,
            GENEROUS_LIMITS,
            token,
        )
        .await
    }

    /// An app over the demo data, with these sign-in rate limits.
    pub async fn spawn_with_demo_and_limits(limits: RateLimits) -> Self {
        let database = TestDatabase::create().await;
        let mut app = Self::spawn_with(
            database,
            PoolSettings {
                max_size: 4,
                ..PoolSettings::default()
            },
            limits,
            None,
        )
        .await;
        app.load_demo().await;
        app
    }

    async fn spawn_with(
        database: TestDatabase,
        pool_settings: PoolSettings,
        rate_limits: RateLimits,
        metrics_token: Option<Secret>,
    ) -> Self {
        let pool = build_pool(&database.url, &pool_settings);
        let auth = Auth::new(&AuthSettings {
            jwt_secret: Secret::new(TEST_JWT_SECRET),
            rate_limits,
            trust_forwarded_for: false,
        })
        .expect("a valid secret");
        let settings = ServerSettings {
            bind: "127.0.0.1:0".into(),
            cors_origins: vec!["https://hub.example.org".into()],
            workers: Some(1),
            public_url: mathshub::config::PublicUrl::parse(TEST_PUBLIC_URL).expect("a valid URL"),
            eoi_url_template: mathshub::domain::EoiUrlTemplate::default(),
            metrics_token,
            liveness: mathshub::observability::Liveness::default(),
            // The tests' webhook receivers listen on loopback, over plain http.
            webhook_targets: mathshub::webhooks::target::TargetPolicy {
                plain_http_and_loopback: true,
            },
        };
        let application =
            Application::build(&settings, pool.clone(), auth).expect("build the application");
        let address = format!("http://127.0.0.1:{}", application.port());
        tokio::spawn(application.run_until_stopped());
        let client = client_builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Self {
            address,
            client,
            pool,
            database,
            demo_loaded_at: None,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }

    /// GET, asserting the status, and the JSON body.
    pub async fn get_json(&self, path: &str, status: u16) -> Value {
        let response = self.get(path).await;
        let actual = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(actual, status, "GET {path} answered {actual}: {body}");
        body
    }

    /// Every item of a list, following `next_cursor` to the end with `limit` per page.
    pub async fn walk(&self, path: &str, limit: usize) -> Vec<Value> {
        self.walk_with(None, path, limit).await
    }

    /// `walk`, as the holder of `token` sees the list.
    pub async fn walk_as(&self, token: &str, path: &str, limit: usize) -> Vec<Value> {
        self.walk_with(Some(token), path, limit).await
    }

    async fn walk_with(&self, token: Option<&str>, path: &str, limit: usize) -> Vec<Value> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut next = format!("{path}{separator}limit={limit}");
        for _ in 0..1000 {
            let page = json_body(
                self.send(reqwest::Method::GET, &next, token, None).await,
                200,
            )
            .await;
            let batch = page["items"].as_array().expect("items").clone();
            assert!(batch.len() <= limit, "page longer than {limit}: {page}");
            items.extend(batch);
            match page["next_cursor"].as_str() {
                Some(cursor) => next = format!("{path}{separator}limit={limit}&cursor={cursor}"),
                None => return items,
            }
        }
        panic!("{path} did not end within 1000 pages");
    }

    /// `POST /auth/login`.
    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/v1/auth/login", self.address))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("request")
    }

    /// Signs in with the demo password and returns the token pair.
    pub async fn sign_in(&self, email: &str) -> Value {
        let response = self
            .login(email, mathshub::seed::demo_accounts::DEMO_PASSWORD)
            .await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(status, 200, "sign in as {email}: {body}");
        body
    }

    /// An access token for a demo account.
    pub async fn token(&self, email: &str) -> String {
        self.sign_in(email).await["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// Any request, with a bearer token and a JSON body when given.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }

    /// `POST` of a `text/csv` body, with a bearer token when given.
    pub async fn post_csv(
        &self,
        path: &str,
        token: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .header("content-type", "text/csv")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    /// The text column `value` of the one row `sql` selects, with `$1`, `$2`… bound to `binds`.
    pub async fn query_text(&self, sql: &str, binds: &[&str]) -> String {
        self.query_one::<TextValue>(sql, binds).await.value
    }

    /// The bigint column `count` of the one row `sql` selects.
    pub async fn query_count(&self, sql: &str, binds: &[&str]) -> i64 {
        self.query_one::<CountValue>(sql, binds).await.count
    }

    async fn query_one<T>(&self, sql: &str, binds: &[&str]) -> T
    where
        T: diesel::QueryableByName<diesel::pg::Pg> + Send + 'static,
    {
        use diesel_async::RunQueryDsl;
        let mut query = diesel::sql_query(sql).into_boxed();
        for bind in binds {
            query = query.bind::<diesel::sql_types::Text, _>(bind.to_string());
        }
        let mut conn = self.database.connection().await;
        query
            .get_result(&mut conn)
            .await
            .unwrap_or_else(|error| panic!("{sql} {binds:?}: {error}"))
    }

    /// Runs fixture SQL against the app's database.
    pub async fn execute(&self, sql: &str) {
        let mut conn = self.database.connection().await;
        conn.batch_execute(sql)
            .await
            .unwrap_or_else(|error| panic!("fixture SQL failed: {error}\n{sql}"));
    }
}

#[derive(diesel::QueryableByName)]
struct TextValue {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

#[derive(diesel::QueryableByName)]
struct CountValue {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// Asserts the status of an answer and returns its JSON body.
pub async fn json_body(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let url = response.url().path().to_owned();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{url} answered {actual}: {body}");
    body
}

/// Asserts a problem+json answer with this status, naming the request it answers as its
/// `X-Request-Id` does, and returns it.
pub async fn assert_problem(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(actual, status, "{body}");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["status"], status);
    let request_id = request_id.expect("an X-Request-Id header");
    assert_eq!(body["request_id"], request_id.as_str(), "{body}");
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("https://")),
        "{body}"
    );
    body
}

/// A problem body less its `request_id`, which differs from request to request: to compare
/// two answers for what they tell the caller.
pub fn without_request_id(mut problem: Value) -> Value {
    if let Some(members) = problem.as_object_mut() {
        members.remove("request_id");
    }
    problem
}

/// Asserts a problem+json answer with this status whose `detail` says `words`.
pub async fn assert_problem_saying(response: reqwest::Response, status: u16, words: &str) -> Value {
    let problem = assert_problem(response, status).await;
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(words), "{words:?} not in {problem}");
    problem
}

/// The `field`s named by a validation problem.
pub fn invalid_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The body of a new draft work group of London Central and West for NCP21-15.
pub fn new_work_group(code: &str) -> Value {
    json!({
        "hub": "london-central-and-west", "project": "NCP21-15", "code": code,
        "title": "Secondary Subject Leadership (spring)", "phase": "secondary", "mode": "blended",
        "capacity": 30, "admission": "automatic", "eoi_deadline": "2099-11-01T23:59:00+00:00",
        "venue": {"name": "Twyford Church of England High School", "address": "Twyford Crescent, London", "postcode": "W3 9PP"},
        "description": "Focused support for secondary heads of department."
    })
}

/// A digest of the national reference data and the audit trail, to prove a refused change
/// changed nothing.
pub async fn reference_data(app: &TestApp) -> String {
    app.query_text(
        "SELECT md5(concat_ws('|', \
           (SELECT string_agg(l::text, ',' ORDER BY l.gss_code) FROM local_authorities l), \
           (SELECT string_agg(h::text, ',' ORDER BY h.id) FROM hubs h), \
           (SELECT string_agg(c::text, ',' ORDER BY c.id) FROM hub_local_authorities c), \
           (SELECT string_agg(p::text, ',' ORDER BY p.id) FROM strategic_partners p), \
           (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM teaching_school_hubs t), \
           (SELECT string_agg(a::text, ',' ORDER BY a.teaching_school_hub_id, a.la_code) FROM teaching_school_hub_areas a), \
           (SELECT string_agg(p::text, ',' ORDER BY p.hub_id, p.teaching_school_hub_id) FROM hub_partnerships p), \
           (SELECT count(*)::text FROM audit_log))) AS value",
        &[],
    )
    .await
}

/// The `ETag` a `GET` of `path` answers with.
pub async fn etag_of(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.headers()["etag"]
        .to_str()
        .expect("an ASCII tag")
        .to_owned()
}

/// Any request with a bearer token, `If-Match: tag` and a JSON body when given.
pub async fn send_if_match(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    tag: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(token)
        .header("if-match", tag);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("request")
}

/// How many audit records of `action` the object has.
pub async fn audit_count(app: &TestApp, action: &str, object_id: &str) -> i64 {
    app.query_count(
        "SELECT count(*) AS count FROM audit_log WHERE action = $1 AND object_id = $2",
        &[action, object_id],
    )
    .await
}

/// The demo and a national admin's token: the caller of every reference-data write.
pub async fn spawn_as_admin() -> (TestApp, String) {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    (app, admin)
}

/// `POST path` with a bearer token and a JSON body when given.
pub async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    app.send(reqwest::Method::POST, path, Some(token), body)
        .await
}

/// `PATCH path` with a bearer token, `If-Match: tag` and a JSON body.
pub async fn patch_if_match(
    app: &TestApp,
    path: &str,
    token: &str,
    tag: &str,
    body: &Value,
) -> reqwest::Response {
    send_if_match(app, reqwest::Method::PATCH, path, token, tag, Some(body)).await
}

/// Adds `old-hub`, a retired hub, which writes may no longer name.
pub async fn add_retired_hub(app: &TestApp) {
    app.execute(
        "INSERT INTO hubs (id, slug, name, region, retired_at) \
         VALUES (gen_random_uuid(), 'old-hub', 'Old Maths Hub', 'London', now())",
    )
    .await;
}

/// The `key` of every item of the JSON array `items`, such as the slugs of a list.
pub fn each_of(items: &Value, key: &str) -> Vec<String> {
    items
        .as_array()
        .expect("an array")
        .iter()
        .map(|item| item[key].as_str().expect("a string").to_owned())
        .collect()
}

/// Asserts `text` (a problem's detail, say) says every one of `words`.
pub fn assert_says_all(text: &str, words: &[&str]) {
    for words in words {
        assert!(text.contains(words), "{words:?} not in {text}");
    }
}

/// Gives new participants of Twyford (URN 137083), one per name, a place in the work group
/// `code` as the enrolment engine would (accepted, counted in `accepted_count`); answers their
/// enrolment ids in the order of `names`.
pub async fn hold_places(app: &TestApp, code: &str, names: &[&str]) -> Vec<String> {
    let mut sql = String::new();
    let mut enrolments = Vec::new();
    for name in names {
        let (user, enrolment) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        sql.push_str(&format!(
            "INSERT INTO users (id, email, name, role, school_urn, role_in_school) \
             VALUES ('{user}', '{user}@school.example', '{name}', 'participant', '137083', 'head_of_department');
             INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status, accepted_at) \
             SELECT '{enrolment}', id, '{user}', '137083', 'head_of_department', 'accepted', now() \
               FROM work_groups WHERE code = '{code}';"
        ));
        enrolments.push(enrolment.to_string());
    }
    sql.push_str(&format!(
        "UPDATE work_groups SET accepted_count = accepted_count + {} WHERE code = '{code}';",
        names.len()
    ));
    app.execute(&sql).await;
    enrolments
}

/// The documents' work group `code` back in the status it had during 2021/22 (`open`): the
/// demo loads it completed, its year long over. For tests that act on a group with a past.
pub async fn reopen_documented_group(app: &TestApp, code: &str) {
    app.execute(&format!(
        "UPDATE work_groups SET status = 'open' WHERE code = '{code}' AND academic_year = '2021/22'"
    ))
    .await;
}

/// The id of the `nth` session (from 1, in time order) of the work group `code`.
pub async fn session_of(app: &TestApp, code: &str, nth: usize) -> String {
    app.query_text(
        &format!(
            "SELECT s.id::text AS value FROM sessions s JOIN work_groups w ON w.id = s.work_group_id \
              WHERE w.code = $1 ORDER BY s.starts_at OFFSET {} LIMIT 1",
            nth - 1
        ),
        &[code],
    )
    .await
}

/// The demo's next cohort of the LCW group (open, its deadline and every session ahead, in
/// this academic year or the next: inside the hub and personal feeds' window); its code.
pub fn next_cohort(app: &TestApp) -> String {
    app.demo_code(mathshub::seed::demo_offer::Slot::SubjectLeadership)
}

/// The kinds of the group's change events, in order, comma-separated.
pub async fn events_of(app: &TestApp, group: &str) -> String {
    app.query_text(
        "SELECT coalesce(string_agg(kind, ',' ORDER BY id), '') AS value \
         FROM work_group_events WHERE work_group_id = $1::uuid",
        &[group],
    )
    .await
}

/// A new participant holding a place in the group `code` and recorded present at its first
/// session: (enrolment id, session id).
pub async fn present_at_first_session(app: &TestApp, code: &str, name: &str) -> (String, String) {
    let enrolment = hold_places(app, code, &[name]).await.remove(0);
    let session = session_of(app, code, 1).await;
    app.execute(&format!(
        "UPDATE work_groups SET accepted_count = accepted_count + 1 WHERE code = '{code}';
         INSERT INTO attendance (session_id, enrolment_id, status) VALUES ('{session}', '{enrolment}', 'present');"
    ))
    .await;
    (enrolment, session)
}
