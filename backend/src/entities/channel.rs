use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "channels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub name: String,
    /// `domain::workflow::ChannelKind`.
    pub kind: String,
    /// `domain::workflow::channel::ChannelSettings`: nothing secret.
    pub settings: Json,
    /// The secret, encrypted with the server's keyring (`crate::crypto`); never returned.
    pub secret_ciphertext: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
