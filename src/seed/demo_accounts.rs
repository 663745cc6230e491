//! The demo's sign-in accounts: one of each role, all with `DEMO_PASSWORD`. They come with
//! the demo data (the embedded database's first start, or `mathshub seed --demo` asked for
//! explicitly), never otherwise, and the README lists them.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::users;
use crate::db::users::{self as accounts, AccountFields};
use crate::db::{lookups, school_contacts};
use crate::domain::{Role, RoleInSchool};

pub const DEMO_PASSWORD: &str = "maths-hubs-demo";

pub struct DemoAccount {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
    hub: Option<&'static str>,
    school: Option<(&'static str, RoleInSchool)>,
    teaching_school_hub: Option<&'static str>,
    /// Confirmed as a contact of their school.
    speaks_for_school: bool,
}

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "admin@demo.mathshub.invalid",
        name: "Demo Admin",
        role: Role::Admin,
        hub: None,
        school: None,
        teaching_school_hub: None,
        speaks_for_school: false,
    },
    DemoAccount {
        email: "manager.lcw@demo.mathshub.invalid",
        name: "Demo Hub Manager (LCW)",
        role: Role::HubManager,
        hub: Some("london-central-and-west"),
        school: None,
        teaching_school_hub: None,
        speaks_for_school: false,
    },
    // The lead of the LCW Secondary Subject Leadership group, loaded with the leads.
    DemoAccount {
        email: "lead.lcw@demo.mathshub.invalid",
        name: "Demo Lead (LCW)",
        role: Role::Lead,
        hub: Some("london-central-and-west"),
        school: None,
        teaching_school_hub: None,
        speaks_for_school: false,
    },
    DemoAccount {
        email: "teacher.twyford@demo.mathshub.invalid",
        name: "Demo Teacher (Twyford)",
        role: Role::Participant,
        hub: None,
        school: Some((
            super::demo_facts::TWYFORD_URN,
            RoleInSchool::HeadOfDepartment,
        )),
        teaching_school_hub: None,
        speaks_for_school: false,
    },
    // Twyford's maths lead, confirmed as the school's contact: sees its places and fees.
    DemoAccount {
        email: "contact.twyford@demo.mathshub.invalid",
        name: "Demo Maths Lead (Twyford)",
        role: Role::Participant,
        hub: None,
        school: Some((super::demo_facts::TWYFORD_URN, RoleInSchool::MathsLead)),
        teaching_school_hub: None,
        speaks_for_school: true,
    },
    DemoAccount {
        email: "partner.lde@demo.mathshub.invalid",
        name: "Demo Partner (London District East TSH)",
        role: Role::Partner,
        hub: None,
        school: None,
        teaching_school_hub: Some("london-district-east"),
        speaks_for_school: false,
    },
];

/// Creates the demo accounts that do not exist yet and gives every passwordless demo
/// account (the placeholder leads included) the demo password. Returns the accounts made.
pub async fn load(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let password_hash = crate::auth::password::hash(DEMO_PASSWORD);
    let mut created = 0;
    for account in DEMO_ACCOUNTS {
        if accounts::credentials(conn, account.email).await?.is_some() {
            continue;
        }
        let hub_id = match account.hub {
            Some(slug) => lookups::hub_id(conn, slug).await?,
            None => None,
        };
        let teaching_school_hub_id = match account.teaching_school_hub {
            Some(slug) => lookups::teaching_school_hub_id(conn, slug).await?,
            None => None,
        };
        let fields = AccountFields {
            email: account.email.into(),
            name: account.name.into(),
            role: account.role,
            hub_id,
            teaching_school_hub_id,
            school_urn: account.school.map(|(urn, _)| urn.to_owned()),
            role_in_school: account.school.map(|(_, role)| role),
            disabled_at: None,
        };
        let id = accounts::insert(conn, &fields, Some(&password_hash)).await?;
        if let (true, Some((urn, _))) = (account.speaks_for_school, account.school) {
            school_contacts::confirm(conn, urn, id).await?;
        }
        created += 1;
    }
    diesel::update(
        users::table
            .filter(users::email.like("%@demo.mathshub.invalid"))
            .filter(users::password_hash.is_null()),
    )
    .set(users::password_hash.eq(&password_hash))
    .execute(conn)
    .await?;
    Ok(created)
}
