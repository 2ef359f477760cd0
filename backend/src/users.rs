use chrono::Utc;
use domain::{Action, Role, dto::SessionUser, policy};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde_json::json;

use crate::{
    Error, Result,
    audit::{self, AuditActor, AuditEntry},
    auth::{hash_password, session_user},
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
}

impl UserService {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub async fn count(&self) -> Result<u64> {
        Ok(user::Entity::find().count(&self.db).await?)
    }

    /// Returns the organization's id, creating it (audited as the system) if it is missing.
    pub async fn ensure_organization(&self, name: &str) -> Result<i32> {
        if let Some(existing) = organization::Entity::find()
            .filter(organization::Column::Name.eq(name))
            .one(&self.db)
            .await?
        {
            return Ok(existing.id);
        }
        let txn = self.db.begin().await?;
        let created = organization::ActiveModel {
            name: Set(name.to_owned()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            AuditEntry {
                org_id: created.id,
                actor: AuditActor::System,
                action: "organization.create",
                resource_type: "organization",
                resource_id: created.id.to_string(),
                before: None,
                after: Some(&json!({"name": name})),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(created.id)
    }

    /// Creates a user unless one with that email exists, in which case it is returned as is.
    /// Only the system (first boot) or an Admin may create users.
    pub async fn ensure_user(
        &self,
        actor: AuditActor<'_>,
        org_id: i32,
        new: NewUser,
    ) -> Result<SessionUser> {
        if let AuditActor::User(user) = actor
            && !policy::allows(user.role, Action::ManageUsers)
        {
            return Err(Error::Forbidden(Action::ManageUsers));
        }
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
        let now = Utc::now();
        let txn = self.db.begin().await?;
        let created = user::ActiveModel {
            org_id: Set(org_id),
            email: Set(email.clone()),
            display_name: Set(new.display_name.clone()),
            password_hash: Set(Some(password_hash)),
            role: Set(new.role.as_str().to_owned()),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|err| {
            Error::from_unique_violation(err, format!("a user with email {email} already exists"))
        })?;
        audit::record(
            &txn,
            AuditEntry {
                org_id,
                actor,
                action: "user.create",
                resource_type: "user",
                resource_id: created.id.to_string(),
                before: None,
                after: Some(
                    &json!({"email": email, "display_name": new.display_name, "role": new.role}),
                ),
            },
        )
        .await?;
        txn.commit().await?;
        session_user(&created)
    }
}
