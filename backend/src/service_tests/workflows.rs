//! Workflows: saved with their problems, turned on only when valid and pinned to the version
//! they were turned on with, versioned and reverted, audited, and private to their
//! organization and to those who may manage workflows.

use domain::{
    versions::{CompareVersions, RevertRequest},
    workflow::wire::{EnableWorkflow, NewWorkflow, SaveWorkflow},
};
use sea_orm::QueryOrder;

use super::*;

fn calling(tool: &str, text: &str) -> Value {
    json!({"schema_version": 1,
        "nodes": [
            {"id": "start", "step": {"type": "manual"}},
            {"id": "check", "step": {"type": "condition", "expression": "trigger.failed"}},
            {"id": "call", "label": text, "step": {"type": "call_tool", "tool": tool, "request": {"path": "/runs"}}}
        ],
        "edges": [{"from": "start", "to": "check"}, {"from": "check", "to": "call", "port": "true"}]})
}

fn new_workflow(slug: &str) -> NewWorkflow {
    NewWorkflow {
        slug: slug.into(),
        name: "Job failed".into(),
        description: String::new(),
        definition: None,
    }
}

fn save(definition: Value, base_revision: i32) -> SaveWorkflow {
    SaveWorkflow {
        name: "Job failed".into(),
        description: "Opens an incident".into(),
        definition,
        base_revision,
    }
}

async fn audit_actions(world: &World, id: i32) -> Vec<String> {
    audit_log::Entity::find()
        .filter(audit_log::Column::ResourceType.eq("workflow"))
        .filter(audit_log::Column::ResourceId.eq(id.to_string()))
        .order_by_asc(audit_log::Column::Id)
        .all(&world.services.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.action)
        .collect()
}

#[tokio::test]
async fn a_workflow_is_saved_with_its_problems_and_turned_on_only_when_valid() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let workflows = &world.services.workflows;
        let created = workflows
            .create(&world.admin, new_workflow("job-failed"))
            .await
            .unwrap();
        let id = created.workflow.id;
        assert_eq!(created.workflow.revision, 1, "{label}");
        assert_eq!(
            created.workflow.trigger.as_deref(),
            Some("manual"),
            "{label}"
        );
        assert!(
            !created.workflow.enabled && created.issues.is_empty(),
            "{label}: {created:?}"
        );

        // A draft that names a tool that does not exist is kept, with the problem on its step…
        let saved = workflows
            .save(&world.admin, id, save(calling("ghost", "Call"), 1))
            .await
            .unwrap();
        assert_eq!(saved.workflow.revision, 2, "{label}");
        assert_eq!(saved.workflow.problems, 1, "{label}");
        assert_eq!(saved.issues[0].path, "nodes.call.tool", "{label}");
        // …but cannot be turned on.
        let refused = workflows
            .enable(&world.admin, id, EnableWorkflow { base_revision: 2 })
            .await;
        let Err(Error::Validation(issues)) = refused else {
            panic!("{label}: {refused:?}")
        };
        assert_eq!(issues[0].path, "definition.nodes.call.tool", "{label}");
        assert!(
            issues[0].message.contains("there is no tool “ghost”"),
            "{label}"
        );

        let fixed = workflows
            .save(&world.admin, id, save(calling("ops", "Call"), 2))
            .await
            .unwrap();
        assert!(fixed.issues.is_empty(), "{label}: {:?}", fixed.issues);
        let on = workflows
            .enable(&world.admin, id, EnableWorkflow { base_revision: 3 })
            .await
            .unwrap();
        assert!(
            on.enabled && on.enabled_version == Some(3),
            "{label}: {on:?}"
        );

        // Later saves do not change what runs until it is turned on again.
        let edited = workflows
            .save(&world.admin, id, save(calling("ops", "Call the API"), 3))
            .await
            .unwrap();
        assert_eq!(edited.workflow.enabled_version, Some(3), "{label}");
        assert!(edited.workflow.has_unpublished_changes(), "{label}");

        // A save from a stale revision is refused; so is turning on a stale one.
        let stale = workflows
            .save(&world.admin, id, save(calling("ops", "Mine"), 3))
            .await;
        assert!(
            matches!(stale, Err(Error::Conflict(_))),
            "{label}: {stale:?}"
        );
        let stale = workflows
            .enable(&world.admin, id, EnableWorkflow { base_revision: 3 })
            .await;
        assert!(
            matches!(stale, Err(Error::Conflict(_))),
            "{label}: {stale:?}"
        );

        // Saving what is there changes nothing.
        let same = workflows
            .save(&world.admin, id, save(calling("ops", "Call the API"), 4))
            .await
            .unwrap();
        assert_eq!(same.workflow.revision, 4, "{label}");

        let off = workflows.disable(&world.admin, id).await.unwrap();
        assert!(!off.enabled, "{label}");
        assert_eq!(
            audit_actions(&world, id).await,
            [
                "workflow.create",
                "workflow.save",
                "workflow.save",
                "workflow.enable",
                "workflow.save",
                "workflow.disable"
            ],
            "{label}"
        );

        // Something that is not a workflow at all is refused, naming the field.
        let unreadable = workflows
            .save(&world.admin, id, save(json!({"schema_version": 1, "nodes": [{"id": "a", "step": {"type": "teleport"}}]}), 4))
            .await;
        let Err(Error::Validation(issues)) = unreadable else {
            panic!("{label}: {unreadable:?}")
        };
        assert!(
            issues[0].path.starts_with("definition.nodes"),
            "{label}: {issues:?}"
        );

        let taken = workflows
            .create(&world.admin, new_workflow("job-failed"))
            .await;
        assert!(matches!(taken, Err(Error::Taken(_))), "{label}: {taken:?}");
    }
}

#[tokio::test]
async fn workflow_history_compares_steps_and_reverts_as_a_new_version() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let workflows = &world.services.workflows;
        let created = workflows
            .create(
                &world.admin,
                NewWorkflow {
                    definition: Some(calling("ops", "Call")),
                    ..new_workflow("nightly")
                },
            )
            .await
            .unwrap();
        let id = created.workflow.id;
        workflows
            .save(&world.admin, id, save(calling("ops", "Call the API"), 1))
            .await
            .unwrap();
        let history = workflows
            .history(&world.admin, id, CompareVersions::default())
            .await
            .unwrap();
        let notes: Vec<_> = history
            .versions
            .iter()
            .map(|v| (v.version, v.note.as_str()))
            .collect();
        assert_eq!(notes, [(2, "saved"), (1, "created")], "{label}");
        let words = history.comparison.unwrap().changes.join(" | ");
        assert!(
            words.contains("'Call' → 'Call the API'"),
            "{label}: {words}"
        );

        let reverted = workflows
            .revert(
                &world.admin,
                id,
                RevertRequest {
                    version: 1,
                    base_revision: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(reverted.workflow.revision, 3, "{label}");
        assert_eq!(
            reverted.definition.node("call").unwrap().label,
            "Call",
            "{label}"
        );
        let history = workflows
            .history(&world.admin, id, CompareVersions::default())
            .await
            .unwrap();
        assert_eq!(history.versions[0].note, "reverted to version 1", "{label}");

        // A version that is not there, and a revert from a stale revision.
        let missing = workflows
            .revert(
                &world.admin,
                id,
                RevertRequest {
                    version: 9,
                    base_revision: 3,
                },
            )
            .await;
        assert!(
            matches!(missing, Err(Error::NotFound(_))),
            "{label}: {missing:?}"
        );
        let stale = workflows
            .revert(
                &world.admin,
                id,
                RevertRequest {
                    version: 1,
                    base_revision: 2,
                },
            )
            .await;
        assert!(
            matches!(stale, Err(Error::Conflict(_))),
            "{label}: {stale:?}"
        );
        assert_eq!(
            audit_actions(&world, id).await.last().map(String::as_str),
            Some("workflow.revert"),
            "{label}"
        );
    }
}

#[tokio::test]
async fn workflows_belong_to_their_organization_and_to_those_who_manage_them() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let workflows = &world.services.workflows;
        let id = workflows
            .create(&world.admin, new_workflow("mine"))
            .await
            .unwrap()
            .workflow
            .id;

        let integrator = user(&world, "int@example.com", "Integrator", Role::Integrator).await;
        assert_eq!(
            workflows.list(&integrator).await.unwrap().len(),
            1,
            "{label}"
        );
        for refused in [
            &world.viewer,
            &user(&world, "ed@example.com", "Editor", Role::Editor).await,
        ] {
            assert!(
                matches!(workflows.list(refused).await, Err(Error::Forbidden(_))),
                "{label}"
            );
            assert!(
                matches!(workflows.get(refused, id).await, Err(Error::Forbidden(_))),
                "{label}"
            );
        }

        let stranger = super::sso::other_organization_admin(&world).await;
        assert!(
            workflows.list(&stranger).await.unwrap().is_empty(),
            "{label}"
        );
        assert!(
            matches!(workflows.get(&stranger, id).await, Err(Error::NotFound(_))),
            "{label}"
        );
        assert!(
            matches!(
                workflows.delete(&stranger, id).await,
                Err(Error::NotFound(_))
            ),
            "{label}"
        );

        workflows.delete(&world.admin, id).await.unwrap();
        assert!(
            matches!(
                workflows.get(&world.admin, id).await,
                Err(Error::NotFound(_))
            ),
            "{label}"
        );
    }
}
