use sea_orm::entity::prelude::*;

/// The end of an organization's audit chain: the last row's `seq` and hash.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_chain_heads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: i32,
    pub seq: i64,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
