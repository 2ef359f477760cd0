use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "workflow_triggers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workflow_id: i32,
    pub org_id: i32,
    /// The enabled version whose trigger this is.
    pub version: i32,
    /// A schedule's next firing, or a tool event's next poll.
    pub next_due_at: DateTimeUtc,
    /// What the last poll saw (`domain::workflow::watch::Seen`); null before the first.
    pub seen: Option<Json>,
    pub last_error: Option<String>,
    pub last_checked_at: Option<DateTimeUtc>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
