//! A page's history: every created, saved, published and reverted state as a version,
//! compared at widget and field level, and "Revert to this version", which writes the old
//! state as a new version. Reverting a published page is a rollback: the draft and what
//! viewers see switch to the chosen version in one statement.

use domain::{
    Action,
    access::ResourceKind,
    audit::AuditAction,
    dto::{PageStatus, PageSummary, SessionUser},
    versions::{CompareVersions, PageHistory, RevertRequest},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use super::{PageService, next_version, pages_of, summarize};
use crate::{
    Result,
    entities::page,
    scoped::OrgScoped,
    versions::{self, NewVersion},
};

/// What a page version keeps.
pub(crate) fn snapshot(title: &str, definition: &Value) -> Value {
    json!({"title": title, "definition": definition})
}

/// A snapshot as comparisons read it: the definition with the title beside its fields, so
/// widgets are compared one by one and a renamed page reads "title: 'A' → 'B'".
fn comparable(snapshot: &Value) -> Value {
    let mut view = snapshot.get("definition").cloned().unwrap_or(Value::Null);
    if let Some(fields) = view.as_object_mut() {
        fields.insert(
            "title".to_owned(),
            snapshot.get("title").cloned().unwrap_or(Value::Null),
        );
    }
    view
}

impl PageService {
    /// The page's versions, newest first, which one viewers see, and a comparison of two of
    /// them (by default the newest against the one before it).
    pub async fn history(
        &self,
        actor: &SessionUser,
        id: i32,
        compare: CompareVersions,
    ) -> Result<PageHistory> {
        crate::authorize(actor, Action::EditPage, pages_of(actor))?;
        let model = Self::load_for(&self.db, actor, id, Action::EditPage).await?;
        let listed = versions::list(&self.db, ResourceKind::Page, actor.org_id, id).await?;
        let live_version = model.published_definition.as_ref().and_then(|published| {
            listed
                .iter()
                .find(|(_, snapshot)| snapshot.get("definition") == Some(published))
                .map(|(summary, _)| summary.version)
        });
        let comparison = versions::compare_listed(&listed, compare, comparable)?;
        Ok(PageHistory {
            page: summarize(&self.db, &model).await?,
            versions: listed.into_iter().map(|(summary, _)| summary).collect(),
            live_version,
            comparison,
        })
    }

    /// Makes an earlier version the page's current state, as a new version. For a published
    /// page viewers switch to it too (which needs the right to publish).
    pub async fn revert(
        &self,
        actor: &SessionUser,
        id: i32,
        request: RevertRequest,
    ) -> Result<PageSummary> {
        crate::authorize(actor, Action::EditPage, pages_of(actor))?;
        let current = Self::load_for(&self.db, actor, id, Action::EditPage).await?;
        let resource = page::Entity::resource(&current);
        let published = current.published_definition.is_some();
        if published {
            crate::authorize(actor, Action::PublishPage, resource.clone())?;
        }
        let chosen = versions::load(
            &self.db,
            ResourceKind::Page,
            actor.org_id,
            id,
            request.version,
        )
        .await?;
        if current.version != request.base_revision {
            return Err(self.conflict(actor, &current).await);
        }
        let title = chosen
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or(&current.title)
            .to_owned();
        let definition = chosen.get("definition").cloned().unwrap_or(Value::Null);
        // Today's rules apply: a version naming a tool that is gone cannot come back live.
        let definition = self.validated(&definition)?;
        self.refuse_unusable_tools(actor, &definition, Some(&current.definition))
            .await?;
        let canonical = definition.to_canonical_json();
        let change = self
            .changes
            .begin(actor, AuditAction::PageRevert, resource)
            .await?;
        let now = change.now();
        let mut update = page::ActiveModel {
            title: Set(title.clone()),
            definition: Set(canonical.clone()),
            updated_by: Set(Some(actor.id.get())),
            updated_at: Set(now),
            ..Default::default()
        };
        if published {
            update.published_definition = Set(Some(canonical.clone()));
            update.status = Set(PageStatus::Published.as_str().to_owned());
            update.published_at = Set(Some(now));
        }
        let updated = page::Entity::update_many()
            .set(update)
            .col_expr(page::Column::Version, next_version())
            .filter(page::Column::Id.eq(id))
            .filter(page::Column::Version.eq(request.base_revision))
            .exec(change.txn())
            .await?;
        if updated.rows_affected == 0 {
            drop(change);
            return Err(self.lost_race(actor, id).await);
        }
        let note = format!("reverted to version {}", request.version);
        versions::record(
            change.txn(),
            NewVersion {
                kind: ResourceKind::Page.into(),
                org_id: actor.org_id,
                resource_id: id,
                version: request.base_revision + 1,
                snapshot: snapshot(&title, &canonical),
                note: &note,
                by: Some(actor.id),
                at: now,
            },
        )
        .await?;
        let before = comparable(&snapshot(&current.title, &current.definition));
        let mut after = comparable(&snapshot(&title, &canonical));
        after["reverted_to"] = json!(request.version);
        Self::commit_and_summarize(change, actor, id, before, after).await
    }
}
