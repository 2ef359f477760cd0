//! The Leptos UI, shared by server rendering and hydration.

pub mod admin;
pub mod auth;
pub mod builder;
pub mod components;
pub mod error;
pub mod portal;
pub mod tools;
pub mod viewer;

#[cfg(feature = "ssr")]
mod ssr;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Redirect, Route, Router, Routes},
    path,
};

use crate::{
    admin::{
        AdminHomePage,
        access::{PageAccessPage, ToolAccessPage},
        approvals::ApprovalsPage,
        audit::AuditTrailPage,
        history::PageHistoryPage,
        object_history::{
            PageAccessHistoryPage, RoleHistoryPage, SettingsHistoryPage, ToolAccessHistoryPage,
            ToolHistoryPage,
        },
        pages::PagesAdminPage,
        provisioning::ProvisioningPage,
        roles::RolesAdminPage,
        users::UsersAdminPage,
    },
    auth::{LoginPage, SessionView, SetPasswordPage, use_session_resource},
    builder::BuilderPage,
    portal::PortalPage,
    tools::ToolsAdminPage,
    viewer::ViewerPage,
};

pub use error::AppError;

/// Puts the `dark` class on the document when the visitor chose the dark theme.
const THEME_SCRIPT: &str = "try{if(localStorage.getItem('theme')==='dark')document.documentElement.classList.add('dark')}catch(e){}";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
                // Applies the saved light/dark choice before the first paint. The code is the
                // script's text: a literal `inner_html` on a static element becomes an attribute.
                <script nonce=leptos::nonce::use_nonce()>{THEME_SCRIPT}</script>
            </head>
            <body class="bg-slate-50 text-slate-900 dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    auth::provide_session_context();
    let hydrated = use_hydrated();

    view! {
        <Stylesheet id="leptos" href="/pkg/platform-builder.css" />
        <Title formatter=document_title />
        <Router>
            <div id="app" class="min-h-screen flex flex-col" data-hydrated=move || hydrated.get().then_some("true")>
                <TopBar />
                <main class="flex-1 w-full max-w-screen-2xl mx-auto px-4 py-6">
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                        <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                        <Route path=path!("/portal") view=PortalPage ssr=SsrMode::Async />
                        <Route path=path!("/admin") view=AdminHomePage ssr=SsrMode::Async />
                        <Route path=path!("/admin/pages") view=PagesAdminPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/tools") view=ToolsAdminPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/audit") view=AuditTrailPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/users") view=UsersAdminPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/roles") view=RolesAdminPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/roles/:key/history") view=RoleHistoryPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/tools/:id/history") view=ToolHistoryPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/provisioning") view=ProvisioningPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/approvals") view=ApprovalsPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/pages/:id/history") view=PageHistoryPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/pages/:id/access") view=PageAccessPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/tools/:id/access") view=ToolAccessPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/pages/:id/access/history") view=PageAccessHistoryPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/settings/:kind/history") view=SettingsHistoryPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/tools/:id/access/history") view=ToolAccessHistoryPage ssr=SsrMode::Async />
                        <Route path=path!("/set-password") view=SetPasswordPage ssr=SsrMode::Async />
                        <Route path=path!("/builder/:id") view=BuilderPage ssr=SsrMode::Async />
                        <Route path=path!("/p/:slug") view=ViewerPage ssr=SsrMode::Async />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

#[component]
fn TopBar() -> impl IntoView {
    let session = use_session_resource();
    view! {
        <header class="topbar">
            <a href="/" class="brand">"Platform Builder"</a>
            <Suspense>
                {move || Suspend::new(async move {
                    match session.await {
                        Ok(Some(user)) => {
                            let allows = |action| user.may(action);
                            let links = [
                                ("/portal", "Dashboards", true),
                                ("/admin", "Admin", allows(domain::Action::OpenAdmin)),
                                ("/admin/tools", "Tools", allows(domain::Action::ManageTools)),
                                ("/admin/pages", "Pages", allows(domain::Action::OpenAdmin)),
                                ("/admin/approvals", "Approvals", allows(domain::Action::PublishPage)),
                                ("/admin/users", "Users", allows(domain::Action::ManageUsers)),
                                ("/admin/roles", "Roles", allows(domain::Action::ManageUsers)),
                                ("/admin/provisioning", "Provisioning", allows(domain::Action::ManageUsers)),
                                ("/admin/audit", "Audit", allows(domain::Action::ReadAudit)),
                            ];
                            view! {
                                <nav aria-label="Main" class="flex items-center gap-4">
                                    {links
                                        .into_iter()
                                        .filter(|(_, _, shown)| *shown)
                                        .map(|(href, label, _)| view! { <a href=href>{label}</a> })
                                        .collect_view()}
                                    <span class="user-chip" data-testid="current-user">
                                        {user.display_name.clone()} " · " {user.role_label().to_owned()}
                                    </span>
                                    <form method="post" action="/api/auth/logout">
                                        <button type="submit" class="btn-link">"Sign out"</button>
                                    </form>
                                </nav>
                            }
                                .into_any()
                        }
                        _ => view! { <a href="/login">"Sign in"</a> }.into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}

/// `/` sends people where they belong: their role's home, or the sign-in page.
#[component]
fn HomePage() -> impl IntoView {
    view! {
        <SessionView let:user>
            <Redirect path=user.home_path() />
        </SessionView>
    }
}

/// Rendered only for addresses no route matches; the server's fallback handler, which
/// renders it, answers 404.
#[component]
fn NotFoundPage() -> impl IntoView {
    view! {
        <Title text="Not found" />
        <section class="empty-state">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. "<a href="/">"Go to your home page"</a></p>
        </section>
    }
}

/// The document title for a page's own title (which editors write).
fn document_title(title: String) -> String {
    title_for_head(if title.is_empty() {
        "Platform Builder".to_owned()
    } else {
        format!("{title} · Platform Builder")
    })
}

#[cfg(feature = "ssr")]
use ssr::title_for_head;

/// In the browser the title becomes `document.title`, which is plain text.
#[cfg(not(feature = "ssr"))]
fn title_for_head(title: String) -> String {
    title
}

/// True once this part of the page has hydrated, i.e. its event handlers are attached.
/// Rendered as `data-hydrated` so tests and scripts know when clicks will be handled;
/// content inside `Suspense` hydrates after the shell, so it carries its own marker.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}
