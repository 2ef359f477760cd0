use sea_orm::entity::prelude::*;

/// A tool's logo, checked by its bytes before it is stored (`domain::logo`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tool_logos")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tool_id: i32,
    pub content_type: String,
    pub data: Vec<u8>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
