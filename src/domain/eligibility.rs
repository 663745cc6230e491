//! Who may express interest in a work group, by its project's eligibility: the role the
//! teacher holds in their school, the school's GIAS phase, and a project the school must have
//! completed first. The school and role are the ones the participant's account holds, never
//! ones a request declares. Every rule failed is named, in words a teacher can act on.

use super::{RoleInSchool, SchoolPhase};

/// A project's eligibility rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    /// Roles that may take part; empty when any may.
    pub roles_allowed: Vec<RoleInSchool>,
    pub roles_excluded: Vec<RoleInSchool>,
    /// GIAS phases of the schools it is for; empty when any.
    pub school_phases: Vec<SchoolPhase>,
    /// The code of the project the school must have completed first.
    pub requires_completed: Option<String>,
}

/// What the rules look at about the teacher and their school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub role_in_school: RoleInSchool,
    pub school_phase: SchoolPhase,
    /// Whether a participant of the school completed the required project.
    pub school_completed_required: bool,
}

/// Where a participant's account stands: its school (the URN, with whatever else the caller
/// knows of the school) and the role held there, either possibly not set yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account<'a, School> {
    pub school: Option<(&'a str, School)>,
    pub role_in_school: Option<RoleInSchool>,
}

/// What an expression of interest says of the school and role; both may be left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared<'a> {
    pub school_urn: Option<&'a str>,
    pub role_in_school: Option<RoleInSchool>,
}

/// The school and role an expression of interest is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakingPart<'a, School> {
    pub school_urn: &'a str,
    pub school: School,
    pub role_in_school: RoleInSchool,
}

/// Each field refused, with the reason, in words a teacher can act on.
pub type Refusals = Vec<(&'static str, String)>;

/// The school and role an expression of interest is for: the account's. The request may name
/// them, and then only as the account holds them, so prerequisites, fees and reach count the
/// school the participant belongs to. Every field the account cannot answer for or the
/// request names otherwise, as (field, reason).
pub fn taking_part_as<'a, School>(
    account: Account<'a, School>,
    declared: Declared<'_>,
) -> Result<TakingPart<'a, School>, Refusals> {
    const CHANGE: &str = "change your account first (PATCH /api/v1/me) if it has changed";
    let mut refusals = Vec::new();
    let school = match (account.school, declared.school_urn) {
        (None, _) => {
            refusals.push((
                "school_urn",
                "your account has no school: set your school and role in it on your account \
                 (PATCH /api/v1/me), or ask an admin to, before expressing interest"
                    .to_owned(),
            ));
            None
        }
        (Some((own, _)), Some(named)) if named != own => {
            refusals.push((
                "school_urn",
                format!("must be the school of your account ({own}): {CHANGE}"),
            ));
            None
        }
        (Some(own), _) => Some(own),
    };
    let role = match (account.role_in_school, declared.role_in_school) {
        (None, _) => {
            refusals.push((
                "role_in_school",
                "your account has no role in school: set it on your account \
                 (PATCH /api/v1/me), or ask an admin to, before expressing interest"
                    .to_owned(),
            ));
            None
        }
        (Some(own), Some(named)) if named != own => {
            refusals.push((
                "role_in_school",
                format!(
                    "must be the role in school of your account ({}): {CHANGE}",
                    own.as_str()
                ),
            ));
            None
        }
        (Some(own), _) => Some(own),
    };
    match (school, role) {
        (Some((school_urn, school)), Some(role_in_school)) => Ok(TakingPart {
            school_urn,
            school,
            role_in_school,
        }),
        _ => Err(refusals),
    }
}

/// Every rule `applicant` fails, as (field, reason); empty when eligible.
pub fn refusals(rules: &Eligibility, applicant: &Applicant) -> Refusals {
    let mut refusals = Vec::new();
    let role = applicant.role_in_school;
    if rules.roles_excluded.contains(&role) {
        refusals.push((
            "role_in_school",
            format!("the project is not open to the role {}", role.as_str()),
        ));
    } else if !rules.roles_allowed.is_empty() && !rules.roles_allowed.contains(&role) {
        refusals.push((
            "role_in_school",
            format!(
                "the project is for {}, not {}",
                names(&rules.roles_allowed, RoleInSchool::as_str),
                role.as_str()
            ),
        ));
    }
    if !rules.school_phases.is_empty() && !rules.school_phases.contains(&applicant.school_phase) {
        refusals.push((
            "school_urn",
            format!(
                "the project is for {} schools, and this school's phase is {}",
                names(&rules.school_phases, SchoolPhase::as_str),
                applicant.school_phase.as_str()
            ),
        ));
    }
    if let Some(required) = &rules.requires_completed
        && !applicant.school_completed_required
    {
        refusals.push((
            "school_urn",
            format!("the school must first have completed the project {required}"),
        ));
    }
    refusals
}

fn names<T: Copy>(items: &[T], name: impl Fn(T) -> &'static str) -> String {
    items
        .iter()
        .map(|item| name(*item))
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NCP21-15: heads of department of secondary and all-through schools, not prospective
    /// ones.
    fn subject_leadership() -> Eligibility {
        Eligibility {
            roles_allowed: vec![RoleInSchool::HeadOfDepartment],
            roles_excluded: vec![RoleInSchool::ProspectiveHeadOfDepartment],
            school_phases: vec![SchoolPhase::Secondary, SchoolPhase::AllThrough],
            requires_completed: None,
        }
    }

    fn head_of_department_at(phase: SchoolPhase) -> Applicant {
        Applicant {
            role_in_school: RoleInSchool::HeadOfDepartment,
            school_phase: phase,
            school_completed_required: false,
        }
    }

    const TWYFORD: Account<'static, ()> = Account {
        school: Some(("137083", ())),
        role_in_school: Some(RoleInSchool::HeadOfDepartment),
    };
    const NOTHING: Declared<'static> = Declared {
        school_urn: None,
        role_in_school: None,
    };

    const AT_TWYFORD: TakingPart<'static, ()> = TakingPart {
        school_urn: "137083",
        school: (),
        role_in_school: RoleInSchool::HeadOfDepartment,
    };

    fn fields(refusals: Refusals) -> Vec<&'static str> {
        refusals.into_iter().map(|(field, _)| field).collect()
    }

    #[test]
    fn the_school_and_role_are_the_account_s_when_none_are_declared() {
        assert_eq!(taking_part_as(TWYFORD, NOTHING), Ok(AT_TWYFORD));
    }

    #[test]
    fn the_school_and_role_may_be_declared_as_the_account_holds_them() {
        let same = Declared {
            school_urn: Some("137083"),
            role_in_school: Some(RoleInSchool::HeadOfDepartment),
        };
        assert_eq!(taking_part_as(TWYFORD, same), Ok(AT_TWYFORD));
    }

    #[test]
    fn a_school_or_role_other_than_the_account_s_is_refused_naming_the_account_s() {
        let elsewhere = Declared {
            school_urn: Some("900001"),
            ..NOTHING
        };
        let refused = taking_part_as(TWYFORD, elsewhere).unwrap_err();
        assert_eq!(refused[0].0, "school_urn");
        assert!(
            refused[0]
                .1
                .contains("must be the school of your account (137083)"),
            "{refused:?}"
        );
        let both = Declared {
            school_urn: Some("900001"),
            role_in_school: Some(RoleInSchool::SeniorLeader),
        };
        let refused = taking_part_as(TWYFORD, both).unwrap_err();
        assert!(refused[1].1.contains("(head_of_department)"), "{refused:?}");
        assert_eq!(fields(refused), ["school_urn", "role_in_school"]);
    }

    #[test]
    fn an_account_without_a_school_or_role_cannot_take_part_whatever_is_declared() {
        let unset: Account<'_, ()> = Account {
            school: None,
            role_in_school: None,
        };
        let declared = Declared {
            school_urn: Some("137083"),
            role_in_school: Some(RoleInSchool::HeadOfDepartment),
        };
        let refused = taking_part_as(unset, declared).unwrap_err();
        assert!(
            refused[0].1.starts_with("your account has no school"),
            "{refused:?}"
        );
        assert_eq!(fields(refused), ["school_urn", "role_in_school"]);
        let no_role = Account {
            role_in_school: None,
            ..TWYFORD
        };
        assert_eq!(
            fields(taking_part_as(no_role, NOTHING).unwrap_err()),
            ["role_in_school"]
        );
    }

    #[test]
    fn an_eligible_applicant_meets_no_refusal() {
        let applicant = head_of_department_at(SchoolPhase::AllThrough);
        assert!(refusals(&subject_leadership(), &applicant).is_empty());
    }

    #[test]
    fn an_excluded_role_and_a_role_not_allowed_are_named() {
        let prospective = Applicant {
            role_in_school: RoleInSchool::ProspectiveHeadOfDepartment,
            ..head_of_department_at(SchoolPhase::Secondary)
        };
        let refused = refusals(&subject_leadership(), &prospective);
        assert_eq!(refused.len(), 1);
        assert!(
            refused[0]
                .1
                .contains("not open to the role prospective_head_of_department")
        );
        let teacher = Applicant {
            role_in_school: RoleInSchool::Teacher,
            ..prospective
        };
        let refused = refusals(&subject_leadership(), &teacher);
        assert!(
            refused[0].1.contains("for head_of_department, not teacher"),
            "{refused:?}"
        );
    }

    #[test]
    fn a_school_of_another_phase_is_refused_naming_both() {
        let refused = refusals(
            &subject_leadership(),
            &head_of_department_at(SchoolPhase::Primary),
        );
        assert_eq!(refused[0].0, "school_urn");
        assert!(
            refused[0].1.contains("secondary or all_through schools"),
            "{refused:?}"
        );
        assert!(refused[0].1.contains("phase is primary"), "{refused:?}");
    }

    #[test]
    fn a_required_project_not_completed_by_the_school_is_named() {
        let development = Eligibility {
            requires_completed: Some("NCP21-02".into()),
            ..subject_leadership()
        };
        let applicant = head_of_department_at(SchoolPhase::Secondary);
        let refused = refusals(&development, &applicant);
        assert!(refused[0].1.contains("completed the project NCP21-02"));
        let completed = Applicant {
            school_completed_required: true,
            ..applicant
        };
        assert!(refusals(&development, &completed).is_empty());
    }

    #[test]
    fn open_rules_admit_anyone() {
        let open = Eligibility {
            roles_allowed: vec![],
            roles_excluded: vec![],
            school_phases: vec![],
            requires_completed: None,
        };
        let applicant = Applicant {
            role_in_school: RoleInSchool::Other,
            school_phase: SchoolPhase::NotApplicable,
            school_completed_required: false,
        };
        assert!(refusals(&open, &applicant).is_empty());
    }
}
