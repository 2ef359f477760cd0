//! Roles as the roles screen sees them: the five built-ins, which cannot be changed, and an
//! organization's custom roles, made from the list of actions.

use serde::{Deserialize, Serialize};

use crate::{Action, Role, ValidationIssue, policy::allows};

pub const MAX_ROLE_NAME_CHARS: usize = 60;

/// A role an organization made: its key (stored on users), its name and what it allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomRole {
    pub key: String,
    pub name: String,
    pub actions: Vec<Action>,
}

/// One row of the roles screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSummary {
    pub key: String,
    pub name: String,
    pub built_in: bool,
    pub actions: Vec<Action>,
    /// How many users have it.
    pub users: u64,
    /// Sent back with an edit; a stale one is refused. Zero for built-ins.
    pub version: i32,
}

impl RoleSummary {
    pub fn built_in(role: Role, users: u64) -> Self {
        Self {
            key: role.as_str().to_owned(),
            name: role.label().to_owned(),
            built_in: true,
            actions: Action::ALL
                .into_iter()
                .filter(|action| allows(role, *action))
                .collect(),
            users,
            version: 0,
        }
    }
}

/// What the roles screen sends to create (`key` chosen once) or change a custom role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleDraft {
    pub key: String,
    pub name: String,
    /// Action names (`edit_page`).
    pub actions: Vec<String>,
    pub version: i32,
}

/// A draft that passed the checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedRole {
    pub key: String,
    pub name: String,
    pub actions: Vec<Action>,
}

/// Checks a custom role: a key of lowercase words joined by hyphens that is not a built-in
/// role's, a name, and at least one known action.
pub fn check_role_draft(draft: &RoleDraft) -> Result<CheckedRole, Vec<ValidationIssue>> {
    let mut issues = Vec::new();
    let key = draft.key.trim().to_owned();
    if Role::parse(&key).is_some() {
        issues.push(ValidationIssue::new(
            "key",
            format!("'{key}' is a built-in role; built-in roles cannot be changed"),
        ));
    } else if !crate::page::is_valid_slug(&key) || key.len() > 40 {
        issues.push(ValidationIssue::new(
            "key",
            "use up to 40 lowercase letters, digits and single hyphens, e.g. finance-analyst",
        ));
    }
    let name = draft.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_ROLE_NAME_CHARS {
        issues.push(ValidationIssue::new(
            "name",
            format!("name the role in 1–{MAX_ROLE_NAME_CHARS} characters"),
        ));
    }
    let mut actions = Vec::new();
    for name in &draft.actions {
        match Action::parse(name.trim()) {
            Some(action) if !actions.contains(&action) => actions.push(action),
            Some(_) => {}
            None => issues.push(ValidationIssue::new(
                "actions",
                format!("there is no action '{name}'"),
            )),
        }
    }
    if draft.actions.is_empty() {
        issues.push(ValidationIssue::new(
            "actions",
            "choose at least one thing the role may do",
        ));
    }
    // Keep the table's order, so the same choice is always stored the same way.
    actions.sort_by_key(|action| Action::ALL.iter().position(|a| a == action));
    crate::error::collected(issues).map(|()| CheckedRole { key, name, actions })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(key: &str, name: &str, actions: &[&str]) -> RoleDraft {
        RoleDraft {
            key: key.into(),
            name: name.into(),
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            version: 0,
        }
    }

    #[test]
    fn a_custom_role_needs_a_free_key_a_name_and_known_actions() {
        let checked = check_role_draft(&draft(
            " finance-analyst ",
            "Finance analyst",
            &["read_audit", "view_published_page", "read_audit"],
        ))
        .unwrap();
        assert_eq!(checked.key, "finance-analyst");
        assert_eq!(
            checked.actions,
            [Action::ViewPublishedPage, Action::ReadAudit]
        );
        let paths = |d: RoleDraft| {
            check_role_draft(&d)
                .unwrap_err()
                .into_iter()
                .map(|issue| issue.path)
                .collect::<Vec<_>>()
        };
        assert_eq!(paths(draft("admin", "Root", &["manage_users"])), ["key"]);
        assert_eq!(paths(draft("Bad Key", "", &[])), ["key", "name", "actions"]);
        assert_eq!(paths(draft("ops", "Ops", &["fly"])), ["actions"]);
    }

    #[test]
    fn built_in_summaries_list_exactly_what_the_policy_allows() {
        let viewer = RoleSummary::built_in(Role::Viewer, 3);
        assert_eq!(
            viewer.actions,
            [Action::ViewPublishedPage, Action::SubmitForm]
        );
        assert!(viewer.built_in);
        assert_eq!(RoleSummary::built_in(Role::Admin, 1).actions, Action::ALL);
    }
}
