//! The API's vocabulary of parameters, declared in the document. Every parameter of one name
//! takes the same kind of value everywhere (a `hub` is a hub's slug, a `school` a DfE URN, a
//! `q` a non-blank text), and the handlers parse each with its domain type, whose own schema
//! (`domain::schema`) gives the parameter its pattern, lengths or closed list here. A request
//! body's fields are typed and declare their shapes themselves; this only bounds what their
//! format bounds (a UUID's 36 characters) and keeps any text field to what PostgreSQL's text can
//! hold. Declaring the shapes makes the document say what the handlers accept: Schemathesis's
//! positive and negative data checks found requests the document allowed and the handlers
//! refused (and the reverse).

use std::sync::LazyLock;

use serde_json::Value;
use utoipa::PartialSchema;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ArrayItems, Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};

use crate::db::change_feed::FeedPosition;
use crate::domain::{
    AcademicYear, GssCode, MAX_INSTANT_CHARS, NonBlank, ProgrammeYear, ProjectCode, Region, Slug,
    TEXT_PATTERN, Urn, schema,
};
use crate::http::extract::cursor::document_pattern;
use crate::http::middleware::etag;

/// The shape a value type declares for itself (`domain::schema`): its pattern and lengths, or
/// its closed list of values.
fn shape_of<T: PartialSchema>() -> Object {
    match T::schema() {
        RefOr::T(Schema::Object(object)) => object,
        _ => unreachable!("every value type of the vocabulary declares an object schema"),
    }
}

/// Text matching `pattern`, as long as the pattern lets it be (`bound`).
fn matching(pattern: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .build()
}

/// Any other text: PostgreSQL's text cannot hold U+0000, so the API refuses it (`error.rs`).
fn any_text() -> Object {
    matching(TEXT_PATTERN)
}

/// A place in the partners' change feed (`api::change_feed`). A list's `cursor` has the
/// pattern of its own sort key, which the list's parameters declare (`http::extract::paging`).
static FEED_CURSOR: LazyLock<String> = LazyLock::new(document_pattern::<FeedPosition>);

/// `http::middleware::etag::if_match`: text a header can hold. Any such value is compared with the current version, and one that names none answers
/// 412 however it is written: the form of entity tags is left to RFC 9110 rather than stated as
/// a pattern (Schemathesis sends `0` as a valid value of such a pattern in a header, expecting
/// it taken).
fn if_match() -> Object {
    schema::text(etag::IF_MATCH_PATTERN, None, etag::MAX_IF_MATCH_CHARS)
}

/// The shape of a query or path parameter of this name on this path, if it has one.
fn parameter_shape(path: &str, name: &str) -> Option<Object> {
    Some(match name {
        "slug" | "hub" | "teaching_school_hub" | "referred_by" => shape_of::<Slug>(),
        "code" if path.starts_with("/api/v1/projects/") => shape_of::<ProjectCode>(),
        "code" | "local_authority" | "parent" => shape_of::<GssCode>(),
        "urn" | "school" => shape_of::<Urn>(),
        "project" => shape_of::<ProjectCode>(),
        "q" | "action" | "object_type" | "object_id" => shape_of::<NonBlank>(),
        "If-Match" => if_match(),
        "since" => matching(&FEED_CURSOR),
        "academic_year" if path == "/api/v1/reports/reach" => shape_of::<ProgrammeYear>(),
        "academic_year" => shape_of::<AcademicYear>(),
        "region" => shape_of::<Region>(),
        _ => return None,
    })
}

/// A header is sent or not (`required` says whether it must be); it is never `null`, which a
/// handler's `Option<String>` would declare, and which clients would send as the text `null`.
fn never_null(object: &mut Object) {
    use utoipa::openapi::schema::{SchemaType, Type};

    if let SchemaType::Array(kinds) = &object.schema_type {
        let kinds: Vec<Type> = kinds
            .iter()
            .filter(|kind| **kind != Type::Null)
            .cloned()
            .collect();
        object.schema_type = match kinds.as_slice() {
            [kind] => SchemaType::Type(kind.clone()),
            _ => SchemaType::Array(kinds),
        };
    }
}

/// Declares the vocabulary on every parameter and request body field of the document.
pub fn declare(document: &mut OpenApi) {
    let mut request_schemas = Vec::new();
    for (path, item) in document.paths.paths.iter_mut() {
        for operation in super::operations_mut(item) {
            shape_parameters(path, operation);
            request_schemas.extend(request_schema_names(operation));
        }
    }
    let Some(components) = document.components.as_mut() else {
        return;
    };
    let mut seen = Vec::new();
    while let Some(name) = request_schemas.pop() {
        if seen.contains(&name) {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) {
            for property in object.properties.values_mut() {
                request_schemas.extend(referenced_names(property));
                apply_to_property(property, &any_text());
            }
        }
        seen.push(name);
    }
}

fn shape_parameters(path: &str, operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(parameter) = parameter else {
            continue;
        };
        let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut() else {
            continue;
        };
        if parameter.parameter_in == ParameterIn::Header {
            never_null(object);
        }
        let shape = match parameter.parameter_in {
            // A list's cursor has the pattern of the list's own sort key (`http::extract::paging`).
            _ if parameter.name == "cursor" => None,
            ParameterIn::Query | ParameterIn::Path => {
                Some(parameter_shape(path, &parameter.name).unwrap_or_else(any_text))
            }
            _ => parameter_shape(path, &parameter.name),
        };
        if let Some(shape) = shape {
            apply(object, &shape);
        }
        bound(object);
    }
}

fn request_schema_names(operation: &Operation) -> Vec<String> {
    operation
        .request_body
        .iter()
        .filter_map(|body| match body {
            RefOr::T(body) => Some(body),
            RefOr::Ref(_) => None,
        })
        .flat_map(|body| body.content.values())
        .filter_map(|content| match content {
            RefOr::T(content) => content.schema.as_ref(),
            RefOr::Ref(_) => None,
        })
        .flat_map(referenced_names)
        .collect()
}

/// The components a schema refers to, directly or through `oneOf`, arrays and nullables.
fn referenced_names(schema: &RefOr<Schema>) -> Vec<String> {
    match schema {
        RefOr::Ref(reference) => reference
            .ref_location
            .rsplit_once('/')
            .map(|(_, name)| vec![name.to_owned()])
            .unwrap_or_default(),
        RefOr::T(Schema::OneOf(one_of)) => one_of.items.iter().flat_map(referenced_names).collect(),
        RefOr::T(Schema::Array(array)) => match &array.items {
            ArrayItems::RefOrSchema(items) => referenced_names(items),
            _ => Vec::new(),
        },
        RefOr::T(_) => Vec::new(),
    }
}

/// A field of a string type, or an array of strings (the shape is then each item's).
fn apply_to_property(property: &mut RefOr<Schema>, shape: &Object) {
    match property {
        RefOr::T(Schema::Object(object)) => {
            apply(object, shape);
            bound(object);
        }
        RefOr::T(Schema::Array(array)) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items
                && let RefOr::T(Schema::Object(object)) = items.as_mut()
            {
                apply(object, shape);
                bound(object);
            }
        }
        _ => {}
    }
}

/// States the greatest length of a text the shape bounds without saying so: a pattern that
/// matches nothing longer than some length (a URN's six digits, a cursor's 1600 hex digits),
/// a UUID's 36 characters, an RFC 3339 time's `MAX_INSTANT_CHARS` (`domain::time`). The
/// handlers' parsers refuse anything longer as they refuse anything else of another form.
fn bound(object: &mut Object) {
    use utoipa::openapi::schema::{KnownFormat, SchemaFormat, SchemaType, Type};

    let is_text = match &object.schema_type {
        SchemaType::Type(kind) => *kind == Type::String,
        SchemaType::Array(kinds) => kinds.contains(&Type::String),
        SchemaType::AnyValue => false,
    };
    if !is_text || object.max_length.is_some() || object.enum_values.is_some() {
        return;
    }
    object.max_length = match &object.format {
        Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)) => Some(36),
        Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)) => Some(MAX_INSTANT_CHARS),
        _ => object.pattern.as_deref().and_then(longest_match),
    };
}

/// The most characters a text matching `pattern` can have, if the pattern bounds them: it must
/// be anchored at both ends (JSON Schema's patterns match anywhere in the text), and its
/// matches of bounded length. (The measure is in UTF-8 bytes: exact for the ASCII our bounded
/// patterns match, and never less than the characters.)
fn longest_match(pattern: &str) -> Option<usize> {
    use regex_syntax::hir::Look;

    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let properties = hir.properties();
    let anchored = properties.look_set_prefix().contains(Look::Start)
        && properties.look_set_suffix().contains(Look::End);
    anchored.then(|| properties.maximum_len()).flatten()
}

/// Constrains a schema of the shape's type (possibly nullable) that no handler annotation
/// shaped yet: with the shape's pattern and lengths, or its closed list of values.
fn apply(object: &mut Object, shape: &Object) {
    use utoipa::openapi::schema::{KnownFormat, SchemaFormat, SchemaType};

    let types = match &object.schema_type {
        SchemaType::Type(kind) => vec![kind.clone()],
        SchemaType::Array(kinds) => kinds.clone(),
        SchemaType::AnyValue => return,
    };
    // A format such as `uuid` or `date-time` shapes a string already (`password` only hides
    // it), and a typed value states its bounds (`domain::schema`).
    let formatted = !matches!(
        object.format,
        None | Some(SchemaFormat::KnownFormat(KnownFormat::Password))
    );
    let shaped = object.pattern.is_some()
        || object.enum_values.is_some()
        || object.max_length.is_some()
        || formatted;
    if shaped || !types.contains(&Type::String) {
        return;
    }
    if let Some(values) = &shape.enum_values {
        let mut allowed: Vec<Value> = values.clone();
        if types.contains(&Type::Null) {
            allowed.push(Value::Null);
        }
        object.enum_values = Some(allowed);
        return;
    }
    object.pattern.clone_from(&shape.pattern);
    object.min_length = object.min_length.or(shape.min_length);
    object.max_length = object.max_length.or(shape.max_length);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Postcode;

    #[test]
    fn a_bounded_pattern_gives_its_longest_match_and_an_open_one_none() {
        assert_eq!(longest_match("^[1-9][0-9]{5}$"), Some(6));
        assert_eq!(longest_match("^E(0[6-9]|10)[0-9]{6}$"), Some(9));
        assert_eq!(longest_match("^[A-Z]{2,8}[0-9]{2}-[0-9]{1,3}$"), Some(14));
        assert_eq!(longest_match("^(?:[0-9a-f]{2}){1,800}$"), Some(1600));
        assert_eq!(
            longest_match(AcademicYear::pattern()),
            Some("2021/22".len())
        );
        let programme_year = shape_of::<ProgrammeYear>().pattern.unwrap_or_default();
        assert_eq!(longest_match(&programme_year), Some("2014/15".len()));
        assert_eq!(longest_match("^[^\\u0000]*$"), None);
        assert_eq!(longest_match("[^\\s]"), None, "unanchored: anything around");
        assert_eq!(longest_match("^[0-9]{3}"), None, "anything after");
        assert_eq!(longest_match("^a$|b"), None, "one branch unanchored");
        let postcode = shape_of::<Postcode>().pattern.unwrap_or_default();
        assert_eq!(longest_match(&postcode), None, "spaces anywhere");
    }
}
