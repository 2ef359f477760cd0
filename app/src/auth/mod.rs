//! Who is signed in, the sign-in page, and how pages react to missing or insufficient
//! sessions.

pub mod api;

use domain::{ErrorCode, dto::SessionUser};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Redirect,
    hooks::{use_location, use_query_map},
};

use crate::AppError;

pub type SessionResource = Resource<Result<Option<SessionUser>, AppError>>;

pub fn provide_session_context() {
    let session: SessionResource = Resource::new(|| (), |_| api::get_session());
    provide_context(session);
}

pub fn use_session_resource() -> SessionResource {
    expect_context::<SessionResource>()
}

/// Percent-encodes a same-site path for use as the `next` query parameter.
pub fn login_path(next: &str) -> String {
    format!("/login?next={}", encode_next(next))
}

/// A path as a query value: readable path characters kept, everything else escaped.
fn encode_next(next: &str) -> String {
    next.chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '/' | '-' | '_' | '.' | '~' => c.to_string(),
            other => other
                .to_string()
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect(),
        })
        .collect()
}

/// Renders a failed load: unauthenticated visitors go to sign-in (and come back after),
/// others see what went wrong in plain words.
pub fn error_view(err: AppError, current_path: String) -> AnyView {
    match err.code() {
        ErrorCode::Unauthenticated => view! { <Redirect path=login_path(&current_path) /> }.into_any(),
        ErrorCode::Forbidden => view! {
            <section class="empty-state" data-testid="forbidden">
                <Title text="Access denied" />
                <h1>"Access denied"</h1>
                <p>"Your role does not include this area. "<a href="/">"Go to your home page"</a></p>
            </section>
        }
        .into_any(),
        ErrorCode::NotFound => view! {
            <section class="empty-state">
                <Title text="Not found" />
                <h1>"Not found"</h1>
                <p>{err.message().to_owned()} " "<a href="/">"Go to your home page"</a></p>
            </section>
        }
        .into_any(),
        _ => view! {
            <section class="empty-state" role="alert">
                <h1>"Something went wrong"</h1>
                <p>{err.message().to_owned()}</p>
                <p><a href=current_path>"Try again"</a></p>
            </section>
        }
        .into_any(),
    }
}

/// Renders its children with the signed-in user; sends everyone else to sign in.
#[component]
pub fn SessionView<F, IV>(children: F) -> impl IntoView
where
    F: Fn(SessionUser) -> IV + Clone + Send + Sync + 'static,
    IV: IntoView + 'static,
{
    let session = use_session_resource();
    let path = use_location().pathname.get_untracked();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                let path = path.clone();
                Suspend::new(async move {
                    match session.await {
                        Ok(Some(user)) => children(user).into_any(),
                        Ok(None) => view! { <Redirect path=login_path(&path) /> }.into_any(),
                        Err(err) => error_view(err, path),
                    }
                })
            }}
        </Suspense>
    }
}

/// The sign-in form. A plain HTML form posting to the login endpoint, so it works before
/// (and without) WebAssembly; the server answers with cookies and a redirect.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("error");
    let failed = move || error().as_deref() == Some("invalid");
    let throttled = move || error().as_deref() == Some("throttled");
    let refused = move || error().as_deref().and_then(domain::sso::SsoRefusal::parse);
    let options = Resource::new(|| (), |_| api::sign_in_options());
    let signed_out = move || query.read().get("signed_out").is_some();
    let password_set = move || query.read().get("password_set").is_some();
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <Title text="Sign in" />
        <section class="login-card">
            <h1 class="text-2xl font-semibold mb-4">"Sign in"</h1>
            <Show when=failed>
                <p role="alert" class="form-error">"Invalid email or password."</p>
            </Show>
            <Show when=throttled>
                <p role="alert" class="form-error">
                    "Too many failed sign-ins. Wait a few minutes, then try again."
                </p>
            </Show>
            {move || refused().map(|refusal| view! {
                <p role="alert" class="form-error" data-testid="sign-in-refused" data-reason=refusal.code()>
                    {refusal.message()}
                </p>
            })}
            <Show when=signed_out>
                <p role="status" class="form-note">"You have been signed out."</p>
            </Show>
            <Show when=password_set>
                <p role="status" class="form-note">"Your password is set. Sign in with it."</p>
            </Show>
            <form method="post" action="/api/auth/login" class="form-stack">
                <input type="hidden" name="next" value=next />
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" autocomplete="username" required autofocus />
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required />
                <button type="submit" class="btn-primary">"Sign in"</button>
            </form>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let label = options.await.ok().and_then(|options| options.single_sign_on)?;
                    let target = match next() {
                        next if next.is_empty() => "/api/auth/oidc/start".to_owned(),
                        next => format!("/api/auth/oidc/start?next={}", encode_next(&next)),
                    };
                    // External: the browser itself goes there (the router would look for a page).
                    Some(view! {
                        <div class="sso-choice">
                            <p class="muted">"or"</p>
                            <a class="btn-secondary sso-button" href=target rel="external" data-testid="sign-in-sso">{label}</a>
                        </div>
                    })
                })}
            </Suspense>
        </section>
    }
}

/// Choosing a password with a one-time link (`/set-password?token=…`). A plain HTML form,
/// like sign-in: it works before and without WebAssembly.
#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let problem = move || {
        query.read().get("error").map(|error| match error.as_str() {
            "mismatch" => "The two passwords are different. Type the same password twice.",
            "password" => "Passwords need at least 8 characters (and at most 256).",
            _ => "This link has expired or was already used. Ask an admin for a new one.",
        })
    };
    let min_length = domain::users::MIN_PASSWORD_CHARS.to_string();
    view! {
        <Title text="Choose your password" />
        <section class="login-card">
            <h1 class="text-2xl font-semibold mb-4">"Choose your password"</h1>
            {move || problem().map(|problem| view! { <p role="alert" class="form-error">{problem}</p> })}
            {move || if token().is_empty() {
                view! {
                    <p role="alert" class="form-error">
                        "This address has no set-password link in it. Open the whole link you were sent, or ask an admin for a new one."
                    </p>
                }
                .into_any()
            } else {
                let min_length = min_length.clone();
                view! {
                    <form method="post" action="/api/auth/set-password" class="form-stack">
                        <input type="hidden" name="token" value=token />
                        <label for="new-password">"New password"</label>
                        <input id="new-password" name="password" type="password" autocomplete="new-password"
                            minlength=min_length.clone() required autofocus aria-describedby="password-rule" />
                        <p id="password-rule" class="muted">"At least 8 characters."</p>
                        <label for="confirm-password">"Type it again"</label>
                        <input id="confirm-password" name="confirm" type="password" autocomplete="new-password"
                            minlength=min_length required />
                        <button type="submit" class="btn-primary">"Set password"</button>
                    </form>
                }
                .into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::login_path;

    #[test]
    fn login_path_keeps_paths_readable_and_escapes_the_rest() {
        assert_eq!(
            login_path("/p/platform-overview"),
            "/login?next=/p/platform-overview"
        );
        assert_eq!(login_path("/a b&c"), "/login?next=/a%20b%26c");
    }
}
