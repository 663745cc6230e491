//! Requests no route takes. A path the API serves, asked with a method it does not serve there,
//! answers 405 with `Allow` naming the methods it does serve (RFC 9110 §15.5.6); any other path
//! answers 404. actix-web answers both 404 by itself, since each handler is a resource of its
//! own guarded by its method, so the served paths are read from the OpenAPI document, which
//! lists every path with its methods.
//!
//! Most of that is the default service's work, done only for a request no handler took. A
//! fixed path is checked before routing, by a middleware: `/schools/import` also matches a
//! template (`/schools/{urn}`) whose handler would otherwise take `PATCH /schools/import`. That
//! check is one hash lookup, because the middleware sees every request: matching each of the
//! document's templates there took about 7 % of the server's CPU on the list endpoint.

use std::collections::HashMap;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, ResponseError, web};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::PathItem;

use crate::error::ApiError;

/// Every path of the document with the methods served on it.
pub struct ServedPaths {
    fixed: HashMap<String, Vec<&'static str>>,
    templated: Vec<(ResourceDef, Vec<&'static str>)>,
}

impl ServedPaths {
    pub fn from_document(document: &OpenApi) -> Self {
        let (templated, fixed): (Vec<_>, Vec<_>) = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| (path.clone(), methods(item)))
            .partition(|(path, _)| path.contains('{'));
        Self {
            fixed: fixed.into_iter().collect(),
            templated: templated
                .into_iter()
                .map(|(template, methods)| (ResourceDef::new(template), methods))
                .collect(),
        }
    }

    /// The methods served on `path`, or `None` for a path the API does not serve. A fixed path
    /// the document lists is served as listed, as OpenAPI matches fixed paths before templated
    /// ones; otherwise every template matching the path counts.
    fn methods(&self, path: &str) -> Option<Vec<&'static str>> {
        if let Some(methods) = self.fixed.get(path) {
            return Some(methods.clone());
        }
        let mut methods: Vec<&'static str> = self
            .templated
            .iter()
            .filter(|(template, _)| template.is_match(path))
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect();
        if methods.is_empty() {
            return None;
        }
        methods.sort_unstable_by_key(|method| METHOD_ORDER.iter().position(|m| m == method));
        methods.dedup();
        Some(methods)
    }
}

/// The 405 for `method` on a path served with `methods`, or `None` when it is one of them.
fn refusal(method: &str, methods: &[&'static str]) -> Option<ApiError> {
    (!methods.contains(&method)).then(|| ApiError::MethodNotAllowed {
        method: method.to_owned(),
        allow: methods.join(", "),
    })
}

/// The order `Allow` lists methods in: reads first, as the document lists them.
const METHOD_ORDER: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
];

fn methods(item: &PathItem) -> Vec<&'static str> {
    let mut methods: Vec<_> = [
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
    .collect();
    methods.sort_unstable_by_key(|method| METHOD_ORDER.iter().position(|m| m == method));
    methods
}

/// Middleware (for `actix_web::middleware::from_fn`): 405 with `Allow` for a method a fixed
/// path is not served with, before a template's handler can take it.
pub async fn refuse_unserved_methods_on_fixed_paths(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let refusal = request
        .app_data::<web::Data<ServedPaths>>()
        .and_then(|served| served.fixed.get(request.path()))
        .and_then(|methods| refusal(request.method().as_str(), methods));
    match refusal {
        Some(refusal) => Ok(request.into_response(refusal.error_response())),
        None => next
            .call(request)
            .await
            .map(ServiceResponse::map_into_boxed_body),
    }
}

/// The default service: no handler takes the request. 405 when the path is served with other
/// methods, else 404.
pub async fn unknown_path(request: HttpRequest, served: web::Data<ServedPaths>) -> HttpResponse {
    served
        .methods(request.path())
        .and_then(|methods| refusal(request.method().as_str(), &methods))
        .unwrap_or_else(|| ApiError::NotFound(format!("There is nothing at {}", request.path())))
        .error_response()
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
    use utoipa::openapi::{Info, OpenApiBuilder};

    use super::*;

    fn allow(served: &ServedPaths, path: &str) -> Option<String> {
        served.methods(path).map(|methods| methods.join(", "))
    }

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
            allow(&served, "/things/42").as_deref(),
            Some("GET, PATCH, DELETE")
        );
    }

    #[test]
    fn allow_is_none_when_no_template_matches_the_path() {
        let served = served(&[("/things/{id}", HttpMethod::Get)]);
        assert_eq!(allow(&served, "/things/42/parts"), None);
        assert_eq!(allow(&served, "/other"), None);
    }

    #[test]
    fn allow_lists_a_fixed_path_as_listed_when_a_template_also_matches_it() {
        let served = served(&[
            ("/schools/import", HttpMethod::Post),
            ("/schools/{urn}", HttpMethod::Patch),
        ]);
        assert_eq!(allow(&served, "/schools/import").as_deref(), Some("POST"));
        assert_eq!(allow(&served, "/schools/137083").as_deref(), Some("PATCH"));
    }

    #[test]
    fn allow_matches_templates_with_a_suffix_after_a_parameter() {
        let served = served(&[("/calendars/{secret}.ics", HttpMethod::Get)]);
        assert_eq!(allow(&served, "/calendars/abc.ics").as_deref(), Some("GET"));
        assert_eq!(allow(&served, "/calendars/abc"), None);
    }
}
