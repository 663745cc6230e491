//! Changing Maths Hubs (national admins): adding one, correcting its name, region, lead
//! school and contacts, and retiring it. The slug names a hub for good: it never changes. A hub
//! is retired only once nothing current relies on it (authorities it covers, work groups not
//! yet over, enabled staff accounts); otherwise 409 names what does. A retired hub no longer
//! changes, takes no authorities and no strategic partners.

use actix_web::{HttpResponse, patch, post, web};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::hubs::read::HubDetail;
use crate::api::reference_data::{
    Reasons, Record, Retirable, Updatable, may_change, retire, update, view,
};
use crate::auth::Caller;
use crate::db::hub_writes::{self as writes, HubFields, LockedHub};
use crate::db::{DbPool, hubs};
use crate::domain::{Email, NonBlank, Region, Slug, Urn, WebAddress};
use crate::error::ApiError;
use crate::http::body::Shown;
use crate::http::extract::paging::FieldErrors;
use crate::http::parse::{nullable, parse_path, set_if_sent};
use crate::http::write::{Answer, Write};

const TAG: &str = "Hubs";

/// The school or college that leads a hub or Teaching School Hub.
#[derive(Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadSchoolInput {
    #[schema(schema_with = lead_school_name)]
    pub name: NonBlank,
    #[schema(schema_with = lead_school_urn)]
    pub urn: Option<Urn>,
}

fn lead_school_name() -> Shown {
    Shown::value::<NonBlank>("Twyford Church of England High School".into())
}

fn lead_school_urn() -> Shown {
    Shown::value::<Urn>("137083".into())
        .optional()
        .described("DfE URN, where known.")
}

/// `LeadSchoolInput` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "LeadSchoolInput", deny_unknown_fields)]
pub struct LeadSchoolForm {
    name: String,
    urn: Option<String>,
}

/// A lead school's columns: name and URN.
pub type LeadSchoolColumns = (Option<String>, Option<String>);

impl LeadSchoolInput {
    /// Parses a lead school sent (as `lead_school.…`), recording each bad part in `errors`.
    pub fn parse(form: LeadSchoolForm, errors: &mut FieldErrors) -> Option<Self> {
        let name = errors.parse("lead_school.name", Some(form.name), NonBlank::parse);
        let urn = errors.parse("lead_school.urn", form.urn, Urn::parse);
        Some(Self { name: name?, urn })
    }

    /// The columns of a lead school: none when it is left out or `null`.
    pub fn columns(school: Option<Self>) -> LeadSchoolColumns {
        school.map_or_else(LeadSchoolColumns::default, |school| {
            (
                Some(school.name.into_inner()),
                school.urn.map(Urn::into_inner),
            )
        })
    }
}

/// A new Maths Hub. The authorities it covers are added one by one with
/// `PUT /hubs/{slug}/local-authorities/{code}`.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "slug": "london-central-and-west", "name": "London Central and West Maths Hub", "region": "London",
    "lead_school": {"name": "Twyford Church of England High School", "urn": "137083"},
    "contact_email": "admin@lcwmathshub.co.uk", "website": "https://www.lcwmathshub.co.uk"
}))]
pub struct NewHub {
    /// Lowercase words joined by hyphens; names the hub in URLs for good.
    #[schema(inline)]
    pub slug: Slug,
    #[schema(inline)]
    pub name: NonBlank,
    /// One of England's nine regions, such as `London`.
    #[schema(inline)]
    pub region: Region,
    pub lead_school: Option<LeadSchoolInput>,
    #[schema(inline)]
    pub contact_email: Option<Email>,
    /// `http://` or `https://`.
    #[schema(inline)]
    pub website: Option<WebAddress>,
}

/// `NewHub` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "NewHub", deny_unknown_fields)]
pub struct NewHubForm {
    slug: String,
    name: String,
    region: String,
    lead_school: Option<LeadSchoolForm>,
    contact_email: Option<String>,
    website: Option<String>,
}

impl TryFrom<NewHubForm> for NewHub {
    type Error = ApiError;

    fn try_from(form: NewHubForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let slug = errors.parse("slug", Some(form.slug), Slug::parse);
        let name = errors.parse("name", Some(form.name), NonBlank::parse);
        let region = errors.parse("region", Some(form.region), Region::parse);
        let lead_school = form
            .lead_school
            .and_then(|school| LeadSchoolInput::parse(school, &mut errors));
        let contact_email = errors.parse("contact_email", form.contact_email, Email::parse);
        let website = errors.parse("website", form.website, WebAddress::parse);
        errors.finish(|| {
            Some(Self {
                slug: slug?,
                name: name?,
                region: region?,
                lead_school,
                contact_email,
                website,
            })
        })
    }
}

impl NewHub {
    /// The slug, and the hub's fields.
    fn into_parts(self) -> (Slug, HubFields) {
        let (lead_school_name, lead_school_urn) = LeadSchoolInput::columns(self.lead_school);
        let fields = HubFields {
            name: self.name.into_inner(),
            region: self.region.into_inner(),
            lead_school_name,
            lead_school_urn,
            contact_email: self.contact_email.map(|email| email.as_str().to_owned()),
            website: self.website.map(WebAddress::into_inner),
        };
        (self.slug, fields)
    }
}

/// Changes to a hub; what is left out stays, `null` clears `lead_school`, `contact_email` or
/// `website`. The slug never changes.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"contact_email": "admin@lcwmathshub.co.uk", "website": "https://www.lcwmathshub.co.uk"}))]
pub struct HubChanges {
    #[schema(inline)]
    pub name: Option<NonBlank>,
    #[schema(inline)]
    pub region: Option<Region>,
    #[schema(value_type = Option<LeadSchoolInput>)]
    pub lead_school: Option<Option<LeadSchoolInput>>,
    #[schema(inline)]
    pub contact_email: Option<Option<Email>>,
    #[schema(inline)]
    pub website: Option<Option<WebAddress>>,
}

/// `HubChanges` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "HubChanges", deny_unknown_fields)]
pub struct HubChangesForm {
    name: Option<String>,
    region: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    lead_school: Option<Option<LeadSchoolForm>>,
    #[serde(default, deserialize_with = "nullable")]
    contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    website: Option<Option<String>>,
}

impl TryFrom<HubChangesForm> for HubChanges {
    type Error = ApiError;

    fn try_from(form: HubChangesForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.parse("name", form.name, NonBlank::parse);
        let region = errors.parse("region", form.region, Region::parse);
        let lead_school = form
            .lead_school
            .map(|school| school.and_then(|school| LeadSchoolInput::parse(school, &mut errors)));
        let contact_email =
            errors.parse_nullable("contact_email", form.contact_email, Email::parse);
        let website = errors.parse_nullable("website", form.website, WebAddress::parse);
        errors.finish(|| {
            Some(Self {
                name,
                region,
                lead_school,
                contact_email,
                website,
            })
        })
    }
}

impl HubChanges {
    /// `fields` with what was sent set.
    fn apply_to(self, mut fields: HubFields) -> HubFields {
        set_if_sent(&mut fields.name, self.name.map(NonBlank::into_inner));
        set_if_sent(&mut fields.region, self.region.map(Region::into_inner));
        if let Some(school) = self.lead_school {
            (fields.lead_school_name, fields.lead_school_urn) = LeadSchoolInput::columns(school);
        }
        set_if_sent(
            &mut fields.contact_email,
            self.contact_email
                .map(|email| email.map(|email| email.as_str().to_owned())),
        );
        set_if_sent(
            &mut fields.website,
            self.website
                .map(|website| website.map(WebAddress::into_inner)),
        );
        fields
    }
}

/// Maths Hubs, named by their slugs. A hub is retired only once nothing current relies on it.
pub(crate) struct Hubs;

impl Retirable for Hubs {
    type Key = Slug;
    type Id = uuid::Uuid;
    type Fields = HubFields;
    type View = HubDetail;
    const REMEDY: &'static str = "Move or end these";

    fn record(slug: &Slug) -> Record<'_> {
        Record::hub(slug.as_str())
    }

    async fn lock(conn: &mut AsyncPgConnection, slug: &Slug) -> QueryResult<Option<LockedHub>> {
        writes::lock(conn, slug).await
    }

    async fn find(conn: &mut AsyncPgConnection, slug: &Slug) -> QueryResult<Option<HubDetail>> {
        Ok(hubs::find(conn, slug).await?.map(HubDetail::from))
    }

    async fn still_relied_on(
        conn: &mut AsyncPgConnection,
        id: &uuid::Uuid,
    ) -> Result<Reasons, ApiError> {
        let uses = writes::uses(conn, *id).await?;
        Ok(Reasons::default()
            .with(
                uses.covered
                    .map(|codes| format!("it covers the local authorities {codes}")),
            )
            .counting(
                "work groups neither completed nor cancelled",
                uses.live_work_groups,
            )
            .counting(
                "enabled accounts of its managers and leads",
                uses.staff_accounts,
            ))
    }

    async fn mark_retired(conn: &mut AsyncPgConnection, id: &uuid::Uuid) -> QueryResult<()> {
        writes::retire(conn, *id).await
    }
}

impl Updatable for Hubs {
    type Form = HubChangesForm;
    type Changes = HubChanges;

    async fn change(
        conn: &mut AsyncPgConnection,
        id: &uuid::Uuid,
        fields: HubFields,
        changes: HubChanges,
    ) -> Result<HubFields, ApiError> {
        let fields = changes.apply_to(fields);
        writes::update(conn, *id, &fields).await?;
        Ok(fields)
    }

    async fn read(
        _conn: &mut AsyncPgConnection,
        _slug: &Slug,
        form: HubChangesForm,
    ) -> Result<HubChanges, ApiError> {
        HubChanges::try_from(form)
    }
}

/// Create a Maths Hub
///
/// Adds a Maths Hub, for national admins. It covers no authority until they are added with
/// `PUT /hubs/{slug}/local-authorities/{code}`. A slug or name already used answers 409.
#[utoipa::path(
    tag = TAG,
    request_body = NewHub,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = HubDetail,
         headers(("Location" = String, description = "The new hub's URL"))),
        crate::http::problems::ProtectedWriteErrors,
    )
)]
#[post("/hubs")]
pub async fn create_hub(
    caller: Caller,
    write: Write<NewHubForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| may_change(&caller, "Hub"),
            async |conn, (), form| {
                let (slug, fields) = NewHub::try_from(form)?.into_parts();
                writes::insert(conn, &slug, &fields).await?;
                Record::hub(slug.as_str())
                    .audit(
                        conn,
                        &caller,
                        "created",
                        serde_json::json!({"after": fields}),
                    )
                    .await?;
                let created = view::<Hubs>(conn, &slug).await?;
                Answer::created(format!("/api/v1/hubs/{slug}"), &created)
            },
        )
        .await
}

/// Update a Maths Hub
///
/// Corrects a hub's name, region, lead school, contact email or website, for national admins;
/// fields left out stay. A retired hub no longer changes (409). Send the `ETag` of your copy
/// in `If-Match` to refuse the change (412) if someone changed the hub since.
#[utoipa::path(
    tag = TAG,
    params(
        ("slug" = String, Path, description = "The hub's slug", example = "london-central-and-west"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on"),
    ),
    request_body = HubChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed hub", body = HubDetail),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[patch("/hubs/{slug}")]
pub async fn update_hub(
    caller: Caller,
    path: web::Path<String>,
    write: Write<HubChangesForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let slug = parse_path("slug", &path, Slug::parse)?;
    update::<Hubs>(&caller, &write, &pool, &slug).await
}

/// Retire a Maths Hub
///
/// Marks a hub as no longer operating, for national admins. It leaves the lists and partner
/// views; `GET` still shows it, with `retired_at`, its covers kept as history. While anything
/// current relies on it (authorities it covers, work groups neither completed nor cancelled,
/// enabled accounts of its managers and leads) the answer is 409 naming each: move the
/// authorities to another hub, finish or cancel the groups, and move or disable the accounts
/// first. Retiring a hub already retired answers 409 too.
#[utoipa::path(
    tag = TAG,
    params(("slug" = String, Path, description = "The hub's slug", example = "london-central-and-west")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The hub, now retired", body = HubDetail),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/hubs/{slug}/retire")]
pub async fn retire_hub(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let slug = parse_path("slug", &path, Slug::parse)?;
    retire::<Hubs>(&caller, &write, &pool, &slug).await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_hub)
        .service(update_hub)
        .service(retire_hub);
}
