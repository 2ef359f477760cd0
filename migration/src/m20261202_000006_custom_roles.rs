//! Custom roles: an organization's own roles, made from the list of actions. Users refer to
//! a role by its key, as they do to the built-in roles by name.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    OrgId,
    Key,
    Name,
    Actions,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .col(pk_auto(Roles::Id))
                    .col(integer(Roles::OrgId))
                    .col(string(Roles::Key))
                    .col(string(Roles::Name))
                    .col(json(Roles::Actions))
                    .col(integer(Roles::Version).default(1))
                    .col(timestamp_with_time_zone(Roles::CreatedAt))
                    .col(timestamp_with_time_zone(Roles::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_roles_org")
                            .from(Roles::Table, Roles::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_roles_org_key")
                    .table(Roles::Table)
                    .col(Roles::OrgId)
                    .col(Roles::Key)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
