//! Whole numbers within a range of their own: amounts of money in pence, the days and shares
//! a project's rules count in, and a work group's places. Each is sent as a JSON integer and kept as the column's
//! type.

/// Declares a whole number from `MIN` to `MAX`: sent as `$sent` (which the document's
/// `format` names), kept as `$kept`, refused with `$refusal` (where `Self::MIN` and
/// `Self::MAX` may be named).
macro_rules! whole_number {
    ($(#[$meta:meta])* $name:ident: $kept:ty, sent as $sent:ty => $format:ident,
     $min:expr, $max:expr, $refusal:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub struct $name($kept);

        impl $name {
            pub const MIN: $kept = $min;
            pub const MAX: $kept = $max;

            pub fn parse(sent: $sent) -> Result<Self, $crate::domain::ParseError> {
                <$kept>::try_from(sent)
                    .ok()
                    .filter(|value| (Self::MIN..=Self::MAX).contains(value))
                    .map(Self)
                    .ok_or_else(|| $crate::domain::ParseError($refusal))
            }

            pub fn get(self) -> $kept {
                self.0
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::domain::schema::whole_number(
                    utoipa::openapi::schema::KnownFormat::$format,
                    Self::MIN.into(),
                    Self::MAX.into(),
                )
                .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

pub(super) use whole_number;

whole_number!(
    /// An amount of money in pence (GBP), from 0 up to what the columns hold.
    Pence: i32, sent as i64 => Int64, 0, i32::MAX,
    "must be a whole number of pence, 0 or more".into()
);

whole_number!(
    /// London calendar days of notice a project asks for before a session.
    NoticeDays: i32, sent as i64 => Int64, 0, 365,
    format!("must be between {} and {} days", Self::MIN, Self::MAX)
);

whole_number!(
    /// How many London calendar days one session of a project may span.
    SessionDays: i16, sent as i64 => Int64, 1, 7,
    format!("must be between {} and {} days", Self::MIN, Self::MAX)
);

whole_number!(
    /// A share of a group's sessions, in whole percent.
    Percent: i16, sent as i64 => Int64, 1, 100,
    format!("must be between {} and {} percent", Self::MIN, Self::MAX)
);

whole_number!(
    /// The places of a work group.
    Capacity: i32, sent as i32 => Int32, 1, 500,
    format!("must be between {} and {}", Self::MIN, Self::MAX)
);

whole_number!(
    /// A span of academic years, the current one included.
    YearsSpan: i32, sent as i64 => Int64, 1, 20,
    format!("must be a whole number of years between {} and {}", Self::MIN, Self::MAX)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_number_is_taken_within_its_range_only() {
        assert_eq!(SessionDays::parse(7).map(SessionDays::get), Ok(7));
        assert_eq!(
            SessionDays::parse(8).unwrap_err().0,
            "must be between 1 and 7 days"
        );
        assert!(SessionDays::parse(i64::from(i16::MAX) + 1).is_err());
        assert_eq!(Pence::parse(0).map(Pence::get), Ok(0));
        assert!(Pence::parse(-1).is_err());
        assert!(Pence::parse(i64::from(i32::MAX) + 1).is_err());
        assert!(NoticeDays::parse(365).is_ok() && NoticeDays::parse(366).is_err());
        assert!(Percent::parse(0).is_err() && Percent::parse(100).is_ok());
    }
}
