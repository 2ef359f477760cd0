//! What the Tool Manager keeps beside a tool's row: its logo and pasted sample answer (large
//! and only needed by the admin screens, so not in `tools.config`, which every tool call
//! reads), and the outcome of its last connection test (written by tests while admins edit
//! the settings, so a separate row keeps the two from overwriting each other).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ToolLogos {
    Table,
    ToolId,
    ContentType,
    Data,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ToolSamples {
    Table,
    ToolId,
    Body,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ToolChecks {
    Table,
    ToolId,
    Status,
    Message,
    LatencyMs,
    CheckedAt,
}

#[derive(DeriveIden)]
enum Tools {
    Table,
    Id,
}

fn belongs_to_tool(
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
    name: &str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(Tools::Table, Tools::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ToolLogos::Table)
                    .col(integer(ToolLogos::ToolId).primary_key())
                    .col(string(ToolLogos::ContentType))
                    .col(binary(ToolLogos::Data))
                    .col(timestamp_with_time_zone(ToolLogos::UpdatedAt))
                    .foreign_key(&mut belongs_to_tool(
                        ToolLogos::Table,
                        ToolLogos::ToolId,
                        "fk_tool_logos_tool",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ToolSamples::Table)
                    .col(integer(ToolSamples::ToolId).primary_key())
                    .col(text(ToolSamples::Body))
                    .col(timestamp_with_time_zone(ToolSamples::UpdatedAt))
                    .foreign_key(&mut belongs_to_tool(
                        ToolSamples::Table,
                        ToolSamples::ToolId,
                        "fk_tool_samples_tool",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ToolChecks::Table)
                    .col(integer(ToolChecks::ToolId).primary_key())
                    .col(string(ToolChecks::Status))
                    .col(text(ToolChecks::Message))
                    .col(integer(ToolChecks::LatencyMs))
                    .col(timestamp_with_time_zone(ToolChecks::CheckedAt))
                    .foreign_key(&mut belongs_to_tool(
                        ToolChecks::Table,
                        ToolChecks::ToolId,
                        "fk_tool_checks_tool",
                    ))
                    .to_owned(),
            )
            .await
    }
}
