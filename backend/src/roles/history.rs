//! A custom role's history: every created, changed and reverted state as a version, compared
//! in words, and "Revert to this version", which writes the old state as a new version. Its
//! users get the reverted actions from their next request on, like any other change.

use domain::{
    Action,
    access::ResourceKind,
    audit::AuditAction,
    dto::SessionUser,
    roles::{RoleDraft, RoleSummary, check_role_draft},
    versions::{CompareVersions, RevertRequest, RoleHistory},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

use super::{RoleService, Written, custom_summary, find, roles_of};
use crate::{Error, Result, entities::user, versions};

/// A role's snapshot as comparisons read it: its actions by label, so a change reads
/// "may → Read the audit trail: added" rather than as a list that grew.
fn comparable(snapshot: &Value) -> Value {
    let may: serde_json::Map<String, Value> = snapshot
        .get("actions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|name| name.as_str().and_then(Action::parse))
        .map(|action| (action.label().to_owned(), Value::from("allowed")))
        .collect();
    serde_json::json!({"name": snapshot.get("name"), "may": may})
}

impl RoleService {
    /// The role's versions, newest first, and a comparison of two of them (by default the
    /// newest against the one before it).
    pub async fn history(
        &self,
        actor: &SessionUser,
        key: &str,
        compare: CompareVersions,
    ) -> Result<RoleHistory> {
        crate::authorize(actor, Action::ManageUsers, roles_of(actor))?;
        let model = find(&self.db, actor.org_id, key)
            .await?
            .ok_or(Error::NotFound("role"))?;
        let listed = versions::list(&self.db, ResourceKind::Role, actor.org_id, model.id).await?;
        let comparison = versions::compare_listed(&listed, compare, comparable)?;
        let users = user::Entity::find()
            .filter(user::Column::OrgId.eq(actor.org_id.get()))
            .filter(user::Column::Role.eq(key))
            .count(&self.db)
            .await?;
        Ok(RoleHistory {
            role: custom_summary(&model, users),
            versions: listed.into_iter().map(|(summary, _)| summary).collect(),
            comparison,
        })
    }

    /// Makes an earlier version the role's name and actions again, as a new version, against
    /// `request.base_revision` (the role's version the screen showed).
    pub async fn revert(
        &self,
        actor: &SessionUser,
        key: &str,
        request: RevertRequest,
    ) -> Result<RoleSummary> {
        crate::authorize(actor, Action::ManageUsers, roles_of(actor))?;
        let current = find(&self.db, actor.org_id, key)
            .await?
            .ok_or(Error::NotFound("role"))?;
        let chosen = versions::load(
            &self.db,
            ResourceKind::Role,
            actor.org_id,
            current.id,
            request.version,
        )
        .await?;
        let text = |field: &str| {
            chosen
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let actions = chosen
            .get("actions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|action| action.as_str().map(str::to_owned))
            .collect();
        // Today's rules apply to the old state, as to any edit.
        let checked = check_role_draft(&RoleDraft {
            key: current.key.clone(),
            name: text("name").to_owned(),
            actions,
            version: request.base_revision,
        })
        .map_err(Error::Validation)?;
        let note = format!("reverted to version {}", request.version);
        self.write(
            actor,
            &current,
            Written {
                name: checked.name,
                actions: checked.actions,
                base_version: request.base_revision,
                action: AuditAction::RoleRevert,
                note: &note,
            },
        )
        .await
    }
}
