use domain::{
    Action, Role,
    access::{Actor, Resource, ResourceKind, authorize},
    audit::AuditAction,
    dto::SessionUser,
    ids::OrgId,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use serde_json::json;

use crate::{
    Error, Result,
    auth::{hash_password, session_user},
    change::Changes,
    entities::{organization, user},
};

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
        if !email.contains('@') {
            return Err(Error::validation("email", "enter a valid email address"));
        }
        if new.password.chars().count() < 8 {
            return Err(Error::validation(
                "password",
                "passwords need at least 8 characters",
            ));
        }
        if let Some(existing) = user::Entity::find()
            .filter(user::Column::Email.eq(&email))
            .one(&self.db)
            .await?
        {
            return session_user(&existing);
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
        session_user(&created)
    }
}
