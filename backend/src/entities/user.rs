use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub role: String,
    pub active: bool,
    /// `domain::users::UserAttributes` as a JSON object; null for none.
    pub attributes: Option<Json>,
    pub last_login_at: Option<DateTimeUtc>,
    /// Grows with every admin edit; an edit against an older one is refused.
    pub version: i32,
    /// The identity provider's id for the user (SCIM `externalId`, Entra's object id).
    pub external_id: Option<String>,
    /// Who the user is at the sign-in provider: `issuer|subject`, set on the first single
    /// sign-on and matched on every later one.
    pub sso_subject: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
