//! The roles groups grant: set one group's, and the versions of the whole mapping (group name
//! → role) with "Revert to this version", which sets every group's role as that version had
//! it in one audited change.

use std::collections::{BTreeMap, BTreeSet};

use domain::{
    Action,
    access::{Resource, ResourceKind},
    audit::AuditAction,
    dto::SessionUser,
    ids::OrgId,
    scim::GroupSummary,
    versions::{CompareVersions, RevertRequest, SettingsHistory},
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;

use super::{
    ScimService,
    groups::{apply_granted_roles, granted_roles, group_snapshot, member_ids, summary},
};
use crate::{
    Error, Result,
    entities::group,
    scoped::{self, OrgScoped},
    versions::{self, Versioned},
};

/// What the group roles' versions keep: each group that grants a role, by name.
async fn granted_by_groups(conn: &impl ConnectionTrait, org_id: OrgId) -> Result<Value> {
    let groups = scoped::all_in::<group::Entity>(org_id).all(conn).await?;
    Ok(Value::Object(
        groups
            .into_iter()
            .filter_map(|group| Some((group.display_name, Value::String(group.role?))))
            .collect(),
    ))
}

fn groups_of(actor: &SessionUser) -> Resource {
    Resource::new(ResourceKind::Group, actor.org_id)
}

impl ScimService {
    /// Checks a role key (built-in or custom) and returns it as stored; empty means none.
    async fn checked_role(
        &self,
        actor: &SessionUser,
        role: Option<&str>,
    ) -> Result<Option<String>> {
        let Some(key) = role.map(str::trim).filter(|role| !role.is_empty()) else {
            return Ok(None);
        };
        let mut issues = Vec::new();
        match crate::roles::resolve_key(&self.db, actor.org_id, key, &mut issues).await? {
            Some(key) => Ok(Some(key)),
            None => Err(Error::Validation(issues)),
        }
    }

    /// Makes a group grant `role` (a built-in or custom role key), or nothing; its members'
    /// roles follow at once.
    pub async fn set_group_role(
        &self,
        actor: &SessionUser,
        id: i32,
        role: Option<&str>,
    ) -> Result<GroupSummary> {
        crate::authorize(actor, Action::ManageUsers, groups_of(actor))?;
        let target = scoped::load::<group::Entity>(&self.db, actor.org_id, id).await?;
        let role = self.checked_role(actor, role).await?;
        self.write_group_roles(actor, vec![(target, role)], "group role changed")
            .await?;
        let updated = scoped::load::<group::Entity>(&self.db, actor.org_id, id).await?;
        let members = member_ids(&self.db, id).await?;
        let names = crate::roles::role_names(&self.db, actor.org_id).await?;
        Ok(summary(&updated, members.len() as u64, &names))
    }

    /// Gives each group its role in one change: a `group.update` row per group, members'
    /// roles following, and one version of the mapping.
    async fn write_group_roles(
        &self,
        actor: &SessionUser,
        wanted: Vec<(group::Model, Option<String>)>,
        note: &str,
    ) -> Result<()> {
        let Some((first, _)) = wanted.first() else {
            return Ok(());
        };
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::GroupUpdate,
                group::Entity::resource(first),
            )
            .await?;
        let org_id = actor.org_id;
        let mapping_before = granted_by_groups(change.txn(), org_id).await?;
        let mut everyone = BTreeSet::new();
        let mut members = Vec::with_capacity(wanted.len());
        for (target, _) in &wanted {
            let ids = member_ids(change.txn(), target.id).await?;
            everyone.extend(ids.iter().copied());
            members.push(ids);
        }
        let granted = granted_roles(change.txn(), org_id, &everyone).await?;
        let mut rows = Vec::with_capacity(wanted.len());
        for ((target, role), members) in wanted.iter().zip(&members) {
            let mut row: group::ActiveModel = target.clone().into();
            row.role = Set(role.clone());
            row.updated_at = Set(change.now());
            let updated = row.update(change.txn()).await?;
            rows.push((
                target.id,
                group_snapshot(target, members),
                group_snapshot(&updated, members),
            ));
        }
        apply_granted_roles(&change, org_id, granted).await?;
        let mapping_after = granted_by_groups(change.txn(), org_id).await?;
        versions::keep_settings(
            &change,
            Versioned::GROUP_ROLES,
            actor.id,
            (&mapping_before, &mapping_after),
            note,
        )
        .await?;
        let mut rows = rows.into_iter();
        let Some((first_id, before, after)) = rows.next() else {
            return Err(Error::internal("a group role change without a group"));
        };
        for (id, before, after) in rows {
            change
                .also(AuditAction::GroupUpdate, id, Some(before), Some(after))
                .await?;
        }
        change.commit(first_id, Some(before), Some(after)).await
    }

    /// The versions of which role each group grants, two compared (Admin).
    pub async fn group_roles_history(
        &self,
        actor: &SessionUser,
        compare: CompareVersions,
    ) -> Result<SettingsHistory> {
        versions::settings_history(&self.db, actor, Versioned::GROUP_ROLES, compare).await
    }

    /// Sets every group's role as version `request.version` had it, as a new version: groups
    /// it does not name grant nothing; groups made since that version are among them; a
    /// role deleted since is refused before anything changes.
    pub async fn revert_group_roles(
        &self,
        actor: &SessionUser,
        request: RevertRequest,
    ) -> Result<Vec<GroupSummary>> {
        let (kept, note): (BTreeMap<String, String>, String) =
            versions::settings_to_revert(&self.db, actor, Versioned::GROUP_ROLES, request).await?;
        let groups = scoped::all_in::<group::Entity>(actor.org_id)
            .all(&self.db)
            .await?;
        let mut wanted = Vec::new();
        for group in groups {
            let role = match kept.get(&group.display_name) {
                Some(key) => self.checked_role(actor, Some(key)).await?,
                None => None,
            };
            if group.role != role {
                wanted.push((group, role));
            }
        }
        self.write_group_roles(actor, wanted, &note).await?;
        self.list_groups(actor).await
    }
}
