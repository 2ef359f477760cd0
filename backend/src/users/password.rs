//! One-time set-password links: an admin hands one to a new user (or one who forgot their
//! password); using it sets the password and ends the user's other sessions. Only the
//! token's hash is stored; a newer link replaces older ones.

use chrono::{DateTime, Utc};
use domain::{
    access::Actor,
    audit::AuditAction,
    dto::SessionUser,
    ids::UserId,
    users::{PASSWORD_LINK_HOURS, PasswordLink, SetPassword},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};
use serde_json::json;

use super::UserService;
use crate::{
    Error, Result,
    auth::{hash_password, hash_token, random_token, revoke_user_sessions, session_user},
    entities::{password_link, user},
    scoped::{self, OrgScoped},
};

/// Marks the user's unused links as used, so none of them works any more.
pub(crate) async fn expire_links(
    conn: &impl ConnectionTrait,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    password_link::Entity::update_many()
        .col_expr(password_link::Column::UsedAt, Expr::value(now))
        .filter(password_link::Column::UserId.eq(user_id))
        .filter(password_link::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Replaces the user's links with a new one, valid for [`PASSWORD_LINK_HOURS`].
pub(super) async fn issue_link(
    conn: &impl ConnectionTrait,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<PasswordLink> {
    expire_links(conn, user_id, now).await?;
    let token = random_token();
    let expires_at = now + chrono::Duration::hours(PASSWORD_LINK_HOURS);
    password_link::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(hash_token(&token)),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(PasswordLink {
        path: format!("/set-password?token={token}"),
        expires_at,
    })
}

fn link_not_usable() -> Error {
    Error::validation(
        "token",
        "This link has expired or was already used. Ask an admin for a new one.",
    )
}

impl UserService {
    /// A new set-password link for a user of the actor's organization (the reset). The old
    /// password keeps working until the link is used.
    pub async fn password_link(&self, actor: &SessionUser, id: UserId) -> Result<PasswordLink> {
        super::admin::may_manage_users(actor)?;
        let target = scoped::load::<user::Entity>(&self.db, actor.org_id, id.get()).await?;
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::UserPasswordLink,
                user::Entity::resource(&target),
            )
            .await?;
        if !target.active {
            return Err(Error::Conflict(
                "This user is disabled. Enable them before sending a set-password link.".to_owned(),
            ));
        }
        let link = issue_link(change.txn(), target.id, change.now()).await?;
        change
            .commit(
                target.id,
                None,
                Some(json!({"link_expires_at": link.expires_at})),
            )
            .await?;
        Ok(link)
    }

    /// Sets the password of the link's user, uses the link up and ends the user's sessions.
    /// Returns who the password now belongs to, so the page can offer to sign in.
    pub async fn set_password(&self, request: SetPassword) -> Result<SessionUser> {
        let mut issues = Vec::new();
        domain::users::check_password(&request.password, &mut issues);
        if !issues.is_empty() {
            return Err(Error::Validation(issues));
        }
        let now = self.changes.now();
        let link = password_link::Entity::find()
            .filter(password_link::Column::TokenHash.eq(hash_token(request.token.trim())))
            .filter(password_link::Column::UsedAt.is_null())
            .filter(password_link::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await?
            .ok_or_else(link_not_usable)?;
        let owner = user::Entity::find_by_id(link.user_id)
            .filter(user::Column::Active.eq(true))
            .one(&self.db)
            .await?
            .ok_or_else(link_not_usable)?;
        let password_hash = hash_password(request.password).await?;
        let session = session_user(&self.db, &owner).await?;
        let change = self
            .changes
            .begin(
                Actor::User(session.clone()),
                AuditAction::UserPasswordSet,
                user::Entity::resource(&owner),
            )
            .await?;
        // Conditional, so of two uses racing with one link only one sets the password.
        let used = password_link::Entity::update_many()
            .col_expr(password_link::Column::UsedAt, Expr::value(change.now()))
            .filter(password_link::Column::Id.eq(link.id))
            .filter(password_link::Column::UsedAt.is_null())
            .exec(change.txn())
            .await?;
        if used.rows_affected != 1 {
            return Err(link_not_usable());
        }
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
            .col_expr(user::Column::UpdatedAt, Expr::value(change.now()))
            .filter(user::Column::Id.eq(owner.id))
            .exec(change.txn())
            .await?;
        revoke_user_sessions(change.txn(), owner.id, change.now()).await?;
        change
            .commit(owner.id, None, Some(json!({"password": "set with a link"})))
            .await?;
        Ok(session)
    }
}
