//! Who may view, edit and publish one page (`domain::grants`): read by those who may edit it,
//! changed by those who may publish it, through `crate::grants`.

use domain::{
    Action,
    dto::SessionUser,
    grants::{AccessUpdate, AccessView},
    versions::{AccessHistory, CompareVersions, RevertRequest},
};

use super::{PageService, pages_of};
use crate::{Result, entities::page, grants};

impl PageService {
    /// The page's grants and everyone who could be given one.
    pub async fn access(&self, actor: &SessionUser, id: i32) -> Result<AccessView> {
        crate::authorize(actor, Action::EditPage, pages_of(actor))?;
        let model = Self::load_for(&self.db, actor, id, Action::EditPage).await?;
        grants::access_view::<page::Entity>(&self.db, actor, &model).await
    }

    /// Replaces the page's grants (none: the page follows the roles again). Grants that
    /// would shut the actor out of publishing it are refused.
    pub async fn set_access(
        &self,
        actor: &SessionUser,
        id: i32,
        update: AccessUpdate,
    ) -> Result<AccessView> {
        crate::authorize(actor, Action::PublishPage, pages_of(actor))?;
        let current = Self::load_for(&self.db, actor, id, Action::PublishPage).await?;
        grants::replace::<page::Entity>(
            &self.db,
            &self.changes,
            actor,
            &current,
            &update,
            "grants changed",
        )
        .await
    }

    /// The versions of the page's grants, two of them compared in words.
    pub async fn access_history(
        &self,
        actor: &SessionUser,
        id: i32,
        compare: CompareVersions,
    ) -> Result<AccessHistory> {
        crate::authorize(actor, Action::EditPage, pages_of(actor))?;
        let model = Self::load_for(&self.db, actor, id, Action::EditPage).await?;
        grants::history::history::<page::Entity>(&self.db, actor, &model, compare).await
    }

    /// Sets an earlier version's grants again, as a new version.
    pub async fn revert_access(
        &self,
        actor: &SessionUser,
        id: i32,
        request: RevertRequest,
    ) -> Result<AccessView> {
        crate::authorize(actor, Action::PublishPage, pages_of(actor))?;
        let current = Self::load_for(&self.db, actor, id, Action::PublishPage).await?;
        grants::history::revert::<page::Entity>(&self.db, &self.changes, actor, &current, request)
            .await
    }
}
