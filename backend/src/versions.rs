//! Numbered snapshots of an object, written inside the change that made them: the history
//! every versioned kind shares (pages now; tools, roles, workflows and alerts on the same
//! table). A revert reads a snapshot and writes it back as a new version; nothing here
//! updates or deletes a version.

use chrono::{DateTime, Utc};
use domain::{
    Action,
    access::{Resource, ResourceKind},
    dto::SessionUser,
    ids::{OrgId, UserId},
    versions::{
        CompareVersions, RevertRequest, SettingsHistory, VersionComparison, VersionSummary,
    },
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::Value;

use crate::{Error, Result, entities::version, pages::display_names};

/// What a history is of: an object's own state (`page`), or one side of it kept apart
/// (`page_access`, its grants), as the `versions.resource_type` column names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Versioned(&'static str);

impl From<ResourceKind> for Versioned {
    fn from(kind: ResourceKind) -> Self {
        Versioned(kind.as_str())
    }
}

impl Versioned {
    /// Who may use a page: its grants.
    pub(crate) const PAGE_ACCESS: Versioned = Versioned("page_access");
    /// Who may use a tool: its grants.
    pub(crate) const TOOL_ACCESS: Versioned = Versioned("tool_access");
    /// An organization's publishing settings (approval).
    pub(crate) const PUBLISHING_SETTINGS: Versioned = Versioned("publishing_settings");
    /// An organization's single sign-on settings (tenant, password sign-in).
    pub(crate) const SSO_SETTINGS: Versioned = Versioned("sso_settings");
    /// Which role each of the organization's groups grants.
    pub(crate) const GROUP_ROLES: Versioned = Versioned("group_roles");
}

/// A snapshot to keep.
pub(crate) struct NewVersion<'a> {
    pub kind: Versioned,
    pub org_id: OrgId,
    pub resource_id: i32,
    pub version: i32,
    pub snapshot: Value,
    pub note: &'a str,
    pub by: Option<UserId>,
    pub at: DateTime<Utc>,
}

pub(crate) async fn record(conn: &impl ConnectionTrait, new: NewVersion<'_>) -> Result<()> {
    version::ActiveModel {
        org_id: Set(new.org_id.get()),
        resource_type: Set(new.kind.0.to_owned()),
        resource_id: Set(new.resource_id),
        version: Set(new.version),
        snapshot: Set(new.snapshot),
        comment: Set(Some(new.note.to_owned())),
        created_by: Set(new.by.map(UserId::get)),
        created_at: Set(new.at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

fn of(
    kind: impl Into<Versioned>,
    org_id: OrgId,
    resource_id: i32,
) -> sea_orm::Select<version::Entity> {
    version::Entity::find()
        .filter(version::Column::OrgId.eq(org_id.get()))
        .filter(version::Column::ResourceType.eq(kind.into().0))
        .filter(version::Column::ResourceId.eq(resource_id))
}

/// Every version of the object, newest first, with who saved each.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    kind: impl Into<Versioned>,
    org_id: OrgId,
    resource_id: i32,
) -> Result<Vec<(VersionSummary, Value)>> {
    let rows = of(kind, org_id, resource_id)
        .order_by_desc(version::Column::Version)
        .all(conn)
        .await?;
    let names = display_names(conn, rows.iter().filter_map(|row| row.created_by)).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let summary = VersionSummary {
                version: row.version,
                at: row.created_at,
                by: row.created_by.and_then(|id| names.get(&id).cloned()),
                note: row.comment.unwrap_or_default(),
            };
            (summary, row.snapshot)
        })
        .collect())
}

/// One version's snapshot, or "not found" (also for another organization's object).
pub(crate) async fn load(
    conn: &impl ConnectionTrait,
    kind: impl Into<Versioned>,
    org_id: OrgId,
    resource_id: i32,
    number: i32,
) -> Result<Value> {
    of(kind, org_id, resource_id)
        .filter(version::Column::Version.eq(number))
        .one(conn)
        .await?
        .map(|row| row.snapshot)
        .ok_or(Error::NotFound("version"))
}

/// `from` → `to` in words and as a JSON Patch, given comparable views of both snapshots.
pub(crate) fn compare(from: (i32, &Value), to: (i32, &Value)) -> Result<VersionComparison> {
    Ok(VersionComparison {
        from: from.0,
        to: to.0,
        changes: domain::change_words::describe(from.1, to.1),
        patch: serde_json::to_value(json_patch::diff(from.1, to.1))
            .map_err(|err| Error::internal_from("version comparison", err))?,
    })
}

/// The comparison a history screen asked for among `listed` (newest first): by default the
/// newest against the one before it. `view` turns a snapshot into what is compared.
pub(crate) fn compare_listed(
    listed: &[(VersionSummary, Value)],
    asked: CompareVersions,
    view: impl Fn(&Value) -> Value,
) -> Result<Option<VersionComparison>> {
    let find = |number: i32| {
        listed
            .iter()
            .find(|(summary, _)| summary.version == number)
            .map(|(_, snapshot)| view(snapshot))
            .ok_or(Error::NotFound("version"))
    };
    let to = asked
        .to
        .or(listed.first().map(|(summary, _)| summary.version));
    let from = asked.from.or_else(|| {
        let to = to?;
        listed
            .iter()
            .map(|(summary, _)| summary.version)
            .find(|number| *number < to)
    });
    match (from, to) {
        (Some(from), Some(to)) => Ok(Some(compare((from, &find(from)?), (to, &find(to)?))?)),
        _ => Ok(None),
    }
}

/// Records the object's current state as `new.version` unless that version is kept
/// already: objects made before their kind was versioned get a starting point.
pub(crate) async fn record_if_missing(
    conn: &impl ConnectionTrait,
    new: NewVersion<'_>,
) -> Result<()> {
    let kept = of(new.kind, new.org_id, new.resource_id)
        .filter(version::Column::Version.eq(new.version))
        .one(conn)
        .await?;
    if kept.is_none() {
        record(conn, new).await?;
    }
    Ok(())
}

/// The newest version number kept for the object, if any.
pub(crate) async fn latest(
    conn: &impl ConnectionTrait,
    kind: impl Into<Versioned>,
    org_id: OrgId,
    resource_id: i32,
) -> Result<Option<i32>> {
    Ok(of(kind, org_id, resource_id)
        .order_by_desc(version::Column::Version)
        .one(conn)
        .await?
        .map(|row| row.version))
}

/// Keeps a change of one of the organization's settings as the next version of `kind`
/// (inside the change that made it): the state before becomes version 0 when nothing was kept
/// yet. A change to what is already there keeps nothing.
pub(crate) async fn keep_settings(
    change: &crate::change::Change,
    kind: Versioned,
    by: UserId,
    (before, after): (&Value, &Value),
    note: &str,
) -> Result<()> {
    if before == after {
        return Ok(());
    }
    let org_id = change.org_id();
    let resource_id = org_id.get();
    let next = match latest(change.txn(), kind, org_id, resource_id).await? {
        Some(newest) => newest + 1,
        None => {
            let start = NewVersion {
                kind,
                org_id,
                resource_id,
                version: 0,
                snapshot: before.clone(),
                note: "as it was before",
                by: None,
                at: change.now(),
            };
            record(change.txn(), start).await?;
            1
        }
    };
    let new = NewVersion {
        kind,
        org_id,
        resource_id,
        version: next,
        snapshot: after.clone(),
        note,
        by: Some(by),
        at: change.now(),
    };
    record(change.txn(), new).await
}

/// The organization's settings, as the policy sees them: only those who manage users read
/// or revert their history.
fn authorize_settings(actor: &SessionUser) -> Result<OrgId> {
    let organization = Resource::new(ResourceKind::Organization, actor.org_id);
    crate::authorize(actor, Action::ManageUsers, organization)?;
    Ok(actor.org_id)
}

/// The versions of one of the organization's settings, newest first, two compared.
pub(crate) async fn settings_history(
    conn: &impl ConnectionTrait,
    actor: &SessionUser,
    kind: Versioned,
    compare: CompareVersions,
) -> Result<SettingsHistory> {
    let org_id = authorize_settings(actor)?;
    let listed = list(conn, kind, org_id, org_id.get()).await?;
    let comparison = compare_listed(&listed, compare, Value::clone)?;
    Ok(SettingsHistory {
        revision: listed.first().map_or(0, |(summary, _)| summary.version),
        versions: listed.into_iter().map(|(summary, _)| summary).collect(),
        comparison,
    })
}

/// The settings of version `request.version` and the note for bringing them back, if
/// `request.base_revision` is still the newest version (otherwise someone changed the
/// settings since: a conflict).
pub(crate) async fn settings_to_revert<T: serde::de::DeserializeOwned>(
    conn: &impl ConnectionTrait,
    actor: &SessionUser,
    kind: Versioned,
    request: RevertRequest,
) -> Result<(T, String)> {
    let org_id = authorize_settings(actor)?;
    let newest = latest(conn, kind, org_id, org_id.get()).await?.unwrap_or(0);
    if newest != request.base_revision {
        return Err(Error::Conflict(
            "Someone changed these settings after you opened their history. Reload and try again."
                .to_owned(),
        ));
    }
    let kept = load(conn, kind, org_id, org_id.get(), request.version).await?;
    let settings = serde_json::from_value(kept)
        .map_err(|err| Error::internal_from(format!("kept {}", kind.0), err))?;
    Ok((settings, format!("reverted to version {}", request.version)))
}
