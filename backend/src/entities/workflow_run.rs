use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "workflow_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub workflow_id: i32,
    /// The workflow version the run started on and keeps.
    pub version: i32,
    /// `domain::workflow::run::RunStatus`.
    pub status: String,
    pub trigger_type: String,
    /// Names the trigger event (`schedule@…`, `<item>@<state>`); unique per workflow.
    pub event_key: Option<String>,
    pub input: Json,
    pub error: Option<String>,
    pub started_by: Option<i32>,
    /// The engine instance working on the run, until `lease_until`.
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    /// When the run next has something to do (a retry or a delay is due).
    pub wake_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
