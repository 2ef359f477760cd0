//! Triggers that fire on their own, on the injected clock: a schedule fires once per tick
//! even with two engine instances, and a tool event fires once per change it sees — not on
//! its first poll, and not again after a restart.

use chrono::SubsecRound;
use domain::workflow::{run::RunStatus, schedule::Schedule};
use sea_orm::QueryOrder;

use super::engine::{call, enabled, engine, sink};
use super::*;
use crate::{clock::Clock, entities::workflow_run};

fn with_trigger(trigger: Value) -> Value {
    json!({"schema_version": 1,
        "nodes": [
            {"id": "start", "step": trigger},
            call("notify", "/notices", json!({"about": "{{ trigger.run_id || trigger.scheduled_for }}"}))
        ],
        "edges": [{"from": "start", "to": "notify"}]})
}

async fn runs_of(world: &World, workflow_id: i32) -> Vec<workflow_run::Model> {
    workflow_run::Entity::find()
        .filter(workflow_run::Column::WorkflowId.eq(workflow_id))
        .order_by_asc(workflow_run::Column::Id)
        .all(&world.services.db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_schedule_fires_once_per_tick_even_with_two_engine_instances() {
    let upstream = upstream().await;
    let (_sink, sink_url) = sink(0).await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let trigger =
            json!({"type": "schedule", "cron": "*/5 * * * *", "time_zone": "Europe/Berlin"});
        let id = enabled(
            &world,
            &sink_url,
            &format!("every-five-{label}"),
            with_trigger(trigger),
        )
        .await;
        let schedule = Schedule::parse("*/5 * * * *", "Europe/Berlin").unwrap();
        let first = schedule.next_after(world.clock.now()).unwrap();

        // Nothing is due before the first tick.
        assert_eq!(
            engine(&world).fire_due_triggers().await.unwrap(),
            0,
            "{label}"
        );
        world.clock.advance(first - world.clock.now());
        let (a, b) = (engine(&world).instance("a"), engine(&world).instance("b"));
        let (fired_a, fired_b) = tokio::join!(
            tokio::spawn(async move { a.fire_due_triggers().await.unwrap() }),
            tokio::spawn(async move { b.fire_due_triggers().await.unwrap() })
        );
        assert_eq!(fired_a.unwrap() + fired_b.unwrap(), 1, "{label}");
        // The same tick again fires nothing; the next one does.
        assert_eq!(
            engine(&world).fire_due_triggers().await.unwrap(),
            0,
            "{label}"
        );
        world.clock.advance(chrono::Duration::minutes(5));
        assert_eq!(
            engine(&world).fire_due_triggers().await.unwrap(),
            1,
            "{label}"
        );

        let runs = runs_of(&world, id).await;
        let keys: Vec<_> = runs
            .iter()
            .filter_map(|run| run.event_key.clone())
            .collect();
        assert_eq!(
            keys,
            [
                Schedule::event_key(first),
                Schedule::event_key(first + chrono::Duration::minutes(5))
            ],
            "{label}"
        );
        engine(&world).run_due().await.unwrap();
        for run in runs_of(&world, id).await {
            assert_eq!(
                run.status,
                RunStatus::Succeeded.as_str(),
                "{label}: {run:?}"
            );
        }

        // Turned off, the schedule fires no more.
        world
            .services
            .workflows
            .disable(&world.admin, id)
            .await
            .unwrap();
        world.clock.advance(chrono::Duration::minutes(5));
        assert_eq!(
            engine(&world).fire_due_triggers().await.unwrap(),
            0,
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_tool_event_fires_once_per_change_and_not_again_after_a_restart() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let (sink, sink_url) = sink(0).await;
        *sink.runs.lock().unwrap() = json!([
            {"run_id": 1, "state": {"result_state": "FAILED"}},
            {"run_id": 2, "state": {"result_state": "RUNNING"}}
        ]);
        let trigger = json!({"type": "tool_event", "tool": "sink", "request": {"path": "/jobs/runs"},
            "items": "runs", "key": "run_id", "watch": "state.result_state",
            "when": "state.result_state == 'FAILED'", "interval_seconds": 60});
        let id = enabled(&world, &sink_url, "job-failed", with_trigger(trigger)).await;

        // The first poll learns what is there: run 1 failed before anyone watched.
        assert_eq!(
            engine(&world).fire_due_triggers().await.unwrap(),
            0,
            "{label}"
        );
        assert_eq!(sink.polls.load(Ordering::SeqCst), 1, "{label}");
        // Not polled again before the interval.
        assert_eq!(
            engine(&world).fire_due_triggers().await.unwrap(),
            0,
            "{label}"
        );
        assert_eq!(sink.polls.load(Ordering::SeqCst), 1, "{label}");

        *sink.runs.lock().unwrap() = json!([
            {"run_id": 1, "state": {"result_state": "FAILED"}},
            {"run_id": 2, "state": {"result_state": "FAILED"}},
            {"run_id": 3, "state": {"result_state": "SUCCESS"}}
        ]);
        world.clock.advance(chrono::Duration::seconds(60));
        assert_eq!(
            engine(&world).fire_due_triggers().await.unwrap(),
            1,
            "{label}"
        );
        let runs = runs_of(&world, id).await;
        assert_eq!(runs.len(), 1, "{label}");
        assert_eq!(runs[0].input["run_id"], 2, "{label}");
        assert_eq!(
            runs[0].event_key.as_deref(),
            Some("2@\"FAILED\""),
            "{label}"
        );

        // Another instance after a restart remembers what was seen.
        world.clock.advance(chrono::Duration::seconds(60));
        let restarted = engine(&world).instance("after-restart");
        assert_eq!(restarted.fire_due_triggers().await.unwrap(), 0, "{label}");
        assert_eq!(sink.polls.load(Ordering::SeqCst), 3, "{label}");

        restarted.run_due().await.unwrap();
        assert_eq!(sink.bodies("/notices"), [json!({"about": 2})], "{label}");
    }
}

#[tokio::test]
async fn a_tool_event_that_cannot_poll_says_why_and_tries_again_next_interval() {
    let upstream = upstream().await;
    let (sink, sink_url) = sink(0).await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let trigger = json!({"type": "tool_event", "tool": "sink", "request": {"path": "/jobs/runs"},
            "items": "runs.list", "key": "run_id", "interval_seconds": 30});
        *sink.runs.lock().unwrap() = json!([{"run_id": 1}]);
        let id = enabled(
            &world,
            &sink_url,
            &format!("broken-{label}"),
            with_trigger(trigger),
        )
        .await;
        // `runs.list` of a list is nothing: an empty poll, not an error…
        assert_eq!(
            engine(&world).fire_due_triggers().await.unwrap(),
            0,
            "{label}"
        );
        let row = crate::entities::workflow_trigger::Entity::find_by_id(id)
            .one(&world.services.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.last_error, None, "{label}");
        // …but an answer that is not a list where the items should be is.
        *sink.runs.lock().unwrap() = json!({"list": "nope"});
        world.clock.advance(chrono::Duration::seconds(30));
        engine(&world).fire_due_triggers().await.unwrap();
        let row = crate::entities::workflow_trigger::Entity::find_by_id(id)
            .one(&world.services.db)
            .await
            .unwrap()
            .unwrap();
        assert!(
            row.last_error
                .as_deref()
                .unwrap_or_default()
                .contains("not a list"),
            "{label}: {row:?}"
        );
        let next = world.clock.now().trunc_subsecs(6) + chrono::Duration::seconds(30);
        assert_eq!(row.next_due_at, next, "{label}");
    }
}
