//! Runs: what the engine accepted, and how each step went.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

macro_rules! stored_names {
    ($name:ident { $($(#[$doc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$doc])* $variant,)+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                [$($name::$variant,)+].into_iter().find(|value| value.as_str() == text)
            }
        }
    };
}

stored_names!(RunStatus {
    Queued => "queued",
    Running => "running",
    Succeeded => "succeeded",
    Failed => "failed",
    Cancelled => "cancelled",
});

stored_names!(StepStatus {
    Running => "running",
    /// Due again later: a retry after a failed attempt, or a delay.
    Waiting => "waiting",
    Succeeded => "succeeded",
    Failed => "failed",
    Skipped => "skipped",
});

impl RunStatus {
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            RunStatus::Succeeded | RunStatus::Failed | RunStatus::Cancelled
        )
    }
}

/// A run in the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: i32,
    pub workflow_id: i32,
    pub workflow: String,
    /// The workflow version it started on and keeps.
    pub version: i32,
    pub status: RunStatus,
    pub trigger: String,
    /// Who started it by hand, if someone did.
    pub started_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

/// One step of a run, in the order the steps started.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRun {
    pub node: String,
    pub title: String,
    pub status: StepStatus,
    /// The way out it took (`next`, `true`, `false`, `error`).
    pub port: Option<String>,
    pub attempt: i32,
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    pub run: RunSummary,
    /// The trigger's payload.
    pub input: Value,
    pub steps: Vec<StepRun>,
}

/// `POST /api/workflows/execute`: start a workflow (by slug) by hand with `input` as its
/// trigger's payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecuteWorkflow {
    pub workflow: String,
    #[serde(default)]
    pub input: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStarted {
    pub run_id: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_stored_names() {
        for status in [
            RunStatus::Queued,
            RunStatus::Running,
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::Cancelled,
        ] {
            assert_eq!(RunStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
        assert_eq!(StepStatus::parse("waiting"), Some(StepStatus::Waiting));
        assert_eq!(StepStatus::parse("paused"), None);
        assert!(RunStatus::Failed.is_finished() && !RunStatus::Running.is_finished());
    }
}
