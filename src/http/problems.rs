//! The error responses operations declare, shared by the handlers and the OpenAPI document:
//! each is a problem+json body (`error::Problem`) with its status, description and example.

use utoipa::{IntoResponses, ToResponse};

use crate::error::Problem;

/// 400: some input is malformed; `errors` names each field.
#[derive(ToResponse)]
#[response(
    description = "Invalid input: `errors` names every invalid field or parameter",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/validation", "title": "Invalid request", "status": 400, "detail": "1 field is invalid", "errors": [{"field": "limit", "message": "must be between 1 and 100"}]})
)]
pub struct BadRequest(pub Problem);

/// 401: no valid access token.
#[derive(ToResponse)]
#[response(
    description = "No valid credentials: the access token is missing, malformed, expired or revoked (or, when signing in, the credentials are wrong)",
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"mathshub\"`")),
    example = json!({"type": "https://mathshub.invalid/problems/unauthorized", "title": "Unauthorized", "status": 401, "detail": "The access token has expired: refresh it at POST /api/v1/auth/refresh."})
)]
pub struct Unauthorized(pub Problem);

/// 403: a valid token without the right.
#[derive(ToResponse)]
#[response(
    description = "The caller's role or reach does not allow this; `detail` says who may",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/forbidden", "title": "Forbidden", "status": 403, "detail": "Only national admins manage partner credentials."})
)]
pub struct Forbidden(pub Problem);

/// 409: the change breaks a rule of the current state.
#[derive(ToResponse)]
#[response(
    description = "The request conflicts with the current state; `detail` names the rule",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/conflict", "title": "Conflict", "status": 409, "detail": "An account already uses this email address."})
)]
pub struct Conflict(pub Problem);

/// 422: an `Idempotency-Key` sent again with another request.
#[derive(ToResponse)]
#[response(
    description = "The `Idempotency-Key` was first sent with another request (method, path or body); use a new key for a new request",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/idempotency-key-reused", "title": "Idempotency key reused", "status": 422, "detail": "This Idempotency-Key was first sent with another request (method, path or body): send a new key for a new request."})
)]
pub struct IdempotencyKeyReused(pub Problem);

/// 422: the participant is not eligible for the group (or, with a reused `Idempotency-Key`,
/// the key stood for another request).
#[derive(ToResponse)]
#[response(
    description = "Not eligible: `errors` names each eligibility rule failed (role in school, school phase or status, an earlier project not completed by the school); or the `Idempotency-Key` was first sent with another request",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/not-eligible", "title": "Not eligible", "status": 422, "detail": "Not eligible for this work group: the project is not open to the role prospective_head_of_department.", "errors": [{"field": "role_in_school", "message": "the project is not open to the role prospective_head_of_department"}]})
)]
pub struct NotEligible(pub Problem);

/// 422: well-formed input that cannot be used (`ApiError::Unprocessable`).
#[derive(ToResponse)]
#[response(
    description = "Well-formed, but it cannot be used: `errors` names each field that names something that does not exist (an unknown hub, school or project), or breaks a rule between fields or with what is stored. On a create, also an `Idempotency-Key` first sent with another request (`type` ends in `idempotency-key-reused`).",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/unprocessable", "title": "Request cannot be carried out", "status": 422, "detail": "1 field is well-formed but cannot be used as sent", "errors": [{"field": "hub", "message": "no hub has the slug london-north-west"}]})
)]
pub struct Unprocessable(pub Problem);

/// 412: `If-Match` names a version that is no longer current.
#[derive(ToResponse)]
#[response(
    description = "The resource changed since the `If-Match` version; read it again",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/precondition-failed", "title": "Precondition failed", "status": 412, "detail": "User 01931b8e-7c2a-7d3e-9a41-3c5f0e2b7a10 changed since the version in If-Match; read it again."})
)]
pub struct PreconditionFailed(pub Problem);

/// 413: the body is over the limit.
#[derive(ToResponse)]
#[response(
    description = "The request body is larger than 256 KiB",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/payload-too-large", "title": "Request body too large", "status": 413, "detail": "Request bodies are limited to 262144 bytes."})
)]
pub struct PayloadTooLarge(pub Problem);

/// 413 for a file upload: the file is over its limit (`http::write::MAX_CSV_BYTES`).
#[derive(ToResponse)]
#[response(
    description = "The CSV file is larger than 128 MiB",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/payload-too-large", "title": "Request body too large", "status": 413, "detail": "CSV files are limited to 134217728 bytes (128 MiB)."})
)]
pub struct CsvTooLarge(pub Problem);

/// 406: `Accept` names no media type the operation answers in.
#[derive(ToResponse)]
#[response(
    description = "`Accept` names no media type this operation answers in; `detail` lists them",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/not-acceptable", "title": "Not acceptable", "status": 406, "detail": "This operation answers in application/json or text/csv: name one of them in Accept."})
)]
pub struct NotAcceptable(pub Problem);

/// 429: too many attempts.
#[derive(ToResponse)]
#[response(
    description = "Too many attempts from this address or on this account (sign-in), or expressions of interest by this participant; retry after `Retry-After` seconds",
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds until attempts are counted afresh")),
    example = json!({"type": "https://mathshub.invalid/problems/too-many-requests", "title": "Too many requests", "status": 429, "detail": "Too many attempts; retry in 42 seconds."})
)]
pub struct TooManyRequests(pub Problem);

/// 404: nothing by that key (or nothing the caller may know about).
#[derive(ToResponse)]
#[response(
    description = "No such resource",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/not-found", "title": "Not found", "status": 404, "detail": "User 01931b8e-7c2a-7d3e-9a41-3c5f0e2b7a10 was not found"})
)]
pub struct NotFound(pub Problem);

/// 503: the database is busy or unreachable; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(
    description = "The database is busy or unreachable; retry after `Retry-After` seconds",
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds to wait before retrying")),
    example = json!({"type": "https://mathshub.invalid/problems/unavailable", "title": "Service unavailable", "status": 503, "detail": "The database is busy or unreachable; retry shortly."})
)]
pub struct Unavailable(pub Problem);

/// 503 from `/healthz`: the process cannot mend by itself what failed; restart it.
#[derive(ToResponse)]
#[response(
    description = "The process cannot mend by itself what failed (the detail says what): restart it",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/not-live", "title": "Not live", "status": 503, "detail": "The embedded PostgreSQL server died and could not be restarted (the server's log says why); restart mathshub."})
)]
pub struct NotLive(pub Problem);

/// 500: a fault of ours (`ApiError::Internal`), logged with its cause; the answer says no more.
#[derive(ToResponse)]
#[response(
    description = "Something went wrong on the server's side; the cause is logged under the request's id, never shown",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/internal", "title": "Internal server error", "status": 500, "detail": "Something went wrong on our side; it has been logged."})
)]
pub struct InternalError(pub Problem);

/// Declares a set of answers an operation can give besides its success, as an enum whose
/// variants refer to the responses above by status, in the order the document lists them;
/// `not_modified` first adds the 304 of a read with `If-None-Match`.
macro_rules! answers {
    ($(#[$meta:meta])* $name:ident { not_modified, $($status:literal => $response:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(IntoResponses)]
        pub enum $name {
            #[response(status = 304, description = "Not modified since the `If-None-Match` tag")]
            NotModified,
            $(
                #[response(status = $status)]
                $response(#[ref_response] $response),
            )+
        }
    };
    ($(#[$meta:meta])* $name:ident { $($status:literal => $response:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(IntoResponses)]
        pub enum $name {
            $(
                #[response(status = $status)]
                $response(#[ref_response] $response),
            )+
        }
    };
}

answers!(
    /// The answers besides 200 that every list endpoint can give.
    ListErrors { not_modified, 400 => BadRequest, 503 => Unavailable }
);

answers!(
    /// The answers besides 200 that every read of one resource by its key can give.
    ReadErrors { not_modified, 400 => BadRequest, 404 => NotFound, 503 => Unavailable }
);

answers!(
    /// The answers besides 200 of a public read that shows more to some callers with a token.
    PersonalisedReadErrors {
        not_modified,
        400 => BadRequest,
        401 => Unauthorized,
        404 => NotFound,
        503 => Unavailable,
    }
);

answers!(
    /// The answers besides 200 of a list that needs a token.
    ProtectedListErrors {
        not_modified,
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        503 => Unavailable,
    }
);

answers!(
    /// The answers besides 200 of a read that needs a token.
    ProtectedReadErrors {
        not_modified,
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        503 => Unavailable,
    }
);

answers!(
    /// The answers besides 201 of a create that needs a token.
    ProtectedWriteErrors {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        409 => Conflict,
        413 => PayloadTooLarge,
        422 => Unprocessable,
        503 => Unavailable,
    }
);

answers!(
    /// The answers besides 200 of a `PATCH` of one resource.
    ProtectedUpdateErrors {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        409 => Conflict,
        412 => PreconditionFailed,
        413 => PayloadTooLarge,
        422 => Unprocessable,
        503 => Unavailable,
    }
);

answers!(
    /// The answers besides 200 of an action (`POST /…/{id}/verb`) on one resource.
    ProtectedActionErrors {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        409 => Conflict,
        503 => Unavailable,
    }
);

answers!(
    /// The answers besides 201 of an expression of interest.
    EnrolErrors {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        409 => Conflict,
        413 => PayloadTooLarge,
        422 => NotEligible,
        429 => TooManyRequests,
        503 => Unavailable,
    }
);

answers!(
    /// The answers besides 200 of a file upload that needs a token.
    ProtectedUploadErrors {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        413 => CsvTooLarge,
        422 => Unprocessable,
        503 => Unavailable,
    }
);

answers!(
    /// The answers besides 200 of a change to the caller's own account.
    ProtectedSelfUpdateErrors {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        413 => PayloadTooLarge,
        422 => Unprocessable,
        503 => Unavailable,
    }
);
