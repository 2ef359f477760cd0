//! Who acts, on what, and whether they may: the one decision every service asks before it
//! reads or changes a resource. Pure, so the UI can ask the same question the server enforces.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{
    dto::SessionUser,
    grants::Restriction,
    ids::{OrgId, UserId},
    policy::Action,
};

/// Whoever causes a read or a change: a signed-in user, or the product itself (first-boot
/// bootstrap, scheduled jobs). Automations and provisioning clients join as variants here,
/// so every service and the audit trail name them the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User(SessionUser),
    System,
    /// Someone not signed in, named by the account they claimed (a failed sign-in).
    Anonymous {
        claimed: String,
    },
    /// An identity provider's provisioning client (SCIM) with the organization's token: it
    /// may manage that organization's users and nothing else.
    Provisioning {
        org_id: OrgId,
    },
    /// The organization's single sign-on, creating or updating the person signing in from
    /// what their identity provider vouched for: like provisioning, users of one organization.
    SingleSignOn {
        org_id: OrgId,
    },
}

impl From<&SessionUser> for Actor {
    fn from(user: &SessionUser) -> Self {
        Actor::User(user.clone())
    }
}

/// How an actor is recorded in the audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    System,
    Anonymous,
    Provisioning,
    SingleSignOn,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::System => "system",
            ActorKind::Anonymous => "anonymous",
            ActorKind::Provisioning => "provisioning",
            ActorKind::SingleSignOn => "single_sign_on",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            ActorKind::User,
            ActorKind::System,
            ActorKind::Anonymous,
            ActorKind::Provisioning,
            ActorKind::SingleSignOn,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == value)
    }
}

impl Actor {
    pub fn kind(&self) -> ActorKind {
        match self {
            Actor::User(_) => ActorKind::User,
            Actor::System => ActorKind::System,
            Actor::Anonymous { .. } => ActorKind::Anonymous,
            Actor::Provisioning { .. } => ActorKind::Provisioning,
            Actor::SingleSignOn { .. } => ActorKind::SingleSignOn,
        }
    }

    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::User(user) => Some(user.id),
            Actor::System
            | Actor::Anonymous { .. }
            | Actor::Provisioning { .. }
            | Actor::SingleSignOn { .. } => None,
        }
    }

    /// The name the audit trail shows: the user's email, "system", or the email someone
    /// who is not signed in claimed.
    pub fn label(&self) -> &str {
        match self {
            Actor::User(user) => &user.email,
            Actor::System => "system",
            Actor::Anonymous { claimed } => claimed,
            Actor::Provisioning { .. } => "scim",
            Actor::SingleSignOn { .. } => "single sign-on",
        }
    }
}

/// The kinds of things the product keeps, as the audit trail and error messages name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Organization,
    User,
    Page,
    Tool,
    /// A custom role of the organization.
    Role,
    /// A group of users (from the identity provider or made here).
    Group,
    /// The organization's audit trail, read as a whole.
    Audit,
    /// An automation: a trigger and the steps it sets off.
    Workflow,
    /// Where notifications go (Slack, Teams, email…).
    Channel,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 9] = [
        ResourceKind::Organization,
        ResourceKind::User,
        ResourceKind::Page,
        ResourceKind::Tool,
        ResourceKind::Role,
        ResourceKind::Group,
        ResourceKind::Audit,
        ResourceKind::Workflow,
        ResourceKind::Channel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Organization => "organization",
            ResourceKind::User => "user",
            ResourceKind::Page => "page",
            ResourceKind::Tool => "tool",
            ResourceKind::Role => "role",
            ResourceKind::Group => "group",
            ResourceKind::Audit => "audit",
            ResourceKind::Workflow => "workflow",
            ResourceKind::Channel => "channel",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

/// What `authorize` needs to know about a resource: its kind, its organization and, for a
/// page or tool that has them, its grants. A resource that does not exist yet (a page being
/// created) is described by the organization it will belong to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    pub kind: ResourceKind,
    pub org_id: OrgId,
    pub restriction: Option<Arc<Restriction>>,
}

impl Resource {
    pub fn new(kind: ResourceKind, org_id: OrgId) -> Self {
        Self {
            kind,
            org_id,
            restriction: None,
        }
    }

    /// The resource with its grants (none: the roles alone decide).
    pub fn restricted(mut self, restriction: Restriction) -> Self {
        let restricted = match &restriction {
            Restriction::Page(grants) => grants.is_restricted(),
            Restriction::Tool(grants) => grants.is_restricted(),
        };
        self.restriction = restricted.then(|| Arc::new(restriction));
        self
    }
}

/// May `actor` be recorded against `resource` for what needs no permission (signing in and
/// out)? Only in the actor's own organization.
pub fn within_organization(actor: &Actor, resource: &Resource) -> Result<(), Denial> {
    match actor {
        Actor::User(user) if user.org_id != resource.org_id => Err(Denial::NotFound(resource.kind)),
        Actor::Provisioning { org_id } | Actor::SingleSignOn { org_id }
            if *org_id != resource.org_id =>
        {
            Err(Denial::NotFound(resource.kind))
        }
        _ => Ok(()),
    }
}

/// Why an actor may not do something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denial {
    /// The resource belongs to another organization: answered exactly like a resource that
    /// does not exist, so nothing about it leaks.
    NotFound(ResourceKind),
    /// The actor may see the resource but not do this to it.
    Forbidden(Action),
}

/// May `actor` do `action` to `resource`? Organization first (another organization's
/// resource does not exist for the actor), then what the actor's role allows, then the
/// resource's grants (`crate::grants`): a restricted page the actor may not even view does
/// not exist for them either. Someone not signed in may do nothing that needs a permission.
pub fn authorize(actor: &Actor, action: Action, resource: &Resource) -> Result<(), Denial> {
    match actor {
        Actor::System => Ok(()),
        Actor::Anonymous { .. } => Err(Denial::Forbidden(action)),
        Actor::Provisioning { org_id } | Actor::SingleSignOn { org_id }
            if *org_id != resource.org_id =>
        {
            Err(Denial::NotFound(resource.kind))
        }
        Actor::Provisioning { .. } | Actor::SingleSignOn { .. }
            if action == Action::ManageUsers =>
        {
            Ok(())
        }
        Actor::Provisioning { .. } | Actor::SingleSignOn { .. } => Err(Denial::Forbidden(action)),
        Actor::User(user) => {
            // Another organization's resource, or a restricted one the user may not even
            // view: it does not exist for them.
            let hidden = !granted(user, Action::ViewPublishedPage, resource)
                && !granted(user, Action::ViewDraftPage, resource);
            if user.org_id != resource.org_id || hidden {
                Err(Denial::NotFound(resource.kind))
            } else if user.may(action) && granted(user, action, resource) {
                Ok(())
            } else {
                Err(Denial::Forbidden(action))
            }
        }
    }
}

/// Whether the resource's grants (if any) let `user` do `action`.
fn granted(user: &SessionUser, action: Action, resource: &Resource) -> bool {
    resource
        .restriction
        .as_ref()
        .is_none_or(|restriction| restriction.allow(user, action))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Role, allows};

    fn user(role: Role, org: i32) -> Actor {
        Actor::User(SessionUser {
            id: UserId(1),
            org_id: OrgId(org),
            email: "someone@example.com".into(),
            display_name: "Someone".into(),
            role,
            attributes: Default::default(),
            custom_role: None,
            groups: Vec::new(),
        })
    }

    #[test]
    fn every_role_and_action_in_the_actors_own_organization_follows_the_role_table() {
        for kind in ResourceKind::ALL {
            let resource = Resource::new(kind, OrgId(1));
            for role in Role::ALL {
                for action in Action::ALL {
                    let expected = if allows(role, action) {
                        Ok(())
                    } else {
                        Err(Denial::Forbidden(action))
                    };
                    assert_eq!(
                        authorize(&user(role, 1), action, &resource),
                        expected,
                        "{role:?} × {action:?} on {kind:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn another_organizations_resource_does_not_exist_even_for_its_admins_peers() {
        for kind in ResourceKind::ALL {
            let resource = Resource::new(kind, OrgId(2));
            for role in Role::ALL {
                for action in Action::ALL {
                    assert_eq!(
                        authorize(&user(role, 1), action, &resource),
                        Err(Denial::NotFound(kind)),
                        "{role:?} × {action:?} on {kind:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_custom_role_allows_exactly_its_actions_whatever_the_floor_role() {
        let Actor::User(mut analyst) = user(Role::Viewer, 1) else {
            unreachable!()
        };
        analyst.custom_role = Some(crate::roles::CustomRole {
            key: "finance-analyst".into(),
            name: "Finance analyst".into(),
            actions: vec![Action::ReadAudit, Action::OpenAdmin],
        });
        let actor = Actor::User(analyst.clone());
        let audit = Resource::new(ResourceKind::Audit, OrgId(1));
        for action in Action::ALL {
            let expected = if matches!(action, Action::ReadAudit | Action::OpenAdmin) {
                Ok(())
            } else {
                Err(Denial::Forbidden(action))
            };
            assert_eq!(authorize(&actor, action, &audit), expected, "{action:?}");
        }
        assert_eq!(
            authorize(
                &actor,
                Action::ReadAudit,
                &Resource::new(ResourceKind::Audit, OrgId(2))
            ),
            Err(Denial::NotFound(ResourceKind::Audit))
        );
        assert_eq!(
            (
                analyst.role_label(),
                analyst.role_key(),
                analyst.home_path()
            ),
            ("Finance analyst", "finance-analyst", "/admin")
        );
    }

    #[test]
    fn a_restricted_page_exists_only_for_its_grantees_and_grants_never_exceed_the_role() {
        use crate::grants::{Grant, Grantee, Grants, PageRight, ToolRight};
        let page = Resource::new(ResourceKind::Page, OrgId(1)).restricted(Restriction::Page(
            Grants(vec![Grant {
                grantee: Grantee::User(UserId(1)),
                right: PageRight::Publish,
            }]),
        ));
        // User 1 is named: an Editor may publish it, a Viewer only view it.
        assert_eq!(
            authorize(&user(Role::Editor, 1), Action::PublishPage, &page),
            Ok(())
        );
        assert_eq!(
            authorize(&user(Role::Viewer, 1), Action::EditPage, &page),
            Err(Denial::Forbidden(Action::EditPage))
        );
        let Actor::User(mut other) = user(Role::Editor, 1) else {
            unreachable!()
        };
        other.id = UserId(2);
        assert_eq!(
            authorize(
                &Actor::User(other.clone()),
                Action::ViewPublishedPage,
                &page
            ),
            Err(Denial::NotFound(ResourceKind::Page))
        );
        other.role = Role::Admin;
        assert_eq!(
            authorize(&Actor::User(other), Action::PublishPage, &page),
            Ok(())
        );
        // A restricted tool stays visible; using it needs the grant.
        let tool = Resource::new(ResourceKind::Tool, OrgId(1)).restricted(Restriction::Tool(
            Grants(vec![Grant {
                grantee: Grantee::Role("integrator".into()),
                right: ToolRight::Manage,
            }]),
        ));
        assert_eq!(
            authorize(&user(Role::Integrator, 1), Action::ManageTools, &tool),
            Ok(())
        );
        assert_eq!(
            authorize(&user(Role::Editor, 1), Action::EditPage, &tool),
            Err(Denial::Forbidden(Action::EditPage))
        );
        assert_eq!(
            authorize(&user(Role::Editor, 1), Action::OpenAdmin, &tool),
            Ok(())
        );
        // No grants at all: not restricted.
        let open = Resource::new(ResourceKind::Page, OrgId(1))
            .restricted(Restriction::Page(Grants::default()));
        assert_eq!(open.restriction, None);
    }

    #[test]
    fn the_system_may_act_in_any_organization() {
        for action in Action::ALL {
            assert_eq!(
                authorize(
                    &Actor::System,
                    action,
                    &Resource::new(ResourceKind::Page, OrgId(5))
                ),
                Ok(())
            );
        }
    }

    #[test]
    fn actors_are_recorded_by_kind_id_and_label() {
        let admin = user(Role::Admin, 1);
        assert_eq!(
            (admin.kind(), admin.user_id(), admin.label()),
            (ActorKind::User, Some(UserId(1)), "someone@example.com")
        );
        assert_eq!(
            (
                Actor::System.kind(),
                Actor::System.user_id(),
                Actor::System.label()
            ),
            (ActorKind::System, None, "system")
        );
        let stranger = Actor::Anonymous {
            claimed: "who@example.com".into(),
        };
        assert_eq!(
            (stranger.kind(), stranger.user_id(), stranger.label()),
            (ActorKind::Anonymous, None, "who@example.com")
        );
        let page = Resource::new(ResourceKind::Page, OrgId(1));
        for action in Action::ALL {
            assert_eq!(
                authorize(&stranger, action, &page),
                Err(Denial::Forbidden(action))
            );
        }
        assert_eq!(within_organization(&stranger, &page), Ok(()));
        assert_eq!(
            within_organization(&user(Role::Viewer, 2), &page),
            Err(Denial::NotFound(ResourceKind::Page))
        );
        let scim = Actor::Provisioning { org_id: OrgId(1) };
        assert_eq!(
            (scim.kind(), scim.user_id(), scim.label()),
            (ActorKind::Provisioning, None, "scim")
        );
        let sso = Actor::SingleSignOn { org_id: OrgId(1) };
        assert_eq!(
            (sso.kind(), sso.user_id(), sso.label()),
            (ActorKind::SingleSignOn, None, "single sign-on")
        );
        for action in Action::ALL {
            let expected = if action == Action::ManageUsers {
                Ok(())
            } else {
                Err(Denial::Forbidden(action))
            };
            assert_eq!(
                authorize(&scim, action, &Resource::new(ResourceKind::User, OrgId(1))),
                expected
            );
            assert_eq!(
                authorize(&scim, action, &Resource::new(ResourceKind::User, OrgId(2))),
                Err(Denial::NotFound(ResourceKind::User))
            );
            assert_eq!(
                authorize(&sso, action, &Resource::new(ResourceKind::User, OrgId(1))),
                expected
            );
            assert_eq!(
                authorize(&sso, action, &Resource::new(ResourceKind::User, OrgId(2))),
                Err(Denial::NotFound(ResourceKind::User))
            );
        }
        for kind in [
            ActorKind::User,
            ActorKind::System,
            ActorKind::Anonymous,
            ActorKind::Provisioning,
            ActorKind::SingleSignOn,
        ] {
            assert_eq!(ActorKind::parse(kind.as_str()), Some(kind));
        }
        for kind in ResourceKind::ALL {
            assert_eq!(ResourceKind::parse(kind.as_str()), Some(kind));
        }
    }
}
