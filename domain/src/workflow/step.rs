//! The node types of a workflow and what each reads: its templates, JMESPath expressions,
//! tool, channel, page or workflow.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::watch::ToolWatch;
use crate::page::RequestSpec;
use crate::request::RequestBody;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    // Triggers.
    /// "Run now" in the editor and `POST /api/workflows/execute`; `sample` is the input the
    /// editor offers and previews templates against.
    Manual {
        #[serde(default, skip_serializing_if = "Value::is_null")]
        sample: Value,
    },
    /// Fires on a cron pattern (five fields, or six with seconds) in a time zone.
    Schedule {
        cron: String,
        #[serde(default = "utc")]
        time_zone: String,
    },
    /// Fires when the workflow's signed webhook URL receives a POST; the JSON body is the
    /// trigger's payload.
    Webhook {
        #[serde(default, skip_serializing_if = "Value::is_null")]
        sample: Value,
    },
    /// Fires when a page's button runs the workflow, with the page's variables and the
    /// clicked row.
    WidgetEvent {
        #[serde(default, skip_serializing_if = "Value::is_null")]
        sample: Value,
    },
    /// Polls a tool and fires once per item that is new or whose watched field changed.
    ToolEvent(ToolWatch),

    // Logic.
    /// Takes its `true` way out when the JMESPath expression is truthy, else `false`.
    Condition { expression: String },
    /// Waits before the next steps run.
    Delay { seconds: u32 },

    // Actions.
    /// Calls a registered tool through its connector (credentials, URL checks, rate limit
    /// and circuit breaker apply).
    CallTool { tool: String, request: RequestSpec },
    /// Opens a ServiceNow incident through a ServiceNow tool, unless one with this run's
    /// correlation id exists already.
    ServicenowIncident {
        tool: String,
        short_description: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        description: String,
        /// 1 (high) to 3 (low).
        #[serde(default = "low")]
        urgency: u8,
        /// 1 (high) to 3 (low).
        #[serde(default = "low")]
        impact: u8,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        assignment_group: String,
    },
    /// Posts a message to a Slack incoming webhook.
    Slack { channel: String, text: String },
    /// Posts an Adaptive Card to a Microsoft Teams incoming webhook or Workflows URL.
    Teams {
        channel: String,
        title: String,
        text: String,
    },
    /// Sends an email through an SMTP channel; `to` is a comma-separated list.
    Email {
        channel: String,
        to: String,
        subject: String,
        body: String,
    },
    /// Triggers a PagerDuty Events v2 alert, deduplicated per run and step.
    Pagerduty {
        channel: String,
        summary: String,
        #[serde(default)]
        severity: PagerDutySeverity,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        source: String,
    },
    /// Sends a text message through Twilio's Messages API.
    Sms {
        channel: String,
        to: String,
        body: String,
    },
    /// POSTs a JSON document to a webhook channel.
    SendWebhook { channel: String, body: Value },
    /// POSTs a JSON document to a function endpoint (an Azure Function, say) and keeps its
    /// JSON answer as the step's output.
    CallFunction { channel: String, body: Value },
    /// Starts another workflow with `input` and waits for it.
    CallWorkflow {
        workflow: String,
        #[serde(default, skip_serializing_if = "Value::is_null")]
        input: Value,
    },
    /// Sets page variables or a notice shown on a page.
    SetPageState {
        page: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        variables: BTreeMap<String, String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notice: Option<String>,
    },
}

fn utc() -> String {
    "UTC".to_owned()
}

fn low() -> u8 {
    3
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PagerDutySeverity {
    Critical,
    #[default]
    Error,
    Warning,
    Info,
}

/// Where notifications go: named, with their secrets kept encrypted on the server.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Slack,
    Teams,
    Email,
    Pagerduty,
    Twilio,
    Webhook,
    Function,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 7] = [
        ChannelKind::Slack,
        ChannelKind::Teams,
        ChannelKind::Email,
        ChannelKind::Pagerduty,
        ChannelKind::Twilio,
        ChannelKind::Webhook,
        ChannelKind::Function,
    ];

    /// The name stored and sent (`slack`, `pagerduty`…).
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Slack => "slack",
            ChannelKind::Teams => "teams",
            ChannelKind::Email => "email",
            ChannelKind::Pagerduty => "pagerduty",
            ChannelKind::Twilio => "twilio",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Function => "function",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            ChannelKind::Slack => "Slack",
            ChannelKind::Teams => "Microsoft Teams",
            ChannelKind::Email => "Email (SMTP)",
            ChannelKind::Pagerduty => "PagerDuty",
            ChannelKind::Twilio => "Twilio SMS",
            ChannelKind::Webhook => "Webhook",
            ChannelKind::Function => "Function",
        }
    }
}

/// A templated setting: its field name and text, or a JSON document whose strings are
/// templates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TemplateField<'a> {
    Text(&'static str, &'a str),
    Json(&'static str, &'a Value),
}

impl TemplateField<'_> {
    pub fn field(&self) -> &'static str {
        match self {
            TemplateField::Text(field, _) | TemplateField::Json(field, _) => field,
        }
    }
}

impl Step {
    pub fn type_label(&self) -> &'static str {
        match self {
            Step::Manual { .. } => "Manual start",
            Step::Schedule { .. } => "Schedule",
            Step::Webhook { .. } => "Webhook",
            Step::WidgetEvent { .. } => "Page button",
            Step::ToolEvent(_) => "Tool event",
            Step::Condition { .. } => "Condition",
            Step::Delay { .. } => "Delay",
            Step::CallTool { .. } => "Call a tool",
            Step::ServicenowIncident { .. } => "ServiceNow incident",
            Step::Slack { .. } => "Slack message",
            Step::Teams { .. } => "Teams message",
            Step::Email { .. } => "Email",
            Step::Pagerduty { .. } => "PagerDuty alert",
            Step::Sms { .. } => "SMS",
            Step::SendWebhook { .. } => "Webhook call",
            Step::CallFunction { .. } => "Function call",
            Step::CallWorkflow { .. } => "Run a workflow",
            Step::SetPageState { .. } => "Set page state",
        }
    }

    pub fn is_trigger(&self) -> bool {
        matches!(
            self,
            Step::Manual { .. }
                | Step::Schedule { .. }
                | Step::Webhook { .. }
                | Step::WidgetEvent { .. }
                | Step::ToolEvent(_)
        )
    }

    /// Actions reach outside the engine, so they have a timeout, retries and an error way out.
    pub fn is_action(&self) -> bool {
        !self.is_trigger() && !matches!(self, Step::Condition { .. } | Step::Delay { .. })
    }

    /// The registered tool (by slug) the step calls or polls.
    pub fn tool(&self) -> Option<&str> {
        match self {
            Step::ToolEvent(watch) => Some(&watch.tool),
            Step::CallTool { tool, .. } | Step::ServicenowIncident { tool, .. } => Some(tool),
            _ => None,
        }
    }

    /// The channel (by name) the step sends through, with the kind it must be.
    pub fn channel(&self) -> Option<(&str, ChannelKind)> {
        let (name, kind) = match self {
            Step::Slack { channel, .. } => (channel, ChannelKind::Slack),
            Step::Teams { channel, .. } => (channel, ChannelKind::Teams),
            Step::Email { channel, .. } => (channel, ChannelKind::Email),
            Step::Pagerduty { channel, .. } => (channel, ChannelKind::Pagerduty),
            Step::Sms { channel, .. } => (channel, ChannelKind::Twilio),
            Step::SendWebhook { channel, .. } => (channel, ChannelKind::Webhook),
            Step::CallFunction { channel, .. } => (channel, ChannelKind::Function),
            _ => return None,
        };
        Some((name, kind))
    }

    /// Every templated setting, in the order the editor shows them.
    pub fn templates(&self) -> Vec<TemplateField<'_>> {
        use TemplateField::{Json, Text};
        match self {
            Step::CallTool { request, .. } => {
                let mut fields = vec![Text("request.path", &request.path)];
                fields.extend(
                    request
                        .query
                        .values()
                        .map(|value| Text("request.query", value)),
                );
                match &request.body {
                    Some(RequestBody::Json { template, .. }) => {
                        fields.push(Json("request.body", &template.0));
                    }
                    Some(RequestBody::Graphql { variables, .. }) => {
                        fields.push(Json("request.body.variables", &variables.0));
                    }
                    Some(RequestBody::Statement { parameters, .. }) => {
                        fields.push(Json("request.body.parameters", &parameters.0));
                    }
                    None => {}
                }
                fields
            }
            Step::ServicenowIncident {
                short_description,
                description,
                assignment_group,
                ..
            } => vec![
                Text("short_description", short_description),
                Text("description", description),
                Text("assignment_group", assignment_group),
            ],
            Step::Slack { text, .. } => vec![Text("text", text)],
            Step::Teams { title, text, .. } => vec![Text("title", title), Text("text", text)],
            Step::Email {
                to, subject, body, ..
            } => vec![Text("to", to), Text("subject", subject), Text("body", body)],
            Step::Pagerduty {
                summary, source, ..
            } => vec![Text("summary", summary), Text("source", source)],
            Step::Sms { to, body, .. } => vec![Text("to", to), Text("body", body)],
            Step::SendWebhook { body, .. } | Step::CallFunction { body, .. } => {
                vec![Json("body", body)]
            }
            Step::CallWorkflow { input, .. } => vec![Json("input", input)],
            Step::SetPageState {
                variables, notice, ..
            } => {
                let mut fields: Vec<TemplateField<'_>> = variables
                    .values()
                    .map(|value| Text("variables", value))
                    .collect();
                if let Some(notice) = notice {
                    fields.push(Text("notice", notice));
                }
                fields
            }
            _ => Vec::new(),
        }
    }

    /// Settings that must not be left empty: (field, value).
    pub(super) fn required_text(&self) -> Vec<(&'static str, &str)> {
        match self {
            Step::ServicenowIncident {
                tool,
                short_description,
                ..
            } => vec![("tool", tool), ("short_description", short_description)],
            Step::CallTool { tool, .. } => vec![("tool", tool)],
            Step::Slack { channel, text } => vec![("channel", channel), ("text", text)],
            Step::Teams {
                channel,
                title,
                text,
            } => vec![("channel", channel), ("title", title), ("text", text)],
            Step::Email {
                channel,
                to,
                subject,
                ..
            } => vec![("channel", channel), ("to", to), ("subject", subject)],
            Step::Pagerduty {
                channel, summary, ..
            } => vec![("channel", channel), ("summary", summary)],
            Step::Sms { channel, to, body } => {
                vec![("channel", channel), ("to", to), ("body", body)]
            }
            Step::SendWebhook { channel, .. } | Step::CallFunction { channel, .. } => {
                vec![("channel", channel)]
            }
            Step::CallWorkflow { workflow, .. } => vec![("workflow", workflow)],
            Step::SetPageState { page, .. } => vec![("page", page)],
            Step::Condition { expression } => vec![("expression", expression)],
            Step::Schedule { cron, .. } => vec![("cron", cron)],
            _ => Vec::new(),
        }
        .into_iter()
        .map(|(field, value)| (field, value.as_str()))
        .collect()
    }
}
