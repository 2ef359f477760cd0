//! The rules a workflow must meet before it can be turned on. Each issue's path names the
//! node (`nodes.<id>.<field>`) or edge (`edges[<index>]`) so the editor can show it there.
//! A workflow with issues can still be saved as a draft.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::ValidationIssue;
use crate::request::Placeholders;

use super::schedule::Schedule;
use super::template::{check_json, check_text, unprovided_reads};
use super::watch::{MAX_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS};
use super::{
    ChannelKind, MAX_CONCURRENCY, MAX_EDGES, MAX_NODES, MAX_TIMEOUT_SECONDS, Node, Port, Step,
    TemplateField, WORKFLOW_SCHEMA_VERSION, WorkflowDefinition,
};

pub const MAX_DELAY_SECONDS: u32 = 7 * 24 * 60 * 60;

/// What exists in the organization, for the checks that a step's tool, channel, workflow or
/// page is real.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    pub tools: BTreeSet<String>,
    pub channels: BTreeMap<String, ChannelKind>,
    pub workflows: BTreeSet<String>,
    pub pages: BTreeSet<String>,
    /// The workflow being checked (by slug), so it cannot call itself.
    pub this_workflow: Option<String>,
}

/// Step ids: a lowercase letter, then lowercase letters, digits and underscores; short
/// enough to type in a template.
pub fn is_valid_step_id(id: &str) -> bool {
    id.len() <= 40
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl WorkflowDefinition {
    /// Every reason the workflow cannot be turned on; empty when it can.
    pub fn issues(&self, catalog: &Catalog) -> Vec<ValidationIssue> {
        let mut issues = Vec::new();
        if self.schema_version != WORKFLOW_SCHEMA_VERSION {
            issues.push(ValidationIssue::new(
                "schema_version",
                format!("this server reads workflow format {WORKFLOW_SCHEMA_VERSION}"),
            ));
        }
        if self.nodes.len() > MAX_NODES {
            issues.push(ValidationIssue::new(
                "nodes",
                format!("a workflow has at most {MAX_NODES} steps"),
            ));
        }
        if self.edges.len() > MAX_EDGES {
            issues.push(ValidationIssue::new(
                "edges",
                format!("a workflow has at most {MAX_EDGES} connections"),
            ));
        }
        if self.concurrency == 0 || self.concurrency > MAX_CONCURRENCY {
            issues.push(ValidationIssue::new(
                "concurrency",
                format!("between 1 and {MAX_CONCURRENCY} runs at once"),
            ));
        }
        if let Some(on_failure) = &self.on_failure {
            check_workflow_name(on_failure, "on_failure", catalog, &mut issues);
        }
        self.check_ids(&mut issues);
        self.check_triggers(&mut issues);
        let edges_ok = self.check_edges(&mut issues);
        let acyclic = edges_ok && self.check_cycles(&mut issues);
        if acyclic {
            self.check_reachable(&mut issues);
        }
        let earlier = if acyclic {
            self.earlier_steps()
        } else {
            BTreeMap::new()
        };
        for node in &self.nodes {
            let before = earlier.get(node.id.as_str()).cloned().unwrap_or_default();
            check_node(node, catalog, acyclic.then_some(&before), &mut issues);
        }
        issues
    }

    fn check_ids(&self, issues: &mut Vec<ValidationIssue>) {
        let mut seen = BTreeSet::new();
        for (index, node) in self.nodes.iter().enumerate() {
            if !is_valid_step_id(&node.id) {
                issues.push(ValidationIssue::new(
                    format!("nodes[{index}].id"),
                    format!("“{}” is not a step id: use a lowercase letter, then lowercase letters, digits or _ (up to 40)", node.id),
                ));
            } else if !seen.insert(node.id.as_str()) {
                issues.push(ValidationIssue::new(
                    format!("nodes.{}.id", node.id),
                    format!("two steps have the id “{}”; ids must differ", node.id),
                ));
            }
        }
    }

    fn check_triggers(&self, issues: &mut Vec<ValidationIssue>) {
        let triggers: Vec<&Node> = self.nodes.iter().filter(|n| n.step.is_trigger()).collect();
        match triggers.as_slice() {
            [] => issues.push(ValidationIssue::new(
                "nodes",
                "a workflow starts with a trigger: add a schedule, webhook, page button, tool event or manual start",
            )),
            [_] => {}
            [_, more @ ..] => {
                for extra in more {
                    issues.push(ValidationIssue::new(
                        format!("nodes.{}", extra.id),
                        "a workflow has one trigger; make another workflow for this one",
                    ));
                }
            }
        }
    }

    /// Endpoints exist and ports suit their node; false when the graph cannot be walked.
    fn check_edges(&self, issues: &mut Vec<ValidationIssue>) -> bool {
        let mut walkable = true;
        let mut seen = BTreeSet::new();
        for (index, edge) in self.edges.iter().enumerate() {
            let at = format!("edges[{index}]");
            let from = self.node(&edge.from);
            let to = self.node(&edge.to);
            if from.is_none() {
                issues.push(ValidationIssue::new(
                    format!("{at}.from"),
                    format!("no step has the id “{}”", edge.from),
                ));
                walkable = false;
            }
            if to.is_none() {
                issues.push(ValidationIssue::new(
                    format!("{at}.to"),
                    format!("no step has the id “{}”", edge.to),
                ));
                walkable = false;
            }
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            if to.step.is_trigger() {
                issues.push(ValidationIssue::new(
                    format!("{at}.to"),
                    format!("nothing runs before the trigger “{}”", to.title()),
                ));
            }
            if !seen.insert((&edge.from, &edge.to, edge.port)) {
                issues.push(ValidationIssue::new(
                    at.clone(),
                    "this connection is there twice",
                ));
            }
            let port_fits = match edge.port {
                Port::True | Port::False => matches!(from.step, Step::Condition { .. }),
                Port::Error => from.step.is_action(),
                Port::Next => !matches!(from.step, Step::Condition { .. }),
            };
            if !port_fits {
                let message = match from.step {
                    Step::Condition { .. } => {
                        "a condition leads on through its true or false way".to_owned()
                    }
                    _ => format!(
                        "“{}” has no {} way out; only conditions have true and false, only actions have on error",
                        from.title(),
                        edge.port.label()
                    ),
                };
                issues.push(ValidationIssue::new(format!("{at}.port"), message));
            }
        }
        walkable
    }

    /// Reports each loop once; false when there is one.
    fn check_cycles(&self, issues: &mut Vec<ValidationIssue>) -> bool {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Open,
            Done,
        }
        fn visit<'a>(
            workflow: &'a WorkflowDefinition,
            id: &'a str,
            marks: &mut BTreeMap<&'a str, Mark>,
            trail: &mut Vec<&'a str>,
            issues: &mut Vec<ValidationIssue>,
        ) {
            marks.insert(id, Mark::Open);
            trail.push(id);
            for edge in workflow.edges_from(id) {
                match marks.get(edge.to.as_str()) {
                    Some(Mark::Open) => {
                        let start = trail.iter().position(|step| *step == edge.to).unwrap_or(0);
                        let mut loop_ids: Vec<&str> = trail[start..].to_vec();
                        loop_ids.push(&edge.to);
                        issues.push(ValidationIssue::new(
                            format!("nodes.{id}"),
                            format!(
                                "these steps lead back to themselves ({}); a workflow runs forward only",
                                loop_ids.join(" → ")
                            ),
                        ));
                    }
                    Some(Mark::Done) => {}
                    None => visit(workflow, &edge.to, marks, trail, issues),
                }
            }
            trail.pop();
            marks.insert(id, Mark::Done);
        }
        let before = issues.len();
        let mut marks = BTreeMap::new();
        for node in &self.nodes {
            if !marks.contains_key(node.id.as_str()) {
                visit(self, &node.id, &mut marks, &mut Vec::new(), issues);
            }
        }
        issues.len() == before
    }

    fn check_reachable(&self, issues: &mut Vec<ValidationIssue>) {
        let Some(trigger) = self.trigger() else {
            return;
        };
        let mut reached = BTreeSet::from([trigger.id.as_str()]);
        let mut queue = VecDeque::from([trigger.id.as_str()]);
        while let Some(id) = queue.pop_front() {
            for edge in self.edges_from(id) {
                if reached.insert(edge.to.as_str()) {
                    queue.push_back(&edge.to);
                }
            }
        }
        for node in &self.nodes {
            if !reached.contains(node.id.as_str()) && !node.step.is_trigger() {
                issues.push(ValidationIssue::new(
                    format!("nodes.{}", node.id),
                    format!(
                        "nothing leads to “{}” from the trigger; connect it or delete it",
                        node.title()
                    ),
                ));
            }
        }
    }

    /// For each step, the steps that can run before it (its ancestors). Needs no cycles.
    fn earlier_steps(&self) -> BTreeMap<&str, BTreeSet<&str>> {
        fn ancestors<'a>(
            workflow: &'a WorkflowDefinition,
            id: &'a str,
            memo: &mut BTreeMap<&'a str, BTreeSet<&'a str>>,
        ) -> BTreeSet<&'a str> {
            if let Some(known) = memo.get(id) {
                return known.clone();
            }
            let mut found = BTreeSet::new();
            for edge in workflow.edges_into(id) {
                found.insert(edge.from.as_str());
                found.extend(ancestors(workflow, &edge.from, memo));
            }
            memo.insert(id, found.clone());
            found
        }
        let mut memo = BTreeMap::new();
        for node in &self.nodes {
            ancestors(self, &node.id, &mut memo);
        }
        memo
    }
}

fn check_workflow_name(slug: &str, at: &str, catalog: &Catalog, issues: &mut Vec<ValidationIssue>) {
    if catalog.this_workflow.as_deref() == Some(slug) {
        issues.push(ValidationIssue::new(at, "a workflow cannot start itself"));
    } else if !catalog.workflows.contains(slug) {
        issues.push(ValidationIssue::new(
            at,
            format!("there is no workflow “{slug}”"),
        ));
    }
}

/// The node's own settings. `earlier` is `None` when the graph is broken, so template
/// references are not checked against it.
fn check_node(
    node: &Node,
    catalog: &Catalog,
    earlier: Option<&BTreeSet<&str>>,
    issues: &mut Vec<ValidationIssue>,
) {
    let at = |field: &str| format!("nodes.{}.{field}", node.id);
    let mut empty = BTreeSet::new();
    for (field, value) in node.step.required_text() {
        if value.trim().is_empty() {
            issues.push(ValidationIssue::new(at(field), "fill this in"));
            empty.insert(field);
        }
    }
    if let Some(tool) = node.step.tool()
        && !empty.contains("tool")
        && !catalog.tools.contains(tool)
    {
        issues.push(ValidationIssue::new(
            at("tool"),
            format!("there is no tool “{tool}”"),
        ));
    }
    if let Some((channel, kind)) = node.step.channel()
        && !empty.contains("channel")
    {
        match catalog.channels.get(channel) {
            None => issues.push(ValidationIssue::new(
                at("channel"),
                format!("there is no channel “{channel}”; add it under Channels"),
            )),
            Some(actual) if *actual != kind => issues.push(ValidationIssue::new(
                at("channel"),
                format!(
                    "“{channel}” is a {} channel; this step needs {}",
                    actual.label(),
                    kind.label()
                ),
            )),
            Some(_) => {}
        }
    }
    let expression = |field: &str, expression: &str, issues: &mut Vec<ValidationIssue>| {
        if let Err(message) = crate::expression::compile(expression) {
            issues.push(ValidationIssue::new(
                at(field),
                format!("not a valid expression: {message}"),
            ));
        }
    };
    match &node.step {
        Step::Schedule { cron, time_zone } if !empty.contains("cron") => {
            if let Err(err) = Schedule::parse(cron, time_zone) {
                let field = match err {
                    super::schedule::ScheduleError::Pattern(_) => "cron",
                    super::schedule::ScheduleError::TimeZone(_) => "time_zone",
                };
                issues.push(ValidationIssue::new(at(field), err.to_string()));
            }
        }
        Step::ToolEvent(watch) => {
            for (field, text) in [
                ("items", Some(&watch.items)),
                ("key", Some(&watch.key)),
                ("watch", watch.watch.as_ref()),
                ("when", watch.when.as_ref()),
            ] {
                if let Some(text) = text {
                    expression(field, text, issues);
                }
            }
            if !(MIN_INTERVAL_SECONDS..=MAX_INTERVAL_SECONDS).contains(&watch.interval_seconds) {
                issues.push(ValidationIssue::new(
                    at("interval_seconds"),
                    format!("poll every {MIN_INTERVAL_SECONDS} seconds to once a day"),
                ));
            }
            crate::page::check_request_as(
                &at("request"),
                &watch.request,
                Placeholders::Elsewhere,
                issues,
            );
            if watch.request.declared_read_only() == Some(false) {
                issues.push(ValidationIssue::new(
                    at("request"),
                    "a tool event only reads; use a GET or a read-only query",
                ));
            }
        }
        Step::Condition { expression: text } if !empty.contains("expression") => {
            expression("expression", text, issues);
            for problem in earlier
                .map(|earlier| unprovided_reads(text, earlier))
                .unwrap_or_default()
            {
                issues.push(ValidationIssue::new(
                    at("expression"),
                    format!("the condition {problem}"),
                ));
            }
        }
        Step::Delay { seconds } if *seconds == 0 || *seconds > MAX_DELAY_SECONDS => {
            issues.push(ValidationIssue::new(
                at("seconds"),
                "wait between 1 second and 7 days",
            ));
        }
        Step::ServicenowIncident {
            urgency, impact, ..
        } => {
            for (field, value) in [("urgency", urgency), ("impact", impact)] {
                if !(1..=3).contains(value) {
                    issues.push(ValidationIssue::new(
                        at(field),
                        "1 (high), 2 (medium) or 3 (low)",
                    ));
                }
            }
        }
        Step::CallWorkflow { workflow, .. } if !empty.contains("workflow") => {
            check_workflow_name(workflow, &at("workflow"), catalog, issues);
        }
        Step::SetPageState {
            page,
            variables,
            notice,
        } => {
            if !empty.contains("page") && !catalog.pages.contains(page) {
                issues.push(ValidationIssue::new(
                    at("page"),
                    format!("there is no page “{page}”"),
                ));
            }
            if variables.is_empty() && notice.is_none() {
                issues.push(ValidationIssue::new(
                    at("variables"),
                    "set a variable or a notice",
                ));
            }
        }
        Step::CallTool { request, .. } => {
            crate::page::check_request_as(&at("request"), request, Placeholders::Elsewhere, issues);
        }
        _ => {}
    }
    if node.step.is_action() {
        let policy = &node.policy;
        if policy.timeout_seconds == 0 || policy.timeout_seconds > MAX_TIMEOUT_SECONDS {
            issues.push(ValidationIssue::new(
                at("policy.timeout_seconds"),
                format!("a step may take 1 to {MAX_TIMEOUT_SECONDS} seconds"),
            ));
        }
        for (field, message) in policy.retry.problems() {
            issues.push(ValidationIssue::new(
                at(&format!("policy.retry.{field}")),
                message,
            ));
        }
    }
    if let Some(earlier) = earlier {
        for template in node.step.templates() {
            let path = at(template.field());
            match template {
                TemplateField::Text(_, text) => check_text(text, &path, earlier, issues),
                TemplateField::Json(_, value) => check_json(value, &path, earlier, issues),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::test_support::{catalog, job_failed_workflow};
    use crate::workflow::{Edge, Port};

    fn paths(workflow: &WorkflowDefinition) -> Vec<String> {
        workflow
            .issues(&catalog())
            .into_iter()
            .map(|issue| issue.path)
            .collect()
    }

    fn messages(workflow: &WorkflowDefinition) -> Vec<String> {
        workflow
            .issues(&catalog())
            .into_iter()
            .map(|issue| issue.to_string())
            .collect()
    }

    #[test]
    fn the_demo_workflow_is_valid() {
        assert_eq!(messages(&job_failed_workflow()), Vec::<String>::new());
    }

    #[test]
    fn a_workflow_without_a_trigger_says_to_add_one() {
        let mut workflow = job_failed_workflow();
        workflow.nodes.remove(0);
        workflow.edges.remove(0);
        let issues = workflow.issues(&catalog());
        assert_eq!(issues[0].path, "nodes");
        assert!(issues[0].message.contains("starts with a trigger"));
    }

    #[test]
    fn a_second_trigger_is_named() {
        let mut workflow = job_failed_workflow();
        let mut extra = workflow.nodes[0].clone();
        extra.id = "every_hour".into();
        extra.step = Step::Schedule {
            cron: "0 * * * *".into(),
            time_zone: "UTC".into(),
        };
        workflow.nodes.push(extra);
        assert!(paths(&workflow).contains(&"nodes.every_hour".to_owned()));
    }

    #[test]
    fn unreachable_steps_are_named() {
        let mut workflow = job_failed_workflow();
        workflow.edges.retain(|edge| edge.to != "log_only");
        assert_eq!(paths(&workflow), ["nodes.log_only"]);
        assert!(messages(&workflow)[0].contains("nothing leads to"));
    }

    #[test]
    fn a_loop_is_named_with_its_steps() {
        let mut workflow = job_failed_workflow();
        workflow
            .edges
            .push(Edge::new("email", "incident", Port::Next));
        let issues = workflow.issues(&catalog());
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].path, "nodes.email");
        assert!(
            issues[0]
                .message
                .contains("incident → teams → email → incident"),
            "{}",
            issues[0].message
        );
    }

    #[test]
    fn edges_must_join_real_steps_through_ports_they_have() {
        let mut workflow = job_failed_workflow();
        workflow
            .edges
            .push(Edge::new("incident", "ghost", Port::Next));
        workflow.edges.push(Edge::new("slack", "email", Port::True));
        workflow
            .edges
            .push(Edge::new("is_production", "email", Port::Next));
        workflow
            .edges
            .push(Edge::new("is_production", "email", Port::Error));
        workflow
            .edges
            .push(Edge::new("email", "job_failed", Port::Next));
        let issues = workflow.issues(&catalog());
        let found: Vec<&str> = issues.iter().map(|issue| issue.path.as_str()).collect();
        for expected in [
            "edges[8].to",
            "edges[9].port",
            "edges[10].port",
            "edges[11].port",
            "edges[12].to",
        ] {
            assert!(found.contains(&expected), "{expected}: {issues:?}");
        }
    }

    #[test]
    fn unknown_tools_channels_workflows_and_pages_are_named() {
        let mut workflow = job_failed_workflow();
        if let Step::ServicenowIncident { tool, .. } = &mut workflow.nodes[3].step {
            *tool = "jira".into();
        }
        if let Step::Teams { channel, .. } = &mut workflow.nodes[4].step {
            *channel = "ops-slack".into();
        }
        if let Step::Slack { channel, .. } = &mut workflow.nodes[5].step {
            *channel = "nowhere".into();
        }
        workflow.on_failure = Some("job-failed".into());
        let issues = messages(&workflow);
        assert!(
            issues.contains(&"nodes.incident.tool: there is no tool “jira”".to_owned()),
            "{issues:?}"
        );
        assert!(issues.iter().any(|m| m.starts_with("nodes.teams.channel: “ops-slack” is a Slack channel; this step needs Microsoft Teams")), "{issues:?}");
        assert!(
            issues
                .iter()
                .any(|m| m.starts_with("nodes.slack.channel: there is no channel “nowhere”")),
            "{issues:?}"
        );
        assert!(
            issues.contains(&"on_failure: a workflow cannot start itself".to_owned()),
            "{issues:?}"
        );
    }

    #[test]
    fn bad_expressions_schedules_and_policies_name_their_field() {
        let mut workflow = job_failed_workflow();
        if let Step::Condition { expression } = &mut workflow.nodes[1].step {
            *expression = "trigger.run_name ==".into();
        }
        if let Step::ToolEvent(watch) = &mut workflow.nodes[0].step {
            watch.items = "runs[".into();
            watch.interval_seconds = 1;
        }
        workflow.nodes[6].policy.timeout_seconds = 0;
        workflow.nodes[6].policy.retry.max_attempts = 50;
        assert_eq!(
            paths(&workflow),
            [
                "nodes.job_failed.items",
                "nodes.job_failed.interval_seconds",
                "nodes.is_production.expression",
                "nodes.teams_down.policy.timeout_seconds",
                "nodes.teams_down.policy.retry.max_attempts",
            ]
        );

        let mut scheduled = job_failed_workflow();
        scheduled.nodes[0].step = Step::Schedule {
            cron: "0 25 * * *".into(),
            time_zone: "Berlin".into(),
        };
        // The pattern is checked first; the zone once the pattern reads.
        assert_eq!(paths(&scheduled), ["nodes.job_failed.cron"]);
        scheduled.nodes[0].step = Step::Schedule {
            cron: "0 9 * * *".into(),
            time_zone: "Berlin".into(),
        };
        assert_eq!(paths(&scheduled), ["nodes.job_failed.time_zone"]);
    }

    #[test]
    fn templates_may_only_read_steps_that_run_before() {
        let mut workflow = job_failed_workflow();
        // The incident step runs before Teams, never after it.
        if let Step::ServicenowIncident { description, .. } = &mut workflow.nodes[3].step {
            *description = "See {{ steps.teams.id }}".into();
        }
        let issues = messages(&workflow);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert!(
            issues[0]
                .starts_with("nodes.incident.description: “{{steps.teams.id}}” reads step “teams”"),
            "{issues:?}"
        );
        // Conditions are held to the same rule.
        if let Step::Condition { expression } = &mut workflow.nodes[1].step {
            *expression = "steps.email.sent".into();
        }
        assert!(messages(&workflow).iter().any(|m| {
            m.starts_with("nodes.is_production.expression: the condition reads step “email”")
        }));
    }

    #[test]
    fn tool_calls_take_expressions_in_their_requests() {
        let mut workflow = job_failed_workflow();
        workflow.nodes[2].step = serde_json::from_value(serde_json::json!({
            "type": "call_tool", "tool": "servicenow-demo",
            "request": {"method": "POST", "path": "/api/now/table/incident",
                        "query": {"sysparm_display_value": "{{ trigger.run_id || 'none' }}"},
                        "body": {"kind": "json", "template": {"short_description": "{{ to_string(trigger.run_id) }}"}}}
        }))
        .unwrap();
        assert_eq!(messages(&workflow), Vec::<String>::new());
        // …and a GET with a body is still refused.
        if let Step::CallTool { request, .. } = &mut workflow.nodes[2].step {
            request.method = crate::page::HttpMethod::Get;
        }
        assert_eq!(paths(&workflow), ["nodes.log_only.request.body"]);
    }

    #[test]
    fn empty_required_settings_and_bad_ids_are_reported() {
        let mut workflow = job_failed_workflow();
        if let Step::Email { subject, .. } = &mut workflow.nodes[7].step {
            subject.clear();
        }
        workflow.nodes[2].id = "Log Only".into();
        let found = paths(&workflow);
        assert!(
            found.contains(&"nodes.email.subject".to_owned()),
            "{found:?}"
        );
        assert!(found.contains(&"nodes[2].id".to_owned()), "{found:?}");
    }
}
