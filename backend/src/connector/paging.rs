//! Reading a paged source: offset, page-number and cursor styles, up to a number of pages.

use domain::page::{Continuation, Pagination, PaginationSpec};
use serde_json::Value;
use url::Url;

use super::{
    ConnectorError, ConnectorService, ToolTarget, evaluator, http::Answer, prepare::PAGE_GET,
    scope::BaseScope,
};

impl ConnectorService {
    /// Follows the tool's pages from `spec.start` (the first page when unset), at most
    /// `max_pages` of them, and returns the first answer with the items of all pages
    /// concatenated at `spec.items`, and where the next page starts if the source goes on.
    pub(super) async fn call_paged(
        &self,
        target: &ToolTarget,
        scope: &BaseScope,
        url: Url,
        spec: &PaginationSpec,
    ) -> Result<Answer, ConnectorError> {
        let size = spec.page_size.max(1);
        let paging_params: Vec<&str> = match &spec.style {
            Pagination::None => vec![],
            Pagination::Offset {
                limit_param,
                offset_param,
            } => vec![limit_param, offset_param],
            Pagination::PageNumber {
                page_param,
                size_param,
            } => vec![page_param, size_param],
            Pagination::Cursor { cursor_param, .. } => vec![cursor_param],
        };
        // The binding's own query, minus what paging sets on each request.
        let base_query: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(key, _)| !paging_params.contains(&key.as_ref()))
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        let bad_items = |reason: String| ConnectorError::Mapping {
            target: format!("pagination.items ({})", spec.items),
            reason,
        };
        let pointer = format!("/{}", spec.items.replace('.', "/"));
        let mut first: Option<Value> = None;
        let mut items = Vec::new();
        let (first_page, mut cursor) = match &spec.start {
            Some(Continuation::Page(page)) => (*page, None),
            Some(Continuation::Cursor(cursor)) => (0, Some(cursor.clone())),
            None => (0, None),
        };
        let mut next_page = first_page;
        let mut finished = false;
        for page in first_page..first_page.saturating_add(spec.max_pages.max(1)) {
            let mut page_url = url.clone();
            page_url.set_query(None);
            {
                let mut pairs = page_url.query_pairs_mut();
                pairs.extend_pairs(&base_query);
                match &spec.style {
                    Pagination::None => {}
                    Pagination::Offset {
                        limit_param,
                        offset_param,
                    } => {
                        pairs.append_pair(limit_param, &size.to_string());
                        pairs.append_pair(offset_param, &(page * size).to_string());
                    }
                    Pagination::PageNumber {
                        page_param,
                        size_param,
                    } => {
                        pairs.append_pair(size_param, &size.to_string());
                        pairs.append_pair(page_param, &(page + 1).to_string());
                    }
                    Pagination::Cursor { cursor_param, .. } => {
                        if let Some(cursor) = &cursor {
                            pairs.append_pair(cursor_param, cursor);
                        }
                    }
                }
            }
            if page_url.query() == Some("") {
                page_url.set_query(None);
            }
            let body = self.call_url(target, scope, page_url, &PAGE_GET).await?;
            let page_items = body
                .pointer(&pointer)
                .and_then(Value::as_array)
                .cloned()
                .ok_or_else(|| bad_items("the answer has no array there".to_owned()))?;
            let count = page_items.len();
            items.extend(page_items);
            cursor = match &spec.style {
                Pagination::Cursor { next_cursor, .. } => {
                    match evaluator::search(next_cursor, &body).map_err(bad_items)? {
                        Value::String(next) if !next.is_empty() => Some(next),
                        _ => None,
                    }
                }
                _ => None,
            };
            let last_page = match &spec.style {
                Pagination::None => true,
                Pagination::Offset { .. } | Pagination::PageNumber { .. } => count < size as usize,
                Pagination::Cursor { .. } => cursor.is_none(),
            };
            first.get_or_insert(body);
            next_page = page + 1;
            if last_page {
                finished = true;
                break;
            }
        }
        let mut merged = first.unwrap_or(Value::Null);
        if let Some(slot) = merged.pointer_mut(&pointer) {
            *slot = Value::Array(items);
        }
        let more = match (&spec.style, finished) {
            (_, true) | (Pagination::None, _) => None,
            (Pagination::Cursor { .. }, false) => cursor.map(Continuation::Cursor),
            (_, false) => Some(Continuation::Page(next_page)),
        };
        Ok(Answer { body: merged, more })
    }
}
