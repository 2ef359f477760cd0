//! Numbered snapshots of an object, written inside the change that made them: the history
//! every versioned kind shares (pages now; tools, roles, workflows and alerts on the same
//! table). A revert reads a snapshot and writes it back as a new version; nothing here
//! updates or deletes a version.

use chrono::{DateTime, Utc};
use domain::{
    access::ResourceKind,
    ids::{OrgId, UserId},
    versions::{CompareVersions, VersionComparison, VersionSummary},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::Value;

use crate::{Error, Result, entities::version, pages::display_names};

/// A snapshot to keep.
pub(crate) struct NewVersion<'a> {
    pub kind: ResourceKind,
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
        resource_type: Set(new.kind.as_str().to_owned()),
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

fn of(kind: ResourceKind, org_id: OrgId, resource_id: i32) -> sea_orm::Select<version::Entity> {
    version::Entity::find()
        .filter(version::Column::OrgId.eq(org_id.get()))
        .filter(version::Column::ResourceType.eq(kind.as_str()))
        .filter(version::Column::ResourceId.eq(resource_id))
}

/// Every version of the object, newest first, with who saved each.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    kind: ResourceKind,
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
    kind: ResourceKind,
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
    kind: ResourceKind,
    org_id: OrgId,
    resource_id: i32,
) -> Result<Option<i32>> {
    Ok(of(kind, org_id, resource_id)
        .order_by_desc(version::Column::Version)
        .one(conn)
        .await?
        .map(|row| row.version))
}
