//! The roles screen (`/admin/roles`, Admin): the five built-in roles with what they allow,
//! and the organization's custom roles, made, changed and deleted from the list of actions.

use domain::{
    Action,
    roles::{RoleDraft, RoleSummary},
};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use super::api;
use crate::{auth::error_view, components::ListPanel};

#[component]
pub fn RolesAdminPage() -> impl IntoView {
    let reloads = RwSignal::new(0_u32);
    let roles = Resource::new(move || reloads.get(), |_| api::list_roles());
    let path = use_location().pathname.get_untracked();
    let notice = RwSignal::new(None::<(String, bool)>);
    let editing = RwSignal::new(None::<RoleSummary>);
    let done = Callback::new(move |text: String| {
        notice.set(Some((text, false)));
        editing.set(None);
        reloads.update(|n| *n += 1);
    });
    let failed = Callback::new(move |text: String| notice.set(Some((text, true))));
    view! {
        <Title text="Roles" />
        <Suspense fallback=|| view! { <p class="loading">"Loading roles…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    let roles = match roles.await {
                        Ok(roles) => roles,
                        Err(err) => return error_view(err, path),
                    };
                    let hydrated = crate::use_hydrated();
                    let rows = roles
                        .into_iter()
                        .map(|role| view! { <RoleRow role editing done failed /> }.into_any())
                        .collect();
                    view! {
                        <h1 class="page-title">"Roles"</h1>
                        <p
                            role="status"
                            data-testid="roles-notice"
                            class=move || if notice.with(|n| n.as_ref().is_some_and(|n| n.1)) { "form-error" } else { "form-note" }
                            hidden=move || notice.with(Option::is_none)
                        >
                            {move || notice.get().map(|n| n.0)}
                        </p>
                        <div id="roles-area" data-hydrated=move || hydrated.get().then_some("true")>
                            <ListPanel
                                heading_id="roles-heading"
                                heading="Roles"
                                columns=&["Role", "Kind", "May", "Users", "Actions"]
                                empty="No roles."
                                rows
                            />
                            {move || match editing.get() {
                                Some(role) => view! { <RoleForm role=Some(role) done failed /> }.into_any(),
                                None => view! { <RoleForm role=None done failed /> }.into_any(),
                            }}
                        </div>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn RoleRow(
    role: RoleSummary,
    editing: RwSignal<Option<RoleSummary>>,
    done: Callback<String>,
    failed: Callback<String>,
) -> impl IntoView {
    let may: Vec<&str> = role.actions.iter().map(|action| action.label()).collect();
    let name = role.name.clone();
    let key = role.key.clone();
    let delete = move |_| {
        let (key, name) = (key.clone(), name.clone());
        if !window()
            .confirm_with_message(&format!("Delete the role {name}?"))
            .unwrap_or(false)
        {
            return;
        }
        spawn_local(async move {
            match api::delete_role(key).await {
                Ok(()) => done.run(format!("Deleted the role {name}.")),
                Err(err) => failed.run(err.summary()),
            }
        });
    };
    let edited = role.clone();
    let name = role.name.clone();
    view! {
        <tr data-role=role.key.clone()>
            <td>{role.name.clone()}<div class="muted"><code>{role.key.clone()}</code></div></td>
            <td>{if role.built_in { "Built-in" } else { "Custom" }}</td>
            <td>{may.join(", ")}</td>
            <td>{role.users}</td>
            <td class="actions">
                {(!role.built_in).then(|| view! {
                    <a class="btn-secondary" href=format!("/admin/roles/{}/history", role.key) aria-label=format!("History of {name}")>"History"</a>
                    <button type="button" class="btn-secondary" aria-label=format!("Edit {name}")
                        on:click=move |_| editing.set(Some(edited.clone()))>"Edit"</button>
                    <button type="button" class="btn-secondary" aria-label=format!("Delete {name}")
                        on:click=delete.clone()>"Delete"</button>
                })}
            </td>
        </tr>
    }
}

/// Creates a role (`role` is `None`) or changes one.
#[component]
fn RoleForm(
    role: Option<RoleSummary>,
    done: Callback<String>,
    failed: Callback<String>,
) -> impl IntoView {
    let creating = role.is_none();
    let version = role.as_ref().map_or(0, |role| role.version);
    let key = RwSignal::new(role.as_ref().map(|r| r.key.clone()).unwrap_or_default());
    let name = RwSignal::new(role.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let chosen = RwSignal::new(role.as_ref().map(|r| r.actions.clone()).unwrap_or_default());
    let heading = match &role {
        Some(role) => format!("Edit {}", role.name),
        None => "New role".to_owned(),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = RoleDraft {
            key: key.get_untracked(),
            name: name.get_untracked(),
            actions: chosen
                .get_untracked()
                .iter()
                .map(|action| action.as_str().to_owned())
                .collect(),
            version,
        };
        spawn_local(async move {
            match api::save_role(draft, creating).await {
                Ok(saved) => done.run(format!("Saved the role {}.", saved.name)),
                Err(err) => failed.run(err.summary()),
            }
        });
    };
    let boxes = Action::ALL
        .into_iter()
        .map(|action| {
            view! {
                <label class="prop-check">
                    <input type="checkbox" prop:checked=move || chosen.with(|c| c.contains(&action)) on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        chosen.update(|c| {
                            c.retain(|a| *a != action);
                            if on { c.push(action); }
                        });
                    } />
                    <span>{action.label()}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="role-form-heading" data-testid="role-form">
            <h2 id="role-form-heading">{heading}</h2>
            <form class="form-stack" on:submit=submit>
                <label class="prop-field">
                    <span>"Name"</span>
                    <input type="text" required prop:value=move || name.get() on:input=move |ev| {
                        let text = event_target_value(&ev);
                        if creating { key.set(super::pages::slug_from(&text)); }
                        name.set(text);
                    } />
                </label>
                <label class="prop-field">
                    <span>"Key (stored on users, cannot change later)"</span>
                    <input type="text" required readonly=!creating prop:value=move || key.get()
                        on:input=move |ev| key.set(event_target_value(&ev)) />
                </label>
                <fieldset class="attributes">
                    <legend>"May"</legend>
                    {boxes}
                </fieldset>
                <button type="submit" class="btn-primary">{if creating { "Create role" } else { "Save role" }}</button>
            </form>
        </section>
    }
}
