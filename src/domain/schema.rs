//! How a value type declares its shape in the OpenAPI document: a text's pattern and lengths,
//! a whole number's range. Each type states the rule its `parse` enforces, so a field of that
//! type shows it wherever a request sends one; a schema carries no description, which is the
//! field's own.

use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, SchemaType, Type};

/// Text matching `pattern`, of at most `max_length` characters (and at least `min_length`).
pub fn text(pattern: &str, min_length: Option<usize>, max_length: usize) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .min_length(min_length)
        .max_length(Some(max_length))
        .build()
}

/// A whole number from `min` to `max`, read as the JSON integer `format` says (`int32` or
/// `int64`).
pub fn whole_number(format: KnownFormat, min: i64, max: i64) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(format)))
        .minimum(Some(min))
        .maximum(Some(max))
        .build()
}

/// The schema as a field that may also be `null` shows it: `null` is one more type, and one
/// more of the values a closed list allows.
pub fn nullable(mut object: Object) -> Object {
    let mut types = match object.schema_type {
        SchemaType::Type(kind) => vec![kind],
        SchemaType::Array(kinds) => kinds,
        SchemaType::AnyValue => return object,
    };
    if !types.contains(&Type::Null) {
        types.push(Type::Null);
        if let Some(values) = object.enum_values.as_mut() {
            values.push(serde_json::Value::Null);
        }
    }
    object.schema_type = SchemaType::Array(types);
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nullable_value_takes_null_as_a_type_and_as_one_of_its_values() {
        let closed = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["a"]))
            .build();
        let json = serde_json::to_value(nullable(nullable(closed))).unwrap();
        assert_eq!(json["type"], serde_json::json!(["string", "null"]));
        assert_eq!(json["enum"], serde_json::json!(["a", null]));
    }
}
