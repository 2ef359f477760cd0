use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    OrgId,
    ToolId,
    Payload,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Tools {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .col(pk_auto(WebhookEvents::Id))
                    .col(integer(WebhookEvents::OrgId))
                    .col(integer(WebhookEvents::ToolId))
                    .col(json(WebhookEvents::Payload))
                    .col(timestamp_with_time_zone(WebhookEvents::ReceivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_events_tool")
                            .from(WebhookEvents::Table, WebhookEvents::ToolId)
                            .to(Tools::Table, Tools::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_events_tool_received")
                    .table(WebhookEvents::Table)
                    .col(WebhookEvents::ToolId)
                    .col(WebhookEvents::ReceivedAt)
                    .to_owned(),
            )
            .await
    }
}
