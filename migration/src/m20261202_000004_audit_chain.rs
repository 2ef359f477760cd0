//! The audit trail becomes tamper-evident and revertable: each row keeps the states before
//! and after the change, names the kind of actor, and is hash-chained per organization
//! (its `seq`, the previous row's hash and its own). A head row per organization holds the
//! chain's end, so appends serialize on it and a deleted last row is noticed. Triggers make
//! the table append-only on both databases.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLogs {
    Table,
    OrgId,
    ActorKind,
    Seq,
    PrevHash,
    Hash,
    BeforeState,
    AfterState,
}

#[derive(DeriveIden)]
enum AuditChainHeads {
    Table,
    OrgId,
    Seq,
    Hash,
}

const SQLITE_TRIGGERS: [&str; 2] = [
    "CREATE TRIGGER audit_logs_no_update BEFORE UPDATE ON audit_logs \
     BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END",
    "CREATE TRIGGER audit_logs_no_delete BEFORE DELETE ON audit_logs \
     BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END",
];

const POSTGRES_TRIGGERS: [&str; 3] = [
    "CREATE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN RAISE EXCEPTION 'audit rows are append-only'; END $$",
    "CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON audit_logs \
     FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()",
    "CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        let columns = [
            string(AuditLogs::ActorKind).default("user").to_owned(),
            big_integer_null(AuditLogs::Seq).to_owned(),
            string_null(AuditLogs::PrevHash).to_owned(),
            string_null(AuditLogs::Hash).to_owned(),
            json_null(AuditLogs::BeforeState).to_owned(),
            json_null(AuditLogs::AfterState).to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditLogs::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_logs_org_seq")
                    .table(AuditLogs::Table)
                    .col(AuditLogs::OrgId)
                    .col(AuditLogs::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditChainHeads::Table)
                    .col(integer(AuditChainHeads::OrgId).primary_key())
                    .col(big_integer(AuditChainHeads::Seq))
                    .col(string(AuditChainHeads::Hash))
                    .to_owned(),
            )
            .await?;
        let triggers: &[&str] = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => &POSTGRES_TRIGGERS,
            sea_orm::DatabaseBackend::Sqlite => &SQLITE_TRIGGERS,
            _ => &[],
        };
        let db = manager.get_connection();
        for trigger in triggers {
            db.execute_unprepared(trigger).await?;
        }
        Ok(())
    }
}
