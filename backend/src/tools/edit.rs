//! Registering, changing and removing tools, each through one audited change. The audit
//! trail keeps settings and fingerprints of files, never credentials.

use domain::{
    Action, ValidationIssue,
    access::ResourceKind,
    audit::AuditAction,
    dto::{NewToolRequest, SessionUser, ToolEdit, ToolSummary},
    logo::check_logo,
    tool::{ToolSettings, parse_sample},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, sea_query::OnConflict,
};
use serde_json::{Value, json};

use super::{
    CREDENTIALS, NewTool, ToolLogo, ToolService, auth_of, edit_audit, fingerprint, next_stamp,
    sample_text, tools_of,
};
use crate::{
    Error, Result,
    entities::{connection, tool, tool_check, tool_logo, tool_sample},
    scoped::OrgScoped,
    versions::{self, NewVersion},
};

/// What a tool version keeps: how the tool is reached and everything in its settings
/// (endpoints and statements included) — never credentials, which live elsewhere.
pub(super) fn tool_snapshot(model: &tool::Model) -> Value {
    json!({"name": model.name, "base_url": model.base_url, "config": model.config})
}

fn tool_version<'a>(
    model: &tool::Model,
    version: i32,
    note: &'a str,
    by: Option<domain::ids::UserId>,
    at: chrono::DateTime<chrono::Utc>,
) -> NewVersion<'a> {
    NewVersion {
        kind: ResourceKind::Tool.into(),
        org_id: domain::ids::OrgId(model.org_id),
        resource_id: model.id,
        version,
        snapshot: tool_snapshot(model),
        note,
        by,
        at,
    }
}

/// What a write is: an edit or a revert, and for a revert the newest version the screen saw.
pub(super) struct Revision<'a> {
    pub action: AuditAction,
    pub note: &'a str,
    pub base_version: Option<i32>,
}

impl ToolService {
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
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        edit.validate().map_err(Error::Validation)?;
        let tool = self.in_org(actor, tool_id, Action::ManageTools).await?;
        let config = tool.config.clone();
        self.write(
            actor,
            tool,
            edit,
            config,
            Revision {
                action: AuditAction::ToolUpdate,
                note: "changed",
                base_version: None,
            },
        )
        .await
    }

    /// Writes a tool's edit over `config` (its current one, or a version's on revert) in
    /// one change, keeping the state after it as a version.
    pub(super) async fn write(
        &self,
        actor: &SessionUser,
        tool: tool::Model,
        edit: ToolEdit,
        config: Value,
        revision: Revision<'_>,
    ) -> Result<ToolSummary> {
        let before_auth = auth_of(&tool)?;
        let before_settings = ToolSettings::lenient(&tool.config);
        let mut config = match config {
            Value::Object(map) => map,
            _ => Default::default(),
        };
        edit.settings.write_into(&mut config);
        config.insert(
            "auth".into(),
            serde_json::to_value(&edit.auth)
                .map_err(|err| Error::internal_from("auth settings", err))?,
        );
        // A reverted version's statements face today's checks, like a new tool's.
        domain::request::statements_in(&Value::Object(config.clone()))
            .map_err(Error::Validation)?;
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
        let latest = versions::latest(&self.db, ResourceKind::Tool, actor.org_id, tool.id).await?;
        if revision
            .base_version
            .is_some_and(|base| Some(base) != latest)
        {
            return Err(changed_since());
        }
        let change = self
            .changes
            .begin(actor, revision.action, tool::Entity::resource(&tool))
            .await?;
        // Conditional on the version read, so of two saves racing past the check one wins.
        let written = tool::Entity::update_many()
            .set(tool::ActiveModel {
                name: Set(edit.name.trim().to_owned()),
                base_url: Set(edit.base_url.clone()),
                auth_type: Set(edit.auth.type_name().to_owned()),
                config: Set(Value::Object(config)),
                updated_at: Set(next_stamp(change.now(), tool.updated_at)),
                ..Default::default()
            })
            .filter(tool::Column::Id.eq(tool.id))
            .filter(tool::Column::UpdatedAt.eq(tool.updated_at))
            .exec(change.txn())
            .await?;
        if written.rows_affected == 0 {
            return Err(changed_since());
        }
        let updated = tool::Entity::find_by_id(tool.id)
            .one(change.txn())
            .await?
            .ok_or(Error::NotFound("tool"))?;
        self.store_sample(change.txn(), tool.id, sample.as_deref(), change.now())
            .await?;
        let drop_secret = had_secret && !edit.auth.needs_secret();
        if drop_secret {
            connection::Entity::delete_many()
                .filter(connection::Column::ToolId.eq(tool.id))
                .filter(connection::Column::Name.eq(CREDENTIALS))
                .exec(change.txn())
                .await?;
        }
        let reached_differently = tool.base_url != edit.base_url
            || before_auth != edit.auth
            || before_settings.default_headers != edit.settings.default_headers;
        if reached_differently {
            tool_check::Entity::delete_by_id(tool.id)
                .exec(change.txn())
                .await?;
        }
        let number = match latest {
            Some(latest) => latest + 1,
            None => {
                versions::record(
                    change.txn(),
                    tool_version(&tool, 1, "as it was", None, tool.updated_at),
                )
                .await?;
                2
            }
        };
        versions::record(
            change.txn(),
            tool_version(
                &updated,
                number,
                revision.note,
                Some(actor.id),
                change.now(),
            ),
        )
        .await?;
        let secret_state = |had: bool| if had { "set" } else { "none" };
        change
            .commit(
                tool.id,
                Some(edit_audit(
                    &tool.name,
                    &tool.base_url,
                    &before_auth,
                    &before_settings,
                    before_sample.as_deref(),
                    secret_state(had_secret),
                )),
                Some(edit_audit(
                    &updated.name,
                    &updated.base_url,
                    &edit.auth,
                    &edit.settings,
                    sample.as_deref(),
                    secret_state(had_secret && !drop_secret),
                )),
            )
            .await?;
        self.summarize(&updated).await
    }

    /// Stores a tool's logo after checking its bytes (type, size, SVG contents).
    pub async fn set_logo(
        &self,
        actor: &SessionUser,
        tool_id: i32,
        bytes: &[u8],
    ) -> Result<ToolSummary> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let tool = self.in_org(actor, tool_id, Action::ManageTools).await?;
        let format = check_logo(bytes).map_err(|issue| Error::Validation(vec![issue]))?;
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::ToolLogoSet,
                tool::Entity::resource(&tool),
            )
            .await?;
        let before = tool_logo::Entity::find_by_id(tool.id)
            .one(change.txn())
            .await?;
        tool_logo::Entity::insert(tool_logo::ActiveModel {
            tool_id: Set(tool.id),
            content_type: Set(format.content_type().to_owned()),
            data: Set(bytes.to_vec()),
            updated_at: Set(change.now()),
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
        .exec(change.txn())
        .await?;
        change
            .commit(
                tool.id,
                Some(
                    json!({"logo": before.map(|logo| fingerprint(&logo.content_type, &logo.data))}),
                ),
                Some(json!({"logo": fingerprint(format.content_type(), bytes)})),
            )
            .await?;
        self.summarize(&tool).await
    }

    /// Removes a tool's logo; removing a logo that is not there changes nothing.
    pub async fn remove_logo(&self, actor: &SessionUser, tool_id: i32) -> Result<()> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let tool = self.in_org(actor, tool_id, Action::ManageTools).await?;
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::ToolLogoRemoved,
                tool::Entity::resource(&tool),
            )
            .await?;
        let Some(before) = tool_logo::Entity::find_by_id(tool.id)
            .one(change.txn())
            .await?
        else {
            return Ok(());
        };
        tool_logo::Entity::delete_by_id(tool.id)
            .exec(change.txn())
            .await?;
        change
            .commit(
                tool.id,
                Some(json!({"logo": fingerprint(&before.content_type, &before.data)})),
                Some(json!({"logo": null})),
            )
            .await?;
        Ok(())
    }

    /// The stored logo, for whoever may see the tool list.
    pub async fn logo(&self, actor: &SessionUser, tool_id: i32) -> Result<ToolLogo> {
        crate::authorize(actor, Action::OpenAdmin, tools_of(actor))?;
        let tool = self.in_org(actor, tool_id, Action::OpenAdmin).await?;
        let logo = tool_logo::Entity::find_by_id(tool.id)
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("logo"))?;
        Ok(ToolLogo {
            content_type: logo.content_type,
            bytes: logo.data,
            updated_at: logo.updated_at,
        })
    }

    /// Registers a tool from the REST body or the add form, with its settings and sample.
    pub async fn create_from(
        &self,
        actor: &SessionUser,
        request: NewToolRequest,
    ) -> Result<ToolSummary> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let sample = sample_text(request.sample_response.as_deref());
        if let Some(text) = &sample {
            parse_sample(text).map_err(|issue| Error::Validation(vec![issue]))?;
        }
        self.create_with_sample(
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
        .await
    }

    /// Registers a tool unless its slug is taken, in which case the existing one is returned.
    pub async fn ensure(&self, actor: &SessionUser, new: NewTool) -> Result<ToolSummary> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        match self.by_slug(actor.org_id, &new.slug).await? {
            Some(existing) => self.summarize(&existing).await,
            None => self.create(actor, new).await,
        }
    }

    /// Registers a tool; a taken slug is a conflict.
    pub async fn create(&self, actor: &SessionUser, new: NewTool) -> Result<ToolSummary> {
        self.create_with_sample(actor, new, None).await
    }

    async fn create_with_sample(
        &self,
        actor: &SessionUser,
        new: NewTool,
        sample: Option<String>,
    ) -> Result<ToolSummary> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
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
        let change = self
            .changes
            .begin(actor, AuditAction::ToolCreate, tools_of(actor))
            .await?;
        let now = change.now();
        let created = tool::ActiveModel {
            org_id: Set(actor.org_id.get()),
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
        .insert(change.txn())
        .await
        .map_err(|err| {
            Error::from_unique_violation(
                err,
                format!("a tool with slug {} already exists", new.slug),
            )
        })?;
        if let Some(secret) = &new.secret {
            self.store_secret(change.txn(), created.id, CREDENTIALS, secret, now)
                .await?;
        }
        self.store_sample(change.txn(), created.id, sample.as_deref(), now)
            .await?;
        versions::record(
            change.txn(),
            tool_version(&created, 1, "registered", Some(actor.id), now),
        )
        .await?;
        change.commit(created.id, None, Some(json!({
                    "slug": new.slug, "name": new.name, "kind": new.kind, "base_url": new.base_url,
                    "config": config, "secret": if new.secret.is_some() { "set" } else { "none" },
                    "sample_response": sample.as_deref().map(|text| fingerprint("application/json", text.as_bytes())),
                }))).await?;
        self.summarize(&created).await
    }

    /// Removes a tool and its credentials. Widgets bound to it show "not registered" until
    /// rebound.
    pub async fn delete(&self, actor: &SessionUser, tool_id: i32) -> Result<()> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let tool = self.in_org(actor, tool_id, Action::ManageTools).await?;
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::ToolDelete,
                tool::Entity::resource(&tool),
            )
            .await?;
        connection::Entity::delete_many()
            .filter(connection::Column::ToolId.eq(tool.id))
            .exec(change.txn())
            .await?;
        tool_logo::Entity::delete_by_id(tool.id)
            .exec(change.txn())
            .await?;
        tool_sample::Entity::delete_by_id(tool.id)
            .exec(change.txn())
            .await?;
        tool_check::Entity::delete_by_id(tool.id)
            .exec(change.txn())
            .await?;
        tool::Entity::delete_by_id(tool.id)
            .exec(change.txn())
            .await?;
        change.commit(tool.id, Some(json!({"slug": tool.slug, "name": tool.name, "base_url": tool.base_url, "config": tool.config})), None).await?;
        Ok(())
    }
}
