//! The workflow engine against a real HTTP stand-in on loopback: conditions, tool calls,
//! retries with backoff on the injected clock, error ways, runs that survive the engine
//! stopping between steps, two instances on one database, and one run per trigger event.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{extract::Path, response::IntoResponse, routing::post};
use domain::workflow::{
    run::{RunStatus, StepStatus},
    wire::{EnableWorkflow, NewWorkflow},
};

use super::*;
use crate::workflows::engine::NewRun;

/// A tool stand-in that keeps every body it received, by path. Paths with `flaky` answer 503
/// until they have failed `flaky_failures` times; `/refuse` always answers 400, `/plain-ok`
/// a plain-text `ok`; `GET /jobs/runs`
/// answers `{"runs": …}` as the test sets them, counting the polls.
#[derive(Clone, Default)]
pub(super) struct Sink {
    received: Arc<Mutex<HashMap<String, Vec<Value>>>>,
    flaky_failures: Arc<AtomicUsize>,
    pub(super) runs: Arc<Mutex<Value>>,
    pub(super) polls: Arc<AtomicUsize>,
}

impl Sink {
    pub(super) fn count(&self, path: &str) -> usize {
        self.received.lock().unwrap().get(path).map_or(0, Vec::len)
    }

    pub(super) fn bodies(&self, path: &str) -> Vec<Value> {
        self.received
            .lock()
            .unwrap()
            .get(path)
            .cloned()
            .unwrap_or_default()
    }
}

pub(super) async fn sink(flaky_failures: usize) -> (Sink, String) {
    let sink = Sink::default();
    sink.flaky_failures.store(flaky_failures, Ordering::SeqCst);
    *sink.runs.lock().unwrap() = json!([]);
    let kept = sink.clone();
    let polled = sink.clone();
    let app = Router::new()
        .route(
            "/jobs/runs",
            axum::routing::get(move || {
                let sink = polled.clone();
                async move {
                    sink.polls.fetch_add(1, Ordering::SeqCst);
                    Json(json!({"runs": sink.runs.lock().unwrap().clone()}))
                }
            }),
        )
        .route(
            "/{*path}",
            post(move |Path(path): Path<String>, Json(body): Json<Value>| {
                let sink = kept.clone();
                async move {
                    sink.received
                        .lock()
                        .unwrap()
                        .entry(format!("/{path}"))
                        .or_default()
                        .push(body);
                    let left = sink.flaky_failures.load(Ordering::SeqCst);
                    if path.contains("flaky") && left > 0 {
                        sink.flaky_failures.store(left - 1, Ordering::SeqCst);
                        let busy = Json(json!({"error": "busy"}));
                        return (StatusCode::SERVICE_UNAVAILABLE, busy).into_response();
                    }
                    match path.as_str() {
                        "refuse" => {
                            let refused = Json(json!({"error": "no such queue"}));
                            (StatusCode::BAD_REQUEST, refused).into_response()
                        }
                        // As Slack's incoming webhooks answer.
                        "plain-ok" => "ok".into_response(),
                        _ => Json(json!({"number": format!("INC-{path}"), "ok": true}))
                            .into_response(),
                    }
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (sink, format!("http://{addr}"))
}

pub(super) fn call(id: &str, path: &str, body: Value) -> Value {
    json!({"id": id, "label": id, "step": {"type": "call_tool", "tool": "sink",
           "request": {"method": "POST", "path": path, "body": {"kind": "json", "template": body}}},
           "policy": {"timeout_seconds": 5, "retry": {"max_attempts": 3, "initial_delay_ms": 1000, "factor": 2, "max_delay_ms": 60000}}})
}

fn workflow(nodes: Vec<Value>, edges: Value) -> Value {
    let mut all = vec![json!({"id": "start", "step": {"type": "manual"}})];
    all.extend(nodes);
    json!({"schema_version": 1, "nodes": all, "edges": edges})
}

/// Registers the sink as a tool and the workflow, turned on; the workflow's id.
pub(super) async fn enabled(world: &World, sink_url: &str, slug: &str, definition: Value) -> i32 {
    world
        .services
        .tools
        .ensure(
            &world.admin,
            NewTool {
                slug: "sink".into(),
                name: "Sink".into(),
                kind: "rest".into(),
                base_url: sink_url.to_owned(),
                auth: Default::default(),
                secret: None,
                config: json!({}),
            },
        )
        .await
        .unwrap();
    let workflows = &world.services.workflows;
    let created = workflows
        .create(
            &world.admin,
            NewWorkflow {
                slug: slug.into(),
                name: slug.into(),
                description: String::new(),
                definition: Some(definition),
            },
        )
        .await
        .unwrap();
    assert!(created.issues.is_empty(), "{:?}", created.issues);
    let id = created.workflow.id;
    workflows
        .enable(&world.admin, id, EnableWorkflow { base_revision: 1 })
        .await
        .unwrap();
    id
}

pub(super) fn engine(world: &World) -> crate::workflows::Engine {
    // The most jitter: every wait is the policy's full delay.
    world.services.engine.clone().with_jitter(Arc::new(|| 1.0))
}

fn step<'a>(
    detail: &'a domain::workflow::run::RunDetail,
    node: &str,
) -> &'a domain::workflow::run::StepRun {
    detail
        .steps
        .iter()
        .find(|step| step.node == node)
        .unwrap_or_else(|| panic!("no step {node}: {detail:?}"))
}

#[tokio::test]
async fn a_run_follows_its_condition_calls_the_tool_and_keeps_every_step() {
    let upstream = upstream().await;
    let (sink, sink_url) = sink(0).await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let definition = workflow(
            vec![
                json!({"id": "check", "step": {"type": "condition", "expression": "trigger.failed"}}),
                call(
                    "incident",
                    "/incidents",
                    json!({"run": "{{ trigger.run_id }}", "text": "Run {{ trigger.run_id }} failed"}),
                ),
                call(
                    "notify",
                    "/notices",
                    json!({"incident": "{{ steps.incident.number }}"}),
                ),
            ],
            json!([{"from": "start", "to": "check"}, {"from": "check", "to": "incident", "port": "true"},
                   {"from": "incident", "to": "notify"}]),
        );
        let id = enabled(&world, &sink_url, &format!("follow-{label}"), definition).await;
        let workflows = &world.services.workflows;
        let started = workflows
            .run_now(&world.admin, id, json!({"failed": true, "run_id": 7}))
            .await
            .unwrap();
        assert_eq!(engine(&world).run_due().await.unwrap(), 3, "{label}");

        let detail = workflows.run(&world.admin, started.run_id).await.unwrap();
        assert_eq!(
            detail.run.status,
            RunStatus::Succeeded,
            "{label}: {detail:?}"
        );
        assert_eq!(detail.run.started_by.as_deref(), Some("Admin"), "{label}");
        assert_eq!(
            step(&detail, "check").port.as_deref(),
            Some("true"),
            "{label}"
        );
        assert_eq!(
            step(&detail, "incident").output.as_ref().unwrap()["number"],
            "INC-incidents",
            "{label}"
        );
        // The second call read the first one's output.
        assert_eq!(
            sink.bodies("/notices").last().unwrap(),
            &json!({"incident": "INC-incidents"}),
            "{label}"
        );
        assert!(
            sink.bodies("/incidents")
                .contains(&json!({"run": 7, "text": "Run 7 failed"})),
            "{label}"
        );

        // When the condition does not hold, its branch is skipped and nothing is called.
        let calls = sink.count("/incidents");
        let quiet = workflows
            .run_now(&world.admin, id, json!({"failed": false, "run_id": 8}))
            .await
            .unwrap();
        engine(&world).run_due().await.unwrap();
        let detail = workflows.run(&world.admin, quiet.run_id).await.unwrap();
        assert_eq!(detail.run.status, RunStatus::Succeeded, "{label}");
        assert_eq!(
            step(&detail, "incident").status,
            StepStatus::Skipped,
            "{label}"
        );
        assert_eq!(
            step(&detail, "notify").status,
            StepStatus::Skipped,
            "{label}"
        );
        assert_eq!(sink.count("/incidents"), calls, "{label}");

        let runs = workflows.runs(&world.admin, id).await.unwrap();
        assert_eq!(
            runs.iter().map(|run| run.id).collect::<Vec<_>>(),
            [quiet.run_id, started.run_id],
            "{label}"
        );
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("workflow.run"))
            .count(&world.services.db)
            .await
            .unwrap();
        assert_eq!(audited, 2, "{label}");
    }
}

#[tokio::test]
async fn a_step_whose_tool_is_down_is_retried_with_backoff_then_succeeds() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let (sink, sink_url) = sink(2).await;
        let definition = workflow(
            vec![call("flaky", "/flaky", json!({"try": "{{ run.id }}"}))],
            json!([{"from": "start", "to": "flaky"}]),
        );
        let id = enabled(&world, &sink_url, "flaky", definition).await;
        let workflows = &world.services.workflows;
        let run = workflows
            .run_now(&world.admin, id, json!({}))
            .await
            .unwrap()
            .run_id;
        let engine = engine(&world);

        engine.run_due().await.unwrap();
        let detail = workflows.run(&world.admin, run).await.unwrap();
        let flaky = step(&detail, "flaky");
        assert_eq!(
            (flaky.status, flaky.attempt),
            (StepStatus::Waiting, 1),
            "{label}: {detail:?}"
        );
        assert!(
            flaky.error.as_deref().unwrap_or_default().contains("503"),
            "{label}: {flaky:?}"
        );
        // Not due yet: nothing happens until the clock reaches the wait.
        assert_eq!(engine.run_due().await.unwrap(), 0, "{label}");
        world.clock.advance(chrono::Duration::milliseconds(999));
        assert_eq!(engine.run_due().await.unwrap(), 0, "{label}");
        world.clock.advance(chrono::Duration::milliseconds(1));
        assert_eq!(engine.run_due().await.unwrap(), 1, "{label}");
        // The second wait is twice as long.
        world.clock.advance(chrono::Duration::milliseconds(1_999));
        assert_eq!(engine.run_due().await.unwrap(), 0, "{label}");
        world.clock.advance(chrono::Duration::milliseconds(1));
        engine.run_due().await.unwrap();

        let detail = workflows.run(&world.admin, run).await.unwrap();
        assert_eq!(
            detail.run.status,
            RunStatus::Succeeded,
            "{label}: {detail:?}"
        );
        let flaky = step(&detail, "flaky");
        assert_eq!(
            (flaky.status, flaky.attempt),
            (StepStatus::Succeeded, 3),
            "{label}"
        );
        assert_eq!(flaky.error, None, "{label}");
        assert_eq!(sink.count("/flaky"), 3, "{label}");
    }
}

#[tokio::test]
async fn a_refused_step_is_not_retried_and_takes_its_error_way_or_fails_the_run() {
    let upstream = upstream().await;
    let (sink, sink_url) = sink(0).await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let with_fallback = workflow(
            vec![
                call("ticket", "/refuse", json!({})),
                call("fallback", "/fallback", json!({"failed": "ticket"})),
            ],
            json!([{"from": "start", "to": "ticket"}, {"from": "ticket", "to": "fallback", "port": "error"}]),
        );
        let id = enabled(
            &world,
            &sink_url,
            &format!("fallback-{label}"),
            with_fallback,
        )
        .await;
        let workflows = &world.services.workflows;
        let run = workflows
            .run_now(&world.admin, id, json!({}))
            .await
            .unwrap()
            .run_id;
        engine(&world).run_due().await.unwrap();
        let detail = workflows.run(&world.admin, run).await.unwrap();
        assert_eq!(
            detail.run.status,
            RunStatus::Succeeded,
            "{label}: {detail:?}"
        );
        let ticket = step(&detail, "ticket");
        assert_eq!(
            (ticket.status, ticket.attempt, ticket.port.as_deref()),
            (StepStatus::Failed, 1, Some("error")),
            "{label}"
        );
        assert_eq!(
            step(&detail, "fallback").status,
            StepStatus::Succeeded,
            "{label}"
        );

        let without = workflow(
            vec![call("ticket", "/refuse", json!({}))],
            json!([{"from": "start", "to": "ticket"}]),
        );
        let id = enabled(&world, &sink_url, &format!("plain-{label}"), without).await;
        let run = workflows
            .run_now(&world.admin, id, json!({}))
            .await
            .unwrap()
            .run_id;
        let before = sink.count("/refuse");
        engine(&world).run_due().await.unwrap();
        let detail = workflows.run(&world.admin, run).await.unwrap();
        assert_eq!(detail.run.status, RunStatus::Failed, "{label}");
        let error = detail.run.error.unwrap_or_default();
        assert!(
            error.starts_with("Step “ticket” failed:") && error.contains("400"),
            "{label}: {error}"
        );
        assert_eq!(
            sink.count("/refuse"),
            before + 1,
            "{label}: refused once, never retried"
        );
    }
}

#[tokio::test]
async fn a_run_survives_the_engine_stopping_between_steps_and_calls_each_step_once() {
    let upstream = upstream().await;
    let (sink, sink_url) = sink(0).await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let definition = workflow(
            vec![
                call("first", "/first", json!({})),
                call(
                    "second",
                    "/second",
                    json!({"after": "{{ steps.first.number }}"}),
                ),
            ],
            json!([{"from": "start", "to": "first"}, {"from": "first", "to": "second"}]),
        );
        let id = enabled(&world, &sink_url, &format!("resume-{label}"), definition).await;
        let workflows = &world.services.workflows;
        let run = workflows
            .run_now(&world.admin, id, json!({}))
            .await
            .unwrap()
            .run_id;
        let (first, second) = (sink.count("/first"), sink.count("/second"));

        // One instance takes one step and dies holding the run.
        let dying = engine(&world).instance("dying");
        assert_eq!(dying.run_due_with_budget(1).await.unwrap(), 1, "{label}");
        let survivor = engine(&world).instance("survivor");
        assert_eq!(
            survivor.run_due().await.unwrap(),
            0,
            "{label}: the lease still holds"
        );
        // The lease outlasts the step's timeout (5 s) by the lease time.
        world.clock.advance(
            chrono::Duration::from_std(crate::workflows::engine::LEASE).unwrap()
                + chrono::Duration::seconds(6),
        );
        assert_eq!(survivor.run_due().await.unwrap(), 1, "{label}");

        let detail = workflows.run(&world.admin, run).await.unwrap();
        assert_eq!(
            detail.run.status,
            RunStatus::Succeeded,
            "{label}: {detail:?}"
        );
        assert_eq!(
            (sink.count("/first"), sink.count("/second")),
            (first + 1, second + 1),
            "{label}"
        );
        assert_eq!(
            sink.bodies("/second").last().unwrap(),
            &json!({"after": "INC-first"}),
            "{label}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_engine_instances_on_one_database_run_each_step_once() {
    let upstream = upstream().await;
    let (sink, sink_url) = sink(0).await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let definition = workflow(
            vec![call("only", "/only", json!({}))],
            json!([{"from": "start", "to": "only"}]),
        );
        let id = enabled(&world, &sink_url, &format!("pair-{label}"), definition).await;
        let before = sink.count("/only");
        for _ in 0..5 {
            world
                .services
                .workflows
                .run_now(&world.admin, id, json!({}))
                .await
                .unwrap();
        }
        let (a, b) = (engine(&world).instance("a"), engine(&world).instance("b"));
        let (ran_a, ran_b) = tokio::join!(
            tokio::spawn(async move { a.run_due().await.unwrap() }),
            tokio::spawn(async move { b.run_due().await.unwrap() })
        );
        assert_eq!(ran_a.unwrap() + ran_b.unwrap(), 5, "{label}");
        assert_eq!(sink.count("/only"), before + 5, "{label}");
    }
}

#[tokio::test]
async fn one_trigger_event_starts_one_run_and_off_workflows_start_none() {
    let upstream = upstream().await;
    let (_sink, sink_url) = sink(0).await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let definition = workflow(
            vec![call("only", "/only", json!({}))],
            json!([{"from": "start", "to": "only"}]),
        );
        let id = enabled(&world, &sink_url, &format!("events-{label}"), definition).await;
        let model = crate::scoped::load::<crate::entities::workflow::Entity>(
            &world.services.db,
            world.admin.org_id,
            id,
        )
        .await
        .unwrap();
        let event = |key: &str| NewRun {
            trigger_type: "tool_event".into(),
            event_key: Some(key.into()),
            input: json!({"run_id": 1}),
            started_by: None,
        };
        let engine = engine(&world);
        let first = engine
            .accept(&world.services.db, &model, event("1@\"FAILED\""))
            .await
            .unwrap();
        let again = engine
            .accept(&world.services.db, &model, event("1@\"FAILED\""))
            .await
            .unwrap();
        let other = engine
            .accept(&world.services.db, &model, event("2@\"FAILED\""))
            .await
            .unwrap();
        assert_eq!(first, again, "{label}");
        assert_ne!(first, other, "{label}");

        world
            .services
            .workflows
            .disable(&world.admin, id)
            .await
            .unwrap();
        let off = world
            .services
            .workflows
            .run_now(&world.admin, id, json!({}))
            .await;
        assert!(matches!(off, Err(Error::Validation(_))), "{label}: {off:?}");
    }
}

#[tokio::test]
async fn steps_the_engine_cannot_carry_out_yet_keep_a_workflow_off() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let workflows = &world.services.workflows;
        let definition = workflow(
            vec![json!({"id": "post", "step": {"type": "call_workflow", "workflow": "elsewhere"}})],
            json!([{"from": "start", "to": "post"}]),
        );
        let other = NewWorkflow {
            slug: "elsewhere".into(),
            name: "Elsewhere".into(),
            ..Default::default()
        };
        workflows.create(&world.admin, other).await.unwrap();
        let created = workflows
            .create(
                &world.admin,
                NewWorkflow {
                    slug: "caller".into(),
                    name: "Caller".into(),
                    description: String::new(),
                    definition: Some(definition),
                },
            )
            .await
            .unwrap();
        assert!(created.issues.is_empty(), "{:?}", created.issues);
        let refused = workflows
            .enable(
                &world.admin,
                created.workflow.id,
                EnableWorkflow { base_revision: 1 },
            )
            .await;
        let Err(Error::Validation(issues)) = refused else {
            panic!("{refused:?}")
        };
        assert_eq!(issues[0].path, "definition.nodes.post", "{}", world.label);
        assert!(
            issues[0].message.contains("cannot run on this server yet"),
            "{}",
            world.label
        );
    }
}
