//! Changing England's local authorities (national admins): adding one, correcting its name,
//! region, LA number or county, and retiring it. The kind follows from the GSS code; a
//! district's parent is a current county. An authority is retired only once nothing current
//! relies on it (a hub's cover, open schools, current districts, a Teaching School Hub's
//! area): otherwise 409 names what does, to be moved first. A retired authority no longer
//! changes and cannot be named by new covers, areas or districts.

use actix_web::{HttpResponse, patch, post, web};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::local_authorities::read::LocalAuthority;
use crate::api::reference_data::{
    Reasons, Record, Retirable, Updatable, may_change, retire, update, view,
};
use crate::auth::Caller;
use crate::db::local_authority_writes::{self as writes, LocalAuthorityFields, LockedAuthority};
use crate::db::{DbPool, local_authorities, lookups};
use crate::domain::{GssCode, LaKind, LaNumber, NonBlank, Region};
use crate::error::ApiError;
use crate::http::extract::paging::FieldErrors;
use crate::http::parse::{nullable, parse_path, set_if_sent};
use crate::http::write::{Answer, Write};

const TAG: &str = "Local authorities";

/// A new local authority.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "gss_code": "E09000009", "la_number": "307", "name": "Ealing", "region": "London"
}))]
pub struct NewLocalAuthority {
    /// ONS GSS code; its prefix names the kind.
    #[schema(inline)]
    pub gss_code: GssCode,
    /// DfE three-digit LA number, where it has one.
    #[schema(inline)]
    pub la_number: Option<LaNumber>,
    #[schema(inline)]
    pub name: NonBlank,
    /// The kind the GSS code names; may be left out, and must agree when sent.
    pub kind: Option<LaKind>,
    /// A district's county (GSS code): required for a district, refused for other kinds.
    #[schema(inline)]
    pub parent: Option<GssCode>,
    /// One of England's nine regions, such as `London`.
    #[schema(inline)]
    pub region: Region,
}

/// `NewLocalAuthority` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "NewLocalAuthority", deny_unknown_fields)]
pub struct NewLocalAuthorityForm {
    gss_code: String,
    la_number: Option<String>,
    name: String,
    kind: Option<String>,
    parent: Option<String>,
    region: String,
}

impl TryFrom<NewLocalAuthorityForm> for NewLocalAuthority {
    type Error = ApiError;

    fn try_from(form: NewLocalAuthorityForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let gss_code = errors.parse("gss_code", Some(form.gss_code), GssCode::parse);
        let la_number = errors.parse("la_number", form.la_number, LaNumber::parse);
        let name = errors.parse("name", Some(form.name), NonBlank::parse);
        let region = errors.parse("region", Some(form.region), Region::parse);
        let kind = errors.parse("kind", form.kind, LaKind::parse);
        let parent = errors.parse("parent", form.parent, GssCode::parse);
        if let (Some(code), Some(kind)) = (&gss_code, kind)
            && code.kind() != kind
        {
            errors.refuse(
                "kind",
                format!(
                    "must be {} for the GSS code {code}: its prefix names the kind",
                    code.kind()
                ),
            );
        }
        errors.finish(|| {
            Some(Self {
                gss_code: gss_code?,
                la_number,
                name: name?,
                kind,
                parent,
                region: region?,
            })
        })
    }
}

/// Changes to a local authority; what is left out stays, `null` clears `la_number`. The GSS
/// code, and so the kind, never changes.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"la_number": "307", "name": "Ealing"}))]
pub struct LocalAuthorityChanges {
    #[schema(inline)]
    pub la_number: Option<Option<LaNumber>>,
    #[schema(inline)]
    pub name: Option<NonBlank>,
    #[schema(inline)]
    pub region: Option<Region>,
    /// A district's county (GSS code).
    #[schema(inline)]
    pub parent: Option<GssCode>,
}

/// `LocalAuthorityChanges` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "LocalAuthorityChanges", deny_unknown_fields)]
pub struct LocalAuthorityChangesForm {
    #[serde(default, deserialize_with = "nullable")]
    la_number: Option<Option<String>>,
    name: Option<String>,
    region: Option<String>,
    parent: Option<String>,
}

impl TryFrom<LocalAuthorityChangesForm> for LocalAuthorityChanges {
    type Error = ApiError;

    fn try_from(form: LocalAuthorityChangesForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let la_number = errors.parse_nullable("la_number", form.la_number, LaNumber::parse);
        let name = errors.parse("name", form.name, NonBlank::parse);
        let region = errors.parse("region", form.region, Region::parse);
        let parent = errors.parse("parent", form.parent, GssCode::parse);
        errors.finish(|| {
            Some(Self {
                la_number,
                name,
                region,
                parent,
            })
        })
    }
}

impl LocalAuthorityChanges {
    /// `fields` with what was sent set.
    fn apply_to(self, mut fields: LocalAuthorityFields) -> LocalAuthorityFields {
        set_if_sent(
            &mut fields.la_number,
            self.la_number
                .map(|number| number.map(LaNumber::into_inner)),
        );
        set_if_sent(&mut fields.name, self.name.map(NonBlank::into_inner));
        set_if_sent(&mut fields.region, self.region.map(Region::into_inner));
        set_if_sent(
            &mut fields.parent_gss_code,
            self.parent.map(|parent| Some(parent.into_inner())),
        );
        fields
    }
}

/// Resolves the authorities `named` (field, code) for a write, locking them so none is retired
/// meanwhile, and records in `errors` each that is unknown, retired, or of a kind `fits`
/// refuses (saying why).
pub(crate) async fn check_authorities(
    conn: &mut AsyncPgConnection,
    named: &[(String, GssCode)],
    fits: impl Fn(LaKind) -> Result<(), String>,
    errors: &mut FieldErrors,
) -> Result<(), ApiError> {
    let codes: Vec<&str> = named.iter().map(|(_, code)| code.as_str()).collect();
    let facts = lookups::local_authorities_for_write(conn, &codes).await?;
    for (field, code) in named {
        match facts.iter().find(|facts| facts.gss_code == code.as_str()) {
            None => errors.refuse(field, format!("no local authority has the code {code}")),
            Some(facts) if facts.retired => {
                errors.refuse(field, format!("local authority {code} is retired"));
            }
            Some(facts) => {
                if let Err(why) = fits(facts.kind) {
                    errors.refuse(field, format!("{code} {why}"));
                }
            }
        }
    }
    Ok(())
}

/// Checks `parent` (sent or not) suits an authority of `kind`: a district has a current county,
/// nothing else has a parent.
async fn check_parent(
    conn: &mut AsyncPgConnection,
    kind: LaKind,
    parent: Option<&GssCode>,
    errors: &mut FieldErrors,
) -> Result<(), ApiError> {
    match (kind, parent) {
        (LaKind::District, Some(parent)) => {
            let named = [("parent".to_owned(), parent.clone())];
            check_authorities(
                conn,
                &named,
                |kind| match kind {
                    LaKind::County => Ok(()),
                    other => Err(format!("is a {other}: a district's parent is a county")),
                },
                errors,
            )
            .await
        }
        (LaKind::District, None) => {
            errors.refuse(
                "parent",
                "is required for a district: the county it sits in",
            );
            Ok(())
        }
        (other, Some(_)) => {
            errors.refuse(
                "parent",
                format!("does not apply to a {other}: only districts sit in a county"),
            );
            Ok(())
        }
        (_, None) => Ok(()),
    }
}

/// England's local authorities, named by their GSS codes. An authority is retired only once
/// nothing current relies on it.
pub(crate) struct LocalAuthorities;

impl Retirable for LocalAuthorities {
    type Key = GssCode;
    type Id = String;
    type Fields = LocalAuthorityFields;
    type View = LocalAuthority;
    const REMEDY: &'static str = "Move these elsewhere";

    fn record(code: &GssCode) -> Record<'_> {
        Record::local_authority(code.as_str())
    }

    async fn lock(
        conn: &mut AsyncPgConnection,
        code: &GssCode,
    ) -> QueryResult<Option<LockedAuthority>> {
        writes::lock(conn, code).await
    }

    async fn find(
        conn: &mut AsyncPgConnection,
        code: &GssCode,
    ) -> QueryResult<Option<LocalAuthority>> {
        Ok(local_authorities::find(conn, code)
            .await?
            .map(LocalAuthority::from))
    }

    async fn still_relied_on(
        conn: &mut AsyncPgConnection,
        code: &String,
    ) -> Result<Reasons, ApiError> {
        let uses = writes::uses(conn, code).await?;
        Ok(Reasons::default()
            .with(
                uses.covering_hub
                    .map(|hub| format!("the hub {hub} covers it")),
            )
            .counting("open schools are in it", uses.open_schools)
            .counting("current districts sit in it", uses.current_districts)
            .with(
                uses.teaching_school_hubs
                    .map(|hubs| format!("the Teaching School Hubs {hubs} have it in their area")),
            ))
    }

    async fn mark_retired(conn: &mut AsyncPgConnection, code: &String) -> QueryResult<()> {
        writes::retire(conn, code).await
    }
}

impl Updatable for LocalAuthorities {
    type Form = LocalAuthorityChangesForm;
    type Changes = LocalAuthorityChanges;

    /// A county named as `parent` must suit the authority's kind.
    async fn read(
        conn: &mut AsyncPgConnection,
        code: &GssCode,
        form: LocalAuthorityChangesForm,
    ) -> Result<LocalAuthorityChanges, ApiError> {
        let changes = LocalAuthorityChanges::try_from(form)?;
        if let Some(parent) = &changes.parent {
            let mut errors = FieldErrors::default();
            check_parent(conn, code.kind(), Some(parent), &mut errors).await?;
            errors.into_result()?;
        }
        Ok(changes)
    }

    async fn change(
        conn: &mut AsyncPgConnection,
        code: &String,
        fields: LocalAuthorityFields,
        changes: LocalAuthorityChanges,
    ) -> Result<LocalAuthorityFields, ApiError> {
        let fields = changes.apply_to(fields);
        writes::update(conn, code, &fields).await?;
        Ok(fields)
    }
}

/// Create a local authority
///
/// Adds a local authority of England, for national admins. Its kind follows from the GSS code
/// (`E06` unitary, `E07` district, `E08` metropolitan, `E09` London borough, `E10` county); a
/// district names its county as `parent`. An existing code or LA number answers 409.
#[utoipa::path(
    tag = TAG,
    request_body = NewLocalAuthority,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = LocalAuthority,
         headers(("Location" = String, description = "The new authority's URL"))),
        crate::http::problems::ProtectedWriteErrors,
    )
)]
#[post("/local-authorities")]
pub async fn create_local_authority(
    caller: Caller,
    write: Write<NewLocalAuthorityForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| may_change(&caller, "Local authority"),
            async |conn, (), form| {
                let body = NewLocalAuthority::try_from(form)?;
                let code = body.gss_code;
                let mut errors = FieldErrors::default();
                check_parent(conn, code.kind(), body.parent.as_ref(), &mut errors).await?;
                errors.into_result()?;
                let fields = LocalAuthorityFields {
                    la_number: body.la_number.map(LaNumber::into_inner),
                    name: body.name.into_inner(),
                    region: body.region.into_inner(),
                    parent_gss_code: body.parent.map(GssCode::into_inner),
                };
                writes::insert(conn, &code, &fields).await?;
                let details = serde_json::json!({"kind": code.kind(), "after": fields});
                Record::local_authority(code.as_str())
                    .audit(conn, &caller, "created", details)
                    .await?;
                let created = view::<LocalAuthorities>(conn, &code).await?;
                Answer::created(
                    format!("/api/v1/local-authorities/{}", created.gss_code),
                    &created,
                )
            },
        )
        .await
}

/// Update a local authority
///
/// Corrects a local authority's name, region, LA number or (for a district) county, for
/// national admins; fields left out stay. A retired authority no longer changes (409). Send
/// the `ETag` of your copy in `If-Match` to refuse the change (412) if someone changed it since.
#[utoipa::path(
    tag = TAG,
    params(
        ("code" = String, Path, description = "ONS GSS code", example = "E09000009"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on"),
    ),
    request_body = LocalAuthorityChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed local authority", body = LocalAuthority),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[patch("/local-authorities/{code}")]
pub async fn update_local_authority(
    caller: Caller,
    path: web::Path<String>,
    write: Write<LocalAuthorityChangesForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let code = parse_path("code", &path, GssCode::parse)?;
    update::<LocalAuthorities>(&caller, &write, &pool, &code).await
}

/// Retire a local authority
///
/// Marks a local authority as no longer in existence (after a reorganisation, say), for
/// national admins. It leaves the lists and can no longer be covered, put in an area or be a
/// county of new districts; `GET` still shows it, with `retired_at`. While anything current
/// relies on it (a hub covers it, open schools are in it, current districts sit in it, a
/// current Teaching School Hub's area holds it) the answer is 409 naming each: move those
/// first. Retiring an authority already retired answers 409 too.
#[utoipa::path(
    tag = TAG,
    params(("code" = String, Path, description = "ONS GSS code", example = "E09000009")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The authority, now retired", body = LocalAuthority),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/local-authorities/{code}/retire")]
pub async fn retire_local_authority(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let code = parse_path("code", &path, GssCode::parse)?;
    retire::<LocalAuthorities>(&caller, &write, &pool, &code).await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_local_authority)
        .service(update_local_authority)
        .service(retire_local_authority);
}
