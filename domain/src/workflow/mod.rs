//! Workflows: one trigger and the steps it sets off, as a graph of nodes joined by edges.
//!
//! A node is a trigger (schedule, webhook, widget event, tool event, manual), a condition
//! (a JMESPath expression with a true and a false way out), a delay, or an action (call a
//! tool, open a ServiceNow incident, post to Slack or Teams, send an email, page PagerDuty,
//! text through Twilio, call a webhook, a function or another workflow, set page state).
//! A node with several edges out starts parallel branches; a node with several edges in
//! waits for every branch that can still reach it (see [`plan`]).
//!
//! Step settings are `{{…}}` templates over the run's context (see [`template`]); values
//! come from the trigger (`trigger.…`) and from earlier steps (`steps.<id>.…`), never code.
//!
//! `step` holds the node types, `validate` the rules, `plan` which steps run next,
//! `retry` when a failed step is tried again, `watch` how a tool event notices changes and
//! `schedule` when a cron trigger fires.

pub mod channel;
pub mod plan;
pub mod retry;
pub mod run;
pub mod schedule;
mod step;
pub mod template;
mod validate;
pub mod watch;
pub mod wire;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use retry::{FailureKind, RetryPolicy};
pub use step::{ChannelKind, PagerDutySeverity, Step, TemplateField};
pub use validate::Catalog;
pub use watch::ToolWatch;

pub const WORKFLOW_SCHEMA_VERSION: u32 = 1;
pub const MAX_NODES: usize = 100;
pub const MAX_EDGES: usize = 300;
pub const MAX_CONCURRENCY: u32 = 20;
/// How deep "call another workflow" may nest before the run is cut off.
pub const MAX_CALL_DEPTH: u32 = 5;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowDefinition {
    /// Version of this document format; older versions are upgraded on load.
    pub schema_version: u32,
    #[serde(default)]
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub edges: Vec<Edge>,
    /// A workflow (by slug) started with the failed run's details when a step fails and no
    /// error branch takes the failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// How many runs of this workflow may be in flight at once; later ones wait their turn.
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
}

fn default_concurrency() -> u32 {
    1
}

impl Default for WorkflowDefinition {
    fn default() -> Self {
        Self {
            schema_version: WORKFLOW_SCHEMA_VERSION,
            nodes: Vec::new(),
            edges: Vec::new(),
            on_failure: None,
            concurrency: default_concurrency(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Names the step in templates (`steps.<id>.…`) and in the run history: a lowercase
    /// letter, then up to 39 lowercase letters, digits and underscores.
    pub id: String,
    /// What the editor shows on the node; the step type's name when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// Where the node sits on the editor's canvas, in pixels.
    #[serde(default)]
    pub position: Position,
    pub step: Step,
    /// Timeout and retries; only actions use them.
    #[serde(default, skip_serializing_if = "StepPolicy::is_default")]
    pub policy: StepPolicy,
}

impl Node {
    /// The label, or the step type's name when there is none.
    pub fn title(&self) -> &str {
        if self.label.trim().is_empty() {
            self.step.type_label()
        } else {
            &self.label
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Position {
    pub x: i32,
    pub y: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepPolicy {
    /// How long one attempt may take before it counts as failed (and may be retried).
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
    #[serde(default)]
    pub retry: RetryPolicy,
}

pub const DEFAULT_TIMEOUT_SECONDS: u32 = 30;
pub const MAX_TIMEOUT_SECONDS: u32 = 600;

fn default_timeout() -> u32 {
    DEFAULT_TIMEOUT_SECONDS
}

impl Default for StepPolicy {
    fn default() -> Self {
        Self {
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            retry: RetryPolicy::default(),
        }
    }
}

impl StepPolicy {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// A connection from one node's way out (`port`) to another node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Port::is_next")]
    pub port: Port,
}

impl Edge {
    pub fn new(from: &str, to: &str, port: Port) -> Self {
        Self {
            from: from.to_owned(),
            to: to.to_owned(),
            port,
        }
    }
}

/// A node's ways out: `next` after a trigger, delay or action that succeeded; `true` and
/// `false` after a condition; `error` after an action that failed for good.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Port {
    #[default]
    Next,
    True,
    False,
    Error,
}

impl Port {
    fn is_next(&self) -> bool {
        *self == Port::Next
    }

    /// The name stored with a settled step.
    pub fn as_str(self) -> &'static str {
        match self {
            Port::Next => "next",
            Port::True => "true",
            Port::False => "false",
            Port::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Port::Next, Port::True, Port::False, Port::Error]
            .into_iter()
            .find(|port| port.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Port::Next => "next",
            Port::True => "true",
            Port::False => "false",
            Port::Error => "on error",
        }
    }
}

impl WorkflowDefinition {
    /// Reads a stored or submitted definition; the error names the field that is wrong.
    pub fn parse(value: &Value) -> Result<Self, crate::ValidationIssue> {
        serde_path_to_error::deserialize(value).map_err(|err| {
            let path = err.path().to_string();
            crate::ValidationIssue::new(
                if path == "." { String::new() } else { path },
                err.inner().to_string(),
            )
        })
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.id == id)
    }

    /// The trigger node, when there is exactly one.
    pub fn trigger(&self) -> Option<&Node> {
        let mut triggers = self.nodes.iter().filter(|node| node.step.is_trigger());
        match (triggers.next(), triggers.next()) {
            (Some(trigger), None) => Some(trigger),
            _ => None,
        }
    }

    /// Edges leaving `id`.
    pub fn edges_from<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Edge> + 'a {
        self.edges.iter().filter(move |edge| edge.from == id)
    }

    /// Edges arriving at `id`.
    pub fn edges_into<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Edge> + 'a {
        self.edges.iter().filter(move |edge| edge.to == id)
    }
}

/// JSON Schema of the workflow definition, published in docs/.
#[expect(clippy::expect_used, reason = "a generated schema is plain JSON")]
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(WorkflowDefinition)).expect("schema serializes")
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn published_json_schema_matches_the_model() {
        crate::published_schema::assert_published(
            &json_schema(),
            "workflow-definition.schema.json",
        );
    }

    #[test]
    fn the_demo_workflow_reads_and_writes_back_unchanged() {
        let definition = test_support::job_failed_workflow();
        let json = serde_json::to_value(&definition).unwrap();
        assert_eq!(WorkflowDefinition::parse(&json).unwrap(), definition);
        assert_eq!(definition.trigger().unwrap().id, "job_failed");
    }

    #[test]
    fn a_misspelt_field_is_named_with_its_place() {
        let wrong = json!({"schema_version": 1, "nodes": [
            {"id": "start", "step": {"type": "manual"}},
            {"id": "post", "step": {"type": "slack", "channel": "ops", "txt": "hi"}}
        ]});
        let issue = WorkflowDefinition::parse(&wrong).unwrap_err();
        assert_eq!(issue.path, "nodes[1].step");
        assert!(issue.message.contains("txt"), "{}", issue.message);
    }
}
