//! Who may express interest in a work group, by its project's eligibility: the role the
//! teacher holds in their school, the school's GIAS phase, and a project the school must have
//! completed first. Every rule failed is named, in words a teacher can act on.

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

/// Every rule `applicant` fails, as (field, reason); empty when eligible.
pub fn refusals(rules: &Eligibility, applicant: &Applicant) -> Vec<(&'static str, String)> {
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
