//! `jsonb` columns read straight into typed values (nested lists the database aggregates),
//! without an intermediate `serde_json::Value` tree.

use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::Jsonb;
use serde::de::DeserializeOwned;

/// A `jsonb` value deserialised into `T`.
#[derive(Debug, FromSqlRow)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + std::fmt::Debug> FromSql<Jsonb, Pg> for Json<T> {
    fn from_sql(value: PgValue<'_>) -> diesel::deserialize::Result<Self> {
        // jsonb's binary form is a version byte (1) followed by the JSON text.
        match value.as_bytes() {
            [1, text @ ..] => Ok(Json(serde_json::from_slice(text)?)),
            _ => Err("unsupported jsonb version".into()),
        }
    }
}
