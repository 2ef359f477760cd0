//! Approvals: with the organization's setting on, a page reaches viewers only when someone
//! other than its requester approves the exact revision that was requested (four eyes).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UserId;

pub const MAX_NOTE_CHARS: usize = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|status| status.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "In review",
            ApprovalStatus::Approved => "Approved",
            ApprovalStatus::Rejected => "Rejected",
        }
    }
}

/// A request to publish one revision of a page, and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    pub id: i32,
    pub page_id: i32,
    pub page_title: String,
    pub page_slug: String,
    /// The page revision that was requested; approving publishes exactly this.
    pub revision: i32,
    pub note: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub status: ApprovalStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected (required then), or the approver's remark.
    pub comment: Option<String>,
    /// What publishing it changes for viewers, in words (`crate::change_words`).
    pub changes: Vec<String>,
}

/// "Request approval" from the pages screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalAsk {
    pub base_revision: i32,
    #[serde(default)]
    pub note: String,
}

/// An approver's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalDecision {
    pub approve: bool,
    #[serde(default)]
    pub comment: String,
}

/// The organization's publishing setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishingSettings {
    pub require_approval: bool,
}

/// Four eyes: nobody decides on their own request.
pub fn may_decide(requester: UserId, approver: UserId) -> Result<(), &'static str> {
    if requester == approver {
        Err("You asked for this approval; someone else with the right to publish must decide.")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_decides_on_their_own_request() {
        assert!(may_decide(UserId(1), UserId(1)).is_err());
        assert_eq!(may_decide(UserId(1), UserId(2)), Ok(()));
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in [
            ApprovalStatus::Pending,
            ApprovalStatus::Approved,
            ApprovalStatus::Rejected,
        ] {
            assert_eq!(ApprovalStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ApprovalStatus::parse("maybe"), None);
    }
}
