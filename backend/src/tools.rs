//! Registered tools: where a binding's requests go, how they authenticate, and their
//! credentials, which are stored encrypted and never returned.

use std::sync::Arc;

use chrono::Utc;
use domain::{
    Action,
    dto::{ConnectionTest, SessionUser, ToolSummary, WebhookSetup},
    page::RequestSpec,
    tool::ToolAuth,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde_json::{Value, json};

use crate::{
    Error, Result,
    audit::{self, AuditEntry},
    connector::{ConnectorService, ToolTarget},
    crypto::Keyring,
    entities::{connection, tool, webhook_event},
};

/// Connection rows per tool: its credentials, and the signing secret of its inbound webhook.
const CREDENTIALS: &str = "default";
const WEBHOOK_SIGNING: &str = "webhook";

pub struct NewTool {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub base_url: String,
    pub auth: ToolAuth,
    /// API key, token, password or client secret, as the auth type needs.
    pub secret: Option<String>,
    /// Anything else worth keeping (description, default headers…).
    pub config: Value,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct RotationReport {
    pub reencrypted: usize,
    pub already_current: usize,
}

#[derive(Clone)]
pub struct ToolService {
    db: DatabaseConnection,
    keyring: Arc<Keyring>,
}

fn auth_of(model: &tool::Model) -> Result<ToolAuth> {
    match model.config.get("auth") {
        None => Ok(ToolAuth::None),
        Some(auth) => serde_json::from_value(auth.clone()).map_err(|err| {
            Error::Internal(format!(
                "tool {} has an unreadable auth config: {err}",
                model.id
            ))
        }),
    }
}

impl ToolService {
    pub fn new(db: DatabaseConnection, keyring: Arc<Keyring>) -> Self {
        Self { db, keyring }
    }

    pub async fn find_by_slug(&self, org_id: i32, slug: &str) -> Result<Option<tool::Model>> {
        Ok(tool::Entity::find()
            .filter(tool::Column::OrgId.eq(org_id))
            .filter(tool::Column::Slug.eq(slug))
            .one(&self.db)
            .await?)
    }

    /// The tool with its decrypted credentials, ready for the connector. Internal only: the
    /// secret must never travel further than the outgoing request.
    pub async fn target_for(&self, org_id: i32, slug: &str) -> Result<Option<ToolTarget>> {
        let Some(tool) = self.find_by_slug(org_id, slug).await? else {
            return Ok(None);
        };
        let auth = auth_of(&tool)?;
        let secret = match self.stored_secret(tool.id, CREDENTIALS).await? {
            Some(envelope) => {
                let plain = self.keyring.decrypt(&envelope).map_err(|err| {
                    Error::Internal(format!("credentials of tool {}: {err}", tool.id))
                })?;
                Some(String::from_utf8(plain).map_err(|_| {
                    Error::Internal(format!("credentials of tool {} are not text", tool.id))
                })?)
            }
            None => None,
        };
        Ok(Some(ToolTarget { tool, auth, secret }))
    }

    async fn stored_secret(&self, tool_id: i32, name: &str) -> Result<Option<String>> {
        Ok(connection::Entity::find()
            .filter(connection::Column::ToolId.eq(tool_id))
            .filter(connection::Column::Name.eq(name))
            .one(&self.db)
            .await?
            .and_then(|row| row.secret_ciphertext))
    }

    /// Calls the tool once with its credentials (`path`, or its `test_path` setting, or `/`)
    /// and reports status, latency and a preview — or what to fix.
    pub async fn test_connection(
        &self,
        actor: &SessionUser,
        connectors: &ConnectorService,
        tool_id: i32,
        path: Option<String>,
    ) -> Result<ConnectionTest> {
        crate::require(actor, Action::ManageTools)?;
        let tool = self.in_org(actor, tool_id).await?;
        let target = self
            .target_for(actor.org_id, &tool.slug)
            .await?
            .ok_or(Error::NotFound("tool"))?;
        let path = path
            .or_else(|| {
                tool.config
                    .get("test_path")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| "/".to_owned());
        let request = RequestSpec::get(&path);
        if !request.path.starts_with('/') || request.path.split('/').any(|segment| segment == "..")
        {
            return Err(Error::validation(
                "path",
                "the path must start with / and stay under the tool's base URL",
            ));
        }
        Ok(connectors.probe(&target, &request).await)
    }

    pub async fn list(&self, actor: &SessionUser) -> Result<Vec<ToolSummary>> {
        crate::require(actor, Action::OpenAdmin)?;
        let tools = tool::Entity::find()
            .filter(tool::Column::OrgId.eq(actor.org_id))
            .order_by_asc(tool::Column::Name)
            .all(&self.db)
            .await?;
        let mut summaries = Vec::with_capacity(tools.len());
        for model in &tools {
            summaries.push(self.summarize(model).await?);
        }
        Ok(summaries)
    }

    /// Creates a tool and answers with what the API may show of it.
    pub async fn register(&self, actor: &SessionUser, new: NewTool) -> Result<ToolSummary> {
        let created = self.create(actor, new).await?;
        self.summarize(&created).await
    }

    async fn summarize(&self, model: &tool::Model) -> Result<ToolSummary> {
        Ok(ToolSummary {
            id: model.id,
            slug: model.slug.clone(),
            name: model.name.clone(),
            kind: model.kind.clone(),
            base_url: model.base_url.clone(),
            auth_type: model.auth_type.clone(),
            has_secret: self.stored_secret(model.id, CREDENTIALS).await?.is_some(),
        })
    }

    /// Registers a tool unless its slug is taken, in which case the existing one is returned.
    pub async fn ensure(&self, actor: &SessionUser, new: NewTool) -> Result<tool::Model> {
        crate::require(actor, Action::ManageTools)?;
        match self.find_by_slug(actor.org_id, &new.slug).await? {
            Some(existing) => Ok(existing),
            None => self.create(actor, new).await,
        }
    }

    /// Registers a tool; a taken slug is a conflict.
    pub async fn create(&self, actor: &SessionUser, new: NewTool) -> Result<tool::Model> {
        crate::require(actor, Action::ManageTools)?;
        Error::check_slug(&new.slug)?;
        if new.name.trim().is_empty() {
            return Err(Error::validation("name", "a tool needs a name"));
        }
        validate_base_url(&new.base_url)?;
        new.auth.validate().map_err(Error::Validation)?;
        let mut config = match new.config {
            Value::Object(map) => map,
            Value::Null => Default::default(),
            _ => {
                return Err(Error::validation(
                    "config",
                    "tool settings must be a JSON object",
                ));
            }
        };
        config.insert(
            "auth".into(),
            serde_json::to_value(&new.auth).expect("auth serializes"),
        );
        let config = Value::Object(config);
        // SQL statements are the only SQL a page can run on this tool: check them now.
        domain::request::statements_in(&config).map_err(Error::Validation)?;
        let now = Utc::now();
        let txn = self.db.begin().await?;
        let created = tool::ActiveModel {
            org_id: Set(actor.org_id),
            slug: Set(new.slug.clone()),
            name: Set(new.name.clone()),
            kind: Set(new.kind.clone()),
            base_url: Set(new.base_url.clone()),
            auth_type: Set(new.auth.type_name().to_owned()),
            config: Set(config.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|err| {
            Error::from_unique_violation(
                err,
                format!("a tool with slug {} already exists", new.slug),
            )
        })?;
        if let Some(secret) = &new.secret {
            self.store_secret(&txn, created.id, CREDENTIALS, secret)
                .await?;
        }
        audit::record(
            &txn,
            AuditEntry {
                after: Some(&json!({
                    "slug": new.slug, "name": new.name, "kind": new.kind, "base_url": new.base_url,
                    "config": config, "secret": if new.secret.is_some() { "set" } else { "none" },
                })),
                ..AuditEntry::by(actor, "tool.create", "tool", created.id.to_string())
            },
        )
        .await?;
        txn.commit().await?;
        Ok(created)
    }

    /// Replaces a tool's credentials. The audit trail records that they changed, never what
    /// they are.
    pub async fn set_secret(&self, actor: &SessionUser, tool_id: i32, secret: &str) -> Result<()> {
        crate::require(actor, Action::ManageTools)?;
        if secret.is_empty() {
            return Err(Error::validation("secret", "enter the credential"));
        }
        let tool = self.in_org(actor, tool_id).await?;
        let had_secret = self.stored_secret(tool.id, CREDENTIALS).await?.is_some();
        let txn = self.db.begin().await?;
        self.store_secret(&txn, tool.id, CREDENTIALS, secret)
            .await?;
        audit::record(
            &txn,
            AuditEntry {
                before: Some(&json!({"secret": if had_secret { "set" } else { "none" }})),
                after: Some(&json!({"secret": "replaced"})),
                ..AuditEntry::by(actor, "tool.secret_set", "tool", tool.id.to_string())
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Removes a tool and its credentials. Widgets bound to it show "not registered" until
    /// rebound.
    pub async fn delete(&self, actor: &SessionUser, tool_id: i32) -> Result<()> {
        crate::require(actor, Action::ManageTools)?;
        let tool = self.in_org(actor, tool_id).await?;
        let txn = self.db.begin().await?;
        connection::Entity::delete_many()
            .filter(connection::Column::ToolId.eq(tool.id))
            .exec(&txn)
            .await?;
        tool::Entity::delete_by_id(tool.id).exec(&txn).await?;
        audit::record(
            &txn,
            AuditEntry {
                before: Some(&json!({"slug": tool.slug, "name": tool.name, "base_url": tool.base_url, "config": tool.config})),
                after: None,
                ..AuditEntry::by(actor, "tool.delete", "tool", tool.id.to_string())
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Turns on (or re-keys) the tool's inbound webhook. The signing secret is shown this
    /// once and stored encrypted; callers sign each body with HMAC-SHA256.
    pub async fn enable_webhook(&self, actor: &SessionUser, tool_id: i32) -> Result<WebhookSetup> {
        crate::require(actor, Action::ManageTools)?;
        let tool = self.in_org(actor, tool_id).await?;
        let token = crate::auth::random_token();
        let signing_secret = crate::auth::random_token();
        let mut config = tool.config.clone();
        if let Value::Object(map) = &mut config {
            map.insert("webhook_token".into(), Value::String(token.clone()));
        }
        let txn = self.db.begin().await?;
        let mut active: tool::ActiveModel = tool.clone().into();
        active.config = Set(config);
        active.updated_at = Set(Utc::now());
        active.update(&txn).await?;
        self.store_secret(&txn, tool.id, WEBHOOK_SIGNING, &signing_secret)
            .await?;
        audit::record(
            &txn,
            AuditEntry {
                after: Some(&json!({"webhook": "enabled", "signing_secret": "replaced"})),
                ..AuditEntry::by(actor, "tool.webhook_enabled", "tool", tool.id.to_string())
            },
        )
        .await?;
        txn.commit().await?;
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
    ) -> Result<webhook_event::Model> {
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
        let key = self
            .keyring
            .decrypt(&envelope)
            .map_err(|err| Error::Internal(format!("webhook secret of tool {}: {err}", tool.id)))?;
        let signature = signature
            .and_then(|header| header.trim().strip_prefix("sha256="))
            .and_then(|hex_digest| hex::decode(hex_digest).ok())
            .ok_or(Error::Unauthenticated)?;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key)
            .map_err(|err| Error::Internal(err.to_string()))?;
        mac.update(body);
        mac.verify_slice(&signature)
            .map_err(|_| Error::Unauthenticated)?;
        let payload: Value = serde_json::from_slice(body)
            .map_err(|_| Error::validation("body", "the webhook body must be JSON"))?;
        let event = webhook_event::ActiveModel {
            org_id: Set(tool.org_id),
            tool_id: Set(tool.id),
            payload: Set(payload),
            received_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(event)
    }

    async fn in_org(&self, actor: &SessionUser, tool_id: i32) -> Result<tool::Model> {
        tool::Entity::find_by_id(tool_id)
            .filter(tool::Column::OrgId.eq(actor.org_id))
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("tool"))
    }

    async fn store_secret(
        &self,
        conn: &impl ConnectionTrait,
        tool_id: i32,
        name: &str,
        secret: &str,
    ) -> Result<()> {
        let envelope = self.keyring.encrypt(secret.as_bytes());
        let now = Utc::now();
        let existing = connection::Entity::find()
            .filter(connection::Column::ToolId.eq(tool_id))
            .filter(connection::Column::Name.eq(name))
            .one(conn)
            .await?;
        match existing {
            Some(row) => {
                let mut row: connection::ActiveModel = row.into();
                row.secret_ciphertext = Set(Some(envelope));
                row.key_id = Set(Some(self.keyring.current_key_id().to_owned()));
                row.updated_at = Set(now);
                row.update(conn).await?;
            }
            None => {
                connection::ActiveModel {
                    tool_id: Set(tool_id),
                    name: Set(name.to_owned()),
                    secret_ciphertext: Set(Some(envelope)),
                    key_id: Set(Some(self.keyring.current_key_id().to_owned())),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(conn)
                .await?;
            }
        }
        Ok(())
    }

    /// Re-encrypts every stored credential under the current key, in one transaction: after
    /// it, previous keys can be retired. Run by `platform-builder rotate-secrets`.
    pub async fn rotate_secrets(&self) -> Result<RotationReport> {
        let txn = self.db.begin().await?;
        let rows = connection::Entity::find()
            .filter(connection::Column::SecretCiphertext.is_not_null())
            .all(&txn)
            .await?;
        let mut report = RotationReport::default();
        for row in rows {
            let envelope = row.secret_ciphertext.clone().unwrap_or_default();
            if Keyring::key_id_of(&envelope) == Some(self.keyring.current_key_id()) {
                report.already_current += 1;
                continue;
            }
            let plain = self
                .keyring
                .decrypt(&envelope)
                .map_err(|err| Error::Internal(format!("connection {}: {err}", row.id)))?;
            let mut active: connection::ActiveModel = row.into();
            active.secret_ciphertext = Set(Some(self.keyring.encrypt(&plain)));
            active.key_id = Set(Some(self.keyring.current_key_id().to_owned()));
            active.updated_at = Set(Utc::now());
            active.update(&txn).await?;
            report.reencrypted += 1;
        }
        txn.commit().await?;
        Ok(report)
    }
}

fn validate_base_url(base_url: &str) -> Result<()> {
    if base_url.starts_with('/') {
        return Ok(());
    }
    match url::Url::parse(base_url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(()),
        _ => Err(Error::validation(
            "base_url",
            "use an http(s) URL, or a path starting with / for built-in endpoints",
        )),
    }
}
