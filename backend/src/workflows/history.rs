//! A workflow's history: every created, saved and reverted state as a version, compared
//! step by step in words, and "Revert to this version", which writes the old state back as
//! a new version. A running workflow keeps running its version until it is turned on again.

use domain::{
    access::ResourceKind,
    audit::AuditAction,
    dto::SessionUser,
    versions::{CompareVersions, RevertRequest},
    workflow::{
        WorkflowDefinition,
        wire::{WorkflowDraft, WorkflowHistory},
    },
};
use serde_json::Value;

use super::{WorkflowService, parsed, snapshot, stale};
use crate::{Error, Result, entities::workflow, scoped::OrgScoped, versions};

/// A version as comparisons read it: steps by id (so a changed step reads as that step's
/// fields), connections as "from → to" lines, the name and description beside them.
fn comparable(snapshot: &Value) -> Value {
    let definition = snapshot.get("definition").cloned().unwrap_or(Value::Null);
    let parsed: Option<WorkflowDefinition> = serde_json::from_value(definition.clone()).ok();
    let mut view = serde_json::Map::new();
    for field in ["name", "description"] {
        view.insert(
            field.to_owned(),
            snapshot.get(field).cloned().unwrap_or(Value::Null),
        );
    }
    match parsed {
        Some(definition) => {
            let steps = definition
                .nodes
                .iter()
                .map(|node| {
                    let mut step = serde_json::to_value(&node.step).unwrap_or(Value::Null);
                    if let Some(fields) = step.as_object_mut() {
                        fields.insert("label".to_owned(), Value::String(node.title().to_owned()));
                    }
                    (node.id.clone(), step)
                })
                .collect();
            let connections = definition
                .edges
                .iter()
                .map(|edge| {
                    Value::String(format!(
                        "{} → {} ({})",
                        edge.from,
                        edge.to,
                        edge.port.label()
                    ))
                })
                .collect();
            view.insert("steps".to_owned(), Value::Object(steps));
            view.insert("connections".to_owned(), Value::Array(connections));
        }
        None => {
            view.insert("definition".to_owned(), definition);
        }
    }
    Value::Object(view)
}

impl WorkflowService {
    /// The workflow's versions, newest first, and two of them compared (by default the
    /// newest against the one before it).
    pub async fn history(
        &self,
        actor: &SessionUser,
        id: i32,
        compare: CompareVersions,
    ) -> Result<WorkflowHistory> {
        let model = self.load(actor, id).await?;
        let listed = versions::list(&self.db, ResourceKind::Workflow, actor.org_id, id).await?;
        let comparison = versions::compare_listed(&listed, compare, comparable)?;
        Ok(WorkflowHistory {
            workflow: self.summary(actor, &model).await?,
            versions: listed.into_iter().map(|(summary, _)| summary).collect(),
            comparison,
        })
    }

    /// Makes an earlier version the working definition again, as a new version, if
    /// `request.base_revision` is still the working revision.
    pub async fn revert(
        &self,
        actor: &SessionUser,
        id: i32,
        request: RevertRequest,
    ) -> Result<WorkflowDraft> {
        let current = self.load(actor, id).await?;
        if current.revision != request.base_revision {
            return Err(stale(&current));
        }
        let chosen = versions::load(
            &self.db,
            ResourceKind::Workflow,
            actor.org_id,
            id,
            request.version,
        )
        .await?;
        let text = |field: &str| {
            chosen
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let definition =
            parsed(chosen.get("definition").unwrap_or(&Value::Null)).map_err(|_| {
                Error::validation(
                    "version",
                    "this version's definition is no longer understood",
                )
            })?;
        let (name, description) = (text("name"), text("description"));
        let before = snapshot(&current.name, &current.description, &current.definition);
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::WorkflowRevert,
                workflow::Entity::resource(&current),
            )
            .await?;
        let note = format!("reverted to version {}", request.version);
        self.write(
            &change,
            actor,
            &current,
            (&name, &description, &definition),
            &note,
        )
        .await?;
        let after = snapshot(&name, &description, &super::canonical(&definition)?);
        change.commit(id, Some(before), Some(after)).await?;
        self.get(actor, id).await
    }
}
