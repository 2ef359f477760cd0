use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "workflow_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub run_id: i32,
    pub node_id: String,
    /// `domain::workflow::run::StepStatus`.
    pub status: String,
    /// The way out the step took once it settled (`next`, `true`, `false`, `error`).
    pub port: Option<String>,
    pub attempt: i32,
    pub input: Option<Json>,
    pub output: Option<Json>,
    pub error: Option<String>,
    pub failure_kind: Option<String>,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub next_attempt_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
