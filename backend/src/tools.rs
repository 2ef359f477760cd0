//! Registered tools: where a binding's requests go.

use chrono::Utc;
use domain::{
    Action,
    dto::{SessionUser, ToolSummary},
    policy,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde_json::{Value, json};

use crate::{
    Error, Result,
    audit::{self, AuditActor, AuditEntry},
    entities::tool,
};

pub struct NewTool {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub base_url: String,
    pub auth_type: String,
    pub config: Value,
}

#[derive(Clone)]
pub struct ToolService {
    db: DatabaseConnection,
}

impl ToolService {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub async fn find_by_slug(&self, org_id: i32, slug: &str) -> Result<Option<tool::Model>> {
        Ok(tool::Entity::find()
            .filter(tool::Column::OrgId.eq(org_id))
            .filter(tool::Column::Slug.eq(slug))
            .one(&self.db)
            .await?)
    }

    pub async fn list(&self, actor: &SessionUser) -> Result<Vec<ToolSummary>> {
        if !policy::allows(actor.role, Action::OpenAdmin) {
            return Err(Error::Forbidden(Action::OpenAdmin));
        }
        let tools = tool::Entity::find()
            .filter(tool::Column::OrgId.eq(actor.org_id))
            .order_by_asc(tool::Column::Name)
            .all(&self.db)
            .await?;
        Ok(tools.iter().map(summary).collect())
    }

    /// Registers a tool unless its slug is taken, in which case the existing one is returned.
    pub async fn ensure(&self, actor: &SessionUser, new: NewTool) -> Result<tool::Model> {
        if !policy::allows(actor.role, Action::ManageTools) {
            return Err(Error::Forbidden(Action::ManageTools));
        }
        if let Some(existing) = self.find_by_slug(actor.org_id, &new.slug).await? {
            return Ok(existing);
        }
        validate_base_url(&new.base_url)?;
        let now = Utc::now();
        let txn = self.db.begin().await?;
        let created = tool::ActiveModel {
            org_id: Set(actor.org_id),
            slug: Set(new.slug.clone()),
            name: Set(new.name.clone()),
            kind: Set(new.kind.clone()),
            base_url: Set(new.base_url.clone()),
            auth_type: Set(new.auth_type.clone()),
            config: Set(new.config.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|err| {
            Error::from_unique_violation(
                err,
                format!("a tool with slug {} already exists", new.slug),
            )
        })?;
        audit::record(
            &txn,
            AuditEntry {
                org_id: actor.org_id,
                actor: AuditActor::User(actor),
                action: "tool.create",
                resource_type: "tool",
                resource_id: created.id.to_string(),
                before: None,
                after: Some(&json!({
                    "slug": new.slug, "name": new.name, "kind": new.kind,
                    "base_url": new.base_url, "auth_type": new.auth_type, "config": new.config,
                })),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(created)
    }
}

fn summary(model: &tool::Model) -> ToolSummary {
    ToolSummary {
        slug: model.slug.clone(),
        name: model.name.clone(),
        kind: model.kind.clone(),
        base_url: model.base_url.clone(),
    }
}

fn validate_base_url(base_url: &str) -> Result<()> {
    if base_url.starts_with('/') {
        return Ok(());
    }
    match url::Url::parse(base_url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(()),
        _ => Err(Error::validation(
            "base_url",
            "use an http(s) URL, or a path starting with / for built-in endpoints",
        )),
    }
}
