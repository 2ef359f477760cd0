//! What recent calls said about each tool.

use std::{collections::HashMap, sync::Mutex};

use chrono::{DateTime, Utc};
use domain::tool::ToolStatus;

use super::ConnectorError;
use super::RegisteredTool;

/// What the latest real calls said about each tool, beside explicit connection tests:
/// widgets and forms exercise tools far more often than admins press Test.
#[derive(Default)]
pub struct ToolHealth {
    observed: Mutex<HashMap<i32, Observation>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub status: ToolStatus,
    pub message: String,
    pub at: DateTime<Utc>,
}

impl ToolHealth {
    pub fn get(&self, tool_id: i32) -> Option<Observation> {
        self.observed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&tool_id)
            .cloned()
    }

    /// Keeps what a call says about the tool itself: an answer, rejected credentials or
    /// the tool being down. A 404 for one path or a refused value says nothing about it.
    pub(super) fn record(&self, tool: &RegisteredTool, result: Result<(), &ConnectorError>) {
        let (status, message) = match result {
            Ok(_) => (
                ToolStatus::Ok,
                format!("{} answered a recent request.", tool.name),
            ),
            Err(err)
                if err.is_tool_failure() || err.status() == ToolStatus::CredentialsRejected =>
            {
                (err.status(), err.to_string())
            }
            Err(_) => return,
        };
        self.observed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(
                tool.id,
                Observation {
                    status,
                    message,
                    at: Utc::now(),
                },
            );
    }
}
