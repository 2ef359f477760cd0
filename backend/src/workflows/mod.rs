//! Workflows: the organization's automations. A working definition is saved even while it
//! does not validate (the editor shows its problems on the nodes); "turn on" validates it
//! against what exists (tools, channels, workflows, pages) and pins the version the engine
//! runs, so later saves do not change a running workflow until it is turned on again.
//! Every save is a version; a revert writes an old version back as a new one.

pub mod channels;
pub mod engine;
mod history;
mod runs;
pub mod steps;
mod triggers;

pub use channels::ChannelService;
pub use engine::Engine;
pub use steps::StepRunner;

use domain::{
    Action, ValidationIssue,
    access::{Resource, ResourceKind},
    audit::AuditAction,
    dto::SessionUser,
    workflow::{
        Catalog, Step, WORKFLOW_SCHEMA_VERSION, WorkflowDefinition,
        wire::{EnableWorkflow, NewWorkflow, SaveWorkflow, WorkflowDraft, WorkflowSummary},
    },
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};
use serde_json::{Value, json};

use crate::{
    Error, Result,
    change::{Change, Changes},
    entities::{channel, page, tool, workflow},
    pages::display_names,
    scoped::{self, OrgScoped},
    versions::{self, NewVersion},
};

pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;

/// The organization's workflows, as the policy sees them before one is loaded.
fn workflows_of(actor: &SessionUser) -> Resource {
    Resource::new(ResourceKind::Workflow, actor.org_id)
}

/// What a workflow version keeps.
fn snapshot(name: &str, description: &str, definition: &Value) -> Value {
    json!({"name": name, "description": description, "definition": definition})
}

/// A stored definition, read leniently so a draft saved under older rules still opens.
fn stored(model: &workflow::Model) -> Result<WorkflowDefinition> {
    serde_json::from_value(model.definition.clone()).map_err(|err| {
        Error::internal_from(format!("stored workflow {} is unreadable", model.id), err)
    })
}

/// A definition sent by a client; what cannot be read at all is refused, naming the field.
fn parsed(definition: &Value) -> Result<WorkflowDefinition> {
    WorkflowDefinition::parse(definition).map_err(|issue| {
        let path = if issue.path.is_empty() {
            "definition".to_owned()
        } else {
            format!("definition.{}", issue.path)
        };
        Error::Validation(vec![ValidationIssue::new(path, issue.message)])
    })
}

fn canonical(definition: &WorkflowDefinition) -> Result<Value> {
    serde_json::to_value(definition).map_err(|err| Error::internal_from("workflow definition", err))
}

fn trigger_type(definition: &WorkflowDefinition) -> Option<String> {
    let trigger = definition.trigger()?;
    let tagged = serde_json::to_value(&trigger.step).ok()?;
    tagged.get("type")?.as_str().map(str::to_owned)
}

/// A new workflow's starting point: a manual start and nothing else.
fn blank() -> WorkflowDefinition {
    WorkflowDefinition {
        schema_version: WORKFLOW_SCHEMA_VERSION,
        nodes: vec![domain::workflow::Node {
            id: "start".to_owned(),
            label: "Run now".to_owned(),
            position: domain::workflow::Position { x: 80, y: 80 },
            step: Step::Manual {
                sample: Value::Null,
            },
            policy: Default::default(),
        }],
        ..WorkflowDefinition::default()
    }
}

fn check_texts(name: &str, description: &str) -> Result<()> {
    let mut issues = Vec::new();
    if name.trim().is_empty() {
        issues.push(ValidationIssue::new("name", "give the workflow a name"));
    } else if name.chars().count() > MAX_NAME_CHARS {
        issues.push(ValidationIssue::new(
            "name",
            format!("at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        issues.push(ValidationIssue::new(
            "description",
            format!("at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(issues))
    }
}

#[derive(Clone)]
pub struct WorkflowService {
    db: DatabaseConnection,
    changes: Changes,
    engine: Engine,
}

impl WorkflowService {
    pub fn new(db: DatabaseConnection, changes: Changes, engine: Engine) -> Self {
        Self {
            db,
            changes,
            engine,
        }
    }

    /// What exists in the organization for a workflow's steps to name.
    pub async fn catalog(&self, actor: &SessionUser, this: Option<&str>) -> Result<Catalog> {
        let org = actor.org_id;
        Ok(Catalog {
            tools: slugs_of::<tool::Entity>(&self.db, org, tool::Column::Slug).await?,
            channels: channel_kinds(&self.db, org).await?,
            workflows: slugs_of::<workflow::Entity>(&self.db, org, workflow::Column::Slug).await?,
            pages: slugs_of::<page::Entity>(&self.db, org, page::Column::Slug).await?,
            this_workflow: this.map(str::to_owned),
        })
    }

    async fn summarize(
        &self,
        actor: &SessionUser,
        models: &[workflow::Model],
    ) -> Result<Vec<WorkflowSummary>> {
        let names = display_names(&self.db, models.iter().filter_map(|m| m.updated_by)).await?;
        let mut catalog = self.catalog(actor, None).await?;
        let mut summaries = Vec::with_capacity(models.len());
        for model in models {
            catalog.this_workflow = Some(model.slug.clone());
            let problems = stored(model)?.issues(&catalog).len();
            summaries.push(WorkflowSummary {
                id: model.id,
                slug: model.slug.clone(),
                name: model.name.clone(),
                description: model.description.clone(),
                trigger: model.trigger_type.clone(),
                revision: model.revision,
                enabled: model.enabled,
                enabled_version: model.enabled_version,
                problems,
                updated_at: model.updated_at,
                updated_by: model.updated_by.and_then(|id| names.get(&id).cloned()),
            });
        }
        Ok(summaries)
    }

    async fn summary(
        &self,
        actor: &SessionUser,
        model: &workflow::Model,
    ) -> Result<WorkflowSummary> {
        let mut summaries = self.summarize(actor, std::slice::from_ref(model)).await?;
        summaries
            .pop()
            .ok_or_else(|| Error::internal("summary of one workflow"))
    }

    async fn draft_of(
        &self,
        actor: &SessionUser,
        model: &workflow::Model,
    ) -> Result<WorkflowDraft> {
        let definition = stored(model)?;
        let catalog = self.catalog(actor, Some(&model.slug)).await?;
        Ok(WorkflowDraft {
            issues: definition.issues(&catalog),
            workflow: self.summary(actor, model).await?,
            definition,
        })
    }

    /// The workflow, if `actor` may manage workflows; another organization's is "not found".
    async fn load(&self, actor: &SessionUser, id: i32) -> Result<workflow::Model> {
        crate::authorize(actor, Action::ManageWorkflows, workflows_of(actor))?;
        let model = scoped::load::<workflow::Entity>(&self.db, actor.org_id, id).await?;
        crate::authorize(
            actor,
            Action::ManageWorkflows,
            workflow::Entity::resource(&model),
        )?;
        Ok(model)
    }

    pub async fn list(&self, actor: &SessionUser) -> Result<Vec<WorkflowSummary>> {
        crate::authorize(actor, Action::ManageWorkflows, workflows_of(actor))?;
        let models = scoped::all_in::<workflow::Entity>(actor.org_id)
            .order_by_asc(workflow::Column::Name)
            .all(&self.db)
            .await?;
        self.summarize(actor, &models).await
    }

    pub async fn get(&self, actor: &SessionUser, id: i32) -> Result<WorkflowDraft> {
        let model = self.load(actor, id).await?;
        self.draft_of(actor, &model).await
    }

    /// A new workflow, off until turned on; version 1 keeps its first state.
    pub async fn create(&self, actor: &SessionUser, new: NewWorkflow) -> Result<WorkflowDraft> {
        crate::authorize(actor, Action::ManageWorkflows, workflows_of(actor))?;
        Error::check_slug(&new.slug)?;
        check_texts(&new.name, &new.description)?;
        let definition = match &new.definition {
            Some(definition) => parsed(definition)?,
            None => blank(),
        };
        let definition_json = canonical(&definition)?;
        let change = self
            .changes
            .begin(actor, AuditAction::WorkflowCreate, workflows_of(actor))
            .await?;
        let now = change.now();
        let slug = new.slug.clone();
        let inserted = workflow::Entity::insert(workflow::ActiveModel {
            org_id: Set(actor.org_id.get()),
            slug: Set(new.slug.clone()),
            name: Set(new.name.trim().to_owned()),
            description: Set(new.description.trim().to_owned()),
            definition: Set(definition_json.clone()),
            revision: Set(1),
            enabled: Set(false),
            enabled_version: Set(None),
            trigger_type: Set(trigger_type(&definition)),
            created_by: Set(Some(actor.id.get())),
            created_at: Set(now),
            updated_by: Set(Some(actor.id.get())),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(change.txn())
        .await
        .map_err(|err| {
            Error::from_unique_violation(
                err,
                format!("A workflow with the address {slug} already exists."),
            )
        })?;
        let id = inserted.last_insert_id;
        let kept = snapshot(new.name.trim(), new.description.trim(), &definition_json);
        keep_version(&change, actor, id, 1, kept.clone(), "created").await?;
        change.commit(id, None, Some(kept)).await?;
        let model = scoped::load::<workflow::Entity>(&self.db, actor.org_id, id).await?;
        self.draft_of(actor, &model).await
    }

    /// Saves the working definition (problems and all) if nobody saved since
    /// `base_revision`; a running workflow keeps running the version it was turned on with.
    pub async fn save(
        &self,
        actor: &SessionUser,
        id: i32,
        save: SaveWorkflow,
    ) -> Result<WorkflowDraft> {
        check_texts(&save.name, &save.description)?;
        let definition = parsed(&save.definition)?;
        let current = self.load(actor, id).await?;
        if current.revision != save.base_revision {
            return Err(stale(&current));
        }
        let definition_json = canonical(&definition)?;
        let (name, description) = (save.name.trim(), save.description.trim());
        if current.definition == definition_json
            && current.name == name
            && current.description == description
        {
            return self.draft_of(actor, &current).await;
        }
        let before = snapshot(&current.name, &current.description, &current.definition);
        let after = snapshot(name, description, &definition_json);
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::WorkflowSave,
                workflow::Entity::resource(&current),
            )
            .await?;
        self.write(
            &change,
            actor,
            &current,
            (name, description, &definition),
            "saved",
        )
        .await?;
        change.commit(id, Some(before), Some(after)).await?;
        self.get(actor, id).await
    }

    /// Writes a new working state as the next revision and version, if the revision is
    /// still `current.revision` (else a conflict: someone saved in between).
    async fn write(
        &self,
        change: &Change,
        actor: &SessionUser,
        current: &workflow::Model,
        (name, description, definition): (&str, &str, &WorkflowDefinition),
        note: &str,
    ) -> Result<i32> {
        let definition_json = canonical(definition)?;
        let updated = workflow::Entity::update_many()
            .set(workflow::ActiveModel {
                name: Set(name.to_owned()),
                description: Set(description.to_owned()),
                definition: Set(definition_json.clone()),
                trigger_type: Set(trigger_type(definition)),
                updated_by: Set(Some(actor.id.get())),
                updated_at: Set(change.now()),
                ..Default::default()
            })
            .col_expr(
                workflow::Column::Revision,
                Expr::col(workflow::Column::Revision).add(1),
            )
            .filter(workflow::Column::Id.eq(current.id))
            .filter(workflow::Column::Revision.eq(current.revision))
            .exec(change.txn())
            .await?;
        if updated.rows_affected == 0 {
            return Err(stale(current));
        }
        let revision = current.revision + 1;
        keep_version(
            change,
            actor,
            current.id,
            revision,
            snapshot(name, description, &definition_json),
            note,
        )
        .await?;
        Ok(revision)
    }

    /// Turns the workflow on at `base_revision`: it must meet every rule against what
    /// exists now; otherwise 422 with each problem on its node.
    pub async fn enable(
        &self,
        actor: &SessionUser,
        id: i32,
        enable: EnableWorkflow,
    ) -> Result<WorkflowSummary> {
        let current = self.load(actor, id).await?;
        if current.revision != enable.base_revision {
            return Err(stale(&current));
        }
        let catalog = self.catalog(actor, Some(&current.slug)).await?;
        let definition = stored(&current)?;
        let mut issues = definition.issues(&catalog);
        issues.extend(steps::unrunnable_issues(&definition));
        if !issues.is_empty() {
            return Err(Error::Validation(
                issues
                    .into_iter()
                    .map(|issue| {
                        ValidationIssue::new(format!("definition.{}", issue.path), issue.message)
                    })
                    .collect(),
            ));
        }
        if current.enabled && current.enabled_version == Some(current.revision) {
            return self.summary(actor, &current).await;
        }
        let before = json!({"enabled": current.enabled, "version": current.enabled_version});
        let after = json!({"enabled": true, "version": current.revision});
        self.set_enabled(
            actor,
            &current,
            AuditAction::WorkflowEnable,
            (before, after),
            Some(current.revision),
        )
        .await
    }

    /// Turns the workflow off: nothing new starts; runs in flight finish.
    pub async fn disable(&self, actor: &SessionUser, id: i32) -> Result<WorkflowSummary> {
        let current = self.load(actor, id).await?;
        if !current.enabled {
            return self.summary(actor, &current).await;
        }
        let before = json!({"enabled": true, "version": current.enabled_version});
        let after = json!({"enabled": false, "version": current.enabled_version});
        self.set_enabled(
            actor,
            &current,
            AuditAction::WorkflowDisable,
            (before, after),
            None,
        )
        .await
    }

    async fn set_enabled(
        &self,
        actor: &SessionUser,
        current: &workflow::Model,
        action: AuditAction,
        (before, after): (Value, Value),
        version: Option<i32>,
    ) -> Result<WorkflowSummary> {
        let change = self
            .changes
            .begin(actor, action, workflow::Entity::resource(current))
            .await?;
        match version {
            Some(version) => {
                let due = triggers::first_due(&stored(current)?, change.now())?;
                triggers::arm(change.txn(), current, version, due).await?;
            }
            None => triggers::disarm(change.txn(), current.id).await?,
        }
        let mut update = workflow::ActiveModel {
            enabled: Set(version.is_some()),
            updated_by: Set(Some(actor.id.get())),
            updated_at: Set(change.now()),
            ..Default::default()
        };
        if version.is_some() {
            update.enabled_version = Set(version);
        }
        let updated = workflow::Entity::update_many()
            .set(update)
            .filter(workflow::Column::Id.eq(current.id))
            .filter(workflow::Column::Revision.eq(current.revision))
            .exec(change.txn())
            .await?;
        if updated.rows_affected == 0 {
            return Err(stale(current));
        }
        change.commit(current.id, Some(before), Some(after)).await?;
        let model = scoped::load::<workflow::Entity>(&self.db, actor.org_id, current.id).await?;
        self.summary(actor, &model).await
    }

    /// Deletes the workflow and its versions' link to it; the audit row keeps its last state.
    pub async fn delete(&self, actor: &SessionUser, id: i32) -> Result<()> {
        let current = self.load(actor, id).await?;
        let before = snapshot(&current.name, &current.description, &current.definition);
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::WorkflowDelete,
                workflow::Entity::resource(&current),
            )
            .await?;
        workflow::Entity::delete_by_id(id)
            .exec(change.txn())
            .await?;
        change.commit(id, Some(before), None).await
    }
}

/// The organization's channels by name, with their kinds.
async fn channel_kinds(
    db: &DatabaseConnection,
    org: domain::ids::OrgId,
) -> Result<std::collections::BTreeMap<String, domain::workflow::ChannelKind>> {
    let rows: Vec<(String, String)> = scoped::all_in::<channel::Entity>(org)
        .select_only()
        .column(channel::Column::Name)
        .column(channel::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(name, kind)| Some((name, domain::workflow::ChannelKind::parse(&kind)?)))
        .collect())
}

/// The slugs of the organization's rows of `E`.
async fn slugs_of<E: OrgScoped>(
    db: &DatabaseConnection,
    org: domain::ids::OrgId,
    slug: E::Column,
) -> Result<std::collections::BTreeSet<String>> {
    let slugs: Vec<String> = scoped::all_in::<E>(org)
        .select_only()
        .column(slug)
        .into_tuple()
        .all(db)
        .await?;
    Ok(slugs.into_iter().collect())
}

async fn keep_version(
    change: &Change,
    actor: &SessionUser,
    id: i32,
    version: i32,
    snapshot: Value,
    note: &str,
) -> Result<()> {
    versions::record(
        change.txn(),
        NewVersion {
            kind: ResourceKind::Workflow.into(),
            org_id: actor.org_id,
            resource_id: id,
            version,
            snapshot,
            note,
            by: Some(actor.id),
            at: change.now(),
        },
    )
    .await
}

fn stale(current: &workflow::Model) -> Error {
    Error::Conflict(format!(
        "Someone saved “{}” after you opened it. Reload to see their changes.",
        current.name
    ))
}
