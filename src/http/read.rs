//! Reading one resource by its key, for a get-one that anyone may make: its row as its view,
//! or 404 naming what was asked for. (The answer's `ETag` is added around every read by
//! `http::middleware::etag`.)

use std::fmt::Display;

use actix_web::web;
use diesel_async::AsyncPgConnection;

use crate::db::DbPool;
use crate::error::ApiError;

/// The resource `find` loads by `key`, as `View`; 404 `"{what} {key}"` when there is none.
pub async fn by_key<K, Row, View>(
    pool: &DbPool,
    what: &str,
    key: &K,
    find: impl AsyncFnOnce(&mut AsyncPgConnection, &K) -> diesel::QueryResult<Option<Row>>,
) -> Result<web::Json<View>, ApiError>
where
    K: Display,
    View: From<Row>,
{
    let mut conn = pool.get().await?;
    let row = find(&mut conn, key)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("{what} {key}")))?;
    Ok(web::Json(row.into()))
}
