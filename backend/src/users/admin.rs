//! The users screen's rules: list and search, add, edit name, role and attributes, disable
//! and enable. Disabling ends the user's sessions in the same transaction; the last active
//! Admin can be neither demoted nor disabled.

use domain::{
    Action, Role,
    access::{Actor, Resource, ResourceKind},
    audit::AuditAction,
    dto::SessionUser,
    ids::{OrgId, UserId},
    users::{CreatedUser, NewUserRequest, UserSummary, UserUpdate},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};

use super::{UserService, keep_an_admin, lock_organization, snapshot, summary};
use crate::{
    Error, Result,
    auth::{hash_password, revoke_user_sessions},
    entities::user,
    scoped::{self, OrgScoped},
};

/// The most rows one search returns; the screen says when there are more.
pub const MAX_LISTED_USERS: u64 = 500;

/// `text` as a LIKE pattern matching it anywhere, with `%`, `_` and `\` taken literally.
fn contains_pattern(text: &str) -> LikeExpr {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            other => vec![other],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// Refuses those who may not manage users before anything about the request or the target
/// is looked at, so a refusal says nothing of either.
pub(super) fn may_manage_users(actor: &SessionUser) -> Result<()> {
    crate::authorize(
        actor,
        Action::ManageUsers,
        Resource::new(ResourceKind::User, actor.org_id),
    )
}

fn changed_since(model: &user::Model) -> Error {
    Error::Conflict(format!(
        "{} was changed by someone else after you opened it. Reload to see the change, then edit again.",
        model.display_name
    ))
}

impl UserService {
    /// The organization's users whose name or email contains `search`, by name.
    pub async fn list(&self, actor: &SessionUser, search: &str) -> Result<Vec<UserSummary>> {
        may_manage_users(actor)?;
        let mut select = scoped::all_in::<user::Entity>(actor.org_id);
        let search = search.trim();
        if !search.is_empty() {
            let pattern = contains_pattern(search);
            select = select.filter(
                Expr::expr(Func::lower(Expr::col(user::Column::DisplayName)))
                    .like(pattern.clone())
                    .or(Expr::col(user::Column::Email).like(pattern)),
            );
        }
        let names = crate::roles::role_names(&self.db, actor.org_id).await?;
        Ok(select
            .order_by_asc(user::Column::DisplayName)
            .order_by_asc(user::Column::Id)
            .paginate(&self.db, MAX_LISTED_USERS)
            .fetch_page(0)
            .await?
            .iter()
            .map(|model| summary(model, &names))
            .collect())
    }

    /// Adds a user to the actor's organization, with the given password or, without one,
    /// a one-time link for them to choose it.
    pub async fn create(
        &self,
        actor: &SessionUser,
        request: NewUserRequest,
    ) -> Result<CreatedUser> {
        may_manage_users(actor)?;
        let email = request.email.trim().to_lowercase();
        let display_name = request.display_name.trim().to_owned();
        let password = request.password.filter(|password| !password.is_empty());
        let mut issues = Vec::new();
        domain::users::check_display_name(&display_name, &mut issues);
        domain::users::check_email(&email, &mut issues);
        if let Some(password) = &password {
            domain::users::check_password(password, &mut issues);
        }
        let role =
            crate::roles::resolve_key(&self.db, actor.org_id, &request.role, &mut issues).await?;
        let (Some(role), true) = (role, issues.is_empty()) else {
            return Err(Error::Validation(issues));
        };
        let password_hash = match password {
            Some(password) => Some(hash_password(password).await?),
            None => None,
        };
        let invited = password_hash.is_none();
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::UserCreate,
                Resource::new(ResourceKind::User, actor.org_id),
            )
            .await?;
        let now = change.now();
        let created = user::ActiveModel {
            org_id: Set(actor.org_id.get()),
            email: Set(email.clone()),
            display_name: Set(display_name),
            password_hash: Set(password_hash),
            role: Set(role),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(change.txn())
        .await
        .map_err(|err| {
            Error::from_unique_violation(err, format!("A user with email {email} already exists."))
        })?;
        let password_link = if invited {
            Some(super::password::issue_link(change.txn(), created.id, now).await?)
        } else {
            None
        };
        change
            .commit(created.id, None, Some(snapshot(&created)))
            .await?;
        Ok(CreatedUser {
            user: self.summary_of(actor.org_id, &created).await?,
            password_link,
        })
    }

    /// Changes a user's name, role and attributes, if nobody changed the user since
    /// `update.version`. Demoting the last active Admin is refused.
    pub async fn update(
        &self,
        actor: &SessionUser,
        id: UserId,
        update: UserUpdate,
    ) -> Result<UserSummary> {
        may_manage_users(actor)?;
        let display_name = update.display_name.trim().to_owned();
        let mut issues = Vec::new();
        domain::users::check_display_name(&display_name, &mut issues);
        let role =
            crate::roles::resolve_key(&self.db, actor.org_id, &update.role, &mut issues).await?;
        domain::users::check_attributes(&update.attributes, &mut issues);
        let (Some(role), true) = (role, issues.is_empty()) else {
            return Err(Error::Validation(issues));
        };
        let target = scoped::load::<user::Entity>(&self.db, actor.org_id, id.get()).await?;
        if target.version != update.version {
            return Err(changed_since(&target));
        }
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::UserUpdate,
                user::Entity::resource(&target),
            )
            .await?;
        lock_organization(change.txn(), actor.org_id).await?;
        let attributes = serde_json::to_value(&update.attributes)
            .map_err(|err| Error::internal_from("user attributes", err))?;
        let written = user::Entity::update_many()
            .col_expr(user::Column::DisplayName, Expr::value(display_name))
            .col_expr(user::Column::Role, Expr::value(role.as_str()))
            .col_expr(user::Column::Attributes, Expr::value(attributes))
            .col_expr(
                user::Column::Version,
                Expr::col(user::Column::Version).add(1),
            )
            .col_expr(user::Column::UpdatedAt, Expr::value(change.now()))
            .filter(user::Column::Id.eq(target.id))
            .filter(user::Column::Version.eq(update.version))
            .exec(change.txn())
            .await?;
        if written.rows_affected != 1 {
            return Err(changed_since(&target));
        }
        let was_admin = target.active && target.role == Role::Admin.as_str();
        if was_admin && role != Role::Admin.as_str() {
            keep_an_admin(change.txn(), actor.org_id, id).await?;
        }
        let updated = scoped::load::<user::Entity>(change.txn(), actor.org_id, id.get()).await?;
        change
            .commit(target.id, Some(snapshot(&target)), Some(snapshot(&updated)))
            .await?;
        self.summary_of(actor.org_id, &updated).await
    }

    /// Disables or enables a user. Disabling ends every session at once (refresh tokens
    /// revoked here; access tokens are refused because each request reads the status), and
    /// is refused for one's own account and for the last active Admin.
    pub async fn set_active(
        &self,
        actor: &SessionUser,
        id: UserId,
        active: bool,
    ) -> Result<UserSummary> {
        may_manage_users(actor)?;
        if !active && actor.id == id {
            return Err(Error::Conflict(
                "You cannot disable your own account. Ask another Admin.".to_owned(),
            ));
        }
        let updated = self
            .set_active_as(&Actor::User(actor.clone()), actor.org_id, id, active)
            .await?;
        self.summary_of(actor.org_id, &updated).await
    }

    /// [`Self::set_active`] for any actor of the organization (a provisioning client too).
    pub(crate) async fn set_active_as(
        &self,
        actor: &Actor,
        org_id: OrgId,
        id: UserId,
        active: bool,
    ) -> Result<user::Model> {
        let target = scoped::load::<user::Entity>(&self.db, org_id, id.get()).await?;
        let action = if active {
            AuditAction::UserEnable
        } else {
            AuditAction::UserDisable
        };
        let change = self
            .changes
            .begin(actor.clone(), action, user::Entity::resource(&target))
            .await?;
        if target.active == active {
            return Ok(target);
        }
        lock_organization(change.txn(), org_id).await?;
        let now = change.now();
        user::Entity::update_many()
            .col_expr(user::Column::Active, Expr::value(active))
            .col_expr(
                user::Column::Version,
                Expr::col(user::Column::Version).add(1),
            )
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(target.id))
            .exec(change.txn())
            .await?;
        if !active {
            if target.role == Role::Admin.as_str() {
                keep_an_admin(change.txn(), org_id, id).await?;
            }
            revoke_user_sessions(change.txn(), target.id, now).await?;
            super::password::expire_links(change.txn(), target.id, now).await?;
        }
        let updated = scoped::load::<user::Entity>(change.txn(), org_id, id.get()).await?;
        change
            .commit(target.id, Some(snapshot(&target)), Some(snapshot(&updated)))
            .await?;
        Ok(updated)
    }

    /// Removes a user (their sessions and links go with them; their audit rows stay). The
    /// last active Admin stays.
    pub(crate) async fn delete_as(&self, actor: &Actor, org_id: OrgId, id: UserId) -> Result<()> {
        let target = scoped::load::<user::Entity>(&self.db, org_id, id.get()).await?;
        let change = self
            .changes
            .begin(
                actor.clone(),
                AuditAction::UserDelete,
                user::Entity::resource(&target),
            )
            .await?;
        lock_organization(change.txn(), org_id).await?;
        user::Entity::delete_many()
            .filter(user::Column::Id.eq(target.id))
            .exec(change.txn())
            .await?;
        if target.active && target.role == Role::Admin.as_str() {
            keep_an_admin(change.txn(), org_id, id).await?;
        }
        change
            .commit(target.id, Some(snapshot(&target)), None)
            .await
    }

    pub(crate) async fn summary_of(
        &self,
        org_id: OrgId,
        model: &user::Model,
    ) -> Result<UserSummary> {
        let names = crate::roles::role_names(&self.db, org_id).await?;
        Ok(summary(model, &names))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{Query, SqliteQueryBuilder};

    #[test]
    fn search_patterns_take_wildcards_literally() {
        let sql = Query::select()
            .column(user::Column::Email)
            .from(user::Entity)
            .and_where(Expr::col(user::Column::Email).like(contains_pattern("50%_A\\b")))
            .to_string(SqliteQueryBuilder);
        assert!(sql.ends_with(r#"LIKE '%50\%\_a\\b%' ESCAPE '\'"#), "{sql}");
    }
}
