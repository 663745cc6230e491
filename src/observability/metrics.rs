//! Prometheus metrics of one server: requests by route pattern, method and status, their
//! latency, the connection pool, database failures by kind, and the outbox: its backlog and
//! this process's deliveries by channel and outcome.
//!
//! Recording is lock-free on the hot path: counters and histograms are atomics, and finding
//! the series of a label set takes a shared read lock that only the first request of a new
//! label set ever writes under. Labels are bounded: routes are patterns
//! (`/api/v1/work-groups/{id}`, never a raw path, which would grow without end and leak the
//! secret of a personal calendar feed), unknown paths share one label, and methods outside
//! HTTP's own are `other`.

use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use deadpool::managed::TimeoutType;
use prometheus::{
    GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// The media type of the text exposition format.
pub const CONTENT_TYPE: &str = prometheus::TEXT_FORMAT;

/// The `route` of requests no route matched.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Upper bounds (seconds) of the latency buckets: a cached read takes a millisecond or two,
/// the pool gives up waiting after two seconds and statements after five.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A database failure, as the `kind` label of `mathshub_database_errors_total` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseFailure {
    UniqueViolation,
    ForeignKeyViolation,
    CheckViolation,
    /// Another named constraint (an exclusion constraint, say).
    ConstraintViolation,
    SerializationFailure,
    StatementTimeout,
    ClosedConnection,
    /// No connection could be made.
    Connect,
    /// The pool itself failed (closed, or misconfigured).
    Pool,
    Other,
}

impl DatabaseFailure {
    const ALL: [Self; 10] = [
        Self::UniqueViolation,
        Self::ForeignKeyViolation,
        Self::CheckViolation,
        Self::ConstraintViolation,
        Self::SerializationFailure,
        Self::StatementTimeout,
        Self::ClosedConnection,
        Self::Connect,
        Self::Pool,
        Self::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::UniqueViolation => "unique_violation",
            Self::ForeignKeyViolation => "foreign_key_violation",
            Self::CheckViolation => "check_violation",
            Self::ConstraintViolation => "constraint_violation",
            Self::SerializationFailure => "serialization_failure",
            Self::StatementTimeout => "statement_timeout",
            Self::ClosedConnection => "closed_connection",
            Self::Connect => "connect",
            Self::Pool => "pool",
            Self::Other => "other",
        }
    }
}

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    request_seconds: HistogramVec,
    database_errors: IntCounterVec,
    pool_timeouts: IntCounterVec,
    pool_max_size: IntGauge,
    pool_size: IntGauge,
    pool_available: IntGauge,
    pool_waiting: IntGauge,
    deliveries: IntCounterVec,
    outbox_pending: IntGaugeVec,
    outbox_oldest_pending: GaugeVec,
    outbox_dead: IntGaugeVec,
}

/// What waits on one channel as of a scrape (every process sees the same, from the database).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelBacklog {
    pub pending: i64,
    pub oldest_pending_seconds: f64,
    pub dead: i64,
}

/// The outbox's backlog: mail messages, and webhook deliveries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutboxBacklog {
    pub email: ChannelBacklog,
    pub webhook: ChannelBacklog,
}

/// The channels messages go out on, and the outcomes of an attempt, as the labels of
/// `mathshub_outbox_deliveries_total` and the backlog's gauges name them.
const DELIVERY_CHANNELS: [&str; 2] = ["email", "webhook"];
const DELIVERY_OUTCOMES: [&str; 4] = ["delivered", "suppressed", "retried", "dead"];

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let metrics = Self {
            requests: register(
                &registry,
                IntCounterVec::new(
                    Opts::new(
                        "mathshub_http_requests_total",
                        "HTTP requests answered, by route pattern, method and status.",
                    ),
                    &["route", "method", "status"],
                ),
            ),
            request_seconds: register(
                &registry,
                HistogramVec::new(
                    HistogramOpts::new(
                        "mathshub_http_request_duration_seconds",
                        "Time from a request's arrival to its answer's head, by route pattern, method and status.",
                    )
                    .buckets(LATENCY_BUCKETS.to_vec()),
                    &["route", "method", "status"],
                ),
            ),
            database_errors: register(
                &registry,
                IntCounterVec::new(
                    Opts::new(
                        "mathshub_database_errors_total",
                        "Database and connection failures met while answering requests, by kind.",
                    ),
                    &["kind"],
                ),
            ),
            pool_timeouts: register(
                &registry,
                IntCounterVec::new(
                    Opts::new(
                        "mathshub_db_pool_timeouts_total",
                        "Requests that gave up on a database connection (answered 503): waiting for a free one, creating one, or recycling one.",
                    ),
                    &["timeout"],
                ),
            ),
            pool_max_size: gauge(&registry, "mathshub_db_pool_max_size", "Most connections the pool holds."),
            pool_size: gauge(&registry, "mathshub_db_pool_connections", "Connections the pool holds now, in use or idle."),
            pool_available: gauge(&registry, "mathshub_db_pool_available", "Idle connections ready to be handed out."),
            pool_waiting: gauge(&registry, "mathshub_db_pool_waiting", "Requests waiting for a connection."),
            deliveries: register(
                &registry,
                IntCounterVec::new(
                    Opts::new(
                        "mathshub_outbox_deliveries_total",
                        "Delivery attempts this process made, by channel and outcome (delivered, suppressed, retried, dead).",
                    ),
                    &["channel", "outcome"],
                ),
            ),
            outbox_pending: register(
                &registry,
                IntGaugeVec::new(
                    Opts::new(
                        "mathshub_outbox_pending",
                        "Messages and webhook deliveries not yet delivered (all processes), by channel.",
                    ),
                    &["channel"],
                ),
            ),
            outbox_oldest_pending: register(
                &registry,
                GaugeVec::new(
                    Opts::new(
                        "mathshub_outbox_oldest_pending_seconds",
                        "Age of the oldest message or webhook delivery not yet delivered, by channel; 0 with none.",
                    ),
                    &["channel"],
                ),
            ),
            outbox_dead: register(
                &registry,
                IntGaugeVec::new(
                    Opts::new(
                        "mathshub_outbox_dead",
                        "Messages and webhook deliveries whose every attempt failed, kept to be retried, by channel.",
                    ),
                    &["channel"],
                ),
            ),
            registry,
        };
        // Every kind shows from the first scrape, so a rate over it is 0 rather than absent.
        for failure in DatabaseFailure::ALL {
            metrics
                .database_errors
                .with_label_values(&[failure.label()]);
        }
        for channel in DELIVERY_CHANNELS {
            for outcome in DELIVERY_OUTCOMES {
                metrics.deliveries.with_label_values(&[channel, outcome]);
            }
        }
        for timeout in [TimeoutType::Wait, TimeoutType::Create, TimeoutType::Recycle] {
            metrics
                .pool_timeouts
                .with_label_values(&[timeout_label(timeout)]);
        }
        #[cfg(target_os = "linux")]
        metrics
            .registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("the process collector registers once");
        metrics
    }

    /// Counts and times one answered request; `route` is the pattern it matched.
    pub fn observe_request(
        &self,
        route: &str,
        method: &Method,
        status: StatusCode,
        elapsed: Duration,
    ) {
        let labels = [route, method_label(method), status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.request_seconds
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    pub fn count_database_error(&self, failure: DatabaseFailure) {
        self.database_errors
            .with_label_values(&[failure.label()])
            .inc();
    }

    pub fn count_pool_timeout(&self, timeout: TimeoutType) {
        self.pool_timeouts
            .with_label_values(&[timeout_label(timeout)])
            .inc();
    }

    /// Counts one delivery attempt's outcome.
    pub fn count_delivery(&self, channel: &str, outcome: &str) {
        self.deliveries.with_label_values(&[channel, outcome]).inc();
    }

    /// Everything in the text exposition format, with the pool's state as of now and the
    /// outbox's backlog as just read (left as last read when it could not be).
    pub fn render(
        &self,
        pool: deadpool::Status,
        outbox: Option<OutboxBacklog>,
    ) -> Result<String, prometheus::Error> {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        if let Some(outbox) = outbox {
            for (channel, backlog) in [("email", outbox.email), ("webhook", outbox.webhook)] {
                let labels = [channel];
                self.outbox_pending
                    .with_label_values(&labels)
                    .set(backlog.pending);
                self.outbox_oldest_pending
                    .with_label_values(&labels)
                    .set(backlog.oldest_pending_seconds);
                self.outbox_dead
                    .with_label_values(&labels)
                    .set(backlog.dead);
            }
        }
        self.pool_max_size.set(count(pool.max_size));
        self.pool_size.set(count(pool.size));
        self.pool_available.set(count(pool.available));
        self.pool_waiting.set(count(pool.waiting));
        TextEncoder::new().encode_to_string(&self.registry.gather())
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn register<M: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    metric: prometheus::Result<M>,
) -> M {
    let metric = metric.expect("metric names and labels are valid");
    registry
        .register(Box::new(metric.clone()))
        .expect("each metric registers once");
    metric
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    register(registry, IntGauge::new(name, help))
}

fn timeout_label(timeout: TimeoutType) -> &'static str {
    match timeout {
        TimeoutType::Wait => "wait",
        TimeoutType::Create => "create",
        TimeoutType::Recycle => "recycle",
    }
}

/// HTTP's own methods by name; any other (clients may send any token) as `other`.
fn method_label(method: &Method) -> &str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    if KNOWN.contains(method) {
        method.as_str()
    } else {
        "other"
    }
}
