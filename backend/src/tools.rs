//! Registered tools: where a binding's requests go, how they authenticate, and their
//! credentials, which are stored encrypted and never returned. Also what the Tool Manager
//! keeps beside each tool: settings, logo, a pasted sample answer and the last test outcome.

mod access;
mod edit;
mod history;
mod secrets;
mod webhook;

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Arc,
};

use chrono::{DateTime, Utc};
use domain::{
    Action,
    access::{Resource, ResourceKind},
    dto::{ConnectionTest, SessionUser, ToolDetails, ToolEdit, ToolSummary},
    ids::OrgId,
    page::RequestSpec,
    template::EndpointTemplate,
    tool::{ToolAuth, ToolSettings, ToolStatus},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::OnConflict,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub use webhook::ReceivedWebhook;

use crate::{
    Error, Result,
    change::Changes,
    connector::{ConnectorService, Observation, RegisteredTool, ToolHealth, ToolTarget},
    crypto::Keyring,
    entities::{connection, tool, tool_check, tool_logo, tool_sample},
    scoped::{self, OrgScoped},
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

/// A tool's stored logo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolLogo {
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub updated_at: DateTime<Utc>,
}

/// The organization's tools, as the policy sees them before one is loaded.
/// Whether the actor's role and the tool's grants let them bind it into pages.
fn may_use(actor: &SessionUser, tool: &tool::Model) -> bool {
    crate::authorize(actor, Action::EditPage, tool::Entity::resource(tool)).is_ok()
}

fn tools_of(actor: &SessionUser) -> Resource {
    Resource::new(ResourceKind::Tool, actor.org_id)
}

#[derive(Clone)]
pub struct ToolService {
    db: DatabaseConnection,
    changes: Changes,
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
    pub fn new(
        db: DatabaseConnection,
        changes: Changes,
        keyring: Arc<Keyring>,
        health: Arc<ToolHealth>,
    ) -> Self {
        Self {
            db,
            changes,
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
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let tool = self.in_org(actor, tool_id, Action::ManageTools).await?;
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

    pub(crate) async fn by_slug(&self, org_id: OrgId, slug: &str) -> Result<Option<tool::Model>> {
        Ok(scoped::all_in::<tool::Entity>(org_id)
            .filter(tool::Column::Slug.eq(slug))
            .one(&self.db)
            .await?)
    }

    /// The id of the organization's tool with this slug, if there is one.
    pub async fn id_of(&self, org_id: OrgId, slug: &str) -> Result<Option<i32>> {
        Ok(self.by_slug(org_id, slug).await?.map(|tool| tool.id))
    }

    /// The tool with its decrypted credentials, ready for the connector. Internal only: the
    /// secret must never travel further than the outgoing request.
    pub async fn target_for(&self, org_id: OrgId, slug: &str) -> Result<Option<ToolTarget>> {
        let Some(tool) = self.by_slug(org_id, slug).await? else {
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
        Ok(Some(ToolTarget {
            tool: RegisteredTool::from(&tool),
            auth,
            secret,
        }))
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
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let tool = self.in_org(actor, tool_id, Action::ManageTools).await?;
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
            checked_at: Set(self.changes.now()),
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
        crate::authorize(actor, Action::OpenAdmin, tools_of(actor))?;
        let tools = scoped::all_in::<tool::Entity>(actor.org_id)
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
        crate::authorize(actor, Action::EditPage, tools_of(actor))?;
        let tools = scoped::all_in::<tool::Entity>(actor.org_id)
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|tool| may_use(actor, tool));
        let templates = crate::connector::templates::all();
        Ok(tools
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
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
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

    /// The tool, if `actor` may do `action` to it (its grants included).
    async fn in_org(
        &self,
        actor: &SessionUser,
        tool_id: i32,
        action: Action,
    ) -> Result<tool::Model> {
        let tool = scoped::load::<tool::Entity>(&self.db, actor.org_id, tool_id).await?;
        crate::authorize(actor, action, tool::Entity::resource(&tool))?;
        Ok(tool)
    }

    /// Of the tools named by slug, those `actor` may not bind into pages (their grants
    /// leave the actor out). Unknown slugs are left to the definition's own checks.
    pub(crate) async fn unusable(
        &self,
        actor: &SessionUser,
        slugs: &BTreeSet<String>,
    ) -> Result<Vec<String>> {
        if slugs.is_empty() {
            return Ok(Vec::new());
        }
        Ok(scoped::all_in::<tool::Entity>(actor.org_id)
            .filter(tool::Column::Slug.is_in(slugs.iter().cloned()))
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|tool| !may_use(actor, tool))
            .map(|tool| tool.slug)
            .collect())
    }

    /// The tool's target for someone working on a page with it (the field mapper).
    pub(crate) async fn usable_target(
        &self,
        actor: &SessionUser,
        slug: &str,
    ) -> Result<ToolTarget> {
        let tool = self
            .by_slug(actor.org_id, slug)
            .await?
            .ok_or(Error::NotFound("tool"))?;
        crate::authorize(actor, Action::EditPage, tool::Entity::resource(&tool))?;
        self.target_for(actor.org_id, slug)
            .await?
            .ok_or(Error::NotFound("tool"))
    }

    /// Replaces the tool's sample answer; none removes it.
    async fn store_sample(
        &self,
        conn: &impl ConnectionTrait,
        tool_id: i32,
        sample: Option<&str>,
        now: DateTime<Utc>,
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
                    updated_at: Set(now),
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
}

/// A tool's new `updated_at`: the change's time, but always after the previous one, since
/// saves compare it to detect edits made meanwhile (a clock can stand still or step back).
fn next_stamp(now: DateTime<Utc>, previous: DateTime<Utc>) -> DateTime<Utc> {
    now.max(previous + chrono::Duration::microseconds(1))
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
