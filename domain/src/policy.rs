//! Roles and what each may do. Resource-level permissions and attributes refine these later;
//! this table is the floor every service checks first.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Editor,
    Viewer,
    Auditor,
    Integrator,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Editor,
        Role::Viewer,
        Role::Auditor,
        Role::Integrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
            Role::Auditor => "auditor",
            Role::Integrator => "integrator",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Editor => "Editor",
            Role::Viewer => "Viewer",
            Role::Auditor => "Auditor",
            Role::Integrator => "Integrator",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == value)
    }

    /// Where a user of this role lands after signing in.
    pub fn home_path(self) -> &'static str {
        if allows(self, Action::OpenAdmin) {
            "/admin"
        } else {
            "/portal"
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ViewPublishedPage,
    ViewDraftPage,
    CreatePage,
    EditPage,
    PublishPage,
    ManageTools,
    OpenAdmin,
    ReadAudit,
    ManageUsers,
    /// Send a form's values to its tool (on a page the user may view).
    SubmitForm,
    /// Build, turn on and off, and revert workflows.
    ManageWorkflows,
}

impl Action {
    /// The name stored in custom roles and sent by clients (`edit_page`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ViewPublishedPage => "view_published_page",
            Action::ViewDraftPage => "view_draft_page",
            Action::CreatePage => "create_page",
            Action::EditPage => "edit_page",
            Action::PublishPage => "publish_page",
            Action::ManageTools => "manage_tools",
            Action::OpenAdmin => "open_admin",
            Action::ReadAudit => "read_audit",
            Action::ManageUsers => "manage_users",
            Action::SubmitForm => "submit_form",
            Action::ManageWorkflows => "manage_workflows",
        }
    }

    /// What the roles screen calls it.
    pub fn label(self) -> &'static str {
        match self {
            Action::ViewPublishedPage => "View published pages",
            Action::ViewDraftPage => "View drafts",
            Action::CreatePage => "Create pages",
            Action::EditPage => "Edit pages",
            Action::PublishPage => "Publish pages",
            Action::ManageTools => "Manage tools",
            Action::OpenAdmin => "Open the admin area",
            Action::ReadAudit => "Read the audit trail",
            Action::ManageUsers => "Manage users and roles",
            Action::SubmitForm => "Send forms on pages",
            Action::ManageWorkflows => "Build and turn on workflows",
        }
    }

    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == name)
    }

    pub const ALL: [Action; 11] = [
        Action::ViewPublishedPage,
        Action::ViewDraftPage,
        Action::CreatePage,
        Action::EditPage,
        Action::PublishPage,
        Action::ManageTools,
        Action::OpenAdmin,
        Action::ReadAudit,
        Action::ManageUsers,
        Action::SubmitForm,
        Action::ManageWorkflows,
    ];
}

pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Admin => true,
        Role::Editor => matches!(
            action,
            ViewPublishedPage
                | ViewDraftPage
                | CreatePage
                | EditPage
                | PublishPage
                | OpenAdmin
                | SubmitForm
        ),
        Role::Integrator => matches!(
            action,
            ViewPublishedPage
                | ViewDraftPage
                | ManageTools
                | OpenAdmin
                | SubmitForm
                | ManageWorkflows
        ),
        Role::Auditor => matches!(
            action,
            ViewPublishedPage | ViewDraftPage | OpenAdmin | ReadAudit
        ),
        // Auditors only read; everyone else may use the forms on pages they see.
        Role::Viewer => matches!(action, ViewPublishedPage | SubmitForm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every role × action, spelled out so a change to the policy shows up here.
    #[test]
    fn policy_table_is_exactly_as_documented() {
        use Action::*;
        let expected: &[(Role, &[Action])] = &[
            (Role::Admin, &Action::ALL),
            (
                Role::Editor,
                &[
                    ViewPublishedPage,
                    ViewDraftPage,
                    CreatePage,
                    EditPage,
                    PublishPage,
                    OpenAdmin,
                    SubmitForm,
                ],
            ),
            (
                Role::Integrator,
                &[
                    ViewPublishedPage,
                    ViewDraftPage,
                    ManageTools,
                    OpenAdmin,
                    SubmitForm,
                    ManageWorkflows,
                ],
            ),
            (
                Role::Auditor,
                &[ViewPublishedPage, ViewDraftPage, OpenAdmin, ReadAudit],
            ),
            (Role::Viewer, &[ViewPublishedPage, SubmitForm]),
        ];
        for (role, granted) in expected {
            for action in Action::ALL {
                assert_eq!(
                    allows(*role, action),
                    granted.contains(&action),
                    "{role:?} × {action:?}"
                );
            }
        }
    }

    #[test]
    fn viewer_lands_on_portal_and_staff_on_admin_home() {
        assert_eq!(Role::Viewer.home_path(), "/portal");
        assert_eq!(Role::Admin.home_path(), "/admin");
        assert_eq!(Role::Auditor.home_path(), "/admin");
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
            assert_eq!(
                serde_json::to_value(action).unwrap(),
                serde_json::json!(action.as_str())
            );
        }
        assert_eq!(Role::parse("root"), None);
    }
}
