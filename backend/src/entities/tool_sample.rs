use sea_orm::entity::prelude::*;

/// A pasted answer of a tool, kept as typed (valid JSON, at most 1 MB) for mapping while the
/// tool is unreachable.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tool_samples")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tool_id: i32,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
