//! Starting runs by hand ("Run now", `POST /api/workflows/execute`), audited with who started
//! what, and reading the run history with every step's input, output, attempts and errors.

use domain::{
    audit::AuditAction,
    dto::SessionUser,
    workflow::{
        WorkflowDefinition,
        run::{ExecuteWorkflow, RunDetail, RunStarted, RunStatus, RunSummary, StepRun, StepStatus},
    },
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use super::{WorkflowService, engine::NewRun, stored};
use crate::{
    Error, Result,
    entities::{workflow, workflow_run},
    pages::display_names,
    scoped::{self, OrgScoped},
};

/// Runs shown in a workflow's history, newest first.
pub const RUNS_LISTED: u64 = 100;

impl WorkflowService {
    /// Starts the workflow's enabled version with `input` as the trigger's payload.
    pub async fn run_now(&self, actor: &SessionUser, id: i32, input: Value) -> Result<RunStarted> {
        let model = self.load(actor, id).await?;
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::WorkflowRun,
                workflow::Entity::resource(&model),
            )
            .await?;
        let new = NewRun {
            trigger_type: "manual".to_owned(),
            event_key: None,
            input: input.clone(),
            started_by: Some(actor.id),
        };
        let run_id = self.engine.accept(change.txn(), &model, new).await?;
        change
            .commit(id, None, Some(json!({"run": run_id, "input": input})))
            .await?;
        Ok(RunStarted { run_id })
    }

    /// `POST /api/workflows/execute`: [`Self::run_now`] by slug.
    pub async fn execute(
        &self,
        actor: &SessionUser,
        request: ExecuteWorkflow,
    ) -> Result<RunStarted> {
        crate::authorize(
            actor,
            domain::Action::ManageWorkflows,
            super::workflows_of(actor),
        )?;
        let model = scoped::all_in::<workflow::Entity>(actor.org_id)
            .filter(workflow::Column::Slug.eq(request.workflow.as_str()))
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("workflow"))?;
        self.run_now(actor, model.id, request.input).await
    }

    /// The workflow's runs, newest first.
    pub async fn runs(&self, actor: &SessionUser, id: i32) -> Result<Vec<RunSummary>> {
        let model = self.load(actor, id).await?;
        let runs = workflow_run::Entity::find()
            .filter(workflow_run::Column::WorkflowId.eq(model.id))
            .order_by_desc(workflow_run::Column::Id)
            .limit(RUNS_LISTED)
            .all(&self.db)
            .await?;
        let names = display_names(&self.db, runs.iter().filter_map(|run| run.started_by)).await?;
        runs.iter()
            .map(|run| {
                summarize(
                    run,
                    &model,
                    run.started_by.and_then(|id| names.get(&id).cloned()),
                )
            })
            .collect()
    }

    /// One run with each of its steps, in the order they started.
    pub async fn run(&self, actor: &SessionUser, run_id: i32) -> Result<RunDetail> {
        crate::authorize(
            actor,
            domain::Action::ManageWorkflows,
            super::workflows_of(actor),
        )?;
        let run = workflow_run::Entity::find_by_id(run_id)
            .filter(workflow_run::Column::OrgId.eq(actor.org_id.get()))
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("run"))?;
        let model = self.load(actor, run.workflow_id).await?;
        let definition: Option<WorkflowDefinition> = stored(&model).ok();
        let title = |node: &str| {
            definition
                .as_ref()
                .and_then(|definition| definition.node(node))
                .map_or_else(|| node.to_owned(), |node| node.title().to_owned())
        };
        let steps = self
            .engine
            .steps_of(run.id)
            .await?
            .into_iter()
            .map(|row| StepRun {
                title: title(&row.node_id),
                status: StepStatus::parse(&row.status).unwrap_or(StepStatus::Running),
                node: row.node_id,
                port: row.port,
                attempt: row.attempt,
                input: row.input,
                output: row.output,
                error: row.error,
                started_at: row.started_at,
                finished_at: row.finished_at,
                next_attempt_at: row.next_attempt_at,
            })
            .collect();
        let mut names = display_names(&self.db, run.started_by).await?;
        let by = run.started_by.and_then(|id| names.remove(&id));
        Ok(RunDetail {
            run: summarize(&run, &model, by)?,
            input: run.input,
            steps,
        })
    }
}

fn summarize(
    run: &workflow_run::Model,
    workflow: &workflow::Model,
    by: Option<String>,
) -> Result<RunSummary> {
    Ok(RunSummary {
        id: run.id,
        workflow_id: workflow.id,
        workflow: workflow.name.clone(),
        version: run.version,
        status: RunStatus::parse(&run.status)
            .ok_or_else(|| Error::internal(format!("run {} has status {}", run.id, run.status)))?,
        trigger: run.trigger_type.clone(),
        started_by: by,
        created_at: run.created_at,
        finished_at: run.finished_at,
        error: run.error.clone(),
    })
}
