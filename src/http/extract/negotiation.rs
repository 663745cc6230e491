//! Proactive content negotiation (RFC 9110 §12.5.1) for operations answering in more than
//! one media type: the `Accept` header picks among the types an operation offers.

use actix_web::http::header::{self, Accept, Header, HeaderValue, Quality, QualityItem};
use actix_web::mime::{APPLICATION_JSON, Mime, STAR, TEXT_CSV};
use actix_web::{HttpRequest, HttpResponse};

use crate::error::ApiError;

/// Whether the caller of an operation answering JSON or CSV prefers CSV (JSON when `Accept`
/// is missing or ranks both alike); 406 when it accepts neither.
pub fn wants_csv(request: &HttpRequest) -> Result<bool, ApiError> {
    Ok(preferred(request, &[&APPLICATION_JSON, &TEXT_CSV])? == &TEXT_CSV)
}

/// Marks an answer as chosen by `Accept`: one URL, two representations, so caches must key
/// on it.
pub fn varies_by_accept(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    response
}

/// The offered type the caller prefers: the first of `offered` (in the server's order of
/// preference) when `Accept` is missing or ranks several alike; 406 when it accepts none.
pub fn preferred<'a>(request: &HttpRequest, offered: &[&'a Mime]) -> Result<&'a Mime, ApiError> {
    if !request.headers().contains_key(header::ACCEPT) {
        return offered
            .first()
            .copied()
            .ok_or_else(|| not_acceptable(offered));
    }
    let accept = Accept::parse(request).map_err(|_| not_acceptable(offered))?;
    let mut best: Option<(&Mime, Quality)> = None;
    for &candidate in offered {
        let quality = quality_of(&accept, candidate);
        if quality > Quality::ZERO && best.is_none_or(|(_, best)| quality > best) {
            best = Some((candidate, quality));
        }
    }
    best.map(|(mime, _)| mime)
        .ok_or_else(|| not_acceptable(offered))
}

/// The weight `Accept` gives `offered`: that of the most specific range naming it (`text/csv`
/// over `text/*` over `*/*`), zero when none does.
fn quality_of(accept: &Accept, offered: &Mime) -> Quality {
    accept
        .iter()
        .filter_map(|range| specificity(range, offered).map(|rank| (rank, range.quality)))
        .max_by_key(|(rank, _)| *rank)
        .map_or(Quality::ZERO, |(_, quality)| quality)
}

/// How specifically `range` names `offered`: 2 exactly, 1 by its type, 0 by `*/*`; `None`
/// when it does not name it.
fn specificity(range: &QualityItem<Mime>, offered: &Mime) -> Option<u8> {
    let range = &range.item;
    if range.type_() == STAR {
        Some(0)
    } else if range.type_() != offered.type_() {
        None
    } else if range.subtype() == STAR {
        Some(1)
    } else {
        (range.subtype() == offered.subtype()).then_some(2)
    }
}

fn not_acceptable(offered: &[&Mime]) -> ApiError {
    let offered: Vec<String> = offered.iter().map(|mime| mime.to_string()).collect();
    ApiError::NotAcceptable(format!(
        "This operation answers in {}: name one of them in Accept.",
        offered.join(" or ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::mime::{APPLICATION_JSON, TEXT_CSV};
    use actix_web::test::TestRequest;

    fn pick(accept: Option<&str>) -> Result<Mime, ApiError> {
        let mut request = TestRequest::default();
        if let Some(accept) = accept {
            request = request.insert_header(("Accept", accept));
        }
        preferred(&request.to_http_request(), &[&APPLICATION_JSON, &TEXT_CSV]).cloned()
    }

    #[test]
    fn json_is_the_default_and_wins_ties() {
        for accept in [None, Some("*/*"), Some("text/csv, application/json")] {
            assert_eq!(pick(accept).unwrap(), APPLICATION_JSON, "{accept:?}");
        }
    }

    #[test]
    fn the_most_specific_range_sets_a_type_s_weight() {
        for accept in [
            "text/csv",
            "text/*",
            "application/json;q=0.5, text/csv",
            "*/*;q=0.1, text/csv",
            "application/*;q=0, */*",
            "text/csv; charset=utf-8",
        ] {
            assert_eq!(pick(Some(accept)).unwrap(), TEXT_CSV, "{accept}");
        }
    }

    #[test]
    fn types_offered_nowhere_or_refused_are_not_acceptable() {
        for accept in [
            "text/html",
            "application/xml, image/*",
            "*/*;q=0",
            "text/csv;q=0",
        ] {
            assert!(
                matches!(pick(Some(accept)), Err(ApiError::NotAcceptable(_))),
                "{accept}"
            );
        }
    }

    #[test]
    fn a_malformed_accept_header_is_not_acceptable_rather_than_an_error() {
        assert!(matches!(
            pick(Some("not a media type;;")),
            Err(ApiError::NotAcceptable(_))
        ));
    }
}
