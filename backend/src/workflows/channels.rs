//! Notification channels (Admin, Integrator): add, change, delete, list — never returning a
//! secret — and "Send test message". Sending goes through the connector as a one-off target,
//! so a channel's address gets the same URL guard, redirect rules, size cap and error words
//! as a tool, and an `Idempotency-Key` header that stays the same on retries.

use std::sync::Arc;

use domain::{
    Action,
    access::{Resource, ResourceKind},
    audit::AuditAction,
    dto::SessionUser,
    ids::OrgId,
    page::{HttpMethod, RequestSpec},
    request::{JsonTemplate, RequestBody},
    tool::ToolAuth,
    workflow::{
        ChannelKind,
        channel::{ChannelInput, ChannelSettings, ChannelSummary, ChannelTest},
    },
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

use crate::{
    Error, Result,
    change::Changes,
    connector::{CHANNEL_KIND, ConnectorError, ConnectorService, RegisteredTool, ToolTarget},
    crypto::Keyring,
    entities::channel,
    scoped::{self, OrgScoped},
};

fn channels_of(actor: &SessionUser) -> Resource {
    Resource::new(ResourceKind::Channel, actor.org_id)
}

/// Where PagerDuty's Events API v2 lives when a channel names no other address.
pub const PAGERDUTY_EVENTS: &str = "https://events.pagerduty.com";

fn kind_of(model: &channel::Model) -> Result<ChannelKind> {
    ChannelKind::parse(&model.kind)
        .ok_or_else(|| Error::internal(format!("channel {} has kind {}", model.id, model.kind)))
}

fn settings_of(model: &channel::Model) -> ChannelSettings {
    serde_json::from_value(model.settings.clone()).unwrap_or_default()
}

fn summary(model: &channel::Model) -> Result<ChannelSummary> {
    Ok(ChannelSummary {
        id: model.id,
        name: model.name.clone(),
        kind: kind_of(model)?,
        settings: settings_of(model),
        has_secret: model.secret_ciphertext.is_some(),
        updated_at: model.updated_at,
    })
}

/// What is kept of a channel in the audit trail: its settings, and only whether it has a secret.
fn snapshot(model: &channel::Model) -> Value {
    json!({"name": model.name, "kind": model.kind, "settings": model.settings,
           "has_secret": model.secret_ciphertext.is_some()})
}

/// A channel ready to send: its row and its secret in the clear.
pub(crate) struct Outgoing {
    pub model: channel::Model,
    pub kind: ChannelKind,
    pub settings: ChannelSettings,
    pub secret: Option<String>,
}

#[derive(Clone)]
pub struct ChannelService {
    db: DatabaseConnection,
    changes: Changes,
    keyring: Arc<Keyring>,
    connectors: Arc<ConnectorService>,
}

impl ChannelService {
    pub fn new(
        db: DatabaseConnection,
        changes: Changes,
        keyring: Arc<Keyring>,
        connectors: Arc<ConnectorService>,
    ) -> Self {
        Self {
            db,
            changes,
            keyring,
            connectors,
        }
    }

    pub async fn list(&self, actor: &SessionUser) -> Result<Vec<ChannelSummary>> {
        crate::authorize(actor, Action::ManageWorkflows, channels_of(actor))?;
        scoped::all_in::<channel::Entity>(actor.org_id)
            .order_by_asc(channel::Column::Name)
            .all(&self.db)
            .await?
            .iter()
            .map(summary)
            .collect()
    }

    async fn load(&self, actor: &SessionUser, id: i32) -> Result<channel::Model> {
        crate::authorize(actor, Action::ManageWorkflows, channels_of(actor))?;
        scoped::load::<channel::Entity>(&self.db, actor.org_id, id).await
    }

    pub async fn create(&self, actor: &SessionUser, input: ChannelInput) -> Result<ChannelSummary> {
        crate::authorize(actor, Action::ManageWorkflows, channels_of(actor))?;
        let issues = input.issues(false);
        if !issues.is_empty() {
            return Err(Error::Validation(issues));
        }
        let change = self
            .changes
            .begin(actor, AuditAction::ChannelCreate, channels_of(actor))
            .await?;
        let now = change.now();
        let name = input.name.trim().to_owned();
        let model = channel::ActiveModel {
            org_id: Set(actor.org_id.get()),
            name: Set(name.clone()),
            kind: Set(input.kind.as_str().to_owned()),
            settings: Set(serde_json::to_value(&input.settings).unwrap_or(Value::Null)),
            secret_ciphertext: Set(self.sealed(input.secret.as_deref())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(change.txn())
        .await
        .map_err(|err| {
            Error::from_unique_violation(err, format!("A channel named {name} already exists."))
        })?;
        change
            .commit(model.id, None, Some(snapshot(&model)))
            .await?;
        summary(&model)
    }

    /// Changes a channel; without a new secret the stored one stays.
    pub async fn update(
        &self,
        actor: &SessionUser,
        id: i32,
        input: ChannelInput,
    ) -> Result<ChannelSummary> {
        let current = self.load(actor, id).await?;
        let issues = input
            .issues(current.secret_ciphertext.is_some() && input.kind.as_str() == current.kind);
        if !issues.is_empty() {
            return Err(Error::Validation(issues));
        }
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::ChannelUpdate,
                channel::Entity::resource(&current),
            )
            .await?;
        let mut row: channel::ActiveModel = current.clone().into();
        let name = input.name.trim().to_owned();
        row.name = Set(name.clone());
        row.kind = Set(input.kind.as_str().to_owned());
        row.settings = Set(serde_json::to_value(&input.settings).unwrap_or(Value::Null));
        if let Some(sealed) = self.sealed(input.secret.as_deref()) {
            row.secret_ciphertext = Set(Some(sealed));
        }
        row.updated_at = Set(change.now());
        let updated = row.update(change.txn()).await.map_err(|err| {
            Error::from_unique_violation(err, format!("A channel named {name} already exists."))
        })?;
        change
            .commit(id, Some(snapshot(&current)), Some(snapshot(&updated)))
            .await?;
        summary(&updated)
    }

    pub async fn delete(&self, actor: &SessionUser, id: i32) -> Result<()> {
        let current = self.load(actor, id).await?;
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::ChannelDelete,
                channel::Entity::resource(&current),
            )
            .await?;
        channel::Entity::delete_by_id(id).exec(change.txn()).await?;
        change.commit(id, Some(snapshot(&current)), None).await
    }

    /// "Send test message": one message through the channel, and what came of it.
    pub async fn test(&self, actor: &SessionUser, id: i32) -> Result<ChannelTest> {
        let model = self.load(actor, id).await?;
        let outgoing = self.outgoing(model)?;
        let text = "Test message from Platform Builder: this channel works.";
        let payload = match outgoing.kind {
            ChannelKind::Slack => slack_message(text),
            ChannelKind::Teams => teams_card("Platform Builder", text),
            ChannelKind::Pagerduty => json!({"summary": text, "severity": "info"}),
            ChannelKind::Webhook | ChannelKind::Function => json!({"test": true, "text": text}),
            ChannelKind::Email | ChannelKind::Twilio => {
                return Ok(ChannelTest {
                    ok: false,
                    message: format!(
                        "{} channels cannot send from this server yet.",
                        outgoing.kind.label()
                    ),
                });
            }
        };
        let key = format!(
            "test-{}-{}",
            outgoing.model.id,
            self.changes.now().timestamp_millis()
        );
        Ok(match self.send(&outgoing, payload, &key).await {
            Ok(_) => ChannelTest {
                ok: true,
                message: format!("Sent a test message to “{}”.", outgoing.model.name),
            },
            Err(err) => ChannelTest {
                ok: false,
                message: err.to_string(),
            },
        })
    }

    fn sealed(&self, secret: Option<&str>) -> Option<String> {
        secret
            .map(str::trim)
            .filter(|secret| !secret.is_empty())
            .map(|secret| self.keyring.encrypt(secret.as_bytes()))
    }

    /// The organization's channel with this name, ready to send.
    pub(crate) async fn by_name(&self, org_id: OrgId, name: &str) -> Result<Option<Outgoing>> {
        let model = scoped::all_in::<channel::Entity>(org_id)
            .filter(channel::Column::Name.eq(name))
            .one(&self.db)
            .await?;
        model.map(|model| self.outgoing(model)).transpose()
    }

    fn outgoing(&self, model: channel::Model) -> Result<Outgoing> {
        let secret = match &model.secret_ciphertext {
            Some(envelope) => {
                let plain = self.keyring.decrypt(envelope).map_err(|err| {
                    Error::internal_from(format!("secret of channel {}", model.id), err)
                })?;
                Some(String::from_utf8(plain).map_err(|err| {
                    Error::internal_from(format!("secret of channel {} is not text", model.id), err)
                })?)
            }
            None => None,
        };
        Ok(Outgoing {
            kind: kind_of(&model)?,
            settings: settings_of(&model),
            model,
            secret,
        })
    }

    /// Sends `payload` as the channel's kind expects it; `key` names this delivery, so a
    /// retry of it can be recognised (`Idempotency-Key`, PagerDuty's `dedup_key`).
    pub(crate) async fn send(
        &self,
        outgoing: &Outgoing,
        payload: Value,
        key: &str,
    ) -> Result<Value, ConnectorError> {
        let (address, auth, body) = match outgoing.kind {
            ChannelKind::Slack | ChannelKind::Teams => (
                outgoing.secret.clone().unwrap_or_default(),
                ToolAuth::None,
                payload,
            ),
            ChannelKind::Webhook | ChannelKind::Function => {
                let auth = if outgoing.secret.is_some() {
                    ToolAuth::Bearer
                } else {
                    ToolAuth::None
                };
                (outgoing.settings.url.clone(), auth, payload)
            }
            ChannelKind::Pagerduty => {
                let base = Some(outgoing.settings.url.trim())
                    .filter(|url| !url.is_empty())
                    .unwrap_or(PAGERDUTY_EVENTS);
                let body = json!({
                    "routing_key": outgoing.secret.clone().unwrap_or_default(),
                    "event_action": "trigger",
                    "dedup_key": key,
                    "payload": {
                        "summary": payload.get("summary").cloned().unwrap_or(Value::Null),
                        "severity": payload.get("severity").cloned().unwrap_or(json!("error")),
                        "source": payload.get("source").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or("platform-builder"),
                    },
                });
                (
                    format!("{}/v2/enqueue", base.trim_end_matches('/')),
                    ToolAuth::None,
                    body,
                )
            }
            ChannelKind::Email | ChannelKind::Twilio => {
                return Err(ConnectorError::NotSetUp {
                    tool: outgoing.model.name.clone(),
                    reason: format!(
                        "{} channels cannot send from this server yet",
                        outgoing.kind.label()
                    ),
                });
            }
        };
        let (base, query) = split_query(&address);
        let target = ToolTarget {
            tool: RegisteredTool {
                // Channels are not tools: negative ids keep their health apart.
                id: -outgoing.model.id,
                org_id: outgoing.model.org_id,
                slug: format!("channel-{}", outgoing.model.id),
                name: outgoing.model.name.clone(),
                kind: CHANNEL_KIND.to_owned(),
                base_url: base,
                config: json!({"default_headers": [{"name": "Idempotency-Key", "value": key}]}),
                updated_at: outgoing.model.updated_at,
            },
            secret: if matches!(auth, ToolAuth::Bearer) {
                outgoing.secret.clone()
            } else {
                None
            },
            auth,
        };
        let request = RequestSpec {
            method: HttpMethod::Post,
            path: String::new(),
            query,
            body: Some(RequestBody::Json {
                template: JsonTemplate(body),
                read_only: false,
            }),
            pagination: None,
        };
        self.connectors.submit(&target, &request).await
    }
}

/// An address without its query, and the query as pairs (Teams Workflows and function URLs
/// carry their signature there).
fn split_query(address: &str) -> (String, std::collections::BTreeMap<String, String>) {
    match address.split_once('?') {
        Some((base, query)) => (
            base.to_owned(),
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        ),
        None => (address.to_owned(), Default::default()),
    }
}

/// Slack's incoming-webhook message.
pub(crate) fn slack_message(text: &str) -> Value {
    json!({"text": text})
}

/// A Microsoft Teams message with an Adaptive Card, as incoming webhooks and Workflows take it.
pub(crate) fn teams_card(title: &str, text: &str) -> Value {
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": true},
                    {"type": "TextBlock", "text": text, "wrap": true}
                ]
            }
        }]
    })
}
