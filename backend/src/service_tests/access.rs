//! Access conditions on user attributes, enforced in the services: a Finance-only page does
//! not exist for someone in HR (list and render), a widget with a condition never reaches
//! those it leaves out, and editors still see what they edit.

use domain::users::{UserAttributes, UserUpdate};

use super::*;

async fn set_department(world: &World, department: &str) -> SessionUser {
    let users = &world.services.users;
    let viewer = users.list(&world.admin, "viewer@").await.unwrap().remove(0);
    users
        .update(
            &world.admin,
            viewer.id,
            UserUpdate {
                display_name: viewer.display_name,
                role: "viewer".into(),
                attributes: UserAttributes::from([(
                    "department".to_owned(),
                    department.to_owned(),
                )]),
                version: viewer.version,
            },
        )
        .await
        .unwrap();
    // The next request reads the attributes with the user.
    let tokens = world
        .services
        .auth
        .login("viewer@example.com", "Viewer123!")
        .await
        .unwrap();
    world
        .services
        .auth
        .authenticate(&tokens.access_token)
        .await
        .unwrap()
}

fn finance_page(slug: &str) -> NewPage {
    NewPage {
        slug: slug.into(),
        title: "Finance close".into(),
        definition: json!({"schema_version": 1, "access": "department == 'Finance'", "layout": {"widgets": [
            {"id": "all", "type": "text", "props": {"text": "for everyone here"},
             "position": {"desktop": {"x": 0, "y": 0, "w": 4, "h": 2}}},
            {"id": "eu", "type": "text", "props": {"text": "EU numbers"},
             "position": {"desktop": {"x": 4, "y": 0, "w": 4, "h": 2}},
             "visibility": {"condition": "region in ['EU', 'UK']"}}
        ]}}),
        publish: true,
    }
}

#[tokio::test]
async fn a_finance_only_page_does_not_exist_for_someone_in_hr() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let created = pages
            .create(&world.admin, finance_page("finance-close"))
            .await
            .unwrap();
        let hr = set_department(&world, "HR").await;
        assert_eq!(hr.attributes["department"], "HR");
        let listed = pages.list_for(&hr).await.unwrap();
        assert!(
            listed.iter().all(|page| page.slug != "finance-close"),
            "{}",
            world.label
        );
        let refused = pages
            .render_by_id(&hr, created.id, false, &Default::default())
            .await
            .unwrap_err();
        assert!(matches!(refused, Error::NotFound("page")), "{refused:?}");
        assert!(matches!(
            pages
                .render_by_slug(&hr, "finance-close", false, false)
                .await,
            Err(Error::NotFound("page"))
        ));

        let finance = set_department(&world, "Finance").await;
        assert!(
            pages
                .list_for(&finance)
                .await
                .unwrap()
                .iter()
                .any(|page| page.slug == "finance-close")
        );
        let seen = pages
            .render_by_id(&finance, created.id, false, &Default::default())
            .await
            .unwrap();
        let ids: Vec<&str> = seen
            .definition
            .layout
            .widgets
            .iter()
            .map(|w| w.id.as_str())
            .collect();
        assert_eq!(ids, ["all"], "{}: no region, no EU widget", world.label);

        // The admin who edits pages sees the page and, being in no region, not the widget.
        let as_admin = pages
            .render_by_id(&world.admin, created.id, false, &Default::default())
            .await
            .unwrap();
        assert_eq!(as_admin.definition.layout.widgets.len(), 1);
    }
}

#[tokio::test]
async fn a_malformed_condition_is_refused_on_save_naming_the_field_and_column() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let mut new = finance_page("broken-access");
        new.definition["access"] = json!("department = 'Finance'");
        let err = world
            .services
            .pages
            .create(&world.admin, new)
            .await
            .unwrap_err();
        let Error::Validation(issues) = err else {
            panic!("{}: {err:?}", world.label);
        };
        assert_eq!(issues[0].path, "definition.access");
        assert_eq!(issues[0].message, "at column 12: use == to compare");
    }
}
