use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub slug: String,
    pub title: String,
    pub status: String,
    /// Optimistic-concurrency counter, bumped by every saved change.
    pub version: i32,
    /// The working (draft) definition.
    pub definition: Json,
    /// What viewers see; absent until first published.
    pub published_definition: Option<Json>,
    pub created_by: Option<i32>,
    pub updated_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
    /// Who may use this object (`domain::grants::Grants`); null: the roles alone decide.
    pub access_grants: Option<Json>,
    /// Bumped by every change of the grants (their own optimistic-concurrency guard).
    pub access_revision: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
