//! Roles: the five built-ins (fixed, from `domain::policy`) and each organization's custom
//! roles, made from the list of actions on the roles screen. Users carry a role key; a
//! custom role's actions alone decide what its users may do, from their next request on.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{
    Action, Role, ValidationIssue,
    access::{Resource, ResourceKind},
    audit::AuditAction,
    dto::SessionUser,
    ids::{OrgId, UserId},
    roles::{CustomRole, RoleDraft, RoleSummary, check_role_draft},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
    sea_query::{Expr, ExprTrait},
};
use serde_json::{Value, json};

use crate::{
    Error, Result,
    change::Changes,
    entities::{role, user},
    scoped::{self, OrgScoped},
    versions::{self, NewVersion},
};

mod history;

fn actions_of(model: &role::Model) -> Vec<Action> {
    model
        .actions
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|name| name.as_str().and_then(Action::parse))
        .collect()
}

pub(crate) fn custom(model: &role::Model) -> CustomRole {
    CustomRole {
        key: model.key.clone(),
        name: model.name.clone(),
        actions: actions_of(model),
    }
}

/// A custom role as the roles screen lists it, held by `users` users.
fn custom_summary(model: &role::Model, users: u64) -> RoleSummary {
    RoleSummary {
        key: model.key.clone(),
        name: model.name.clone(),
        built_in: false,
        actions: actions_of(model),
        users,
        version: model.version,
    }
}

/// What the audit trail and versions keep of a role.
fn snapshot(model: &role::Model) -> Value {
    json!({"key": model.key, "name": model.name, "actions": model.actions})
}

/// The role's state as version `model.version`.
fn role_version<'a>(
    model: &role::Model,
    note: &'a str,
    by: Option<UserId>,
    at: DateTime<Utc>,
) -> NewVersion<'a> {
    NewVersion {
        kind: ResourceKind::Role.into(),
        org_id: OrgId(model.org_id),
        resource_id: model.id,
        version: model.version,
        snapshot: snapshot(model),
        note,
        by,
        at,
    }
}

/// A role's new state and what to call the change.
struct Written<'a> {
    name: String,
    actions: Vec<Action>,
    base_version: i32,
    action: AuditAction,
    note: &'a str,
}

async fn find(
    conn: &impl ConnectionTrait,
    org_id: OrgId,
    key: &str,
) -> Result<Option<role::Model>> {
    Ok(scoped::all_in::<role::Entity>(org_id)
        .filter(role::Column::Key.eq(key))
        .one(conn)
        .await?)
}

/// The organization's custom role with this key, if there is one.
pub(crate) async fn custom_role(
    conn: &impl ConnectionTrait,
    org_id: OrgId,
    key: &str,
) -> Result<Option<CustomRole>> {
    Ok(find(conn, org_id, key).await?.as_ref().map(custom))
}

/// Custom role key → name, for screens that show many users.
pub(crate) async fn role_names(
    conn: &impl ConnectionTrait,
    org_id: OrgId,
) -> Result<HashMap<String, String>> {
    Ok(scoped::all_in::<role::Entity>(org_id)
        .all(conn)
        .await?
        .into_iter()
        .map(|model| (model.key, model.name))
        .collect())
}

/// A role key as a user edit names it: a built-in role or one of the organization's, or an
/// issue that lists them.
pub(crate) async fn resolve_key(
    conn: &impl ConnectionTrait,
    org_id: OrgId,
    key: &str,
    issues: &mut Vec<ValidationIssue>,
) -> Result<Option<String>> {
    let key = key.trim();
    if Role::parse(key).is_some() || find(conn, org_id, key).await?.is_some() {
        return Ok(Some(key.to_owned()));
    }
    let mut known: Vec<String> = Role::ALL
        .iter()
        .map(|role| role.as_str().to_owned())
        .collect();
    known.extend(role_names(conn, org_id).await?.into_keys());
    issues.push(ValidationIssue::new(
        "role",
        if key.is_empty() {
            "choose a role".to_owned()
        } else {
            format!(
                "there is no role '{key}'; choose one of {}",
                known.join(", ")
            )
        },
    ));
    Ok(None)
}

#[derive(Clone)]
pub struct RoleService {
    db: DatabaseConnection,
    changes: Changes,
}

fn roles_of(actor: &SessionUser) -> Resource {
    Resource::new(ResourceKind::Role, actor.org_id)
}

fn stale(model: &role::Model) -> Error {
    Error::Conflict(format!(
        "The role '{}' was changed by someone else after you opened it. Reload to see the change, then edit again.",
        model.name
    ))
}

impl RoleService {
    pub fn new(db: DatabaseConnection, changes: Changes) -> Self {
        Self { db, changes }
    }

    /// Built-in roles first, then the organization's by name, each with its user count.
    pub async fn list(&self, actor: &SessionUser) -> Result<Vec<RoleSummary>> {
        crate::authorize(actor, Action::ManageUsers, roles_of(actor))?;
        let users = scoped::all_in::<user::Entity>(actor.org_id)
            .all(&self.db)
            .await?;
        let count = |key: &str| users.iter().filter(|user| user.role == key).count() as u64;
        let mut summaries: Vec<RoleSummary> = Role::ALL
            .into_iter()
            .map(|role| RoleSummary::built_in(role, count(role.as_str())))
            .collect();
        let customs = scoped::all_in::<role::Entity>(actor.org_id)
            .order_by_asc(role::Column::Name)
            .all(&self.db)
            .await?;
        summaries.extend(
            customs
                .iter()
                .map(|model| custom_summary(model, count(&model.key))),
        );
        Ok(summaries)
    }

    pub async fn create(&self, actor: &SessionUser, draft: RoleDraft) -> Result<RoleSummary> {
        crate::authorize(actor, Action::ManageUsers, roles_of(actor))?;
        let checked = check_role_draft(&draft).map_err(Error::Validation)?;
        let change = self
            .changes
            .begin(actor, AuditAction::RoleCreate, roles_of(actor))
            .await?;
        let now = change.now();
        let created = role::ActiveModel {
            org_id: Set(actor.org_id.get()),
            key: Set(checked.key.clone()),
            name: Set(checked.name),
            actions: Set(json!(checked.actions)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(change.txn())
        .await
        .map_err(|err| {
            Error::from_unique_violation(
                err,
                format!("A role with key '{}' already exists.", checked.key),
            )
        })?;
        versions::record(
            change.txn(),
            role_version(&created, "created", Some(actor.id), now),
        )
        .await?;
        change
            .commit(created.id, None, Some(snapshot(&created)))
            .await?;
        Ok(custom_summary(&created, 0))
    }

    /// Renames a custom role or changes what it allows, against `draft.version`. The key
    /// stays; built-in roles cannot be changed.
    pub async fn update(
        &self,
        actor: &SessionUser,
        key: &str,
        draft: RoleDraft,
    ) -> Result<RoleSummary> {
        crate::authorize(actor, Action::ManageUsers, roles_of(actor))?;
        let checked = check_role_draft(&RoleDraft {
            key: key.to_owned(),
            ..draft.clone()
        })
        .map_err(Error::Validation)?;
        let current = find(&self.db, actor.org_id, key)
            .await?
            .ok_or(Error::NotFound("role"))?;
        self.write(
            actor,
            &current,
            Written {
                name: checked.name,
                actions: checked.actions,
                base_version: draft.version,
                action: AuditAction::RoleUpdate,
                note: "changed",
            },
        )
        .await
    }

    /// Writes a role's new name and actions against `base_version`, keeping the state before
    /// and after as versions.
    async fn write(
        &self,
        actor: &SessionUser,
        current: &role::Model,
        written: Written<'_>,
    ) -> Result<RoleSummary> {
        if current.version != written.base_version {
            return Err(stale(current));
        }
        let change = self
            .changes
            .begin(actor, written.action, role::Entity::resource(current))
            .await?;
        let rows = role::Entity::update_many()
            .col_expr(role::Column::Name, Expr::value(written.name))
            .col_expr(role::Column::Actions, Expr::value(json!(written.actions)))
            .col_expr(
                role::Column::Version,
                Expr::col(role::Column::Version).add(1),
            )
            .col_expr(role::Column::UpdatedAt, Expr::value(change.now()))
            .filter(role::Column::Id.eq(current.id))
            .filter(role::Column::Version.eq(written.base_version))
            .exec(change.txn())
            .await?;
        if rows.rows_affected != 1 {
            return Err(stale(current));
        }
        let updated = scoped::load::<role::Entity>(change.txn(), actor.org_id, current.id).await?;
        versions::record_if_missing(
            change.txn(),
            role_version(current, "as it was", None, current.updated_at),
        )
        .await?;
        versions::record(
            change.txn(),
            role_version(&updated, written.note, Some(actor.id), change.now()),
        )
        .await?;
        let users = user::Entity::find()
            .filter(user::Column::OrgId.eq(actor.org_id.get()))
            .filter(user::Column::Role.eq(&current.key))
            .count(change.txn())
            .await?;
        change
            .commit(
                current.id,
                Some(snapshot(current)),
                Some(snapshot(&updated)),
            )
            .await?;
        Ok(custom_summary(&updated, users))
    }

    /// Deletes a custom role nobody has.
    pub async fn delete(&self, actor: &SessionUser, key: &str) -> Result<()> {
        crate::authorize(actor, Action::ManageUsers, roles_of(actor))?;
        if Role::parse(key).is_some() {
            return Err(Error::validation("key", "built-in roles cannot be deleted"));
        }
        let current = find(&self.db, actor.org_id, key)
            .await?
            .ok_or(Error::NotFound("role"))?;
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::RoleDelete,
                role::Entity::resource(&current),
            )
            .await?;
        role::Entity::delete_many()
            .filter(role::Column::Id.eq(current.id))
            .exec(change.txn())
            .await?;
        // Counted inside the change, after the delete took the write lock: a user given the
        // role meanwhile cannot slip through.
        let holders = user::Entity::find()
            .filter(user::Column::OrgId.eq(actor.org_id.get()))
            .filter(user::Column::Role.eq(key))
            .count(change.txn())
            .await?;
        if holders > 0 {
            return Err(Error::Conflict(format!(
                "'{}' is the role of {holders} user(s). Give them another role first.",
                current.name
            )));
        }
        change
            .commit(current.id, Some(snapshot(&current)), None)
            .await
    }
}
