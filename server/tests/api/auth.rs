//! Sign-in, sessions and who may enter which area.

use super::*;

#[test]
fn json_login_sets_http_only_cookies_and_returns_a_token() {
    on_shared_runtime(async {
        for app in apps().await {
            let response = app
                .client()
                .post(app.url("/api/auth/login"))
                .json(&json!({"email": "admin@example.com", "password": "Admin123!"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{}", app.label);
            let cookies: Vec<String> = response
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .map(|value| value.to_str().unwrap().to_owned())
                .collect();
            assert!(
                cookies
                    .iter()
                    .any(|cookie| cookie.starts_with("pb_access=") && cookie.contains("HttpOnly"))
            );
            assert!(
                cookies
                    .iter()
                    .any(|cookie| cookie.starts_with("pb_refresh=") && cookie.contains("HttpOnly"))
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["token_type"], "Bearer");
            assert_eq!(body["user"]["role"], "admin");
            // The token works as a Bearer credential without cookies.
            let me = app
                .client()
                .get(app.url("/api/me"))
                .bearer_auth(body["access_token"].as_str().unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(me.status(), StatusCode::OK);
            assert_eq!(
                me.json::<Value>().await.unwrap()["email"],
                "admin@example.com"
            );
        }
    });
}

#[test]
fn wrong_password_and_unknown_user_get_the_same_401() {
    on_shared_runtime(async {
        for app in apps().await {
            let attempt = |email: &'static str, password: &'static str| {
                let client = app.client();
                let url = app.url("/api/auth/login");
                async move {
                    client
                        .post(url)
                        .json(&json!({"email": email, "password": password}))
                        .send()
                        .await
                        .unwrap()
                }
            };
            let wrong = attempt("admin@example.com", "wrong-password").await;
            let unknown = attempt("nobody@example.com", "Admin123!").await;
            assert_eq!(
                (wrong.status(), unknown.status()),
                (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED),
                "{}",
                app.label
            );
            let (wrong, unknown): (Value, Value) =
                (wrong.json().await.unwrap(), unknown.json().await.unwrap());
            assert_eq!(wrong, unknown);
            assert_eq!(error_code(&wrong), "unauthenticated");
            assert_eq!(wrong["error"]["message"], "Invalid email or password.");
        }
    });
}

#[test]
fn malformed_bodies_get_400_with_a_clear_message() {
    on_shared_runtime(async {
        for app in apps().await {
            let response = app
                .client()
                .post(app.url("/api/auth/login"))
                .header(header::CONTENT_TYPE, "application/json")
                .body("{\"email\": ")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{}", app.label);
            let body: Value = response.json().await.unwrap();
            assert_eq!(error_code(&body), "bad_request");
            assert!(body["error"]["message"].as_str().unwrap().contains("email"));

            let admin = app.admin().await;
            let response = admin
                .post(app.url("/api/pages"))
                .json(&json!({"slug": "x"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
            let body: Value = response.json().await.unwrap();
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("missing field"),
                "{body}"
            );

            let response = admin
                .get(app.url("/api/pages/abc/render"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        }
    });
}

#[test]
fn html_form_login_redirects_by_role_and_back_on_failure() {
    on_shared_runtime(async {
        for app in apps().await {
            let post = |email: &str, password: &str, next: &str| {
                app.client()
                    .post(app.url("/api/auth/login"))
                    .form(&[("email", email), ("password", password), ("next", next)])
                    .send()
            };
            let viewer = post("viewer@example.com", "Viewer123!", "").await.unwrap();
            assert_eq!(viewer.status(), StatusCode::SEE_OTHER, "{}", app.label);
            assert_eq!(viewer.headers()[header::LOCATION], "/portal");
            let admin = post("admin@example.com", "Admin123!", "").await.unwrap();
            assert_eq!(admin.headers()[header::LOCATION], "/admin");
            let back = post("viewer@example.com", "Viewer123!", "/p/platform-overview")
                .await
                .unwrap();
            assert_eq!(back.headers()[header::LOCATION], "/p/platform-overview");
            let offsite = post("viewer@example.com", "Viewer123!", "//evil.example")
                .await
                .unwrap();
            assert_eq!(offsite.headers()[header::LOCATION], "/portal");
            let failed = post("viewer@example.com", "nope", "/p/platform-overview")
                .await
                .unwrap();
            assert_eq!(
                failed.headers()[header::LOCATION],
                "/login?error=invalid&next=%2Fp%2Fplatform-overview"
            );
        }
    });
}

#[test]
fn refresh_rotates_cookies_and_logout_revokes() {
    on_shared_runtime(async {
        for app in apps().await {
            let client = app.viewer().await;
            let refreshed = client
                .post(app.url("/api/auth/refresh"))
                .send()
                .await
                .unwrap();
            assert_eq!(refreshed.status(), StatusCode::OK, "{}", app.label);
            let logout = client
                .post(app.url("/api/auth/logout"))
                .send()
                .await
                .unwrap();
            assert_eq!(logout.status(), StatusCode::NO_CONTENT);
            assert_eq!(
                app.get_status(&client, "/api/me").await,
                StatusCode::UNAUTHORIZED
            );
            assert_eq!(
                client
                    .post(app.url("/api/auth/refresh"))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                StatusCode::UNAUTHORIZED
            );
        }
    });
}

#[test]
fn an_expired_access_cookie_is_renewed_from_the_refresh_cookie() {
    on_shared_runtime(async {
        for app in apps().await {
            let login: Value = app
                .client()
                .post(app.url("/api/auth/login"))
                .json(&json!({"email": "viewer@example.com", "password": "Viewer123!"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(login["access_token"].is_string());
            // Only the refresh cookie: as if the access cookie had expired.
            let raw = app
                .client()
                .post(app.url("/api/auth/login"))
                .json(&json!({"email": "viewer@example.com", "password": "Viewer123!"}))
                .send()
                .await
                .unwrap();
            let refresh_cookie = raw
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .map(|value| {
                    value
                        .to_str()
                        .unwrap()
                        .split(';')
                        .next()
                        .unwrap()
                        .to_owned()
                })
                .find(|cookie| cookie.starts_with("pb_refresh="))
                .unwrap();
            let response = app
                .client()
                .get(app.url("/api/me"))
                .header(header::COOKIE, &refresh_cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{}", app.label);
            assert!(
                response
                    .headers()
                    .get_all(header::SET_COOKIE)
                    .iter()
                    .any(|value| value.to_str().unwrap().starts_with("pb_access="))
            );
        }
    });
}

#[test]
fn signed_out_visitors_are_sent_to_sign_in_and_viewers_kept_out_of_admin() {
    on_shared_runtime(async {
        for app in apps().await {
            let response = app
                .client()
                .get(app.url("/p/platform-overview"))
                .header(header::ACCEPT, "text/html")
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_redirection(),
                "{}: {}",
                app.label,
                response.status()
            );
            assert_eq!(
                response.headers()[header::LOCATION],
                "/login?next=/p/platform-overview"
            );

            let viewer = app.viewer().await;
            let response = viewer.get(app.url("/admin")).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
            assert!(response.text().await.unwrap().contains("Access denied"));

            let admin = app.admin().await;
            let response = admin.get(app.url("/admin")).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let html = response.text().await.unwrap();
            assert!(html.contains("Platform Overview") && html.contains("Databricks (demo)"));
            assert_eq!(
                app.get_status(&admin, "/no/such/page").await,
                StatusCode::NOT_FOUND
            );
        }
    });
}
