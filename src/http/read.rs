//! Reading one resource by its key: its row as its view, or 404 naming what was asked for.
//! (The answer's `ETag` is added around every read by `http::middleware::etag`.)

use std::fmt::Display;

use actix_web::web;
use diesel_async::AsyncPgConnection;

use crate::db::DbPool;
use crate::error::ApiError;

/// The answer to a get-one anyone may make: the resource `find` loads by `key` on a
/// connection of `pool`, as `View` (see `found`).
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
    found(&mut conn, what, key, find).await.map(web::Json)
}

/// The resource `find` loads by `key`, as `View`; 404 `"{what} {key}"` when there is none.
pub async fn found<K, Row, View>(
    conn: &mut AsyncPgConnection,
    what: &str,
    key: &K,
    find: impl AsyncFnOnce(&mut AsyncPgConnection, &K) -> diesel::QueryResult<Option<Row>>,
) -> Result<View, ApiError>
where
    K: Display,
    View: From<Row>,
{
    find(conn, key)
        .await?
        .map(View::from)
        .ok_or_else(|| ApiError::not_found(format!("{what} {key}")))
}
