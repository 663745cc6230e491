//! Typed fields written in place. A request field of a domain value type (`domain::NonBlank`,
//! `domain::ProjectCode`, ...) is declared `#[schema(inline)]`, so that its type's schema is
//! written in the field rather than as a component of its own. utoipa writes such a field
//! that has a description as `allOf` of the type's schema and a schema holding only the
//! description, and an optional one as `oneOf` of the type's schema and `null`: this writes
//! each as the one schema it means, as a field of a text or number type is written.

use utoipa::openapi::OpenApi;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Object, Schema, SchemaType, Type};

use crate::domain::schema::nullable;

/// Writes every typed field of the document's schemas as one schema.
pub fn declare(document: &mut OpenApi) {
    let Some(components) = document.components.as_mut() else {
        return;
    };
    for schema in components.schemas.values_mut() {
        if let RefOr::T(Schema::Object(object)) = schema {
            for property in object.properties.values_mut() {
                write_in_place(property);
            }
        }
    }
}

fn write_in_place(property: &mut RefOr<Schema>) {
    let RefOr::T(schema) = property else {
        return;
    };
    let merged = match schema {
        Schema::AllOf(all_of) => match all_of.items.as_slice() {
            [
                RefOr::T(Schema::Object(value)),
                RefOr::T(Schema::Object(note)),
            ] if only_describes(note) => described(value.clone(), note.description.clone()),
            _ => return,
        },
        Schema::OneOf(one_of) => match one_of.items.as_slice() {
            [
                RefOr::T(Schema::Object(value)),
                RefOr::T(Schema::Object(null)),
            ] if null.schema_type == SchemaType::Type(Type::Null) => {
                described(nullable(value.clone()), one_of.description.clone())
            }
            _ => return,
        },
        _ => return,
    };
    *schema = Schema::Object(merged);
}

/// Whether the schema says nothing but a description (utoipa declares it an object).
fn only_describes(schema: &Object) -> bool {
    let mut description_only = Object::with_type(Type::Object);
    description_only.description = schema.description.clone();
    *schema == description_only
}

fn described(mut value: Object, description: Option<String>) -> Object {
    value.description = description.or(value.description);
    value
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, OneOfBuilder};

    use super::*;

    fn value() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^a$"))
            .build()
    }

    fn written(schema: impl Into<Schema>) -> serde_json::Value {
        let mut property = RefOr::T(schema.into());
        write_in_place(&mut property);
        serde_json::to_value(property).unwrap()
    }

    #[test]
    fn a_described_value_is_one_schema_with_the_description() {
        let note = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("Why."));
        let all_of = AllOfBuilder::new().item(value()).item(note).build();
        assert_eq!(
            written(all_of),
            serde_json::json!({"type": "string", "description": "Why.", "pattern": "^a$"})
        );
    }

    #[test]
    fn an_optional_value_is_one_schema_that_takes_null() {
        let one_of = OneOfBuilder::new()
            .item(value())
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .build();
        assert_eq!(
            written(one_of),
            serde_json::json!({"type": ["string", "null"], "pattern": "^a$"})
        );
    }

    #[test]
    fn other_compositions_stay_as_they_are() {
        let reference = utoipa::openapi::Ref::from_schema_name("Hub");
        let all_of = AllOfBuilder::new()
            .item(reference)
            .item(ObjectBuilder::new().schema_type(Type::Object))
            .build();
        let before = serde_json::to_value(&all_of).unwrap();
        assert_eq!(written(all_of), before);
    }
}
