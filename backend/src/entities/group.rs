use sea_orm::entity::prelude::*;

/// A group of users, usually provisioned by the identity provider; it may grant a role.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "groups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub display_name: String,
    /// The identity provider's id for the group (Entra's object id).
    pub external_id: Option<String>,
    /// The role key members get, if the group grants one.
    pub role: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
