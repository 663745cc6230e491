//! What an LLME profile says about its lead's membership of their hub's LLME community.

use super::ParseError;

/// The Maths Hubs programme, and with it the LLME communities, began in 2014.
pub const FIRST_COMMUNITY_YEAR: i32 = 2014;

/// The year a lead joined their hub's LLME community: from 2014 up to `this_year`.
pub fn community_year(year: i32, this_year: i32) -> Result<i16, ParseError> {
    if (FIRST_COMMUNITY_YEAR..=this_year).contains(&year) {
        Ok(i16::try_from(year).expect("a year after 2014 and not in the future fits"))
    } else {
        Err(ParseError(format!(
            "must be a year from {FIRST_COMMUNITY_YEAR} to {this_year}"
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
    fn a_community_year_runs_from_2014_to_this_year() {
        assert_eq!(community_year(2014, 2026), Ok(2014));
        assert_eq!(community_year(2026, 2026), Ok(2026));
        for year in [2013, 2027, 0, -1, i32::MAX] {
            assert!(community_year(year, 2026).is_err(), "{year}");
        }
    }

    #[test]
    fn only_members_have_a_year_they_joined() {
        assert!(check_membership(true, Some(2019)).is_ok());
        assert!(check_membership(true, None).is_ok());
        assert!(check_membership(false, None).is_ok());
        assert!(check_membership(false, Some(2019)).is_err());
    }
}
