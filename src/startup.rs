//! Building and running the HTTP server: middleware, extractor limits, routes, Swagger UI.
//! Binds before it returns, so callers (and tests, with port 0) know the real port.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::{Method, header};
use actix_web::middleware::{Condition, Logger, from_fn};
use actix_web::{App, HttpServer, ResponseError, web};
use tokio::signal::unix::{SignalKind, signal};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

pub mod openapi;

use crate::api;
use crate::api::metrics::MetricsAccess;
use crate::auth::Auth;
use crate::config::{PublicUrl, Secret};
use crate::db::DbPool;
use crate::domain::EoiUrlTemplate;
use crate::error::ApiError;
use crate::http::middleware::{json_bodies, request_scope, unknown};
use crate::observability::{Liveness, Metrics, request_id};
use crate::webhooks::target::TargetPolicy;

#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
    /// Origins allowed to call the API from a browser.
    pub cors_origins: Vec<String>,
    /// Worker threads; `None` for one per core.
    pub workers: Option<usize>,
    /// Where clients reach the API, for the absolute URLs it hands out.
    pub public_url: PublicUrl,
    /// Where signposting links send schools to express interest.
    pub eoi_url_template: EoiUrlTemplate,
    /// The bearer token `/metrics` asks for; `None` leaves it open.
    pub metrics_token: Option<Secret>,
    /// What `/healthz` reports.
    pub liveness: Liveness,
    /// What webhook endpoints may be registered at.
    pub webhook_targets: TargetPolicy,
}

pub struct Application {
    server: Server,
    port: u16,
    metrics: Arc<Metrics>,
}

impl Application {
    pub fn build(settings: &ServerSettings, pool: DbPool, auth: Auth) -> std::io::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let pool = web::Data::new(pool);
        let auth = web::Data::new(auth);
        let public_url = web::Data::new(settings.public_url.clone());
        let cors_origins = settings.cors_origins.clone();
        let eoi_url_template = web::Data::new(settings.eoi_url_template.clone());
        // One set of metrics for all workers: a scrape sees the whole process.
        let metrics = Arc::new(Metrics::new());
        let metrics_data = web::Data::from(metrics.clone());
        let metrics_access = web::Data::new(MetricsAccess {
            token: settings.metrics_token.clone(),
        });
        let liveness = web::Data::new(settings.liveness.clone());
        let webhook_targets = web::Data::new(settings.webhook_targets);
        let mut server = HttpServer::new(move || {
            let (app, document) = App::new()
                .into_utoipa_app()
                .openapi(crate::startup::openapi::base())
                .configure(api::configure)
                .split_for_parts();
            let document = crate::startup::openapi::finish(document);
            let served_paths = web::Data::new(unknown::ServedPaths::from_document(&document));
            app.app_data(pool.clone())
                .app_data(auth.clone())
                .app_data(public_url.clone())
                .app_data(eoi_url_template.clone())
                .app_data(served_paths)
                .app_data(metrics_data.clone())
                .app_data(metrics_access.clone())
                .app_data(liveness.clone())
                .app_data(webhook_targets.clone())
                .app_data(form_config())
                .service(
                    SwaggerUi::new("/swagger-ui/{_:.*}").url("/api-docs/openapi.json", document),
                )
                .default_service(web::to(unknown::unknown_path))
                .wrap(from_fn(unknown::refuse_unserved_methods_on_fixed_paths))
                .wrap(cors(&cors_origins))
                .wrap(from_fn(request_scope::scope_requests))
                .wrap(Condition::new(access_log_enabled(), access_log()))
        })
        .listen(listener)?
        // Signals are the caller's (see `stop_on_signals`): actix would only listen once the
        // server is first polled, and a SIGTERM before that would kill the process outright.
        .disable_signals();
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        Ok(Self {
            server: server.run(),
            port,
            metrics,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process's metrics, for work done beside the server (the outbox's delivery).
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Stops the server gracefully (in-flight requests finish) on Ctrl-C or SIGTERM. The
    /// handlers are in place when this returns.
    pub fn stop_on_signals(&self) -> std::io::Result<()> {
        let mut terminate = signal(SignalKind::terminate())?;
        let handle = self.server.handle();
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => log::info!("Ctrl-C received; stopping"),
                _ = terminate.recv() => log::info!("SIGTERM received; stopping"),
            }
            handle.stop(true).await;
        });
        Ok(())
    }

    /// Serves until stopped, then returns once in-flight requests have finished.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Form bodies (the OAuth token endpoint) answer bad input as JSON bodies do
/// (`http::middleware::json_bodies`).
fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(json_bodies::MAX_JSON_BYTES)
        .error_handler(|error, _| {
            use actix_web::error::UrlencodedError;
            let api_error = match &error {
                UrlencodedError::Overflow { limit, .. } => ApiError::PayloadTooLarge(format!(
                    "Request bodies are limited to {limit} bytes."
                )),
                UrlencodedError::ContentType => {
                    ApiError::invalid("body", "must be sent as application/x-www-form-urlencoded")
                }
                other => ApiError::invalid("body", other.to_string()),
            };
            actix_web::error::InternalError::from_response(error, api_error.error_response()).into()
        })
}

fn cors(origins: &[String]) -> Cors {
    let cors = origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin));
    cors.allowed_methods([
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ])
    .allowed_headers([
        header::AUTHORIZATION,
        header::CONTENT_TYPE,
        header::IF_MATCH,
        header::IF_NONE_MATCH,
        header::HeaderName::from_static("idempotency-key"),
        request_id::HEADER,
    ])
    .expose_headers([
        header::ETAG,
        header::LINK,
        header::LOCATION,
        header::RETRY_AFTER,
        header::HeaderName::from_static("idempotent-replayed"),
        request_id::HEADER,
    ])
    .max_age(3600)
}

/// A line for each request, at `info`: address, request line, status, size, time, request id.
fn access_log() -> Logger {
    Logger::new("%a \"%{request_line}xi\" %s %b %Dms request_id=%{x-request-id}o")
        .custom_request_replace("request_line", logged_request_line)
}

/// Whether the access log's lines would be written. The logger renders every request's line
/// before the level is checked, so below `info` it is left out rather than run for nothing.
fn access_log_enabled() -> bool {
    log::log_enabled!(target: "actix_web::middleware::logger", log::Level::Info)
}

/// The request line as the access log shows it: as actix's `%r`, with the secret of a
/// personal calendar feed left out, since it opens the feed on its own.
fn logged_request_line(request: &actix_web::dev::ServiceRequest) -> String {
    let path = api::calendars::without_secret(request.path());
    match request.query_string() {
        "" => format!("{} {path} {:?}", request.method(), request.version()),
        query => format!(
            "{} {path}?{query} {:?}",
            request.method(),
            request.version()
        ),
    }
}
