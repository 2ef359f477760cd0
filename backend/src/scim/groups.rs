//! SCIM Groups and the roles they grant. When an admin maps a group to a role, its members
//! get the most capable role any of their groups grants; a member who leaves their last
//! role-granting group becomes a Viewer. Users whose groups grant nothing keep the role an
//! admin gave them.

use std::collections::{BTreeSet, HashMap};

use domain::{
    Action, Role,
    access::{Actor, Resource, ResourceKind},
    audit::AuditAction,
    dto::SessionUser,
    ids::{OrgId, UserId},
    scim::{GROUP_SCHEMA, GroupSummary, NewGroup, PatchRequest, ScimGroup, ScimList, ScimMember},
    scim_patch::patch_group,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use super::{ListWindow, ScimService, filter_of, id_of, invalid, meta, organization_of};
use crate::{
    Error, Result,
    change::Change,
    entities::{group, group_member, user},
    scoped::{self, OrgScoped},
    users::{keep_an_admin, snapshot},
};

pub const GROUP_FILTERS: &[&str] = &["displayName", "externalId"];
const MAX_GROUP_NAME_CHARS: usize = 200;

/// How capable a role is: the number of actions it allows. Unknown keys rank lowest.
pub async fn group_role_rank(
    conn: &impl ConnectionTrait,
    org_id: OrgId,
    key: &str,
) -> Result<usize> {
    if let Some(role) = Role::parse(key) {
        return Ok(Action::ALL
            .iter()
            .filter(|action| domain::policy::allows(role, **action))
            .count());
    }
    Ok(crate::roles::custom_role(conn, org_id, key)
        .await?
        .map_or(0, |role| role.actions.len()))
}

pub(crate) async fn member_ids(
    conn: &impl ConnectionTrait,
    group_id: i32,
) -> Result<BTreeSet<i32>> {
    Ok(group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(group_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|member| member.user_id)
        .collect())
}

async fn users_named(
    conn: &impl ConnectionTrait,
    org_id: OrgId,
    ids: &BTreeSet<i32>,
) -> Result<Vec<user::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(scoped::all_in::<user::Entity>(org_id)
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(user::Column::Id)
        .all(conn)
        .await?)
}

fn scim_group(model: &group::Model, members: &[user::Model]) -> ScimGroup {
    ScimGroup {
        schemas: vec![GROUP_SCHEMA.to_owned()],
        id: Some(model.id.to_string()),
        external_id: model.external_id.clone(),
        display_name: model.display_name.clone(),
        members: members
            .iter()
            .map(|member| ScimMember {
                value: member.id.to_string(),
                display: Some(member.display_name.clone()),
            })
            .collect(),
        meta: Some(meta("Group", model.id, model.created_at, model.updated_at)),
    }
}

pub(crate) fn group_snapshot(model: &group::Model, members: &BTreeSet<i32>) -> Value {
    json!({
        "display_name": model.display_name,
        "external_id": model.external_id,
        "role": model.role,
        "members": members,
    })
}

/// The members a group should have, each a user of the organization.
async fn wanted_members(
    conn: &impl ConnectionTrait,
    org_id: OrgId,
    members: &[ScimMember],
) -> Result<BTreeSet<i32>> {
    let mut ids = BTreeSet::new();
    for member in members {
        let id = member.value.trim().parse::<i32>().ok();
        let known = match id {
            Some(id) => {
                scoped::all_in::<user::Entity>(org_id)
                    .filter(user::Column::Id.eq(id))
                    .count(conn)
                    .await?
                    > 0
            }
            None => false,
        };
        match (id, known) {
            (Some(id), true) => ids.insert(id),
            _ => {
                return Err(invalid(
                    "members",
                    format!("there is no user with id {:?} to add", member.value),
                ));
            }
        };
    }
    Ok(ids)
}

fn checked_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_GROUP_NAME_CHARS {
        return Err(invalid(
            "displayName",
            format!("name the group (at most {MAX_GROUP_NAME_CHARS} characters)"),
        ));
    }
    Ok(name.to_owned())
}

/// The most capable role the user's groups grant, if any grants one.
pub(crate) async fn granted_role(
    conn: &impl ConnectionTrait,
    org_id: OrgId,
    user_id: i32,
) -> Result<Option<String>> {
    let group_ids: Vec<i32> = group_member::Entity::find()
        .filter(group_member::Column::UserId.eq(user_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|member| member.group_id)
        .collect();
    let roles: BTreeSet<String> = scoped::all_in::<group::Entity>(org_id)
        .filter(group::Column::Id.is_in(group_ids))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|group| group.role)
        .collect();
    let mut best: Option<(usize, String)> = None;
    for role in roles {
        let rank = group_role_rank(conn, org_id, &role).await?;
        if best.as_ref().is_none_or(|(best_rank, _)| rank > *best_rank) {
            best = Some((rank, role));
        }
    }
    Ok(best.map(|(_, role)| role))
}

/// Each user's granted role now, to compare with after the change.
pub(super) async fn granted_roles(
    conn: &impl ConnectionTrait,
    org_id: OrgId,
    users: &BTreeSet<i32>,
) -> Result<HashMap<i32, Option<String>>> {
    let mut granted = HashMap::new();
    for id in users {
        granted.insert(*id, granted_role(conn, org_id, *id).await?);
    }
    Ok(granted)
}

/// Gives each user whose granted role changed that role (Viewer if their groups no longer
/// grant one), each as its own audit row in the same change.
pub(super) async fn apply_granted_roles(
    change: &Change,
    org_id: OrgId,
    before: HashMap<i32, Option<String>>,
) -> Result<()> {
    for (user_id, was_granted) in before {
        let granted = granted_role(change.txn(), org_id, user_id).await?;
        if granted == was_granted {
            continue;
        }
        let role = granted.unwrap_or_else(|| Role::Viewer.as_str().to_owned());
        let Some(target) = user::Entity::find_by_id(user_id).one(change.txn()).await? else {
            continue;
        };
        if target.role == role {
            continue;
        }
        let mut row: user::ActiveModel = target.clone().into();
        row.role = Set(role);
        row.version = Set(target.version + 1);
        row.updated_at = Set(change.now());
        let updated = row.update(change.txn()).await?;
        if target.role == Role::Admin.as_str() && target.active {
            keep_an_admin(change.txn(), org_id, UserId(target.id)).await?;
        }
        change
            .also(
                AuditAction::UserUpdate,
                target.id,
                Some(snapshot(&target)),
                Some(snapshot(&updated)),
            )
            .await?;
    }
    Ok(())
}

async fn set_members(change: &Change, group_id: i32, members: &BTreeSet<i32>) -> Result<()> {
    group_member::Entity::delete_many()
        .filter(group_member::Column::GroupId.eq(group_id))
        .exec(change.txn())
        .await?;
    if !members.is_empty() {
        group_member::Entity::insert_many(members.iter().map(|user_id| {
            group_member::ActiveModel {
                group_id: Set(group_id),
                user_id: Set(*user_id),
            }
        }))
        .exec(change.txn())
        .await?;
    }
    Ok(())
}

fn taken(name: &str) -> impl FnOnce(sea_orm::DbErr) -> Error + '_ {
    move |err| Error::from_unique_violation(err, format!("A group named {name} already exists."))
}

impl ScimService {
    pub async fn create_group(&self, actor: &Actor, sent: ScimGroup) -> Result<ScimGroup> {
        let org_id = organization_of(actor)?;
        let name = checked_name(&sent.display_name)?;
        let change = self
            .changes
            .begin(
                actor.clone(),
                AuditAction::GroupCreate,
                Resource::new(ResourceKind::Group, org_id),
            )
            .await?;
        let members = wanted_members(change.txn(), org_id, &sent.members).await?;
        let now = change.now();
        let created = group::ActiveModel {
            org_id: Set(org_id.get()),
            display_name: Set(name.clone()),
            external_id: Set(sent.external_id.filter(|id| !id.trim().is_empty())),
            role: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(change.txn())
        .await
        .map_err(taken(&name))?;
        set_members(&change, created.id, &members).await?;
        let shown = scim_group(
            &created,
            &users_named(change.txn(), org_id, &members).await?,
        );
        change
            .commit(created.id, None, Some(group_snapshot(&created, &members)))
            .await?;
        Ok(shown)
    }

    async fn load_group(&self, actor: &Actor, id: &str) -> Result<group::Model> {
        let org_id = organization_of(actor)?;
        let model = scoped::load::<group::Entity>(&self.db, org_id, id_of(id, "group")?).await?;
        domain::access::authorize(actor, Action::ManageUsers, &group::Entity::resource(&model))?;
        Ok(model)
    }

    pub async fn get_group(&self, actor: &Actor, id: &str) -> Result<ScimGroup> {
        let model = self.load_group(actor, id).await?;
        let members = member_ids(&self.db, model.id).await?;
        Ok(scim_group(
            &model,
            &users_named(&self.db, OrgId(model.org_id), &members).await?,
        ))
    }

    /// Groups, with their members unless `without_members` (SCIM's
    /// `excludedAttributes=members`, which Entra asks for).
    pub async fn list_groups_scim(
        &self,
        actor: &Actor,
        filter: Option<&str>,
        window: ListWindow,
        without_members: bool,
    ) -> Result<ScimList<ScimGroup>> {
        let org_id = organization_of(actor)?;
        domain::access::authorize(
            actor,
            Action::ManageUsers,
            &Resource::new(ResourceKind::Group, org_id),
        )?;
        let mut select = scoped::all_in::<group::Entity>(org_id);
        if let Some(filter) = filter_of(filter, GROUP_FILTERS)? {
            select = match filter.attribute {
                "displayName" => select.filter(group::Column::DisplayName.eq(filter.value)),
                _ => select.filter(group::Column::ExternalId.eq(filter.value)),
            };
        }
        let total = select.clone().count(&self.db).await?;
        let mut groups = Vec::new();
        for model in select
            .order_by_asc(group::Column::Id)
            .offset(window.offset())
            .limit(window.count)
            .all(&self.db)
            .await?
        {
            let members = if without_members {
                Vec::new()
            } else {
                users_named(&self.db, org_id, &member_ids(&self.db, model.id).await?).await?
            };
            groups.push(scim_group(&model, &members));
        }
        Ok(ScimList::new(groups, total, window.start_index))
    }

    pub async fn patch_group(
        &self,
        actor: &Actor,
        id: &str,
        patch: PatchRequest,
    ) -> Result<ScimGroup> {
        let target = self.load_group(actor, id).await?;
        let members = users_named(
            &self.db,
            OrgId(target.org_id),
            &member_ids(&self.db, target.id).await?,
        )
        .await?;
        let mut group = scim_group(&target, &members);
        for (n, operation) in patch.operations.iter().enumerate() {
            patch_group(&mut group, operation)
                .map_err(|message| invalid(&format!("Operations[{n}]"), message))?;
        }
        self.write_group(actor, target, group).await
    }

    /// PUT: the group becomes what was sent, members included.
    pub async fn replace_group(
        &self,
        actor: &Actor,
        id: &str,
        sent: ScimGroup,
    ) -> Result<ScimGroup> {
        let target = self.load_group(actor, id).await?;
        self.write_group(actor, target, sent).await
    }

    async fn write_group(
        &self,
        actor: &Actor,
        target: group::Model,
        wanted: ScimGroup,
    ) -> Result<ScimGroup> {
        let org_id = OrgId(target.org_id);
        let name = checked_name(&wanted.display_name)?;
        let change = self
            .changes
            .begin(
                actor.clone(),
                AuditAction::GroupUpdate,
                group::Entity::resource(&target),
            )
            .await?;
        let before_members = member_ids(change.txn(), target.id).await?;
        let members = wanted_members(change.txn(), org_id, &wanted.members).await?;
        let affected: BTreeSet<i32> = before_members.union(&members).copied().collect();
        let granted = granted_roles(change.txn(), org_id, &affected).await?;
        let mut row: group::ActiveModel = target.clone().into();
        row.display_name = Set(name.clone());
        row.external_id = Set(wanted.external_id.filter(|id| !id.trim().is_empty()));
        row.updated_at = Set(change.now());
        let updated = row.update(change.txn()).await.map_err(taken(&name))?;
        set_members(&change, target.id, &members).await?;
        apply_granted_roles(&change, org_id, granted).await?;
        let shown = scim_group(
            &updated,
            &users_named(change.txn(), org_id, &members).await?,
        );
        change
            .commit(
                target.id,
                Some(group_snapshot(&target, &before_members)),
                Some(group_snapshot(&updated, &members)),
            )
            .await?;
        Ok(shown)
    }

    pub async fn delete_group(&self, actor: &Actor, id: &str) -> Result<()> {
        let target = self.load_group(actor, id).await?;
        let org_id = OrgId(target.org_id);
        let change = self
            .changes
            .begin(
                actor.clone(),
                AuditAction::GroupDelete,
                group::Entity::resource(&target),
            )
            .await?;
        let members = member_ids(change.txn(), target.id).await?;
        let granted = granted_roles(change.txn(), org_id, &members).await?;
        set_members(&change, target.id, &BTreeSet::new()).await?;
        group::Entity::delete_by_id(target.id)
            .exec(change.txn())
            .await?;
        apply_granted_roles(&change, org_id, granted).await?;
        change
            .commit(target.id, Some(group_snapshot(&target, &members)), None)
            .await
    }

    /// The organization's groups for the admin screen, by name.
    pub async fn list_groups(&self, actor: &SessionUser) -> Result<Vec<GroupSummary>> {
        crate::authorize(
            actor,
            Action::ManageUsers,
            Resource::new(ResourceKind::Group, actor.org_id),
        )?;
        let names = crate::roles::role_names(&self.db, actor.org_id).await?;
        let mut groups = Vec::new();
        for model in scoped::all_in::<group::Entity>(actor.org_id)
            .order_by_asc(group::Column::DisplayName)
            .all(&self.db)
            .await?
        {
            let members = group_member::Entity::find()
                .filter(group_member::Column::GroupId.eq(model.id))
                .count(&self.db)
                .await?;
            groups.push(summary(&model, members, &names));
        }
        Ok(groups)
    }

    /// Adds a group by its provider id (Admin), granting `role` if one is named; the role is
    /// checked before anything is written.
    pub async fn add_group(&self, actor: &SessionUser, group: NewGroup) -> Result<GroupSummary> {
        crate::authorize(
            actor,
            Action::ManageUsers,
            Resource::new(ResourceKind::Group, actor.org_id),
        )?;
        let external_id = group.external_id.trim();
        if external_id.is_empty() || external_id.chars().count() > MAX_GROUP_NAME_CHARS {
            return Err(Error::validation(
                "external_id",
                "give the group's object id as your identity provider sends it in tokens",
            ));
        }
        let role = group
            .role
            .as_deref()
            .map(str::trim)
            .filter(|key| !key.is_empty());
        if let Some(key) = role {
            let mut issues = Vec::new();
            if crate::roles::resolve_key(&self.db, actor.org_id, key, &mut issues)
                .await?
                .is_none()
            {
                return Err(Error::Validation(issues));
            }
        }
        let created = self
            .create_group(
                &Actor::User(actor.clone()),
                ScimGroup {
                    schemas: vec![GROUP_SCHEMA.to_owned()],
                    id: None,
                    external_id: Some(external_id.to_owned()),
                    display_name: group.display_name,
                    members: Vec::new(),
                    meta: None,
                },
            )
            .await?;
        let id = id_of(created.id.as_deref().unwrap_or_default(), "group")?;
        self.set_group_role(actor, id, role).await
    }
}

pub(super) fn summary(
    model: &group::Model,
    members: u64,
    names: &HashMap<String, String>,
) -> GroupSummary {
    GroupSummary {
        id: model.id,
        display_name: model.display_name.clone(),
        external_id: model.external_id.clone(),
        members,
        role: model.role.clone(),
        role_label: model.role.as_ref().map(|key| match Role::parse(key) {
            Some(role) => role.label().to_owned(),
            None => names.get(key).cloned().unwrap_or_else(|| key.clone()),
        }),
    }
}
