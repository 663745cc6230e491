//! `/partners`: the credentials partner Teaching School Hubs' integrations sign in with
//! (OAuth 2.0 client credentials at `POST /auth/token`). National admins only. A secret is
//! shown once, when made or rotated, and stored as an Argon2id hash.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::refs::TeachingSchoolHubRef;
use crate::auth::secrets::random_token;
use crate::auth::{Action, Auth, Caller, authorize};
use crate::db::partner_clients::{self as queries, PartnerClientRow};
use crate::db::{DbPool, audit, lookups};
use crate::domain::{LondonTime, NonBlank, Slug};
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, NoQueryParameters, Page};
use crate::http::parse::{parse_path, uuid};
use crate::http::read;
use crate::http::write::{Answer, Write};

const TAG: &str = "Partners";

/// A partner integration's credentials (without the secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerClient {
    pub id: uuid::Uuid,
    /// Sent as `client_id` to `POST /auth/token`.
    #[schema(example = "mhp_Jx2kq9VbT0aL3sWd")]
    pub client_id: String,
    #[schema(example = "London District East signposting site")]
    pub name: String,
    pub teaching_school_hub: TeachingSchoolHubRef,
    pub created_at: LondonTime,
    pub rotated_at: Option<LondonTime>,
    /// Set once revoked: the client can no longer sign in and its tokens stopped working.
    pub revoked_at: Option<LondonTime>,
}

impl From<PartnerClientRow> for PartnerClient {
    fn from(row: PartnerClientRow) -> Self {
        Self {
            id: row.id,
            client_id: row.client_id,
            name: row.name,
            teaching_school_hub: TeachingSchoolHubRef {
                slug: row.teaching_school_hub_slug,
                name: row.teaching_school_hub_name,
            },
            created_at: LondonTime(row.created_at),
            rotated_at: row.rotated_at.map(LondonTime),
            revoked_at: row.revoked_at.map(LondonTime),
        }
    }
}

/// Credentials with their secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerClientWithSecret {
    #[serde(flatten)]
    pub client: PartnerClient,
    /// Sent as `client_secret` to `POST /auth/token`. Not shown again: store it safely.
    #[schema(example = "mhs_3Jb…")]
    pub client_secret: String,
}

#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"teaching_school_hub": "london-district-east", "name": "LDE signposting site"}))]
pub struct NewPartnerClient {
    /// The Teaching School Hub (slug) whose area the client reads.
    #[schema(inline)]
    pub teaching_school_hub: Slug,
    /// What the credentials are for, to tell them apart.
    #[schema(inline)]
    pub name: NonBlank,
}

/// `NewPartnerClient` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "NewPartnerClient", deny_unknown_fields)]
pub struct NewPartnerClientForm {
    teaching_school_hub: String,
    name: String,
}

impl TryFrom<NewPartnerClientForm> for NewPartnerClient {
    type Error = ApiError;

    fn try_from(form: NewPartnerClientForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let teaching_school_hub = errors.parse(
            "teaching_school_hub",
            Some(form.teaching_school_hub),
            Slug::parse,
        );
        let name = errors.parse("name", Some(form.name), NonBlank::parse);
        errors.finish(|| {
            Some(Self {
                teaching_school_hub: teaching_school_hub?,
                name: name?,
            })
        })
    }
}

/// Filters of `GET /partners`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PartnerQuery {
    /// Teaching School Hub slug.
    #[param(value_type = Option<String>, example = "london-district-east")]
    teaching_school_hub: Option<String>,
}

#[derive(Debug, Default)]
pub struct PartnerFilter {
    teaching_school_hub: Option<Slug>,
}

impl Filters for PartnerFilter {
    type Raw = PartnerQuery;

    fn parse(raw: PartnerQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            teaching_school_hub: errors.parse(
                "teaching_school_hub",
                raw.teaching_school_hub,
                Slug::parse,
            ),
        })
    }
}

fn new_client_id() -> String {
    format!("mhp_{}", random_token(12))
}

/// The prefix lets secret scanners recognise a leaked secret.
fn new_client_secret() -> String {
    format!("mhs_{}", random_token(32))
}

fn admin_only(caller: &Caller) -> Result<(), ApiError> {
    authorize(caller, &Action::ManagePartnerClients)
        .map_err(|refusal| refusal.into_error("Partner clients"))
}

/// Create partner credentials
///
/// Creates a client id and secret for a partner Teaching School Hub's integration. The
/// secret is in this answer only.
#[utoipa::path(
    tag = TAG,
    request_body = NewPartnerClient,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; the secret is shown this once", body = PartnerClientWithSecret,
         headers(("Location" = String, description = "The new client's URL"))),
        crate::http::problems::ProtectedWriteErrors,
    )
)]
#[post("/partners")]
pub async fn create_partner(
    caller: Caller,
    write: Write<NewPartnerClientForm>,
    auth: web::Data<Auth>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| admin_only(&caller),
            async |conn, (), form| {
                let body = NewPartnerClient::try_from(form)?;
                let (slug, name) = (body.teaching_school_hub, body.name.into_inner());
                let tsh_id = lookups::teaching_school_hub_id(conn, slug.as_str())
                    .await?
                    .ok_or_else(|| {
                        ApiError::unprocessable(
                            "teaching_school_hub",
                            format!("no Teaching School Hub has the slug {slug}"),
                        )
                    })?;
                let (client_id, secret) = (new_client_id(), new_client_secret());
                let secret_hash = auth.passwords.hash(secret.clone()).await?;
                let id = queries::insert(conn, tsh_id, &name, &client_id, &secret_hash, caller.id)
                    .await?;
                audit::record(
                    conn,
                    Some(caller.id),
                    "partner_client.created",
                    "partner_client",
                    &id.to_string(),
                    serde_json::json!({"client_id": client_id, "teaching_school_hub": slug.as_str()}),
                )
                .await?;
                let client = PartnerClient::from(found(conn, id).await?);
                Answer::created(
                    format!("/api/v1/partners/{}", client.id),
                    &PartnerClientWithSecret {
                        client,
                        client_secret: secret,
                    },
                )
            },
        )
        .await
}

/// The partner client `id`: 404 when there is none.
async fn found(
    conn: &mut diesel_async::AsyncPgConnection,
    id: uuid::Uuid,
) -> Result<PartnerClientRow, ApiError> {
    read::found(conn, "Partner client", &id, async |conn, id| {
        queries::find(conn, *id).await
    })
    .await
}

/// The query string of the list below: its filters, page size and cursor.
type PartnerList = ListQuery<PartnerFilter, uuid::Uuid>;

/// List partner credentials
///
/// Every partner client, oldest first, revoked ones included (without secrets).
#[utoipa::path(
    tag = TAG,
    params(PartnerList),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of partner clients", body = Page<PartnerClient>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ProtectedListErrors,
    )
)]
#[get("/partners")]
pub async fn list_partners(
    caller: Caller,
    request: HttpRequest,
    query: Deferred<PartnerList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    admin_only(&caller)?;
    let query = query.take()?;
    query
        .respond(
            &request,
            &pool,
            async |conn, filters, after, count| {
                let teaching_school_hub = filters.teaching_school_hub.as_ref().map(Slug::as_str);
                queries::list(conn, teaching_school_hub, after.copied(), count).await
            },
            |client: &PartnerClient| client.id,
        )
        .await
}

/// Get partner credentials
///
/// One partner client (without its secret).
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The partner client's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The partner client", body = PartnerClient, headers(("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/partners/{id}")]
pub async fn get_partner(
    caller: Caller,
    path: web::Path<String>,
    query: Deferred<NoQueryParameters>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<PartnerClient>, ApiError> {
    admin_only(&caller)?;
    let id = parse_path("id", &path, uuid)?;
    query.take()?;
    let mut conn = pool.get().await?;
    Ok(web::Json(found(&mut conn, id).await?.into()))
}

/// Rotate a partner secret
///
/// Replaces the secret of a partner client that is not revoked and returns the new one,
/// this once. The old secret stops working, and so do tokens issued with it.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The partner client's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new secret, shown this once", body = PartnerClientWithSecret),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/partners/{id}/rotate-secret")]
pub async fn rotate_partner_secret(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    auth: web::Data<Auth>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| {
                admin_only(&caller)?;
                parse_path("id", &path, uuid)
            },
            async |conn, id, _| {
                let existing = found(conn, id).await?;
                let secret = new_client_secret();
                let secret_hash = auth.passwords.hash(secret.clone()).await?;
                if !queries::rotate_secret(conn, id, &secret_hash).await? {
                    return Err(ApiError::Conflict(format!(
                        "Partner client {} is revoked; create new credentials instead.",
                        existing.client_id
                    )));
                }
                audit::record(
                    conn,
                    Some(caller.id),
                    "partner_client.rotated",
                    "partner_client",
                    &id.to_string(),
                    serde_json::json!({}),
                )
                .await?;
                Answer::ok(&PartnerClientWithSecret {
                    client: found(conn, id).await?.into(),
                    client_secret: secret,
                })
            },
        )
        .await
}

/// Revoke partner credentials
///
/// Ends a partner client for good: it can no longer get tokens, and the tokens it holds
/// stop working at once. Revoking twice changes nothing.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The partner client's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The revoked client", body = PartnerClient),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/partners/{id}/revoke")]
pub async fn revoke_partner(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| {
                admin_only(&caller)?;
                parse_path("id", &path, uuid)
            },
            async |conn, id, _| {
                found(conn, id).await?;
                queries::revoke(conn, id).await?;
                audit::record(
                    conn,
                    Some(caller.id),
                    "partner_client.revoked",
                    "partner_client",
                    &id.to_string(),
                    serde_json::json!({}),
                )
                .await?;
                Answer::ok(&PartnerClient::from(found(conn, id).await?))
            },
        )
        .await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_partner)
        .service(list_partners)
        .service(get_partner)
        .service(rotate_partner_secret)
        .service(revoke_partner);
}
