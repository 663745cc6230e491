//! What an LLME profile says about its lead's membership of their hub's LLME community.

use super::ParseError;

/// The Maths Hubs programme, and with it the LLME communities, began in 2014.
pub const FIRST_COMMUNITY_YEAR: i16 = 2014;

super::quantities::whole_number!(
    /// The year a lead joined their hub's LLME community, as a year can be written: 2014 on
    /// (the stored column is a `smallint`).
    CommunityYear: i16, sent as i32 => Int32, FIRST_COMMUNITY_YEAR, i16::MAX,
    format!("must be a year from {} to {}", Self::MIN, Self::MAX)
);

/// A lead cannot have joined in a year still to come: a rule of today's date.
pub fn check_not_future(year: CommunityYear, this_year: i32) -> Result<(), ParseError> {
    if i32::from(year.get()) <= this_year {
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
        let year = |year| CommunityYear::parse(year).map(CommunityYear::get);
        assert_eq!(year(2014), Ok(2014));
        assert_eq!(year(32767), Ok(32767));
        for bad in [2013, 0, -1, 32768, i32::MAX] {
            assert!(year(bad).is_err(), "{bad}");
        }
        assert_eq!(
            year(2013).unwrap_err().0,
            "must be a year from 2014 to 32767"
        );
        let joined = CommunityYear::parse(2026).unwrap();
        assert!(check_not_future(joined, 2026).is_ok());
        assert!(check_not_future(joined, 2025).is_err());
    }

    #[test]
    fn only_members_have_a_year_they_joined() {
        assert!(check_membership(true, Some(2019)).is_ok());
        assert!(check_membership(true, None).is_ok());
        assert!(check_membership(false, None).is_ok());
        assert!(check_membership(false, Some(2019)).is_err());
    }
}
