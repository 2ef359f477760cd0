//! The page editing lifecycle: drafts guarded by revisions, publish, unpublish, copies,
//! delete, templates, previews and the embed allow-list. SQLite and PostgreSQL.

use domain::{
    ErrorCode, Role,
    dto::{NewPageFrom, PageStatus, SaveDraft, WidgetData},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

use super::{World, kpi, page, upstream, user, worlds};
use crate::{
    Error,
    entities::{audit_log, page as page_entity, version},
    test_support,
};

fn definition(widgets: Value) -> Value {
    json!({"schema_version": 1, "layout": {"widgets": widgets}})
}

fn text(id: &str, x: u8, words: &str) -> Value {
    json!({"id": id, "type": "text", "props": {"text": words},
           "position": {"desktop": {"x": x, "y": 0, "w": 3, "h": 1}}})
}

fn iframe(id: &str, x: u8, src: &str) -> Value {
    json!({"id": id, "type": "iframe", "props": {"src": src, "title": "Report"},
           "position": {"desktop": {"x": x, "y": 2, "w": 6, "h": 3}}})
}

async fn audit_actions(world: &World, id: i32) -> Vec<String> {
    audit_log::Entity::find()
        .filter(audit_log::Column::ResourceType.eq("page"))
        .filter(audit_log::Column::ResourceId.eq(id.to_string()))
        .order_by_asc(audit_log::Column::Id)
        .all(&world.services.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.action)
        .collect()
}

async fn versions_of(world: &World, id: i32) -> Vec<version::Model> {
    version::Entity::find()
        .filter(version::Column::ResourceType.eq("page"))
        .filter(version::Column::ResourceId.eq(id))
        .order_by_asc(version::Column::Version)
        .all(&world.services.db)
        .await
        .unwrap()
}

/// The text a rendered page shows in its text widget `id`.
fn shown_text(rendered: &domain::dto::RenderedPage, id: &str) -> String {
    match &rendered.definition.widget(id).expect("widget").props {
        domain::WidgetProps::Text(text) => text.text.clone(),
        other => panic!("{id} is {other:?}"),
    }
}

fn save(widgets: Value, base_revision: i32) -> SaveDraft {
    SaveDraft {
        definition: definition(widgets),
        base_revision,
    }
}

#[tokio::test]
async fn saving_with_the_current_revision_bumps_it_and_audits_the_patch() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let created = pages
            .create(
                &world.admin,
                page("notes", json!([text("a", 0, "one")]), false),
            )
            .await
            .unwrap();
        let draft = pages.draft(&world.admin, created.id).await.unwrap();
        assert_eq!(
            (draft.revision, draft.published),
            (1, false),
            "{}",
            world.label
        );
        assert_eq!(draft.page.updated_by.as_deref(), Some("Admin"));

        let saved = pages
            .save_draft(
                &world.admin,
                created.id,
                save(json!([text("a", 0, "two")]), 1),
            )
            .await
            .unwrap();
        assert_eq!(saved.revision, 2);
        let saved = pages
            .save_draft(
                &world.admin,
                created.id,
                save(json!([text("a", 0, "three")]), 2),
            )
            .await
            .unwrap();
        assert_eq!(saved.revision, 3);
        let draft = pages.draft(&world.admin, created.id).await.unwrap();
        assert_eq!(draft.revision, 3);
        assert_eq!(draft.page.updated_at, saved.updated_at);

        // An autosave of what is already stored changes nothing.
        let again = pages
            .save_draft(
                &world.admin,
                created.id,
                save(json!([text("a", 0, "three")]), 3),
            )
            .await
            .unwrap();
        assert_eq!(again.revision, 3);

        assert_eq!(
            audit_actions(&world, created.id).await,
            ["page.create", "page.save_draft", "page.save_draft"]
        );
        assert_eq!(
            versions_of(&world, created.id).await.len(),
            3,
            "each draft save is a version of the page's history"
        );
        let last = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("page.save_draft"))
            .order_by_desc(audit_log::Column::Id)
            .one(&world.services.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            last.diff.unwrap(),
            json!([{"op": "replace", "path": "/layout/widgets/0/props/text", "value": "three"}]),
            "the patch of the change, from the stored draft"
        );
    }
}

#[tokio::test]
async fn a_stale_revision_is_a_conflict_naming_the_other_editor_and_overwrites_nothing() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let jane = user(&world, "jane@example.com", "Jane Editor", Role::Editor).await;
        let created = pages
            .create(
                &world.admin,
                page("shared", json!([text("a", 0, "start")]), false),
            )
            .await
            .unwrap();
        pages
            .save_draft(&jane, created.id, save(json!([text("a", 0, "jane's")]), 1))
            .await
            .unwrap();

        let err = pages
            .save_draft(
                &world.admin,
                created.id,
                save(json!([text("a", 0, "mine")]), 1),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict, "{}", world.label);
        let message = err.to_body().message;
        assert!(
            message.starts_with("Jane Editor saved this page at ")
                && message.contains(
                    " UTC after you opened it. Reload to see their changes, or keep editing a copy."
                ),
            "{message}"
        );
        let draft = pages.draft(&world.admin, created.id).await.unwrap();
        assert_eq!(draft.revision, 2);
        assert_eq!(draft.page.updated_by.as_deref(), Some("Jane Editor"));
        assert_eq!(
            draft.definition.layout.widgets[0].props,
            domain::WidgetProps::Text(domain::page::TextProps {
                text: "jane's".into()
            })
        );
        // Stale publishes are refused the same way.
        let err = pages
            .publish(&world.admin, created.id, 1)
            .await
            .unwrap_err();
        assert!(err.to_body().message.starts_with("Jane Editor saved"));

        // Jane's own stale tab is told it was her.
        let err = pages
            .save_draft(&jane, created.id, save(json!([text("a", 0, "old tab")]), 1))
            .await
            .unwrap_err();
        assert!(
            err.to_body()
                .message
                .starts_with("You saved this page in another window")
        );

        // "Keep editing a copy": the losing edit lands in a new draft.
        let copy = pages
            .save_as_copy(
                &world.admin,
                created.id,
                definition(json!([text("a", 0, "mine")])),
            )
            .await
            .unwrap();
        assert_eq!(
            (copy.slug.as_str(), copy.title.as_str()),
            ("shared-copy", "Page shared (copy)")
        );
        let copied = pages.draft(&world.admin, copy.id).await.unwrap();
        assert_eq!(
            copied.definition.layout.widgets[0].props,
            domain::WidgetProps::Text(domain::page::TextProps {
                text: "mine".into()
            })
        );
        assert_eq!(audit_actions(&world, copy.id).await, ["page.save_as_copy"]);
    }
}

#[tokio::test]
async fn concurrent_saves_on_one_revision_let_exactly_one_win() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let jane = user(&world, "jane@example.com", "Jane Editor", Role::Editor).await;
        let created = pages
            .create(
                &world.admin,
                page("race", json!([text("a", 0, "start")]), false),
            )
            .await
            .unwrap();
        let (first, second) = tokio::join!(
            pages.save_draft(
                &world.admin,
                created.id,
                save(json!([text("a", 0, "admin")]), 1)
            ),
            pages.save_draft(&jane, created.id, save(json!([text("a", 0, "jane")]), 1)),
        );
        let outcomes = [&first, &second];
        assert_eq!(
            outcomes.iter().filter(|result| result.is_ok()).count(),
            1,
            "{}: {first:?} / {second:?}",
            world.label
        );
        assert!(
            outcomes
                .iter()
                .any(|result| matches!(result, Err(Error::Conflict(_))))
        );
        assert_eq!(
            pages
                .draft(&world.admin, created.id)
                .await
                .unwrap()
                .revision,
            2
        );
    }
}

#[tokio::test]
async fn publish_copies_the_draft_and_viewers_see_only_published_versions() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let created = pages
            .create(
                &world.admin,
                page("launch", json!([text("a", 0, "first")]), false),
            )
            .await
            .unwrap();
        let saved = pages
            .save_draft(
                &world.admin,
                created.id,
                save(json!([text("a", 0, "v1")]), 1),
            )
            .await
            .unwrap();
        let published = pages
            .publish(&world.admin, created.id, saved.revision)
            .await
            .unwrap();
        assert_eq!(
            (published.status, published.version),
            (PageStatus::Published, 3),
            "{}",
            world.label
        );
        let seen = pages
            .render_by_slug(&world.viewer, "launch", false, false)
            .await
            .unwrap();
        assert_eq!(shown_text(&seen, "a"), "v1");

        // Later draft saves stay invisible to viewers until the next publish...
        pages
            .save_draft(
                &world.admin,
                created.id,
                save(json!([text("a", 0, "v2 draft")]), 3),
            )
            .await
            .unwrap();
        for draft_flag in [false, true] {
            let seen = pages
                .render_by_slug(&world.viewer, "launch", false, draft_flag)
                .await
                .unwrap();
            assert_eq!(
                shown_text(&seen, "a"),
                "v1",
                "viewer with draft={draft_flag}"
            );
        }
        // ...while editors preview the draft on request.
        let preview = pages
            .render_by_slug(&world.admin, "launch", false, true)
            .await
            .unwrap();
        assert_eq!(shown_text(&preview, "a"), "v2 draft");
        let live = pages
            .render_by_slug(&world.admin, "launch", false, false)
            .await
            .unwrap();
        assert_eq!(shown_text(&live, "a"), "v1");

        pages.publish(&world.admin, created.id, 4).await.unwrap();
        let seen = pages
            .render_by_slug(&world.viewer, "launch", false, false)
            .await
            .unwrap();
        assert_eq!(shown_text(&seen, "a"), "v2 draft");

        let versions = versions_of(&world, created.id).await;
        let summary: Vec<(i32, Option<&str>)> = versions
            .iter()
            .map(|row| (row.version, row.comment.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                (1, Some("created")),
                (2, Some("draft saved")),
                (3, Some("published")),
                (4, Some("draft saved")),
                (5, Some("published"))
            ]
        );
        assert_eq!(
            versions[4].snapshot["definition"]["layout"]["widgets"][0]["props"]["text"],
            "v2 draft"
        );
        let publishes = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("page.publish"))
            .filter(audit_log::Column::ResourceId.eq(created.id.to_string()))
            .order_by_asc(audit_log::Column::Id)
            .all(&world.services.db)
            .await
            .unwrap();
        assert_eq!(publishes.len(), 2);
        // The second publish records only what changed since the first.
        let second = publishes[1].diff.as_ref().unwrap().to_string();
        assert!(
            second.contains("v2 draft") && !second.contains("schema_version"),
            "{second}"
        );
    }
}

#[tokio::test]
async fn publishing_an_invalid_stored_draft_is_refused_with_widget_and_field() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let created = pages
            .create(
                &world.admin,
                page(
                    "legacy",
                    json!([kpi("runs", 0, "/runs", "length(runs)", 60)]),
                    false,
                ),
            )
            .await
            .unwrap();
        // A draft stored under older rules: its mapping no longer compiles.
        let mut broken = definition(json!([kpi("runs", 0, "/runs", "length(runs)", 60)]));
        broken["layout"]["widgets"][0]["binding"]["mapping"]["value"] = json!("length(runs[");
        page_entity::ActiveModel {
            id: Set(created.id),
            definition: Set(broken),
            ..Default::default()
        }
        .update(&world.services.db)
        .await
        .unwrap();

        // The builder can still open it to fix it...
        assert!(
            pages.draft(&world.admin, created.id).await.is_ok(),
            "{}",
            world.label
        );
        // ...but it cannot go live.
        let err = pages
            .publish(&world.admin, created.id, 1)
            .await
            .unwrap_err();
        let body = err.to_body();
        assert_eq!(body.code, ErrorCode::Validation);
        assert_eq!(
            body.issues[0].path,
            "definition.layout.widgets[0] (\"runs\").binding.mapping.value"
        );
        let after = pages.draft(&world.admin, created.id).await.unwrap();
        assert_eq!((after.revision, after.published), (1, false));
        assert_eq!(audit_actions(&world, created.id).await, ["page.create"]);
    }
}

#[tokio::test]
async fn unpublish_hides_the_page_from_viewers_and_keeps_the_draft() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let created = pages
            .create(
                &world.admin,
                page("gone-soon", json!([text("a", 0, "hi")]), true),
            )
            .await
            .unwrap();
        assert!(
            pages
                .render_by_slug(&world.viewer, "gone-soon", false, false)
                .await
                .is_ok()
        );
        let summary = pages.unpublish(&world.admin, created.id).await.unwrap();
        assert_eq!(
            (summary.status, summary.version),
            (PageStatus::Draft, 2),
            "{}",
            world.label
        );
        let err = pages
            .render_by_slug(&world.viewer, "gone-soon", false, false)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
        assert!(pages.list_for(&world.viewer).await.unwrap().is_empty());
        let draft = pages.draft(&world.admin, created.id).await.unwrap();
        assert!(!draft.published);
        assert_eq!(
            shown_text(
                &pages
                    .render_by_slug(&world.admin, "gone-soon", false, false)
                    .await
                    .unwrap(),
                "a"
            ),
            "hi"
        );
        // A second unpublish is a no-op.
        assert_eq!(
            pages
                .unpublish(&world.admin, created.id)
                .await
                .unwrap()
                .version,
            2
        );
        assert_eq!(
            audit_actions(&world, created.id).await,
            ["page.create_published", "page.unpublish"]
        );
    }
}

#[tokio::test]
async fn duplicate_picks_free_slugs_and_copies_the_draft() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let created = pages
            .create(
                &world.admin,
                page("ops", json!([text("a", 0, "live")]), true),
            )
            .await
            .unwrap();
        pages
            .save_draft(
                &world.admin,
                created.id,
                save(json!([text("a", 0, "working")]), 1),
            )
            .await
            .unwrap();
        // Someone already made an "ops-copy-2" by hand.
        pages
            .create(&world.admin, page("ops-copy-2", json!([]), false))
            .await
            .unwrap();
        let slugs: Vec<String> = {
            let mut slugs = Vec::new();
            for _ in 0..3 {
                slugs.push(
                    pages
                        .duplicate(&world.admin, created.id)
                        .await
                        .unwrap()
                        .slug,
                );
            }
            slugs
        };
        assert_eq!(
            slugs,
            ["ops-copy", "ops-copy-3", "ops-copy-4"],
            "{}",
            world.label
        );
        let copy = pages.by_slug(world.admin.org_id, "ops-copy").await.unwrap();
        assert_eq!(copy.title, "Page ops (copy)");
        assert_eq!(copy.status, "draft");
        assert_eq!(copy.published_definition, None);
        assert_eq!(
            copy.definition["layout"]["widgets"][0]["props"]["text"],
            "working"
        );
        assert_eq!(audit_actions(&world, copy.id).await, ["page.duplicate"]);
        assert_eq!(versions_of(&world, copy.id).await.len(), 1);

        // Long slugs still yield valid ones.
        let long = "a".repeat(80);
        let created = pages
            .create(&world.admin, page(&long, json!([]), false))
            .await
            .unwrap();
        let copy = pages.duplicate(&world.admin, created.id).await.unwrap();
        assert!(
            domain::page::is_valid_slug(&copy.slug) && copy.slug.ends_with("-copy"),
            "{}",
            copy.slug
        );
    }
}

#[tokio::test]
async fn delete_removes_the_page_but_keeps_versions_and_audits_it() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let created = pages
            .create(&world.admin, page("old", json!([text("a", 0, "v1")]), true))
            .await
            .unwrap();
        pages
            .save_draft(
                &world.admin,
                created.id,
                save(json!([text("a", 0, "unpublished edit")]), 1),
            )
            .await
            .unwrap();
        pages.delete(&world.admin, created.id).await.unwrap();
        assert!(
            pages
                .id_of(world.admin.org_id, "old")
                .await
                .unwrap()
                .is_none(),
            "{}",
            world.label
        );
        assert_eq!(
            pages
                .draft(&world.admin, created.id)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::NotFound
        );
        assert_eq!(
            pages
                .delete(&world.admin, created.id)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::NotFound
        );
        // Every version stays, the last draft included.
        let versions = versions_of(&world, created.id).await;
        let kept: Vec<(i32, Option<&str>)> = versions
            .iter()
            .map(|row| (row.version, row.comment.as_deref()))
            .collect();
        assert_eq!(
            kept,
            [(1, Some("created and published")), (2, Some("draft saved"))]
        );
        assert_eq!(
            versions[1].snapshot["definition"]["layout"]["widgets"][0]["props"]["text"],
            "unpublished edit"
        );
        assert_eq!(
            audit_actions(&world, created.id).await,
            ["page.create_published", "page.save_draft", "page.delete"]
        );
        // A new page never inherits the deleted page's id (and with it its versions).
        let next = pages
            .create(&world.admin, page("new", json!([]), false))
            .await
            .unwrap();
        assert_ne!(next.id, created.id);
    }
}

#[tokio::test]
async fn viewers_and_auditors_cannot_save_publish_or_delete() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let auditor = user(&world, "audit@example.com", "Audrey Auditor", Role::Auditor).await;
        let created = pages
            .create(
                &world.admin,
                page("guarded", json!([text("a", 0, "x")]), true),
            )
            .await
            .unwrap();
        for actor in [&world.viewer, &auditor] {
            let forbidden = |result: Result<(), Error>| {
                assert_eq!(
                    result.unwrap_err().code(),
                    ErrorCode::Forbidden,
                    "{} as {:?}",
                    world.label,
                    actor.role
                )
            };
            forbidden(pages.draft(actor, created.id).await.map(drop));
            forbidden(
                pages
                    .save_draft(actor, created.id, save(json!([]), 1))
                    .await
                    .map(drop),
            );
            forbidden(pages.publish(actor, created.id, 1).await.map(drop));
            forbidden(pages.unpublish(actor, created.id).await.map(drop));
            forbidden(pages.delete(actor, created.id).await);
            forbidden(pages.duplicate(actor, created.id).await.map(drop));
            forbidden(pages.preview(actor, definition(json!([]))).await.map(drop));
            forbidden(
                pages
                    .create_from(
                        actor,
                        NewPageFrom {
                            title: "Mine".into(),
                            slug: "mine".into(),
                            template: None,
                        },
                    )
                    .await
                    .map(drop),
            );
        }
        let page = pages.draft(&world.admin, created.id).await.unwrap();
        assert_eq!(page.revision, 1, "nothing changed");
    }
}

#[tokio::test]
async fn iframe_hosts_must_be_on_the_allow_list_when_saved_and_when_rendered() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let created = pages
            .create(
                &world.admin,
                page(
                    "reports",
                    json!([
                        text("a", 0, "x"),
                        iframe("bi", 0, "https://app.powerbi.com/reportEmbed?reportId=1")
                    ]),
                    true,
                ),
            )
            .await
            .unwrap();
        let err = pages
            .save_draft(
                &world.admin,
                created.id,
                save(
                    json!([text("a", 0, "x"), iframe("bi", 0, "https://evil.example/r")]),
                    1,
                ),
            )
            .await
            .unwrap_err();
        let body = err.to_body();
        assert_eq!(body.code, ErrorCode::Validation, "{}", world.label);
        assert_eq!(
            body.issues[0].path,
            "definition.layout.widgets[1] (\"bi\").props.src"
        );
        assert!(body.issues[0].message.contains("\"evil.example\""));
        let err = pages
            .create(
                &world.admin,
                page(
                    "evil",
                    json!([iframe("f", 0, "https://evil.example/")]),
                    false,
                ),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        // Same-origin paths and wildcard hosts pass.
        pages
            .save_draft(
                &world.admin,
                created.id,
                save(
                    json!([
                        text("a", 0, "x"),
                        iframe("bi", 0, "/mock/powerbi/embed/r"),
                        iframe("dbx", 6, "https://adb-1.2.azuredatabricks.net/x")
                    ]),
                    1,
                ),
            )
            .await
            .unwrap();

        // The published frame renders; after the host leaves the allow-list it fails instead.
        let rendered = pages
            .render_by_slug(&world.viewer, "reports", false, false)
            .await
            .unwrap();
        assert!(!rendered.data.contains_key("bi"));
        let mut settings = test_support::settings(&upstream.base_url);
        settings.embed_allowed_hosts = vec!["public.tableau.com".into()];
        let stricter = test_support::services_with(world.services.db.clone(), settings);
        let rendered = stricter
            .pages
            .render_by_slug(&world.viewer, "reports", false, false)
            .await
            .unwrap();
        assert!(
            matches!(&rendered.data["bi"], WidgetData::Failed { message } if message.contains("\"app.powerbi.com\" is not on the embed allow-list")),
            "{:?}",
            rendered.data.get("bi")
        );
        let err = stricter
            .pages
            .publish(&world.admin, created.id, 2)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_body().issues[0].path,
            "definition.layout.widgets[2] (\"dbx\").props.src"
        );
    }
}

#[tokio::test]
async fn widgets_limited_to_roles_never_reach_other_roles() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let mut restricted = text("ops-only", 3, "runbook secrets");
        restricted["visibility"] = json!({"roles": ["admin", "editor"]});
        pages
            .create(
                &world.admin,
                page("roles", json!([text("all", 0, "hello"), restricted]), true),
            )
            .await
            .unwrap();
        let for_viewer = pages
            .render_by_slug(&world.viewer, "roles", false, false)
            .await
            .unwrap();
        let ids: Vec<&str> = for_viewer
            .definition
            .layout
            .widgets
            .iter()
            .map(|w| w.id.as_str())
            .collect();
        assert_eq!(ids, ["all"], "{}", world.label);
        let for_admin = pages
            .render_by_slug(&world.admin, "roles", false, false)
            .await
            .unwrap();
        assert_eq!(
            shown_text(&for_admin, "ops-only"),
            "runbook secrets",
            "{}",
            world.label
        );
    }
}

#[tokio::test]
async fn preview_resolves_an_unsaved_definition_with_live_data() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let rendered = pages
            .preview(
                &world.admin,
                definition(json!([
                    kpi("runs", 0, "/runs", "length(runs)", 60),
                    iframe("f", 0, "https://evil.example/")
                ])),
            )
            .await
            .unwrap();
        assert!(
            matches!(&rendered.data["runs"], WidgetData::Ready { values, .. } if values["value"] == json!(3)),
            "{}: {:?}",
            world.label,
            rendered.data
        );
        assert!(matches!(&rendered.data["f"], WidgetData::Failed { .. }));
        // Unfinished drafts still render on the canvas: a broken expression fails only its
        // widget, a filter without its table is left for save to report.
        let unfinished = pages
            .preview(
                &world.admin,
                definition(json!([
                    kpi("runs", 0, "/runs", "length(", 60),
                    {"id": "pick", "type": "filter", "props": {"label": "State", "target": "", "column": ""},
                     "position": {"desktop": {"x": 6, "y": 0, "w": 3, "h": 1}}}
                ])),
            )
            .await
            .unwrap();
        assert!(
            matches!(&unfinished.data["runs"], WidgetData::Failed { .. }),
            "{}: {:?}",
            world.label,
            unfinished.data
        );
        // A document that is not a page at all is still refused, naming the field.
        let err = pages
            .preview(
                &world.admin,
                definition(json!([{"id": "x", "type": "sparkle", "position": {"desktop": {"x": 0, "y": 0, "w": 1, "h": 1}}}])),
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.to_body().issues[0].path,
            "definition.layout.widgets[0] (\"x\").type"
        );
    }
}

#[tokio::test]
async fn pages_come_from_every_template_or_blank() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let templates = pages.templates(&world.admin).unwrap();
        assert!(matches!(
            pages.templates(&world.viewer),
            Err(Error::Forbidden(_))
        ));
        let names: Vec<&str> = templates.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Databricks Job Monitor",
                "ServiceNow Incident View",
                "BI Reports Gallery",
                "Platform Health",
                "Workflow Console"
            ]
        );
        for template in &templates {
            let created = pages
                .create_from(
                    &world.admin,
                    NewPageFrom {
                        title: template.name.clone(),
                        slug: template.id.clone(),
                        template: Some(template.id.clone()),
                    },
                )
                .await
                .unwrap();
            assert_eq!(created.status, PageStatus::Draft, "{}", world.label);
            let draft = pages.draft(&world.admin, created.id).await.unwrap();
            assert!(
                !draft.definition.layout.widgets.is_empty(),
                "{}",
                template.id
            );
        }
        let blank = pages
            .create_from(
                &world.admin,
                NewPageFrom {
                    title: "Blank".into(),
                    slug: "blank".into(),
                    template: None,
                },
            )
            .await
            .unwrap();
        assert!(
            pages
                .draft(&world.admin, blank.id)
                .await
                .unwrap()
                .definition
                .layout
                .widgets
                .is_empty()
        );
        let err = pages
            .create_from(
                &world.admin,
                NewPageFrom {
                    title: "X".into(),
                    slug: "x".into(),
                    template: Some("nope".into()),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.to_body().issues[0].path, "template");
    }
}

#[tokio::test]
async fn summaries_name_the_last_editor() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let jane = user(&world, "jane@example.com", "Jane Editor", Role::Editor).await;
        let created = pages
            .create(
                &world.admin,
                page("named", json!([text("a", 0, "x")]), true),
            )
            .await
            .unwrap();
        assert_eq!(created.updated_by.as_deref(), Some("Admin"));
        pages
            .save_draft(&jane, created.id, save(json!([text("a", 0, "y")]), 1))
            .await
            .unwrap();
        let listed = pages.list_for(&world.admin).await.unwrap();
        assert_eq!(
            listed[0].updated_by.as_deref(),
            Some("Jane Editor"),
            "{}",
            world.label
        );
        let rendered = pages
            .render_by_slug(&world.viewer, "named", false, false)
            .await
            .unwrap();
        assert_eq!(rendered.page.updated_by.as_deref(), Some("Jane Editor"));
        let published = pages.publish(&world.admin, created.id, 2).await.unwrap();
        assert_eq!(published.updated_by.as_deref(), Some("Admin"));
    }
}
