//! The provisioning screen (`/admin/provisioning`, Admin): the SCIM endpoint an identity
//! provider (Entra ID, Okta) pushes users and groups to, its bearer tokens (shown once,
//! listed, revoked), the role each group grants its members, and single sign-on.

use domain::scim::{GroupSummary, IssuedScimToken, ScimTokenSummary};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use super::{
    api,
    single_sign_on::{AddGroupForm, SingleSignOnPanel},
    users::select_all,
};
use crate::{
    auth::error_view,
    components::{ListPanel, SelectField, TextField},
};

/// The path SCIM clients use under this server's origin.
const SCIM_PATH: &str = "/scim/v2";

/// What the screen last did (`false`) or why it could not (`true`).
type Notice = Option<(String, bool)>;

#[component]
pub fn ProvisioningPage() -> impl IntoView {
    let reloads = RwSignal::new(0_u32);
    let tokens = Resource::new(move || reloads.get(), |_| api::list_scim_tokens());
    let groups = Resource::new(move || reloads.get(), |_| api::list_groups());
    let roles = Resource::new(|| (), |_| api::list_roles());
    let sso = Resource::new(|| (), |_| api::load_sso_settings());
    let path = use_location().pathname.get_untracked();
    let notice = RwSignal::new(None::<(String, bool)>);
    let issued = RwSignal::new(None::<IssuedScimToken>);
    let done = Callback::new(move |text: String| {
        notice.set(Some((text, false)));
        reloads.update(|n| *n += 1);
    });
    let failed = Callback::new(move |text: String| notice.set(Some((text, true))));
    view! {
        <Title text="Provisioning" />
        <Suspense fallback=|| view! { <p class="loading">"Loading provisioning…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    let loaded = (tokens.await, groups.await, roles.await, sso.await);
                    let (tokens, groups, roles, sso) = match loaded {
                        (Ok(tokens), Ok(groups), Ok(roles), Ok(sso)) => (tokens, groups, roles, sso),
                        (Err(err), ..) | (_, Err(err), ..) | (_, _, Err(err), _) | (.., Err(err)) => {
                            return error_view(err, path);
                        }
                    };
                    let mut choices = vec![(String::new(), "No role".to_owned())];
                    choices.extend(roles.into_iter().map(|role| (role.key, role.name)));
                    let hydrated = crate::use_hydrated();
                    let token_rows = tokens
                        .into_iter()
                        .map(|token| view! { <TokenRow token done failed /> }.into_any())
                        .collect();
                    let group_rows = groups
                        .into_iter()
                        .map(|group| view! { <GroupRow group choices=choices.clone() done failed /> }.into_any())
                        .collect();
                    let group_choices = choices.clone();
                    view! {
                        <h1 class="page-title">"Provisioning"</h1>
                        <NoticeLine notice />
                        <div id="provisioning-area" data-hydrated=move || hydrated.get().then_some("true")>
                            <EndpointPanel />
                            <IssueTokenForm issued done failed />
                            {move || issued.get().map(|token| view! { <IssuedTokenPanel token /> })}
                            <ListPanel
                                heading_id="scim-tokens-heading"
                                heading="Tokens"
                                columns=&["Label", "Issued (UTC)", "Last used (UTC)", "Status", "Actions"]
                                empty="No tokens yet. Issue one above and paste it into your identity provider."
                                rows=token_rows
                            />
                            <ListPanel
                                heading_id="groups-heading"
                                heading="Groups"
                                columns=&["Group", "External id", "Members", "Grants role"]
                                empty="No groups yet. They appear here when your identity provider pushes them, or when you add one below."
                                rows=group_rows
                            />
                            <p>
                                <a href="/admin/settings/group_roles/history" data-testid="group-roles-history">
                                    "History of the roles groups grant"
                                </a>
                            </p>
                            <AddGroupForm choices=group_choices done failed />
                            <SingleSignOnPanel settings=sso done failed />
                        </div>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn NoticeLine(notice: RwSignal<Notice>) -> impl IntoView {
    view! {
        <p
            role="status"
            data-testid="provisioning-notice"
            class=move || if notice.with(|n| n.as_ref().is_some_and(|n| n.1)) { "form-error" } else { "form-note" }
            hidden=move || notice.with(Option::is_none)
        >
            {move || notice.get().map(|n| n.0)}
        </p>
    }
}

/// The SCIM base URL and how groups turn into roles.
#[component]
fn EndpointPanel() -> impl IntoView {
    // The origin is the browser's; until it is known the path alone is shown.
    let endpoint = RwSignal::new(SCIM_PATH.to_owned());
    Effect::new(move |_| {
        let origin = window().location().origin().unwrap_or_default();
        endpoint.set(format!("{origin}{SCIM_PATH}"));
    });
    view! {
        <section class="panel" aria-labelledby="scim-endpoint-heading">
            <h2 id="scim-endpoint-heading">"SCIM 2.0 endpoint"</h2>
            <label class="prop-field">
                <span>"Tenant URL (paste it into your identity provider's provisioning settings)"</span>
                <input type="text" readonly data-testid="scim-endpoint" prop:value=move || endpoint.get() on:focus=select_all />
            </label>
            <p class="muted">
                "Users pushed here join this organization as Viewers. A group that grants a role gives it to its members; "
                "a member of several groups gets the most capable of their roles, and goes back to Viewer on leaving the last one."
            </p>
        </section>
    }
}

#[component]
fn IssueTokenForm(
    issued: RwSignal<Option<IssuedScimToken>>,
    done: Callback<String>,
    failed: Callback<String>,
) -> impl IntoView {
    let label = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        let text = label.get_untracked();
        spawn_local(async move {
            match api::issue_scim_token(text).await {
                Ok(token) => {
                    let name = token.summary.label.clone();
                    issued.set(Some(token));
                    label.set(String::new());
                    done.run(format!(
                        "Issued the token {name}. Copy it now: it is not shown again."
                    ));
                }
                Err(err) => failed.run(err.summary()),
            }
            pending.set(false);
        });
    };
    view! {
        <section class="panel" aria-labelledby="issue-token-heading">
            <h2 id="issue-token-heading">"Issue a token"</h2>
            <form class="new-page" on:submit=submit>
                <TextField label="Label" value=label on_input=Callback::new(move |v| label.set(v))
                    required=true autocomplete="off" placeholder="e.g. Entra ID production" />
                <button type="submit" class="btn-primary" prop:disabled=move || pending.get()>"Issue token"</button>
            </form>
        </section>
    }
}

#[component]
fn IssuedTokenPanel(token: IssuedScimToken) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="issued-token-heading" data-testid="issued-token">
            <h2 id="issued-token-heading">{format!("Secret token for {}", token.summary.label)}</h2>
            <label class="prop-field">
                <span>"Secret token (shown this once; revoke it and issue another if it is lost)"</span>
                <input type="text" readonly data-testid="scim-token" value=token.token on:focus=select_all />
            </label>
        </section>
    }
}

fn utc(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

#[component]
fn TokenRow(
    token: ScimTokenSummary,
    done: Callback<String>,
    failed: Callback<String>,
) -> impl IntoView {
    let (id, label) = (token.id, token.label.clone());
    let revoke_label = label.clone();
    let revoke = move |_| {
        let label = revoke_label.clone();
        let question = format!("Revoke {label}? Provisioning with it stops at once.");
        if !window().confirm_with_message(&question).unwrap_or(false) {
            return;
        }
        spawn_local(async move {
            match api::revoke_scim_token(id).await {
                Ok(_) => done.run(format!("Revoked the token {label}.")),
                Err(err) => failed.run(err.summary()),
            }
        });
    };
    let status = if token.revoked { "Revoked" } else { "Active" };
    view! {
        <tr data-token=label.clone()>
            <td>{label.clone()}</td>
            <td>{utc(token.created_at)}</td>
            <td>{token.last_used_at.map_or_else(|| "never".to_owned(), utc)}</td>
            <td><span class=format!("badge status-{}", status.to_lowercase())>{status}</span></td>
            <td class="actions">
                {(!token.revoked).then(|| view! {
                    <button type="button" class="btn-secondary" aria-label=format!("Revoke {label}")
                        on:click=revoke.clone()>"Revoke"</button>
                })}
            </td>
        </tr>
    }
}

#[component]
fn GroupRow(
    group: GroupSummary,
    choices: Vec<(String, String)>,
    done: Callback<String>,
    failed: Callback<String>,
) -> impl IntoView {
    let (id, name) = (group.id, group.display_name.clone());
    let role = RwSignal::new(group.role.clone().unwrap_or_default());
    let change_name = name.clone();
    let change = Callback::new(move |key: String| {
        let name = change_name.clone();
        role.set(key.clone());
        spawn_local(async move {
            match api::set_group_role(id, key).await {
                Ok(saved) => done.run(match saved.role_label {
                    Some(label) => format!("Members of {name} now get the role {label}."),
                    None => format!("{name} no longer grants a role."),
                }),
                Err(err) => failed.run(err.summary()),
            }
        });
    });
    view! {
        <tr data-group=name.clone()>
            <td>{name.clone()}</td>
            <td>{group.external_id.clone().unwrap_or_default()}</td>
            <td>{group.members}</td>
            <td>
                <SelectField label=format!("Role for {name}") value=role on_change=change options=choices />
            </td>
        </tr>
    }
}
