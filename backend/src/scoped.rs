//! Reads scoped to an organization, written once: a row of another organization is "not
//! found", exactly like a row that does not exist.

use domain::{
    access::{Resource, ResourceKind},
    grants::Restriction,
    ids::OrgId,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, Select};

use crate::{
    Error, Result,
    entities::{audit_log, channel, group, page, role, tool, user, workflow},
};

/// A table whose rows each belong to one organization.
pub trait OrgScoped: EntityTrait {
    const KIND: ResourceKind;
    fn org_column() -> Self::Column;
    fn org_of(model: &Self::Model) -> OrgId;

    /// The row's grants, for kinds that have them.
    fn restriction(_model: &Self::Model) -> Option<Restriction> {
        None
    }

    /// What the policy needs to know about a row.
    fn resource(model: &Self::Model) -> Resource {
        let resource = Resource::new(Self::KIND, Self::org_of(model));
        match Self::restriction(model) {
            Some(restriction) => resource.restricted(restriction),
            None => resource,
        }
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
    ($($entity:ident => $kind:ident $(restricted by $restriction:path)?),+ $(,)?) => {$(
        impl OrgScoped for $entity::Entity {
            const KIND: ResourceKind = ResourceKind::$kind;
            fn org_column() -> Self::Column {
                $entity::Column::OrgId
            }
            fn org_of(model: &Self::Model) -> OrgId {
                OrgId(model.org_id)
            }
            $(
                fn restriction(model: &Self::Model) -> Option<Restriction> {
                    Some($restriction(crate::grants::stored(&model.access_grants)))
                }
            )?
        }
    )+};
}

org_scoped!(
    page => Page restricted by Restriction::Page,
    tool => Tool restricted by Restriction::Tool,
    user => User,
    role => Role,
    group => Group,
    audit_log => Audit,
    workflow => Workflow,
    channel => Channel,
);
