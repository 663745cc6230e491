//! The enrolment a change is made on: found, its group locked, once the caller may see it
//! and act on it. The engine's moves and the school's agreement start here.

use diesel_async::AsyncPgConnection;

use crate::api::enrolments::read::Enrolment;
use crate::auth::policy::EnrolmentScope;
use crate::auth::{Action, Caller, authorize};
use crate::db::enrolment_writes as engine;
use crate::db::work_group_writes::{self as group_writes, LockedGroup};
use crate::db::{enrolments, work_groups};
use crate::domain::scope::WorkGroupScope;
use crate::error::ApiError;

/// The enrolment as it now stands, for the answer to a change.
pub async fn view(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> Result<Enrolment, ApiError> {
    enrolments::find(conn, id)
        .await?
        .map(Enrolment::from)
        .ok_or_else(|| ApiError::not_found(format!("Enrolment {id}")))
}

/// The group of an enrolment, locked, once `caller` may see the enrolment (404 otherwise)
/// and `may_act` on it (403 otherwise, as it says).
pub async fn authorise_on_enrolment(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
    may_act: impl FnOnce(&Caller, &EnrolmentScope) -> Result<(), ApiError>,
) -> Result<LockedGroup, ApiError> {
    let what = format!("Enrolment {id}");
    let (group_id, participant_id) = engine::group_of(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(&what))?;
    // Who may act needs no lock: read beside it (pipelined).
    let (group, scope) = tokio::try_join!(
        group_writes::lock(conn, group_id),
        work_groups::scope(conn, group_id)
    )?;
    let (Some(group), Some(scope)) = (group, scope) else {
        return Err(ApiError::not_found(&what));
    };
    let scope = EnrolmentScope {
        participant_id,
        work_group: WorkGroupScope::from(scope),
    };
    authorize(caller, &Action::SeeEnrolment(&scope))
        .map_err(|refusal| refusal.into_error(&what))?;
    may_act(caller, &scope)?;
    Ok(group)
}
