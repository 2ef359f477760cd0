//! More rows for a data grid whose source is paged: the grid shows the pages the first
//! render read and asks for the next ones as the viewer scrolls, so a large source is never
//! fetched whole.

use domain::{
    WidgetProps,
    dto::{MoreRows, RowsPage, SessionUser},
};
use serde_json::Value;

use super::{PageService, render::as_values};
use crate::{Error, Result, connector::map_values};

impl PageService {
    /// The rows of `request.widget` from `request.start` on, mapped and transformed like
    /// its first rows. The page and widget are the ones the caller sees, as for rendering.
    pub async fn more_rows(&self, actor: &SessionUser, request: MoreRows) -> Result<RowsPage> {
        let model = self.by_slug(actor.org_id, &request.page).await?;
        let definition = Self::visible_definition(actor, &model, request.draft)?;
        let widget = definition
            .widget(&request.widget)
            .filter(|widget| matches!(widget.props, WidgetProps::DataGrid(_)))
            .ok_or(Error::NotFound("data grid"))?;
        let binding = widget
            .binding
            .as_ref()
            .ok_or(Error::NotFound("data grid"))?;
        let mut paged = binding.request.rendered(&as_values(&request.variables));
        let Some(pagination) = paged.pagination.as_mut() else {
            return Err(Error::validation(
                "widget",
                "this grid's source is not paged: all its rows came with the page",
            ));
        };
        pagination.start = Some(request.start);
        let target = self
            .tools
            .target_for(actor.org_id, &binding.tool)
            .await?
            .ok_or(Error::NotFound("tool"))?;
        let fetched = self
            .connectors
            .fetch(&target, &paged, binding.cache_ttl_seconds, false)
            .await
            .map_err(Error::Upstream)?;
        let mut values = map_values(&fetched.body, binding).map_err(Error::Upstream)?;
        let rows = match values.remove("rows") {
            Some(Value::Array(rows)) => rows,
            _ => Vec::new(),
        };
        Ok(RowsPage {
            rows,
            more: fetched.more.clone(),
        })
    }
}
