//! The audit trail: every mutation writes one row, in the same transaction as the change,
//! with the JSON Patch from the old state to the new.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use serde_json::Value;

use crate::{SessionUser, entities::audit_log};

/// Who did something: a signed-in user, or the system itself (first-boot bootstrap).
#[derive(Clone, Copy, Debug)]
pub enum AuditActor<'a> {
    User(&'a SessionUser),
    System,
}

pub struct AuditEntry<'a> {
    pub org_id: i32,
    pub actor: AuditActor<'a>,
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: String,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

impl<'a> AuditEntry<'a> {
    /// An entry for a signed-in user's action in their organization; add `before`/`after`.
    pub fn by(
        actor: &'a SessionUser,
        action: &'a str,
        resource_type: &'a str,
        resource_id: String,
    ) -> Self {
        AuditEntry {
            org_id: actor.org_id,
            actor: AuditActor::User(actor),
            action,
            resource_type,
            resource_id,
            before: None,
            after: None,
        }
    }
}

pub async fn record(conn: &impl ConnectionTrait, entry: AuditEntry<'_>) -> Result<(), DbErr> {
    let before = entry.before.cloned().unwrap_or(Value::Null);
    let after = entry.after.cloned().unwrap_or(Value::Null);
    let diff = serde_json::to_value(json_patch::diff(&before, &after))
        .map_err(|err| DbErr::Custom(err.to_string()))?;
    let (actor_id, actor_email) = match entry.actor {
        AuditActor::User(user) => (Some(user.id), user.email.clone()),
        AuditActor::System => (None, "system".to_owned()),
    };
    audit_log::ActiveModel {
        org_id: Set(entry.org_id),
        actor_id: Set(actor_id),
        actor_email: Set(actor_email),
        action: Set(entry.action.to_owned()),
        resource_type: Set(entry.resource_type.to_owned()),
        resource_id: Set(entry.resource_id),
        diff: Set(Some(diff)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
