use sea_orm::entity::prelude::*;

/// One change or event, append-only and hash-chained per organization (see `crate::audit`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_logs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    /// `domain::access::ActorKind` as text.
    pub actor_kind: String,
    pub actor_id: Option<i32>,
    /// The actor as the audit screen names it: a user's email, or "system".
    pub actor_email: String,
    /// `domain::audit::AuditAction` as text.
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    /// RFC 6902 JSON Patch from the previous state to the new one, for display.
    pub diff: Option<Json>,
    pub before_state: Option<Json>,
    pub after_state: Option<Json>,
    pub created_at: DateTimeUtc,
    /// Position in the organization's chain, from 1; empty on rows from before the chain.
    pub seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
