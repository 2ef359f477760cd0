//! What a request sends, whether it only reads, and how its answer is checked.

use domain::{
    page::{HttpMethod, RequestSpec},
    request::{RequestBody, bind_parameters, statements_in},
    tool::ToolSettings,
};
use serde_json::Value;

use super::RegisteredTool;
use super::{
    ConnectorError, ConnectorService, ToolTarget,
    statements::{self, StatementDialect, dialect_for},
    templates,
};

/// What goes over the wire for one request, and how its answer is checked.
pub(super) struct Prepared {
    pub(super) method: reqwest::Method,
    pub(super) body: Option<Value>,
    pub(super) answer: AnswerCheck,
    /// Whether it only reads (may be cached and retried).
    pub(super) reads: bool,
}

/// Each page of a paged answer is a plain GET.
pub(super) const PAGE_GET: Prepared = Prepared {
    method: reqwest::Method::GET,
    body: None,
    answer: AnswerCheck::Plain,
    reads: true,
};

#[derive(Clone, Copy)]
pub(super) enum AnswerCheck {
    Plain,
    /// `errors` in a 200 answer fail the request.
    Graphql,
    Statement(&'static dyn StatementDialect),
}

impl ConnectorService {
    /// The method and body to send, whether the request only reads, and how to read the
    /// answer. SQL statements come from the tool's settings; the page supplies values only.
    pub(super) fn prepare(
        &self,
        target: &ToolTarget,
        request: &RequestSpec,
    ) -> Result<Prepared, ConnectorError> {
        let tool = &target.tool;
        let not_set_up = |reason: String| ConnectorError::NotSetUp {
            tool: tool.name.clone(),
            reason,
        };
        // SQL reaches a warehouse only as a statement defined on the tool: any other body
        // for its statement endpoint could carry SQL written on a page.
        if let Some(dialect) = dialect_for(&tool.kind)
            && statements::takes_sql(dialect, &request.path)
            && !matches!(request.body, Some(RequestBody::Statement { .. }))
            && request.method == HttpMethod::Post
        {
            return Err(not_set_up(
                "SQL runs only as the statements defined on the tool".to_owned(),
            ));
        }
        let (body, answer, reads) = match (&request.method, &request.body) {
            (HttpMethod::Get, _) => (None, AnswerCheck::Plain, true),
            (HttpMethod::Post, None) => (None, AnswerCheck::Plain, false),
            // Whether a JSON POST only reads is the tool's word, never the page's.
            (HttpMethod::Post, Some(RequestBody::Json { template, .. })) => (
                Some(template.0.clone()),
                AnswerCheck::Plain,
                declares_read(tool, &request.path),
            ),
            (HttpMethod::Post, Some(body @ RequestBody::Graphql { query, variables })) => {
                let mut sent = serde_json::json!({ "query": query });
                if !variables.0.is_null() {
                    sent["variables"] = variables.0.clone();
                }
                let reads = body.declared_read_only() == Some(true);
                (Some(sent), AnswerCheck::Graphql, reads)
            }
            (HttpMethod::Post, Some(RequestBody::Statement { name, parameters })) => {
                let dialect = dialect_for(&tool.kind).ok_or_else(|| {
                    not_set_up(format!("a {} tool does not run SQL statements", tool.kind))
                })?;
                let statements = statements_in(&tool.config).map_err(|issues| {
                    not_set_up(format!(
                        "its SQL statements are invalid ({})",
                        issues
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ")
                    ))
                })?;
                let statement = statements
                    .get(name)
                    .ok_or_else(|| not_set_up(format!("it defines no SQL statement \"{name}\"")))?;
                let values = bind_parameters(statement, &parameters.0).map_err(&not_set_up)?;
                let sent = dialect.body(&tool.config, statement, &values);
                (
                    Some(sent),
                    AnswerCheck::Statement(dialect),
                    !statement.write,
                )
            }
        };
        let method = match request.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
        };
        Ok(Prepared {
            method,
            body,
            answer,
            reads,
        })
    }
}

/// Whether the tool declares a POST of `path` with a JSON body as a read: one of its own
/// endpoints, or one of its connector template's, marked `read_only`. What a page says about
/// its own request does not count — it would let any write be retried and cached.
fn declares_read(tool: &RegisteredTool, path: &str) -> bool {
    let is_declared_read = |endpoint: &domain::template::EndpointTemplate| {
        endpoint.request.method == HttpMethod::Post
            && endpoint.request.path == path
            && matches!(
                endpoint.request.body,
                Some(RequestBody::Json {
                    read_only: true,
                    ..
                })
            )
    };
    ToolSettings::lenient(&tool.config)
        .endpoints
        .iter()
        .any(is_declared_read)
        || templates::of_kind(&tool.kind)
            .is_some_and(|template| template.endpoints.iter().any(is_declared_read))
}
