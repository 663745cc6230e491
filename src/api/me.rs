//! `/me`: the caller's own account, and the changes a person may make to it themselves.

use actix_web::{HttpResponse, get, patch, web};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::resolve_school;
use crate::api::partners::PartnerClient;
use crate::api::users::{User, save_account};
use crate::auth::{Auth, Caller, CallerKind};
use crate::db::users::{self as queries, AccountFields, AccountRow, AccountScope};
use crate::db::{DbPool, partner_clients, refresh_tokens};
use crate::domain::{NewPassword, NonBlank, Role, RoleInSchool, Secret, Urn};
use crate::error::ApiError;
use crate::http::extract::paging::{FieldErrors, NoQueryParameters};
use crate::http::write::{Answer, Write};

const TAG: &str = "Account";

/// The caller: a person's account, or a partner integration's credentials.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Me {
    User(User),
    PartnerClient(PartnerClient),
}

/// Changes a person may make to their own account. A new password needs the current one.
/// Participants may also move school or change their role in it. Role, hub and status
/// are not fields here: only an admin changes them, through `/users`.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Alex Teacher"}))]
pub struct MyChanges {
    #[schema(inline)]
    pub name: Option<NonBlank>,
    /// 12 to 128 characters. It ends every other session of the account at once. This one
    /// stays signed in: its access token stops working, and its refresh token gets a new one
    /// (`POST /api/v1/auth/refresh`).
    #[schema(inline)]
    pub password: Option<NewPassword>,
    /// Required with `password`.
    #[schema(inline)]
    pub current_password: Option<Secret>,
    /// Participants only: the URN of their (open) school.
    #[schema(inline)]
    pub school_urn: Option<Urn>,
    /// Participants only.
    pub role_in_school: Option<RoleInSchool>,
}

/// `MyChanges` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "MyChanges", deny_unknown_fields)]
pub struct MyChangesForm {
    name: Option<String>,
    password: Option<String>,
    current_password: Option<String>,
    school_urn: Option<String>,
    role_in_school: Option<RoleInSchool>,
}

impl TryFrom<MyChangesForm> for MyChanges {
    type Error = ApiError;

    fn try_from(form: MyChangesForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.parse("name", form.name, NonBlank::parse);
        let password = errors.parse("password", form.password, NewPassword::parse);
        let school_urn = errors.parse("school_urn", form.school_urn, Urn::parse);
        let sends_current = form.current_password.is_some();
        let current_password =
            errors.parse("current_password", form.current_password, Secret::parse);
        if password.is_some() && !sends_current {
            errors.refuse("current_password", "is required to set a new password");
        }
        errors.finish(|| {
            Some(Self {
                name,
                password,
                current_password,
                school_urn,
                role_in_school: form.role_in_school,
            })
        })
    }
}

/// Who am I
///
/// The caller as the server knows them now: for a person, their account (role, hub,
/// school or Teaching School Hub); for a partner integration, its credentials.
#[utoipa::path(
    tag = TAG,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me, headers(("ETag" = String))),
        (status = 304, description = "Not modified since the `If-None-Match` tag"),
        (status = 400, response = crate::http::problems::BadRequest),
        (status = 401, response = crate::http::problems::Unauthorized),
        (status = 503, response = crate::http::problems::Unavailable),
    )
)]
#[get("/me")]
pub async fn get_me(
    caller: Caller,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Me>, ApiError> {
    let mut conn = pool.get().await?;
    let me = match caller.kind {
        CallerKind::User => queries::find(&mut conn, AccountScope::Everyone, caller.id, false)
            .await?
            .map(|row| Me::User(row.into())),
        CallerKind::PartnerClient => partner_clients::find(&mut conn, caller.id)
            .await?
            .map(|row| Me::PartnerClient(row.into())),
    };
    Ok(web::Json(me.ok_or_else(|| {
        ApiError::Unauthorized("The account no longer exists.".into())
    })?))
}

/// Update my account
///
/// Changes the caller's own name or password (with the current password; every other
/// session then ends, and this one's access token is refreshed with its refresh token), and
/// for participants their school and role in it. Fields not listed are refused (400), so
/// `role`, `hub` or `disabled` can never be set this way.
#[utoipa::path(
    tag = TAG,
    request_body = MyChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed account", body = User),
        crate::http::problems::ProtectedSelfUpdateErrors,
    )
)]
#[patch("/me")]
pub async fn update_me(
    caller: Caller,
    write: Write<MyChangesForm>,
    auth: web::Data<Auth>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| {
                has_own_account(&caller)?;
                may_change_own(&caller, &write.body()?)
            },
            async |conn, (), form| {
                let MyChanges {
                    name,
                    password,
                    current_password,
                    school_urn: school,
                    role_in_school,
                } = MyChanges::try_from(form)?;
                let new_password_hash = match (password, current_password) {
                    (Some(password), Some(current)) => {
                        let hash = replace_password(conn, &auth, caller.id, current, password);
                        let hash = hash.await?;
                        if let Some(session) = caller.session {
                            refresh_tokens::keep_through_new_password(conn, session).await?;
                        }
                        Some(hash)
                    }
                    _ => None,
                };
                let (current, fields) =
                    changed_own(conn, &caller, name, school.as_ref(), role_in_school).await?;
                let details = serde_json::json!({
                    "password": new_password_hash.is_some(), "school": fields.school_urn,
                });
                let hash = new_password_hash.as_deref();
                save_account(
                    conn,
                    &caller,
                    &current,
                    &fields,
                    hash,
                    "user.updated_own",
                    details,
                )
                .await?;
                Answer::ok(&User::from(own_account(conn, &caller, false).await?))
            },
        )
        .await
}

/// Refuses (403) partner credentials, which have no account of their own to change.
fn has_own_account(caller: &Caller) -> Result<(), ApiError> {
    if caller.kind == CallerKind::PartnerClient {
        return Err(ApiError::Forbidden(
            "Partner credentials have no account to change; admins manage them at /partners."
                .into(),
        ));
    }
    Ok(())
}

/// Refuses (403) a school or a role in one to anyone but a participant.
fn may_change_own(caller: &Caller, changes: &MyChangesForm) -> Result<(), ApiError> {
    let moves_school = changes.school_urn.is_some() || changes.role_in_school.is_some();
    if moves_school && caller.role != Role::Participant {
        return Err(ApiError::Forbidden(
            "Only participants have a school and a role in it.".into(),
        ));
    }
    Ok(())
}

/// The hash of the account's new `password`, once `current` is its password (422 otherwise).
async fn replace_password(
    conn: &mut AsyncPgConnection,
    auth: &Auth,
    id: uuid::Uuid,
    current: Secret,
    password: NewPassword,
) -> Result<String, ApiError> {
    let stored = queries::password_hash(conn, id).await?;
    if !auth.passwords.verify(current.into_inner(), stored).await? {
        return Err(ApiError::unprocessable("current_password", "is wrong"));
    }
    auth.passwords.hash(password.expose().to_owned()).await
}

/// The caller's own account, locked, and its fields with the `name` and the school and role
/// in it sent (the school must be open).
async fn changed_own(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    name: Option<NonBlank>,
    school: Option<&Urn>,
    role_in_school: Option<RoleInSchool>,
) -> Result<(AccountRow, AccountFields), ApiError> {
    let school_urn = match school {
        Some(urn) => Some(resolve_school(conn, urn).await?),
        None => None,
    };
    let current = own_account(conn, caller, true).await?;
    let mut fields = current.fields();
    if let Some(name) = name {
        fields.name = name.into_inner();
    }
    if let Some(urn) = school_urn {
        fields.school_urn = Some(urn);
    }
    if let Some(role_in_school) = role_in_school {
        fields.role_in_school = Some(role_in_school);
    }
    Ok((current, fields))
}

/// The caller's own account (locked `for_update`); 401 when it no longer exists.
async fn own_account(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    for_update: bool,
) -> Result<AccountRow, ApiError> {
    queries::find(conn, AccountScope::Everyone, caller.id, for_update)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("The account no longer exists.".into()))
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(get_me).service(update_me);
}
