use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    OrgId,
    Email,
    DisplayName,
    PasswordHash,
    Role,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    TokenHash,
    Family,
    ExpiresAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tools {
    Table,
    Id,
    OrgId,
    Slug,
    Name,
    Kind,
    BaseUrl,
    AuthType,
    Config,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Connections {
    Table,
    Id,
    ToolId,
    Name,
    SecretCiphertext,
    KeyId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Pages {
    Table,
    Id,
    OrgId,
    Slug,
    Title,
    Status,
    Version,
    Definition,
    PublishedDefinition,
    CreatedBy,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum Versions {
    Table,
    Id,
    OrgId,
    ResourceType,
    ResourceId,
    Version,
    Snapshot,
    Comment,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLogs {
    Table,
    Id,
    OrgId,
    ActorId,
    ActorEmail,
    Action,
    ResourceType,
    ResourceId,
    Diff,
    CreatedAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(pk_auto(Organizations::Id))
                    .col(string_uniq(Organizations::Name))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(integer(Users::OrgId))
                    .col(string_uniq(Users::Email))
                    .col(string(Users::DisplayName))
                    .col(string_null(Users::PasswordHash))
                    .col(string(Users::Role))
                    .col(boolean(Users::Active))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_users_org",
                        (Users::Table, Users::OrgId),
                        (Organizations::Table, Organizations::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(pk_auto(RefreshTokens::Id))
                    .col(integer(RefreshTokens::UserId))
                    .col(string_uniq(RefreshTokens::TokenHash))
                    .col(string(RefreshTokens::Family))
                    .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                    .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_refresh_tokens_user",
                        (RefreshTokens::Table, RefreshTokens::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_tokens_family")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::Family)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tools::Table)
                    .col(pk_auto(Tools::Id))
                    .col(integer(Tools::OrgId))
                    .col(string(Tools::Slug))
                    .col(string(Tools::Name))
                    .col(string(Tools::Kind))
                    .col(string(Tools::BaseUrl))
                    .col(string(Tools::AuthType))
                    .col(json(Tools::Config))
                    .col(timestamp_with_time_zone(Tools::CreatedAt))
                    .col(timestamp_with_time_zone(Tools::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_tools_org",
                        (Tools::Table, Tools::OrgId),
                        (Organizations::Table, Organizations::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tools_org_slug")
                    .table(Tools::Table)
                    .col(Tools::OrgId)
                    .col(Tools::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Connections::Table)
                    .col(pk_auto(Connections::Id))
                    .col(integer(Connections::ToolId))
                    .col(string(Connections::Name))
                    .col(text_null(Connections::SecretCiphertext))
                    .col(string_null(Connections::KeyId))
                    .col(timestamp_with_time_zone(Connections::CreatedAt))
                    .col(timestamp_with_time_zone(Connections::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_connections_tool",
                        (Connections::Table, Connections::ToolId),
                        (Tools::Table, Tools::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Pages::Table)
                    .col(pk_auto(Pages::Id))
                    .col(integer(Pages::OrgId))
                    .col(string(Pages::Slug))
                    .col(string(Pages::Title))
                    .col(string(Pages::Status))
                    .col(integer(Pages::Version))
                    .col(json(Pages::Definition))
                    .col(json_null(Pages::PublishedDefinition))
                    .col(integer_null(Pages::CreatedBy))
                    .col(integer_null(Pages::UpdatedBy))
                    .col(timestamp_with_time_zone(Pages::CreatedAt))
                    .col(timestamp_with_time_zone(Pages::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Pages::PublishedAt))
                    .foreign_key(&mut fk(
                        "fk_pages_org",
                        (Pages::Table, Pages::OrgId),
                        (Organizations::Table, Organizations::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_pages_created_by",
                        (Pages::Table, Pages::CreatedBy),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_pages_updated_by",
                        (Pages::Table, Pages::UpdatedBy),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_pages_org_slug")
                    .table(Pages::Table)
                    .col(Pages::OrgId)
                    .col(Pages::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Versions::Table)
                    .col(pk_auto(Versions::Id))
                    .col(integer(Versions::OrgId))
                    .col(string(Versions::ResourceType))
                    .col(integer(Versions::ResourceId))
                    .col(integer(Versions::Version))
                    .col(json(Versions::Snapshot))
                    .col(string_null(Versions::Comment))
                    .col(integer_null(Versions::CreatedBy))
                    .col(timestamp_with_time_zone(Versions::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_versions_org",
                        (Versions::Table, Versions::OrgId),
                        (Organizations::Table, Organizations::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_versions_resource")
                    .table(Versions::Table)
                    .col(Versions::ResourceType)
                    .col(Versions::ResourceId)
                    .col(Versions::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLogs::Table)
                    .col(pk_auto(AuditLogs::Id))
                    .col(integer(AuditLogs::OrgId))
                    .col(integer_null(AuditLogs::ActorId))
                    .col(string(AuditLogs::ActorEmail))
                    .col(string(AuditLogs::Action))
                    .col(string(AuditLogs::ResourceType))
                    .col(string(AuditLogs::ResourceId))
                    .col(json_null(AuditLogs::Diff))
                    .col(timestamp_with_time_zone(AuditLogs::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_logs_resource")
                    .table(AuditLogs::Table)
                    .col(AuditLogs::ResourceType)
                    .col(AuditLogs::ResourceId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_logs_org_created")
                    .table(AuditLogs::Table)
                    .col(AuditLogs::OrgId)
                    .col(AuditLogs::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
