//! The Tool Manager's service: settings, logos, samples and test outcomes. SQLite and
//! PostgreSQL.

use domain::{
    ErrorCode,
    dto::{NewToolRequest, ToolEdit},
    tool::{ApiKeyLocation, DataClassification, HeaderField, ToolAuth, ToolSettings, ToolStatus},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use super::{World, upstream, worlds};
use crate::{
    Error,
    entities::{audit_log, tool_check, tool_logo, tool_sample},
};

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF0, 0x77, 0x7B, 0xFA,
    0x1F, 0x00, 0x04, 0xDC, 0x02, 0x7A, 0xCC, 0xCE, 0x05, 0x8E, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

async fn ops_id(world: &World) -> i32 {
    world
        .services
        .tools
        .by_slug(world.admin.org_id, "ops")
        .await
        .unwrap()
        .unwrap()
        .id
}

fn issue_paths(err: Error) -> Vec<String> {
    match err {
        Error::Validation(issues) => issues.into_iter().map(|issue| issue.path).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn edit(base_url: &str) -> ToolEdit {
    ToolEdit {
        name: "Ops API (EU)".into(),
        base_url: base_url.into(),
        auth: ToolAuth::ApiKey {
            location: ApiKeyLocation::Header,
            name: "X-API-Key".into(),
        },
        settings: ToolSettings {
            description: "Runs of the EU jobs".into(),
            default_headers: vec![HeaderField {
                name: "X-Tenant".into(),
                value: "eu-1".into(),
            }],
            rate_limit_per_minute: Some(120),
            timeout_seconds: Some(15),
            classification: DataClassification::Confidential,
            test_path: Some("/runs".into()),
            ..Default::default()
        },
        sample_response: Some(r#"{"runs": [{"run_id": 1}]}"#.into()),
        base_updated_at: None,
    }
}

#[tokio::test]
async fn tool_settings_are_checked_per_field_saved_and_audited() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let tools = &world.services.tools;
        let ops = ops_id(&world).await;
        let mut bad = edit(&upstream.base_url);
        bad.name = " ".into();
        bad.settings.timeout_seconds = Some(0);
        bad.settings.default_headers.push(HeaderField {
            name: "Cookie".into(),
            value: "a=b".into(),
        });
        bad.sample_response = Some("{not json".into());
        let paths = issue_paths(tools.update(&world.admin, ops, bad).await.unwrap_err());
        assert_eq!(
            paths,
            [
                "name",
                "timeout_seconds",
                "default_headers[1].name",
                "sample_response"
            ],
            "{}",
            world.label
        );

        tools.set_secret(&world.admin, ops, "key-1").await.unwrap();
        let summary = tools
            .update(&world.admin, ops, edit(&upstream.base_url))
            .await
            .unwrap();
        assert_eq!(summary.name, "Ops API (EU)");
        assert_eq!(summary.auth_type, "api_key");
        assert_eq!(summary.classification, DataClassification::Confidential);
        assert!(summary.has_secret && summary.has_sample);
        let details = tools.details(&world.admin, ops).await.unwrap();
        assert_eq!(details.edit, edit(&upstream.base_url));

        // Clearing the sample and switching auth off drops both.
        let mut plain = edit(&upstream.base_url);
        plain.auth = ToolAuth::None;
        plain.sample_response = Some("  ".into());
        let summary = tools.update(&world.admin, ops, plain).await.unwrap();
        assert!(!summary.has_secret && !summary.has_sample);
        let config = tools
            .by_slug(world.admin.org_id, "ops")
            .await
            .unwrap()
            .unwrap()
            .config;
        assert_eq!(config["timeout_seconds"], 15, "settings live in config");

        let audits = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("tool.update"))
            .all(&world.services.db)
            .await
            .unwrap();
        assert_eq!(
            audits.len(),
            2,
            "one row per saved change, none for refusals"
        );
        let text = format!("{:?}", audits);
        assert!(!text.contains("key-1"), "no secrets in the audit trail");
        assert!(
            text.contains("sha256"),
            "samples are audited by fingerprint"
        );

        let err = tools
            .update(&world.viewer, ops, edit(&upstream.base_url))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert_eq!(
            tools.details(&world.viewer, ops).await.unwrap_err().code(),
            ErrorCode::Forbidden
        );
        assert_eq!(
            tools
                .update(&world.admin, 99_999, edit(&upstream.base_url))
                .await
                .unwrap_err()
                .code(),
            ErrorCode::NotFound
        );
    }
}

#[tokio::test]
async fn registration_takes_settings_from_config_and_a_sample() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let tools = &world.services.tools;
        let request = |config: serde_json::Value, sample: &str| NewToolRequest {
            slug: "jobs".into(),
            name: "Jobs".into(),
            kind: "rest".into(),
            base_url: upstream.base_url.clone(),
            auth: ToolAuth::Bearer,
            secret: Some("tok".into()),
            config,
            sample_response: Some(sample.into()),
        };
        let paths = issue_paths(
            tools
                .create_from(
                    &world.admin,
                    request(json!({"timeout_seconds": 500, "default_headers": [{"name": "Upgrade", "value": "h2c"}]}), "[1, 2"),
                )
                .await
                .unwrap_err(),
        );
        assert_eq!(paths, ["sample_response"], "{}", world.label);
        let paths = issue_paths(
            tools
                .create_from(
                    &world.admin,
                    request(json!({"timeout_seconds": 500, "default_headers": [{"name": "Upgrade", "value": "h2c"}]}), "[]"),
                )
                .await
                .unwrap_err(),
        );
        assert_eq!(
            paths,
            ["config.timeout_seconds", "config.default_headers[0].name"]
        );
        let created = tools
            .create_from(
                &world.admin,
                NewToolRequest::from_edit(
                    "jobs".into(),
                    "rest".into(),
                    edit(&upstream.base_url),
                    Some("tok".into()),
                ),
            )
            .await
            .unwrap();
        assert!(created.has_secret && created.has_sample);
        assert_eq!(created.description, "Runs of the EU jobs");
        assert_eq!(created.status, ToolStatus::NotTested);
        let details = tools.details(&world.admin, created.id).await.unwrap();
        assert_eq!(
            details.edit.sample_response.as_deref(),
            Some(r#"{"runs": [{"run_id": 1}]}"#)
        );
    }
}

#[tokio::test]
async fn logos_are_checked_by_their_bytes_stored_and_removed() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let tools = &world.services.tools;
        let ops = ops_id(&world).await;
        let refused = tools
            .set_logo(&world.admin, ops, b"MZ\x90\x00 not an image")
            .await
            .unwrap_err();
        assert_eq!(issue_paths(refused), ["logo"], "{}", world.label);
        let script = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        let refused = tools.set_logo(&world.admin, ops, script).await.unwrap_err();
        assert!(refused.to_body().message.contains("<script>"));

        let summary = tools.set_logo(&world.admin, ops, PNG).await.unwrap();
        assert!(summary.has_logo);
        assert!(
            summary
                .logo_src()
                .unwrap()
                .starts_with(&format!("/api/tools/{ops}/logo?v="))
        );
        let stored = tools.logo(&world.admin, ops).await.unwrap();
        assert_eq!(
            (stored.content_type.as_str(), stored.bytes.as_slice()),
            ("image/png", PNG)
        );
        let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1" fill="#4f46e5"/></svg>"##;
        tools.set_logo(&world.admin, ops, svg).await.unwrap();
        assert_eq!(
            tools.logo(&world.admin, ops).await.unwrap().content_type,
            "image/svg+xml",
            "replacing keeps one logo per tool"
        );
        assert_eq!(
            tools
                .set_logo(&world.viewer, ops, PNG)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::Forbidden
        );

        tools.remove_logo(&world.admin, ops).await.unwrap();
        tools.remove_logo(&world.admin, ops).await.unwrap();
        assert_eq!(
            tools.logo(&world.admin, ops).await.unwrap_err().code(),
            ErrorCode::NotFound
        );
        let actions: Vec<String> = audit_log::Entity::find()
            .filter(audit_log::Column::Action.starts_with("tool.logo"))
            .all(&world.services.db)
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.action)
            .collect();
        assert_eq!(
            actions,
            ["tool.logo_set", "tool.logo_set", "tool.logo_removed"]
        );
    }
}

#[tokio::test]
async fn every_connection_test_sets_the_tools_status() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let services = &world.services;
        let tools = &services.tools;
        let ops = ops_id(&world).await;
        let admin = &world.admin;
        let listed = |id: i32| async move {
            tools
                .list(admin)
                .await
                .unwrap()
                .into_iter()
                .find(|tool| tool.id == id)
                .unwrap()
        };
        assert_eq!(listed(ops).await.status, ToolStatus::NotTested);
        let ok = tools
            .test_connection(
                &world.admin,
                &services.connectors,
                ops,
                Some("/runs".into()),
            )
            .await
            .unwrap();
        assert!(
            ok.ok && ok.status == ToolStatus::Ok,
            "{}: {}",
            world.label,
            ok.message
        );
        let summary = listed(ops).await;
        assert_eq!(summary.status, ToolStatus::Ok);
        assert!(summary.last_tested_at.is_some());
        assert_eq!(summary.status_message.as_deref(), Some(ok.message.as_str()));

        tools
            .test_connection(
                &world.admin,
                &services.connectors,
                ops,
                Some("/broken".into()),
            )
            .await
            .unwrap();
        assert_eq!(listed(ops).await.status, ToolStatus::Failing);

        let mut bearer = edit(&upstream.base_url);
        bearer.auth = ToolAuth::Bearer;
        bearer.settings.default_headers.clear();
        tools.update(&world.admin, ops, bearer).await.unwrap();
        assert_eq!(
            listed(ops).await.status,
            ToolStatus::NotTested,
            "a new way of reaching the tool has not been tested"
        );
        let rejected = tools
            .test_connection(
                &world.admin,
                &services.connectors,
                ops,
                Some("/runs".into()),
            )
            .await
            .unwrap();
        assert_eq!(rejected.status, ToolStatus::CredentialsRejected);
        assert_eq!(listed(ops).await.status, ToolStatus::CredentialsRejected);
        tools.set_secret(&world.admin, ops, "fresh").await.unwrap();
        assert_eq!(listed(ops).await.status, ToolStatus::NotTested);
    }
}

#[tokio::test]
async fn deleting_a_tool_removes_its_logo_sample_and_status() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let services = &world.services;
        let tools = &services.tools;
        let ops = ops_id(&world).await;
        tools
            .update(&world.admin, ops, edit(&upstream.base_url))
            .await
            .unwrap();
        tools.set_logo(&world.admin, ops, PNG).await.unwrap();
        tools
            .test_connection(
                &world.admin,
                &services.connectors,
                ops,
                Some("/runs".into()),
            )
            .await
            .unwrap();
        tools.delete(&world.admin, ops).await.unwrap();
        let db = &services.db;
        assert_eq!(
            tool_logo::Entity::find().count(db).await.unwrap(),
            0,
            "{}",
            world.label
        );
        assert_eq!(tool_sample::Entity::find().count(db).await.unwrap(), 0);
        assert_eq!(tool_check::Entity::find().count(db).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn calls_made_for_pages_update_the_tools_status() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let status = || async {
            let listed = world.services.tools.list(&world.admin).await.unwrap();
            let ops = listed.into_iter().find(|tool| tool.slug == "ops").unwrap();
            (ops.status, ops.status_message.unwrap_or_default())
        };
        assert_eq!(status().await.0, ToolStatus::NotTested, "{}", world.label);
        let render = |path: &str| json!({"schema_version": 1, "layout": {"widgets": [super::kpi("k", 0, path, "@", 0)]}});
        world
            .services
            .pages
            .preview(&world.admin, render("/broken"))
            .await
            .unwrap();
        let (failing, message) = status().await;
        assert_eq!(failing, ToolStatus::Failing, "{}", world.label);
        assert!(message.contains("503"), "{message}");
        // A wrong path says nothing about the tool's health.
        world
            .services
            .pages
            .preview(&world.admin, render("/no-such-path"))
            .await
            .unwrap();
        assert_eq!(status().await.0, ToolStatus::Failing);
        world
            .services
            .pages
            .preview(&world.admin, render("/runs"))
            .await
            .unwrap();
        assert_eq!(status().await.0, ToolStatus::Ok, "{}", world.label);
    }
}

#[tokio::test]
async fn two_concurrent_edits_from_the_same_base_give_one_save_and_one_conflict() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let tools = &world.services.tools;
        let ops = ops_id(&world).await;
        for round in 0..5 {
            let opened = tools.details(&world.admin, ops).await.unwrap();
            let save = |name: &str| {
                let mut edit = ToolEdit {
                    base_updated_at: Some(opened.updated_at),
                    ..edit(&upstream.base_url)
                };
                edit.name = format!("{name} {round}");
                tools.update(&world.admin, ops, edit)
            };
            let (first, second) = tokio::join!(save("First"), save("Second"));
            let codes: Vec<Option<ErrorCode>> = [&first, &second]
                .iter()
                .map(|result| result.as_ref().err().map(Error::code))
                .collect();
            assert!(
                codes == [None, Some(ErrorCode::Conflict)]
                    || codes == [Some(ErrorCode::Conflict), None],
                "{} round {round}: {first:?} / {second:?}",
                world.label
            );
            let winner = first.or(second).unwrap();
            let kept = tools.details(&world.admin, ops).await.unwrap();
            assert_eq!(
                kept.summary.name, winner.name,
                "the saved edit is what is stored"
            );
        }
    }
}

#[tokio::test]
async fn an_edit_over_a_newer_change_is_refused_not_lost() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let tools = &world.services.tools;
        let ops = ops_id(&world).await;
        // Two admins open the tool.
        let opened = tools.details(&world.admin, ops).await.unwrap();
        let first = ToolEdit {
            base_updated_at: Some(opened.updated_at),
            ..edit(&upstream.base_url)
        };
        tools.update(&world.admin, ops, first).await.unwrap();
        let mut second = ToolEdit {
            base_updated_at: Some(opened.updated_at),
            ..edit(&upstream.base_url)
        };
        second.name = "Ops API (second admin)".into();
        let err = tools
            .update(&world.admin, ops, second.clone())
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict, "{}", world.label);
        assert!(err.to_body().message.contains("Reload it"), "{err}");
        let kept = tools.details(&world.admin, ops).await.unwrap();
        assert_eq!(kept.summary.name, "Ops API (EU)", "the first save stands");
        // After reloading, the second admin's save goes through.
        second.base_updated_at = Some(kept.updated_at);
        let saved = tools.update(&world.admin, ops, second).await.unwrap();
        assert_eq!(saved.name, "Ops API (second admin)");
    }
}

#[tokio::test]
async fn widgets_are_offered_a_tools_own_endpoints_before_its_templates_and_no_writes() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let tools = &world.services.tools;
        tools
            .ensure(
                &world.admin,
                crate::tools::NewTool {
                    slug: "jobs".into(),
                    name: "Jobs".into(),
                    kind: "databricks".into(),
                    base_url: upstream.base_url.clone(),
                    auth: ToolAuth::None,
                    secret: None,
                    config: json!({"endpoints": [
                        {"name": "job_runs", "label": "Our runs view", "request": {"path": "/runs"}, "root": "runs"},
                        {"name": "restart", "label": "Restart", "request": {"method": "POST", "path": "/restart", "body": {"kind": "json", "template": {"job": "{{job}}"}}}}
                    ]}),
                },
            )
            .await
            .unwrap();
        let offered = tools.readable_endpoints(&world.admin).await.unwrap();
        let jobs: Vec<&str> = offered["jobs"].iter().map(|e| e.label.as_str()).collect();
        assert_eq!(jobs[0], "Our runs view", "{}", world.label);
        assert!(!jobs.contains(&"Restart"), "writes are for forms: {jobs:?}");
        assert!(
            !jobs.contains(&"Job runs (newest first)"),
            "the tool's own job_runs hides the template's: {jobs:?}"
        );
        assert!(
            jobs.contains(&"Clusters"),
            "the template's other endpoints follow"
        );
        assert_eq!(
            tools
                .readable_endpoints(&world.viewer)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::Forbidden
        );
    }
}

#[tokio::test]
async fn reverting_a_tool_brings_its_old_settings_back_as_a_new_version_and_keeps_its_secret() {
    use domain::versions::{CompareVersions, RevertRequest};
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let tools = &world.services.tools;
        let ops = ops_id(&world).await;
        let original = tools.details(&world.admin, ops).await.unwrap();
        let history_of = || tools.history(&world.admin, ops, CompareVersions::default());
        let revert = |version, base_revision| {
            tools.revert(
                &world.admin,
                ops,
                RevertRequest {
                    version,
                    base_revision,
                },
            )
        };
        tools
            .update(&world.admin, ops, edit(&upstream.base_url))
            .await
            .unwrap();
        tools.set_secret(&world.admin, ops, "key-1").await.unwrap();
        let mut renamed = edit(&upstream.base_url);
        renamed.name = "Ops API (renamed)".into();
        tools.update(&world.admin, ops, renamed).await.unwrap();
        let history = history_of().await.unwrap();
        let numbers: Vec<i32> = history.versions.iter().map(|v| v.version).collect();
        assert_eq!(numbers.len(), 3, "{}: {numbers:?}", world.label);
        assert_eq!(history.revision, numbers[0]);
        let comparison = history.comparison.expect("newest against the one before");
        assert_eq!(
            comparison.changes,
            ["name: 'Ops API (EU)' → 'Ops API (renamed)'"],
            "{}",
            world.label
        );
        let (first, edited) = (numbers[2], numbers[1]);
        let stale = revert(edited, edited).await.unwrap_err();
        assert_eq!(stale.code(), ErrorCode::Conflict, "{}", world.label);

        let reverted = revert(edited, history.revision).await.unwrap();
        assert_eq!(reverted.name, "Ops API (EU)", "{}", world.label);
        assert!(
            reverted.has_secret,
            "credentials are not versioned, and stay"
        );
        let history = history_of().await.unwrap();
        assert_eq!(history.versions.len(), 4, "history is never rewritten");
        assert_eq!(
            history.versions[0].note,
            format!("reverted to version {edited}")
        );

        // The settings as registered use no credentials: like such an edit, the revert drops them.
        let reverted = revert(first, history.revision).await.unwrap();
        assert_eq!(reverted.name, original.summary.name);
        assert!(!reverted.has_secret);
        let now = tools.details(&world.admin, ops).await.unwrap();
        assert_eq!(now.edit.settings, original.edit.settings, "{}", world.label);
        assert_eq!(now.edit.auth, original.edit.auth);

        let refused = tools
            .revert(
                &world.viewer,
                ops,
                RevertRequest {
                    version: first,
                    base_revision: 5,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(refused.code(), ErrorCode::Forbidden);
        assert!(matches!(
            revert(99, 5).await,
            Err(Error::NotFound("version"))
        ));
    }
}
