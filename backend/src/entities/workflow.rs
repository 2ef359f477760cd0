use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "workflows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// The working definition (`domain::workflow::WorkflowDefinition`), saved even with
    /// problems.
    pub definition: Json,
    /// Bumped by every save; also the number of the version that save kept.
    pub revision: i32,
    pub enabled: bool,
    /// The version the engine runs while enabled.
    pub enabled_version: Option<i32>,
    /// The trigger's type, for the list and the scheduler.
    pub trigger_type: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_by: Option<i32>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
