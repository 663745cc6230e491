//! Where signposting sends a school to express interest in a work group: a page of the
//! programme's front end, configured as a URL template (`MATHSHUB_EOI_URL_TEMPLATE`) into which
//! the group's id and the referring Teaching School Hub's slug are put. Both values are
//! URL-safe as they stand (a UUID, a slug of `a-z`, `0-9` and hyphens), so nothing is encoded.

use crate::domain::{ParseError, Slug, WebAddress};

const WORK_GROUP_ID: &str = "{work_group_id}";
const REFERRED_BY: &str = "{referred_by}";

/// The template used unless the deployment names its own.
pub const DEFAULT_EOI_URL_TEMPLATE: &str = "https://mathshub.invalid/work-groups/{work_group_id}/express-interest?referred_by={referred_by}";

/// An expression-of-interest URL template: an `http://` or `https://` address holding
/// `{work_group_id}`, and `{referred_by}` as the whole value of one query parameter, which is
/// left out of the link when no Teaching School Hub referred the school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EoiUrlTemplate {
    with_referral: String,
    without_referral: String,
}

impl EoiUrlTemplate {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let refuse = |why: &str| {
            Err(ParseError(format!(
                "{why}; an expression-of-interest URL template looks like {DEFAULT_EOI_URL_TEMPLATE}"
            )))
        };
        let template = match WebAddress::parse(text) {
            Ok(address) => address.into_inner(),
            Err(error) => return refuse(&error.0),
        };
        if !template.contains(WORK_GROUP_ID) {
            return refuse("it must hold {work_group_id}");
        }
        let stray = template.replace(WORK_GROUP_ID, "").replace(REFERRED_BY, "");
        if stray.contains(['{', '}']) {
            return refuse("its only placeholders are {work_group_id} and {referred_by}");
        }
        if template.matches(REFERRED_BY).count() != 1 {
            return refuse("it must hold {referred_by} once");
        }
        let Some(without_referral) = without_parameter_of(&template) else {
            return refuse(
                "{referred_by} must be the whole value of a query parameter, such as ?referred_by={referred_by}",
            );
        };
        Ok(Self {
            with_referral: template,
            without_referral,
        })
    }

    /// The link to express interest in the group, carrying the referral when there is one.
    pub fn render(&self, work_group_id: uuid::Uuid, referred_by: Option<&Slug>) -> String {
        let id = work_group_id.to_string();
        match referred_by {
            Some(slug) => self
                .with_referral
                .replace(WORK_GROUP_ID, &id)
                .replace(REFERRED_BY, slug.as_str()),
            None => self.without_referral.replace(WORK_GROUP_ID, &id),
        }
    }
}

impl Default for EoiUrlTemplate {
    fn default() -> Self {
        Self::parse(DEFAULT_EOI_URL_TEMPLATE).expect("the default template is valid")
    }
}

/// The template without the query parameter whose value is `{referred_by}` (and the `&` or
/// `?` that introduced it); `None` when `{referred_by}` is not such a value.
fn without_parameter_of(template: &str) -> Option<String> {
    let at = template.find(REFERRED_BY)?;
    let end = at + REFERRED_BY.len();
    let query_starts = template.find('?')?;
    let fragment_starts = template.find('#').unwrap_or(template.len());
    if at < query_starts || end > fragment_starts {
        return None;
    }
    let parameter_starts = template[..at].rfind(['?', '&'])?;
    let name = template[parameter_starts + 1..at].strip_suffix('=')?;
    if name.is_empty() || name.contains('=') {
        return None;
    }
    let rest = &template[end..];
    if !(rest.is_empty() || rest.starts_with(['&', '#'])) {
        return None;
    }
    let before = &template[..parameter_starts];
    Some(
        match (
            &template[parameter_starts..=parameter_starts],
            rest.strip_prefix('&'),
        ) {
            // `?referred_by=…&more`: the next parameter takes the `?`.
            ("?", Some(more)) => format!("{before}?{more}"),
            _ => format!("{before}{rest}"),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: &str = "017ce0d0-0000-7000-8000-000000000606";

    fn render(template: &str, referred_by: Option<&str>) -> String {
        let slug = referred_by.map(|slug| Slug::parse(slug).unwrap());
        EoiUrlTemplate::parse(template)
            .unwrap()
            .render(GROUP.parse().unwrap(), slug.as_ref())
    }

    #[test]
    fn the_group_and_the_referral_are_put_in_place() {
        assert_eq!(
            render(DEFAULT_EOI_URL_TEMPLATE, Some("london-district-east")),
            format!(
                "https://mathshub.invalid/work-groups/{GROUP}/express-interest?referred_by=london-district-east"
            )
        );
        assert_eq!(
            render(
                "https://hubs.example.org/eoi?ref={referred_by}&group={work_group_id}#form",
                Some("east-london")
            ),
            format!("https://hubs.example.org/eoi?ref=east-london&group={GROUP}#form")
        );
    }

    #[test]
    fn without_a_referral_the_parameter_is_left_out() {
        for (template, expected) in [
            (
                DEFAULT_EOI_URL_TEMPLATE,
                format!("https://mathshub.invalid/work-groups/{GROUP}/express-interest"),
            ),
            (
                "https://a.example/eoi?ref={referred_by}&group={work_group_id}",
                format!("https://a.example/eoi?group={GROUP}"),
            ),
            (
                "https://a.example/eoi?group={work_group_id}&ref={referred_by}#top",
                format!("https://a.example/eoi?group={GROUP}#top"),
            ),
            (
                "https://a.example/{work_group_id}?a=1&ref={referred_by}&b=2",
                format!("https://a.example/{GROUP}?a=1&b=2"),
            ),
        ] {
            assert_eq!(render(template, None), expected, "{template}");
        }
    }

    #[test]
    fn templates_that_could_not_make_a_working_link_are_refused() {
        for template in [
            "",
            "mathshub.invalid/{work_group_id}?ref={referred_by}",
            "ftp://a.example/{work_group_id}?ref={referred_by}",
            "https://a.example/eoi?ref={referred_by}",
            "https://a.example/{work_group_id}",
            "https://a.example/{referred_by}/{work_group_id}",
            "https://a.example/{work_group_id}?ref=x{referred_by}",
            "https://a.example/{work_group_id}?ref={referred_by}x",
            "https://a.example/{work_group_id}?{referred_by}",
            "https://a.example/{work_group_id}?a={referred_by}&b={referred_by}",
            "https://a.example/{work_group_id}#x?ref={referred_by}",
            "https://a.example/{work_group_id}?ref={referred_by}&school={urn}",
            "https://a.example/{work group}?ref={referred_by}",
        ] {
            let refused = EoiUrlTemplate::parse(template).unwrap_err();
            assert!(
                refused.0.contains(DEFAULT_EOI_URL_TEMPLATE),
                "{template}: {refused}"
            );
        }
    }

    #[test]
    fn the_default_is_valid() {
        assert_eq!(
            EoiUrlTemplate::default(),
            EoiUrlTemplate::parse(DEFAULT_EOI_URL_TEMPLATE).unwrap()
        );
    }
}
