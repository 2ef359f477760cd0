//! What the users screen needs beside a user's row: attributes for access conditions, the
//! last sign-in, a version for concurrent edits, and one-time set-password links (stored
//! only as hashes, like refresh tokens).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Attributes,
    LastLoginAt,
    Version,
}

#[derive(DeriveIden)]
enum PasswordLinks {
    Table,
    Id,
    UserId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        let columns = [
            json_null(Users::Attributes).to_owned(),
            timestamp_with_time_zone_null(Users::LastLoginAt).to_owned(),
            integer(Users::Version).default(1).to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(PasswordLinks::Table)
                    .col(pk_auto(PasswordLinks::Id))
                    .col(integer(PasswordLinks::UserId))
                    .col(string_uniq(PasswordLinks::TokenHash))
                    .col(timestamp_with_time_zone(PasswordLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordLinks::UsedAt))
                    .col(timestamp_with_time_zone(PasswordLinks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_password_links_user")
                            .from(PasswordLinks::Table, PasswordLinks::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_password_links_user")
                    .table(PasswordLinks::Table)
                    .col(PasswordLinks::UserId)
                    .to_owned(),
            )
            .await
    }
}
