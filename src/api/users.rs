//! `/users`: accounts, for national admins (everyone) and hub managers (the leads of their
//! own hub). Role, hub and the other attachments are for admins alone to set; a field a
//! caller may not set is refused with 403, never silently dropped.

use actix_web::http::header::HeaderValue;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::accounts::{Attachments, resolve_hub, resolve_school, resolve_tsh};
use crate::api::refs::{HubRef, SchoolRef, TeachingSchoolHubRef};
use crate::auth::account_tokens::{INVITATION_LIFETIME, expiry_after};
use crate::auth::policy::{AccountTarget, Refusal, may_create_accounts, visible_accounts};
use crate::auth::{Action, Auth, Caller, authorize};
use crate::db::account_tokens::{self, NewLink, Purpose};
use crate::db::users::{self as queries, AccountFields, AccountFilter, AccountRow, AccountScope};
use crate::db::{DbPool, audit};
use crate::domain::{Email, LondonTime, NewPassword, NonBlank, Role, RoleInSchool, Slug, Urn};
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, NoQueryParameters, Page};
use crate::http::middleware::etag::require_current;
use crate::http::parse::{named_hub, parse_path, uuid};
use crate::http::write::{Answer, Write};

const TAG: &str = "Users";

/// An account.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: uuid::Uuid,
    #[schema(example = "lead.lcw@demo.mathshub.invalid")]
    pub email: String,
    #[schema(example = "Demo Lead (LCW)")]
    pub name: String,
    pub role: Role,
    /// The hub of a hub manager or lead.
    pub hub: Option<HubRef>,
    /// A participant's school.
    pub school: Option<SchoolRef>,
    /// A participant's role in their school.
    pub role_in_school: Option<RoleInSchool>,
    /// A partner's Teaching School Hub.
    pub teaching_school_hub: Option<TeachingSchoolHubRef>,
    pub disabled: bool,
    pub disabled_at: Option<LondonTime>,
    /// When the person's data was erased (`POST /api/v1/users/{id}/erase`): the account is
    /// a disabled tombstone, which nothing changes again.
    pub erased_at: Option<LondonTime>,
    pub created_at: LondonTime,
    pub updated_at: LondonTime,
}

impl From<AccountRow> for User {
    fn from(row: AccountRow) -> Self {
        let pair = |a: Option<String>, b: Option<String>| a.zip(b);
        Self {
            id: row.id,
            email: row.email,
            name: row.name,
            role: row.role,
            hub: pair(row.hub_slug, row.hub_name).map(|(slug, name)| HubRef { slug, name }),
            school: pair(row.school_urn, row.school_name)
                .map(|(urn, name)| SchoolRef { urn, name }),
            role_in_school: row.role_in_school,
            teaching_school_hub: pair(row.teaching_school_hub_slug, row.teaching_school_hub_name)
                .map(|(slug, name)| TeachingSchoolHubRef { slug, name }),
            disabled: row.disabled_at.is_some(),
            disabled_at: row.disabled_at.map(LondonTime),
            erased_at: row.erased_at.map(LondonTime),
            created_at: LondonTime(row.created_at),
            updated_at: LondonTime(row.updated_at),
        }
    }
}

/// A new account. Which attachments are needed follows the role: `hub` for hub managers
/// and leads, `school_urn` and `role_in_school` for participants, `teaching_school_hub` for
/// partners, none for admins.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "new.lead@school.example", "name": "A. Lead", "role": "lead", "hub": "london-central-and-west"}))]
pub struct NewUser {
    #[schema(inline)]
    pub email: Email,
    #[schema(inline)]
    pub name: NonBlank,
    pub role: Role,
    /// Hub slug (hub managers and leads). Hub managers may leave it out: their own hub.
    #[schema(inline)]
    pub hub: Option<Slug>,
    /// School URN (participants).
    #[schema(inline)]
    pub school_urn: Option<Urn>,
    /// Role in school (participants).
    pub role_in_school: Option<RoleInSchool>,
    /// Teaching School Hub slug (partners).
    #[schema(inline)]
    pub teaching_school_hub: Option<Slug>,
    /// 12 to 128 characters. Leave it out to invite the person instead: they get an email
    /// with a link that lets them choose their own (`POST /api/v1/auth/set-password`).
    #[schema(inline)]
    pub password: Option<NewPassword>,
}

/// `NewUser` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "NewUser", deny_unknown_fields)]
pub struct NewUserForm {
    email: String,
    name: String,
    role: Role,
    hub: Option<String>,
    school_urn: Option<String>,
    role_in_school: Option<RoleInSchool>,
    teaching_school_hub: Option<String>,
    password: Option<String>,
}

impl NewUserForm {
    /// The new account as a change that sets every field sent.
    fn into_changes(self) -> UserChangesForm {
        UserChangesForm {
            email: Some(self.email),
            name: Some(self.name),
            disabled: None,
            password: self.password,
            role: Some(self.role),
            hub: self.hub,
            school_urn: self.school_urn,
            role_in_school: self.role_in_school,
            teaching_school_hub: self.teaching_school_hub,
        }
    }
}

impl TryFrom<NewUserForm> for NewUser {
    type Error = ApiError;

    fn try_from(form: NewUserForm) -> Result<Self, ApiError> {
        let role = form.role;
        let mut errors = FieldErrors::default();
        let changes = UserChanges::parse(form.into_changes(), &mut errors);
        errors.finish(|| {
            Some(Self {
                email: changes.email?,
                name: changes.name?,
                role,
                hub: changes.hub,
                school_urn: changes.school_urn,
                role_in_school: changes.role_in_school,
                teaching_school_hub: changes.teaching_school_hub,
                password: changes.password,
            })
        })
    }
}

/// A created account, and when the invitation it was sent expires if it was created without
/// a password.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: User,
    /// The invitation's link works once until then. Once it has expired, the person asks for
    /// a password reset (`POST /api/v1/auth/password-reset`), which works for them as for
    /// anyone.
    pub invitation_expires_at: Option<LondonTime>,
}

/// Changes to an account; what is left out stays. Role, hub, school, role in school and
/// Teaching School Hub are for national admins only.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "A. Lead", "disabled": true}))]
pub struct UserChanges {
    #[schema(inline)]
    pub email: Option<Email>,
    #[schema(inline)]
    pub name: Option<NonBlank>,
    /// Disable (true) or enable (false) the account. A disabled account's tokens stop
    /// working at once.
    pub disabled: Option<bool>,
    /// A new password (12 to 128 characters); it ends the account's sessions.
    #[schema(inline)]
    pub password: Option<NewPassword>,
    pub role: Option<Role>,
    #[schema(inline)]
    pub hub: Option<Slug>,
    #[schema(inline)]
    pub school_urn: Option<Urn>,
    pub role_in_school: Option<RoleInSchool>,
    #[schema(inline)]
    pub teaching_school_hub: Option<Slug>,
}

/// `UserChanges` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "UserChanges", deny_unknown_fields)]
pub struct UserChangesForm {
    email: Option<String>,
    name: Option<String>,
    disabled: Option<bool>,
    password: Option<String>,
    role: Option<Role>,
    hub: Option<String>,
    school_urn: Option<String>,
    role_in_school: Option<RoleInSchool>,
    teaching_school_hub: Option<String>,
}

impl UserChangesForm {
    /// The access fields sent, by name: only admins may send any of them.
    fn access_fields(&self) -> Vec<&'static str> {
        [
            ("role", self.role.is_some()),
            ("hub", self.hub.is_some()),
            ("school_urn", self.school_urn.is_some()),
            ("role_in_school", self.role_in_school.is_some()),
            ("teaching_school_hub", self.teaching_school_hub.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, sent)| sent.then_some(name))
        .collect()
    }

    /// The names of the fields sent (never their values: one may be a password).
    fn sent_names(&self) -> Vec<&'static str> {
        let mut names = self.access_fields();
        for (name, sent) in [
            ("email", self.email.is_some()),
            ("name", self.name.is_some()),
            ("disabled", self.disabled.is_some()),
            ("password", self.password.is_some()),
        ] {
            if sent {
                names.push(name);
            }
        }
        names
    }
}

impl TryFrom<UserChangesForm> for UserChanges {
    type Error = ApiError;

    fn try_from(form: UserChangesForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let changes = Self::parse(form, &mut errors);
        errors.finish(|| Some(changes))
    }
}

impl UserChanges {
    /// Parses the fields sent, recording each refused one in `errors`.
    fn parse(form: UserChangesForm, errors: &mut FieldErrors) -> Self {
        let email = errors.parse("email", form.email, Email::parse);
        let name = errors.parse("name", form.name, NonBlank::parse);
        let password = errors.parse("password", form.password, NewPassword::parse);
        let hub = errors.parse("hub", form.hub, Slug::parse);
        let school_urn = errors.parse("school_urn", form.school_urn, Urn::parse);
        let teaching_school_hub =
            errors.parse("teaching_school_hub", form.teaching_school_hub, Slug::parse);
        Self {
            email,
            name,
            disabled: form.disabled,
            password,
            role: form.role,
            hub,
            school_urn,
            role_in_school: form.role_in_school,
            teaching_school_hub,
        }
    }
}

/// Filters of `GET /users`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    #[param(value_type = Option<Role>)]
    role: Option<String>,
    /// Hub slug.
    #[param(value_type = Option<String>, example = "london-central-and-west")]
    hub: Option<String>,
    /// Part of the name or email, any case.
    q: Option<String>,
    /// `true` for disabled accounts only, `false` for enabled ones.
    #[param(value_type = Option<bool>)]
    disabled: Option<String>,
}

impl Filters for AccountFilter {
    type Raw = UserQuery;

    fn parse(raw: UserQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            role: errors.parse("role", raw.role, Role::parse),
            hub: errors.parse("hub", raw.hub, Slug::parse),
            q: errors.parse("q", raw.q, crate::http::parse::non_empty),
            disabled: errors.parse("disabled", raw.disabled, crate::http::parse::boolean),
        })
    }
}

/// The query string of the list below: its filters, page size and cursor.
type AccountList = ListQuery<AccountFilter, (String, uuid::Uuid)>;

/// List users
///
/// Accounts in email order. National admins see every account; hub managers see the leads
/// of their own hub (filters narrow that further).
#[utoipa::path(
    tag = TAG,
    params(AccountList),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of users", body = Page<User>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ProtectedListErrors,
    )
)]
#[get("/users")]
pub async fn list_users(
    caller: Caller,
    request: HttpRequest,
    query: Deferred<AccountList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let scope = visible_accounts(&caller).map_err(|refusal| refusal.into_error("Users"))?;
    let query = query.take()?;
    query
        .respond(
            &request,
            &pool,
            async |conn, filters, after, count| {
                queries::list(conn, scope, filters, after, count).await
            },
            |user: &User| (user.email.to_lowercase(), user.id),
        )
        .await
}

/// Get a user
///
/// One account. Hub managers may read the leads of their own hub; any other account
/// answers 404 to them.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The user's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = User, headers(("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    caller: Caller,
    path: web::Path<String>,
    query: Deferred<NoQueryParameters>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<User>, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    let row = find_managed(&mut conn, &caller, id, false).await?;
    query.take()?;
    Ok(web::Json(row.into()))
}

/// The account `id`, if the caller may manage it; 404 otherwise.
async fn find_managed(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
    for_update: bool,
) -> Result<AccountRow, ApiError> {
    let what = format!("User {id}");
    let row = queries::find(conn, AccountScope::Everyone, id, for_update)
        .await?
        .ok_or_else(|| ApiError::not_found(&what))?;
    authorize(caller, &Action::ManageAccount(&target(&row)))
        .map_err(|refusal| refusal.into_error(&what))?;
    Ok(row)
}

fn target(row: &AccountRow) -> AccountTarget {
    AccountTarget {
        id: row.id,
        role: row.role,
        hub_id: row.hub_id,
    }
}

/// Create a user
///
/// Creates an account. National admins create any role; hub managers create leads of their
/// own hub (`hub` left out or their own). Without a `password`, the person is invited: an
/// email with a link to choose their own password, working once for seven days (its expiry
/// is in `invitation_expires_at`). Until they do, the account cannot sign in.
#[utoipa::path(
    tag = TAG,
    request_body = NewUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CreatedUser,
         headers(("Location" = String, description = "The new user's URL"))),
        crate::http::problems::ProtectedWriteErrors,
    )
)]
#[post("/users")]
pub async fn create_user(
    caller: Caller,
    write: Write<NewUserForm>,
    auth: web::Data<Auth>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| {
                may_create_accounts(&caller).map_err(|refusal| refusal.into_error("User"))?;
                may_create(conn, &caller, &write.body()?).await
            },
            async |conn, (), form| {
                let body = NewUser::try_from(form)?;
                let hub = match (body.hub, caller.role) {
                    (None, Role::HubManager) => Some(HubChoice::Own),
                    (Some(slug), _) => Some(HubChoice::Slug(slug)),
                    (None, _) => None,
                };
                let hub_id = hub_id(conn, &caller, hub).await?;
                let attachments = Attachments::of_new_account(
                    conn,
                    body.role,
                    hub_id,
                    body.school_urn.as_ref(),
                    body.role_in_school,
                    body.teaching_school_hub.as_ref(),
                )
                .await?;
                let fields = attachments.into_fields(
                    body.email.as_str().to_owned(),
                    body.name.into_inner(),
                    body.role,
                    None,
                );
                let (id, invitation_expires_at) =
                    insert_account(conn, &caller, &auth, &fields, body.password.as_ref()).await?;
                let user = User::from(account(conn, id).await?);
                let created = CreatedUser {
                    user,
                    invitation_expires_at: invitation_expires_at.map(LondonTime),
                };
                Answer::created(format!("/api/v1/users/{id}"), &created)
            },
        )
        .await
}

/// Whether `caller` may create an account of the role `body` names, attached to the hub it
/// names (by default, for a hub manager, their own).
async fn may_create(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    body: &NewUserForm,
) -> Result<(), ApiError> {
    let hub_id = match (&body.hub, caller.role) {
        (None, Role::HubManager) => caller.hub_id,
        (Some(slug), _) => Some(named_hub(conn, slug).await?),
        (None, _) => None,
    };
    let action = Action::CreateAccount {
        role: body.role,
        hub_id,
    };
    authorize(caller, &action).map_err(|refusal| refusal.into_error("User"))
}

/// The id of the hub chosen for a new account.
async fn hub_id(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    hub: Option<HubChoice>,
) -> Result<Option<uuid::Uuid>, ApiError> {
    Ok(match hub {
        Some(HubChoice::Own) => caller.hub_id,
        Some(HubChoice::Slug(slug)) => Some(resolve_hub(conn, &slug).await?),
        None => None,
    })
}

/// Inserts the account with the password `chosen`, or none and an invitation to choose one,
/// audited as `caller`'s; its id, and when the invitation expires.
async fn insert_account(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    auth: &Auth,
    fields: &AccountFields,
    chosen: Option<&NewPassword>,
) -> Result<(uuid::Uuid, Option<DateTime<Utc>>), ApiError> {
    let password_hash = match chosen {
        // Hashing runs off the async workers.
        Some(password) => Some(auth.passwords.hash(password.expose().to_owned()).await?),
        None => None,
    };
    let id = queries::insert(conn, fields, password_hash.as_deref()).await?;
    let details = serde_json::json!({"role": fields.role, "email": fields.email});
    audit::record(
        conn,
        Some(caller.id),
        "user.created",
        "user",
        &id.to_string(),
        details,
    )
    .await?;
    let invitation_expires_at = match chosen {
        Some(_) => None,
        None => Some(invite(conn, auth, &fields.email).await?),
    };
    Ok((id, invitation_expires_at))
}

/// Sends the account with `email` an invitation: a link that sets its password; when the
/// link expires.
async fn invite(
    conn: &mut diesel_async::AsyncPgConnection,
    auth: &Auth,
    email: &str,
) -> Result<DateTime<Utc>, ApiError> {
    let (id, token_hash) = auth.account_tokens.issue();
    let expires_at = expiry_after(INVITATION_LIFETIME)?;
    let link = NewLink {
        id,
        token_hash: &token_hash,
        purpose: Purpose::Invitation,
        expires_at,
    };
    account_tokens::issue(conn, email, &link).await?;
    Ok(expires_at)
}

/// The account `id`, as it is now.
async fn account(
    conn: &mut diesel_async::AsyncPgConnection,
    id: uuid::Uuid,
) -> Result<AccountRow, ApiError> {
    queries::find(conn, AccountScope::Everyone, id, false)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("User {id}")))
}

enum HubChoice {
    Own,
    Slug(Slug),
}

/// Update a user
///
/// Changes an account; fields left out stay as they are. National admins change anything
/// (a new role needs the attachments it requires). Hub managers change the name, email,
/// password and disabled state of the leads of their own hub; sending `role`, `hub`,
/// `school_urn`, `role_in_school` or `teaching_school_hub` is refused with 403. Disabling,
/// a new role or hub, or a new password ends the account's access at once. Send the
/// `ETag` of your copy in `If-Match` to refuse the change (412) if someone changed it since.
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The user's id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on"),
    ),
    request_body = UserChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed user", body = User),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    caller: Caller,
    path: web::Path<String>,
    write: Write<UserChangesForm>,
    auth: web::Data<Auth>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| {
                let current = find_managed(conn, &caller, id, true).await?;
                may_change_access(&caller, &current, &write.body()?.access_fields())?;
                Ok(current)
            },
            async |conn, current, form| {
                let details = serde_json::json!({"fields": form.sent_names()});
                let changes = UserChanges::try_from(form)?;
                require_changeable(&caller, &current, &changes, write.if_match()?)?;
                let fields = changed_fields(conn, &current, &changes).await?;
                // Hashing runs off the async workers; the account stays locked meanwhile.
                let password_hash = match &changes.password {
                    Some(password) => {
                        Some(auth.passwords.hash(password.expose().to_owned()).await?)
                    }
                    None => None,
                };
                let hash = password_hash.as_deref();
                save_account(
                    conn,
                    &caller,
                    &current,
                    &fields,
                    hash,
                    "user.updated",
                    details,
                )
                .await?;
                Answer::ok(&User::from(account(conn, id).await?))
            },
        )
        .await
}

/// Whether `caller` may change the access fields sent (`access_fields`, by name) of the
/// account `current`: a refusal names them.
fn may_change_access(
    caller: &Caller,
    current: &AccountRow,
    access_fields: &[&str],
) -> Result<(), ApiError> {
    if access_fields.is_empty() {
        return Ok(());
    }
    authorize(caller, &Action::ChangeAccess(&target(current))).map_err(|refusal| match refusal {
        Refusal::Forbidden(reason) => ApiError::Forbidden(format!(
            "{reason} Not allowed here: {}.",
            access_fields.join(", ")
        )),
        hidden => hidden.into_error(format!("User {}", current.id)),
    })
}

/// Whether the account `current` may take `changes`: 412 when `if_match` is sent and names
/// another version of it; 409 when `caller` would disable their own account or change their
/// own role, so that an admin never locks themselves out.
fn require_changeable(
    caller: &Caller,
    current: &AccountRow,
    changes: &UserChanges,
    if_match: Option<&HeaderValue>,
) -> Result<(), ApiError> {
    if let Some(if_match) = if_match {
        let what = format_args!("User {}", current.id);
        require_current(if_match, &User::from(current.clone()), what)?;
    }
    if current.erased_at.is_some() {
        return Err(ApiError::Conflict(format!(
            "User {} was erased: an erased account is never changed again.",
            current.id
        )));
    }
    let own_access_changes = current.id == caller.id
        && (changes.role.is_some_and(|role| role != current.role)
            || changes.disabled == Some(true));
    if own_access_changes {
        return Err(ApiError::Conflict(
            "You cannot disable your own account or change your own role: ask another admin."
                .into(),
        ));
    }
    Ok(())
}

/// Writes the account's new fields and its new password (if one was set), audited as
/// `caller`'s `action` with `details`.
pub(crate) async fn save_account(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    current: &AccountRow,
    fields: &AccountFields,
    password_hash: Option<&str>,
    action: &str,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    queries::update(conn, current, fields).await?;
    if let Some(password_hash) = password_hash {
        queries::set_password(conn, current.id, password_hash).await?;
    }
    let id = current.id.to_string();
    audit::record(conn, Some(caller.id), action, "user", &id, details).await?;
    Ok(())
}

/// The account's fields after `changes`: attachments sent replace the stored ones, stored
/// ones the (new) role has no use for are dropped, and the result must fit the role.
async fn changed_fields(
    conn: &mut diesel_async::AsyncPgConnection,
    current: &AccountRow,
    changes: &UserChanges,
) -> Result<AccountFields, ApiError> {
    let role = changes.role.unwrap_or(current.role);
    let hub_role = matches!(role, Role::HubManager | Role::Lead);
    let attachments = Attachments {
        hub_id: match &changes.hub {
            Some(slug) => Some(resolve_hub(conn, slug).await?),
            None => current.hub_id.filter(|_| hub_role),
        },
        school_urn: match &changes.school_urn {
            Some(urn) => Some(resolve_school(conn, urn).await?),
            None => current
                .school_urn
                .clone()
                .filter(|_| role == Role::Participant),
        },
        role_in_school: changes
            .role_in_school
            .or(current.role_in_school.filter(|_| role == Role::Participant)),
        teaching_school_hub_id: match &changes.teaching_school_hub {
            Some(slug) => Some(resolve_tsh(conn, slug).await?),
            None => current
                .teaching_school_hub_id
                .filter(|_| role == Role::Partner),
        },
    };
    attachments.check_fit(role)?;
    let disabled_at = match changes.disabled {
        Some(true) => current.disabled_at.or_else(|| Some(chrono::Utc::now())),
        Some(false) => None,
        None => current.disabled_at,
    };
    Ok(attachments.into_fields(
        changes
            .email
            .as_ref()
            .map_or_else(|| current.email.clone(), |email| email.as_str().to_owned()),
        changes
            .name
            .as_ref()
            .map_or_else(|| current.name.clone(), |name| name.as_str().to_owned()),
        role,
        disabled_at,
    ))
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user);
}
