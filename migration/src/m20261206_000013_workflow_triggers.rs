//! Where each enabled workflow's trigger stands: when it is next due (a schedule's next
//! firing, a tool event's next poll), what its last poll saw (so a restart does not fire
//! again), its last problem, and a lease so two instances never fire one trigger twice.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workflows {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WorkflowTriggers {
    Table,
    WorkflowId,
    OrgId,
    Version,
    NextDueAt,
    Seen,
    LastError,
    LastCheckedAt,
    LeaseOwner,
    LeaseUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkflowTriggers::Table)
                    .col(integer(WorkflowTriggers::WorkflowId).primary_key())
                    .col(integer(WorkflowTriggers::OrgId))
                    .col(integer(WorkflowTriggers::Version))
                    .col(timestamp_with_time_zone(WorkflowTriggers::NextDueAt))
                    .col(json_null(WorkflowTriggers::Seen))
                    .col(text_null(WorkflowTriggers::LastError))
                    .col(timestamp_with_time_zone_null(
                        WorkflowTriggers::LastCheckedAt,
                    ))
                    .col(string_null(WorkflowTriggers::LeaseOwner))
                    .col(timestamp_with_time_zone_null(WorkflowTriggers::LeaseUntil))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_workflow_triggers_workflow")
                            .from(WorkflowTriggers::Table, WorkflowTriggers::WorkflowId)
                            .to(Workflows::Table, Workflows::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_workflow_triggers_due")
                    .table(WorkflowTriggers::Table)
                    .col(WorkflowTriggers::NextDueAt)
                    .to_owned(),
            )
            .await
    }
}
