//! Reads scoped to an organization, written once: a row of another organization is "not
//! found", exactly like a row that does not exist.

use domain::{
    access::{Resource, ResourceKind},
    ids::OrgId,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, Select};

use crate::{
    Error, Result,
    entities::{audit_log, group, page, role, tool, user},
};

/// A table whose rows each belong to one organization.
pub trait OrgScoped: EntityTrait {
    const KIND: ResourceKind;
    fn org_column() -> Self::Column;
    fn org_of(model: &Self::Model) -> OrgId;

    /// What the policy needs to know about a row.
    fn resource(model: &Self::Model) -> Resource {
        Resource::new(Self::KIND, Self::org_of(model))
    }
}

/// Every row of `E` in the organization.
pub fn all_in<E: OrgScoped>(org: OrgId) -> Select<E> {
    E::find().filter(E::org_column().eq(org.get()))
}

/// The row of `E` with this id in the organization, or "not found".
pub async fn load<E>(conn: &impl ConnectionTrait, org: OrgId, id: i32) -> Result<E::Model>
where
    E: OrgScoped,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i32>,
{
    E::find_by_id(id)
        .filter(E::org_column().eq(org.get()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound(E::KIND.as_str()))
}

macro_rules! org_scoped {
    ($($entity:ident => $kind:ident),+ $(,)?) => {$(
        impl OrgScoped for $entity::Entity {
            const KIND: ResourceKind = ResourceKind::$kind;
            fn org_column() -> Self::Column {
                $entity::Column::OrgId
            }
            fn org_of(model: &Self::Model) -> OrgId {
                OrgId(model.org_id)
            }
        }
    )+};
}

org_scoped!(page => Page, tool => Tool, user => User, role => Role, group => Group, audit_log => Audit);
