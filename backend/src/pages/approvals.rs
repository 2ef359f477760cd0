//! Approvals: with the organization's setting on, nobody publishes directly. An editor asks
//! for one revision to be published, with a note; someone else with the right to publish
//! approves (publishing exactly that revision; a draft changed since needs a new request) or
//! rejects it with a comment the requester reads on the pages screen.

use std::collections::HashMap;

use domain::{
    Action,
    access::{Resource, ResourceKind},
    approvals::{
        ApprovalAsk, ApprovalDecision, ApprovalRequest, ApprovalStatus, MAX_NOTE_CHARS,
        PublishingSettings, may_decide,
    },
    audit::AuditAction,
    dto::{PageSummary, SessionUser},
    ids::OrgId,
    versions::{CompareVersions, RevertRequest, SettingsHistory},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};
use serde_json::{Value, json};

use super::{PageService, display_names, may, pages_of};
use crate::{
    Error, Result,
    entities::{approval_request, organization, page},
    scoped::{self, OrgScoped},
    versions::{self, Versioned},
};

fn status_of(row: &approval_request::Model) -> ApprovalStatus {
    ApprovalStatus::parse(&row.status).unwrap_or(ApprovalStatus::Pending)
}

/// Approval rows as screens show them, with names and what publishing would change.
async fn described(
    conn: &impl ConnectionTrait,
    rows: Vec<approval_request::Model>,
    pages: &HashMap<i32, page::Model>,
) -> Result<Vec<ApprovalRequest>> {
    let people: Vec<i32> = rows
        .iter()
        .flat_map(|row| [Some(row.requested_by), row.decided_by])
        .flatten()
        .collect();
    let names = display_names(conn, people).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let page = pages.get(&row.page_id);
            let live = page
                .and_then(|page| page.published_definition.clone())
                .unwrap_or(Value::Null);
            ApprovalRequest {
                id: row.id,
                page_id: row.page_id,
                page_title: row.title.clone(),
                page_slug: page.map(|page| page.slug.clone()).unwrap_or_default(),
                revision: row.revision,
                note: row.note.clone(),
                requested_by: names.get(&row.requested_by).cloned().unwrap_or_default(),
                requested_at: row.requested_at,
                status: status_of(&row),
                decided_by: row.decided_by.and_then(|id| names.get(&id).cloned()),
                decided_at: row.decided_at,
                comment: row.comment.clone(),
                changes: domain::change_words::describe(&live, &row.definition),
            }
        })
        .collect())
}

impl PageService {
    /// Whether the organization publishes only through approval.
    pub async fn publishing_settings(&self, actor: &SessionUser) -> Result<PublishingSettings> {
        crate::authorize(actor, Action::OpenAdmin, pages_of(actor))?;
        Ok(PublishingSettings {
            require_approval: self.requires_approval(actor.org_id).await?,
        })
    }

    pub async fn set_publishing_settings(
        &self,
        actor: &SessionUser,
        settings: PublishingSettings,
    ) -> Result<PublishingSettings> {
        self.write_publishing_settings(actor, settings, "settings changed")
            .await
    }

    /// The versions of the publishing settings, two compared (Admin).
    pub async fn publishing_history(
        &self,
        actor: &SessionUser,
        compare: CompareVersions,
    ) -> Result<SettingsHistory> {
        versions::settings_history(&self.db, actor, Versioned::PUBLISHING_SETTINGS, compare).await
    }

    /// Sets an earlier version of the publishing settings again, as a new version.
    pub async fn revert_publishing_settings(
        &self,
        actor: &SessionUser,
        request: RevertRequest,
    ) -> Result<PublishingSettings> {
        let (settings, note) =
            versions::settings_to_revert(&self.db, actor, Versioned::PUBLISHING_SETTINGS, request)
                .await?;
        self.write_publishing_settings(actor, settings, &note).await
    }

    async fn write_publishing_settings(
        &self,
        actor: &SessionUser,
        settings: PublishingSettings,
        note: &str,
    ) -> Result<PublishingSettings> {
        let organization = Resource::new(ResourceKind::Organization, actor.org_id);
        crate::authorize(actor, Action::ManageUsers, organization.clone())?;
        let before = self.requires_approval(actor.org_id).await?;
        let change = self
            .changes
            .begin(actor, AuditAction::OrganizationSettings, organization)
            .await?;
        organization::Entity::update_many()
            .col_expr(
                organization::Column::RequireApproval,
                Expr::value(settings.require_approval),
            )
            .filter(organization::Column::Id.eq(actor.org_id.get()))
            .exec(change.txn())
            .await?;
        let (before, after) = (
            json!({"require_approval": before}),
            json!({"require_approval": settings.require_approval}),
        );
        versions::keep_settings(
            &change,
            Versioned::PUBLISHING_SETTINGS,
            actor.id,
            (&before, &after),
            note,
        )
        .await?;
        change
            .commit(actor.org_id, Some(before), Some(after))
            .await?;
        Ok(settings)
    }

    pub(super) async fn requires_approval(&self, org_id: OrgId) -> Result<bool> {
        Ok(organization::Entity::find_by_id(org_id.get())
            .one(&self.db)
            .await?
            .is_some_and(|organization| organization.require_approval))
    }

    /// Refuses a direct publish where publishing needs approval.
    pub(super) async fn refuse_without_approval(&self, org_id: OrgId) -> Result<()> {
        if self.requires_approval(org_id).await? {
            return Err(Error::Conflict(
                "Publishing in this organization needs approval. Save the draft and choose Request approval.".to_owned(),
            ));
        }
        Ok(())
    }

    /// Asks for the page's revision `ask.base_revision` to be published.
    pub async fn request_approval(
        &self,
        actor: &SessionUser,
        id: i32,
        ask: ApprovalAsk,
    ) -> Result<ApprovalRequest> {
        crate::authorize(actor, Action::EditPage, pages_of(actor))?;
        let note = ask.note.trim().to_owned();
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(Error::validation(
                "note",
                &format!("use at most {MAX_NOTE_CHARS} characters"),
            ));
        }
        let current = Self::load_for(&self.db, actor, id, Action::EditPage).await?;
        if current.version != ask.base_revision {
            return Err(self.conflict(actor, &current).await);
        }
        self.validated(&current.definition)?;
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::PageApprovalRequest,
                page::Entity::resource(&current),
            )
            .await?;
        let now = change.now();
        // A newer request replaces a pending one: reviewers decide on the latest draft only.
        approval_request::Entity::delete_many()
            .filter(approval_request::Column::PageId.eq(id))
            .filter(approval_request::Column::Status.eq(ApprovalStatus::Pending.as_str()))
            .exec(change.txn())
            .await?;
        let created = approval_request::ActiveModel {
            org_id: Set(actor.org_id.get()),
            page_id: Set(id),
            revision: Set(current.version),
            definition: Set(current.definition.clone()),
            title: Set(current.title.clone()),
            note: Set(note.clone()),
            requested_by: Set(actor.id.get()),
            requested_at: Set(now),
            status: Set(ApprovalStatus::Pending.as_str().to_owned()),
            ..Default::default()
        }
        .insert(change.txn())
        .await?;
        change
            .commit(
                id,
                None,
                Some(json!({"revision": current.version, "note": note})),
            )
            .await?;
        let pages = HashMap::from([(current.id, current)]);
        Ok(described(&self.db, vec![created], &pages).await?.remove(0))
    }

    /// Requests waiting for the actor's decision: the organization's pending ones that
    /// somebody else asked for, oldest first.
    pub async fn approval_queue(&self, actor: &SessionUser) -> Result<Vec<ApprovalRequest>> {
        crate::authorize(actor, Action::PublishPage, pages_of(actor))?;
        let rows = approval_request::Entity::find()
            .filter(approval_request::Column::OrgId.eq(actor.org_id.get()))
            .filter(approval_request::Column::Status.eq(ApprovalStatus::Pending.as_str()))
            .filter(approval_request::Column::RequestedBy.ne(actor.id.get()))
            .order_by_asc(approval_request::Column::RequestedAt)
            .all(&self.db)
            .await?;
        let pages = self.pages_by_id(actor, &rows).await?;
        // Only pages the actor may publish: a page's grants choose its approvers.
        let rows = rows
            .into_iter()
            .filter(|row| {
                pages
                    .get(&row.page_id)
                    .is_some_and(|page| may(actor, Action::PublishPage, page))
            })
            .collect();
        described(&self.db, rows, &pages).await
    }

    /// Approves (publishing the requested revision) or rejects (with a comment) a request.
    pub async fn decide(
        &self,
        actor: &SessionUser,
        request_id: i32,
        decision: ApprovalDecision,
    ) -> Result<PageSummary> {
        crate::authorize(actor, Action::PublishPage, pages_of(actor))?;
        let comment = decision.comment.trim().to_owned();
        if !decision.approve && comment.is_empty() {
            return Err(Error::validation(
                "comment",
                "say why, so the requester knows what to change",
            ));
        }
        let request = approval_request::Entity::find_by_id(request_id)
            .filter(approval_request::Column::OrgId.eq(actor.org_id.get()))
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("approval request"))?;
        if status_of(&request) != ApprovalStatus::Pending {
            return Err(Error::Conflict(
                "This request was already decided.".to_owned(),
            ));
        }
        may_decide(domain::ids::UserId(request.requested_by), actor.id)
            .map_err(|message| Error::Conflict(message.to_owned()))?;
        let current = Self::load_for(&self.db, actor, request.page_id, Action::PublishPage).await?;
        if decision.approve && current.version != request.revision {
            return Err(Error::Conflict(
                "The draft changed after this request, so it is not what was asked for. The editor needs to request approval again.".to_owned(),
            ));
        }
        let action = if decision.approve {
            AuditAction::PageApprovalApprove
        } else {
            AuditAction::PageApprovalReject
        };
        let change = self
            .changes
            .begin(actor, action, page::Entity::resource(&current))
            .await?;
        let status = if decision.approve {
            ApprovalStatus::Approved
        } else {
            ApprovalStatus::Rejected
        };
        let decided = approval_request::Entity::update_many()
            .col_expr(
                approval_request::Column::Status,
                Expr::value(status.as_str()),
            )
            .col_expr(
                approval_request::Column::DecidedBy,
                Expr::value(actor.id.get()),
            )
            .col_expr(
                approval_request::Column::DecidedAt,
                Expr::value(change.now()),
            )
            .col_expr(
                approval_request::Column::Comment,
                Expr::value((!comment.is_empty()).then_some(comment.clone())),
            )
            .filter(approval_request::Column::Id.eq(request.id))
            .filter(approval_request::Column::Status.eq(ApprovalStatus::Pending.as_str()))
            .exec(change.txn())
            .await?;
        if decided.rows_affected != 1 {
            return Err(Error::Conflict(
                "This request was already decided.".to_owned(),
            ));
        }
        if decision.approve {
            let note = format!("published (approved by {})", actor.display_name);
            return self.publish_in(change, actor, &current, &note).await;
        }
        let summary = super::summarize(change.txn(), &current).await?;
        change
            .commit(
                current.id,
                None,
                Some(json!({"request": request.id, "rejected": comment})),
            )
            .await?;
        Ok(summary)
    }

    /// The latest request of each of these pages, for the pages screen.
    pub(super) async fn latest_reviews(
        &self,
        actor: &SessionUser,
        pages: &[page::Model],
    ) -> Result<HashMap<i32, ApprovalRequest>> {
        let ids: Vec<i32> = pages.iter().map(|page| page.id).collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = approval_request::Entity::find()
            .filter(approval_request::Column::OrgId.eq(actor.org_id.get()))
            .filter(approval_request::Column::PageId.is_in(ids))
            .order_by_desc(approval_request::Column::Id)
            .all(&self.db)
            .await?;
        let mut latest: HashMap<i32, approval_request::Model> = HashMap::new();
        for row in rows {
            latest.entry(row.page_id).or_insert(row);
        }
        let by_id: HashMap<i32, page::Model> =
            pages.iter().map(|page| (page.id, page.clone())).collect();
        Ok(described(&self.db, latest.into_values().collect(), &by_id)
            .await?
            .into_iter()
            .map(|request| (request.page_id, request))
            .collect())
    }

    async fn pages_by_id(
        &self,
        actor: &SessionUser,
        rows: &[approval_request::Model],
    ) -> Result<HashMap<i32, page::Model>> {
        let ids: Vec<i32> = rows.iter().map(|row| row.page_id).collect();
        Ok(scoped::all_in::<page::Entity>(actor.org_id)
            .filter(page::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|page| (page.id, page))
            .collect())
    }
}
