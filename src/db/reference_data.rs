//! What the writes of reference data (hubs, Teaching School Hubs, local authorities) share in
//! the database: a record as a write holds it, locked.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// A record of reference data as a write sees it, locked until the transaction ends: what its
/// row is known by (an id, a code), when it was retired if it was, and what a write may change.
#[derive(Debug, Clone, Queryable)]
pub struct Locked<Id, Fields> {
    pub id: Id,
    pub retired_at: Option<DateTime<Utc>>,
    pub fields: Fields,
}
