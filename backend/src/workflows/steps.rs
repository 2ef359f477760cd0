//! One attempt of one step: conditions and delays here, tool calls through the connector
//! (credentials, URL checks, rate limit and circuit breaker apply). Step types the engine
//! cannot carry out yet are refused when the workflow is turned on (`runnable`).

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use domain::{
    ValidationIssue,
    ids::OrgId,
    workflow::{
        ChannelKind, FailureKind, Node, Port, Step, WorkflowDefinition, plan, run::StepStatus,
        template,
    },
};
use serde_json::{Value, json};

use super::channels::{ChannelService, slack_message, teams_card};
use crate::{
    clock::SharedClock,
    connector::{ConnectorError, ConnectorService},
    entities::{workflow_run, workflow_step},
    tools::ToolService,
};

/// Stored input and output are capped per step, so a chatty tool cannot fill the database.
pub const MAX_STORED_BYTES: usize = 64 * 1024;

/// How one attempt went.
#[derive(Debug)]
pub(crate) enum Attempted {
    Took {
        port: Port,
        input: Option<Value>,
        output: Value,
    },
    /// Nothing to do until then (a delay).
    Wait { until: DateTime<Utc> },
    Failed {
        kind: FailureKind,
        message: String,
        input: Option<Value>,
    },
}

fn failed(kind: FailureKind, message: impl Into<String>, input: Option<Value>) -> Attempted {
    Attempted::Failed {
        kind,
        message: message.into(),
        input,
    }
}

/// Whether this server's engine carries out the step type (the rest come with their
/// channels and schedulers).
pub(crate) fn runnable(step: &Step) -> bool {
    matches!(
        step,
        Step::Manual { .. }
            | Step::Schedule { .. }
            | Step::ToolEvent(_)
            | Step::Condition { .. }
            | Step::Delay { .. }
            | Step::CallTool { .. }
            | Step::Slack { .. }
            | Step::Teams { .. }
            | Step::Pagerduty { .. }
            | Step::SendWebhook { .. }
            | Step::CallFunction { .. }
    )
}

/// The steps of a definition the engine cannot carry out yet, as issues on their nodes.
pub(crate) fn unrunnable_issues(definition: &WorkflowDefinition) -> Vec<ValidationIssue> {
    definition
        .nodes
        .iter()
        .filter(|node| !runnable(&node.step))
        .map(|node| {
            ValidationIssue::new(
                format!("nodes.{}", node.id),
                format!(
                    "“{}” steps cannot run on this server yet; use a manual start, a schedule or a tool event, conditions, delays, tool calls, and Slack, Teams, PagerDuty, webhook or function steps",
                    node.step.type_label()
                ),
            )
        })
        .collect()
}

/// A stored value, or a note of how big it was when it is too big to keep.
pub(crate) fn capped(value: Value) -> Value {
    let size = value.to_string().len();
    if size <= MAX_STORED_BYTES {
        value
    } else {
        json!({"truncated": true, "bytes": size})
    }
}

/// What a failed tool call means for retrying.
fn failure_kind(err: &ConnectorError) -> FailureKind {
    use ConnectorError::*;
    match err {
        Timeout { .. } | Unreachable { .. } | DnsFailed { .. } | RateLimited { .. } => {
            FailureKind::Unavailable
        }
        Status { status, .. } | Rejected { status, .. } => FailureKind::of_status(*status),
        CircuitOpen { .. } | Refused { .. } | LeavesBasePath { .. } | BadUrl { .. } => {
            FailureKind::Blocked
        }
        UnknownTool(_) | NotSetUp { .. } | Mapping { .. } | WriteInBinding { .. } => {
            FailureKind::Invalid
        }
        TlsFailed { .. }
        | CredentialsRejected { .. }
        | MissingCredentials { .. }
        | NotJson { .. }
        | TooLarge { .. }
        | Reported { .. } => FailureKind::Refused,
    }
}

#[derive(Clone)]
pub struct StepRunner {
    tools: ToolService,
    channels: ChannelService,
    connectors: Arc<ConnectorService>,
    clock: SharedClock,
}

impl StepRunner {
    pub fn new(
        tools: ToolService,
        channels: ChannelService,
        connectors: Arc<ConnectorService>,
        clock: SharedClock,
    ) -> Self {
        Self {
            tools,
            channels,
            connectors,
            clock,
        }
    }

    pub(crate) async fn attempt(
        &self,
        run: &workflow_run::Model,
        node: &Node,
        context: &Value,
        _attempt: i32,
        previous: Option<&workflow_step::Model>,
    ) -> Attempted {
        match &node.step {
            Step::Condition { expression } => match plan::truthy(expression, context) {
                Ok(holds) => Attempted::Took {
                    port: if holds { Port::True } else { Port::False },
                    input: None,
                    output: json!({"result": holds}),
                },
                Err(message) => failed(
                    FailureKind::Invalid,
                    format!("the condition: {message}"),
                    None,
                ),
            },
            Step::Delay { seconds } => {
                let waited = previous.is_some_and(|row| row.status == StepStatus::Waiting.as_str());
                if waited {
                    Attempted::Took {
                        port: Port::Next,
                        input: None,
                        output: json!({"waited_seconds": seconds}),
                    }
                } else {
                    let until = self.clock.now() + chrono::Duration::seconds(i64::from(*seconds));
                    Attempted::Wait { until }
                }
            }
            Step::CallTool { tool, request } => {
                self.call_tool(
                    OrgId(run.org_id),
                    tool,
                    request,
                    context,
                    node.policy.timeout_seconds,
                )
                .await
            }
            Step::Slack { channel, text } => {
                let payload = template::render_text(text, context).map(|text| slack_message(&text));
                self.notify(run, node, channel, ChannelKind::Slack, payload)
                    .await
            }
            Step::Teams {
                channel,
                title,
                text,
            } => {
                let payload = template::render_text(title, context).and_then(|title| {
                    Ok(teams_card(&title, &template::render_text(text, context)?))
                });
                self.notify(run, node, channel, ChannelKind::Teams, payload)
                    .await
            }
            Step::Pagerduty {
                channel,
                summary,
                severity,
                source,
            } => {
                let payload = template::render_text(summary, context).and_then(|summary| {
                    Ok(json!({"summary": summary, "severity": severity,
                              "source": template::render_text(source, context)?}))
                });
                self.notify(run, node, channel, ChannelKind::Pagerduty, payload)
                    .await
            }
            Step::SendWebhook { channel, body } => {
                let payload = template::render_json(body, context);
                self.notify(run, node, channel, ChannelKind::Webhook, payload)
                    .await
            }
            Step::CallFunction { channel, body } => {
                let payload = template::render_json(body, context);
                self.notify(run, node, channel, ChannelKind::Function, payload)
                    .await
            }
            other => failed(
                FailureKind::Invalid,
                format!(
                    "“{}” steps cannot run on this server yet",
                    other.type_label()
                ),
                None,
            ),
        }
    }

    /// Sends a step's rendered message through its channel. The delivery is named by run and
    /// step, so every attempt of it carries the same idempotency key.
    async fn notify(
        &self,
        run: &workflow_run::Model,
        node: &Node,
        channel: &str,
        kind: ChannelKind,
        payload: Result<Value, template::TemplateError>,
    ) -> Attempted {
        let payload = match payload {
            Ok(payload) => payload,
            Err(err) => return failed(FailureKind::Invalid, err.to_string(), None),
        };
        let input = Some(payload.clone());
        let outgoing = match self.channels.by_name(OrgId(run.org_id), channel).await {
            Ok(Some(outgoing)) if outgoing.kind == kind => outgoing,
            Ok(Some(_)) => {
                return failed(
                    FailureKind::Invalid,
                    format!("“{channel}” is no longer a {} channel", kind.label()),
                    input,
                );
            }
            Ok(None) => {
                return failed(
                    FailureKind::Invalid,
                    format!("there is no channel “{channel}” any more"),
                    input,
                );
            }
            Err(err) => {
                tracing::warn!(error = %err, channel, "workflow step could not load its channel");
                return failed(
                    FailureKind::Unavailable,
                    "the channel's settings could not be read",
                    input,
                );
            }
        };
        let key = format!("run-{}-{}", run.id, node.id);
        let limit = Duration::from_secs(node.policy.timeout_seconds.into());
        match tokio::time::timeout(limit, self.channels.send(&outgoing, payload, &key)).await {
            Ok(Ok(answer)) => Attempted::Took {
                port: Port::Next,
                input,
                output: json!({"channel": channel, "answer": answer, "delivery": key}),
            },
            Ok(Err(err)) => failed(failure_kind(&err), err.to_string(), input),
            Err(_) => failed(
                FailureKind::Unavailable,
                format!(
                    "“{channel}” did not answer within {} seconds",
                    node.policy.timeout_seconds
                ),
                input,
            ),
        }
    }

    /// A tool event's poll: the tool's answer now (never a cached or stale one), or why
    /// there is none.
    pub(crate) async fn poll(
        &self,
        org_id: OrgId,
        watch: &domain::workflow::ToolWatch,
    ) -> Result<Value, String> {
        let target = match self.tools.target_for(org_id, &watch.tool).await {
            Ok(Some(target)) => target,
            Ok(None) => return Err(format!("there is no tool “{}” any more", watch.tool)),
            Err(err) => return Err(format!("the tool's settings could not be read: {err}")),
        };
        match self
            .connectors
            .fetch(&target, &watch.request, 0, true)
            .await
        {
            Ok(fetched) => match fetched.stale {
                Some(reason) => Err(reason),
                None => Ok((*fetched.body).clone()),
            },
            Err(err) => Err(err.to_string()),
        }
    }

    async fn call_tool(
        &self,
        org_id: OrgId,
        tool: &str,
        request: &domain::page::RequestSpec,
        context: &Value,
        timeout_seconds: u32,
    ) -> Attempted {
        let request = match template::render_request(request, context) {
            Ok(request) => request,
            Err(err) => return failed(FailureKind::Invalid, err.to_string(), None),
        };
        let input = serde_json::to_value(&request).ok();
        let target = match self.tools.target_for(org_id, tool).await {
            Ok(Some(target)) => target,
            Ok(None) => {
                return failed(
                    FailureKind::Invalid,
                    format!("there is no tool “{tool}” any more"),
                    input,
                );
            }
            Err(err) => {
                tracing::warn!(error = %err, tool, "workflow step could not load its tool");
                return failed(
                    FailureKind::Unavailable,
                    "the tool's settings could not be read",
                    input,
                );
            }
        };
        let limit = Duration::from_secs(timeout_seconds.into());
        match tokio::time::timeout(limit, self.connectors.submit(&target, &request)).await {
            Ok(Ok(body)) => Attempted::Took {
                port: Port::Next,
                input,
                output: body,
            },
            Ok(Err(err)) => failed(failure_kind(&err), err.to_string(), input),
            Err(_) => failed(
                FailureKind::Unavailable,
                format!(
                    "{} did not answer within {timeout_seconds} seconds",
                    target.tool.name
                ),
                input,
            ),
        }
    }
}
