//! Identifiers with a shape of their own: GSS codes and LA numbers, URNs, postcodes, slugs,
//! academic years, England's regions and web addresses.

use std::sync::LazyLock;

use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

use super::schema::text;
use super::{LaKind, ParseError};

/// The shared plumbing of a validated string: read access, display, JSON as a plain string,
/// and its schema (`schema`, the shape `parse` enforces).
macro_rules! validated_string {
    ($(#[$meta:meta])* $name:ident, schema = $schema:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ParseError;
            fn from_str(text: &str) -> Result<Self, ParseError> {
                Self::parse(text)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let schema: Object = $schema;
                schema.into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

validated_string!(
    /// An ONS GSS code of an English local authority: `E06`–`E10` and six digits.
    GssCode,
    schema = text(GssCode::PATTERN, None, 9)
);

impl GssCode {
    pub const PATTERN: &str = "^E(0[6-9]|10)[0-9]{6}$";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        // Bytes, not `str` slices: a multi-byte character across byte 3 must not panic.
        let bytes = text.as_bytes();
        let valid = bytes.len() == 9
            && matches!(&bytes[..3], b"E06" | b"E07" | b"E08" | b"E09" | b"E10")
            && bytes[3..].iter().all(u8::is_ascii_digit);
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(ParseError(
                "must be the ONS GSS code of an English local authority, such as E09000002".into(),
            ))
        }
    }
}

impl GssCode {
    /// The kind of authority the code's prefix names: `E06` unitary, `E07` district, `E08`
    /// metropolitan, `E09` London borough, `E10` county.
    pub fn kind(&self) -> LaKind {
        match &self.0[..3] {
            "E06" => LaKind::Unitary,
            "E07" => LaKind::District,
            "E08" => LaKind::Metropolitan,
            "E09" => LaKind::LondonBorough,
            _ => LaKind::County,
        }
    }
}

validated_string!(
    /// The DfE's three-digit number of an education authority, such as `307` (Ealing).
    LaNumber,
    schema = text(LaNumber::PATTERN, None, 3)
);

impl LaNumber {
    pub const PATTERN: &str = "^[0-9]{3}$";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text.len() == 3 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(ParseError(
                "must be the DfE's three-digit LA number, such as 307".into(),
            ))
        }
    }
}

validated_string!(
    /// One of the nine regions of England, as the ONS names them.
    Region,
    schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(Region::ALL))
        .build()
);

impl Region {
    pub const ALL: [&'static str; 9] = [
        "North East",
        "North West",
        "Yorkshire and The Humber",
        "East Midlands",
        "West Midlands",
        "East of England",
        "London",
        "South East",
        "South West",
    ];

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        match Self::ALL.iter().find(|region| **region == text.trim()) {
            Some(region) => Ok(Self((*region).to_owned())),
            None => Err(ParseError(format!(
                "must be a region of England: {}",
                Self::ALL.join(", ")
            ))),
        }
    }
}

validated_string!(
    /// A web address: `http://` or `https://`, no spaces, at most 500 characters.
    WebAddress,
    schema = text(WebAddress::PATTERN, None, WebAddress::MAX_CHARS)
);

impl WebAddress {
    const MAX_CHARS: usize = 500;
    /// Spaces around are trimmed; none, nor a control character, inside.
    pub const PATTERN: &str = "^\\s*https?://[^\\s\\u0000-\\u001f\\u007f-\\u009f]+\\s*$";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        web_link(text, &["https://", "http://"], Self::MAX_CHARS)
            .map(Self)
            .ok_or_else(|| {
                ParseError(format!(
                    "must be an http:// or https:// address of at most {} characters",
                    Self::MAX_CHARS
                ))
            })
    }
}

/// `text` trimmed, when it is one of `schemes` followed by something, of at most `max_chars`
/// characters as sent, without spaces or control characters inside.
fn web_link(text: &str, schemes: &[&str], max_chars: usize) -> Option<String> {
    let link = text.trim();
    let rest = schemes.iter().find_map(|scheme| link.strip_prefix(scheme));
    let valid = rest.is_some_and(|rest| !rest.is_empty())
        && text.chars().count() <= max_chars
        && !link.chars().any(|c| c.is_whitespace() || c.is_control());
    valid.then(|| link.to_owned())
}

validated_string!(
    /// A work group's code: capital letters and digits in hyphen-separated parts, at most 40
    /// characters, such as `LCW21-15-01`.
    GroupCode,
    schema = text(GroupCode::PATTERN, None, GroupCode::MAX_CHARS)
);

impl GroupCode {
    const MAX_CHARS: usize = 40;
    const PATTERN: &str = "^[A-Z0-9]+(-[A-Z0-9]+)*$";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let well_formed = (1..=Self::MAX_CHARS).contains(&text.len())
            && text.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit())
            });
        if well_formed {
            Ok(Self(text.to_owned()))
        } else {
            Err(ParseError(
                "must be capital letters and digits in hyphen-separated parts, such as LCW21-15-01"
                    .into(),
            ))
        }
    }
}

validated_string!(
    /// A link to follow securely: `https://`, no spaces, at most 500 characters.
    HttpsLink,
    schema = text(HttpsLink::PATTERN, None, HttpsLink::MAX_CHARS)
);

impl HttpsLink {
    const MAX_CHARS: usize = 500;
    /// Spaces around are trimmed; none, nor a control character, inside.
    const PATTERN: &str = "^\\s*https://[^\\s\\u0000-\\u001f\\u007f-\\u009f]+\\s*$";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        web_link(text, &["https://"], Self::MAX_CHARS)
            .map(Self)
            .ok_or_else(|| {
                ParseError(format!(
                    "must be an https:// link of at most {} characters",
                    Self::MAX_CHARS
                ))
            })
    }
}

validated_string!(
    /// A school's DfE Unique Reference Number: six digits, 100000 to 999999.
    Urn,
    schema = text(Urn::PATTERN, None, 6)
);

impl Urn {
    pub const PATTERN: &str = "^[1-9][0-9]{5}$";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let valid =
            text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0');
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(ParseError(
                "must be a six-digit DfE URN, such as 137083".into(),
            ))
        }
    }
}

validated_string!(
    /// A UK postcode in its standard form: capitals, one space before the inward code
    /// (`W3 9PP`).
    Postcode,
    schema = text(Postcode::PATTERN, None, Postcode::MAX_CHARS)
);

impl Postcode {
    /// The most characters taken as written, spaces included (the document's `maxLength`).
    pub const MAX_CHARS: usize = 16;
    /// Any case, spaces anywhere: the form `parse` takes.
    pub const PATTERN: &str =
        "^ *[A-Za-z] *([A-Za-z] *)?[0-9] *([A-Za-z0-9] *)?[0-9] *[A-Za-z] *[A-Za-z] *$";

    /// Accepts any case and spaces anywhere (`w39pp`, ` W3  9PP `) and keeps the standard
    /// form. Only the space character: the document's pattern says the same.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text.chars().count() > Self::MAX_CHARS {
            return Err(ParseError(format!(
                "must be a UK postcode of at most {} characters, such as W3 9PP",
                Self::MAX_CHARS
            )));
        }
        let compact: String = text
            .chars()
            .filter(|&c| c != ' ')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let well_formed = compact.is_ascii()
            && (5..=7).contains(&compact.len())
            && Self::is_outward(&compact[..compact.len() - 3])
            && Self::is_inward(&compact[compact.len() - 3..]);
        if well_formed {
            let (outward, inward) = compact.split_at(compact.len() - 3);
            Ok(Self(format!("{outward} {inward}")))
        } else {
            Err(ParseError("must be a UK postcode, such as W3 9PP".into()))
        }
    }

    /// One or two letters, a digit, then at most one letter or digit: `W3`, `SW1A`, `DA1`.
    fn is_outward(code: &str) -> bool {
        let bytes = code.as_bytes();
        let letters = bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let rest = &bytes[letters..];
        (1..=2).contains(&letters)
            && rest.first().is_some_and(u8::is_ascii_digit)
            && rest.len() <= 2
            && rest.iter().all(u8::is_ascii_alphanumeric)
    }

    /// A digit and two letters: `9PP`.
    fn is_inward(code: &str) -> bool {
        let bytes = code.as_bytes();
        bytes[0].is_ascii_digit() && bytes[1..].iter().all(u8::is_ascii_alphabetic)
    }
}

validated_string!(
    /// A URL-safe name: lowercase letters and digits in words joined by single hyphens.
    Slug,
    schema = text(Slug::PATTERN, None, Slug::MAX_LEN)
);

impl Slug {
    const MAX_LEN: usize = 100;
    pub const PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let valid = !text.is_empty()
            && text.len() <= Self::MAX_LEN
            && text.split('-').all(|word| {
                !word.is_empty()
                    && word
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(ParseError(format!(
                "must be lowercase words of letters and digits joined by hyphens (at most {} characters), such as london-central-and-west",
                Self::MAX_LEN
            )))
        }
    }
}

validated_string!(
    /// An English school academic year, September to August: `2021/22`.
    AcademicYear,
    schema = text(&ACADEMIC_YEAR_PATTERN, None, "2021/22".len())
);

/// Two consecutive years, `2021/22`: the second two digits follow the first's last two.
static ACADEMIC_YEAR_PATTERN: LazyLock<String> =
    LazyLock::new(|| format!("^[0-9]{{2}}({})$", AcademicYear::pairs(0..100)));

impl AcademicYear {
    /// The pattern of every academic year.
    pub fn pattern() -> &'static str {
        &ACADEMIC_YEAR_PATTERN
    }

    /// `14/15|15/16|…`: the last two digits of each year starting with those given, and of
    /// the next.
    pub fn pairs(last_two_digits: std::ops::Range<u32>) -> String {
        let pairs: Vec<String> = last_two_digits
            .map(|year| format!("{year:02}/{:02}", (year + 1) % 100))
            .collect();
        pairs.join("|")
    }

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let invalid = || ParseError("must be an academic year such as 2021/22".into());
        let (start, end) = text.split_once('/').ok_or_else(invalid)?;
        if start.len() != 4
            || end.len() != 2
            || !(start.bytes().chain(end.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        let start: u32 = start.parse().map_err(|_| invalid())?;
        let end: u32 = end.parse().map_err(|_| invalid())?;
        if (start + 1) % 100 != end {
            return Err(ParseError(format!(
                "must name two consecutive years, such as {start}/{:02}",
                (start + 1) % 100
            )));
        }
        Ok(Self(text.to_owned()))
    }

    /// The calendar year the academic year starts in (September).
    pub fn start_year(&self) -> i32 {
        self.0[..4].parse().expect("checked by parse")
    }

    /// The academic year starting in September of `year`.
    pub fn starting(year: i32) -> Self {
        Self(format!("{year}/{:02}", (year + 1).rem_euclid(100)))
    }

    /// The academic year a (London) date falls in: 1 September to 31 August.
    pub fn containing(date: chrono::NaiveDate) -> Self {
        use chrono::Datelike;
        Self::starting(if date.month() >= 9 {
            date.year()
        } else {
            date.year() - 1
        })
    }
}

/// An academic year of the Maths Hubs programme, which began in 2014/15: a year the
/// programme's reports can cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeYear(AcademicYear);

/// The years from 2014/15 on: 2014/15 to 2099/00 in this century, any year in later ones.
static PROGRAMME_YEAR_PATTERN: LazyLock<String> = LazyLock::new(|| {
    let first = ProgrammeYear::FIRST_START_YEAR as u32 % 100;
    format!(
        "^(20({})|(2[1-9]|[3-9][0-9])({}))$",
        AcademicYear::pairs(first..100),
        AcademicYear::pairs(0..100)
    )
});

impl ProgrammeYear {
    /// The calendar year the programme's first academic year started in.
    pub const FIRST_START_YEAR: i32 = 2014;

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let year = AcademicYear::parse(text)?;
        if year.start_year() < Self::FIRST_START_YEAR {
            return Err(ParseError(
                "must be 2014/15 or later: the Maths Hubs programme began in 2014/15".into(),
            ));
        }
        Ok(Self(year))
    }

    pub fn into_inner(self) -> AcademicYear {
        self.0
    }
}

impl utoipa::PartialSchema for ProgrammeYear {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        text(&PROGRAMME_YEAR_PATTERN, None, "2021/22".len()).into()
    }
}

impl utoipa::ToSchema for ProgrammeYear {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gss_code_accepts_every_english_authority_kind() {
        for code in [
            "E06000001",
            "E07000068",
            "E08000015",
            "E09000002",
            "E10000013",
        ] {
            assert!(GssCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn gss_code_rejects_other_nations_other_kinds_and_bad_lengths() {
        for code in [
            "W06000001",
            "E11000001",
            "E0900000",
            "E090000021",
            "e09000002",
            "E09O00002",
            "",
        ] {
            assert!(GssCode::parse(code).is_err(), "{code}");
        }
    }

    /// A valid example with two of its characters replaced by one two-byte character, at
    /// every place: the byte length is kept, so only a check that reads bytes or characters
    /// (never a `str` slice at a fixed byte) refuses it without panicking.
    fn with_a_two_byte_character(example: &str) -> Vec<String> {
        let chars: Vec<char> = example.chars().collect();
        (0..chars.len().saturating_sub(1))
            .map(|at| {
                let mut text: String = chars[..at].iter().collect();
                text.push('é');
                text.extend(&chars[at + 2..]);
                text
            })
            .collect()
    }

    #[test]
    fn every_code_refuses_multi_byte_text_of_its_length_without_panicking() {
        type Accepts = fn(&str) -> bool;
        let parsers: [(&str, Accepts); 8] = [
            ("E09000002", |text| GssCode::parse(text).is_ok()),
            ("307", |text| LaNumber::parse(text).is_ok()),
            ("137083", |text| Urn::parse(text).is_ok()),
            ("W3 9PP", |text| Postcode::parse(text).is_ok()),
            ("london-central-and-west", |text| Slug::parse(text).is_ok()),
            ("2021/22", |text| AcademicYear::parse(text).is_ok()),
            ("NCP21-15", |text| {
                crate::domain::ProjectCode::parse(text).is_ok()
            }),
            ("https://school.example/a", |text| {
                WebAddress::parse(text).is_ok()
            }),
        ];
        for (example, accepts) in parsers {
            assert!(accepts(example), "{example}");
            for text in with_a_two_byte_character(example) {
                let accepted = std::panic::catch_unwind(|| accepts(&text));
                assert!(accepted.is_ok(), "{text:?} panicked");
            }
        }
    }

    #[test]
    fn gss_code_prefix_names_the_kind() {
        let kind = |code: &str| GssCode::parse(code).unwrap().kind();
        assert_eq!(kind("E06000001"), LaKind::Unitary);
        assert_eq!(kind("E07000068"), LaKind::District);
        assert_eq!(kind("E08000015"), LaKind::Metropolitan);
        assert_eq!(kind("E09000009"), LaKind::LondonBorough);
        assert_eq!(kind("E10000013"), LaKind::County);
    }

    #[test]
    fn la_number_is_three_digits() {
        assert!(LaNumber::parse("307").is_ok());
        for number in ["30", "3070", "30a", ""] {
            assert!(LaNumber::parse(number).is_err(), "{number}");
        }
    }

    #[test]
    fn region_is_one_of_england_s_nine() {
        assert_eq!(Region::parse(" London ").unwrap().as_str(), "London");
        assert!(Region::parse("Yorkshire and The Humber").is_ok());
        for region in ["london", "Wales", "England", ""] {
            assert!(Region::parse(region).is_err(), "{region}");
        }
    }

    #[test]
    fn web_address_needs_a_scheme_and_no_spaces() {
        assert!(WebAddress::parse("https://www.lcwmathshub.co.uk").is_ok());
        assert!(WebAddress::parse("http://example.org/hub").is_ok());
        for address in [
            "www.example.org",
            "https://",
            "ftp://example.org",
            "https://a b",
            &format!("https://{}", "a".repeat(500)),
        ] {
            assert!(WebAddress::parse(address).is_err(), "{address}");
        }
    }

    #[test]
    fn group_code_is_capitals_and_digits_in_hyphenated_parts() {
        assert!(GroupCode::parse("LCW21-15-01").is_ok());
        for code in ["", "lcw21", "LCW--1", "-LCW", "LCW ", &"A".repeat(41)] {
            assert!(GroupCode::parse(code).is_err(), "{code}");
        }
    }

    #[test]
    fn https_link_needs_https_and_no_spaces() {
        assert_eq!(
            HttpsLink::parse(" https://meet.example/a ")
                .unwrap()
                .as_str(),
            "https://meet.example/a"
        );
        for link in [
            "http://meet.example",
            "https://",
            "https://a b",
            "meet.example",
        ] {
            assert!(HttpsLink::parse(link).is_err(), "{link}");
        }
    }

    #[test]
    fn urn_is_six_digits_without_leading_zero() {
        assert!(Urn::parse("137083").is_ok());
        for urn in ["13708", "1370833", "037083", "13708a", ""] {
            assert!(Urn::parse(urn).is_err(), "{urn}");
        }
    }

    #[test]
    fn postcode_is_kept_in_its_standard_form() {
        for (text, expected) in [
            ("W3 9PP", "W3 9PP"),
            ("w39pp", "W3 9PP"),
            (" da1  2hw ", "DA1 2HW"),
            ("SW1A 1AA", "SW1A 1AA"),
            ("M1 1AE", "M1 1AE"),
            ("EC1A1BB", "EC1A 1BB"),
        ] {
            assert_eq!(Postcode::parse(text).unwrap().as_str(), expected, "{text}");
        }
    }

    #[test]
    fn postcode_rejects_what_is_not_one() {
        for text in [
            "", "W3", "9PP W3", "W3 9P", "WWW3 9PP", "W3 99P", "W3-9PP", "W3 9PÉ", "W3A1 9PP",
        ] {
            assert!(Postcode::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn slug_rejects_capitals_spaces_and_stray_hyphens() {
        assert!(Slug::parse("london-central-and-west").is_ok());
        assert!(Slug::parse("glow").is_ok());
        for slug in [
            "London",
            "two words",
            "-lead",
            "trail-",
            "dou--ble",
            "",
            &"a".repeat(101),
        ] {
            assert!(Slug::parse(slug).is_err(), "{slug}");
        }
    }

    #[test]
    fn a_date_falls_in_the_academic_year_that_began_the_september_before() {
        let year_of = |y, m, d| {
            AcademicYear::containing(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()).into_inner()
        };
        assert_eq!(year_of(2026, 9, 1), "2026/27");
        assert_eq!(year_of(2027, 8, 31), "2026/27");
        assert_eq!(year_of(2099, 12, 1), "2099/00");
        assert_eq!(AcademicYear::starting(2027).start_year(), 2027);
    }

    #[test]
    fn academic_year_needs_consecutive_years() {
        assert_eq!(AcademicYear::parse("2021/22").unwrap().start_year(), 2021);
        assert!(AcademicYear::parse("1999/00").is_ok());
        for year in ["2021/23", "2021-22", "21/22", "2021/2022", "abcd/ef"] {
            assert!(AcademicYear::parse(year).is_err(), "{year}");
        }
    }

    #[test]
    fn a_programme_year_is_2014_15_or_later_and_its_pattern_says_the_same() {
        let schema = <ProgrammeYear as utoipa::PartialSchema>::schema();
        let utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(object)) = schema
        else {
            panic!("a programme year is text");
        };
        let pattern = regex::Regex::new(&object.pattern.unwrap()).unwrap();
        for year in ["2014/15", "2021/22", "2099/00", "2100/01", "9998/99"] {
            assert!(ProgrammeYear::parse(year).is_ok(), "{year}");
            assert!(pattern.is_match(year), "{year}");
        }
        for year in ["2013/14", "1999/00", "2014/16", "14/15"] {
            assert!(ProgrammeYear::parse(year).is_err(), "{year}");
            assert!(!pattern.is_match(year), "{year}");
        }
    }

    #[test]
    fn deserialising_validates_too() {
        assert!(serde_json::from_str::<GssCode>("\"E09000002\"").is_ok());
        assert!(serde_json::from_str::<GssCode>("\"X\"").is_err());
    }
}
