//! Triggers that fire on their own: schedules and tool events. Each enabled workflow with one
//! has a row in `workflow_triggers` saying when it is next due. An instance claims due rows
//! with a lease (as it claims runs), accepts the runs the trigger calls for — each named by
//! its event, so a trigger fired twice after a crash still starts one run — and only then
//! writes what the poll saw and when the trigger is next due.

use chrono::{DateTime, Utc};
use domain::{
    ValidationIssue,
    workflow::{Step, WorkflowDefinition, schedule::Schedule, watch::Seen},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use super::engine::{Engine, LEASE, NewRun};
use crate::{
    Error, Result,
    entities::{workflow, workflow_trigger},
};

/// When a trigger that was just turned on is first due, or `None` for triggers that do not
/// fire on their own (manual, webhook, page button).
pub(crate) fn first_due(
    definition: &WorkflowDefinition,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let Some(trigger) = definition.trigger() else {
        return Ok(None);
    };
    match &trigger.step {
        Step::Schedule { cron, time_zone } => {
            let schedule = Schedule::parse(cron, time_zone).map_err(|err| {
                Error::Validation(vec![ValidationIssue::new(
                    format!("definition.nodes.{}.cron", trigger.id),
                    err.to_string(),
                )])
            })?;
            Ok(schedule.next_after(now))
        }
        // The first poll learns what is there; it may as well happen at once.
        Step::ToolEvent(_) => Ok(Some(now)),
        _ => Ok(None),
    }
}

/// Makes the workflow's trigger row match its enabled version: due at `due`, what was seen
/// forgotten (a new version may watch something else), or no row when nothing is due.
pub(crate) async fn arm(
    conn: &impl ConnectionTrait,
    workflow: &workflow::Model,
    version: i32,
    due: Option<DateTime<Utc>>,
) -> Result<()> {
    workflow_trigger::Entity::delete_by_id(workflow.id)
        .exec(conn)
        .await?;
    if let Some(due) = due {
        workflow_trigger::ActiveModel {
            workflow_id: Set(workflow.id),
            org_id: Set(workflow.org_id),
            version: Set(version),
            next_due_at: Set(due),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

pub(crate) async fn disarm(conn: &impl ConnectionTrait, workflow_id: i32) -> Result<()> {
    workflow_trigger::Entity::delete_by_id(workflow_id)
        .exec(conn)
        .await?;
    Ok(())
}

impl Engine {
    /// Fires every due trigger once; the number of runs accepted.
    pub async fn fire_due_triggers(&self) -> Result<usize> {
        let mut accepted = 0;
        while let Some(trigger) = self.claim_trigger().await? {
            accepted += self.fire(trigger).await?;
        }
        Ok(accepted)
    }

    async fn claim_trigger(&self) -> Result<Option<workflow_trigger::Model>> {
        let now = self.now();
        let free = Condition::any()
            .add(workflow_trigger::Column::LeaseUntil.is_null())
            .add(workflow_trigger::Column::LeaseUntil.lt(now));
        let due = workflow_trigger::Column::NextDueAt.lte(now);
        let candidates: Vec<i32> = workflow_trigger::Entity::find()
            .select_only()
            .column(workflow_trigger::Column::WorkflowId)
            .filter(free.clone())
            .filter(due.clone())
            .order_by_asc(workflow_trigger::Column::NextDueAt)
            .limit(10)
            .into_tuple()
            .all(self.db())
            .await?;
        let until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        for id in candidates {
            let claimed = workflow_trigger::Entity::update_many()
                .set(workflow_trigger::ActiveModel {
                    lease_owner: Set(Some(self.owner().to_owned())),
                    lease_until: Set(Some(until)),
                    ..Default::default()
                })
                .filter(workflow_trigger::Column::WorkflowId.eq(id))
                .filter(free.clone())
                .filter(due.clone())
                .exec(self.db())
                .await?;
            if claimed.rows_affected == 1 {
                return Ok(workflow_trigger::Entity::find_by_id(id)
                    .one(self.db())
                    .await?);
            }
        }
        Ok(None)
    }

    /// Fires one claimed trigger and sets when it is next due.
    async fn fire(&self, trigger: workflow_trigger::Model) -> Result<usize> {
        let now = self.now();
        let workflow = workflow::Entity::find_by_id(trigger.workflow_id)
            .one(self.db())
            .await?;
        // Turned off or on again since this row was armed: nothing fires for the old version.
        let Some(workflow) =
            workflow.filter(|w| w.enabled && w.enabled_version == Some(trigger.version))
        else {
            disarm(self.db(), trigger.workflow_id).await?;
            return Ok(0);
        };
        let definition = self
            .definition_at(workflow.org_id, workflow.id, trigger.version)
            .await?;
        let Some(node) = definition.trigger() else {
            return Ok(0);
        };
        let mut accepted = 0;
        let mut seen = trigger.seen.clone();
        let mut problem = None;
        let next_due = match &node.step {
            Step::Schedule { cron, time_zone } => {
                let fires_at = trigger.next_due_at;
                let new = NewRun {
                    trigger_type: "schedule".to_owned(),
                    event_key: Some(Schedule::event_key(fires_at)),
                    input: json!({"scheduled_for": fires_at}),
                    started_by: None,
                };
                self.accept(self.db(), &workflow, new).await?;
                accepted += 1;
                // After downtime only the latest missed firing runs; the next is after now.
                Schedule::parse(cron, time_zone)
                    .ok()
                    .and_then(|schedule| schedule.next_after(now.max(fires_at)))
            }
            Step::ToolEvent(watch) => {
                let next = now + chrono::Duration::seconds(i64::from(watch.interval_seconds));
                match self
                    .runner()
                    .poll(domain::ids::OrgId(workflow.org_id), watch)
                    .await
                {
                    Err(message) => problem = Some(message),
                    Ok(answer) => {
                        let previous: Option<Seen> = trigger
                            .seen
                            .as_ref()
                            .and_then(|seen| serde_json::from_value(seen.clone()).ok());
                        match watch.observe(&answer, previous.as_ref()) {
                            Err(err) => problem = Some(err.to_string()),
                            Ok(observation) => {
                                for fired in observation.fired {
                                    let new = NewRun {
                                        trigger_type: "tool_event".to_owned(),
                                        event_key: Some(fired.event_key()),
                                        input: fired.item,
                                        started_by: None,
                                    };
                                    self.accept(self.db(), &workflow, new).await?;
                                    accepted += 1;
                                }
                                seen = Some(
                                    serde_json::to_value(observation.seen).unwrap_or(Value::Null),
                                );
                            }
                        }
                    }
                }
                Some(next)
            }
            _ => None,
        };
        if let Some(message) = &problem {
            tracing::warn!(workflow = workflow.id, problem = %message, "workflow trigger could not fire");
        }
        let mut row: workflow_trigger::ActiveModel = trigger.into();
        row.seen = Set(seen);
        row.last_error = Set(problem);
        row.last_checked_at = Set(Some(now));
        row.lease_owner = Set(None);
        row.lease_until = Set(None);
        match next_due {
            Some(next) => {
                row.next_due_at = Set(next);
                row.update(self.db()).await?;
            }
            None => {
                row.delete(self.db()).await?;
            }
        }
        Ok(accepted)
    }
}
