//! Where a school may sit and what it may be called, whether it comes from the API or from a
//! Get Information about Schools file: its authority is an education authority (a county,
//! unitary or borough, not retired), and its district, if any, is a district of that county.

use super::{LaKind, NonBlank, ParseError};

/// The facts about a local authority that decide whether a school may sit in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityFacts {
    pub gss_code: String,
    /// The DfE three-digit LA number, where one is recorded.
    pub la_number: Option<String>,
    pub name: String,
    pub kind: LaKind,
    /// The county of a district.
    pub parent_gss_code: Option<String>,
    pub retired: bool,
}

impl AuthorityFacts {
    fn named(&self) -> String {
        format!("{} ({})", self.name, self.gss_code)
    }
}

/// Schools are maintained by education authorities; districts and retired authorities
/// maintain none.
pub fn check_education_authority(authority: &AuthorityFacts) -> Result<(), ParseError> {
    if authority.retired {
        Err(ParseError(format!("{} is retired", authority.named())))
    } else if !authority.kind.is_education_authority() {
        Err(ParseError(format!(
            "{} is a district, not an education authority: give its county",
            authority.named()
        )))
    } else {
        Ok(())
    }
}

/// A school's district must be a current district of its (county) authority.
pub fn check_district(
    district: &AuthorityFacts,
    authority: &AuthorityFacts,
) -> Result<(), ParseError> {
    if authority.kind != LaKind::County {
        Err(ParseError(format!(
            "{} is not a county, so its schools have no district",
            authority.named()
        )))
    } else if district.kind != LaKind::District
        || district.parent_gss_code.as_deref() != Some(authority.gss_code.as_str())
    {
        Err(ParseError(format!(
            "{} is not a district of {}",
            district.named(),
            authority.named()
        )))
    } else if district.retired {
        Err(ParseError(format!("{} is retired", district.named())))
    } else {
        Ok(())
    }
}

/// A school's name: anything but blank, at most 200 characters, trimmed.
pub fn school_name(text: &str) -> Result<String, ParseError> {
    let name = text.trim();
    match name.chars().count() {
        0 => Err(ParseError("must not be empty".into())),
        201.. => Err(ParseError("must be at most 200 characters".into())),
        _ => Ok(name.to_owned()),
    }
}

/// A school's name as a request sends it: `school_name`'s rule, shown in the document as a
/// name (`NonBlank`) is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolName(String);

impl SchoolName {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        school_name(text).map(Self)
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl utoipa::PartialSchema for SchoolName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::schema::text(NonBlank::<200>::PATTERN, None, NonBlank::<200>::MAX_CHARS).into()
    }
}

impl utoipa::ToSchema for SchoolName {}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority(gss_code: &str, kind: LaKind, parent: Option<&str>) -> AuthorityFacts {
        AuthorityFacts {
            gss_code: gss_code.into(),
            la_number: None,
            name: gss_code.into(),
            kind,
            parent_gss_code: parent.map(str::to_owned),
            retired: false,
        }
    }

    #[test]
    fn only_current_education_authorities_maintain_schools() {
        for kind in [
            LaKind::County,
            LaKind::Unitary,
            LaKind::Metropolitan,
            LaKind::LondonBorough,
        ] {
            assert!(check_education_authority(&authority("E10000016", kind, None)).is_ok());
        }
        let district = authority("E07000107", LaKind::District, Some("E10000016"));
        assert!(check_education_authority(&district).is_err());
        let retired = AuthorityFacts {
            retired: true,
            ..authority("E10000016", LaKind::County, None)
        };
        assert!(check_education_authority(&retired).is_err());
    }

    #[test]
    fn a_district_must_sit_in_the_schools_county() {
        let kent = authority("E10000016", LaKind::County, None);
        let dartford = authority("E07000107", LaKind::District, Some("E10000016"));
        let cotswold = authority("E07000079", LaKind::District, Some("E10000013"));
        let ealing = authority("E09000009", LaKind::LondonBorough, None);
        assert!(check_district(&dartford, &kent).is_ok());
        assert!(check_district(&cotswold, &kent).is_err());
        assert!(check_district(&ealing, &kent).is_err());
        assert!(check_district(&dartford, &ealing).is_err());
        let retired = AuthorityFacts {
            retired: true,
            ..dartford
        };
        assert!(check_district(&retired, &kent).is_err());
    }

    #[test]
    fn school_names_are_trimmed_and_bounded() {
        assert_eq!(school_name("  Twyford  ").unwrap(), "Twyford");
        assert!(school_name(" ").is_err());
        assert!(school_name(&"a".repeat(201)).is_err());
    }
}
