//! The acceptance-criterion workflow and a catalog it is valid against, for tests.

use super::watch::ToolWatch;
use super::{
    Catalog, ChannelKind, Edge, Node, Port, Position, Step, StepPolicy, WorkflowDefinition,
};
use crate::page::RequestSpec;

fn node(id: &str, step: Step) -> Node {
    Node {
        id: id.to_owned(),
        label: String::new(),
        position: Position::default(),
        step,
        policy: StepPolicy::default(),
    }
}

/// "Databricks job failed → ServiceNow incident → Teams and Slack → email the on-call",
/// with a condition in front and a fallback when Teams is down.
pub fn job_failed_workflow() -> WorkflowDefinition {
    WorkflowDefinition {
        nodes: vec![
            node(
                "job_failed",
                Step::ToolEvent(ToolWatch {
                    tool: "databricks-demo".into(),
                    request: RequestSpec::get("/api/2.1/jobs/runs/list"),
                    items: "runs".into(),
                    key: "run_id".into(),
                    watch: Some("state.result_state".into()),
                    when: Some("state.result_state == 'FAILED'".into()),
                    interval_seconds: 60,
                }),
            ),
            node(
                "is_production",
                Step::Condition {
                    expression: "!starts_with(trigger.run_name, 'dev-')".into(),
                },
            ),
            node(
                "log_only",
                Step::Slack {
                    channel: "ops-slack".into(),
                    text: "Development job {{ trigger.run_name }} failed; no incident opened.".into(),
                },
            ),
            node(
                "incident",
                Step::ServicenowIncident {
                    tool: "servicenow-demo".into(),
                    short_description: "Databricks job {{ trigger.run_name }} failed".into(),
                    description: "Run {{ trigger.run_id }}: {{ trigger.state.state_message || 'no message' }}".into(),
                    urgency: 2,
                    impact: 2,
                    assignment_group: "Data Platform".into(),
                },
            ),
            node(
                "teams",
                Step::Teams {
                    channel: "ops-teams".into(),
                    title: "{{ steps.incident.number }}: {{ trigger.run_name }} failed".into(),
                    text: "Incident {{ steps.incident.number }} was opened.".into(),
                },
            ),
            node(
                "slack",
                Step::Slack {
                    channel: "ops-slack".into(),
                    text: ":red_circle: {{ trigger.run_name }} failed — {{ steps.incident.number }}".into(),
                },
            ),
            node(
                "teams_down",
                Step::Email {
                    channel: "on-call-mail".into(),
                    to: "platform-team@example.com".into(),
                    subject: "Teams did not take the alert for {{ trigger.run_name }}".into(),
                    body: "Incident {{ steps.incident.number }}.".into(),
                },
            ),
            node(
                "email",
                Step::Email {
                    channel: "on-call-mail".into(),
                    to: "on-call@example.com".into(),
                    subject: "[{{ steps.incident.number }}] {{ trigger.run_name }} failed".into(),
                    body: "Run {{ trigger.run_id }} failed. Incident: {{ steps.incident.number }}.".into(),
                },
            ),
        ],
        edges: vec![
            Edge::new("job_failed", "is_production", Port::Next),
            Edge::new("is_production", "incident", Port::True),
            Edge::new("is_production", "log_only", Port::False),
            Edge::new("incident", "teams", Port::Next),
            Edge::new("incident", "slack", Port::Next),
            Edge::new("teams", "email", Port::Next),
            Edge::new("slack", "email", Port::Next),
            Edge::new("teams", "teams_down", Port::Error),
        ],
        ..WorkflowDefinition::default()
    }
}

/// Tools, channels, workflows and pages the demo workflow uses.
pub fn catalog() -> Catalog {
    Catalog {
        tools: ["databricks-demo", "servicenow-demo"]
            .map(String::from)
            .into(),
        channels: [
            ("ops-slack", ChannelKind::Slack),
            ("ops-teams", ChannelKind::Teams),
            ("on-call-mail", ChannelKind::Email),
        ]
        .map(|(name, kind)| (name.to_owned(), kind))
        .into(),
        workflows: ["escalate"].map(String::from).into(),
        pages: ["operations"].map(String::from).into(),
        this_workflow: Some("job-failed".into()),
    }
}
