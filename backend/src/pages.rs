//! Pages: listing what a user may see, the editing lifecycle (draft saves guarded by the
//! page's revision, publish, unpublish, copies, delete, templates) and rendering with every
//! widget's data resolved. Every change goes through `crate::change`.

mod access;
mod approvals;
mod create;
mod forms;
mod history;
mod mapper;
mod render;
pub(crate) mod resolve;
mod rows;
mod templates;

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};

use chrono::{DateTime, Utc};
use domain::{
    Action, PageDefinition, ValidationIssue,
    access::{Resource, ResourceKind},
    audit::AuditAction,
    dto::{PageDraft, PageStatus, PageSummary, SaveDraft, SavedDraft, SessionUser},
    embed,
    ids::OrgId,
    page::ToolUse,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
    sea_query::{Expr, ExprTrait},
};
use serde_json::{Value, json};

use crate::{
    Error, Result,
    change::{Change, Changes},
    connector::ConnectorService,
    entities::{page, user, version},
    scoped::{self, OrgScoped},
    tools::ToolService,
};

pub const RESOURCE_TYPE: &str = "page";

/// The organization's pages, as the policy sees them before one is loaded.
fn pages_of(actor: &SessionUser) -> Resource {
    Resource::new(ResourceKind::Page, actor.org_id)
}

#[derive(Clone)]
pub struct PageService {
    db: DatabaseConnection,
    changes: Changes,
    tools: ToolService,
    connectors: Arc<ConnectorService>,
    /// Hosts iframe widgets may embed from, besides paths on this server.
    embed_allowed_hosts: Arc<[String]>,
}

pub(crate) fn summary(model: &page::Model, updated_by: Option<String>) -> Result<PageSummary> {
    Ok(PageSummary {
        id: model.id,
        slug: model.slug.clone(),
        title: model.title.clone(),
        status: PageStatus::parse(&model.status).ok_or_else(|| {
            Error::internal(format!(
                "page {} has unknown status {}",
                model.id, model.status
            ))
        })?,
        version: model.version,
        updated_at: model.updated_at,
        updated_by,
        review: None,
    })
}

/// Display names of the given users, by id.
pub(crate) async fn display_names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> Result<HashMap<i32, String>> {
    let ids: BTreeSet<i32> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|user| (user.id, user.display_name))
        .collect())
}

async fn summarize(conn: &impl ConnectionTrait, model: &page::Model) -> Result<PageSummary> {
    let mut names = display_names(conn, model.updated_by).await?;
    summary(model, model.updated_by.and_then(|id| names.remove(&id)))
}

/// Validation issues of a definition sent inside a request body, located under `definition`.
fn definition_issues(issues: Vec<ValidationIssue>) -> Error {
    Error::Validation(
        issues
            .into_iter()
            .map(|issue| ValidationIssue::new(format!("definition.{}", issue.path), issue.message))
            .collect(),
    )
}

/// A stored definition, read without re-running today's validation rules, so a draft saved
/// under older rules can still be opened and fixed.
fn stored_definition(model: &page::Model) -> Result<PageDefinition> {
    serde_json::from_value(model.definition.clone())
        .map_err(|err| Error::internal_from(format!("stored page {} is unreadable", model.id), err))
}

/// `at 14:02 UTC` today, `on 2026-11-02 at 14:02 UTC` otherwise.
fn when(time: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if time.date_naive() == now.date_naive() {
        format!("at {} UTC", time.format("%H:%M"))
    } else {
        format!(
            "on {} at {} UTC",
            time.format("%Y-%m-%d"),
            time.format("%H:%M")
        )
    }
}

impl PageService {
    pub fn new(
        db: DatabaseConnection,
        changes: Changes,
        tools: ToolService,
        connectors: Arc<ConnectorService>,
        embed_allowed_hosts: Vec<String>,
    ) -> Self {
        Self {
            db,
            changes,
            tools,
            connectors,
            embed_allowed_hosts: embed_allowed_hosts.into(),
        }
    }

    /// Pages the actor may open: published ones for everyone who may view, drafts too for
    /// those who may edit or review.
    pub async fn list_for(&self, actor: &SessionUser) -> Result<Vec<PageSummary>> {
        crate::authorize(actor, Action::ViewPublishedPage, pages_of(actor))?;
        let mut query = scoped::all_in::<page::Entity>(actor.org_id);
        if !actor.may(Action::ViewDraftPage) {
            query = query.filter(
                Condition::all().add(page::Column::Status.eq(PageStatus::Published.as_str())),
            );
        }
        let models = query
            .order_by_asc(page::Column::Title)
            .all(&self.db)
            .await?;
        // Pages whose grants leave the actor out are not listed; a draft needs the right
        // to see drafts of that page.
        let models: Vec<page::Model> = models
            .into_iter()
            .filter(|model| {
                let needs = if model.status == PageStatus::Published.as_str() {
                    Action::ViewPublishedPage
                } else {
                    Action::ViewDraftPage
                };
                may(actor, needs, model)
            })
            .collect();
        let names = display_names(&self.db, models.iter().filter_map(|m| m.updated_by)).await?;
        let edits = actor.may(Action::EditPage);
        // Editors see where each page stands in review; viewers only see pages.
        let mut reviews = if edits {
            self.latest_reviews(actor, &models).await?
        } else {
            HashMap::new()
        };
        models
            .iter()
            .filter(|model| may(actor, Action::EditPage, model) || viewable(model, actor))
            .map(|model| {
                let mut summary = summary(
                    model,
                    model.updated_by.and_then(|id| names.get(&id).cloned()),
                )?;
                summary.review = reviews.remove(&model.id);
                Ok(summary)
            })
            .collect()
    }

    /// The organization's page with this slug, or "not found".
    pub(crate) async fn by_slug(&self, org_id: OrgId, slug: &str) -> Result<page::Model> {
        scoped::all_in::<page::Entity>(org_id)
            .filter(page::Column::Slug.eq(slug))
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("page"))
    }

    /// The id of the organization's page with this slug, if there is one.
    pub async fn id_of(&self, org_id: OrgId, slug: &str) -> Result<Option<i32>> {
        match self.by_slug(org_id, slug).await {
            Ok(model) => Ok(Some(model.id)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn load(
        conn: &impl ConnectionTrait,
        actor: &SessionUser,
        id: i32,
    ) -> Result<page::Model> {
        scoped::load::<page::Entity>(conn, actor.org_id, id).await
    }

    /// The page, if `actor` may do `action` to it: its grants are asked before anything
    /// about it (a conflict naming who saved last) is told. A page they may not view is
    /// "not found".
    async fn load_for(
        conn: &impl ConnectionTrait,
        actor: &SessionUser,
        id: i32,
        action: Action,
    ) -> Result<page::Model> {
        let model = Self::load(conn, actor, id).await?;
        crate::authorize(actor, action, page::Entity::resource(&model))?;
        Ok(model)
    }

    /// Parses and validates a definition sent by a client, including the embed allow-list.
    fn validated(&self, definition: &Value) -> Result<PageDefinition> {
        let definition = PageDefinition::from_json(definition).map_err(definition_issues)?;
        let refused = embed::check(&definition, &self.embed_allowed_hosts);
        if refused.is_empty() {
            Ok(definition)
        } else {
            Err(definition_issues(refused))
        }
    }

    /// Refuses a definition that uses a tool whose grants leave the actor out, except for
    /// uses `before` (what was stored) already had exactly: someone else put them there, and
    /// others may edit the page around them but not point them elsewhere.
    async fn refuse_unusable_tools(
        &self,
        actor: &SessionUser,
        definition: &PageDefinition,
        before: Option<&Value>,
    ) -> Result<()> {
        let kept = before
            .and_then(|before| serde_json::from_value::<PageDefinition>(before.clone()).ok())
            .map(|before| before.tool_uses())
            .unwrap_or_default();
        let new_uses: Vec<ToolUse> = definition
            .tool_uses()
            .into_iter()
            .filter(|used| !kept.contains(used))
            .collect();
        let tools: BTreeSet<String> = new_uses.iter().map(|used| used.tool.clone()).collect();
        let refused = self.tools.unusable(actor, &tools).await?;
        let issues: Vec<ValidationIssue> = new_uses
            .iter()
            .filter(|used| refused.contains(&used.tool))
            .map(|used| {
                ValidationIssue::new(
                    format!("definition.widgets.{}.tool", used.widget),
                    format!(
                        "You may not use the tool “{}” in pages, so widget “{}” cannot use it or change how it does. Ask someone who manages the tool to give you access.",
                        used.tool, used.widget
                    ),
                )
            })
            .collect();
        if issues.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(issues))
        }
    }

    /// What the builder opens: the working definition and its revision.
    pub async fn draft(&self, actor: &SessionUser, id: i32) -> Result<PageDraft> {
        crate::authorize(actor, Action::EditPage, pages_of(actor))?;
        let model = Self::load_for(&self.db, actor, id, Action::EditPage).await?;
        Ok(PageDraft {
            page: summarize(&self.db, &model).await?,
            definition: stored_definition(&model)?,
            revision: model.version,
            published: model.published_definition.is_some(),
        })
    }

    /// Saves the working definition if nobody saved since `base_revision`; otherwise a
    /// conflict naming who did and when. Viewers keep seeing the published version. No version
    /// row (autosave calls this often); the audit row holds the definitions before and after.
    pub async fn save_draft(
        &self,
        actor: &SessionUser,
        id: i32,
        save: SaveDraft,
    ) -> Result<SavedDraft> {
        crate::authorize(actor, Action::EditPage, pages_of(actor))?;
        let definition = self.validated(&save.definition)?;
        // Read outside the transaction so it begins with its write (SQLite takes the write
        // lock up front instead of upgrading); the conditional update below is the real guard.
        let current = Self::load_for(&self.db, actor, id, Action::EditPage).await?;
        self.refuse_unusable_tools(actor, &definition, Some(&current.definition))
            .await?;
        let canonical = definition.to_canonical_json();
        if current.version != save.base_revision {
            return Err(self.conflict(actor, &current).await);
        }
        if current.definition == canonical {
            // Nothing changed (an autosave of what is stored): no new revision, no audit noise.
            return Ok(SavedDraft {
                revision: current.version,
                updated_at: current.updated_at,
            });
        }
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::PageSaveDraft,
                page::Entity::resource(&current),
            )
            .await?;
        let now = change.now();
        let updated = page::Entity::update_many()
            .set(page::ActiveModel {
                definition: Set(canonical.clone()),
                updated_by: Set(Some(actor.id.get())),
                updated_at: Set(now),
                ..Default::default()
            })
            .col_expr(page::Column::Version, next_version())
            .filter(page::Column::Id.eq(id))
            .filter(page::Column::Version.eq(save.base_revision))
            .exec(change.txn())
            .await?;
        if updated.rows_affected == 0 {
            drop(change);
            return Err(self.lost_race(actor, id).await);
        }
        Self::keep_version(
            &change,
            actor,
            id,
            save.base_revision + 1,
            history::snapshot(&current.title, &canonical),
            "draft saved",
        )
        .await?;
        change
            .commit(id, Some(current.definition), Some(canonical))
            .await?;
        Ok(SavedDraft {
            revision: save.base_revision + 1,
            updated_at: now,
        })
    }

    /// Makes the working definition what viewers see, if nobody saved since `base_revision`.
    /// The draft is validated again (rules or the embed allow-list may have changed since it
    /// was saved); a version row keeps the published snapshot.
    pub async fn publish(
        &self,
        actor: &SessionUser,
        id: i32,
        base_revision: i32,
    ) -> Result<PageSummary> {
        crate::authorize(actor, Action::PublishPage, pages_of(actor))?;
        self.refuse_without_approval(actor.org_id).await?;
        let current = Self::load_for(&self.db, actor, id, Action::PublishPage).await?;
        if current.version != base_revision {
            return Err(self.conflict(actor, &current).await);
        }
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::PagePublish,
                page::Entity::resource(&current),
            )
            .await?;
        self.publish_in(change, actor, &current, "published").await
    }

    /// Publishes `current` (its working definition at its revision) inside `change`: what
    /// viewers see switches in one statement, a version row keeps it, the audit row says
    /// what viewers saw before.
    async fn publish_in(
        &self,
        change: Change,
        actor: &SessionUser,
        current: &page::Model,
        note: &str,
    ) -> Result<PageSummary> {
        let (id, base_revision) = (current.id, current.version);
        let canonical = self.validated(&current.definition)?.to_canonical_json();
        let now = change.now();
        let updated = page::Entity::update_many()
            .set(page::ActiveModel {
                definition: Set(canonical.clone()),
                published_definition: Set(Some(canonical.clone())),
                status: Set(PageStatus::Published.as_str().to_owned()),
                published_at: Set(Some(now)),
                updated_by: Set(Some(actor.id.get())),
                updated_at: Set(now),
                ..Default::default()
            })
            .col_expr(page::Column::Version, next_version())
            .filter(page::Column::Id.eq(id))
            .filter(page::Column::Version.eq(base_revision))
            .exec(change.txn())
            .await?;
        if updated.rows_affected == 0 {
            drop(change);
            return Err(self.lost_race(actor, id).await);
        }
        Self::keep_version(
            &change,
            actor,
            id,
            base_revision + 1,
            history::snapshot(&current.title, &canonical),
            note,
        )
        .await?;
        let previous = current
            .published_definition
            .clone()
            .unwrap_or_else(|| json!({}));
        Self::commit_and_summarize(change, actor, id, previous, canonical).await
    }

    /// Takes the page away from viewers; the draft stays. Unpublishing a draft changes nothing.
    pub async fn unpublish(&self, actor: &SessionUser, id: i32) -> Result<PageSummary> {
        crate::authorize(actor, Action::PublishPage, pages_of(actor))?;
        let current = Self::load_for(&self.db, actor, id, Action::PublishPage).await?;
        if current.published_definition.is_none()
            && current.status != PageStatus::Published.as_str()
        {
            return summarize(&self.db, &current).await;
        }
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::PageUnpublish,
                page::Entity::resource(&current),
            )
            .await?;
        page::Entity::update_many()
            .set(page::ActiveModel {
                published_definition: Set(None),
                status: Set(PageStatus::Draft.as_str().to_owned()),
                published_at: Set(None),
                updated_by: Set(Some(actor.id.get())),
                updated_at: Set(change.now()),
                ..Default::default()
            })
            .col_expr(page::Column::Version, next_version())
            .filter(page::Column::Id.eq(id))
            .exec(change.txn())
            .await?;
        let (before, after) = (
            json!({"status": current.status}),
            json!({"status": PageStatus::Draft}),
        );
        Self::commit_and_summarize(change, actor, id, before, after).await
    }

    /// Ends a change of the page's state: the page as it now is, read inside the change's
    /// transaction, then the audit row and the commit.
    async fn commit_and_summarize(
        change: Change,
        actor: &SessionUser,
        id: i32,
        before: Value,
        after: Value,
    ) -> Result<PageSummary> {
        let changed = Self::load(change.txn(), actor, id).await?;
        change.commit(id, Some(before), Some(after)).await?;
        summary(&changed, Some(actor.display_name.clone()))
    }

    /// Removes the page. Its version rows stay, with a last one holding the final draft when
    /// that was never snapshotted. Deleting a published page takes the right to publish.
    pub async fn delete(&self, actor: &SessionUser, id: i32) -> Result<()> {
        crate::authorize(actor, Action::EditPage, pages_of(actor))?;
        let current = Self::load_for(&self.db, actor, id, Action::EditPage).await?;
        let resource = page::Entity::resource(&current);
        if current.published_definition.is_some() {
            crate::authorize(actor, Action::PublishPage, resource.clone())?;
        }
        let change = self
            .changes
            .begin(actor, AuditAction::PageDelete, resource)
            .await?;
        // Only the state checked and recorded above is deleted.
        let deleted = page::Entity::delete_many()
            .filter(page::Column::Id.eq(id))
            .filter(page::Column::Version.eq(current.version))
            .exec(change.txn())
            .await?;
        if deleted.rows_affected == 0 {
            drop(change);
            return match Self::load(&self.db, actor, id).await {
                Ok(_) => Err(Error::Conflict(
                    "The page changed while you were deleting it. Reload and try again.".to_owned(),
                )),
                Err(err) => Err(err),
            };
        }
        let snapshotted = version::Entity::find()
            .filter(version::Column::ResourceType.eq(RESOURCE_TYPE))
            .filter(version::Column::ResourceId.eq(id))
            .filter(version::Column::Version.eq(current.version))
            .one(change.txn())
            .await?
            .is_some();
        if !snapshotted {
            Self::keep_version(
                &change,
                actor,
                id,
                current.version,
                history::snapshot(&current.title, &current.definition),
                "deleted",
            )
            .await?;
        }
        let before = json!({
            "slug": current.slug, "title": current.title, "status": current.status,
            "definition": current.definition,
        });
        change.commit(id, Some(before), None).await
    }

    /// Keeps the page's state (`history::snapshot`) as version `number`, inside `change`.
    async fn keep_version(
        change: &Change,
        actor: &SessionUser,
        id: i32,
        number: i32,
        snapshot: Value,
        note: &str,
    ) -> Result<()> {
        crate::versions::record(
            change.txn(),
            crate::versions::NewVersion {
                kind: ResourceKind::Page.into(),
                org_id: actor.org_id,
                resource_id: id,
                version: number,
                snapshot,
                note,
                by: Some(actor.id),
                at: change.now(),
            },
        )
        .await
    }

    /// The conflict for a stale revision: who saved last, and when.
    async fn conflict(&self, actor: &SessionUser, latest: &page::Model) -> Error {
        let at = when(latest.updated_at, self.changes.now());
        let message = match latest.updated_by {
            Some(editor) if editor == actor.id.get() => format!(
                "You saved this page in another window {at} after you opened it here. Reload to see those changes, or keep editing a copy."
            ),
            editor => {
                let name = match editor {
                    Some(editor) => display_names(&self.db, [editor])
                        .await
                        .ok()
                        .and_then(|mut names| names.remove(&editor)),
                    None => None,
                };
                format!(
                    "{} saved this page {at} after you opened it. Reload to see their changes, or keep editing a copy.",
                    name.as_deref().unwrap_or("Someone else")
                )
            }
        };
        Error::Conflict(message)
    }

    /// After a conditional update matched nothing: the page is gone, or someone saved first.
    async fn lost_race(&self, actor: &SessionUser, id: i32) -> Error {
        match Self::load(&self.db, actor, id).await {
            Ok(latest) => self.conflict(actor, &latest).await,
            Err(err) => err,
        }
    }
}

/// Whether the actor's role and the page's grants let them do `action` to it.
pub(crate) fn may(actor: &SessionUser, action: Action, model: &page::Model) -> bool {
    crate::authorize(actor, action, page::Entity::resource(model)).is_ok()
}

/// Whether the page's published access condition lets the actor view it.
fn viewable(model: &page::Model, actor: &SessionUser) -> bool {
    let access = model
        .published_definition
        .as_ref()
        .and_then(|definition| definition.get("access"))
        .and_then(Value::as_str);
    domain::condition::allows(access, &actor.subject())
}

/// `version + 1`, computed by the database so concurrent writers cannot both win.
fn next_version() -> Expr {
    Expr::col(page::Column::Version).add(1)
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
