//! The document's `webhooks` (OpenAPI 3.1): what the service posts to the endpoints partners
//! register at `/partners/me/webhooks`, and how a receiver verifies it.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{
    ContentBuilder, KnownFormat, ObjectBuilder, OpenApi, PathItem, PathsBuilder, Ref, Required,
    ResponseBuilder, ResponsesBuilder, SchemaFormat, Type,
};
use utoipa::{PartialSchema, ToSchema};

use crate::api::change_feed::ChangeEvent;

const DESCRIPTION: &str = "Each change of the partner's area an endpoint asked for, posted as JSON \
as it happens: the item `GET /api/v1/partners/me/changes` shows, in a `ChangeEvent` envelope. \
Deliveries are signed the Standard Webhooks way: the signed content is \
`{webhook-id}.{webhook-timestamp}.{body}`, the signature HMAC-SHA256 under the secret's bytes \
(base64 after `whsec_`), sent base64 after `v1,`. Verify with a published Standard Webhooks \
library (`Webhook(secret).verify(body, headers)`), on the raw body as received, and refuse a \
timestamp more than five minutes away. During a rotation's grace period the header carries one \
signature for each secret, separated by spaces: accept the delivery when any verifies.\n\n\
Answer 2xx within ten seconds to take the delivery; anything else (a redirect, a timeout, an \
error) is tried again later with backoff, under the same `webhook-id`, so drop an id already \
processed. Deliveries go side by side, in no promised order.";

/// One header every delivery carries, its value `limits` bounds.
fn header(
    name: &str,
    description: &str,
    limits: ObjectBuilder,
    example: &str,
) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(limits.schema_type(Type::String).examples([example])))
        .build()
}

/// Declares the `change-event` webhook and registers `ChangeEvent` with the schemas it uses.
pub fn declare(document: &mut OpenApi) {
    let components = document.components.get_or_insert_with(Default::default);
    let mut schemas = vec![(ChangeEvent::name().into_owned(), ChangeEvent::schema())];
    <ChangeEvent as ToSchema>::schemas(&mut schemas);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }

    let body = RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(ChangeEvent::name())))
                .build(),
        )
        .build();
    let responses = ResponsesBuilder::new()
        .response(
            "2XX",
            ResponseBuilder::new().description("Taken: the delivery is done"),
        )
        .response(
            "default",
            ResponseBuilder::new()
                .description("Not taken: the delivery is tried again later, then shown as dead"),
        )
        .build();
    let operation = OperationBuilder::new()
        .operation_id(Some("receiveChangeEvent"))
        .tag(crate::api::webhooks::TAG)
        .summary(Some("A change in the partner's area"))
        .description(Some(DESCRIPTION))
        .parameter(header(
            "webhook-id",
            "The delivery's id, the same on every attempt: drop one already processed.",
            ObjectBuilder::new()
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                .max_length(Some(36)),
            "0193a0c4-5e2b-7c3d-8f4a-1b2c3d4e5f60",
        ))
        .parameter(header(
            "webhook-timestamp",
            "When this attempt was signed, in whole seconds since the Unix epoch.",
            ObjectBuilder::new()
                .pattern(Some("^[0-9]{1,19}$"))
                .max_length(Some(19)),
            "1796637600",
        ))
        .parameter(header(
            "webhook-signature",
            "`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`; \
             during a rotation, one such signature for each secret, separated by spaces.",
            ObjectBuilder::new()
                .pattern(Some("^v1,[A-Za-z0-9+/]{43}=( v1,[A-Za-z0-9+/]{43}=)?$"))
                .max_length(Some(95)),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ))
        // The receiver asks for no credentials: the signature is how it knows the sender.
        .securities(Some([SecurityRequirement::default()]))
        .request_body(Some(body))
        .responses(responses)
        .build();
    let webhooks = PathsBuilder::new()
        .path("change-event", PathItem::new(HttpMethod::Post, operation))
        .build();
    document.webhooks = Some(webhooks);
}
