//! SCIM 2.0 as Entra ID provisioning speaks it: a token an admin issues, users created,
//! found by `userName`, disabled and removed before they ever sign in; groups whose role
//! an admin maps; SCIM's error shape; and tokens that stop working when revoked or that
//! belong to another organization.

use domain::scim::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA};

use super::*;

const SCIM_JSON: &str = "application/scim+json";

struct Provisioner<'a> {
    app: &'a TestApp,
    token: String,
}

impl Provisioner<'_> {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .app
            .client()
            .request(method, self.app.url(&format!("/scim/v2{path}")))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, SCIM_JSON)
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        if status != StatusCode::NO_CONTENT {
            assert_eq!(
                response.headers()[header::CONTENT_TYPE],
                SCIM_JSON,
                "{}: {path}",
                self.app.label
            );
        }
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn patch(&self, path: &str, operations: Value) -> (StatusCode, Value) {
        let body = json!({"schemas": [PATCH_SCHEMA], "Operations": operations});
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> StatusCode {
        self.send(reqwest::Method::DELETE, path, None).await.0
    }
}

async fn issue_token(app: &TestApp, admin: &Client) -> Value {
    let response = admin
        .post(app.url("/api/scim-tokens"))
        .json(&json!({"label": "Entra ID provisioning"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{}", app.label);
    response.json().await.unwrap()
}

async fn provisioner<'a>(app: &'a TestApp, admin: &Client) -> Provisioner<'a> {
    let issued = issue_token(app, admin).await;
    Provisioner {
        app,
        token: issued["token"].as_str().unwrap().to_owned(),
    }
}

fn entra_user(user_name: &str, department: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "externalId": format!("oid-{user_name}"),
        "userName": user_name,
        "active": true,
        "displayName": format!("{user_name} (Entra)"),
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "name": {"formatted": "ignored", "familyName": "Doe", "givenName": "Jane"},
        ENTERPRISE_SCHEMA: {"department": department}
    })
}

async fn listed_user(app: &TestApp, admin: &Client, email: &str) -> Value {
    let listed = app.get_json(admin, &format!("/api/users?q={email}")).await;
    listed["users"][0].clone()
}

async fn assert_scim_error(
    answer: (StatusCode, Value),
    status: StatusCode,
    scim_type: Option<&str>,
) {
    let (got, body) = answer;
    assert_eq!(got, status, "{body}");
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(body["status"], status.as_u16().to_string());
    assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
    assert!(!body["detail"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn an_identity_provider_creates_finds_disables_and_removes_users() {
    for app in apps().await {
        let admin = app.admin().await;
        let issued = issue_token(&app, &admin).await;
        assert!(issued["token"].as_str().unwrap().starts_with("scim_"));
        let listed = app.get_json(&admin, "/api/scim-tokens").await;
        assert_eq!(listed["tokens"][0]["label"], "Entra ID provisioning");
        assert!(
            !listed
                .to_string()
                .contains(issued["token"].as_str().unwrap()),
            "the secret is shown once"
        );
        let scim = Provisioner {
            app: &app,
            token: issued["token"].as_str().unwrap().to_owned(),
        };

        // Without the token, or with a session instead, there is no way in.
        let nobody = Provisioner {
            app: &app,
            token: "scim_wrong".into(),
        };
        assert_scim_error(nobody.get("/Users").await, StatusCode::UNAUTHORIZED, None).await;
        let with_session = admin.get(app.url("/scim/v2/Users")).send().await.unwrap();
        assert_eq!(with_session.status(), StatusCode::UNAUTHORIZED);

        let (status, created) = scim
            .post("/Users", entra_user("Jane.Doe@Example.com", "Finance"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {created}", app.label);
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(created["userName"], "jane.doe@example.com");
        assert_eq!(created["displayName"], "Jane.Doe@Example.com (Entra)");
        assert_eq!(created["externalId"], "oid-Jane.Doe@Example.com");
        assert_eq!(created[ENTERPRISE_SCHEMA]["department"], "Finance");
        assert_eq!(created["meta"]["location"], format!("/scim/v2/Users/{id}"));
        assert_scim_error(
            scim.post("/Users", entra_user("jane.doe@example.com", "Finance"))
                .await,
            StatusCode::CONFLICT,
            Some("uniqueness"),
        )
        .await;
        assert_scim_error(
            scim.post(
                "/Users",
                json!({"schemas": [USER_SCHEMA], "userName": "not an email"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        )
        .await;

        // Entra looks a user up by userName before creating or changing them.
        let (_, found) = scim
            .get("/Users?filter=userName%20eq%20%22JANE.DOE%40example.com%22")
            .await;
        assert_eq!(
            (
                found["totalResults"].as_u64(),
                found["Resources"][0]["id"].as_str()
            ),
            (Some(1), Some(id.as_str()))
        );
        let (_, none) = scim
            .get("/Users?filter=userName%20eq%20%22nobody%40example.com%22")
            .await;
        assert_eq!(none["totalResults"], 0);
        assert_eq!(none["Resources"], json!([]));
        assert_scim_error(
            scim.get("/Users?filter=title%20eq%20%22x%22").await,
            StatusCode::BAD_REQUEST,
            Some("invalidFilter"),
        )
        .await;
        let (_, page) = scim.get("/Users?startIndex=2&count=1").await;
        assert_eq!(
            (page["startIndex"].as_u64(), page["itemsPerPage"].as_u64()),
            (Some(2), Some(1))
        );
        assert!(
            page["totalResults"].as_u64().unwrap() > 2,
            "the seeded users are listed too"
        );

        // The users screen sees them as a Viewer with the department, ready for conditions.
        let shown = listed_user(&app, &admin, "jane.doe@").await;
        assert_eq!(
            (
                shown["role"].as_str(),
                shown["attributes"]["department"].as_str()
            ),
            (Some("viewer"), Some("Finance"))
        );

        let (status, patched) = scim
            .patch(&format!("/Users/{id}"), json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Replace", "path": format!("{ENTERPRISE_SCHEMA}:department"), "value": "Risk"}
            ]))
            .await;
        assert_eq!(status, StatusCode::OK, "{patched}");
        assert_eq!(patched["active"], false);
        let shown = listed_user(&app, &admin, "jane.doe@").await;
        assert_eq!(
            (
                shown["status"].as_str(),
                shown["attributes"]["department"].as_str()
            ),
            (Some("disabled"), Some("Risk"))
        );
        assert_scim_error(
            scim.patch(
                &format!("/Users/{id}"),
                json!([{"op": "Replace", "path": "active", "value": "maybe"}]),
            )
            .await,
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        )
        .await;

        // What the provider did is in the audit trail under its own name.
        let trail = app
            .get_json(
                &admin,
                &format!("/api/audit?resource_type=user&resource_id={id}"),
            )
            .await;
        let actions: Vec<(&str, &str)> = trail["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|record| {
                (
                    record["action"].as_str().unwrap(),
                    record["actor"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(actions, [("user.disable", "scim"), ("user.create", "scim")]);

        assert_eq!(
            scim.delete(&format!("/Users/{id}")).await,
            StatusCode::NO_CONTENT
        );
        assert_scim_error(
            scim.get(&format!("/Users/{id}")).await,
            StatusCode::NOT_FOUND,
            None,
        )
        .await;
        assert_scim_error(
            scim.get("/Users/not-a-number").await,
            StatusCode::NOT_FOUND,
            None,
        )
        .await;
        assert_scim_error(scim.get("/Nothing").await, StatusCode::NOT_FOUND, None).await;

        // A revoked token is refused at once.
        let token_id = issued["summary"]["id"].as_i64().unwrap();
        let revoked = admin
            .post(app.url(&format!("/api/scim-tokens/{token_id}/revoke")))
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), StatusCode::OK);
        assert_scim_error(scim.get("/Users").await, StatusCode::UNAUTHORIZED, None).await;
    }
}

#[tokio::test]
async fn groups_grant_their_members_the_role_an_admin_maps() {
    for app in apps().await {
        let admin = app.admin().await;
        let scim = provisioner(&app, &admin).await;
        let mut ids = Vec::new();
        for name in ["ops.one@example.com", "ops.two@example.com"] {
            let (_, created) = scim.post("/Users", entra_user(name, "Ops")).await;
            ids.push(created["id"].as_str().unwrap().to_owned());
        }
        let (status, group) = scim
            .post(
                "/Groups",
                json!({"schemas": [GROUP_SCHEMA], "displayName": "Platform Editors",
                                     "externalId": "gid-1", "members": [{"value": ids[0]}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {group}", app.label);
        let group_id = group["id"].as_str().unwrap().to_owned();
        assert_eq!(
            group["members"][0]["display"],
            "ops.one@example.com (Entra)"
        );
        assert_scim_error(
            scim.post("/Groups", json!({"displayName": "Platform Editors"}))
                .await,
            StatusCode::CONFLICT,
            Some("uniqueness"),
        )
        .await;
        let (_, found) = scim.get("/Groups?filter=displayName%20eq%20%22Platform%20Editors%22&excludedAttributes=members").await;
        assert_eq!(found["totalResults"], 1);
        assert_eq!(found["Resources"][0]["members"], json!([]));

        // Until an admin maps the group, membership changes no role.
        let role_of = async |email: &str| {
            listed_user(&app, &admin, email).await["role"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(role_of("ops.one@").await, "viewer");
        let groups = app.get_json(&admin, "/api/groups").await;
        assert_eq!(groups["groups"][0]["members"], 1);
        let map = |role: Value| {
            admin
                .put(app.url(&format!("/api/groups/{group_id}/role")))
                .json(&json!({"role": role}))
                .send()
        };
        let unknown = map(json!("wizard")).await.unwrap();
        assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let mapped: Value = map(json!("editor")).await.unwrap().json().await.unwrap();
        assert_eq!(mapped["role_label"], "Editor");
        assert_eq!(role_of("ops.one@").await, "editor");

        // Members who join get the role; members who leave their last such group lose it.
        let (status, _) = scim
            .patch(
                &format!("/Groups/{group_id}"),
                json!([{"op": "Add", "path": "members", "value": [{"value": ids[1]}]}]),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(role_of("ops.two@").await, "editor");
        let (status, _) = scim
            .patch(
                &format!("/Groups/{group_id}"),
                json!([{"op": "Remove", "path": format!("members[value eq \"{}\"]", ids[0])}]),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(role_of("ops.one@").await, "viewer");
        assert_scim_error(
            scim.patch(
                &format!("/Groups/{group_id}"),
                json!([{"op": "Add", "path": "members", "value": [{"value": "999999"}]}]),
            )
            .await,
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        )
        .await;
        assert_eq!(
            role_of("ops.two@").await,
            "editor",
            "a refused change changes nothing"
        );

        assert_eq!(
            scim.delete(&format!("/Groups/{group_id}")).await,
            StatusCode::NO_CONTENT
        );
        assert_eq!(role_of("ops.two@").await, "viewer");
        let trail = app.get_json(&admin, "/api/audit?resource_type=group").await;
        let actions: Vec<&str> = trail["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "group.delete",
                "group.update",
                "group.update",
                "group.update",
                "group.create"
            ]
        );
    }
}

#[tokio::test]
async fn a_token_reaches_only_its_own_organization_and_only_admins_issue_them() {
    for app in apps().await {
        let admin = app.admin().await;
        let finance_admin = app
            .signed_in("admin@finance.example.com", "Finance123!")
            .await;
        let scim = provisioner(&app, &admin).await;
        let finance = provisioner(&app, &finance_admin).await;
        let (_, created) = scim
            .post("/Users", entra_user("kept.apart@example.com", "Ops"))
            .await;
        let id = created["id"].as_str().unwrap();
        assert_scim_error(
            finance.get(&format!("/Users/{id}")).await,
            StatusCode::NOT_FOUND,
            None,
        )
        .await;
        assert_scim_error(
            finance
                .patch(
                    &format!("/Users/{id}"),
                    json!([{"op": "Replace", "path": "active", "value": false}]),
                )
                .await,
            StatusCode::NOT_FOUND,
            None,
        )
        .await;
        assert_eq!(
            finance.delete(&format!("/Users/{id}")).await,
            StatusCode::NOT_FOUND
        );
        let (_, theirs) = finance.get("/Users").await;
        let names: Vec<&str> = theirs["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["userName"].as_str().unwrap())
            .collect();
        assert!(
            names
                .iter()
                .all(|name| name.ends_with("@finance.example.com")),
            "{names:?}"
        );
        assert_eq!(
            app.get_json(&admin, "/api/scim-tokens").await["tokens"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "Finance's token is not listed here"
        );
        let refused = app
            .viewer()
            .await
            .post(app.url("/api/scim-tokens"))
            .json(&json!({"label": "mine"}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
}
