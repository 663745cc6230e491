//! Every write is judged in one order, whatever its resource:
//!
//! 1. who calls: the `Caller` extractor (401);
//! 2. whether they may: the operation's `authorise` step (403, or 404 for what the caller may
//!    not know exists), which loads and locks what it needs to decide, and reads the body
//!    only when the right depends on what the body names;
//! 3. whether the body is what the operation takes at all (a JSON object of its fields, a CSV
//!    file): 400, or 413 when it is too long;
//! 4. for a `POST` with an `Idempotency-Key` (`http::middleware::idempotency`): the first answer
//!    replayed, 400 for a malformed key, 422 when the key stood for another request, 409
//!    while that request runs;
//! 5. the request's values and what is stored: the operation's `act` step (400, 409, 412,
//!    422).
//!
//! The `Write` extractor reads the body and the headers these steps need but reports on none
//! of them until a step asks, so a caller without the right gets the same refusal whatever
//! they sent. Both steps, the key and its answer share one transaction: the answer is
//! rendered inside it, so a retry after any crash finds the change and its answer, or neither.

use std::future::Future;
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::Caller;
use crate::db::idempotency_keys::StoredAnswer;
use crate::error::ApiError;
use crate::http::middleware::idempotency::{self, Judged, SentKey};
use crate::http::middleware::json_bodies::{self, MAX_JSON_BYTES, Unread};

/// A write request as sent: its body, `If-Match` and `Idempotency-Key`, each judged only when
/// the operation asks, after its rights. `T` is what the body is read as: a JSON object of
/// its fields, `Csv` for a file, or `NoBody`.
pub struct Write<T = NoBody> {
    /// As read, kept until the operation asks for it.
    body: Result<Bytes, Unread>,
    media_type: Option<String>,
    if_match: Option<HeaderValue>,
    key: Option<SentKey>,
    body_type: PhantomData<fn() -> T>,
}

/// What a write's body is read as.
pub trait Body: Sized {
    /// The most bytes read; a longer body answers 413.
    const LIMIT: usize;

    /// 413 for a body over `LIMIT`.
    fn too_large(limit: usize) -> ApiError;

    /// The body sent as `media_type`, or 400 naming `body`.
    fn parse(media_type: Option<&str>, bytes: &Bytes) -> Result<Self, ApiError>;
}

impl<T: DeserializeOwned> Body for T {
    const LIMIT: usize = MAX_JSON_BYTES;

    fn too_large(limit: usize) -> ApiError {
        json_bodies::too_large(limit)
    }

    fn parse(media_type: Option<&str>, bytes: &Bytes) -> Result<Self, ApiError> {
        json_bodies::parse(media_type, bytes)
    }
}

/// Largest CSV file `POST /schools/import` accepts (a whole national GIAS extract, all its
/// columns included, is about 60 MiB); larger ones answer 413. The OpenAPI document says
/// 128 MiB: keep the two together.
pub const MAX_CSV_BYTES: usize = 128 * 1024 * 1024;

/// A CSV file, as sent (`text/csv`, at most `MAX_CSV_BYTES`).
pub struct Csv(pub Bytes);

impl Body for Csv {
    const LIMIT: usize = MAX_CSV_BYTES;

    fn too_large(limit: usize) -> ApiError {
        ApiError::PayloadTooLarge(format!(
            "CSV files are limited to {limit} bytes ({} MiB).",
            limit >> 20
        ))
    }

    fn parse(media_type: Option<&str>, bytes: &Bytes) -> Result<Self, ApiError> {
        match media_type {
            Some("text/csv") => Ok(Self(bytes.clone())),
            _ => Err(ApiError::invalid("body", "must be sent as text/csv")),
        }
    }
}

/// What an operation that takes no body reads: whatever is sent is ignored (but still
/// tells one request from another under an `Idempotency-Key`).
pub struct NoBody;

impl Body for NoBody {
    const LIMIT: usize = MAX_JSON_BYTES;

    fn too_large(limit: usize) -> ApiError {
        json_bodies::too_large(limit)
    }

    fn parse(_: Option<&str>, _: &Bytes) -> Result<Self, ApiError> {
        Ok(Self)
    }
}

impl<T: Body + 'static> FromRequest for Write<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media_type = json_bodies::media_type(request);
        let if_match = request.headers().get(header::IF_MATCH).cloned();
        let key = SentKey::of(request);
        let body = json_bodies::read_body(request, payload.take(), T::LIMIT);
        Box::pin(async move {
            Ok(Self {
                body: body.await,
                media_type,
                if_match,
                key,
                body_type: PhantomData,
            })
        })
    }
}

impl<T: Body> Write<T> {
    /// The body, parsed: 400 or 413 when it is not what the operation takes.
    pub fn body(&self) -> Result<T, ApiError> {
        T::parse(self.media_type.as_deref(), self.raw_body()?)
    }

    /// The body as sent: 413 when it is longer than the operation takes.
    fn raw_body(&self) -> Result<&Bytes, ApiError> {
        self.body
            .as_ref()
            .map_err(|unread| unread.error(|| T::too_large(T::LIMIT)))
    }

    /// The `If-Match` sent, if any: 400 when it is not text of at most
    /// `etag::MAX_IF_MATCH_CHARS` characters.
    pub fn if_match(&self) -> Result<Option<&HeaderValue>, ApiError> {
        crate::http::middleware::etag::if_match(self.if_match.as_ref())
    }

    /// Runs the write in one transaction: `authorise` decides whether `caller` may make it
    /// (loading what it acts on), then the body is parsed and the `Idempotency-Key` judged,
    /// then `act` makes the change with what `authorise` loaded and the body, and renders its
    /// answer, which is recorded for the key before the transaction commits.
    pub async fn run<Target, Authorise, Act>(
        &self,
        conn: &mut AsyncPgConnection,
        caller: &Caller,
        authorise: Authorise,
        act: Act,
    ) -> Result<HttpResponse, ApiError>
    where
        Target: Send,
        T: Send,
        for<'r> Authorise: AsyncFnOnce(&'r mut AsyncPgConnection) -> Result<Target, ApiError>
            + Step<&'r mut AsyncPgConnection, Result<Target, ApiError>, Fut: Send>
            + Send,
        for<'r> Act: AsyncFnOnce(&'r mut AsyncPgConnection, Target, T) -> Result<Answer, ApiError>
            + StepWith<&'r mut AsyncPgConnection, Target, T, Result<Answer, ApiError>, Fut: Send>
            + Send,
    {
        let outcome = conn
            .transaction::<_, ApiError, _>(async move |conn| {
                // The key is looked up first, so that its round trip is not one more of the
                // write's, but judged only after the rights and the body: what it holds
                // changes no earlier answer.
                let judged = match (&self.key, self.raw_body()) {
                    (Some(sent), Ok(raw)) => Some(sent.judge(conn, caller, raw).await),
                    _ => None,
                };
                let target = authorise(conn).await?;
                let body = self.body()?;
                // `None` only when no key was sent: a body the key could not be looked up
                // for has been refused by `body` above.
                let Some(judged) = judged else {
                    return Ok(Outcome::Answered(act(conn, target, body).await?));
                };
                let held = match judged? {
                    Judged::Run(held) => held,
                    Judged::Replay(answer) => return Ok(Outcome::Replayed(answer)),
                    Judged::InFlight => return Ok(Outcome::InFlight),
                };
                let answer = act(conn, target, body).await?;
                held.record(conn, &answer.stored()).await?;
                Ok(Outcome::Answered(answer))
            })
            .await?;
        Ok(match outcome {
            Outcome::Answered(answer) => answer.into_response(),
            Outcome::Replayed(answer) => idempotency::replay(answer),
            Outcome::InFlight => idempotency::in_flight(),
        })
    }
}

/// How a write ended, before it becomes an HTTP answer (outside the transaction).
enum Outcome {
    Answered(Answer),
    Replayed(StoredAnswer),
    InFlight,
}

/// What a write answers: rendered inside its transaction, so that the answer an
/// `Idempotency-Key` keeps is the one sent.
#[derive(Debug)]
pub struct Answer {
    status: StatusCode,
    location: Option<String>,
    /// JSON, or nothing (204).
    body: Option<Bytes>,
}

impl Answer {
    /// 201 with the new resource at `location`.
    pub fn created(location: impl Into<String>, view: &impl Serialize) -> Result<Self, ApiError> {
        Ok(Self {
            status: StatusCode::CREATED,
            location: Some(location.into()),
            body: Some(json(view)?),
        })
    }

    /// 200 with the resource as changed (or the action's result).
    pub fn ok(view: &impl Serialize) -> Result<Self, ApiError> {
        Ok(Self {
            status: StatusCode::OK,
            location: None,
            body: Some(json(view)?),
        })
    }

    /// 204: done, nothing to show.
    pub fn no_content() -> Result<Self, ApiError> {
        Ok(Self {
            status: StatusCode::NO_CONTENT,
            location: None,
            body: None,
        })
    }

    fn stored(&self) -> StoredAnswer {
        StoredAnswer {
            status: self.status.as_u16(),
            headers: self
                .location
                .iter()
                .map(|location| (header::LOCATION.to_string(), location.clone()))
                .collect(),
            body: self.body.as_deref().unwrap_or_default().to_vec(),
        }
    }

    fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(location) = self.location {
            response.insert_header((header::LOCATION, location));
        }
        match self.body {
            Some(body) => response.content_type("application/json").body(body),
            None => response.finish(),
        }
    }
}

fn json(view: &impl Serialize) -> Result<Bytes, ApiError> {
    serde_json::to_vec(view)
        .map(Bytes::from)
        .map_err(ApiError::internal)
}

/// `AsyncFnOnce(A) -> R` with its future named, so that it can be required `Send` (the work
/// of a transaction must be); `AsyncFnOnce`'s own future type cannot be named on stable Rust.
pub trait Step<A, R>: AsyncFnOnce(A) -> R + FnOnce(A) -> <Self as Step<A, R>>::Fut {
    type Fut: Future<Output = R>;
}

impl<F, A, Fut, R> Step<A, R> for F
where
    F: AsyncFnOnce(A) -> R + FnOnce(A) -> Fut,
    Fut: Future<Output = R>,
{
    type Fut = Fut;
}

/// `Step` for a closure of three arguments.
pub trait StepWith<A, B, C, R>:
    AsyncFnOnce(A, B, C) -> R + FnOnce(A, B, C) -> <Self as StepWith<A, B, C, R>>::Fut
{
    type Fut: Future<Output = R>;
}

impl<F, A, B, C, Fut, R> StepWith<A, B, C, R> for F
where
    F: AsyncFnOnce(A, B, C) -> R + FnOnce(A, B, C) -> Fut,
    Fut: Future<Output = R>,
{
    type Fut = Fut;
}
