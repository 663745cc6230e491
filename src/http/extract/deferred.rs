//! The query string of a protected operation, refused only once the caller's rights are
//! known: `Deferred` keeps the verdict of the extractor it wraps for the handler to take
//! after authorising, so a caller without the right gets the same refusal whatever the query
//! holds. (Bodies and headers of writes are kept the same way by `http::write::Write`.)

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::error::ApiError;

/// `E`, or why the request did not hold one, for the handler to take.
#[derive(Debug)]
pub struct Deferred<E>(Result<E, ApiError>);

impl<E> Deferred<E> {
    /// `E`, or its refusal (400 naming each bad parameter).
    pub fn take(self) -> Result<E, ApiError> {
        self.0
    }
}

impl<E> FromRequest for Deferred<E>
where
    E: FromRequest<Error = ApiError, Future = Ready<Result<E, ApiError>>>,
{
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Ok(Self(E::from_request(request, payload).into_inner())))
    }
}
