//! The caller as an extractor: `Caller` from the `Authorization: Bearer …` header (401
//! without a valid token), `MaybeCaller` for operations anyone may call.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::auth::caller::identify;
use crate::auth::{Auth, Caller, MaybeCaller};
use crate::db::DbPool;
use crate::error::ApiError;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(request);
        let auth = request.app_data::<web::Data<Auth>>().cloned();
        let pool = request.app_data::<web::Data<DbPool>>().cloned();
        Box::pin(async move {
            let (Some(auth), Some(pool)) = (auth, pool) else {
                return Err(ApiError::internal("authentication is not configured"));
            };
            identify(&auth, &pool, &token?).await
        })
    }
}

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if request.headers().contains_key(header::AUTHORIZATION) {
            let caller = Caller::from_request(request, payload);
            Box::pin(async move { caller.await.map(|caller| Self(Some(caller))) })
        } else {
            Box::pin(async { Ok(Self(None)) })
        }
    }
}

/// The token of an `Authorization: Bearer …` header (scheme in any case, RFC 7235).
fn bearer_token(request: &HttpRequest) -> Result<String, ApiError> {
    let missing = || {
        ApiError::Unauthorized(
            "This needs an access token in `Authorization: Bearer …`: sign in at POST /api/v1/auth/login."
                .into(),
        )
    };
    let value = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(missing()),
    }
}
