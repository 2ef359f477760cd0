//! The history of an object: every saved state is a numbered version with who, when and a
//! note; any two compare in words (and as a JSON Patch), and reverting to one writes it as a
//! new version, so history is never rewritten. Pages use it first; every versioned kind
//! (tools, roles, workflows, alerts) shows its history the same way.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dto::PageSummary;

/// One saved state in an object's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub version: i32,
    pub at: DateTime<Utc>,
    /// Who saved it (display name), when known.
    pub by: Option<String>,
    /// What the change was: "published", "draft saved", "reverted to version 3".
    pub note: String,
}

/// Two versions compared: `from` → `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionComparison {
    pub from: i32,
    pub to: i32,
    /// Field by field in words (`crate::change_words`).
    pub changes: Vec<String>,
    /// RFC 6902 JSON Patch from `from` to `to`.
    pub patch: serde_json::Value,
}

/// What the history screen of a page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageHistory {
    pub page: PageSummary,
    /// Newest first.
    pub versions: Vec<VersionSummary>,
    /// The version viewers see, if the page is published.
    pub live_version: Option<i32>,
    pub comparison: Option<VersionComparison>,
}

/// What the history screen of a custom role shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleHistory {
    pub role: crate::roles::RoleSummary,
    /// Newest first.
    pub versions: Vec<VersionSummary>,
    pub comparison: Option<VersionComparison>,
}

/// What the history screen of a tool shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolHistory {
    pub tool: crate::dto::ToolSummary,
    /// Newest first.
    pub versions: Vec<VersionSummary>,
    /// The newest version's number (0 before the first), sent back with a revert.
    pub revision: i32,
    pub comparison: Option<VersionComparison>,
}

/// What the history screen of a page's or tool's grants shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessHistory {
    /// The page's or tool's id and name.
    pub id: i32,
    pub name: String,
    /// Newest first.
    pub versions: Vec<VersionSummary>,
    /// The grants' revision, sent back with a revert.
    pub revision: i32,
    pub comparison: Option<VersionComparison>,
}

/// What the history screen of one of an organization's settings shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingsHistory {
    /// Newest first.
    pub versions: Vec<VersionSummary>,
    /// The newest version's number (0 before the first), sent back with a revert.
    pub revision: i32,
    pub comparison: Option<VersionComparison>,
}

/// Which versions to compare; unset means "the one before `to`" and "the newest".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareVersions {
    pub from: Option<i32>,
    pub to: Option<i32>,
}

/// "Revert to this version", against the revision (page or role version) the screen showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevertRequest {
    pub version: i32,
    pub base_revision: i32,
}
