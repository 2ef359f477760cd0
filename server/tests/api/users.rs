//! Users over REST: an admin adds someone with a set-password link they use without
//! JavaScript, disables a user who is then signed out at once, and cannot remove the last
//! Admin; nobody else may manage users, and another organization's users do not exist.

use super::*;

async fn user_id(app: &TestApp, admin: &Client, email: &str) -> i64 {
    let listed = app.get_json(admin, &format!("/api/users?q={email}")).await;
    listed["users"][0]["id"].as_i64().unwrap()
}

/// Sends the set-password page's HTML form; answers with where the browser goes next.
async fn set_password_form(app: &TestApp, token: &str, password: &str, confirm: &str) -> String {
    let response = app
        .client()
        .post(app.url("/api/auth/set-password"))
        .form(&[
            ("token", token),
            ("password", password),
            ("confirm", confirm),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", app.label);
    response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_invited_user_chooses_a_password_with_the_link_and_signs_in() {
    for app in apps().await {
        let admin = app.admin().await;
        let created = admin
            .post(app.url("/api/users"))
            .json(
                &json!({"email": "nina@example.com", "display_name": "Nina New", "role": "editor"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED, "{}", app.label);
        let created: Value = created.json().await.unwrap();
        assert_eq!(created["user"]["status"], "invited");
        assert!(created["user"].get("password_hash").is_none());
        let path = created["password_link"]["path"].as_str().unwrap();
        let token = path.strip_prefix("/set-password?token=").unwrap();

        let page = app.client().get(app.url(path)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.text().await.unwrap().contains("Choose your password"));

        let mismatch = set_password_form(&app, token, "Chosen123!", "Chosen124!").await;
        assert!(mismatch.ends_with("&error=mismatch"), "{mismatch}");
        let short = set_password_form(&app, token, "short", "short").await;
        assert!(short.ends_with("&error=password"), "{short}");
        let done = set_password_form(&app, token, "Chosen123!", "Chosen123!").await;
        assert_eq!(done, "/login?password_set=1");
        let again = set_password_form(&app, token, "Other123!", "Other123!").await;
        assert!(again.ends_with("&error=link"), "{again}");

        let nina = app.signed_in("nina@example.com", "Chosen123!").await;
        assert_eq!(app.get_json(&nina, "/api/me").await["role"], "editor");
        let listed = app.get_json(&admin, "/api/users?q=nina").await;
        assert_eq!(listed["users"][0]["status"], "active");
        assert!(listed["users"][0]["last_login_at"].is_string());
    }
}

#[tokio::test]
async fn a_disabled_user_is_refused_on_their_next_request() {
    for app in apps().await {
        let admin = app.admin().await;
        let viewer = app.viewer().await;
        assert_eq!(app.get_status(&viewer, "/api/me").await, StatusCode::OK);
        let id = user_id(&app, &admin, "viewer@example.com").await;
        let disabled = admin
            .post(app.url(&format!("/api/users/{id}/disable")))
            .send()
            .await
            .unwrap();
        assert_eq!(disabled.status(), StatusCode::OK, "{}", app.label);
        assert_eq!(
            disabled.json::<Value>().await.unwrap()["status"],
            "disabled"
        );
        assert_eq!(
            app.get_status(&viewer, "/api/me").await,
            StatusCode::UNAUTHORIZED,
            "{}: the open session ends",
            app.label
        );
        let enabled = admin
            .post(app.url(&format!("/api/users/{id}/enable")))
            .send()
            .await
            .unwrap();
        assert_eq!(enabled.status(), StatusCode::OK);
        app.signed_in("viewer@example.com", "Viewer123!").await;
    }
}

#[tokio::test]
async fn the_last_admin_stays_and_edits_against_an_old_version_conflict() {
    for app in apps().await {
        let admin = app.admin().await;
        let id = user_id(&app, &admin, "admin@example.com").await;
        let me = &app.get_json(&admin, "/api/users?q=admin@example.com").await["users"][0];
        let demote = json!({"display_name": me["display_name"], "role": "viewer",
            "attributes": {}, "version": me["version"]});
        let refused = admin
            .put(app.url(&format!("/api/users/{id}")))
            .json(&demote)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::CONFLICT, "{}", app.label);
        let body: Value = refused.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("last active Admin")
        );
        let own = admin
            .post(app.url(&format!("/api/users/{id}/disable")))
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), StatusCode::CONFLICT);

        let viewer_id = user_id(&app, &admin, "viewer@example.com").await;
        let edit = |version: i64| {
            json!({"display_name": "Vic Viewer", "role": "viewer",
                "attributes": {"department": "HR"}, "version": version})
        };
        let first = admin
            .put(app.url(&format!("/api/users/{viewer_id}")))
            .json(&edit(1))
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(
            first.json::<Value>().await.unwrap()["attributes"],
            json!({"department": "HR"})
        );
        let stale = admin
            .put(app.url(&format!("/api/users/{viewer_id}")))
            .json(&edit(1))
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        let bad = admin
            .put(app.url(&format!("/api/users/{viewer_id}")))
            .json(&json!({"display_name": "", "role": "viewer", "attributes": {"Bad Key": "x"}, "version": 2}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let issues: Vec<String> = bad.json::<Value>().await.unwrap()["error"]["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|issue| issue["path"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(issues, ["display_name", "attributes.Bad Key"]);
        // Nothing of a refused edit is kept.
        let unchanged = app.get_json(&admin, "/api/users?q=viewer@").await;
        assert_eq!(unchanged["users"][0]["display_name"], "Vic Viewer");
        assert_eq!(unchanged["users"][0]["version"], 2);
        let unknown_role = admin
            .put(app.url(&format!("/api/users/{viewer_id}")))
            .json(&json!({"display_name": "V", "role": "root", "attributes": {}, "version": 2}))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown_role.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = unknown_role.json().await.unwrap();
        assert_eq!(body["error"]["issues"][0]["path"], "role");
    }
}

#[tokio::test]
async fn only_admins_manage_users_and_only_their_own_organizations() {
    for app in apps().await {
        let admin = app.admin().await;
        let viewer_id = user_id(&app, &admin, "viewer@example.com").await;
        assert_eq!(
            app.get_status(&app.client(), "/api/users").await,
            StatusCode::UNAUTHORIZED
        );
        for (email, password) in [
            ("viewer@example.com", "Viewer123!"),
            ("auditor@example.com", "Auditor123!"),
        ] {
            let client = app.signed_in(email, password).await;
            assert_eq!(
                app.get_status(&client, "/api/users").await,
                StatusCode::FORBIDDEN,
                "{}: {email}",
                app.label
            );
        }
        let finance = app
            .signed_in("admin@finance.example.com", "Finance123!")
            .await;
        let theirs = app.get_json(&finance, "/api/users").await;
        assert!(
            theirs["users"]
                .as_array()
                .unwrap()
                .iter()
                .all(|user| user["email"]
                    .as_str()
                    .unwrap()
                    .ends_with("@finance.example.com")),
            "{theirs}"
        );
        for path in ["disable", "password-link"] {
            let response = finance
                .post(app.url(&format!("/api/users/{viewer_id}/{path}")))
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::NOT_FOUND,
                "{}: {path}",
                app.label
            );
        }
    }
}
