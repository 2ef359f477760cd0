//! The users screen (`/admin/users`, Admin): name, email, role, status and last sign-in of
//! everyone in the organization, with search (a plain GET form), add user, edit name, role
//! and attributes, disable / enable, and set-password links.

use domain::{
    Role,
    ids::UserId,
    roles::RoleSummary,
    users::{NewUserRequest, UserAttributes, UserStatus, UserSummary, UserUpdate},
};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

use super::api;
use crate::{
    AppError,
    auth::error_view,
    components::{ListPanel, SelectField, TextField},
};

/// What the screen last did, or why it could not; a link to hand to someone when there is one.
#[derive(Clone, Debug, PartialEq)]
struct Notice {
    text: String,
    link: Option<String>,
    failed: bool,
}

impl Notice {
    fn done(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            link: None,
            failed: false,
        }
    }

    fn failed(err: &AppError) -> Self {
        Self {
            text: err.summary(),
            link: None,
            failed: true,
        }
    }
}

/// A set-password link as the admin copies it: this server's origin and the link's path.
fn full_link(path: &str) -> String {
    let origin = window().location().origin().unwrap_or_default();
    format!("{origin}{path}")
}

/// Every role a user may be given, as `(key, name)` choices.
fn role_options(roles: &[RoleSummary]) -> Vec<(String, String)> {
    roles
        .iter()
        .map(|role| (role.key.clone(), role.name.clone()))
        .collect()
}

#[component]
pub fn UsersAdminPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.with(|query| query.get("q").unwrap_or_default());
    let reloads = RwSignal::new(0_u32);
    let users = Resource::new(
        move || (search(), reloads.get()),
        |(search, _)| api::list_users(search),
    );
    let roles = Resource::new(|| (), |_| api::list_roles());
    let path = use_location().pathname.get_untracked();
    let notice = RwSignal::new(None::<Notice>);
    let editing = RwSignal::new(None::<UserSummary>);
    let reload = Callback::new(move |next: Notice| {
        notice.set(Some(next));
        reloads.update(|n| *n += 1);
    });
    view! {
        <Title text="Users" />
        <Suspense fallback=|| view! { <p class="loading">"Loading users…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    let (users, roles) = match (users.await, roles.await) {
                        (Ok(users), Ok(roles)) => (users, role_options(&roles)),
                        (Err(err), _) | (_, Err(err)) => return error_view(err, path),
                    };
                    let edit_roles = roles.clone();
                    let hydrated = crate::use_hydrated();
                    let summary = match users.len() {
                        0 => "No users match".to_owned(),
                        1 => "1 user".to_owned(),
                        count => format!("{count} users"),
                    };
                    view! {
                        <h1 class="page-title">"Users"</h1>
                        <NoticeLine notice />
                        <div id="users-area" data-hydrated=move || hydrated.get().then_some("true")>
                            <AddUserForm roles=roles.clone() on_done=reload on_failed=Callback::new(move |n| notice.set(Some(n))) />
                            <form method="get" action="/admin/users" class="panel user-search" role="search" aria-label="Search users">
                                <label>"Search by name or email "
                                    <input type="search" name="q" value=search() placeholder="e.g. jane or @finance" />
                                </label>
                                <button type="submit" class="btn-secondary">"Search"</button>
                                {(!search().is_empty()).then(|| view! { <a href="/admin/users" class="btn-link">"Show everyone"</a> })}
                            </form>
                            <ListPanel
                                heading_id="user-list-heading"
                                heading=summary
                                heading_test_id="users-summary"
                                columns=&["Name", "Email", "Role", "Status", "Last sign-in (UTC)", "Actions"]
                                empty="Nobody matches this search. Try part of a name or an email address."
                                rows=users.into_iter().map(|user| view! { <UserRow user editing reload /> }.into_any()).collect()
                            />
                            {move || editing.get().map(|user| view! { <EditUserPanel user roles=edit_roles.clone() editing reload /> })}
                        </div>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

/// Selects a read-only field's whole text on focus, ready to copy.
pub(super) fn select_all(ev: leptos::ev::FocusEvent) {
    event_target::<web_sys::HtmlInputElement>(&ev).select();
}

#[component]
fn NoticeLine(notice: RwSignal<Option<Notice>>) -> impl IntoView {
    view! {
        <div
            role="status"
            data-testid="users-notice"
            class=move || if notice.with(|n| n.as_ref().is_some_and(|n| n.failed)) { "form-error" } else { "form-note" }
            hidden=move || notice.with(Option::is_none)
        >
            {move || notice.get().map(|notice| view! {
                <p>{notice.text}</p>
                {notice.link.map(|link| view! {
                    <label class="prop-field">
                        <span>"Set-password link (copy it and send it to them; it works once)"</span>
                        <input type="text" readonly data-testid="password-link" value=link
                            on:focus=select_all />
                    </label>
                })}
            })}
        </div>
    }
}

#[component]
fn UserRow(
    user: UserSummary,
    editing: RwSignal<Option<UserSummary>>,
    reload: Callback<Notice>,
) -> impl IntoView {
    let id = user.id;
    let name = user.display_name.clone();
    let active = user.status != UserStatus::Disabled;
    let toggle_name = name.clone();
    let toggle = move |_| {
        let name = toggle_name.clone();
        if active {
            let question = format!(
                "Disable {name}? They are signed out at once and cannot sign in until enabled."
            );
            if !window().confirm_with_message(&question).unwrap_or(false) {
                return;
            }
        }
        spawn_local(async move {
            reload.run(match api::set_user_active(id, !active).await {
                Ok(_) if active => Notice::done(format!("{name} is disabled and signed out.")),
                Ok(_) => Notice::done(format!("{name} is enabled.")),
                Err(err) => Notice::failed(&err),
            });
        });
    };
    let reset_name = name.clone();
    let reset = move |_| {
        let name = reset_name.clone();
        spawn_local(async move {
            reload.run(match api::issue_password_link(id).await {
                Ok(link) => Notice {
                    text: format!(
                        "Send {name} this link to choose a new password. It works once, until {} UTC; their current password works until then.",
                        link.expires_at.format("%Y-%m-%d %H:%M")
                    ),
                    link: Some(full_link(&link.path)),
                    failed: false,
                },
                Err(err) => Notice::failed(&err),
            });
        });
    };
    let edited = user.clone();
    let last_login = user
        .last_login_at
        .map(|at| at.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "never".to_owned());
    view! {
        <tr data-user-email=user.email.clone()>
            <td>{name.clone()}</td>
            <td>{user.email.clone()}</td>
            <td>{user.role_label.clone()}</td>
            <td><span class=format!("badge status-{}", user.status.label().to_lowercase())>{user.status.label()}</span></td>
            <td>{last_login}</td>
            <td class="actions">
                <button type="button" class="btn-secondary" aria-label=format!("Edit {name}")
                    on:click=move |_| editing.set(Some(edited.clone()))>"Edit"</button>
                <button type="button" class="btn-secondary" aria-label=format!("{} {name}", if active { "Disable" } else { "Enable" })
                    on:click=toggle>{if active { "Disable" } else { "Enable" }}</button>
                {active.then(|| view! {
                    <button type="button" class="btn-secondary" aria-label=format!("Reset password of {name}")
                        on:click=reset.clone()>"Reset password"</button>
                })}
            </td>
        </tr>
    }
}

#[component]
fn AddUserForm(
    roles: Vec<(String, String)>,
    on_done: Callback<Notice>,
    on_failed: Callback<Notice>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer.as_str().to_owned());
    let password = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        let request = NewUserRequest {
            email: email.get_untracked(),
            display_name: name.get_untracked(),
            role: role.get_untracked(),
            password: Some(password.get_untracked()).filter(|p| !p.is_empty()),
        };
        spawn_local(async move {
            match api::create_user(request).await {
                Ok(created) => {
                    let who = created.user.display_name.clone();
                    on_done.run(match created.password_link {
                        Some(link) => Notice {
                            text: format!(
                                "Added {who}. Send them this link to choose a password; it works once, until {} UTC.",
                                link.expires_at.format("%Y-%m-%d %H:%M")
                            ),
                            link: Some(full_link(&link.path)),
                            failed: false,
                        },
                        None => Notice::done(format!("Added {who}. They can sign in with the password you set.")),
                    });
                    for field in [name, email, password] {
                        field.set(String::new());
                    }
                }
                Err(err) => on_failed.run(Notice::failed(&err)),
            }
            pending.set(false);
        });
    };
    view! {
        <section class="panel" aria-labelledby="add-user-heading">
            <h2 id="add-user-heading">"Add user"</h2>
            <form class="new-page" on:submit=submit>
                <TextField label="Name" value=name on_input=Callback::new(move |v| name.set(v)) required=true autocomplete="off" />
                <TextField label="Email" value=email on_input=Callback::new(move |v| email.set(v)) input_type="email" required=true autocomplete="off" />
                <SelectField label="Role" value=role on_change=Callback::new(move |v| role.set(v)) options=roles />
                <TextField
                    label="Initial password (optional)"
                    value=password
                    on_input=Callback::new(move |v| password.set(v))
                    input_type="password"
                    autocomplete="new-password"
                    placeholder="Leave empty to get a set-password link"
                />
                <button type="submit" class="btn-primary" prop:disabled=move || pending.get()>"Add user"</button>
            </form>
        </section>
    }
}

/// One attribute row being edited; the id keeps rows apart while keys are typed.
#[derive(Clone, Debug, PartialEq)]
struct AttributeRow {
    id: usize,
    key: RwSignal<String>,
    value: RwSignal<String>,
}

fn attribute_rows(attributes: &UserAttributes) -> Vec<AttributeRow> {
    attributes
        .iter()
        .enumerate()
        .map(|(id, (key, value))| AttributeRow {
            id,
            key: RwSignal::new(key.clone()),
            value: RwSignal::new(value.clone()),
        })
        .collect()
}

#[component]
fn EditUserPanel(
    user: UserSummary,
    roles: Vec<(String, String)>,
    editing: RwSignal<Option<UserSummary>>,
    reload: Callback<Notice>,
) -> impl IntoView {
    let id: UserId = user.id;
    let version = user.version;
    let name = RwSignal::new(user.display_name.clone());
    let role = RwSignal::new(user.role.clone());
    let rows = RwSignal::new(attribute_rows(&user.attributes));
    let next_id = StoredValue::new(user.attributes.len());
    let error = RwSignal::new(None::<String>);
    let add_row = move |_| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        rows.update(|rows| {
            rows.push(AttributeRow {
                id,
                key: RwSignal::new(String::new()),
                value: RwSignal::new(String::new()),
            })
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let attributes: UserAttributes = rows
            .get_untracked()
            .iter()
            .map(|row| {
                (
                    row.key.get_untracked().trim().to_owned(),
                    row.value.get_untracked().trim().to_owned(),
                )
            })
            .filter(|(key, _)| !key.is_empty())
            .collect();
        let update = UserUpdate {
            display_name: name.get_untracked(),
            role: role.get_untracked(),
            attributes,
            version,
        };
        spawn_local(async move {
            match api::update_user(id, update).await {
                Ok(saved) => {
                    editing.set(None);
                    reload.run(Notice::done(format!("Saved {}.", saved.display_name)));
                }
                Err(err) => error.set(Some(err.summary())),
            }
        });
    };
    let heading = format!("Edit {}", user.display_name);
    view! {
        <section class="panel" aria-labelledby="edit-user-heading" data-testid="edit-user">
            <h2 id="edit-user-heading">{heading}</h2>
            <p class="muted">{user.email.clone()}</p>
            <form class="form-stack" on:submit=save>
                <TextField label="Name" value=name on_input=Callback::new(move |v| name.set(v)) required=true />
                <SelectField label="Role" value=role on_change=Callback::new(move |v| role.set(v)) options=roles />
                <fieldset class="attributes">
                    <legend>"Attributes"</legend>
                    <p class="muted">"Used by access conditions, e.g. department = Finance, region = EU."</p>
                    <For each=move || rows.get() key=|row| row.id let:row>
                        <div class="attribute-row">
                            <TextField label="Attribute" value=row.key on_input=Callback::new(move |v| row.key.set(v)) placeholder="department" />
                            <TextField label="Value" value=row.value on_input=Callback::new(move |v| row.value.set(v)) placeholder="Finance" />
                            <button type="button" class="btn-link" aria-label=move || format!("Remove attribute {}", row.key.get())
                                on:click=move |_| rows.update(|rows| rows.retain(|other| other.id != row.id))>"Remove"</button>
                        </div>
                    </For>
                    <button type="button" class="btn-secondary" on:click=add_row>"Add attribute"</button>
                </fieldset>
                <p role="alert" class="form-error" hidden=move || error.with(Option::is_none)>{move || error.get()}</p>
                <div class="builder-group">
                    <button type="submit" class="btn-primary">"Save"</button>
                    <button type="button" class="btn-secondary" on:click=move |_| editing.set(None)>"Cancel"</button>
                </div>
            </form>
        </section>
    }
}
