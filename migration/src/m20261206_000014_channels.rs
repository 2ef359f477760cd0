//! Notification channels: each organization's named Slack, Teams, email, PagerDuty, Twilio,
//! webhook and function destinations, with their secret encrypted like tool credentials.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
    OrgId,
    Name,
    Kind,
    Settings,
    SecretCiphertext,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Channels::Table)
                    .col(pk_auto(Channels::Id))
                    .col(integer(Channels::OrgId))
                    .col(string(Channels::Name))
                    .col(string(Channels::Kind))
                    .col(json(Channels::Settings))
                    .col(text_null(Channels::SecretCiphertext))
                    .col(timestamp_with_time_zone(Channels::CreatedAt))
                    .col(timestamp_with_time_zone(Channels::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_channels_org")
                            .from(Channels::Table, Channels::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_channels_org_name")
                    .table(Channels::Table)
                    .col(Channels::OrgId)
                    .col(Channels::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
