//! User accounts: first-boot bootstrap here, the users screen's list and edits in `admin`,
//! set-password links in `password`.

mod admin;

use std::collections::HashMap;
pub(crate) mod password;

use domain::{
    Action, Role,
    access::{Actor, Resource, ResourceKind, authorize},
    audit::AuditAction,
    dto::SessionUser,
    ids::{OrgId, UserId},
    users::{UserAttributes, UserStatus, UserSummary},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set, Statement,
};
use serde_json::{Value, json};

use crate::{
    Error, Result,
    auth::{hash_password, session_user},
    change::Changes,
    entities::{organization, user},
};

/// A user row as the users screen shows it; `custom_names` are the organization's custom
/// role names by key.
pub(crate) fn summary(model: &user::Model, custom_names: &HashMap<String, String>) -> UserSummary {
    let role_label = match Role::parse(&model.role) {
        Some(role) => role.label().to_owned(),
        None => custom_names
            .get(&model.role)
            .cloned()
            .unwrap_or_else(|| model.role.clone()),
    };
    UserSummary {
        id: UserId(model.id),
        email: model.email.clone(),
        display_name: model.display_name.clone(),
        role: model.role.clone(),
        role_label,
        status: status_of(model),
        attributes: attributes_of(model),
        last_login_at: model.last_login_at,
        version: model.version,
    }
}

fn status_of(model: &user::Model) -> UserStatus {
    if !model.active {
        UserStatus::Disabled
    } else if model.password_hash.is_none() {
        UserStatus::Invited
    } else {
        UserStatus::Active
    }
}

pub(crate) fn attributes_of(model: &user::Model) -> UserAttributes {
    model
        .attributes
        .clone()
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default()
}

/// What the audit trail keeps of a user: everything the screen edits, never the password.
pub(crate) fn snapshot(model: &user::Model) -> Value {
    json!({
        "email": model.email,
        "display_name": model.display_name,
        "role": model.role,
        "status": status_of(model),
        "attributes": attributes_of(model),
    })
}

/// Serializes changes to an organization's admins on PostgreSQL (two admins demoting each
/// other at once must not both pass the last-admin check). SQLite already serializes writers.
pub(crate) async fn lock_organization(conn: &impl ConnectionTrait, org_id: OrgId) -> Result<()> {
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        conn.execute_raw(Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT id FROM organizations WHERE id = $1 FOR UPDATE",
            [org_id.get().into()],
        ))
        .await?;
    }
    Ok(())
}

/// Refuses a change that would leave the organization without an active Admin; `changed`
/// is the user being demoted or disabled, read inside the change's transaction.
pub(crate) async fn keep_an_admin(
    conn: &impl ConnectionTrait,
    org_id: OrgId,
    changed: UserId,
) -> Result<()> {
    let other_admins = user::Entity::find()
        .filter(user::Column::OrgId.eq(org_id.get()))
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Id.ne(changed.get()))
        .count(conn)
        .await?;
    if other_admins == 0 {
        return Err(Error::Conflict(
            "This is the organization's last active Admin. Make another user Admin first."
                .to_owned(),
        ));
    }
    Ok(())
}

pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
}

#[derive(Clone)]
pub struct UserService {
    db: DatabaseConnection,
    changes: Changes,
}

impl UserService {
    pub fn new(db: DatabaseConnection, changes: Changes) -> Self {
        Self { db, changes }
    }

    pub async fn count(&self) -> Result<u64> {
        Ok(user::Entity::find().count(&self.db).await?)
    }

    /// Returns the organization's id, creating it (audited as the system) if it is missing.
    pub async fn ensure_organization(&self, name: &str) -> Result<OrgId> {
        if let Some(existing) = organization::Entity::find()
            .filter(organization::Column::Name.eq(name))
            .one(&self.db)
            .await?
        {
            return Ok(OrgId(existing.id));
        }
        let mut change = self.changes.begin_organization(&Actor::System).await?;
        let created = organization::ActiveModel {
            name: Set(name.to_owned()),
            created_at: Set(change.now()),
            ..Default::default()
        }
        .insert(change.txn())
        .await?;
        let org_id = OrgId(created.id);
        change.created_organization(org_id)?;
        change
            .commit(created.id, None, Some(json!({"name": name})))
            .await?;
        Ok(org_id)
    }

    /// Creates a user unless one with that email exists, in which case it is returned as is.
    /// Only the system (first boot) or an Admin of the organization may create users.
    pub async fn ensure_user(
        &self,
        actor: &Actor,
        org_id: OrgId,
        new: NewUser,
    ) -> Result<SessionUser> {
        let users = Resource::new(ResourceKind::User, org_id);
        authorize(actor, Action::ManageUsers, &users)?;
        let email = new.email.trim().to_lowercase();
        let mut issues = Vec::new();
        domain::users::check_email(&email, &mut issues);
        domain::users::check_password(&new.password, &mut issues);
        if !issues.is_empty() {
            return Err(Error::Validation(issues));
        }
        if let Some(existing) = user::Entity::find()
            .filter(user::Column::Email.eq(&email))
            .one(&self.db)
            .await?
        {
            return session_user(&self.db, &existing).await;
        }
        let password_hash = hash_password(new.password).await?;
        let change = self
            .changes
            .begin(actor.clone(), AuditAction::UserCreate, users)
            .await?;
        let now = change.now();
        let created = user::ActiveModel {
            org_id: Set(org_id.get()),
            email: Set(email.clone()),
            display_name: Set(new.display_name.clone()),
            password_hash: Set(Some(password_hash)),
            role: Set(new.role.as_str().to_owned()),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(change.txn())
        .await
        .map_err(|err| {
            Error::from_unique_violation(err, format!("a user with email {email} already exists"))
        })?;
        change
            .commit(
                created.id,
                None,
                Some(json!({"email": email, "display_name": new.display_name, "role": new.role})),
            )
            .await?;
        session_user(&self.db, &created).await
    }
}
