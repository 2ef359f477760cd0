//! A tool's history: every registered, changed and reverted state of its settings (name,
//! address, auth settings, endpoints, statements — never credentials) as a version, compared
//! in words, and "Revert to this version", which writes the old settings as a new version.

use domain::{
    Action,
    access::ResourceKind,
    audit::AuditAction,
    dto::{SessionUser, ToolEdit, ToolSummary},
    tool::{ToolAuth, ToolSettings},
    versions::{CompareVersions, RevertRequest, ToolHistory},
};
use sea_orm::EntityTrait;
use serde_json::Value;

use super::{ToolService, edit::Revision, tools_of};
use crate::{Error, Result, entities::tool_sample, versions};

/// A tool version as comparisons read it: its settings with their defaults filled in (an
/// edit writes them all, registration only those given), beside the name and address.
fn comparable(snapshot: &Value) -> Value {
    let config = snapshot.get("config").cloned().unwrap_or(Value::Null);
    let mut view = match &config {
        Value::Object(map) => map.clone(),
        _ => Default::default(),
    };
    ToolSettings::lenient(&config).write_into(&mut view);
    for field in ["name", "base_url"] {
        view.insert(
            field.to_owned(),
            snapshot.get(field).cloned().unwrap_or(Value::Null),
        );
    }
    Value::Object(view)
}

impl ToolService {
    /// The tool's versions, newest first, and a comparison of two of them (by default the
    /// newest against the one before it).
    pub async fn history(
        &self,
        actor: &SessionUser,
        tool_id: i32,
        compare: CompareVersions,
    ) -> Result<ToolHistory> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let tool = self.in_org(actor, tool_id, Action::ManageTools).await?;
        let listed = versions::list(&self.db, ResourceKind::Tool, actor.org_id, tool.id).await?;
        let comparison = versions::compare_listed(&listed, compare, comparable)?;
        Ok(ToolHistory {
            tool: self.summarize(&tool).await?,
            revision: listed.first().map_or(0, |(summary, _)| summary.version),
            versions: listed.into_iter().map(|(summary, _)| summary).collect(),
            comparison,
        })
    }

    /// Makes an earlier version the tool's settings again, as a new version, if
    /// `request.base_revision` is still the newest. Stored credentials stay, unless the old
    /// settings use no credentials at all (as when an edit switches auth to "none").
    pub async fn revert(
        &self,
        actor: &SessionUser,
        tool_id: i32,
        request: RevertRequest,
    ) -> Result<ToolSummary> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let tool = self.in_org(actor, tool_id, Action::ManageTools).await?;
        let chosen = versions::load(
            &self.db,
            ResourceKind::Tool,
            actor.org_id,
            tool.id,
            request.version,
        )
        .await?;
        let config = chosen.get("config").cloned().unwrap_or(Value::Null);
        let text = |field: &str| {
            chosen
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let auth: ToolAuth = match config.get("auth") {
            Some(auth) => serde_json::from_value(auth.clone()).map_err(|_| {
                Error::validation(
                    "auth",
                    "this version's auth settings are no longer understood",
                )
            })?,
            None => ToolAuth::default(),
        };
        let sample = tool_sample::Entity::find_by_id(tool.id)
            .one(&self.db)
            .await?
            .map(|row| row.body);
        let edit = ToolEdit {
            name: text("name"),
            base_url: text("base_url"),
            auth,
            settings: ToolSettings::lenient(&config),
            sample_response: sample,
            base_updated_at: Some(tool.updated_at),
        };
        // Today's rules apply to the old settings, as to any edit.
        edit.validate().map_err(Error::Validation)?;
        let note = format!("reverted to version {}", request.version);
        self.write(
            actor,
            tool,
            edit,
            config,
            Revision {
                action: AuditAction::ToolRevert,
                note: &note,
                base_version: Some(request.base_revision),
            },
        )
        .await
    }
}
