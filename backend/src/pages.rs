//! Pages: listing what a user may see, creating (with version and audit rows in one
//! transaction) and rendering with every widget's data resolved.

use std::{collections::HashMap, sync::Arc};

use chrono::Utc;
use domain::{
    Action, PageDefinition,
    dto::{NewPage, PageStatus, PageSummary, RenderedPage, SessionUser},
    policy,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde_json::json;

use crate::{
    Error, Result,
    audit::{self, AuditEntry},
    connector::ConnectorService,
    entities::{page, version},
    tools::ToolService,
};

pub const RESOURCE_TYPE: &str = "page";

#[derive(Clone)]
pub struct PageService {
    db: DatabaseConnection,
    tools: ToolService,
    connectors: Arc<ConnectorService>,
}

pub(crate) fn summary(model: &page::Model) -> Result<PageSummary> {
    Ok(PageSummary {
        id: model.id,
        slug: model.slug.clone(),
        title: model.title.clone(),
        status: PageStatus::parse(&model.status).ok_or_else(|| {
            Error::Internal(format!(
                "page {} has unknown status {}",
                model.id, model.status
            ))
        })?,
        version: model.version,
        updated_at: model.updated_at,
        updated_by: None,
    })
}

impl PageService {
    pub fn new(
        db: DatabaseConnection,
        tools: ToolService,
        connectors: Arc<ConnectorService>,
    ) -> Self {
        Self {
            db,
            tools,
            connectors,
        }
    }

    /// Pages the actor may open: published ones for everyone who may view, drafts too for
    /// those who may edit or review.
    pub async fn list_for(&self, actor: &SessionUser) -> Result<Vec<PageSummary>> {
        crate::require(actor, Action::ViewPublishedPage)?;
        let mut query = page::Entity::find().filter(page::Column::OrgId.eq(actor.org_id));
        if !policy::allows(actor.role, Action::ViewDraftPage) {
            query = query.filter(
                Condition::all().add(page::Column::Status.eq(PageStatus::Published.as_str())),
            );
        }
        query
            .order_by_asc(page::Column::Title)
            .all(&self.db)
            .await?
            .iter()
            .map(summary)
            .collect()
    }

    pub async fn find_by_slug(&self, org_id: i32, slug: &str) -> Result<Option<page::Model>> {
        Ok(page::Entity::find()
            .filter(page::Column::OrgId.eq(org_id))
            .filter(page::Column::Slug.eq(slug))
            .one(&self.db)
            .await?)
    }

    pub async fn create(&self, actor: &SessionUser, new: NewPage) -> Result<PageSummary> {
        crate::require(actor, Action::CreatePage)?;
        if new.publish && !policy::allows(actor.role, Action::PublishPage) {
            return Err(Error::Forbidden(Action::PublishPage));
        }
        Error::check_slug(&new.slug)?;
        let title = new.title.trim().to_owned();
        if title.is_empty() {
            return Err(Error::validation("title", "a page needs a title"));
        }
        let definition = PageDefinition::from_json(&new.definition).map_err(|issues| {
            Error::Validation(
                issues
                    .into_iter()
                    .map(|issue| {
                        domain::ValidationIssue::new(
                            format!("definition.{}", issue.path),
                            issue.message,
                        )
                    })
                    .collect(),
            )
        })?;
        let canonical = definition.to_canonical_json();
        let now = Utc::now();
        let status = if new.publish {
            PageStatus::Published
        } else {
            PageStatus::Draft
        };
        let txn = self.db.begin().await?;
        let created = page::ActiveModel {
            org_id: Set(actor.org_id),
            slug: Set(new.slug.clone()),
            title: Set(title.clone()),
            status: Set(status.as_str().to_owned()),
            version: Set(1),
            definition: Set(canonical.clone()),
            published_definition: Set(new.publish.then(|| canonical.clone())),
            created_by: Set(Some(actor.id)),
            updated_by: Set(Some(actor.id)),
            created_at: Set(now),
            updated_at: Set(now),
            published_at: Set(new.publish.then_some(now)),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|err| {
            Error::from_unique_violation(
                err,
                format!("a page with slug \"{}\" already exists", new.slug),
            )
        })?;
        version::ActiveModel {
            org_id: Set(actor.org_id),
            resource_type: Set(RESOURCE_TYPE.to_owned()),
            resource_id: Set(created.id),
            version: Set(1),
            snapshot: Set(json!({"title": title, "definition": canonical})),
            comment: Set(Some("created".to_owned())),
            created_by: Set(Some(actor.id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let action = if new.publish {
            "page.create_published"
        } else {
            "page.create"
        };
        let after =
            json!({"slug": new.slug, "title": title, "status": status, "definition": canonical});
        audit::record(
            &txn,
            AuditEntry {
                after: Some(&after),
                ..AuditEntry::by(actor, action, RESOURCE_TYPE, created.id.to_string())
            },
        )
        .await?;
        txn.commit().await?;
        summary(&created)
    }

    pub async fn render_by_slug(
        &self,
        actor: &SessionUser,
        slug: &str,
        force_refresh: bool,
    ) -> Result<RenderedPage> {
        let model = self
            .find_by_slug(actor.org_id, slug)
            .await?
            .ok_or(Error::NotFound("page"))?;
        self.render(actor, model, force_refresh).await
    }

    pub async fn render_by_id(
        &self,
        actor: &SessionUser,
        id: i32,
        force_refresh: bool,
    ) -> Result<RenderedPage> {
        let model = page::Entity::find_by_id(id)
            .filter(page::Column::OrgId.eq(actor.org_id))
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("page"))?;
        self.render(actor, model, force_refresh).await
    }

    async fn render(
        &self,
        actor: &SessionUser,
        model: page::Model,
        force_refresh: bool,
    ) -> Result<RenderedPage> {
        // Viewers see the published version; editors and reviewers see the draft of an
        // unpublished page. Pages a user may not see are "not found", not "forbidden".
        let stored = match &model.published_definition {
            Some(published) if policy::allows(actor.role, Action::ViewPublishedPage) => published,
            _ if policy::allows(actor.role, Action::ViewDraftPage) => &model.definition,
            _ => return Err(Error::NotFound("page")),
        };
        let definition = PageDefinition::from_json(stored).map_err(|issues| {
            Error::Internal(format!("stored page {} is invalid: {issues:?}", model.id))
        })?;
        let mut tools = HashMap::new();
        for widget in &definition.layout.widgets {
            if let Some(binding) = &widget.binding
                && !tools.contains_key(&binding.tool)
                && let Some(target) = self.tools.target_for(actor.org_id, &binding.tool).await?
            {
                tools.insert(binding.tool.clone(), target);
            }
        }
        let bindings = definition.layout.widgets.iter().filter_map(|widget| {
            widget
                .binding
                .as_ref()
                .map(|binding| (widget.id.as_str(), binding))
        });
        let data = self
            .connectors
            .resolve(&tools, bindings, force_refresh)
            .await;
        Ok(RenderedPage {
            page: summary(&model)?,
            html: crate::rich_text::render_blocks(&definition),
            definition,
            data,
            rendered_at: Utc::now(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::Error;

    #[test]
    fn slugs_are_lowercase_words_joined_by_single_hyphens() {
        for good in ["platform-overview", "a", "jobs-2026"] {
            assert!(Error::check_slug(good).is_ok(), "{good}");
        }
        for bad in ["", "Platform", "a--b", "-a", "a-", "a b", "a/b"] {
            assert!(Error::check_slug(bad).is_err(), "{bad}");
        }
    }
}
