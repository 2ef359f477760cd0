use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub created_at: DateTimeUtc,
    /// Publishing needs someone else's approval.
    pub require_approval: bool,
    /// The identity provider's tenant (Entra's `tid`) whose users sign in here.
    pub sso_tenant_id: Option<String>,
    /// Members may sign in with a password; off, only single sign-on lets them in.
    pub password_sign_in: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
