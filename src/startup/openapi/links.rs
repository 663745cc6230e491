//! OpenAPI links from what an operation creates to what can be done with it next, so clients
//! (and Schemathesis's stateful phase) can follow the chains a hub's work runs through: create a
//! work group, plan its sessions, open it, express interest, decide on the enrolment.

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi, RefOr};

/// Where the next operation's `id` comes from.
const CREATED: &str = "$response.body#/id";
const SAME_GROUP: &str = "$request.path.id";

/// An operation that can follow, and where its `id` comes from.
type Next = (&'static str, &'static str);

/// (operation, status, the operations that can follow that answer).
const CHAINS: &[(&str, &str, &[Next])] = &[
    (
        "create_work_group",
        "201",
        &[
            ("get_work_group", CREATED),
            ("update_work_group", CREATED),
            ("create_session", CREATED),
            ("open_work_group", CREATED),
            ("list_work_group_sessions", CREATED),
            ("list_work_group_enrolments", CREATED),
        ],
    ),
    (
        "create_session",
        "201",
        &[
            ("get_session", CREATED),
            ("update_session", CREATED),
            ("cancel_session", CREATED),
            ("get_attendance", CREATED),
            ("open_work_group", SAME_GROUP),
        ],
    ),
    (
        "open_work_group",
        "200",
        &[("express_interest", SAME_GROUP)],
    ),
    (
        "express_interest",
        "201",
        &[
            ("get_enrolment", CREATED),
            ("accept_enrolment", CREATED),
            ("waitlist_enrolment", CREATED),
            ("decline_enrolment", CREATED),
            ("withdraw_enrolment", CREATED),
        ],
    ),
];

/// Adds the links of `CHAINS` to the responses they start from.
pub fn declare(document: &mut OpenApi) {
    for item in document.paths.paths.values_mut() {
        for operation in super::operations_mut(item) {
            link_from(operation);
        }
    }
}

fn link_from(operation: &mut Operation) {
    let Some(id) = operation.operation_id.clone() else {
        return;
    };
    for (_, status, nexts) in CHAINS.iter().filter(|(from, _, _)| *from == id) {
        let Some(RefOr::T(response)) = operation.responses.responses.get_mut(*status) else {
            continue;
        };
        for (next, source) in *nexts {
            let link = LinkBuilder::new()
                .operation_id(*next)
                .parameter("id", *source)
                .build();
            response.links.insert((*next).to_owned(), link.into());
        }
    }
}
