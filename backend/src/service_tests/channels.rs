//! Channels: secrets kept and never returned, each kind's required settings, "Send test
//! message", and notification steps that send through them with one delivery key per step
//! that every retry repeats.

use domain::workflow::{
    ChannelKind,
    channel::{ChannelInput, ChannelSettings},
    run::RunStatus,
};

use super::engine::{enabled, engine, sink};
use super::*;

fn channel(name: &str, kind: ChannelKind, secret: Option<String>, url: &str) -> ChannelInput {
    ChannelInput {
        name: name.into(),
        kind,
        settings: ChannelSettings {
            url: url.into(),
            ..Default::default()
        },
        secret,
    }
}

#[tokio::test]
async fn channels_keep_their_secrets_and_ask_each_kind_for_what_it_needs() {
    let upstream = upstream().await;
    let (sink, sink_url) = sink(0).await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let channels = &world.services.channels;
        let hook = format!("{sink_url}/plain-ok");
        let created = channels
            .create(
                &world.admin,
                channel("ops-slack", ChannelKind::Slack, Some(hook.clone()), ""),
            )
            .await
            .unwrap();
        assert!(created.has_secret, "{label}");
        let listed = serde_json::to_string(&channels.list(&world.admin).await.unwrap()).unwrap();
        assert!(
            !listed.contains("plain-ok"),
            "{label}: the webhook URL leaked: {listed}"
        );

        // An edit without a secret keeps the stored one; the test message still arrives.
        let renamed = channels
            .update(
                &world.admin,
                created.id,
                channel("ops-alerts", ChannelKind::Slack, None, ""),
            )
            .await
            .unwrap();
        assert!(
            renamed.has_secret && renamed.name == "ops-alerts",
            "{label}"
        );
        let before = sink.count("/plain-ok");
        let tested = channels.test(&world.admin, created.id).await.unwrap();
        assert!(tested.ok, "{label}: {tested:?}");
        assert_eq!(sink.count("/plain-ok"), before + 1, "{label}");
        assert!(
            sink.bodies("/plain-ok").last().unwrap()["text"]
                .as_str()
                .unwrap()
                .starts_with("Test message"),
            "{label}"
        );

        // A refusing address is reported in the channel's words, not as an error page.
        let refusing = channels
            .create(
                &world.admin,
                channel(
                    "refusing",
                    ChannelKind::Webhook,
                    None,
                    &format!("{sink_url}/refuse"),
                ),
            )
            .await
            .unwrap();
        let tested = channels.test(&world.admin, refusing.id).await.unwrap();
        assert!(
            !tested.ok && tested.message.contains("400"),
            "{label}: {tested:?}"
        );

        let missing = channels
            .create(&world.admin, channel("teams", ChannelKind::Teams, None, ""))
            .await;
        let Err(Error::Validation(issues)) = missing else {
            panic!("{label}: {missing:?}")
        };
        assert_eq!(issues[0].path, "secret", "{label}");
        let taken = channels
            .create(
                &world.admin,
                channel("ops-alerts", ChannelKind::Slack, Some(hook.clone()), ""),
            )
            .await;
        assert!(matches!(taken, Err(Error::Taken(_))), "{label}: {taken:?}");
        assert!(
            matches!(channels.list(&world.viewer).await, Err(Error::Forbidden(_))),
            "{label}"
        );
        let stranger = super::sso::other_organization_admin(&world).await;
        assert!(
            matches!(
                channels.test(&stranger, created.id).await,
                Err(Error::NotFound(_))
            ),
            "{label}"
        );

        // The audit trail has the change, and no secret.
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::ResourceType.eq("channel"))
            .all(&world.services.db)
            .await
            .unwrap();
        assert!(rows.len() >= 3, "{label}");
        for row in rows {
            assert!(
                !format!("{:?}{:?}{:?}", row.before_state, row.after_state, row.diff)
                    .contains("plain-ok"),
                "{label}"
            );
        }
    }
}

#[tokio::test]
async fn notification_steps_send_through_their_channels_and_retries_keep_the_delivery_key() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let (sink, sink_url) = sink(1).await;
        let channels = &world.services.channels;
        for input in [
            channel(
                "ops-slack",
                ChannelKind::Slack,
                Some(format!("{sink_url}/plain-ok")),
                "",
            ),
            channel(
                "ops-teams",
                ChannelKind::Teams,
                Some(format!("{sink_url}/teams?sig=abc")),
                "",
            ),
            channel(
                "on-call",
                ChannelKind::Pagerduty,
                Some("routing-key-123".into()),
                &format!("{sink_url}/pd-flaky"),
            ),
        ] {
            channels.create(&world.admin, input).await.unwrap();
        }
        let definition = json!({"schema_version": 1,
            "nodes": [
                {"id": "start", "step": {"type": "manual"}},
                {"id": "slack", "step": {"type": "slack", "channel": "ops-slack", "text": "Job {{ trigger.job }} failed"}},
                {"id": "teams", "step": {"type": "teams", "channel": "ops-teams", "title": "{{ trigger.job }}", "text": "Run {{ trigger.run }}"}},
                {"id": "page", "step": {"type": "pagerduty", "channel": "on-call", "summary": "{{ trigger.job }} failed", "severity": "critical"},
                 "policy": {"retry": {"max_attempts": 3, "initial_delay_ms": 1000}}}
            ],
            "edges": [{"from": "start", "to": "slack"}, {"from": "slack", "to": "teams"}, {"from": "teams", "to": "page"}]});
        let id = enabled(&world, &sink_url, "notify", definition).await;
        let run = world
            .services
            .workflows
            .run_now(&world.admin, id, json!({"job": "nightly-etl", "run": 42}))
            .await
            .unwrap()
            .run_id;
        let engine = engine(&world);
        engine.run_due().await.unwrap();
        world.clock.advance(chrono::Duration::seconds(1));
        engine.run_due().await.unwrap();

        let detail = world
            .services
            .workflows
            .run(&world.admin, run)
            .await
            .unwrap();
        assert_eq!(
            detail.run.status,
            RunStatus::Succeeded,
            "{label}: {detail:?}"
        );
        assert_eq!(
            sink.bodies("/plain-ok"),
            [json!({"text": "Job nightly-etl failed"})],
            "{label}"
        );
        let card = &sink.bodies("/teams")[0];
        assert_eq!(
            card["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive",
            "{label}"
        );
        assert_eq!(
            card["attachments"][0]["content"]["body"][1]["text"], "Run 42",
            "{label}"
        );
        // PagerDuty was down once: both tries carried the same dedup key, so it is one alert.
        let pages = sink.bodies("/pd-flaky/v2/enqueue");
        assert_eq!(pages.len(), 2, "{label}");
        let key = format!("run-{run}-page");
        for page in &pages {
            assert_eq!(page["dedup_key"], key.as_str(), "{label}");
            assert_eq!(page["routing_key"], "routing-key-123", "{label}");
            assert_eq!(page["payload"]["severity"], "critical", "{label}");
            assert_eq!(page["payload"]["summary"], "nightly-etl failed", "{label}");
        }
        assert_eq!(
            detail
                .steps
                .iter()
                .find(|s| s.node == "page")
                .unwrap()
                .attempt,
            2,
            "{label}"
        );
    }
}
