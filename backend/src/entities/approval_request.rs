use sea_orm::entity::prelude::*;

/// A request to publish one revision of a page, with the definition as it was requested.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub page_id: i32,
    pub revision: i32,
    pub definition: Json,
    pub title: String,
    pub note: String,
    pub requested_by: i32,
    pub requested_at: DateTimeUtc,
    /// `domain::approvals::ApprovalStatus` by name.
    pub status: String,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    pub comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
