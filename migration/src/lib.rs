//! Schema migrations. One set for SQLite and PostgreSQL; no data here (that is the seed's job).

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_core_tables;
mod m20261122_000002_webhook_events;
mod m20261122_000003_tool_logos_samples_checks;
mod m20261202_000004_audit_chain;
mod m20261202_000005_user_admin;
mod m20261202_000006_custom_roles;
mod m20261202_000007_approvals;
mod m20261202_000008_provisioning;
mod m20261203_000009_single_sign_on;
mod m20261203_000010_object_grants;
mod m20261206_000011_workflows;
mod m20261206_000012_workflow_runs;
mod m20261206_000013_workflow_triggers;
mod m20261206_000014_channels;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_core_tables::Migration),
            Box::new(m20261122_000002_webhook_events::Migration),
            Box::new(m20261122_000003_tool_logos_samples_checks::Migration),
            Box::new(m20261202_000004_audit_chain::Migration),
            Box::new(m20261202_000005_user_admin::Migration),
            Box::new(m20261202_000006_custom_roles::Migration),
            Box::new(m20261202_000007_approvals::Migration),
            Box::new(m20261202_000008_provisioning::Migration),
            Box::new(m20261203_000009_single_sign_on::Migration),
            Box::new(m20261203_000010_object_grants::Migration),
            Box::new(m20261206_000011_workflows::Migration),
            Box::new(m20261206_000012_workflow_runs::Migration),
            Box::new(m20261206_000013_workflow_triggers::Migration),
            Box::new(m20261206_000014_channels::Migration),
        ]
    }
}
