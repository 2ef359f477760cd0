//! Who acts, on what, and whether they may: the one decision every service asks before it
//! reads or changes a resource. Pure, so the UI can ask the same question the server enforces.

use serde::{Deserialize, Serialize};

use crate::{
    dto::SessionUser,
    ids::{OrgId, UserId},
    policy::{Action, allows},
};

/// Whoever causes a read or a change: a signed-in user, or the product itself (first-boot
/// bootstrap, scheduled jobs). Automations and provisioning clients join as variants here,
/// so every service and the audit trail name them the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User(SessionUser),
    System,
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
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::System => "system",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [ActorKind::User, ActorKind::System]
            .into_iter()
            .find(|kind| kind.as_str() == value)
    }
}

impl Actor {
    pub fn kind(&self) -> ActorKind {
        match self {
            Actor::User(_) => ActorKind::User,
            Actor::System => ActorKind::System,
        }
    }

    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::User(user) => Some(user.id),
            Actor::System => None,
        }
    }

    /// The name the audit trail shows: the user's email, or "system".
    pub fn label(&self) -> &str {
        match self {
            Actor::User(user) => &user.email,
            Actor::System => "system",
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
    /// The organization's audit trail, read as a whole.
    Audit,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 5] = [
        ResourceKind::Organization,
        ResourceKind::User,
        ResourceKind::Page,
        ResourceKind::Tool,
        ResourceKind::Audit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Organization => "organization",
            ResourceKind::User => "user",
            ResourceKind::Page => "page",
            ResourceKind::Tool => "tool",
            ResourceKind::Audit => "audit",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

/// What `authorize` needs to know about a resource. A resource that does not exist yet (a
/// page being created) is described by the organization it will belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resource {
    pub kind: ResourceKind,
    pub org_id: OrgId,
}

impl Resource {
    pub fn new(kind: ResourceKind, org_id: OrgId) -> Self {
        Self { kind, org_id }
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
/// resource does not exist for the actor), then what the actor's role allows.
pub fn authorize(actor: &Actor, action: Action, resource: &Resource) -> Result<(), Denial> {
    match actor {
        Actor::System => Ok(()),
        Actor::User(user) => {
            if user.org_id != resource.org_id {
                Err(Denial::NotFound(resource.kind))
            } else if allows(user.role, action) {
                Ok(())
            } else {
                Err(Denial::Forbidden(action))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Role;

    fn user(role: Role, org: i32) -> Actor {
        Actor::User(SessionUser {
            id: UserId(1),
            org_id: OrgId(org),
            email: "someone@example.com".into(),
            display_name: "Someone".into(),
            role,
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
        for kind in [ActorKind::User, ActorKind::System] {
            assert_eq!(ActorKind::parse(kind.as_str()), Some(kind));
        }
        for kind in ResourceKind::ALL {
            assert_eq!(ResourceKind::parse(kind.as_str()), Some(kind));
        }
    }
}
