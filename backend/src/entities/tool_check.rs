use sea_orm::entity::prelude::*;

/// The outcome of a tool's last connection test.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tool_checks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tool_id: i32,
    /// `domain::tool::ToolStatus` as text.
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    pub latency_ms: i32,
    pub checked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
