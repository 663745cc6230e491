//! Requests no route takes. A path the API serves, asked with a method it does not serve there,
//! answers 405 with `Allow` naming the methods it does serve (RFC 9110 §15.5.6); any other path
//! answers 404. actix-web answers both 404 by itself, since each handler is a resource of its
//! own guarded by its method, so the served paths are read from the OpenAPI document, which
//! lists every path with its methods. The 405 is a middleware rather than the default service:
//! a fixed path such as `/schools/import` also matches a template (`/schools/{urn}`) whose
//! handler would otherwise take `PATCH /schools/import`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, ResponseError, web};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::PathItem;

use crate::error::ApiError;

/// Every path template of the document with the methods served on it.
pub struct ServedPaths(Vec<(ResourceDef, Vec<&'static str>)>);

impl ServedPaths {
    pub fn from_document(document: &OpenApi) -> Self {
        Self(
            document
                .paths
                .paths
                .iter()
                .map(|(template, item)| (ResourceDef::new(template.as_str()), methods(item)))
                .collect(),
        )
    }

    /// The `Allow` value for a path the API serves, or `None` for a path it does not. A fixed
    /// path the document lists is served as listed, as OpenAPI matches fixed paths before
    /// templated ones; otherwise every template matching the path counts.
    fn allow(&self, path: &str) -> Option<String> {
        let matching: Vec<_> = self
            .0
            .iter()
            .filter(|(template, _)| template.is_match(path))
            .collect();
        let fixed: Vec<_> = matching
            .iter()
            .copied()
            .filter(|(template, _)| template.pattern().is_some_and(|p| !p.contains('{')))
            .collect();
        let served = if fixed.is_empty() { matching } else { fixed };
        let mut allowed: Vec<&str> = served
            .into_iter()
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect();
        if allowed.is_empty() {
            return None;
        }
        allowed.sort_unstable_by_key(|method| METHOD_ORDER.iter().position(|m| m == method));
        allowed.dedup();
        Some(allowed.join(", "))
    }
}

/// The order `Allow` lists methods in: reads first, as the document lists them.
const METHOD_ORDER: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
];

fn methods(item: &PathItem) -> Vec<&'static str> {
    [
        ("GET", &item.get),
        ("HEAD", &item.head),
        ("POST", &item.post),
        ("PUT", &item.put),
        ("PATCH", &item.patch),
        ("DELETE", &item.delete),
        ("OPTIONS", &item.options),
        ("TRACE", &item.trace),
    ]
    .into_iter()
    .filter(|(_, operation)| operation.is_some())
    .map(|(method, _)| method)
    .collect()
}

/// Middleware (for `actix_web::middleware::from_fn`): 405 with `Allow` for a method the path
/// is not served with.
pub async fn refuse_unserved_methods(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let method = request.method().as_str();
    let allow = request
        .app_data::<web::Data<ServedPaths>>()
        .and_then(|served| served.allow(request.path()))
        .filter(|allow| !allow.split(", ").any(|allowed| allowed == method));
    match allow {
        Some(allow) => {
            let error = ApiError::MethodNotAllowed {
                method: method.to_owned(),
                allow,
            };
            Ok(request.into_response(error.error_response()))
        }
        None => next
            .call(request)
            .await
            .map(ServiceResponse::map_into_boxed_body),
    }
}

/// The default service: no route serves the path.
pub async fn unknown_path(request: HttpRequest) -> HttpResponse {
    ApiError::NotFound(format!("There is nothing at {}", request.path())).error_response()
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
    use utoipa::openapi::{Info, OpenApiBuilder};

    use super::*;

    fn served(paths: &[(&str, HttpMethod)]) -> ServedPaths {
        let paths = paths
            .iter()
            .fold(PathsBuilder::new(), |paths, (path, method)| {
                paths.path(
                    *path,
                    PathItem::new(method.clone(), OperationBuilder::new()),
                )
            });
        ServedPaths::from_document(
            &OpenApiBuilder::new()
                .info(Info::new("test", "1"))
                .paths(paths)
                .build(),
        )
    }

    #[test]
    fn allow_lists_every_method_of_the_path_when_it_is_served() {
        let served = served(&[
            ("/things/{id}", HttpMethod::Patch),
            ("/things/{id}", HttpMethod::Get),
            ("/things/{id}", HttpMethod::Delete),
        ]);
        assert_eq!(
            served.allow("/things/42").as_deref(),
            Some("GET, PATCH, DELETE")
        );
    }

    #[test]
    fn allow_is_none_when_no_template_matches_the_path() {
        let served = served(&[("/things/{id}", HttpMethod::Get)]);
        assert_eq!(served.allow("/things/42/parts"), None);
        assert_eq!(served.allow("/other"), None);
    }

    #[test]
    fn allow_lists_a_fixed_path_as_listed_when_a_template_also_matches_it() {
        let served = served(&[
            ("/schools/import", HttpMethod::Post),
            ("/schools/{urn}", HttpMethod::Patch),
        ]);
        assert_eq!(served.allow("/schools/import").as_deref(), Some("POST"));
        assert_eq!(served.allow("/schools/137083").as_deref(), Some("PATCH"));
    }

    #[test]
    fn allow_matches_templates_with_a_suffix_after_a_parameter() {
        let served = served(&[("/calendars/{secret}.ics", HttpMethod::Get)]);
        assert_eq!(served.allow("/calendars/abc.ics").as_deref(), Some("GET"));
        assert_eq!(served.allow("/calendars/abc"), None);
    }
}
