//! The bearer tokens provisioning clients present. Issued by an admin (shown once, kept as a
//! hash), listed with when each was last used, revoked at once.

use domain::{
    Action,
    access::{Actor, Resource, ResourceKind},
    audit::AuditAction,
    dto::SessionUser,
    scim::{IssuedScimToken, ScimTokenSummary},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::{ScimService, invalid};
use crate::{
    Error, Result,
    auth::{hash_token, random_token},
    entities::scim_token,
};

const MAX_LABEL_CHARS: usize = 80;

fn summary(model: &scim_token::Model) -> ScimTokenSummary {
    ScimTokenSummary {
        id: model.id,
        label: model.label.clone(),
        created_at: model.created_at,
        last_used_at: model.last_used_at,
        revoked: model.revoked_at.is_some(),
    }
}

fn may_manage(actor: &SessionUser) -> Result<()> {
    crate::authorize(
        actor,
        Action::ManageUsers,
        Resource::new(ResourceKind::Organization, actor.org_id),
    )
}

impl ScimService {
    /// Issues a token for the actor's organization. Its secret is returned only here.
    pub async fn issue_token(&self, actor: &SessionUser, label: &str) -> Result<IssuedScimToken> {
        may_manage(actor)?;
        let label = label.trim();
        if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
            return Err(invalid(
                "label",
                format!(
                    "name the token (at most {MAX_LABEL_CHARS} characters), e.g. Entra ID provisioning"
                ),
            ));
        }
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::ScimTokenIssue,
                Resource::new(ResourceKind::Organization, actor.org_id),
            )
            .await?;
        let token = format!("scim_{}", random_token());
        let created = scim_token::ActiveModel {
            org_id: Set(actor.org_id.get()),
            label: Set(label.to_owned()),
            token_hash: Set(hash_token(&token)),
            created_by: Set(actor.id.get()),
            created_at: Set(change.now()),
            ..Default::default()
        }
        .insert(change.txn())
        .await?;
        change
            .commit(
                actor.org_id.get(),
                None,
                Some(json!({"scim_token": {"id": created.id, "label": created.label}})),
            )
            .await?;
        Ok(IssuedScimToken {
            summary: summary(&created),
            token,
        })
    }

    pub async fn list_tokens(&self, actor: &SessionUser) -> Result<Vec<ScimTokenSummary>> {
        may_manage(actor)?;
        Ok(scim_token::Entity::find()
            .filter(scim_token::Column::OrgId.eq(actor.org_id.get()))
            .order_by_desc(scim_token::Column::CreatedAt)
            .order_by_desc(scim_token::Column::Id)
            .all(&self.db)
            .await?
            .iter()
            .map(summary)
            .collect())
    }

    /// Revokes a token: the next call with it is refused.
    pub async fn revoke_token(&self, actor: &SessionUser, id: i32) -> Result<ScimTokenSummary> {
        may_manage(actor)?;
        let token = scim_token::Entity::find_by_id(id)
            .filter(scim_token::Column::OrgId.eq(actor.org_id.get()))
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("token"))?;
        if token.revoked_at.is_some() {
            return Ok(summary(&token));
        }
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::ScimTokenRevoke,
                Resource::new(ResourceKind::Organization, actor.org_id),
            )
            .await?;
        let mut revoked: scim_token::ActiveModel = token.clone().into();
        revoked.revoked_at = Set(Some(change.now()));
        let revoked = revoked.update(change.txn()).await?;
        let shown = json!({"scim_token": {"id": token.id, "label": token.label}});
        change.commit(actor.org_id.get(), Some(shown), None).await?;
        Ok(summary(&revoked))
    }

    /// The provisioning actor a bearer token stands for; unknown and revoked tokens are
    /// refused alike.
    pub async fn authenticate(&self, bearer: &str) -> Result<Actor> {
        let token = scim_token::Entity::find()
            .filter(scim_token::Column::TokenHash.eq(hash_token(bearer.trim())))
            .filter(scim_token::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?
            .ok_or(Error::Unauthenticated)?;
        scim_token::Entity::update_many()
            .col_expr(
                scim_token::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(self.changes.now()),
            )
            .filter(scim_token::Column::Id.eq(token.id))
            .exec(&self.db)
            .await?;
        Ok(Actor::Provisioning {
            org_id: domain::ids::OrgId(token.org_id),
        })
    }
}
