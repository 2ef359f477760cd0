//! Grants on pages and tools: who may view, edit or publish one page, and who may use or
//! manage one tool (`domain::grants`). Null means none: the roles alone decide. The revision
//! guards concurrent edits of the grants apart from the object's own revision, so sharing a
//! page does not interrupt whoever is editing it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Pages {
    Table,
    AccessGrants,
    AccessRevision,
}

#[derive(DeriveIden)]
enum Tools {
    Table,
    AccessGrants,
    AccessRevision,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for (table, column) in [
            (Pages::Table.into_iden(), Pages::AccessGrants.into_iden()),
            (Tools::Table.into_iden(), Tools::AccessGrants.into_iden()),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(json_null(column))
                        .to_owned(),
                )
                .await?;
        }
        for (table, column) in [
            (Pages::Table.into_iden(), Pages::AccessRevision.into_iden()),
            (Tools::Table.into_iden(), Tools::AccessRevision.into_iden()),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(integer(column).default(0))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            (Pages::Table.into_iden(), Pages::AccessGrants.into_iden()),
            (Pages::Table.into_iden(), Pages::AccessRevision.into_iden()),
            (Tools::Table.into_iden(), Tools::AccessGrants.into_iden()),
            (Tools::Table.into_iden(), Tools::AccessRevision.into_iden()),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
