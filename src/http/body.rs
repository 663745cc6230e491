//! Request bodies: parsed, not validated. A handler receives a body whose fields are domain
//! types, which cannot hold an invalid value, and the document shows each field as its type
//! declares it (`domain::schema`): no rule is stated twice. A body is written in three parts,
//! as `api::projects::write` writes `NewProject`:
//!
//! 1. **The typed body**: what the handler works with and the document shows.
//!    `#[derive(ToSchema)]`, one field per JSON field, of a domain type (`ProjectCode`,
//!    `NonBlank`, `BoundedText<N>` through an alias naming its limit, `Pence`, a closed
//!    vocabulary, a `Vec` of them, another typed body), `Option` where the field may be left
//!    out and `Option<Option<_>>` where a `PATCH` clears it with `null`. A field of a value
//!    type (any but a closed vocabulary or a typed body, which the document names as
//!    components) is `#[schema(inline)]` (`startup::openapi::inline_values` writes it as one
//!    schema); one that shows an example declares its schema with `Shown` instead. The doc
//!    comments are the document's descriptions, and `#[serde(deny_unknown_fields)]` tells the
//!    document what the form refuses.
//! 2. **Its form**: what serde reads, `#[derive(Deserialize)]` with
//!    `#[serde(rename = "<typed body>", deny_unknown_fields)]` (so serde's messages name the
//!    body as the document does): the same fields as JSON carries them (`String`, `i64`,
//!    `Vec<String>`, the form of a nested body), and for a field a `PATCH` clears
//!    `#[serde(default, deserialize_with = "crate::http::parse::nullable")]`. A body that is
//!    not a JSON object of these answers 400 naming `body` (`http::write::Write::body`). A body
//!    that gives only a reason reads `ReasonForm`.
//! 3. **`impl TryFrom<Form> for Body`** (`type Error = ApiError`): each field parsed by its
//!    type's `parse` into one `FieldErrors` (`parse`, `check` for numbers, `parse_nullable`,
//!    `parse_each` for lists), named as the caller wrote it (`eligibility.roles_allowed`,
//!    `phases[1]`), in the order of the fields; then
//!    `errors.finish(|| Some(Body { required: required?, optional, .. }))`. Every refused
//!    field is answered at once: 400 when one breaks the document's schema, else 422 (a
//!    well-formed value that cannot be used, `FieldErrors::refuse`).
//!
//! The handler reads `Write<Form>` and converts in its `act` step, after the rights and the
//! `Idempotency-Key` are judged: `let body = Body::try_from(form)?;`. A body anyone may send
//! (signing in) is read with `Json<Form>` and converted first thing. A body whose parts are
//! checked against what is stored in the same answer as their fields (`api::attendance`)
//! parses them one by one into the `FieldErrors` the lookups add to.

use serde::Deserialize;
use serde_json::Value;
use utoipa::PartialSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use crate::domain::NonBlank;
use crate::domain::schema::nullable;
use crate::error::ApiError;
use crate::http::extract::paging::FieldErrors;

/// The form of the bodies that give only a reason (cancelling, declining, waiving), each its
/// own typed body for the document: `{"reason": "…"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonForm {
    reason: String,
}

impl ReasonForm {
    /// The reason: a non-blank text of at most `MAX` characters, else 400 naming `reason`.
    pub fn parse<const MAX: usize>(self) -> Result<NonBlank<MAX>, ApiError> {
        let mut errors = FieldErrors::default();
        let reason = errors.parse("reason", Some(self.reason), NonBlank::parse);
        errors.finish(|| reason)
    }
}

/// The schema of a typed field that shows an example, for `#[schema(schema_with = …)]`:
/// utoipa's derive writes a field's example only when it knows the field's type (a text, a
/// number), and `schema_with` stands for the field's whole schema, its description included.
pub struct Shown(RefOr<Schema>);

impl Shown {
    /// A field of type `T`, shown with `example`.
    pub fn value<T: PartialSchema>(example: Value) -> Self {
        Self(T::schema()).edit(|object| object.example = Some(example))
    }

    /// The field may be left out or `null`.
    pub fn optional(self) -> Self {
        self.edit(|object| *object = nullable(std::mem::take(object)))
    }

    pub fn described(self, description: &str) -> Self {
        self.edit(|object| object.description = Some(description.to_owned()))
    }

    /// Value types are written as one object schema (`domain::schema`).
    fn edit(mut self, edit: impl FnOnce(&mut utoipa::openapi::schema::Object)) -> Self {
        if let RefOr::T(Schema::Object(object)) = &mut self.0 {
            edit(object);
        }
        self
    }
}

impl From<Shown> for RefOr<Schema> {
    fn from(shown: Shown) -> Self {
        shown.0
    }
}
