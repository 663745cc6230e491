//! The code of a Network Collaborative Project: a short upper-case prefix, the two-digit year
//! it started and its number in that year, such as `NCP21-15`.

use super::ParseError;

/// A project code: 2 to 8 capital letters, two digits, a hyphen and 1 to 3 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ProjectCode(String);

impl ProjectCode {
    /// The same rule as `is_project_code` and the `projects.code` CHECK constraint.
    pub const PATTERN: &str = "^[A-Z]{2,8}[0-9]{2}-[0-9]{1,3}$";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if is_project_code(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(ParseError(
                "must be a project code of 2 to 8 capital letters, a two-digit year, a hyphen and a number, such as NCP21-15"
                    .into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// `ProjectCode::PATTERN`.
fn is_project_code(text: &str) -> bool {
    let Some((prefix, number)) = text.split_once('-') else {
        return false;
    };
    let prefix = prefix.as_bytes();
    let Some(letters) = prefix.len().checked_sub(2) else {
        return false;
    };
    (2..=8).contains(&letters)
        && prefix[..letters].iter().all(u8::is_ascii_uppercase)
        && prefix[letters..].iter().all(u8::is_ascii_digit)
        && (1..=3).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}

impl std::fmt::Display for ProjectCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ProjectCode {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        Self::parse(text)
    }
}

impl<'de> serde::Deserialize<'de> for ProjectCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for ProjectCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::schema::text(Self::PATTERN, None, "ABCDEFGH99-999".len()).into()
    }
}

impl utoipa::ToSchema for ProjectCode {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_code_accepts_codes_like_the_programmes() {
        for code in ["NCP21-15", "TFM22-1", "AB00-999", "ABCDEFGH99-100"] {
            assert_eq!(
                ProjectCode::parse(code)
                    .map(ProjectCode::into_inner)
                    .as_deref(),
                Ok(code),
                "{code}"
            );
        }
    }

    #[test]
    fn project_code_rejects_other_shapes() {
        for code in [
            "",
            "NCP21",
            "NCP21-",
            "NCP2-15",
            "NCP211-15",
            "N21-15",
            "ABCDEFGHI21-15",
            "ncp21-15",
            "NCP21-1000",
            "NCP21-15a",
            "NCP21-15-01",
            "NCP21 15",
            "ÑCP21-15",
            "-15",
        ] {
            assert!(ProjectCode::parse(code).is_err(), "{code}");
        }
    }

    #[test]
    fn deserialising_validates_too() {
        assert!(serde_json::from_str::<ProjectCode>("\"NCP21-15\"").is_ok());
        assert!(serde_json::from_str::<ProjectCode>("\"NCP-15\"").is_err());
    }
}
