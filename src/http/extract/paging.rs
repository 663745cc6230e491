//! List endpoints: their query string (filters plus `limit` and `cursor`, unknown names
//! refused) and their answer (`{"items", "next_cursor"}` with a `Link: rel="next"` header).
//! Pagination is by keyset: the cursor is the sort key of the last item (`http::extract::cursor`).

use std::borrow::Borrow;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::Schema;
use utoipa::{IntoParams, ToSchema};

use crate::db::DbPool;
use crate::domain::ParseError;
use crate::error::{ApiError, FieldError};
use crate::http::extract::cursor::{CursorKey, document_pattern};

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// The pagination parameters every list accepts, as the document states them (`ListQuery`
/// adds the pattern of its cursors).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only its documentation is used: `ListQuery` parses the query string
struct PageParams {
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20, example = 20)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page, unchanged; leave out for the first page.
    cursor: Option<String>,
}

/// The filters of one list endpoint: parsed from raw strings so each bad one is named.
pub trait Filters: Sized {
    /// The query parameters as sent, rejecting names the endpoint does not know.
    type Raw: DeserializeOwned;
    /// The filters, with every refused parameter recorded in `errors`; `None` when a required
    /// one is missing or refused, so there is nothing to filter by.
    fn parse(raw: Self::Raw, errors: &mut FieldErrors) -> Option<Self>;
}

/// Collects every refused parameter or field, so one answer names them all: 400 when any
/// breaks the document's schema, else 422 (each is well-formed, but names something that
/// does not exist or breaks a rule, see `refuse`).
#[derive(Debug, Default)]
pub struct FieldErrors {
    errors: Vec<FieldError>,
    malformed: bool,
    judged: bool,
}

impl FieldErrors {
    /// Collects refusals that all answer 422, for a form whose callers expect every bad value
    /// to be named as a broken rule (a webhook endpoint's registration, say).
    pub fn judged() -> Self {
        Self {
            judged: true,
            ..Self::default()
        }
    }

    /// Parses an optional parameter, recording why it was refused.
    pub fn parse<T>(
        &mut self,
        field: &str,
        raw: Option<String>,
        parse: impl FnOnce(&str) -> Result<T, ParseError>,
    ) -> Option<T> {
        match parse(raw.as_deref()?) {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(field, error.0);
                None
            }
        }
    }

    /// Parses a field a `PATCH` may clear: `None` when left out, `Some(None)` when sent as
    /// `null`, `Some(Some(value))` when sent and valid (a refused one is recorded).
    pub fn parse_nullable<T>(
        &mut self,
        field: &str,
        raw: Option<Option<String>>,
        parse: impl FnOnce(&str) -> Result<T, ParseError>,
    ) -> Option<Option<T>> {
        raw.map(|value| value.and_then(|value| self.parse(field, Some(value), parse)))
    }

    /// Checks an optional value that is already typed (a JSON number, say).
    pub fn check<T, U>(
        &mut self,
        field: &str,
        value: Option<T>,
        check: impl FnOnce(T) -> Result<U, ParseError>,
    ) -> Option<U> {
        match check(value?) {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(field, error.0);
                None
            }
        }
    }

    /// Parses each item of an optional list of at most `max` items, naming a bad one by its
    /// place (`phases[1]`); an item named twice is refused too.
    pub fn parse_each<T: PartialEq>(
        &mut self,
        field: &str,
        raw: Option<Vec<String>>,
        max: usize,
        parse: impl Fn(&str) -> Result<T, ParseError>,
    ) -> Option<Vec<T>> {
        let raw = raw?;
        if raw.len() > max {
            self.push(field, format!("must have at most {max} items"));
            return None;
        }
        let errors_before = self.errors.len();
        let mut parsed = Vec::with_capacity(raw.len());
        for (index, item) in raw.iter().enumerate() {
            match parse(item) {
                Ok(value) if parsed.contains(&value) => {
                    self.refuse(&format!("{field}[{index}]"), "is named twice");
                }
                Ok(value) => parsed.push(value),
                Err(error) => self.push(&format!("{field}[{index}]"), error.0),
            }
        }
        (self.errors.len() == errors_before).then_some(parsed)
    }

    /// Records that a required parameter is missing (`raw` is `None`), unless it was already
    /// refused for another reason (given twice, say).
    pub fn require<T>(&mut self, field: &str, raw: &Option<T>, message: &str) {
        if raw.is_none() && !self.errors.iter().any(|error| error.field == field) {
            self.push(field, message);
        }
    }

    /// Records a value the document's schema refuses.
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
        self.malformed = !self.judged;
    }

    /// Records a well-formed value that cannot be used: it names something that does not
    /// exist, or breaks a rule between fields or with what is stored.
    pub fn refuse(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// What was parsed, when nothing was refused: `build` makes it from the parsed values, and
    /// answers `None` only when a required one was refused (`code?`), which is recorded.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, ApiError> {
        match build() {
            Some(parsed) if self.is_empty() => Ok(parsed),
            _ => Err(self.into_refusal()),
        }
    }

    /// The answer to a request that could not be parsed, which always records why.
    fn into_refusal(self) -> ApiError {
        self.into_result()
            .err()
            .unwrap_or_else(|| ApiError::internal("a refused query string recorded no reason"))
    }

    /// Every refused field, if any was: 400 when one breaks the schema, else 422.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else if self.malformed {
            Err(ApiError::Validation(self.errors))
        } else {
            Err(ApiError::Unprocessable(self.errors))
        }
    }
}

/// A list request: its parsed filters, and which page.
#[derive(Debug)]
pub struct ListQuery<F, K> {
    pub filters: F,
    pub page: PageRequest<K>,
}

/// Which page of a list: its size, and the sort key to continue after. The answer's cursor
/// is of the same key (`PageRequest::respond`).
#[derive(Debug)]
pub struct PageRequest<K> {
    limit: i64,
    after: Option<K>,
}

impl<F, K: CursorKey> ListQuery<F, K> {
    /// Answers this page of a list, the one way every list is answered: `fetch(conn, filters,
    /// after, count)` loads the items after the sort key `after` (a text key as `&str`) in
    /// the list's order, at most `count` of them, on a connection of `pool`; `sort_key` gives
    /// an item's key in that order. See `PageRequest::respond`, which this is with the
    /// connection taken and the filters passed on.
    pub async fn respond<Key, Item, View, E>(
        &self,
        request: &HttpRequest,
        pool: &DbPool,
        fetch: impl AsyncFnOnce(&mut AsyncPgConnection, &F, Option<&Key>, i64) -> Result<Vec<Item>, E>,
        sort_key: impl Fn(&View) -> K,
    ) -> Result<HttpResponse, ApiError>
    where
        K: Borrow<Key>,
        Key: ?Sized,
        Item: Into<View>,
        View: Serialize,
        ApiError: From<E>,
    {
        let mut conn = pool.get().await?;
        let fetch = async |after: Option<&K>, count| {
            fetch(&mut conn, &self.filters, after.map(K::borrow), count).await
        };
        self.page.respond(request, fetch, sort_key).await
    }
}

impl<K: CursorKey> PageRequest<K> {
    /// Answers this page of a list, for a handler that holds a connection already:
    /// `fetch(after, count)` loads the items after the sort key `after` in the list's order,
    /// at most `count` of them; `sort_key` gives an item's key in that order, which the next
    /// page's cursor is. `count` is one more than the page holds: the extra item only says
    /// whether a next page exists, so no list is ever counted.
    pub async fn respond<Item, View, E>(
        &self,
        request: &HttpRequest,
        fetch: impl AsyncFnOnce(Option<&K>, i64) -> Result<Vec<Item>, E>,
        sort_key: impl Fn(&View) -> K,
    ) -> Result<HttpResponse, ApiError>
    where
        Item: Into<View>,
        View: Serialize,
        ApiError: From<E>,
    {
        let items = fetch(self.after.as_ref(), self.limit + 1).await?;
        let items = items.into_iter().map(Into::into).collect();
        Ok(self.render(request, items, sort_key))
    }

    /// The page of up to `limit` of `items`, with the cursor and `Link` of the next page when
    /// `items` holds more.
    fn render<T: Serialize>(
        &self,
        request: &HttpRequest,
        mut items: Vec<T>,
        sort_key: impl Fn(&T) -> K,
    ) -> HttpResponse {
        let has_more = items.len() as i64 > self.limit;
        items.truncate(self.limit as usize);
        let next_cursor = has_more
            .then(|| items.last().map(|last| sort_key(last).encode()))
            .flatten();
        let mut response = HttpResponse::Ok();
        if let Some(cursor) = &next_cursor {
            response.insert_header((
                header::LINK,
                format!("<{}>; rel=\"next\"", next_page_link(request, cursor)),
            ));
        }
        response.json(Page { items, next_cursor })
    }
}

impl<F: Filters, K: CursorKey> ListQuery<F, K> {
    pub fn parse(query_string: &str) -> Result<Self, ApiError> {
        let pairs = decode_pairs(query_string)?;
        let mut errors = FieldErrors::default();
        let mut limit = None;
        let mut cursor = None;
        let mut rest = Vec::with_capacity(pairs.len());
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "limit" => &mut limit,
                "cursor" => &mut cursor,
                _ => {
                    rest.push((name, value));
                    continue;
                }
            };
            if slot.replace(value).is_some() {
                errors.push(&name, "is given more than once");
            }
        }
        let limit = errors
            .parse("limit", limit, parse_limit)
            .unwrap_or(DEFAULT_LIMIT);
        let after = errors.parse("cursor", cursor, decode_cursor);
        let filters = parse_filters::<F>(rest, &mut errors, Paging::Paged);
        match filters {
            Some(filters) if errors.is_empty() => Ok(Self {
                filters,
                page: PageRequest { limit, after },
            }),
            _ => Err(errors.into_refusal()),
        }
    }
}

impl<F: Filters, K: CursorKey> FromRequest for ListQuery<F, K> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::parse(request.query_string()))
    }
}

/// A list's filters, then `limit` and `cursor`, the cursor with the pattern of the list's key.
impl<F: Filters, K: CursorKey> IntoParams for ListQuery<F, K>
where
    F::Raw: IntoParams,
{
    fn into_params(parameter_in: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut parameters = F::Raw::into_params(&parameter_in);
        parameters.extend(PageParams::into_params(&parameter_in).into_iter().map(
            |mut parameter| {
                if parameter.name == "cursor"
                    && let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut()
                {
                    schema.pattern = Some(document_pattern::<K>());
                }
                parameter
            },
        ));
        parameters
    }
}

/// The query parameters of an operation that is not a paged list: `F`'s own and no others,
/// each bad, repeated or unknown one named (400).
#[derive(Debug)]
pub struct QueryParameters<F>(pub F);

impl<F: Filters> QueryParameters<F> {
    pub fn parse(query_string: &str) -> Result<Self, ApiError> {
        let pairs = decode_pairs(query_string)?;
        let mut errors = FieldErrors::default();
        match parse_filters::<F>(pairs, &mut errors, Paging::Unpaged) {
            Some(parameters) if errors.is_empty() => Ok(Self(parameters)),
            _ => Err(errors.into_refusal()),
        }
    }
}

impl<F: Filters> FromRequest for QueryParameters<F> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::parse(request.query_string()))
    }
}

/// The query string's `name=value` pairs, decoded. A name that is not UTF-8 text without
/// control characters once decoded, or a value that is not UTF-8 or holds U+0000 (which
/// PostgreSQL's text cannot hold), is refused by name rather than mangled into something else
/// or passed on to the database. Other control characters are text a value may hold, as the
/// document's patterns allow.
pub fn decode_pairs(query_string: &str) -> Result<Vec<(String, String)>, ApiError> {
    let decode = |text: &str| {
        let bytes: Vec<u8> =
            percent_encoding::percent_decode(text.replace('+', " ").as_bytes()).collect();
        String::from_utf8(bytes).ok()
    };
    let mut pairs = Vec::new();
    let mut errors = FieldErrors::default();
    for pair in query_string.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name).filter(|name| !name.chars().any(char::is_control));
        match (name, decode(value).filter(|value| !value.contains('\0'))) {
            (Some(name), Some(value)) => pairs.push((name, value)),
            (Some(name), None) => errors.push(&name, "must be UTF-8 text without U+0000"),
            (None, _) => errors.push("query", "names a parameter that is not UTF-8 text"),
        }
    }
    errors.into_result().map(|()| pairs)
}

/// Whether a query string takes `limit` and `cursor` besides its own parameters.
#[derive(Debug, Clone, Copy)]
enum Paging {
    Paged,
    Unpaged,
}

/// Parses the filters, setting aside each unknown or repeated parameter (and naming it) so the
/// known ones are still checked and every problem is reported at once.
fn parse_filters<F: Filters>(
    mut pairs: Vec<(String, String)>,
    errors: &mut FieldErrors,
    paging: Paging,
) -> Option<F> {
    loop {
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        match serde_urlencoded::from_str::<F::Raw>(&query) {
            Ok(raw) => return F::parse(raw, errors),
            Err(error) => {
                let problem = describe_query_error(&error.to_string(), paging);
                let before = pairs.len();
                pairs.retain(|(name, _)| *name != problem.field);
                let set_aside = pairs.len() < before;
                errors.push(&problem.field, problem.message);
                if !set_aside {
                    return None;
                }
            }
        }
    }
}

/// A page size: 1 to `MAX_LIMIT`.
pub fn parse_limit(text: &str) -> Result<i64, ParseError> {
    match text.parse::<i64>() {
        Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
        _ => Err(ParseError(format!(
            "must be a whole number between 1 and {MAX_LIMIT}"
        ))),
    }
}

fn decode_cursor<K: CursorKey>(text: &str) -> Result<K, ParseError> {
    K::decode(text).ok_or_else(|| {
        ParseError(format!(
            "is not a cursor of this list (pass `next_cursor` back unchanged): it must match {}",
            document_pattern::<K>()
        ))
    })
}

/// Turns serde's "unknown field `x`, expected one of …" into a field-level message.
fn describe_query_error(message: &str, paging: Paging) -> FieldError {
    let mut parts = message.split('`');
    match (parts.next(), parts.next()) {
        (Some(prefix), Some(name)) if prefix.starts_with("unknown field") => {
            let expected = message
                .split_once("expected ")
                .map(|(_, rest)| rest)
                .unwrap_or("none");
            let explained = match paging {
                Paging::Paged => format!(
                    "is not a query parameter of this list (expected {expected}, limit or cursor)"
                ),
                Paging::Unpaged => {
                    format!("is not a query parameter of this operation (expected {expected})")
                }
            };
            FieldError::new(name, explained)
        }
        (Some(prefix), Some(name)) if prefix.starts_with("duplicate field") => {
            FieldError::new(name, "is given more than once")
        }
        _ => FieldError::new("query", message.to_owned()),
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// 400 naming `limit` and `cursor` when the query gives them: for a representation of a
/// list that is not paged (an export of every matching item), where they would otherwise be
/// silently ignored.
pub fn refuse_paging(request: &HttpRequest, representation: &str) -> Result<(), ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(request.query_string()).unwrap_or_default();
    let mut errors = FieldErrors::default();
    for name in ["limit", "cursor"] {
        if pairs.iter().any(|(given, _)| given == name) {
            errors.push(
                name,
                format!("does not apply: {representation} holds every matching item, unpaged"),
            );
        }
    }
    errors.into_result()
}

/// The request's own path and query with `cursor` replaced.
fn next_page_link(request: &HttpRequest, cursor: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(request.query_string()).unwrap_or_default();
    pairs.retain(|(name, _)| name != "cursor");
    pairs.push(("cursor".into(), cursor.into()));
    format!(
        "{}?{}",
        request.path(),
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

/// The query of a list filtered by nothing besides paging.
#[derive(Debug, serde::Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoFilters {}

/// A list without filters.
#[derive(Debug)]
pub struct Unfiltered;

impl Filters for Unfiltered {
    type Raw = NoFilters;
    fn parse(_: NoFilters, _: &mut FieldErrors) -> Option<Self> {
        Some(Self)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawNameFilter {
        name: Option<String>,
    }

    #[derive(Debug)]
    struct NameFilter {
        name: Option<String>,
    }

    impl Filters for NameFilter {
        type Raw = RawNameFilter;
        fn parse(raw: RawNameFilter, errors: &mut FieldErrors) -> Option<Self> {
            let name = errors.parse("name", raw.name, |text| {
                if text.is_empty() {
                    Err(ParseError("must not be empty".into()))
                } else {
                    Ok(text.to_owned())
                }
            });
            Some(Self { name })
        }
    }

    type Query = ListQuery<NameFilter, (String, i64)>;

    fn fields(error: ApiError) -> Vec<String> {
        match error {
            ApiError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_apply_when_nothing_is_given() {
        let query = Query::parse("").unwrap();
        assert_eq!(query.page.limit, DEFAULT_LIMIT);
        assert!(query.page.after.is_none() && query.filters.name.is_none());
    }

    #[test]
    fn cursor_round_trips() {
        let cursor = ("LCW21-15-01".to_owned(), 7).encode();
        let query = Query::parse(&format!("cursor={cursor}&name=x&limit=5")).unwrap();
        assert_eq!(query.page.after, Some(("LCW21-15-01".to_owned(), 7)));
        assert_eq!(query.page.limit, 5);
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let error = Query::parse("limit=0&cursor=nonsense&name=").unwrap_err();
        assert_eq!(fields(error), ["limit", "cursor", "name"]);
    }

    #[test]
    fn refusals_answer_422_when_every_value_was_well_formed_and_400_when_one_was_not() {
        let status = |errors: FieldErrors| errors.into_result().unwrap_err().status_code();
        let mut unusable = FieldErrors::default();
        unusable.refuse("hub", "no hub has the slug nowhere");
        assert_eq!(status(unusable), 422);

        let mut both = FieldErrors::default();
        both.refuse("hub", "no hub has the slug nowhere");
        both.push("limit", "must be a whole number between 1 and 100");
        let ApiError::Validation(errors) = both.into_result().unwrap_err() else {
            panic!("a malformed value makes the answer 400")
        };
        assert_eq!(errors.len(), 2, "both refusals are named");

        let mut twice = FieldErrors::default();
        let items = Some(vec!["a".to_owned(), "a".to_owned()]);
        twice.parse_each("tags", items, 3, |text| Ok(text.to_owned()));
        assert_eq!(
            status(twice),
            422,
            "a list may repeat an item by its schema"
        );
    }

    #[test]
    fn limits_outside_one_to_a_hundred_are_refused() {
        for limit in ["0", "101", "1000", "-1", "ten", ""] {
            assert_eq!(
                fields(Query::parse(&format!("limit={limit}")).unwrap_err()),
                ["limit"],
                "{limit}"
            );
        }
        assert_eq!(Query::parse("limit=100").unwrap().page.limit, 100);
    }

    #[test]
    fn unknown_parameters_are_refused_by_name() {
        assert_eq!(fields(Query::parse("colour=red").unwrap_err()), ["colour"]);
    }

    #[test]
    fn each_item_of_a_list_is_parsed_and_a_bad_or_repeated_one_named_by_its_place() {
        let parse = |text: &str| match text {
            "bad" => Err(ParseError("is bad".into())),
            good => Ok(good.to_owned()),
        };
        let items = |texts: &[&str]| Some(texts.iter().map(|t| t.to_string()).collect());
        let mut errors = FieldErrors::default();
        assert_eq!(
            errors.parse_each("tags", items(&["a", "b"]), 3, parse),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(errors.parse_each("tags", None, 3, parse), None);
        assert!(errors.errors.is_empty());
        assert_eq!(
            errors.parse_each("tags", items(&["a", "bad", "a"]), 3, parse),
            None
        );
        assert_eq!(
            errors.parse_each("long", items(&["a", "b"]), 1, parse),
            None
        );
        let named: Vec<_> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["tags[1]", "tags[2]", "long"]);
    }

    #[test]
    fn an_operation_s_parameters_are_its_own_and_no_page_parameters() {
        let error = QueryParameters::<NameFilter>::parse("name=x&colour=red&limit=5").unwrap_err();
        let ApiError::Validation(errors) = error else {
            panic!("expected a validation error")
        };
        let named: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["colour", "limit"]);
        assert!(
            errors
                .iter()
                .all(|e| e.message.contains("of this operation") && !e.message.contains("cursor")),
            "{errors:?}"
        );
        let parsed = QueryParameters::<NameFilter>::parse("name=x").unwrap();
        assert_eq!(parsed.0.name.as_deref(), Some("x"));
    }

    #[test]
    fn a_required_parameter_is_missing_only_when_not_refused_already() {
        let mut errors = FieldErrors::default();
        errors.require("name", &None::<String>, "is required");
        errors.push("other", "is given more than once");
        errors.require("other", &None::<String>, "is required");
        errors.require("present", &Some(1), "is required");
        let named: Vec<_> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["name", "other"]);
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert_eq!(
            fields(Query::parse("limit=1&limit=2").unwrap_err()),
            ["limit"]
        );
        assert_eq!(fields(Query::parse("name=a&name=b").unwrap_err()), ["name"]);
    }
}

/// For single resources: any query parameter is refused (400 naming each), as on lists.
#[derive(Debug)]
pub struct NoQueryParameters;

impl FromRequest for NoQueryParameters {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs: Vec<(String, String)> = match serde_urlencoded::from_str(request.query_string())
        {
            Ok(pairs) => pairs,
            Err(_) => {
                return ready(Err(ApiError::invalid(
                    "query",
                    "is not a valid URL-encoded query string",
                )));
            }
        };
        let errors: Vec<FieldError> = pairs
            .into_iter()
            .map(|(name, _)| {
                FieldError::new(
                    name,
                    "is not a query parameter of this resource (it takes none)",
                )
            })
            .collect();
        ready(if errors.is_empty() {
            Ok(Self)
        } else {
            Err(ApiError::Validation(errors))
        })
    }
}
