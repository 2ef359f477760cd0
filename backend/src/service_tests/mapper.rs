//! The field mapper's answers (live, sample, failures) and transforms on rendered data.
//! SQLite and PostgreSQL.

use domain::{
    ErrorCode,
    dto::{AnswerSource, WidgetData},
    mapper,
    page::RequestSpec,
};
use serde_json::json;

use super::{page, upstream, worlds};

#[tokio::test]
async fn the_mapper_shows_the_live_answer_or_else_the_sample() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let (pages, tools) = (&world.services.pages, &world.services.tools);
        let live = pages
            .mapper_answer(&world.admin, "ops", &RequestSpec::get("/runs"), false)
            .await
            .unwrap();
        assert_eq!(live.source, AnswerSource::Live, "{}", world.label);
        assert!(live.fetched_at.is_some() && live.note.is_none());
        // What the mapper suggests for a table finds the three runs in the live answer.
        let rows = &mapper::suggest(domain::WidgetKind::Table, &live.answer)[0].mapping["rows"];
        assert_eq!(
            mapper::evaluate(rows, &live.answer)
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            3
        );

        // A failing call without a sample says why; with a sample, the sample stands in.
        let broken = RequestSpec::get("/broken");
        let err = pages
            .mapper_answer(&world.admin, "ops", &broken, false)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        let message = err.to_body().message;
        assert!(message.contains("503"), "{}: {message}", world.label);
        let err = pages
            .mapper_answer(&world.admin, "ops", &broken, true)
            .await
            .unwrap_err();
        let message = err.to_body().message;
        assert!(message.contains("no sample answer"), "{message}");

        let ops = tools
            .by_slug(world.admin.org_id, "ops")
            .await
            .unwrap()
            .unwrap();
        let mut edit = tools.details(&world.admin, ops.id).await.unwrap().edit;
        edit.sample_response = Some(r#"{"items": [{"name": "sample row"}]}"#.into());
        tools.update(&world.admin, ops.id, edit).await.unwrap();
        let fallback = pages
            .mapper_answer(&world.admin, "ops", &broken, false)
            .await
            .unwrap();
        assert_eq!(fallback.source, AnswerSource::Sample);
        assert_eq!(fallback.answer["items"][0]["name"], "sample row");
        let note = fallback.note.unwrap();
        assert!(note.contains("503") && note.contains("sample"), "{note}");
        let asked = pages
            .mapper_answer(&world.admin, "ops", &RequestSpec::get("/runs"), true)
            .await
            .unwrap();
        assert_eq!(asked.source, AnswerSource::Sample);

        // Only page editors map fields, and only their organization's tools.
        let err = pages
            .mapper_answer(&world.viewer, "ops", &RequestSpec::get("/runs"), false)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        let err = pages
            .mapper_answer(&world.admin, "nope", &RequestSpec::get("/runs"), false)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
    }
}

#[tokio::test]
async fn transforms_format_the_mapped_data_and_bad_ones_are_refused() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let table = |transforms: serde_json::Value| {
            json!([{
                "id": "runs", "type": "table",
                "props": {"columns": [{"key": "Result", "label": "Result"}, {"key": "Started", "label": "Started"}]},
                "position": {"desktop": {"x": 0, "y": 0, "w": 6, "h": 3}},
                "binding": {"tool": "ops", "request": {"path": "/runs"},
                    "mapping": {"rows": "runs[].{Result: state.result_state, Started: start_time, Minutes: run_duration}"},
                    "transforms": transforms}
            }])
        };
        let rendered = pages
            .preview(
                &world.admin,
                json!({"schema_version": 1, "layout": {"widgets": table(json!({
                    "rows.Result": [{"kind": "map_values", "values": {"FAILED": "Failed", "SUCCESS": "Succeeded"}}],
                    "rows.Started": [{"kind": "date_format", "format": "%Y-%m-%d %H:%M"}],
                    "rows.Minutes": [{"kind": "number_format", "decimals": 0}]
                }))}}),
            )
            .await
            .unwrap();
        let WidgetData::Ready { values, .. } = &rendered.data["runs"] else {
            panic!("{}: {:?}", world.label, rendered.data);
        };
        assert_eq!(
            values["rows"][1],
            json!({"Result": "Failed", "Started": "2025-11-01 01:00", "Minutes": "120,000"})
        );
        let err = pages
            .create(
                &world.admin,
                page(
                    "bad-transforms",
                    table(json!({
                        "rows.Result": [{"kind": "date_format", "format": "%Q"}],
                        "points": [{"kind": "round"}]
                    })),
                    false,
                ),
            )
            .await
            .unwrap_err();
        let paths: Vec<String> = err.to_body().issues.into_iter().map(|i| i.path).collect();
        assert_eq!(
            paths,
            [
                "definition.layout.widgets[0] (\"runs\").binding.transforms.points",
                "definition.layout.widgets[0] (\"runs\").binding.transforms.rows.Result[0]"
            ],
            "{}",
            world.label
        );
    }
}

#[tokio::test]
async fn an_expression_too_deep_or_too_long_is_refused_on_save_and_fails_its_widget_in_preview() {
    let upstream = upstream().await;
    let deep = format!("{}runs{}", "[".repeat(1_000), "]".repeat(1_000));
    let nested_calls = format!("{}runs{}", "length(".repeat(1_000), ")".repeat(1_000));
    // Short enough for the length bound: refused for its nesting.
    let short_but_deep = format!("{}runs{}", "[".repeat(600), "]".repeat(600));
    let megabyte = "runs.".repeat(200 * 1024) + "run_id";
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        for (label, expression) in [
            ("1,000 brackets", &deep),
            ("1,000 calls", &nested_calls),
            ("600 brackets", &short_but_deep),
            ("1 MB", &megabyte),
        ] {
            let widgets = json!([super::kpi("k", 0, "/runs", expression, 0)]);
            let saved = pages
                .create(&world.admin, page("deep", widgets.clone(), false))
                .await
                .unwrap_err();
            assert_eq!(saved.code(), ErrorCode::Validation, "{label}");
            let issues = saved.to_body().issues;
            assert_eq!(issues.len(), 1, "{label}: {issues:?}");
            assert!(
                issues[0]
                    .path
                    .ends_with("widgets[0] (\"k\").binding.mapping.value"),
                "{label}: {}",
                issues[0].path
            );
            assert!(
                issues[0].message.contains("keep it under"),
                "{label}: {}",
                issues[0].message
            );
            // The preview renders unfinished drafts (structure checked, not rules): the
            // widget fails with the same reason instead of the server falling over.
            let previewed = pages
                .preview(
                    &world.admin,
                    json!({"schema_version": 1, "layout": {"widgets": widgets}}),
                )
                .await
                .unwrap();
            match &previewed.data["k"] {
                WidgetData::Failed { message } => {
                    assert!(message.contains("keep it under"), "{label}: {message}")
                }
                other => panic!("{label}: {other:?}"),
            }
        }
    }
}
