//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.
//! Database and pool failures are mapped here; anything unexpected is logged with its cause
//! chain and answered with an opaque 500 that carries no internals.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::lifecycle::RuleBroken;
use crate::observability::metrics::DatabaseFailure;
use diesel_async::pooled_connection::deadpool::PoolError;

pub mod clashes;

const PROBLEM_BASE: &str = "https://mathshub.invalid/problems/";
/// Seconds a client should wait before retrying when the database is busy or away.
const RETRY_AFTER_SECONDS: &str = "1";

/// One invalid input, named by the field (or query/path parameter) it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    #[schema(example = "capacity")]
    pub field: String,
    #[schema(example = "must be between 1 and 500")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://mathshub.invalid/problems/validation", "title": "Invalid request", "status": 400,
    "detail": "1 field is invalid", "errors": [{"field": "limit", "message": "must be between 1 and 100"}],
    "request_id": "0193a0c4-5e2b-7c3d-8f4a-1b2c3d4e5f60"
}))]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For validation problems: every invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// The id of the request that met the problem, as its `X-Request-Id` header says: quote
    /// it when reporting the problem, and find the request in the server's logs by it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "0193a0c4-5e2b-7c3d-8f4a-1b2c3d4e5f60")]
    pub request_id: Option<String>,
}

/// For the command line: the detail, then each invalid field on a line of its own.
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.detail)?;
        for error in self.errors.iter().flatten() {
            write!(f, "\n  {}: {}", error.field, error.message)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Fields that break the document's schema (400).
    #[error("invalid request: {0:?}")]
    Validation(Vec<FieldError>),
    /// Fields that are well-formed but cannot be used: they name something that does not
    /// exist, or break a rule between fields or with what is stored (422).
    #[error("unprocessable request: {0:?}")]
    Unprocessable(Vec<FieldError>),
    /// No valid credentials: a missing, malformed, expired or revoked token, or a wrong password.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials without the right to do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// A path the API serves, asked with a method it does not serve there; `allow` lists
    /// those it does, as the `Allow` header's value.
    #[error("{method} is not served here (Allow: {allow})")]
    MethodNotAllowed { method: String, allow: String },
    #[error("{0}")]
    Conflict(String),
    /// `If-Match` named a version that is no longer current.
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// `Accept` names no media type the operation answers in.
    #[error("{0}")]
    NotAcceptable(String),
    /// The caller may not take part as asked: the rules of eligibility each field fails.
    #[error("not eligible: {0:?}")]
    NotEligible(Vec<FieldError>),
    /// An `Idempotency-Key` sent again with another request than the one it stands for.
    #[error("the idempotency key was used for another request")]
    IdempotencyKeyReused,
    #[error("too many attempts; retry after {retry_after_seconds} s")]
    TooManyRequests { retry_after_seconds: u32 },
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The process cannot mend by itself what failed (its words, shown as the detail), so
    /// `/healthz` answers this for a supervisor to restart it.
    #[error("the process is not live: {0}")]
    NotLive(String),
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn unprocessable(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Unprocessable(vec![FieldError::new(field, message)])
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("{what} was not found"))
    }

    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(error.into())
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::Validation(_) => ("validation", "Invalid request"),
            Self::Unprocessable(_) => ("unprocessable", "Request cannot be carried out"),
            Self::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            Self::Forbidden(_) => ("forbidden", "Forbidden"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            Self::Conflict(_) => ("conflict", "Conflict"),
            Self::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            Self::PayloadTooLarge(_) => ("payload-too-large", "Request body too large"),
            Self::NotAcceptable(_) => ("not-acceptable", "Not acceptable"),
            Self::IdempotencyKeyReused => ("idempotency-key-reused", "Idempotency key reused"),
            Self::NotEligible(_) => ("not-eligible", "Not eligible"),
            Self::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            Self::Unavailable(_) => ("unavailable", "Service unavailable"),
            Self::NotLive(_) => ("not-live", "Not live"),
            Self::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Validation(errors) if errors.len() == 1 => "1 field is invalid".into(),
            Self::Validation(errors) => format!("{} fields are invalid", errors.len()),
            Self::Unprocessable(errors) if errors.len() == 1 => {
                "1 field is well-formed but cannot be used as sent".into()
            }
            Self::Unprocessable(errors) => format!(
                "{} fields are well-formed but cannot be used as sent",
                errors.len()
            ),
            Self::Unauthorized(detail)
            | Self::Forbidden(detail)
            | Self::NotFound(detail)
            | Self::Conflict(detail)
            | Self::PreconditionFailed(detail)
            | Self::PayloadTooLarge(detail)
            | Self::NotAcceptable(detail)
            | Self::NotLive(detail) => detail.clone(),
            Self::MethodNotAllowed { method, allow } => {
                format!("This path does not answer {method}; it answers {allow}.")
            }
            Self::NotEligible(errors) => format!(
                "Not eligible for this work group: {}.",
                errors
                    .iter()
                    .map(|error| error.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Self::IdempotencyKeyReused => "This Idempotency-Key was first sent with another \
                request (method, path or body): send a new key for a new request."
                .into(),
            Self::TooManyRequests {
                retry_after_seconds,
            } => format!("Too many attempts; retry in {retry_after_seconds} seconds."),
            Self::Unavailable(_) => "The database is busy or unreachable; retry shortly.".into(),
            Self::Internal(_) => "Something went wrong on our side; it has been logged.".into(),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        Problem {
            problem_type: format!("{PROBLEM_BASE}{slug}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            errors: match self {
                Self::Validation(errors)
                | Self::Unprocessable(errors)
                | Self::NotEligible(errors) => Some(errors.clone()),
                _ => None,
            },
            request_id: crate::observability::scope::request_id().map(|id| id.as_str().to_owned()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::Unprocessable(_) | Self::IdempotencyKeyReused | Self::NotEligible(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::NotLive(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(error) => log::error!("{}", cause_chain(error.as_ref())),
            Self::Unavailable(reason) => log::warn!("answering 503: {reason}"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        match self {
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS));
            }
            Self::TooManyRequests {
                retry_after_seconds,
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            Self::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            // RFC 6750: a 401 names the scheme the client should use.
            Self::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"mathshub\""));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        let DieselError::DatabaseError(kind, info) = &error else {
            if matches!(error, DieselError::NotFound) {
                return Self::NotFound("The requested resource was not found".into());
            }
            count(DatabaseFailure::Other);
            return Self::internal(error);
        };
        // Text sent with U+0000, which PostgreSQL's text cannot hold: the input's fault,
        // wherever a handler passed it on unparsed (SQLSTATE 22021).
        if info.message().contains("invalid byte sequence") {
            return Self::invalid("input", "must not contain the NUL character (U+0000)");
        }
        let failure = classify(kind, info.as_ref());
        count(failure);
        let constraint = info.constraint_name();
        match failure {
            DatabaseFailure::UniqueViolation => Self::Conflict(clashes::message(info.as_ref())),
            // No overlapping sessions, say: lost to a race, as the handlers check first.
            DatabaseFailure::ConstraintViolation
                if matches!(kind, DatabaseErrorKind::ExclusionViolation) =>
            {
                Self::Conflict(clashes::message(info.as_ref()))
            }
            DatabaseFailure::ForeignKeyViolation => Self::Conflict(format!(
                "This refers to a record that does not exist, or removes one still referred to ({}).",
                constraint.unwrap_or("foreign key")
            )),
            DatabaseFailure::CheckViolation => Self::Conflict(format!(
                "This breaks the rule {}.",
                constraint.unwrap_or("of a check constraint")
            )),
            DatabaseFailure::ConstraintViolation => Self::Conflict(format!(
                "This conflicts with existing data ({}).",
                constraint.unwrap_or_default()
            )),
            DatabaseFailure::SerializationFailure => {
                Self::Unavailable("a concurrent change got there first".into())
            }
            // A connection the server dropped (it stopped, restarted or was cut off): the pool
            // discards it, and the client may retry at once.
            DatabaseFailure::ClosedConnection => {
                Self::Unavailable(format!("the connection was lost: {}", info.message()))
            }
            DatabaseFailure::StatementTimeout => {
                Self::Unavailable("a statement ran past the statement timeout".into())
            }
            DatabaseFailure::Connect | DatabaseFailure::Pool | DatabaseFailure::Other => {
                Self::internal(error)
            }
        }
    }
}

/// What kind of failure the database reported, for the answer and for the metrics.
fn classify(
    kind: &DatabaseErrorKind,
    info: &(dyn diesel::result::DatabaseErrorInformation + Send + Sync),
) -> DatabaseFailure {
    match kind {
        DatabaseErrorKind::UniqueViolation => DatabaseFailure::UniqueViolation,
        DatabaseErrorKind::ForeignKeyViolation => DatabaseFailure::ForeignKeyViolation,
        DatabaseErrorKind::CheckViolation => DatabaseFailure::CheckViolation,
        DatabaseErrorKind::SerializationFailure => DatabaseFailure::SerializationFailure,
        DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
            DatabaseFailure::ClosedConnection
        }
        _ if info.constraint_name().is_some() => DatabaseFailure::ConstraintViolation,
        _ if is_server_going_away(info.message()) => DatabaseFailure::ClosedConnection,
        _ if info.message().contains("statement timeout") => DatabaseFailure::StatementTimeout,
        _ => DatabaseFailure::Other,
    }
}

/// Whether PostgreSQL said it is ending the session for operator intervention (SQLSTATE
/// class 57: a shutdown, a crash of another backend, a restart under way), which diesel
/// reports by message only.
fn is_server_going_away(message: &str) -> bool {
    message.starts_with("terminating connection") || message.starts_with("the database system is")
}

/// Counts a database failure in the metrics of the server handling the current request.
fn count(failure: DatabaseFailure) {
    crate::observability::scope::count(|metrics| metrics.count_database_error(failure));
}

/// A status machine's rule, broken by the change asked for: 409 in the rule's own words.
impl From<RuleBroken> for ApiError {
    fn from(RuleBroken(text): RuleBroken) -> Self {
        Self::Conflict(text)
    }
}

impl From<PoolError> for ApiError {
    fn from(error: PoolError) -> Self {
        match &error {
            PoolError::Timeout(timeout) => crate::observability::scope::count(|metrics| {
                metrics.count_pool_timeout(*timeout);
            }),
            PoolError::Backend(_) => count(DatabaseFailure::Connect),
            _ => count(DatabaseFailure::Pool),
        }
        Self::Unavailable(format!("no database connection: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problem_lists_every_field_and_counts_them() {
        let error = ApiError::Validation(vec![
            FieldError::new("a", "bad"),
            FieldError::new("b", "worse"),
        ]);
        let problem = error.problem();
        assert_eq!(problem.status, 400);
        assert_eq!(problem.detail, "2 fields are invalid");
        assert_eq!(
            problem.problem_type,
            "https://mathshub.invalid/problems/validation"
        );
        assert_eq!(problem.errors.unwrap().len(), 2);
    }

    #[test]
    fn unprocessable_problem_is_422_and_lists_every_field() {
        let error = ApiError::Unprocessable(vec![FieldError::new("hub", "no hub has the slug x")]);
        let problem = error.problem();
        assert_eq!(problem.status, 422);
        assert_eq!(
            problem.problem_type,
            "https://mathshub.invalid/problems/unprocessable"
        );
        assert_eq!(problem.errors.unwrap()[0].field, "hub");
    }

    #[test]
    fn a_broken_rule_is_a_conflict_in_its_own_words() {
        let problem = ApiError::from(RuleBroken("The work group is full.".into())).problem();
        assert_eq!(problem.status, 409);
        assert_eq!(problem.detail, "The work group is full.");
    }

    #[test]
    fn a_server_going_away_is_unavailable_not_internal() {
        for message in [
            "terminating connection due to administrator command",
            "the database system is shutting down",
        ] {
            let error = DieselError::DatabaseError(
                DatabaseErrorKind::Unknown,
                Box::new(message.to_owned()),
            );
            assert_eq!(ApiError::from(error).status_code(), 503, "{message}");
        }
        let lost = DieselError::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand,
            Box::new("connection closed".to_owned()),
        );
        assert_eq!(ApiError::from(lost).status_code(), 503);
    }

    /// A constraint violation as PostgreSQL reports it.
    struct Violation {
        constraint: &'static str,
        detail: &'static str,
    }

    impl diesel::result::DatabaseErrorInformation for Violation {
        fn message(&self) -> &str {
            "duplicate key value violates unique constraint"
        }
        fn details(&self) -> Option<&str> {
            Some(self.detail)
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            Some(self.constraint)
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn clash(kind: DatabaseErrorKind, constraint: &'static str, detail: &'static str) -> ApiError {
        ApiError::from(DieselError::DatabaseError(
            kind,
            Box::new(Violation { constraint, detail }),
        ))
    }

    #[test]
    fn a_unique_violation_answers_409_in_its_constraint_s_words() {
        let error = clash(
            DatabaseErrorKind::UniqueViolation,
            "hubs_slug_key",
            "Key (slug)=(london-central-and-west) already exists.",
        );
        assert_eq!(error.status_code(), 409);
        assert_eq!(
            error.problem().detail,
            "A hub already has the slug london-central-and-west."
        );
    }

    #[test]
    fn an_exclusion_violation_answers_409_in_its_constraint_s_words() {
        let error = clash(
            DatabaseErrorKind::ExclusionViolation,
            "sessions_no_overlap",
            "Key (work_group_id, tstzrange(starts_at, ends_at))=(…) conflicts with existing key (…).",
        );
        assert_eq!(error.status_code(), 409);
        assert_eq!(
            error.problem().detail,
            "The session overlaps another session of this work group."
        );
    }

    #[test]
    fn a_clash_with_a_constraint_without_words_answers_a_generic_409_without_its_name() {
        let error = clash(
            DatabaseErrorKind::UniqueViolation,
            "hubs_website_idx",
            "Key (website)=(https://x.example) already exists.",
        );
        assert_eq!(error.status_code(), 409);
        assert_eq!(error.problem().detail, clashes::DUPLICATE);
    }

    #[test]
    fn internal_problem_hides_the_cause() {
        let error = ApiError::internal("password=hunter2 in SELECT");
        let body = serde_json::to_string(&error.problem()).unwrap();
        assert!(
            !body.contains("hunter2") && !body.contains("SELECT"),
            "{body}"
        );
    }
}
