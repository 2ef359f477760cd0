//! New pages: from a definition, a template or a copy of another page, each with its first
//! version row and its audit row.

use std::collections::BTreeSet;

use domain::{
    Action,
    access::{Resource, ResourceKind},
    audit::AuditAction,
    dto::{NewPage, NewPageFrom, PageStatus, PageSummary, PageTemplateSummary, SessionUser},
    ids::OrgId,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, QuerySelect, Set};
use serde_json::{Value, json};

use super::{PageService, summary, templates};
use crate::{Error, Result, entities::page, scoped};

/// The longest slug a copy may start from, leaving room for `-copy-NNNN` within 80 characters.
const COPY_BASE_MAX: usize = 80 - "-copy-9999".len();

/// A brand-new page row and how it came to be, for its version comment and audit entry.
struct NewRow {
    slug: String,
    title: String,
    definition: Value,
    publish: bool,
    action: AuditAction,
    comment: &'static str,
    /// Extra audit context, e.g. the page it was copied from or the template.
    origin: Option<(&'static str, Value)>,
    /// The grants a copy keeps, so copying a private page does not open it to everyone.
    access_grants: Option<Value>,
}

/// A page about to be created in the actor's organization, as the policy sees it.
fn new_page(actor: &SessionUser) -> Resource {
    Resource::new(ResourceKind::Page, actor.org_id)
}

impl PageService {
    pub async fn create(&self, actor: &SessionUser, new: NewPage) -> Result<PageSummary> {
        crate::authorize(actor, Action::CreatePage, new_page(actor))?;
        let action = if new.publish {
            AuditAction::PageCreatePublished
        } else {
            AuditAction::PageCreate
        };
        if new.publish {
            crate::authorize(actor, Action::PublishPage, new_page(actor))?;
            self.refuse_without_approval(actor.org_id).await?;
        }
        let definition = self.validated(&new.definition)?;
        self.refuse_unusable_tools(actor, &definition, None).await?;
        self.insert(
            actor,
            NewRow {
                slug: new.slug,
                title: new.title,
                definition: definition.to_canonical_json(),
                publish: new.publish,
                action,
                comment: if new.publish {
                    "created and published"
                } else {
                    "created"
                },
                origin: None,
                access_grants: None,
            },
        )
        .await
    }

    /// The shipped page templates, for those who work in the admin area.
    pub fn templates(&self, actor: &SessionUser) -> Result<Vec<PageTemplateSummary>> {
        crate::authorize(actor, Action::OpenAdmin, new_page(actor))?;
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
        crate::authorize(actor, Action::CreatePage, new_page(actor))?;
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
        self.refuse_unusable_tools(actor, &definition, None).await?;
        self.insert(
            actor,
            NewRow {
                slug: new.slug,
                title: new.title,
                definition: definition.to_canonical_json(),
                publish: false,
                action: AuditAction::PageCreate,
                comment: "created",
                origin,
                access_grants: None,
            },
        )
        .await
    }

    /// Inserts a page with its first version row and its audit row, in one change.
    async fn insert(&self, actor: &SessionUser, row: NewRow) -> Result<PageSummary> {
        Error::check_slug(&row.slug)?;
        let title = domain::limits::page_title(&row.title)
            .map_err(|issue| Error::Validation(vec![issue]))?;
        let canonical = row.definition;
        let status = if row.publish {
            PageStatus::Published
        } else {
            PageStatus::Draft
        };
        let change = self
            .changes
            .begin(actor, row.action, new_page(actor))
            .await?;
        let now = change.now();
        let created = page::ActiveModel {
            org_id: Set(actor.org_id.get()),
            slug: Set(row.slug.clone()),
            title: Set(title.clone()),
            status: Set(status.as_str().to_owned()),
            version: Set(1),
            definition: Set(canonical.clone()),
            published_definition: Set(row.publish.then(|| canonical.clone())),
            created_by: Set(Some(actor.id.get())),
            updated_by: Set(Some(actor.id.get())),
            created_at: Set(now),
            updated_at: Set(now),
            published_at: Set(row.publish.then_some(now)),
            access_grants: Set(row.access_grants.clone()),
            ..Default::default()
        }
        .insert(change.txn())
        .await
        .map_err(|err| {
            Error::from_unique_violation(
                err,
                format!("a page with slug \"{}\" already exists", row.slug),
            )
        })?;
        Self::keep_version(
            &change,
            actor,
            created.id,
            1,
            super::history::snapshot(&title, &canonical),
            row.comment,
        )
        .await?;
        let mut after =
            json!({"slug": row.slug, "title": title, "status": status, "definition": canonical});
        if let Some((key, value)) = row.origin {
            after[key] = value;
        }
        change.commit(created.id, None, Some(after)).await?;
        summary(&created, Some(actor.display_name.clone()))
    }

    /// A new draft with the page's working definition, titled "… (copy)" under a free slug.
    pub async fn duplicate(&self, actor: &SessionUser, id: i32) -> Result<PageSummary> {
        crate::authorize(actor, Action::CreatePage, new_page(actor))?;
        let source = Self::load_for(&self.db, actor, id, Action::ViewDraftPage).await?;
        let definition = self.validated(&source.definition)?.to_canonical_json();
        self.insert_copy(actor, &source, definition, AuditAction::PageDuplicate)
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
        crate::authorize(actor, Action::CreatePage, new_page(actor))?;
        let definition = self.validated(&definition)?;
        let source = Self::load_for(&self.db, actor, id, Action::ViewDraftPage).await?;
        self.refuse_unusable_tools(actor, &definition, Some(&source.definition))
            .await?;
        let definition = definition.to_canonical_json();
        self.insert_copy(actor, &source, definition, AuditAction::PageSaveAsCopy)
            .await
    }

    async fn insert_copy(
        &self,
        actor: &SessionUser,
        source: &page::Model,
        definition: Value,
        action: AuditAction,
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
                        access_grants: source.access_grants.clone(),
                    },
                )
                .await;
            match result {
                Err(Error::Taken(_)) if attempts < 3 => continue,
                other => return other,
            }
        }
    }

    /// `<slug>-copy`, else `<slug>-copy-2`, `-copy-3`… whichever is free first.
    #[expect(
        clippy::expect_used,
        reason = "an unbounded sequence of suffixes always has a free one"
    )]
    async fn free_copy_slug(&self, org_id: OrgId, slug: &str) -> Result<String> {
        let base = slug[..slug.len().min(COPY_BASE_MAX)].trim_end_matches('-');
        let stem = format!("{base}-copy");
        let taken: BTreeSet<String> = scoped::all_in::<page::Entity>(org_id)
            .select_only()
            .column(page::Column::Slug)
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
}
