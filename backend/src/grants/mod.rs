//! Grants on pages and tools (`domain::grants`), read and written the same way for both: the
//! stored list, the people, roles and groups a grant may name, what the access screen shows,
//! and the audit trail's readable account of who may use an object.

use std::collections::BTreeMap;

use domain::{
    Action, Role, ValidationIssue,
    access::{Actor, Resource, authorize},
    audit::AuditAction,
    dto::SessionUser,
    grants::{
        AccessUpdate, AccessView, Grant, GrantView, Grantee, GranteeChoice, Grants, PageRight,
        Restriction, Right, RightChoice, ToolRight,
    },
    ids::{OrgId, UserId},
    roles::CustomRole,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, QueryOrder,
    prelude::Json,
    sea_query::{Expr, ExprTrait},
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::{
    Error, Result,
    change::Changes,
    entities::{group, page, role, tool, user},
    scoped::{self, OrgScoped},
    versions::{self, NewVersion, Versioned},
};

pub(crate) mod history;

/// The grants stored on a row. Null is none. A list that cannot be read restricts the object
/// to Admins (it fails closed) until someone saves its grants again.
pub(crate) fn stored<R: Right + DeserializeOwned>(value: &Option<Json>) -> Grants<R> {
    match value {
        None | Some(Value::Null) => Grants::default(),
        Some(value) => serde_json::from_value(value.clone()).unwrap_or_else(|err| {
            tracing::error!(%err, "stored grants are unreadable; only Admins keep the object");
            Grants(vec![Grant {
                grantee: Grantee::User(UserId(0)),
                right: R::ALL[0],
            }])
        }),
    }
}

/// What to store for grants: null when there are none.
pub(crate) fn to_stored<R: Right + serde::Serialize>(grants: &Grants<R>) -> Result<Option<Json>> {
    if !grants.is_restricted() {
        return Ok(None);
    }
    serde_json::to_value(grants)
        .map(Some)
        .map_err(|err| Error::internal_from("grants", err))
}

/// A role as grants see it: its name and what it lets its holders do.
struct RoleEntry {
    name: String,
    may: Box<dyn Fn(Action) -> bool + Send + Sync>,
}

/// Everyone in an organization a grant can name.
pub(crate) struct Directory {
    /// User id → (label, role key).
    people: BTreeMap<i32, (String, String)>,
    roles: BTreeMap<String, RoleEntry>,
    groups: BTreeMap<i32, String>,
}

impl Directory {
    pub(crate) async fn of(conn: &impl ConnectionTrait, org_id: OrgId) -> Result<Directory> {
        let people = scoped::all_in::<user::Entity>(org_id)
            .order_by_asc(user::Column::DisplayName)
            .all(conn)
            .await?
            .into_iter()
            .map(|person| {
                let label = format!("{} ({})", person.display_name, person.email);
                (person.id, (label, person.role))
            })
            .collect();
        let mut roles: BTreeMap<String, RoleEntry> = Role::ALL
            .into_iter()
            .map(|role| {
                let entry = RoleEntry {
                    name: role.label().to_owned(),
                    may: Box::new(move |action| domain::policy::allows(role, action)),
                };
                (role.as_str().to_owned(), entry)
            })
            .collect();
        for model in scoped::all_in::<role::Entity>(org_id).all(conn).await? {
            let CustomRole { key, name, actions } = crate::roles::custom(&model);
            let may = Box::new(move |action| actions.contains(&action));
            roles.insert(key, RoleEntry { name, may });
        }
        let groups = scoped::all_in::<group::Entity>(org_id)
            .all(conn)
            .await?
            .into_iter()
            .map(|group| (group.id, group.display_name))
            .collect();
        Ok(Directory {
            people,
            roles,
            groups,
        })
    }

    fn choice(&self, grantee: &Grantee) -> Option<GranteeChoice> {
        let (name, kind) = match grantee {
            Grantee::User(id) => (self.people.get(&id.get())?.0.clone(), "Person"),
            Grantee::Role(key) => (self.roles.get(key)?.name.clone(), "Role"),
            Grantee::Group(id) => (self.groups.get(&id.get())?.clone(), "Group"),
        };
        Some(GranteeChoice {
            key: grantee.key(),
            name,
            kind: kind.to_owned(),
        })
    }

    fn everyone(&self) -> Vec<Grantee> {
        let people = self.people.keys().map(|id| Grantee::User(UserId(*id)));
        let roles = self.roles.keys().map(|key| Grantee::Role(key.clone()));
        let groups = self
            .groups
            .keys()
            .map(|id| Grantee::Group(domain::ids::GroupId(*id)));
        roles.chain(groups).chain(people).collect()
    }

    /// Grants naming someone the organization does not have.
    pub(crate) fn unknown<R: Right>(&self, grants: &Grants<R>) -> Vec<ValidationIssue> {
        grants
            .0
            .iter()
            .enumerate()
            .filter(|(_, grant)| self.choice(&grant.grantee).is_none())
            .map(|(index, grant)| {
                let what = match grant.grantee {
                    Grantee::User(_) => "There is no such person in your organization.",
                    Grantee::Role(_) => "There is no such role in your organization.",
                    Grantee::Group(_) => "There is no such group in your organization.",
                };
                ValidationIssue::new(format!("grants[{index}].grantee"), what)
            })
            .collect()
    }

    /// Why a grant gives its holders less than it says: their role does not allow more.
    fn note<R: Right>(&self, grant: &Grant<R>) -> Option<String> {
        let role_key = match &grant.grantee {
            Grantee::Role(key) => key.clone(),
            Grantee::User(id) => self.people.get(&id.get())?.1.clone(),
            Grantee::Group(_) => return None,
        };
        let role = self.roles.get(&role_key)?;
        match Grants::effective(grant.right, &role.may) {
            Some(effective) if effective == grant.right => None,
            Some(effective) => Some(format!(
                "The {} role allows no more than “{}” here.",
                role.name,
                effective.label()
            )),
            None => Some(format!(
                "The {} role allows none of this; the grant has no effect.",
                role.name
            )),
        }
    }

    /// The access screen: current grants (people who left the organization dropped), and
    /// everyone else as a choice.
    pub(crate) fn view<R: Right>(
        &self,
        (id, name, revision): (i32, &str, i32),
        grants: &Grants<R>,
    ) -> AccessView {
        let shown: Vec<GrantView> = grants
            .0
            .iter()
            .filter_map(|grant| {
                Some(GrantView {
                    grantee: self.choice(&grant.grantee)?,
                    right: grant.right.as_str().to_owned(),
                    right_label: grant.right.label().to_owned(),
                    note: self.note(grant),
                })
            })
            .collect();
        let choices = self
            .everyone()
            .into_iter()
            .filter(|grantee| !grants.0.iter().any(|grant| grant.grantee == *grantee))
            .filter_map(|grantee| self.choice(&grantee))
            .collect();
        AccessView {
            id,
            name: name.to_owned(),
            revision,
            grants: shown,
            choices,
            rights: RightChoice::all::<R>(),
        }
    }

    /// Who may use the object, in words, for the audit trail: `{"Finance (Group)": "View"}`;
    /// none named means the roles decide.
    pub(crate) fn described<R: Right>(&self, grants: &Grants<R>) -> Value {
        let named: serde_json::Map<String, Value> = grants
            .0
            .iter()
            .map(|grant| {
                let who = self
                    .choice(&grant.grantee)
                    .map(|choice| format!("{} ({})", choice.name, choice.kind))
                    .unwrap_or_else(|| grant.grantee.key());
                (who, Value::String(grant.right.label().to_owned()))
            })
            .collect();
        json!({"shared": grants.is_restricted(), "access": named})
    }
}

/// A kind of row that carries grants (pages and tools).
pub(crate) trait Granted: OrgScoped {
    type Right: Right + DeserializeOwned + serde::Serialize;
    /// "page" or "tool", for messages.
    const NOUN: &'static str;
    const ACCESS_CHANGE: AuditAction;
    /// Where the grants' versions are kept.
    const HISTORY: Versioned;
    /// What the person changing the grants must keep being allowed to do.
    const KEEPS: Action;
    fn id_column() -> Self::Column;
    fn grants_column() -> Self::Column;
    fn revision_column() -> Self::Column;
    fn id(model: &Self::Model) -> i32;
    fn name(model: &Self::Model) -> &str;
    fn grants(model: &Self::Model) -> &Option<Json>;
    fn revision(model: &Self::Model) -> i32;
}

macro_rules! granted {
    ($entity:ident, $right:ty, $noun:literal, $change:ident, $history:ident, $keeps:ident, $name:ident) => {
        impl Granted for $entity::Entity {
            type Right = $right;
            const NOUN: &'static str = $noun;
            const ACCESS_CHANGE: AuditAction = AuditAction::$change;
            const HISTORY: Versioned = Versioned::$history;
            const KEEPS: Action = Action::$keeps;
            fn id_column() -> Self::Column {
                $entity::Column::Id
            }
            fn grants_column() -> Self::Column {
                $entity::Column::AccessGrants
            }
            fn revision_column() -> Self::Column {
                $entity::Column::AccessRevision
            }
            fn id(model: &Self::Model) -> i32 {
                model.id
            }
            fn name(model: &Self::Model) -> &str {
                &model.$name
            }
            fn grants(model: &Self::Model) -> &Option<Json> {
                &model.access_grants
            }
            fn revision(model: &Self::Model) -> i32 {
                model.access_revision
            }
        }
    };
}

granted!(
    page,
    PageRight,
    "page",
    PageAccessChange,
    PAGE_ACCESS,
    PublishPage,
    title
);
granted!(
    tool,
    ToolRight,
    "tool",
    ToolAccessChange,
    TOOL_ACCESS,
    ManageTools,
    name
);

/// The access screen of `model` (which the caller checked the actor may see).
pub(crate) async fn access_view<E: Granted>(
    conn: &impl ConnectionTrait,
    actor: &SessionUser,
    model: &E::Model,
) -> Result<AccessView> {
    let directory = Directory::of(conn, actor.org_id).await?;
    let grants: Grants<E::Right> = stored(E::grants(model));
    Ok(directory.view((E::id(model), E::name(model), E::revision(model)), &grants))
}

/// Replaces the grants of `current` (loaded for the actor) if nobody changed them since
/// `update.base_revision`: each must name someone the organization has, and the actor must
/// keep [`Granted::KEEPS`] on the object (Admins always do). One audited change, in words,
/// and a version of the grants (`note` says why) numbered like their revision.
pub(crate) async fn replace<E>(
    conn: &DatabaseConnection,
    changes: &Changes,
    actor: &SessionUser,
    current: &E::Model,
    update: &AccessUpdate,
    note: &str,
) -> Result<AccessView>
where
    E: Granted,
    Restriction: From<Grants<E::Right>>,
{
    let directory = Directory::of(conn, actor.org_id).await?;
    let (id, name) = (E::id(current), E::name(current));
    let grants = update
        .parse::<E::Right>()
        .map_err(Error::Validation)?
        .sorted();
    let unknown = directory.unknown(&grants);
    if !unknown.is_empty() {
        return Err(Error::Validation(unknown));
    }
    if E::revision(current) != update.base_revision {
        return Err(stale(E::NOUN));
    }
    let before: Grants<E::Right> = stored(E::grants(current));
    if before == grants {
        return Ok(directory.view((id, name, update.base_revision), &grants));
    }
    let after = Resource::new(E::KIND, actor.org_id).restricted(grants.clone().into());
    if authorize(&Actor::User(actor.clone()), E::KEEPS, &after).is_err() {
        let right = <E::Right as Right>::ALL
            .iter()
            .find(|right| right.actions().contains(&E::KEEPS))
            .map(|right| right.label())
            .unwrap_or_default();
        return Err(Error::Validation(vec![ValidationIssue::new(
            "grants",
            format!(
                "You would lose access to this {} yourself. Add yourself, your role or one of your groups with “{right}”.",
                E::NOUN
            ),
        )]));
    }
    let change = changes
        .begin(actor, E::ACCESS_CHANGE, E::resource(current))
        .await?;
    let updated = E::update_many()
        .col_expr(E::grants_column(), Expr::value(to_stored(&grants)?))
        .col_expr(E::revision_column(), Expr::col(E::revision_column()).add(1))
        .filter(E::id_column().eq(id))
        .filter(E::revision_column().eq(update.base_revision))
        .exec(change.txn())
        .await?;
    if updated.rows_affected == 0 {
        return Err(stale(E::NOUN));
    }
    let kept = |version: i32, grants: &Grants<E::Right>, note: &'static str| NewVersion {
        kind: E::HISTORY,
        org_id: actor.org_id,
        resource_id: id,
        version,
        snapshot: history::snapshot(grants, &directory),
        note,
        by: Some(actor.id),
        at: change.now(),
    };
    // Grants set before they were versioned get their starting point.
    versions::record_if_missing(
        change.txn(),
        NewVersion {
            by: None,
            ..kept(update.base_revision, &before, "as it was before")
        },
    )
    .await?;
    versions::record(
        change.txn(),
        NewVersion {
            note,
            ..kept(update.base_revision + 1, &grants, "")
        },
    )
    .await?;
    change
        .commit(
            id,
            Some(directory.described(&before)),
            Some(directory.described(&grants)),
        )
        .await?;
    Ok(directory.view((id, name, update.base_revision + 1), &grants))
}

/// Someone else changed the object's grants first.
pub(crate) fn stale(noun: &str) -> Error {
    Error::Conflict(format!(
        "Someone changed who may use this {noun} since you opened it. Reload to see their changes, then make yours again."
    ))
}
