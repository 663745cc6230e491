//! The rules a project keeps with the projects around it: who it admits, and its place in a
//! multi-year pathway (Teaching for Mastery: Readiness → Development → Embedding →
//! Sustaining). A project it requires or follows comes from an earlier academic year, so
//! every chain of them runs strictly back in time and can never loop: keeping this rule on
//! every write is what keeps pathways free of cycles, with no graph to walk.

use super::{AcademicYear, ParseError, RoleInSchool};

/// The roles both allowed and excluded, which no participant could make sense of.
pub fn roles_in_both(allowed: &[RoleInSchool], excluded: &[RoleInSchool]) -> Vec<RoleInSchool> {
    excluded
        .iter()
        .filter(|role| allowed.contains(role))
        .copied()
        .collect()
}

/// Refuses `earlier` (the year of the project `code`) unless it comes before `year`.
pub fn check_earlier(
    code: &str,
    earlier: &AcademicYear,
    year: &AcademicYear,
) -> Result<(), ParseError> {
    if earlier.start_year() < year.start_year() {
        Ok(())
    } else {
        Err(ParseError(format!(
            "must be a project of an academic year before {year}: {code} is of {earlier}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RoleInSchool::{HeadOfDepartment, ProspectiveHeadOfDepartment, Teacher};

    fn year(text: &str) -> AcademicYear {
        AcademicYear::parse(text).unwrap()
    }

    #[test]
    fn a_role_both_allowed_and_excluded_is_found() {
        assert_eq!(
            roles_in_both(
                &[HeadOfDepartment, Teacher],
                &[Teacher, ProspectiveHeadOfDepartment]
            ),
            [Teacher]
        );
        assert!(roles_in_both(&[HeadOfDepartment], &[ProspectiveHeadOfDepartment]).is_empty());
        assert!(roles_in_both(&[], &[Teacher]).is_empty());
    }

    #[test]
    fn only_an_earlier_academic_year_comes_before() {
        assert!(check_earlier("TFM20-1", &year("2020/21"), &year("2021/22")).is_ok());
        assert!(check_earlier("TFM99-1", &year("1999/00"), &year("2000/01")).is_ok());
        let same = check_earlier("NCP21-15", &year("2021/22"), &year("2021/22")).unwrap_err();
        assert_eq!(
            same.0,
            "must be a project of an academic year before 2021/22: NCP21-15 is of 2021/22"
        );
        assert!(check_earlier("NCP22-1", &year("2022/23"), &year("2021/22")).is_err());
    }
}
