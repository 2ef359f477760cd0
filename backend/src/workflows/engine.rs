//! The engine: accepts runs (at most one per trigger event), claims due runs with a lease so
//! two instances on one database never work on the same run, and carries each run forward
//! one step at a time, writing every step's outcome before the next begins. A run picked up
//! after a crash continues from its last settled step (`domain::workflow::plan`); a step that
//! was running when the engine died is tried again, with the same idempotency key.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use domain::{
    ValidationIssue,
    access::ResourceKind,
    ids::{OrgId, UserId},
    workflow::{
        Port, WorkflowDefinition,
        plan::{self, Settled},
        run::{RunStatus, StepStatus},
    },
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TryIntoModel,
};
use serde_json::{Value, json};

use super::steps::{Attempted, StepRunner};
use crate::{
    Error, Result,
    clock::SharedClock,
    entities::{workflow, workflow_run, workflow_step},
    versions,
};

/// How long a claimed run stays with its engine instance without a word from it.
pub const LEASE: Duration = Duration::from_secs(60);
/// Steps one run may take in one go before others get their turn.
const STEPS_PER_TURN: usize = 200;

/// Where jitter for retry waits comes from: a number in [0, 1].
pub type Jitter = Arc<dyn Fn() -> f64 + Send + Sync>;

#[derive(Clone)]
pub struct Engine {
    db: DatabaseConnection,
    clock: SharedClock,
    runner: StepRunner,
    /// Names this instance in leases.
    owner: Arc<str>,
    jitter: Jitter,
}

/// A new run to accept.
pub(crate) struct NewRun {
    pub trigger_type: String,
    /// Names the trigger event; a second run for the same event is not started.
    pub event_key: Option<String>,
    pub input: Value,
    pub started_by: Option<UserId>,
}

impl Engine {
    pub fn new(
        db: DatabaseConnection,
        clock: SharedClock,
        runner: StepRunner,
        owner: &str,
    ) -> Self {
        Self {
            db,
            clock,
            runner,
            owner: owner.into(),
            jitter: Arc::new(rand_unit),
        }
    }

    /// The same engine under another instance name, as a second replica would be.
    pub fn instance(&self, owner: &str) -> Self {
        Self {
            owner: owner.into(),
            ..self.clone()
        }
    }

    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub(crate) fn owner(&self) -> &str {
        &self.owner
    }

    pub(crate) fn runner(&self) -> &StepRunner {
        &self.runner
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        use chrono::SubsecRound;
        self.clock.now().trunc_subsecs(6)
    }

    /// Accepts a run of the workflow's enabled version; for an event already accepted, the
    /// run it started.
    pub(crate) async fn accept(
        &self,
        conn: &impl ConnectionTrait,
        workflow: &workflow::Model,
        new: NewRun,
    ) -> Result<i32> {
        let version = match (workflow.enabled, workflow.enabled_version) {
            (true, Some(version)) => version,
            _ => {
                return Err(Error::Validation(vec![ValidationIssue::new(
                    "workflow",
                    format!("“{}” is off; turn it on to run it", workflow.name),
                )]));
            }
        };
        if let Some(key) = &new.event_key
            && let Some(existing) = run_for_event(conn, workflow.id, key).await?
        {
            return Ok(existing);
        }
        let now = self.now();
        let inserted = workflow_run::Entity::insert(workflow_run::ActiveModel {
            org_id: Set(workflow.org_id),
            workflow_id: Set(workflow.id),
            version: Set(version),
            status: Set(RunStatus::Queued.as_str().to_owned()),
            trigger_type: Set(new.trigger_type),
            event_key: Set(new.event_key.clone()),
            input: Set(new.input),
            started_by: Set(new.started_by.map(UserId::get)),
            wake_at: Set(Some(now)),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(conn)
        .await;
        match inserted {
            Ok(inserted) => Ok(inserted.last_insert_id),
            // Another instance accepted the same event a moment ago.
            Err(err) => match (&new.event_key, err.sql_err()) {
                (Some(key), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
                    run_for_event(conn, workflow.id, key)
                        .await?
                        .ok_or_else(|| Error::internal("a duplicate run vanished"))
                }
                _ => Err(err.into()),
            },
        }
    }

    /// Fires due triggers and carries runs forward every `every` until `stop` turns true; the pass in hand finishes
    /// first, and each run it leaves is released for any instance to continue.
    pub async fn run_until_stopped(
        &self,
        every: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        while !*stop.borrow() {
            if let Err(err) = self.fire_due_triggers().await {
                tracing::warn!(error = %err, "workflow triggers could not fire");
            }
            if let Err(err) = self.run_due().await {
                tracing::warn!(error = %err, "workflow engine pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// Works on every due run until none is left; the number of steps that ran.
    pub async fn run_due(&self) -> Result<usize> {
        self.run_due_with_budget(usize::MAX).await
    }

    /// [`Self::run_due`], stopping after `budget` steps as if the process died there (the
    /// lease is kept, as a dead process would keep it).
    pub async fn run_due_with_budget(&self, mut budget: usize) -> Result<usize> {
        let mut ran = 0;
        while budget > 0 {
            let Some(run) = self.claim_next().await? else {
                break;
            };
            let (steps, stopped) = self.work_on(run, budget).await?;
            ran += steps;
            budget -= steps.min(budget);
            if stopped {
                break;
            }
        }
        Ok(ran)
    }

    /// Claims the oldest due run nobody holds: a conditional update, so of two instances
    /// asking at once exactly one gets it.
    async fn claim_next(&self) -> Result<Option<workflow_run::Model>> {
        let now = self.now();
        let free = Condition::any()
            .add(workflow_run::Column::LeaseUntil.is_null())
            .add(workflow_run::Column::LeaseUntil.lt(now));
        let due = Condition::any()
            .add(workflow_run::Column::WakeAt.is_null())
            .add(workflow_run::Column::WakeAt.lte(now));
        let open = workflow_run::Column::Status
            .is_in([RunStatus::Queued.as_str(), RunStatus::Running.as_str()]);
        let candidates: Vec<i32> = workflow_run::Entity::find()
            .select_only()
            .column(workflow_run::Column::Id)
            .filter(open.clone())
            .filter(free.clone())
            .filter(due.clone())
            .order_by_asc(workflow_run::Column::Id)
            .limit(10)
            .into_tuple()
            .all(&self.db)
            .await?;
        let until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        for id in candidates {
            let claimed = workflow_run::Entity::update_many()
                .set(workflow_run::ActiveModel {
                    lease_owner: Set(Some(self.owner.to_string())),
                    lease_until: Set(Some(until)),
                    status: Set(RunStatus::Running.as_str().to_owned()),
                    ..Default::default()
                })
                .filter(workflow_run::Column::Id.eq(id))
                // Asked again in the update: another instance may have taken or finished it.
                .filter(open.clone())
                .filter(free.clone())
                .filter(due.clone())
                .exec(&self.db)
                .await?;
            if claimed.rows_affected == 1 {
                return Ok(workflow_run::Entity::find_by_id(id).one(&self.db).await?);
            }
        }
        Ok(None)
    }

    /// Carries a claimed run forward; the steps that ran, and whether the budget ran out.
    async fn work_on(&self, run: workflow_run::Model, budget: usize) -> Result<(usize, bool)> {
        let definition = self.definition_of(&run).await?;
        let mut ran = 0;
        loop {
            if ran >= budget {
                return Ok((ran, true));
            }
            let steps = self.steps_of(run.id).await?;
            let now = self.now();
            let (settled, unsettled) = settled_steps(&definition, &steps);
            let progress =
                plan::advance(&definition, &settled, &unsettled.keys().cloned().collect());
            for node in &progress.skipped {
                self.record_skipped(run.id, node, now).await?;
            }
            // A step left running by an instance that died is tried again; a waiting one
            // when its time has come.
            let again = unsettled.iter().find_map(|(node, row)| {
                let due = row.status == StepStatus::Running.as_str()
                    || row.next_attempt_at.is_none_or(|at| at <= now);
                due.then(|| node.clone())
            });
            let next = again.or_else(|| progress.ready.first().cloned());
            let Some(node_id) = next else {
                if unsettled.is_empty() {
                    self.finish(&run, RunStatus::Succeeded, None).await?;
                } else {
                    let wake = unsettled
                        .values()
                        .filter_map(|row| row.next_attempt_at)
                        .min();
                    self.sleep_until(&run, wake).await?;
                }
                return Ok((ran, false));
            };
            if ran >= STEPS_PER_TURN {
                self.sleep_until(&run, Some(now)).await?;
                return Ok((ran, false));
            }
            let node = definition.node(&node_id).ok_or_else(|| {
                Error::internal(format!("run {} names a step that is gone", run.id))
            })?;
            // The lease must outlast the step; an instance that lost it stops here.
            let step_time = chrono::Duration::seconds(i64::from(node.policy.timeout_seconds));
            if !self.renew_lease(&run, now + step_time).await? {
                return Ok((ran, true));
            }
            let previous = steps.iter().find(|row| row.node_id == node_id);
            let context = context_of(&run, &steps);
            ran += 1;
            let attempt = previous.map_or(0, |row| row.attempt) + 1;
            let row = self
                .record_started(run.id, &node_id, attempt, previous, now)
                .await?;
            let attempted = self
                .runner
                .attempt(&run, node, &context, attempt, previous)
                .await;
            let finished_at = self.now();
            match attempted {
                Attempted::Took {
                    port,
                    input,
                    output,
                } => {
                    self.record_settled(
                        row,
                        StepStatus::Succeeded,
                        Some(port),
                        input,
                        Some(output),
                        None,
                        finished_at,
                    )
                    .await?;
                }
                Attempted::Wait { until } => {
                    self.record_waiting(row, until, None, None).await?;
                }
                Attempted::Failed {
                    kind,
                    message,
                    input,
                } => {
                    let retry = kind
                        .retried()
                        .then(|| {
                            node.policy
                                .retry
                                .delay_after(attempt as u32, (self.jitter)())
                        })
                        .flatten();
                    if let Some(wait) = retry {
                        let until =
                            finished_at + chrono::Duration::from_std(wait).unwrap_or_default();
                        self.record_waiting(row, until, Some(message), Some(kind))
                            .await?;
                        continue;
                    }
                    let mut failed: workflow_step::ActiveModel = row.into();
                    failed.failure_kind = Set(Some(format!("{kind:?}").to_lowercase()));
                    let row = failed.update(&self.db).await?;
                    let has_error_way = definition
                        .edges_from(&node_id)
                        .any(|edge| edge.port == Port::Error);
                    let port = has_error_way.then_some(Port::Error);
                    self.record_settled(
                        row,
                        StepStatus::Failed,
                        port,
                        input,
                        None,
                        Some(message.clone()),
                        finished_at,
                    )
                    .await?;
                    if !has_error_way {
                        let error = format!("Step “{}” failed: {message}", node.title());
                        self.finish(&run, RunStatus::Failed, Some(error)).await?;
                        return Ok((ran, false));
                    }
                }
            }
        }
    }

    /// Extends this instance's lease on the run to `LEASE` after `busy_until`; false when
    /// another instance holds it now.
    async fn renew_lease(
        &self,
        run: &workflow_run::Model,
        busy_until: DateTime<Utc>,
    ) -> Result<bool> {
        let until = busy_until + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let renewed = workflow_run::Entity::update_many()
            .set(workflow_run::ActiveModel {
                lease_until: Set(Some(until)),
                ..Default::default()
            })
            .filter(workflow_run::Column::Id.eq(run.id))
            .filter(workflow_run::Column::LeaseOwner.eq(self.owner.as_ref()))
            .exec(&self.db)
            .await?;
        Ok(renewed.rows_affected == 1)
    }

    /// The definition of the version the run started on.
    async fn definition_of(&self, run: &workflow_run::Model) -> Result<WorkflowDefinition> {
        self.definition_at(run.org_id, run.workflow_id, run.version)
            .await
    }

    /// The definition a workflow version keeps.
    pub(crate) async fn definition_at(
        &self,
        org_id: i32,
        workflow_id: i32,
        version: i32,
    ) -> Result<WorkflowDefinition> {
        let kept = versions::load(
            &self.db,
            ResourceKind::Workflow,
            OrgId(org_id),
            workflow_id,
            version,
        )
        .await?;
        serde_json::from_value(kept.get("definition").cloned().unwrap_or(Value::Null)).map_err(
            |err| Error::internal_from(format!("version {version} of workflow {workflow_id}"), err),
        )
    }

    pub(crate) async fn steps_of(&self, run_id: i32) -> Result<Vec<workflow_step::Model>> {
        Ok(workflow_step::Entity::find()
            .filter(workflow_step::Column::RunId.eq(run_id))
            .order_by_asc(workflow_step::Column::Id)
            .all(&self.db)
            .await?)
    }

    async fn record_skipped(&self, run_id: i32, node: &str, now: DateTime<Utc>) -> Result<()> {
        workflow_step::ActiveModel {
            run_id: Set(run_id),
            node_id: Set(node.to_owned()),
            status: Set(StepStatus::Skipped.as_str().to_owned()),
            attempt: Set(0),
            finished_at: Set(Some(now)),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    async fn record_started(
        &self,
        run_id: i32,
        node: &str,
        attempt: i32,
        previous: Option<&workflow_step::Model>,
        now: DateTime<Utc>,
    ) -> Result<workflow_step::Model> {
        let mut row = match previous {
            Some(previous) => previous.clone().into(),
            None => workflow_step::ActiveModel {
                run_id: Set(run_id),
                node_id: Set(node.to_owned()),
                ..Default::default()
            },
        };
        row.status = Set(StepStatus::Running.as_str().to_owned());
        row.attempt = Set(attempt);
        row.started_at = Set(Some(now));
        row.next_attempt_at = Set(None);
        Ok(row.save(&self.db).await?.try_into_model()?)
    }

    #[expect(clippy::too_many_arguments, reason = "one row's columns")]
    async fn record_settled(
        &self,
        row: workflow_step::Model,
        status: StepStatus,
        port: Option<Port>,
        input: Option<Value>,
        output: Option<Value>,
        error: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut row: workflow_step::ActiveModel = row.into();
        row.status = Set(status.as_str().to_owned());
        row.port = Set(port.map(|port| port.as_str().to_owned()));
        row.input = Set(input.map(super::steps::capped));
        row.output = Set(output.map(super::steps::capped));
        if error.is_some() || status == StepStatus::Succeeded {
            row.error = Set(error);
        }
        row.finished_at = Set(Some(at));
        row.update(&self.db).await?;
        Ok(())
    }

    async fn record_waiting(
        &self,
        row: workflow_step::Model,
        until: DateTime<Utc>,
        error: Option<String>,
        kind: Option<domain::workflow::FailureKind>,
    ) -> Result<()> {
        let mut row: workflow_step::ActiveModel = row.into();
        row.status = Set(StepStatus::Waiting.as_str().to_owned());
        row.next_attempt_at = Set(Some(until));
        row.error = Set(error);
        row.failure_kind = Set(kind.map(|kind| format!("{kind:?}").to_lowercase()));
        row.update(&self.db).await?;
        Ok(())
    }

    /// Gives the run up until `wake` (now when there is no time), so any instance may take
    /// it then.
    async fn sleep_until(
        &self,
        run: &workflow_run::Model,
        wake: Option<DateTime<Utc>>,
    ) -> Result<()> {
        workflow_run::Entity::update_many()
            .set(workflow_run::ActiveModel {
                wake_at: Set(wake.or(Some(self.now()))),
                lease_owner: Set(None),
                lease_until: Set(None),
                ..Default::default()
            })
            .filter(workflow_run::Column::Id.eq(run.id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    async fn finish(
        &self,
        run: &workflow_run::Model,
        status: RunStatus,
        error: Option<String>,
    ) -> Result<()> {
        workflow_run::Entity::update_many()
            .set(workflow_run::ActiveModel {
                status: Set(status.as_str().to_owned()),
                error: Set(error),
                finished_at: Set(Some(self.now())),
                wake_at: Set(None),
                lease_owner: Set(None),
                lease_until: Set(None),
                ..Default::default()
            })
            .filter(workflow_run::Column::Id.eq(run.id))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

async fn run_for_event(
    conn: &impl ConnectionTrait,
    workflow_id: i32,
    key: &str,
) -> Result<Option<i32>> {
    Ok(workflow_run::Entity::find()
        .filter(workflow_run::Column::WorkflowId.eq(workflow_id))
        .filter(workflow_run::Column::EventKey.eq(key))
        .one(conn)
        .await?
        .map(|run| run.id))
}

/// How each step settled, and the rows of those that have not (running or waiting). The
/// trigger settled when the run was accepted.
fn settled_steps(
    definition: &WorkflowDefinition,
    steps: &[workflow_step::Model],
) -> (
    BTreeMap<String, Settled>,
    BTreeMap<String, workflow_step::Model>,
) {
    let mut settled = BTreeMap::new();
    if let Some(trigger) = definition.trigger() {
        settled.insert(trigger.id.clone(), Settled::Took(Port::Next));
    }
    let mut unsettled = BTreeMap::new();
    for row in steps {
        match StepStatus::parse(&row.status) {
            Some(StepStatus::Skipped) => {
                settled.insert(row.node_id.clone(), Settled::Skipped);
            }
            Some(StepStatus::Succeeded | StepStatus::Failed) => {
                let port = row.port.as_deref().and_then(Port::parse);
                settled.insert(
                    row.node_id.clone(),
                    port.map_or(Settled::Skipped, Settled::Took),
                );
            }
            _ => {
                unsettled.insert(row.node_id.clone(), row.clone());
            }
        }
    }
    (settled, unsettled)
}

/// What templates and conditions read: the trigger's payload and every finished step's
/// output.
fn context_of(run: &workflow_run::Model, steps: &[workflow_step::Model]) -> Value {
    let outputs: serde_json::Map<String, Value> = steps
        .iter()
        .filter(|row| row.status == StepStatus::Succeeded.as_str())
        .filter_map(|row| Some((row.node_id.clone(), row.output.clone()?)))
        .collect();
    json!({
        "trigger": run.input,
        "steps": outputs,
        "run": {"id": run.id, "started_at": run.created_at, "version": run.version},
        "workflow": {"id": run.workflow_id},
    })
}

/// A number in [0, 1] for retry jitter, from the standard library's seeded hasher (no
/// dependency for something that need not be cryptographic).
fn rand_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() % 1_000_000) as f64 / 1_000_000.0
}
