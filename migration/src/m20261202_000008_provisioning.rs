//! Provisioning from an identity provider: SCIM bearer tokens (stored only as hashes), the
//! provider's id for each user, and groups with their members and the role a group grants.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    OrgId,
    ExternalId,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ScimTokens {
    Table,
    Id,
    OrgId,
    Label,
    TokenHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    OrgId,
    DisplayName,
    ExternalId,
    Role,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    GroupId,
    UserId,
}

fn belongs_to_organization(
    table: impl IntoIden + 'static,
    name: &str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, Alias::new("org_id"))
        .to(Organizations::Table, Organizations::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string_null(Users::ExternalId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_users_external_id")
                    .table(Users::Table)
                    .col(Users::OrgId)
                    .col(Users::ExternalId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScimTokens::Table)
                    .col(pk_auto(ScimTokens::Id))
                    .col(integer(ScimTokens::OrgId))
                    .col(string(ScimTokens::Label))
                    .col(string_uniq(ScimTokens::TokenHash))
                    .col(integer(ScimTokens::CreatedBy))
                    .col(timestamp_with_time_zone(ScimTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ScimTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ScimTokens::RevokedAt))
                    .foreign_key(&mut belongs_to_organization(
                        ScimTokens::Table,
                        "fk_scim_tokens_org",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Groups::Table)
                    .col(pk_auto(Groups::Id))
                    .col(integer(Groups::OrgId))
                    .col(string(Groups::DisplayName))
                    .col(string_null(Groups::ExternalId))
                    .col(string_null(Groups::Role))
                    .col(timestamp_with_time_zone(Groups::CreatedAt))
                    .col(timestamp_with_time_zone(Groups::UpdatedAt))
                    .foreign_key(&mut belongs_to_organization(Groups::Table, "fk_groups_org"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_groups_org_name")
                    .table(Groups::Table)
                    .col(Groups::OrgId)
                    .col(Groups::DisplayName)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupMembers::Table)
                    .col(integer(GroupMembers::GroupId))
                    .col(integer(GroupMembers::UserId))
                    .primary_key(
                        Index::create()
                            .col(GroupMembers::GroupId)
                            .col(GroupMembers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_members_group")
                            .from(GroupMembers::Table, GroupMembers::GroupId)
                            .to(Groups::Table, Groups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_members_user")
                            .from(GroupMembers::Table, GroupMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_group_members_user")
                    .table(GroupMembers::Table)
                    .col(GroupMembers::UserId)
                    .to_owned(),
            )
            .await
    }
}
