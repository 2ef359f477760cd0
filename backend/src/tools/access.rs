//! Who may use one tool in pages and who may manage it (`domain::grants`): read and changed
//! by those who manage it, through `crate::grants`. Credentials are not part of this.

use domain::{
    Action,
    dto::SessionUser,
    grants::{AccessUpdate, AccessView},
    versions::{AccessHistory, CompareVersions, RevertRequest},
};

use super::{ToolService, tools_of};
use crate::{Result, entities::tool, grants};

impl ToolService {
    /// The tool's grants and everyone who could be given one.
    pub async fn access(&self, actor: &SessionUser, id: i32) -> Result<AccessView> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let model = self.in_org(actor, id, Action::ManageTools).await?;
        grants::access_view::<tool::Entity>(&self.db, actor, &model).await
    }

    /// Replaces the tool's grants (none: the tool follows the roles again). Grants that
    /// would take managing it away from the actor are refused.
    pub async fn set_access(
        &self,
        actor: &SessionUser,
        id: i32,
        update: AccessUpdate,
    ) -> Result<AccessView> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let current = self.in_org(actor, id, Action::ManageTools).await?;
        grants::replace::<tool::Entity>(
            &self.db,
            &self.changes,
            actor,
            &current,
            &update,
            "grants changed",
        )
        .await
    }

    /// The versions of the tool's grants, two of them compared in words.
    pub async fn access_history(
        &self,
        actor: &SessionUser,
        id: i32,
        compare: CompareVersions,
    ) -> Result<AccessHistory> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let model = self.in_org(actor, id, Action::ManageTools).await?;
        grants::history::history::<tool::Entity>(&self.db, actor, &model, compare).await
    }

    /// Sets an earlier version's grants again, as a new version.
    pub async fn revert_access(
        &self,
        actor: &SessionUser,
        id: i32,
        request: RevertRequest,
    ) -> Result<AccessView> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        let current = self.in_org(actor, id, Action::ManageTools).await?;
        grants::history::revert::<tool::Entity>(&self.db, &self.changes, actor, &current, request)
            .await
    }
}
