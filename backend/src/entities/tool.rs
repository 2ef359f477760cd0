use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tools")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub slug: String,
    pub name: String,
    pub kind: String,
    /// Absolute URL, or a path starting with `/` for endpoints this server serves itself.
    pub base_url: String,
    pub auth_type: String,
    pub config: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Who may use this object (`domain::grants::Grants`); null: the roles alone decide.
    pub access_grants: Option<Json>,
    /// Bumped by every change of the grants (their own optimistic-concurrency guard).
    pub access_revision: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
