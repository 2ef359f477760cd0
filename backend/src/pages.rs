//! Pages: listing what a user may see, the editing lifecycle (draft saves guarded by the
//! page's revision, publish, unpublish, copies, delete, templates) and rendering with every
//! widget's data resolved. Every change writes its audit row in the same transaction.

mod forms;
mod mapper;
pub(crate) mod resolve;
mod rows;
mod templates;

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Arc,
};

use chrono::{DateTime, SubsecRound, Utc};
use domain::{
    Action, PageDefinition, ValidationIssue,
    dto::{
        NewPage, NewPageFrom, PageDraft, PageStatus, PageSummary, PageTemplateSummary,
        RenderedPage, SaveDraft, SavedDraft, SessionUser, WidgetData,
    },
    embed, policy,
    request::Variables,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use serde_json::{Value, json};

use crate::{
    Error, Result,
    audit::{self, AuditEntry},
    connector::ConnectorService,
    entities::{page, user, version},
    tools::ToolService,
};

pub const RESOURCE_TYPE: &str = "page";

#[derive(Clone)]
pub struct PageService {
    db: DatabaseConnection,
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
    })
}

/// Display names of the given users, by id.
async fn display_names(
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

/// The longest slug a copy may start from, leaving room for `-copy-NNNN` within 80 characters.
const COPY_BASE_MAX: usize = 80 - "-copy-9999".len();

/// A brand-new page row and how it came to be, for its version comment and audit entry.
struct NewRow<'a> {
    slug: String,
    title: String,
    definition: Value,
    publish: bool,
    action: &'a str,
    comment: &'a str,
    /// Extra audit context, e.g. the page it was copied from or the template.
    origin: Option<(&'a str, Value)>,
}

impl PageService {
    pub fn new(
        db: DatabaseConnection,
        tools: ToolService,
        connectors: Arc<ConnectorService>,
        embed_allowed_hosts: Vec<String>,
    ) -> Self {
        Self {
            db,
            tools,
            connectors,
            embed_allowed_hosts: embed_allowed_hosts.into(),
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
        let models = query
            .order_by_asc(page::Column::Title)
            .all(&self.db)
            .await?;
        let names = display_names(&self.db, models.iter().filter_map(|m| m.updated_by)).await?;
        models
            .iter()
            .map(|model| {
                summary(
                    model,
                    model.updated_by.and_then(|id| names.get(&id).cloned()),
                )
            })
            .collect()
    }

    pub async fn find_by_slug(&self, org_id: i32, slug: &str) -> Result<Option<page::Model>> {
        Ok(page::Entity::find()
            .filter(page::Column::OrgId.eq(org_id))
            .filter(page::Column::Slug.eq(slug))
            .one(&self.db)
            .await?)
    }

    async fn find_in_org(
        conn: &impl ConnectionTrait,
        actor: &SessionUser,
        id: i32,
    ) -> Result<page::Model> {
        page::Entity::find_by_id(id)
            .filter(page::Column::OrgId.eq(actor.org_id))
            .one(conn)
            .await?
            .ok_or(Error::NotFound("page"))
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

    pub async fn create(&self, actor: &SessionUser, new: NewPage) -> Result<PageSummary> {
        crate::require(actor, Action::CreatePage)?;
        if new.publish && !policy::allows(actor.role, Action::PublishPage) {
            return Err(Error::Forbidden(Action::PublishPage));
        }
        let definition = self.validated(&new.definition)?;
        let action = if new.publish {
            "page.create_published"
        } else {
            "page.create"
        };
        self.insert(
            actor,
            NewRow {
                slug: new.slug,
                title: new.title,
                definition: definition.to_canonical_json(),
                publish: new.publish,
                action,
                comment: "created",
                origin: None,
            },
        )
        .await
    }

    /// The shipped page templates, for those who work in the admin area.
    pub fn templates(&self, actor: &SessionUser) -> Result<Vec<PageTemplateSummary>> {
        crate::require(actor, Action::OpenAdmin)?;
        Ok(templates::all()
            .into_iter()
            .map(|template| PageTemplateSummary {
                id: template.id,
                name: template.name,
                description: template.description,
            })
            .collect())
    }

    /// A new draft from a template, or a blank page when none is given.
    pub async fn create_from(&self, actor: &SessionUser, new: NewPageFrom) -> Result<PageSummary> {
        crate::require(actor, Action::CreatePage)?;
        let (definition, origin) = match &new.template {
            None => (templates::blank(), None),
            Some(id) => {
                let template = templates::find(id).ok_or_else(|| {
                    let known: Vec<String> = templates::all().into_iter().map(|t| t.id).collect();
                    Error::validation(
                        "template",
                        &format!(
                            "there is no template \"{id}\" (known: {})",
                            known.join(", ")
                        ),
                    )
                })?;
                (template.definition, Some(("template", json!(template.id))))
            }
        };
        let definition = self.validated(&definition)?;
        self.insert(
            actor,
            NewRow {
                slug: new.slug,
                title: new.title,
                definition: definition.to_canonical_json(),
                publish: false,
                action: "page.create",
                comment: "created",
                origin,
            },
        )
        .await
    }

    /// Inserts a page with its first version row and its audit row, in one transaction.
    async fn insert(&self, actor: &SessionUser, row: NewRow<'_>) -> Result<PageSummary> {
        Error::check_slug(&row.slug)?;
        let title = domain::limits::page_title(&row.title)
            .map_err(|issue| Error::Validation(vec![issue]))?;
        let canonical = row.definition;
        let now = stored_now();
        let status = if row.publish {
            PageStatus::Published
        } else {
            PageStatus::Draft
        };
        let txn = self.db.begin().await?;
        let created = page::ActiveModel {
            org_id: Set(actor.org_id),
            slug: Set(row.slug.clone()),
            title: Set(title.clone()),
            status: Set(status.as_str().to_owned()),
            version: Set(1),
            definition: Set(canonical.clone()),
            published_definition: Set(row.publish.then(|| canonical.clone())),
            created_by: Set(Some(actor.id)),
            updated_by: Set(Some(actor.id)),
            created_at: Set(now),
            updated_at: Set(now),
            published_at: Set(row.publish.then_some(now)),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|err| {
            Error::from_unique_violation(
                err,
                format!("a page with slug \"{}\" already exists", row.slug),
            )
        })?;
        version::ActiveModel {
            org_id: Set(actor.org_id),
            resource_type: Set(RESOURCE_TYPE.to_owned()),
            resource_id: Set(created.id),
            version: Set(1),
            snapshot: Set(json!({"title": title, "definition": canonical})),
            comment: Set(Some(row.comment.to_owned())),
            created_by: Set(Some(actor.id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut after =
            json!({"slug": row.slug, "title": title, "status": status, "definition": canonical});
        if let Some((key, value)) = row.origin {
            after[key] = value;
        }
        audit::record(
            &txn,
            AuditEntry {
                after: Some(&after),
                ..AuditEntry::by(actor, row.action, RESOURCE_TYPE, created.id.to_string())
            },
        )
        .await?;
        txn.commit().await?;
        summary(&created, Some(actor.display_name.clone()))
    }

    /// What the builder opens: the working definition and its revision.
    pub async fn draft(&self, actor: &SessionUser, id: i32) -> Result<PageDraft> {
        crate::require(actor, Action::EditPage)?;
        let model = Self::find_in_org(&self.db, actor, id).await?;
        Ok(PageDraft {
            page: summarize(&self.db, &model).await?,
            definition: stored_definition(&model)?,
            revision: model.version,
            published: model.published_definition.is_some(),
        })
    }

    /// Saves the working definition if nobody saved since `base_revision`; otherwise a
    /// conflict naming who did and when. Viewers keep seeing the published version. No version
    /// row (autosave calls this often); the audit row holds the JSON Patch of the change.
    pub async fn save_draft(
        &self,
        actor: &SessionUser,
        id: i32,
        save: SaveDraft,
    ) -> Result<SavedDraft> {
        crate::require(actor, Action::EditPage)?;
        let canonical = self.validated(&save.definition)?.to_canonical_json();
        // Read outside the transaction so it begins with its write (SQLite takes the write
        // lock up front instead of upgrading); the conditional update below is the real guard.
        let current = Self::find_in_org(&self.db, actor, id).await?;
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
        let now = stored_now();
        let txn = self.db.begin().await?;
        let updated = page::Entity::update_many()
            .set(page::ActiveModel {
                definition: Set(canonical.clone()),
                updated_by: Set(Some(actor.id)),
                updated_at: Set(now),
                ..Default::default()
            })
            .col_expr(page::Column::Version, next_version())
            .filter(page::Column::Id.eq(id))
            .filter(page::Column::OrgId.eq(actor.org_id))
            .filter(page::Column::Version.eq(save.base_revision))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            txn.rollback().await?;
            return Err(self.lost_race(actor, id).await);
        }
        audit::record(
            &txn,
            AuditEntry {
                before: Some(&current.definition),
                after: Some(&canonical),
                ..AuditEntry::by(actor, "page.save_draft", RESOURCE_TYPE, id.to_string())
            },
        )
        .await?;
        txn.commit().await?;
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
        crate::require(actor, Action::PublishPage)?;
        let current = Self::find_in_org(&self.db, actor, id).await?;
        if current.version != base_revision {
            return Err(self.conflict(actor, &current).await);
        }
        let canonical = self.validated(&current.definition)?.to_canonical_json();
        let now = stored_now();
        let txn = self.db.begin().await?;
        let updated = page::Entity::update_many()
            .set(page::ActiveModel {
                definition: Set(canonical.clone()),
                published_definition: Set(Some(canonical.clone())),
                status: Set(PageStatus::Published.as_str().to_owned()),
                published_at: Set(Some(now)),
                updated_by: Set(Some(actor.id)),
                updated_at: Set(now),
                ..Default::default()
            })
            .col_expr(page::Column::Version, next_version())
            .filter(page::Column::Id.eq(id))
            .filter(page::Column::OrgId.eq(actor.org_id))
            .filter(page::Column::Version.eq(base_revision))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            txn.rollback().await?;
            return Err(self.lost_race(actor, id).await);
        }
        version::ActiveModel {
            org_id: Set(actor.org_id),
            resource_type: Set(RESOURCE_TYPE.to_owned()),
            resource_id: Set(id),
            version: Set(base_revision + 1),
            snapshot: Set(json!({"title": current.title, "definition": canonical})),
            comment: Set(Some("published".to_owned())),
            created_by: Set(Some(actor.id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let previous = current
            .published_definition
            .clone()
            .unwrap_or_else(|| json!({}));
        let entry = AuditEntry {
            before: Some(&previous),
            after: Some(&canonical),
            ..AuditEntry::by(actor, "page.publish", RESOURCE_TYPE, id.to_string())
        };
        Self::audit_and_commit(txn, actor, id, entry).await
    }

    /// Takes the page away from viewers; the draft stays. Unpublishing a draft changes nothing.
    pub async fn unpublish(&self, actor: &SessionUser, id: i32) -> Result<PageSummary> {
        crate::require(actor, Action::PublishPage)?;
        let current = Self::find_in_org(&self.db, actor, id).await?;
        if current.published_definition.is_none()
            && current.status != PageStatus::Published.as_str()
        {
            return summarize(&self.db, &current).await;
        }
        let txn = self.db.begin().await?;
        page::Entity::update_many()
            .set(page::ActiveModel {
                published_definition: Set(None),
                status: Set(PageStatus::Draft.as_str().to_owned()),
                published_at: Set(None),
                updated_by: Set(Some(actor.id)),
                updated_at: Set(stored_now()),
                ..Default::default()
            })
            .col_expr(page::Column::Version, next_version())
            .filter(page::Column::Id.eq(id))
            .filter(page::Column::OrgId.eq(actor.org_id))
            .exec(&txn)
            .await?;
        let (before, after) = (
            json!({"status": current.status}),
            json!({"status": PageStatus::Draft}),
        );
        let entry = AuditEntry {
            before: Some(&before),
            after: Some(&after),
            ..AuditEntry::by(actor, "page.unpublish", RESOURCE_TYPE, id.to_string())
        };
        Self::audit_and_commit(txn, actor, id, entry).await
    }

    /// Ends a change of the page's state: its audit row, then the page as it now is, read
    /// inside the same transaction before committing.
    async fn audit_and_commit(
        txn: DatabaseTransaction,
        actor: &SessionUser,
        id: i32,
        entry: AuditEntry<'_>,
    ) -> Result<PageSummary> {
        audit::record(&txn, entry).await?;
        let changed = Self::find_in_org(&txn, actor, id).await?;
        txn.commit().await?;
        summary(&changed, Some(actor.display_name.clone()))
    }

    /// A new draft with the page's working definition, titled "… (copy)" under a free slug.
    pub async fn duplicate(&self, actor: &SessionUser, id: i32) -> Result<PageSummary> {
        crate::require(actor, Action::CreatePage)?;
        let source = Self::find_in_org(&self.db, actor, id).await?;
        let definition = self.validated(&source.definition)?.to_canonical_json();
        self.insert_copy(actor, &source, definition, "page.duplicate")
            .await
    }

    /// A new draft of the page with the given definition: the builder's "keep editing a copy"
    /// after a conflict, so the user's edits are never lost.
    pub async fn save_as_copy(
        &self,
        actor: &SessionUser,
        id: i32,
        definition: Value,
    ) -> Result<PageSummary> {
        crate::require(actor, Action::CreatePage)?;
        let definition = self.validated(&definition)?.to_canonical_json();
        let source = Self::find_in_org(&self.db, actor, id).await?;
        self.insert_copy(actor, &source, definition, "page.save_as_copy")
            .await
    }

    async fn insert_copy(
        &self,
        actor: &SessionUser,
        source: &page::Model,
        definition: Value,
        action: &str,
    ) -> Result<PageSummary> {
        // Another copy may take the slug between the lookup and the insert; look again.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let slug = self.free_copy_slug(actor.org_id, &source.slug).await?;
            let result = self
                .insert(
                    actor,
                    NewRow {
                        slug,
                        title: domain::limits::copy_title(&source.title),
                        definition: definition.clone(),
                        publish: false,
                        action,
                        comment: "copied",
                        origin: Some(("copied_from", json!(source.id))),
                    },
                )
                .await;
            match result {
                Err(Error::Conflict(_)) if attempts < 3 => continue,
                other => return other,
            }
        }
    }

    /// `<slug>-copy`, else `<slug>-copy-2`, `-copy-3`… whichever is free first.
    #[expect(
        clippy::expect_used,
        reason = "an unbounded sequence of suffixes always has a free one"
    )]
    async fn free_copy_slug(&self, org_id: i32, slug: &str) -> Result<String> {
        let base = slug[..slug.len().min(COPY_BASE_MAX)].trim_end_matches('-');
        let stem = format!("{base}-copy");
        let taken: BTreeSet<String> = page::Entity::find()
            .select_only()
            .column(page::Column::Slug)
            .filter(page::Column::OrgId.eq(org_id))
            .filter(page::Column::Slug.starts_with(&stem))
            .into_tuple::<String>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        Ok(std::iter::once(stem.clone())
            .chain((2..).map(|n| format!("{stem}-{n}")))
            .find(|candidate| !taken.contains(candidate))
            .expect("an unbounded sequence has a free slug"))
    }

    /// Removes the page. Its version rows stay, with a last one holding the final draft when
    /// that was never snapshotted, since the audit row's JSON Patch cannot carry removed values.
    /// Deleting a published page takes the right to publish.
    pub async fn delete(&self, actor: &SessionUser, id: i32) -> Result<()> {
        crate::require(actor, Action::EditPage)?;
        let current = Self::find_in_org(&self.db, actor, id).await?;
        if current.published_definition.is_some() {
            crate::require(actor, Action::PublishPage)?;
        }
        let txn = self.db.begin().await?;
        // Only the state checked and recorded above is deleted.
        let deleted = page::Entity::delete_many()
            .filter(page::Column::Id.eq(id))
            .filter(page::Column::OrgId.eq(actor.org_id))
            .filter(page::Column::Version.eq(current.version))
            .exec(&txn)
            .await?;
        if deleted.rows_affected == 0 {
            txn.rollback().await?;
            return match Self::find_in_org(&self.db, actor, id).await {
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
            .one(&txn)
            .await?
            .is_some();
        if !snapshotted {
            version::ActiveModel {
                org_id: Set(actor.org_id),
                resource_type: Set(RESOURCE_TYPE.to_owned()),
                resource_id: Set(id),
                version: Set(current.version),
                snapshot: Set(json!({"title": current.title, "definition": current.definition})),
                comment: Set(Some("deleted".to_owned())),
                created_by: Set(Some(actor.id)),
                created_at: Set(stored_now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        let before = json!({
            "slug": current.slug, "title": current.title, "status": current.status,
            "definition": current.definition,
        });
        audit::record(
            &txn,
            AuditEntry {
                before: Some(&before),
                ..AuditEntry::by(actor, "page.delete", RESOURCE_TYPE, id.to_string())
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The conflict for a stale revision: who saved last, and when.
    async fn conflict(&self, actor: &SessionUser, latest: &page::Model) -> Error {
        let at = when(latest.updated_at, Utc::now());
        let message = match latest.updated_by {
            Some(editor) if editor == actor.id => format!(
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
        match Self::find_in_org(&self.db, actor, id).await {
            Ok(latest) => self.conflict(actor, &latest).await,
            Err(err) => err,
        }
    }

    /// Renders a page by slug. With `draft`, those who may see drafts get the working
    /// definition (the builder's preview); everyone else gets what they would get anyway.
    pub async fn render_by_slug(
        &self,
        actor: &SessionUser,
        slug: &str,
        force_refresh: bool,
        draft: bool,
    ) -> Result<RenderedPage> {
        self.render_by_slug_with(actor, slug, force_refresh, draft, &BTreeMap::new())
            .await
    }

    /// [`Self::render_by_slug`] with page variables (a search or filter widget's id → its
    /// text) filling `{{name}}` placeholders in the bindings' requests.
    pub async fn render_by_slug_with(
        &self,
        actor: &SessionUser,
        slug: &str,
        force_refresh: bool,
        draft: bool,
        variables: &BTreeMap<String, String>,
    ) -> Result<RenderedPage> {
        let model = self
            .find_by_slug(actor.org_id, slug)
            .await?
            .ok_or(Error::NotFound("page"))?;
        self.render(actor, model, force_refresh, draft, &as_values(variables))
            .await
    }

    /// Renders a page by id; `variables` (page variable → text) fill `{{name}}`
    /// placeholders in its bindings' requests.
    pub async fn render_by_id(
        &self,
        actor: &SessionUser,
        id: i32,
        force_refresh: bool,
        variables: &BTreeMap<String, String>,
    ) -> Result<RenderedPage> {
        let model = page::Entity::find_by_id(id)
            .filter(page::Column::OrgId.eq(actor.org_id))
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("page"))?;
        self.render(actor, model, force_refresh, false, &as_values(variables))
            .await
    }

    /// The definition `actor` gets of a stored page: viewers the published version; editors
    /// and reviewers the draft of an unpublished page, or of any page with `draft`. Pages a
    /// user may not see are "not found", not "forbidden". Widgets for other roles are gone.
    fn visible_definition(
        actor: &SessionUser,
        model: &page::Model,
        draft: bool,
    ) -> Result<PageDefinition> {
        let may_see_drafts = policy::allows(actor.role, Action::ViewDraftPage);
        let stored = match &model.published_definition {
            _ if draft && may_see_drafts => &model.definition,
            Some(published) if policy::allows(actor.role, Action::ViewPublishedPage) => published,
            _ if may_see_drafts => &model.definition,
            _ => return Err(Error::NotFound("page")),
        };
        Ok(PageDefinition::from_json(stored)
            .map_err(|issues| {
                Error::internal(format!("stored page {} is invalid: {issues:?}", model.id))
            })?
            // Widgets for other roles never leave the server, nor does their data.
            .for_role(actor.role))
    }

    async fn render(
        &self,
        actor: &SessionUser,
        model: page::Model,
        force_refresh: bool,
        draft: bool,
        variables: &Variables,
    ) -> Result<RenderedPage> {
        let definition = Self::visible_definition(actor, &model, draft)?;
        let (data, html) = self
            .resolve(actor, &definition, variables, force_refresh)
            .await?;
        Ok(RenderedPage {
            page: summarize(&self.db, &model).await?,
            html,
            definition,
            data,
            rendered_at: Utc::now(),
        })
    }

    /// Renders a definition that is not saved yet, for the builder's canvas: its structure is
    /// checked, not its rules, so unfinished drafts render. The summary is a placeholder (id 0).
    pub async fn preview(&self, actor: &SessionUser, definition: Value) -> Result<RenderedPage> {
        crate::require(actor, Action::EditPage)?;
        let definition = PageDefinition::parse(&definition).map_err(definition_issues)?;
        let (data, html) = self
            .resolve(actor, &definition, &Variables::new(), false)
            .await?;
        let now = Utc::now();
        Ok(RenderedPage {
            page: PageSummary {
                id: 0,
                slug: String::new(),
                title: "Preview".to_owned(),
                status: PageStatus::Draft,
                version: 0,
                updated_at: now,
                updated_by: Some(actor.display_name.clone()),
            },
            html,
            definition,
            data,
            rendered_at: now,
        })
    }

    /// Every bound widget's data (each distinct request made once) and every rich-text
    /// block's HTML. Iframes whose host left the allow-list after the page was saved fail.
    async fn resolve(
        &self,
        actor: &SessionUser,
        definition: &PageDefinition,
        variables: &Variables,
        force_refresh: bool,
    ) -> Result<(BTreeMap<String, WidgetData>, BTreeMap<String, String>)> {
        let widgets = definition.layout.all_widgets();
        let mut tools = HashMap::new();
        for widget in &widgets {
            if let Some(binding) = &widget.binding
                && !tools.contains_key(&binding.tool)
                && let Some(target) = self.tools.target_for(actor.org_id, &binding.tool).await?
            {
                tools.insert(binding.tool.clone(), target);
            }
        }
        let bindings = widgets.iter().filter_map(|widget| {
            widget
                .binding
                .as_ref()
                .map(|binding| (widget.id.as_str(), binding))
        });
        let mut data = self
            .connectors
            .resolve(&tools, bindings, variables, force_refresh)
            .await;
        for refusal in embed::refusals(definition, &self.embed_allowed_hosts) {
            data.insert(
                refusal.widget_id.clone(),
                WidgetData::Failed {
                    message: embed::refusal_message(&refusal),
                },
            );
        }
        Ok((data, crate::rich_text::render_blocks(definition)))
    }
}

/// The current time as the database keeps it (PostgreSQL stores microseconds), so what a
/// save answers equals what a later read returns.
fn stored_now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// `version + 1`, computed by the database so concurrent writers cannot both win.
fn next_version() -> Expr {
    Expr::col(page::Column::Version).add(1)
}

/// Page variables as the JSON strings placeholders are filled with; an empty one (a filter
/// on "All", a cleared search) counts as unset.
fn as_values(variables: &BTreeMap<String, String>) -> Variables {
    variables
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect()
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
