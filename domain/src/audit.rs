//! What the audit trail records: one typed action per kind of change, each with the
//! resource kind it changes, the permission it needs and the words the audit screen shows.

use serde::{Deserialize, Serialize};

use crate::{access::ResourceKind, policy::Action};

macro_rules! audit_actions {
    ($($variant:ident => $name:literal, $kind:ident, $needs:tt, $label:literal;)+) => {
        /// A kind of change, stored by its dotted name (`page.publish`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum AuditAction {
            $(#[serde(rename = $name)] $variant,)+
        }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)+];

            /// The name stored in the audit trail.
            pub fn as_str(self) -> &'static str {
                match self { $(AuditAction::$variant => $name,)+ }
            }

            /// The kind of resource this action changes.
            pub fn resource_kind(self) -> ResourceKind {
                match self { $(AuditAction::$variant => ResourceKind::$kind,)+ }
            }

            /// The permission an actor needs to do this; none for what anyone may cause
            /// (signing in and out).
            pub fn requires(self) -> Option<Action> {
                match self { $(AuditAction::$variant => audit_actions!(@needs $needs),)+ }
            }

            /// What the audit screen says happened, e.g. "published the page".
            pub fn label(self) -> &'static str {
                match self { $(AuditAction::$variant => $label,)+ }
            }
        }
    };
    (@needs anyone) => { None };
    (@needs $needs:ident) => { Some(Action::$needs) };
}

audit_actions! {
    OrganizationCreate => "organization.create", Organization, ManageUsers, "created the organization";
    UserCreate => "user.create", User, ManageUsers, "created the user";
    UserUpdate => "user.update", User, ManageUsers, "changed the user";
    UserDisable => "user.disable", User, ManageUsers, "disabled the user";
    UserEnable => "user.enable", User, ManageUsers, "enabled the user";
    UserPasswordLink => "user.password_link", User, ManageUsers, "issued a set-password link";
    UserPasswordSet => "user.password_set", User, anyone, "set their password";
    UserDelete => "user.delete", User, ManageUsers, "deleted the user";
    ScimTokenIssue => "organization.scim_token", Organization, ManageUsers, "issued a SCIM provisioning token";
    ScimTokenRevoke => "organization.scim_token_revoke", Organization, ManageUsers, "revoked a SCIM provisioning token";
    GroupCreate => "group.create", Group, ManageUsers, "created the group";
    GroupUpdate => "group.update", Group, ManageUsers, "changed the group";
    GroupDelete => "group.delete", Group, ManageUsers, "deleted the group";
    RoleCreate => "role.create", Role, ManageUsers, "created the role";
    RoleUpdate => "role.update", Role, ManageUsers, "changed the role";
    RoleDelete => "role.delete", Role, ManageUsers, "deleted the role";
    RoleRevert => "role.revert", Role, ManageUsers, "reverted the role";
    PageCreate => "page.create", Page, CreatePage, "created the page";
    PageCreatePublished => "page.create_published", Page, PublishPage, "created and published the page";
    PageDuplicate => "page.duplicate", Page, CreatePage, "duplicated the page";
    PageSaveAsCopy => "page.save_as_copy", Page, CreatePage, "saved a copy of the page";
    PageSaveDraft => "page.save_draft", Page, EditPage, "saved the draft";
    PagePublish => "page.publish", Page, PublishPage, "published the page";
    PageUnpublish => "page.unpublish", Page, PublishPage, "unpublished the page";
    PageDelete => "page.delete", Page, EditPage, "deleted the page";
    PageRevert => "page.revert", Page, EditPage, "reverted the page";
    PageApprovalRequest => "page.approval_request", Page, EditPage, "asked for approval to publish";
    PageApprovalApprove => "page.approval_approve", Page, PublishPage, "approved and published the page";
    PageApprovalReject => "page.approval_reject", Page, PublishPage, "rejected publishing the page";
    PageAccessChange => "page.access", Page, PublishPage, "changed who may use the page";
    OrganizationSettings => "organization.settings", Organization, ManageUsers, "changed the organization's settings";
    FormSubmit => "form.submit", Page, SubmitForm, "submitted a form";
    ToolCreate => "tool.create", Tool, ManageTools, "registered the tool";
    ToolUpdate => "tool.update", Tool, ManageTools, "changed the tool";
    ToolRevert => "tool.revert", Tool, ManageTools, "reverted the tool";
    ToolLogoSet => "tool.logo_set", Tool, ManageTools, "set the tool's logo";
    ToolLogoRemoved => "tool.logo_removed", Tool, ManageTools, "removed the tool's logo";
    ToolSecretSet => "tool.secret_set", Tool, ManageTools, "replaced the tool's credentials";
    ToolDelete => "tool.delete", Tool, ManageTools, "deleted the tool";
    ToolWebhookEnabled => "tool.webhook_enabled", Tool, ManageTools, "turned on the tool's webhook";
    ToolAccessChange => "tool.access", Tool, ManageTools, "changed who may use the tool";
    WorkflowCreate => "workflow.create", Workflow, ManageWorkflows, "created the workflow";
    WorkflowSave => "workflow.save", Workflow, ManageWorkflows, "saved the workflow";
    WorkflowEnable => "workflow.enable", Workflow, ManageWorkflows, "turned the workflow on";
    WorkflowDisable => "workflow.disable", Workflow, ManageWorkflows, "turned the workflow off";
    WorkflowRevert => "workflow.revert", Workflow, ManageWorkflows, "reverted the workflow";
    WorkflowDelete => "workflow.delete", Workflow, ManageWorkflows, "deleted the workflow";
    WorkflowRun => "workflow.run", Workflow, ManageWorkflows, "started a run of the workflow";
    ChannelCreate => "channel.create", Channel, ManageWorkflows, "added the channel";
    ChannelUpdate => "channel.update", Channel, ManageWorkflows, "changed the channel";
    ChannelDelete => "channel.delete", Channel, ManageWorkflows, "deleted the channel";
    SessionSignIn => "session.sign_in", User, anyone, "signed in";
    SessionSignInFailed => "session.sign_in_failed", User, anyone, "failed to sign in";
    SessionSignOut => "session.sign_out", User, anyone, "signed out";
}

impl AuditAction {
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|action| action.as_str() == value)
    }
}

/// Rows on one page of the audit screen.
pub const AUDIT_PAGE_SIZE: u32 = 50;

/// The audit screen's filters as a URL carries them: every field optional, empty means unset
/// (a plain HTML form sends empty fields). Dates are `YYYY-MM-DD`, read as whole UTC days.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub resource_type: String,
    pub resource_id: String,
    /// Part of the actor's email or name.
    pub actor: String,
    pub action: String,
    pub from: String,
    pub to: String,
    /// 1-based.
    pub page: Option<u32>,
}

impl AuditQuery {
    /// The query string that reproduces these filters (for paging and export links).
    pub fn to_query_string(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("resource_type", &self.resource_type),
            ("resource_id", &self.resource_id),
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(name, value.trim());
            }
        }
        if let Some(page) = self.page.filter(|page| *page > 1) {
            query.append_pair("page", &page.to_string());
        }
        query.finish()
    }
}

/// One row of the audit trail as the audit screen and its exports show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: i32,
    /// Position in the organization's chain.
    pub seq: Option<i64>,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub actor_kind: String,
    /// The stored action name (`page.publish`).
    pub action: String,
    /// What happened, in words ("published the page").
    pub action_label: String,
    pub resource_type: String,
    pub resource_id: String,
    /// The change field by field, in words (`crate::change_words`).
    pub changes: Vec<String>,
    /// The RFC 6902 JSON Patch from before to after.
    pub patch: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    /// Rows matching the filters, on all pages.
    pub total: u64,
    pub page: u32,
    pub pages: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_stored_name_and_serde() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
            assert_eq!(
                serde_json::to_value(action).unwrap(),
                serde_json::json!(action.as_str())
            );
            assert!(
                action.as_str().starts_with(action.resource_kind().as_str())
                    || matches!(
                        action,
                        AuditAction::FormSubmit
                            | AuditAction::SessionSignIn
                            | AuditAction::SessionSignInFailed
                            | AuditAction::SessionSignOut
                    ),
                "{action:?} is named after what it changes"
            );
        }
        assert_eq!(AuditAction::parse("page.explode"), None);
    }

    #[test]
    fn changes_need_the_permission_of_what_they_do() {
        assert_eq!(
            AuditAction::PagePublish.requires(),
            Some(Action::PublishPage)
        );
        assert_eq!(
            AuditAction::PageSaveDraft.requires(),
            Some(Action::EditPage)
        );
        assert_eq!(
            AuditAction::ToolSecretSet.requires(),
            Some(Action::ManageTools)
        );
        assert_eq!(
            AuditAction::UserCreate.requires(),
            Some(Action::ManageUsers)
        );
        assert_eq!(AuditAction::FormSubmit.requires(), Some(Action::SubmitForm));
        assert_eq!(AuditAction::SessionSignIn.requires(), None);
    }
}

#[cfg(test)]
mod query_tests {
    use super::*;

    #[test]
    fn a_query_string_keeps_only_the_filters_that_are_set() {
        let query = AuditQuery {
            resource_type: "page".into(),
            actor: " admin@example.com ".into(),
            from: "2026-12-01".into(),
            page: Some(3),
            ..Default::default()
        };
        assert_eq!(
            query.to_query_string(),
            "resource_type=page&actor=admin%40example.com&from=2026-12-01&page=3"
        );
        assert_eq!(AuditQuery::default().to_query_string(), "");
    }
}
