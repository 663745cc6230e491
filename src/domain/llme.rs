//! What an LLME profile says about its lead's membership of their hub's LLME community.

use super::ParseError;

/// The Maths Hubs programme, and with it the LLME communities, began in 2014.
pub const FIRST_COMMUNITY_YEAR: i32 = 2014;

/// The year a lead joined their hub's LLME community, as a year can be written: 2014 on (the
/// document's minimum; the stored column is a `smallint`).
pub fn community_year(year: i32) -> Result<i16, ParseError> {
    i16::try_from(year)
        .ok()
        .filter(|&year| i32::from(year) >= FIRST_COMMUNITY_YEAR)
        .ok_or_else(|| {
            ParseError(format!(
                "must be a year from {FIRST_COMMUNITY_YEAR} to {}",
                i16::MAX
            ))
        })
}

/// A lead cannot have joined in a year still to come: a rule of today's date.
pub fn check_not_future(year: i16, this_year: i32) -> Result<(), ParseError> {
    if i32::from(year) <= this_year {
        Ok(())
    } else {
        Err(ParseError(format!(
            "must not be after this year, {this_year}"
        )))
    }
}

/// Only members of the community have a year they joined it.
pub fn check_membership(member: bool, since: Option<i16>) -> Result<(), ParseError> {
    if member || since.is_none() {
        Ok(())
    } else {
        Err(ParseError(
            "must be null when community_member is false: only members have a year they joined"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_community_year_runs_from_2014_and_not_past_this_year() {
        assert_eq!(community_year(2014), Ok(2014));
        assert_eq!(community_year(32767), Ok(32767));
        for year in [2013, 0, -1, 32768, i32::MAX] {
            assert!(community_year(year).is_err(), "{year}");
        }
        assert!(check_not_future(2026, 2026).is_ok());
        assert!(check_not_future(2027, 2026).is_err());
    }

    #[test]
    fn only_members_have_a_year_they_joined() {
        assert!(check_membership(true, Some(2019)).is_ok());
        assert!(check_membership(true, None).is_ok());
        assert!(check_membership(false, None).is_ok());
        assert!(check_membership(false, Some(2019)).is_err());
    }
}
