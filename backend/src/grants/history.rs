//! Versions of a page's or tool's grants: each change keeps who may use the object (the
//! grants themselves, and in words as they read then), two versions compare in words, and
//! "Revert to this version" sets the old grants again as a new version, through the same
//! checks as any change of grants (someone who left is refused, nobody shuts themselves out).

use domain::{
    dto::SessionUser,
    grants::{AccessUpdate, AccessView, GrantInput, Grants, Restriction, Right},
    versions::{AccessHistory, CompareVersions, RevertRequest},
};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use super::{Directory, Granted, replace};
use crate::{Error, Result, change::Changes, versions};

/// What a version keeps: the grants, and who they named in words at the time.
pub(super) fn snapshot<R: Right + serde::Serialize>(
    grants: &Grants<R>,
    directory: &Directory,
) -> Value {
    json!({"grants": grants, "described": directory.described(grants)})
}

/// A version as comparisons read it: the words, not ids.
fn comparable(snapshot: &Value) -> Value {
    snapshot.get("described").cloned().unwrap_or(Value::Null)
}

/// The grants' versions, newest first, and two of them compared (by default the newest
/// against the one before).
pub(crate) async fn history<E: Granted>(
    conn: &DatabaseConnection,
    actor: &SessionUser,
    model: &E::Model,
    compare: CompareVersions,
) -> Result<AccessHistory> {
    let listed = versions::list(conn, E::HISTORY, actor.org_id, E::id(model)).await?;
    let comparison = versions::compare_listed(&listed, compare, comparable)?;
    Ok(AccessHistory {
        id: E::id(model),
        name: E::name(model).to_owned(),
        versions: listed.into_iter().map(|(summary, _)| summary).collect(),
        revision: E::revision(model),
        comparison,
    })
}

/// Sets the grants of version `request.version` again, as a new version, if nobody changed
/// the grants since `request.base_revision`.
pub(crate) async fn revert<E>(
    conn: &DatabaseConnection,
    changes: &Changes,
    actor: &SessionUser,
    current: &E::Model,
    request: RevertRequest,
) -> Result<AccessView>
where
    E: Granted,
    Restriction: From<Grants<E::Right>>,
{
    let chosen = versions::load(
        conn,
        E::HISTORY,
        actor.org_id,
        E::id(current),
        request.version,
    )
    .await?;
    let grants: Grants<E::Right> =
        serde_json::from_value(chosen.get("grants").cloned().unwrap_or(json!([])))
            .map_err(|err| Error::internal_from("kept grants", err))?;
    let update = AccessUpdate {
        grants: grants
            .0
            .iter()
            .map(|grant| GrantInput {
                grantee: grant.grantee.key(),
                right: grant.right.as_str().to_owned(),
            })
            .collect(),
        base_revision: request.base_revision,
    };
    let note = format!("reverted to version {}", request.version);
    replace::<E>(conn, changes, actor, current, &update, &note).await
}
