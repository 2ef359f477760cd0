//! Registered tools: where a binding's requests go, how they authenticate, and their
//! credentials, which are stored encrypted and never returned. Also what the Tool Manager
//! keeps beside each tool: settings, logo, a pasted sample answer and the last test outcome.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use chrono::{DateTime, Utc};
use domain::{
    Action, ValidationIssue,
    dto::{
        ConnectionTest, NewToolRequest, SessionUser, ToolDetails, ToolEdit, ToolSummary,
        WebhookSetup,
    },
    logo::check_logo,
    page::RequestSpec,
    template::EndpointTemplate,
    tool::{ToolAuth, ToolSettings, ToolStatus, parse_sample},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait, sea_query::OnConflict,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    Error, Result,
    audit::{self, AuditEntry},
    connector::{ConnectorService, Observation, ToolHealth, ToolTarget},
    crypto::Keyring,
    entities::{connection, tool, tool_check, tool_logo, tool_sample, webhook_event},
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
    health: Arc<ToolHealth>,
}

fn auth_of(model: &tool::Model) -> Result<ToolAuth> {
    match model.config.get("auth") {
        None => Ok(ToolAuth::None),
        Some(auth) => serde_json::from_value(auth.clone()).map_err(|err| {
            Error::internal_from(
                format!("tool {} has an unreadable auth config", model.id),
                err,
            )
        }),
    }
}

impl ToolService {
    pub fn new(db: DatabaseConnection, keyring: Arc<Keyring>, health: Arc<ToolHealth>) -> Self {
        Self {
            db,
            keyring,
            health,
        }
    }

    /// The sample answer pasted on a tool, as stored.
    pub async fn sample_of(&self, tool_id: i32) -> Result<Option<String>> {
        Ok(tool_sample::Entity::find_by_id(tool_id)
            .one(&self.db)
            .await?
            .map(|sample| sample.body))
    }

    /// A tool as the edit form opens it: settings, auth without secret, sample answer.
    pub async fn details(&self, actor: &SessionUser, tool_id: i32) -> Result<ToolDetails> {
        crate::require(actor, Action::ManageTools)?;
        let tool = self.in_org(actor, tool_id).await?;
        let sample = self.sample_of(tool.id).await?;
        Ok(ToolDetails {
            edit: ToolEdit {
                name: tool.name.clone(),
                base_url: tool.base_url.clone(),
                auth: auth_of(&tool)?,
                settings: ToolSettings::lenient(&tool.config),
                sample_response: sample,
                base_updated_at: None,
            },
            summary: self.summarize(&tool).await?,
            updated_at: tool.updated_at,
        })
    }

    /// Changes a tool's name, address, auth settings (not the secret), settings and sample.
    /// Switching auth to "none" drops the stored credentials; changing how the tool is
    /// reached resets its status to "not tested". With `base_updated_at`, a change made since
    /// the editor opened the tool is never overwritten: the save is refused as a conflict.
    pub async fn update(
        &self,
        actor: &SessionUser,
        tool_id: i32,
        edit: ToolEdit,
    ) -> Result<ToolSummary> {
        crate::require(actor, Action::ManageTools)?;
        edit.validate().map_err(Error::Validation)?;
        let tool = self.in_org(actor, tool_id).await?;
        let before_auth = auth_of(&tool)?;
        let before_settings = ToolSettings::lenient(&tool.config);
        let mut config = match tool.config.clone() {
            Value::Object(map) => map,
            _ => Default::default(),
        };
        edit.settings.write_into(&mut config);
        config.insert(
            "auth".into(),
            serde_json::to_value(&edit.auth)
                .map_err(|err| Error::internal_from("auth settings", err))?,
        );
        let sample = sample_text(edit.sample_response.as_deref());
        // Read before the transaction, so it begins with its write: SQLite then takes the
        // write lock up front (waiting for a racing save) instead of failing to upgrade a
        // read lock with "database is locked". The conditional update below is the guard.
        let before_sample = tool_sample::Entity::find_by_id(tool.id)
            .one(&self.db)
            .await?
            .map(|row| row.body);
        let had_secret = self.stored_secret(tool.id, CREDENTIALS).await?.is_some();
        let base = edit.base_updated_at.unwrap_or(tool.updated_at);
        let changed_since = || {
            Error::Conflict(format!(
                "This tool was changed at {} UTC after you opened it. Reload it to see that change, then edit again.",
                tool.updated_at.format("%H:%M:%S")
            ))
        };
        if base != tool.updated_at {
            return Err(changed_since());
        }
        let txn = self.db.begin().await?;
        // Conditional on the version read, so of two saves racing past the check one wins.
        let written = tool::Entity::update_many()
            .set(tool::ActiveModel {
                name: Set(edit.name.trim().to_owned()),
                base_url: Set(edit.base_url.clone()),
                auth_type: Set(edit.auth.type_name().to_owned()),
                config: Set(Value::Object(config)),
                updated_at: Set(Utc::now()),
                ..Default::default()
            })
            .filter(tool::Column::Id.eq(tool.id))
            .filter(tool::Column::UpdatedAt.eq(tool.updated_at))
            .exec(&txn)
            .await?;
        if written.rows_affected == 0 {
            return Err(changed_since());
        }
        let updated = tool::Entity::find_by_id(tool.id)
            .one(&txn)
            .await?
            .ok_or(Error::NotFound("tool"))?;
        self.store_sample(&txn, tool.id, sample.as_deref()).await?;
        let drop_secret = had_secret && !edit.auth.needs_secret();
        if drop_secret {
            connection::Entity::delete_many()
                .filter(connection::Column::ToolId.eq(tool.id))
                .filter(connection::Column::Name.eq(CREDENTIALS))
                .exec(&txn)
                .await?;
        }
        let reached_differently = tool.base_url != edit.base_url
            || before_auth != edit.auth
            || before_settings.default_headers != edit.settings.default_headers;
        if reached_differently {
            tool_check::Entity::delete_by_id(tool.id).exec(&txn).await?;
        }
        let secret_state = |had: bool| if had { "set" } else { "none" };
        audit::record(
            &txn,
            AuditEntry {
                before: Some(&edit_audit(
                    &tool.name,
                    &tool.base_url,
                    &before_auth,
                    &before_settings,
                    before_sample.as_deref(),
                    secret_state(had_secret),
                )),
                after: Some(&edit_audit(
                    &updated.name,
                    &updated.base_url,
                    &edit.auth,
                    &edit.settings,
                    sample.as_deref(),
                    secret_state(had_secret && !drop_secret),
                )),
                ..AuditEntry::by(actor, "tool.update", "tool", tool.id.to_string())
            },
        )
        .await?;
        txn.commit().await?;
        self.summarize(&updated).await
    }

    /// Stores a tool's logo after checking its bytes (type, size, SVG contents).
    pub async fn set_logo(
        &self,
        actor: &SessionUser,
        tool_id: i32,
        bytes: &[u8],
    ) -> Result<ToolSummary> {
        crate::require(actor, Action::ManageTools)?;
        let tool = self.in_org(actor, tool_id).await?;
        let format = check_logo(bytes).map_err(|issue| Error::Validation(vec![issue]))?;
        let txn = self.db.begin().await?;
        let before = tool_logo::Entity::find_by_id(tool.id).one(&txn).await?;
        tool_logo::Entity::insert(tool_logo::ActiveModel {
            tool_id: Set(tool.id),
            content_type: Set(format.content_type().to_owned()),
            data: Set(bytes.to_vec()),
            updated_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::column(tool_logo::Column::ToolId)
                .update_columns([
                    tool_logo::Column::ContentType,
                    tool_logo::Column::Data,
                    tool_logo::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
        audit::record(
            &txn,
            AuditEntry {
                before: Some(&json!({"logo": before.map(|logo| fingerprint(&logo.content_type, &logo.data))})),
                after: Some(&json!({"logo": fingerprint(format.content_type(), bytes)})),
                ..AuditEntry::by(actor, "tool.logo_set", "tool", tool.id.to_string())
            },
        )
        .await?;
        txn.commit().await?;
        self.summarize(&tool).await
    }

    /// Removes a tool's logo; removing a logo that is not there changes nothing.
    pub async fn remove_logo(&self, actor: &SessionUser, tool_id: i32) -> Result<()> {
        crate::require(actor, Action::ManageTools)?;
        let tool = self.in_org(actor, tool_id).await?;
        let txn = self.db.begin().await?;
        let Some(before) = tool_logo::Entity::find_by_id(tool.id).one(&txn).await? else {
            return Ok(());
        };
        tool_logo::Entity::delete_by_id(tool.id).exec(&txn).await?;
        audit::record(
            &txn,
            AuditEntry {
                before: Some(&json!({"logo": fingerprint(&before.content_type, &before.data)})),
                after: Some(&json!({"logo": null})),
                ..AuditEntry::by(actor, "tool.logo_removed", "tool", tool.id.to_string())
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The stored logo, for whoever may see the tool list.
    pub async fn logo(&self, actor: &SessionUser, tool_id: i32) -> Result<tool_logo::Model> {
        crate::require(actor, Action::OpenAdmin)?;
        let tool = self.in_org(actor, tool_id).await?;
        tool_logo::Entity::find_by_id(tool.id)
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("logo"))
    }

    /// Registers a tool from the REST body or the add form, with its settings and sample.
    pub async fn create_from(
        &self,
        actor: &SessionUser,
        request: NewToolRequest,
    ) -> Result<ToolSummary> {
        crate::require(actor, Action::ManageTools)?;
        let sample = sample_text(request.sample_response.as_deref());
        if let Some(text) = &sample {
            parse_sample(text).map_err(|issue| Error::Validation(vec![issue]))?;
        }
        let created = self
            .create_with_sample(
                actor,
                NewTool {
                    slug: request.slug,
                    name: request.name,
                    kind: request.kind,
                    base_url: request.base_url,
                    auth: request.auth,
                    secret: request.secret.filter(|secret| !secret.is_empty()),
                    config: request.config,
                },
                sample,
            )
            .await?;
        self.summarize(&created).await
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
                    Error::internal_from(format!("credentials of tool {}", tool.id), err)
                })?;
                Some(String::from_utf8(plain).map_err(|err| {
                    Error::internal_from(
                        format!("credentials of tool {} are not text", tool.id),
                        err,
                    )
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
        // Shape only: the connector keeps the call under the base path.
        if !request.path.starts_with('/') {
            return Err(Error::validation(
                "path",
                "the path must start with / and stay under the tool's base URL",
            ));
        }
        let outcome = connectors.probe(&target, &request).await;
        self.record_check(tool.id, &outcome).await?;
        Ok(outcome)
    }

    /// Keeps the outcome of a connection test as the tool's status.
    async fn record_check(&self, tool_id: i32, outcome: &ConnectionTest) -> Result<()> {
        tool_check::Entity::insert(tool_check::ActiveModel {
            tool_id: Set(tool_id),
            status: Set(outcome.status.as_str().to_owned()),
            message: Set(outcome.message.clone()),
            latency_ms: Set(i32::try_from(outcome.latency_ms).unwrap_or(i32::MAX)),
            checked_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::column(tool_check::Column::ToolId)
                .update_columns([
                    tool_check::Column::Status,
                    tool_check::Column::Message,
                    tool_check::Column::LatencyMs,
                    tool_check::Column::CheckedAt,
                ])
                .to_owned(),
        )
        .exec(&self.db)
        .await?;
        Ok(())
    }

    pub async fn list(&self, actor: &SessionUser) -> Result<Vec<ToolSummary>> {
        crate::require(actor, Action::OpenAdmin)?;
        let tools = tool::Entity::find()
            .filter(tool::Column::OrgId.eq(actor.org_id))
            .order_by_asc(tool::Column::Name)
            .all(&self.db)
            .await?;
        self.summaries(&tools).await
    }

    /// The endpoints a widget of each tool (by slug) may read from: the tool's own first,
    /// then its template's not named the same. Writes are left out; they belong to forms.
    pub async fn readable_endpoints(
        &self,
        actor: &SessionUser,
    ) -> Result<BTreeMap<String, Vec<EndpointTemplate>>> {
        crate::require(actor, Action::EditPage)?;
        let tools = tool::Entity::find()
            .filter(tool::Column::OrgId.eq(actor.org_id))
            .all(&self.db)
            .await?;
        let templates = crate::connector::templates::all();
        Ok(tools
            .into_iter()
            .map(|tool| {
                let settings = ToolSettings::lenient(&tool.config);
                let mut endpoints: Vec<EndpointTemplate> = settings
                    .endpoints
                    .into_iter()
                    .filter(|endpoint| !endpoint.writes_with(&settings.statements))
                    .collect();
                if let Some(template) = templates.iter().find(|t| t.kind == tool.kind) {
                    let offered: Vec<EndpointTemplate> = template
                        .endpoints
                        .iter()
                        .filter(|endpoint| !endpoint.writes(&template.default_config))
                        .filter(|endpoint| !endpoints.iter().any(|own| own.name == endpoint.name))
                        .cloned()
                        .collect();
                    endpoints.extend(offered);
                }
                (tool.slug, endpoints)
            })
            .collect())
    }

    /// The tools, for those who manage them (the Tool Manager page).
    pub async fn list_managed(&self, actor: &SessionUser) -> Result<Vec<ToolSummary>> {
        crate::require(actor, Action::ManageTools)?;
        self.list(actor).await
    }

    async fn summarize(&self, model: &tool::Model) -> Result<ToolSummary> {
        Ok(self.summaries(std::slice::from_ref(model)).await?.remove(0))
    }

    /// Summaries with a fixed number of queries however many tools there are; logo and
    /// sample bodies are not loaded.
    async fn summaries(&self, tools: &[tool::Model]) -> Result<Vec<ToolSummary>> {
        let ids: Vec<i32> = tools.iter().map(|tool| tool.id).collect();
        let with_secret: Vec<i32> = connection::Entity::find()
            .select_only()
            .column(connection::Column::ToolId)
            .filter(connection::Column::ToolId.is_in(ids.clone()))
            .filter(connection::Column::Name.eq(CREDENTIALS))
            .filter(connection::Column::SecretCiphertext.is_not_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        let logos: HashMap<i32, DateTime<Utc>> = tool_logo::Entity::find()
            .select_only()
            .column(tool_logo::Column::ToolId)
            .column(tool_logo::Column::UpdatedAt)
            .filter(tool_logo::Column::ToolId.is_in(ids.clone()))
            .into_tuple::<(i32, DateTime<Utc>)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let with_sample: Vec<i32> = tool_sample::Entity::find()
            .select_only()
            .column(tool_sample::Column::ToolId)
            .filter(tool_sample::Column::ToolId.is_in(ids.clone()))
            .into_tuple()
            .all(&self.db)
            .await?;
        let checks: HashMap<i32, tool_check::Model> = tool_check::Entity::find()
            .filter(tool_check::Column::ToolId.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|check| (check.tool_id, check))
            .collect();
        Ok(tools
            .iter()
            .map(|model| {
                let check = checks.get(&model.id).map(|check| Observation {
                    status: ToolStatus::parse(&check.status).unwrap_or_default(),
                    message: check.message.clone(),
                    at: check.checked_at,
                });
                // The newer of the last test and what recent calls showed.
                let check = match (check, self.health.get(model.id)) {
                    (Some(tested), Some(seen)) if seen.at > tested.at => Some(seen),
                    (None, seen) => seen,
                    (tested, _) => tested,
                };
                let check = check.as_ref();
                let settings = ToolSettings::lenient(&model.config);
                ToolSummary {
                    id: model.id,
                    slug: model.slug.clone(),
                    name: model.name.clone(),
                    kind: model.kind.clone(),
                    base_url: model.base_url.clone(),
                    auth_type: model.auth_type.clone(),
                    has_secret: with_secret.contains(&model.id),
                    description: settings.description,
                    classification: settings.classification,
                    logo_updated_at: logos.get(&model.id).copied(),
                    has_logo: logos.contains_key(&model.id),
                    has_sample: with_sample.contains(&model.id),
                    status: check.map(|check| check.status).unwrap_or_default(),
                    status_message: check.map(|check| check.message.clone()),
                    last_tested_at: check.map(|check| check.at),
                }
            })
            .collect())
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
        self.create_with_sample(actor, new, None).await
    }

    async fn create_with_sample(
        &self,
        actor: &SessionUser,
        new: NewTool,
        sample: Option<String>,
    ) -> Result<tool::Model> {
        crate::require(actor, Action::ManageTools)?;
        let mut issues: Vec<ValidationIssue> = Vec::new();
        if let Err(Error::Validation(found)) = Error::check_slug(&new.slug) {
            issues.extend(found);
        }
        if !domain::page::is_valid_slug(&new.kind) {
            issues.push(ValidationIssue::new(
                "kind",
                "use a kind such as rest, graphql or databricks",
            ));
        }
        let settings = match ToolSettings::from_config(&new.config) {
            Ok(settings) => settings,
            Err(found) => {
                issues.extend(found);
                ToolSettings::default()
            }
        };
        let edit = ToolEdit {
            name: new.name.clone(),
            base_url: new.base_url.clone(),
            auth: new.auth.clone(),
            settings,
            sample_response: None,
            base_updated_at: None,
        };
        if let Err(found) = edit.validate() {
            // Settings travel inside `config` on this path; say so in the field paths.
            issues.extend(found.into_iter().map(|issue| {
                let in_config = [
                    "description",
                    "default_headers",
                    "rate_limit",
                    "timeout",
                    "classification",
                ]
                .iter()
                .any(|prefix| issue.path.starts_with(prefix));
                if in_config {
                    ValidationIssue::new(format!("config.{}", issue.path), issue.message)
                } else {
                    issue
                }
            }));
        }
        if !issues.is_empty() {
            return Err(Error::Validation(issues));
        }
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
            serde_json::to_value(&new.auth)
                .map_err(|err| Error::internal_from("auth settings", err))?,
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
        self.store_sample(&txn, created.id, sample.as_deref())
            .await?;
        audit::record(
            &txn,
            AuditEntry {
                after: Some(&json!({
                    "slug": new.slug, "name": new.name, "kind": new.kind, "base_url": new.base_url,
                    "config": config, "secret": if new.secret.is_some() { "set" } else { "none" },
                    "sample_response": sample.as_deref().map(|text| fingerprint("application/json", text.as_bytes())),
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
        // The last test judged the old credentials.
        tool_check::Entity::delete_by_id(tool.id).exec(&txn).await?;
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
        tool_logo::Entity::delete_by_id(tool.id).exec(&txn).await?;
        tool_sample::Entity::delete_by_id(tool.id)
            .exec(&txn)
            .await?;
        tool_check::Entity::delete_by_id(tool.id).exec(&txn).await?;
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

    /// Replaces the tool's sample answer; none removes it.
    async fn store_sample(
        &self,
        conn: &impl ConnectionTrait,
        tool_id: i32,
        sample: Option<&str>,
    ) -> Result<()> {
        match sample {
            None => {
                tool_sample::Entity::delete_by_id(tool_id)
                    .exec(conn)
                    .await?;
            }
            Some(body) => {
                tool_sample::Entity::insert(tool_sample::ActiveModel {
                    tool_id: Set(tool_id),
                    body: Set(body.to_owned()),
                    updated_at: Set(Utc::now()),
                })
                .on_conflict(
                    OnConflict::column(tool_sample::Column::ToolId)
                        .update_columns([tool_sample::Column::Body, tool_sample::Column::UpdatedAt])
                        .to_owned(),
                )
                .exec(conn)
                .await?;
            }
        }
        Ok(())
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
                .map_err(|err| Error::internal_from(format!("connection {}", row.id), err))?;
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

/// A pasted sample as stored: blank means none.
fn sample_text(sample: Option<&str>) -> Option<String> {
    sample
        .filter(|text| !text.trim().is_empty())
        .map(str::to_owned)
}

/// What the audit trail keeps of a file: its type, size and hash, not its contents.
fn fingerprint(content_type: &str, bytes: &[u8]) -> Value {
    json!({
        "content_type": content_type,
        "bytes": bytes.len(),
        "sha256": hex::encode(Sha256::digest(bytes)),
    })
}

/// A tool's editable state for the audit trail: never the secret, only whether it is set.
fn edit_audit(
    name: &str,
    base_url: &str,
    auth: &ToolAuth,
    settings: &ToolSettings,
    sample: Option<&str>,
    secret: &str,
) -> Value {
    json!({
        "name": name,
        "base_url": base_url,
        "auth": auth,
        "settings": settings,
        "sample_response": sample.map(|text| fingerprint("application/json", text.as_bytes())),
        "secret": secret,
    })
}
