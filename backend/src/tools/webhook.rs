//! Inbound webhooks: a signed URL per tool, turned on through an audited change; each call
//! is stored only when its HMAC signature matches.

use domain::{
    Action,
    audit::AuditAction,
    dto::{SessionUser, WebhookSetup},
    ids::OrgId,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use super::{ToolService, WEBHOOK_SIGNING, next_stamp, tools_of};
use crate::{
    Error, Result,
    entities::{tool, webhook_event},
    scoped::OrgScoped,
};

/// A stored webhook call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceivedWebhook {
    pub id: i32,
    pub org_id: OrgId,
    pub tool_id: i32,
}

impl ToolService {
    /// Turns on (or re-keys) the tool's inbound webhook. The signing secret is shown this
    /// once and stored encrypted; callers sign each body with HMAC-SHA256.
    pub async fn enable_webhook(&self, actor: &SessionUser, tool_id: i32) -> Result<WebhookSetup> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let tool = self.in_org(actor, tool_id, Action::ManageTools).await?;
        let token = crate::auth::random_token();
        let signing_secret = crate::auth::random_token();
        let mut config = tool.config.clone();
        if let Value::Object(map) = &mut config {
            map.insert("webhook_token".into(), Value::String(token.clone()));
        }
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::ToolWebhookEnabled,
                tool::Entity::resource(&tool),
            )
            .await?;
        let mut active: tool::ActiveModel = tool.clone().into();
        active.config = Set(config);
        active.updated_at = Set(next_stamp(change.now(), tool.updated_at));
        active.update(change.txn()).await?;
        self.store_secret(
            change.txn(),
            tool.id,
            WEBHOOK_SIGNING,
            &signing_secret,
            change.now(),
        )
        .await?;
        change
            .commit(
                tool.id,
                None,
                Some(json!({"webhook": "enabled", "signing_secret": "replaced"})),
            )
            .await?;
        Ok(WebhookSetup {
            url_path: format!("/api/hooks/{}/{token}", tool.slug),
            signing_secret,
        })
    }

    /// Stores an inbound webhook call if its `sha256=<hex>` HMAC signature of the raw body
    /// matches the tool's signing secret. Unknown hooks are "not found"; bad signatures
    /// "unauthenticated"; nothing is stored for either.
    pub async fn receive_webhook(
        &self,
        slug: &str,
        token: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<ReceivedWebhook> {
        use hmac::{Hmac, Mac};
        let candidates = tool::Entity::find()
            .filter(tool::Column::Slug.eq(slug))
            .all(&self.db)
            .await?;
        let tool = candidates
            .into_iter()
            .find(|tool| {
                let stored = tool
                    .config
                    .get("webhook_token")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                !stored.is_empty()
                    && crate::auth::constant_time_eq(stored.as_bytes(), token.as_bytes())
            })
            .ok_or(Error::NotFound("webhook"))?;
        let envelope = self
            .stored_secret(tool.id, WEBHOOK_SIGNING)
            .await?
            .ok_or(Error::NotFound("webhook"))?;
        let key = self.keyring.decrypt(&envelope).map_err(|err| {
            Error::internal_from(format!("webhook secret of tool {}", tool.id), err)
        })?;
        let signature = signature
            .and_then(|header| header.trim().strip_prefix("sha256="))
            .and_then(|hex_digest| hex::decode(hex_digest).ok())
            .ok_or(Error::Unauthenticated)?;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key)
            .map_err(|err| Error::internal_from("webhook signing key", err))?;
        mac.update(body);
        mac.verify_slice(&signature)
            .map_err(|_| Error::Unauthenticated)?;
        let payload: Value = serde_json::from_slice(body)
            .map_err(|_| Error::validation("body", "the webhook body must be JSON"))?;
        let event = webhook_event::ActiveModel {
            org_id: Set(tool.org_id),
            tool_id: Set(tool.id),
            payload: Set(payload),
            received_at: Set(self.changes.now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(ReceivedWebhook {
            id: event.id,
            org_id: OrgId(event.org_id),
            tool_id: event.tool_id,
        })
    }
}
