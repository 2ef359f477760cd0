//! Workflow runs and their steps: what the engine has accepted and how far each run got, so
//! a run survives a restart. One trigger event starts at most one run (`event_key`, unique
//! per workflow); a step is one row per run and node, its attempts counted on it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Workflows {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WorkflowRuns {
    Table,
    Id,
    OrgId,
    WorkflowId,
    Version,
    Status,
    TriggerType,
    EventKey,
    Input,
    Error,
    StartedBy,
    LeaseOwner,
    LeaseUntil,
    WakeAt,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum WorkflowSteps {
    Table,
    Id,
    RunId,
    NodeId,
    Status,
    Port,
    Attempt,
    Input,
    Output,
    Error,
    FailureKind,
    StartedAt,
    FinishedAt,
    NextAttemptAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkflowRuns::Table)
                    .col(pk_auto(WorkflowRuns::Id))
                    .col(integer(WorkflowRuns::OrgId))
                    .col(integer(WorkflowRuns::WorkflowId))
                    .col(integer(WorkflowRuns::Version))
                    .col(string(WorkflowRuns::Status))
                    .col(string(WorkflowRuns::TriggerType))
                    .col(string_null(WorkflowRuns::EventKey))
                    .col(json(WorkflowRuns::Input))
                    .col(text_null(WorkflowRuns::Error))
                    .col(integer_null(WorkflowRuns::StartedBy))
                    .col(string_null(WorkflowRuns::LeaseOwner))
                    .col(timestamp_with_time_zone_null(WorkflowRuns::LeaseUntil))
                    .col(timestamp_with_time_zone_null(WorkflowRuns::WakeAt))
                    .col(timestamp_with_time_zone(WorkflowRuns::CreatedAt))
                    .col(timestamp_with_time_zone_null(WorkflowRuns::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_workflow_runs_org")
                            .from(WorkflowRuns::Table, WorkflowRuns::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_workflow_runs_workflow")
                            .from(WorkflowRuns::Table, WorkflowRuns::WorkflowId)
                            .to(Workflows::Table, Workflows::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // NULL keys (manual runs) never collide, on SQLite and PostgreSQL alike.
        manager
            .create_index(
                Index::create()
                    .name("idx_workflow_runs_event")
                    .table(WorkflowRuns::Table)
                    .col(WorkflowRuns::WorkflowId)
                    .col(WorkflowRuns::EventKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_workflow_runs_due")
                    .table(WorkflowRuns::Table)
                    .col(WorkflowRuns::Status)
                    .col(WorkflowRuns::WakeAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkflowSteps::Table)
                    .col(pk_auto(WorkflowSteps::Id))
                    .col(integer(WorkflowSteps::RunId))
                    .col(string(WorkflowSteps::NodeId))
                    .col(string(WorkflowSteps::Status))
                    .col(string_null(WorkflowSteps::Port))
                    .col(integer(WorkflowSteps::Attempt).default(0))
                    .col(json_null(WorkflowSteps::Input))
                    .col(json_null(WorkflowSteps::Output))
                    .col(text_null(WorkflowSteps::Error))
                    .col(string_null(WorkflowSteps::FailureKind))
                    .col(timestamp_with_time_zone_null(WorkflowSteps::StartedAt))
                    .col(timestamp_with_time_zone_null(WorkflowSteps::FinishedAt))
                    .col(timestamp_with_time_zone_null(WorkflowSteps::NextAttemptAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_workflow_steps_run")
                            .from(WorkflowSteps::Table, WorkflowSteps::RunId)
                            .to(WorkflowRuns::Table, WorkflowRuns::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_workflow_steps_run_node")
                    .table(WorkflowSteps::Table)
                    .col(WorkflowSteps::RunId)
                    .col(WorkflowSteps::NodeId)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
