//! What the workflow screens and API send and receive.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::WorkflowDefinition;
use crate::ValidationIssue;
use crate::versions::{VersionComparison, VersionSummary};

/// A workflow in the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowSummary {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// The trigger's type (`schedule`, `tool_event`…), when there is one trigger.
    pub trigger: Option<String>,
    /// The working definition's revision, sent back with saves and "turn on".
    pub revision: i32,
    pub enabled: bool,
    /// The version the engine runs while enabled.
    pub enabled_version: Option<i32>,
    /// How many problems keep the working definition from being turned on.
    pub problems: usize,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
}

impl WorkflowSummary {
    /// Saved since it was turned on: the running version is not the working one.
    pub fn has_unpublished_changes(&self) -> bool {
        self.enabled && self.enabled_version != Some(self.revision)
    }
}

/// What the editor opens: the working definition with what keeps it from being turned on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowDraft {
    pub workflow: WorkflowSummary,
    pub definition: WorkflowDefinition,
    pub issues: Vec<ValidationIssue>,
}

/// A new workflow: a blank one (a manual start) unless a definition is given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewWorkflow {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<Value>,
}

/// A save from the editor: guarded by the revision it started from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaveWorkflow {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub definition: Value,
    pub base_revision: i32,
}

/// "Turn on": runs the working definition at this revision from now on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnableWorkflow {
    pub base_revision: i32,
}

/// What the history screen of a workflow shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowHistory {
    pub workflow: WorkflowSummary,
    /// Newest first.
    pub versions: Vec<VersionSummary>,
    pub comparison: Option<VersionComparison>,
}
