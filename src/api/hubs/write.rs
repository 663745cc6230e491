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
    Reasons, Record, Retirable, lock_current, may_change, retire, view,
};
use crate::auth::Caller;
use crate::db::hub_writes::{self as writes, HubFields, LockedHub};
use crate::db::{DbPool, hubs};
use crate::domain::{Email, Region, Slug, Urn};
use crate::error::ApiError;
use crate::http::extract::paging::FieldErrors;
use crate::http::parse::{non_empty, parse_path, web_address};
use crate::http::write::{Answer, Write};

const TAG: &str = "Hubs";

/// The school or college that leads a hub or Teaching School Hub.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadSchoolInput {
    #[schema(example = "Twyford Church of England High School")]
    pub name: String,
    /// DfE URN, where known.
    #[schema(example = "137083")]
    pub urn: Option<String>,
}

/// A lead school's columns: name and URN.
pub type LeadSchoolColumns = (Option<String>, Option<String>);

impl LeadSchoolInput {
    /// The columns of a lead school (none when it is left out or `null`), each part checked
    /// (as `lead_school.…`) into `errors`.
    pub fn columns(school: Option<Self>, errors: &mut FieldErrors) -> LeadSchoolColumns {
        let Some(school) = school else {
            return LeadSchoolColumns::default();
        };
        let name = errors.parse("lead_school.name", Some(school.name), non_empty);
        let urn = errors.parse("lead_school.urn", school.urn, Urn::parse);
        (name, urn.map(Urn::into_inner))
    }
}

/// A new Maths Hub. The authorities it covers are added one by one with
/// `PUT /hubs/{slug}/local-authorities/{code}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "slug": "london-central-and-west", "name": "London Central and West Maths Hub", "region": "London",
    "lead_school": {"name": "Twyford Church of England High School", "urn": "137083"},
    "contact_email": "admin@lcwmathshub.co.uk", "website": "https://www.lcwmathshub.co.uk"
}))]
pub struct NewHub {
    /// Lowercase words joined by hyphens; names the hub in URLs for good.
    pub slug: String,
    pub name: String,
    /// One of England's nine regions, such as `London`.
    pub region: String,
    pub lead_school: Option<LeadSchoolInput>,
    pub contact_email: Option<String>,
    /// `http://` or `https://`.
    pub website: Option<String>,
}

/// Changes to a hub; what is left out stays, `null` clears `lead_school`, `contact_email` or
/// `website`. The slug never changes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"contact_email": "admin@lcwmathshub.co.uk", "website": "https://www.lcwmathshub.co.uk"}))]
pub struct HubChanges {
    pub name: Option<String>,
    pub region: Option<String>,
    #[serde(default, deserialize_with = "crate::http::parse::nullable")]
    #[schema(value_type = Option<LeadSchoolInput>)]
    pub lead_school: Option<Option<LeadSchoolInput>>,
    #[serde(default, deserialize_with = "crate::http::parse::nullable")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::http::parse::nullable")]
    #[schema(value_type = Option<String>)]
    pub website: Option<Option<String>>,
}

fn email(text: &str) -> Result<String, crate::domain::ParseError> {
    Email::parse(text).map(|email| email.as_str().to_owned())
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
    write: Write<NewHub>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| may_change(&caller, "Hub"),
            async |conn, (), body| {
                let (slug, fields) = new_hub(body)?;
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

/// The hub a body describes, each field checked.
fn new_hub(body: NewHub) -> Result<(Slug, HubFields), ApiError> {
    let mut errors = FieldErrors::default();
    let slug = errors.parse("slug", Some(body.slug), Slug::parse);
    let name = errors.parse("name", Some(body.name), non_empty);
    let region = errors.parse("region", Some(body.region), Region::parse);
    let (lead_school_name, lead_school_urn) =
        LeadSchoolInput::columns(body.lead_school, &mut errors);
    let contact_email = errors.parse("contact_email", body.contact_email, email);
    let website = errors.parse("website", body.website, web_address);
    errors.into_result()?;
    let fields = HubFields {
        name: name.expect("parsed"),
        region: region.expect("parsed").into_inner(),
        lead_school_name,
        lead_school_urn,
        contact_email,
        website,
    };
    Ok((slug.expect("parsed"), fields))
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
    write: Write<HubChanges>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let slug = parse_path("slug", &path, Slug::parse)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| may_change(&caller, "Hub"),
            async |conn, (), changes| {
                let changes = HubEdit::parse(changes)?;
                let hub = lock_current::<Hubs>(conn, &slug, write.if_match()?).await?;
                let before = hub.fields;
                let fields = changes.apply_to(before.clone());
                writes::update(conn, hub.id, &fields).await?;
                let details = serde_json::json!({"before": before, "after": fields});
                Record::hub(slug.as_str())
                    .audit(conn, &caller, "updated", details)
                    .await?;
                Answer::ok(&view::<Hubs>(conn, &slug).await?)
            },
        )
        .await
}

/// What a change of a hub sets, each field checked: `None` where it sets nothing.
struct HubEdit {
    name: Option<String>,
    region: Option<Region>,
    lead_school: Option<LeadSchoolColumns>,
    contact_email: Option<Option<String>>,
    website: Option<Option<String>>,
}

impl HubEdit {
    fn parse(changes: HubChanges) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let edit = Self {
            name: errors.parse("name", changes.name, non_empty),
            region: errors.parse("region", changes.region, Region::parse),
            lead_school: changes
                .lead_school
                .map(|school| LeadSchoolInput::columns(school, &mut errors)),
            contact_email: errors.parse_nullable("contact_email", changes.contact_email, email),
            website: errors.parse_nullable("website", changes.website, web_address),
        };
        errors.into_result().map(|()| edit)
    }

    /// `fields` with what was sent set.
    fn apply_to(self, mut fields: HubFields) -> HubFields {
        fields.name = self.name.unwrap_or(fields.name);
        fields.region = self.region.map_or(fields.region, Region::into_inner);
        if let Some((name, urn)) = self.lead_school {
            (fields.lead_school_name, fields.lead_school_urn) = (name, urn);
        }
        fields.contact_email = self.contact_email.unwrap_or(fields.contact_email);
        fields.website = self.website.unwrap_or(fields.website);
        fields
    }
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
