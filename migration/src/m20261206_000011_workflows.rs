//! Workflows: each organization's automations, with their working definition (saved even
//! when it does not validate yet), its revision for concurrent edits, and whether — and on
//! which version — the engine runs it. Versions live in the shared `versions` table.

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
    OrgId,
    Slug,
    Name,
    Description,
    Definition,
    Revision,
    Enabled,
    EnabledVersion,
    TriggerType,
    CreatedBy,
    CreatedAt,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Workflows::Table)
                    .col(pk_auto(Workflows::Id))
                    .col(integer(Workflows::OrgId))
                    .col(string(Workflows::Slug))
                    .col(string(Workflows::Name))
                    .col(text(Workflows::Description).default(""))
                    .col(json(Workflows::Definition))
                    .col(integer(Workflows::Revision).default(1))
                    .col(boolean(Workflows::Enabled).default(false))
                    .col(integer_null(Workflows::EnabledVersion))
                    .col(string_null(Workflows::TriggerType))
                    .col(integer_null(Workflows::CreatedBy))
                    .col(timestamp_with_time_zone(Workflows::CreatedAt))
                    .col(integer_null(Workflows::UpdatedBy))
                    .col(timestamp_with_time_zone(Workflows::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_workflows_org")
                            .from(Workflows::Table, Workflows::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_workflows_org_slug")
                    .table(Workflows::Table)
                    .col(Workflows::OrgId)
                    .col(Workflows::Slug)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
