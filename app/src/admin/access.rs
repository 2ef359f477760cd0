//! Who may use one page (`/admin/pages/:id/access`) or one tool (`/admin/tools/:id/access`):
//! the grants with what each gives, a row to add a person, role or group, and Save. One plain
//! POST form answered with a redirect, so the screen works the same without JavaScript.

use domain::grants::{AccessView, GrantView, GranteeChoice, RightChoice};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

use super::{api, id_param};
use crate::{auth::error_view, components::ListPanel};

/// Which object's access a screen shows.
#[derive(Clone, Copy, PartialEq)]
enum Object {
    Page,
    Tool,
}

impl Object {
    fn noun(self) -> &'static str {
        match self {
            Object::Page => "page",
            Object::Tool => "tool",
        }
    }

    fn base(self, id: i32) -> String {
        match self {
            Object::Page => format!("/admin/pages/{id}"),
            Object::Tool => format!("/admin/tools/{id}"),
        }
    }

    fn explanation(self) -> &'static str {
        match self {
            Object::Page => {
                "Without grants the roles decide: everyone who may view pages sees this one. With grants, only the people, roles and groups named here may use it, each as far as their role allows; everyone else does not see it at all. Admins keep every page."
            }
            Object::Tool => {
                "Without grants the roles decide: every editor may use this tool in pages and every tool manager may change it. With grants, only those named here may; pages that already use it keep working for their viewers. Admins keep every tool."
            }
        }
    }
}

#[component]
pub fn PageAccessPage() -> impl IntoView {
    view! { <AccessScreen object=Object::Page /> }
}

#[component]
pub fn ToolAccessPage() -> impl IntoView {
    view! { <AccessScreen object=Object::Tool /> }
}

#[component]
fn AccessScreen(object: Object) -> impl IntoView {
    let query = use_query_map();
    let id = id_param();
    let access = Resource::new(id, move |id| async move {
        match object {
            Object::Page => api::load_page_access(id).await,
            Object::Tool => api::load_tool_access(id).await,
        }
    });
    let outcome = move || query.with(|query| query.get("outcome"));
    let path = use_location().pathname.get_untracked();
    view! {
        <Title text=format!("Who may use this {}", object.noun()) />
        <Suspense fallback=|| view! { <p class="loading">"Loading who may use it…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    match access.await {
                        Ok(access) => view! { <AccessBody access object outcome=outcome() /> }.into_any(),
                        Err(err) => error_view(err, path),
                    }
                })
            }}
        </Suspense>
    }
}

/// What a redirect back after saving says, from its fixed code.
fn outcome_message(code: &str, noun: &str) -> Option<(bool, String)> {
    Some(match code {
        "saved" => (true, "Saved. The new access applies from the next request.".to_owned()),
        "stale" => (
            false,
            format!("Someone changed who may use this {noun} since you opened it. Here is what they saved; make your change again."),
        ),
        "locked_out" => (
            false,
            format!("Not saved: you would lose access to this {noun} yourself. Keep a grant for yourself, your role or one of your groups."),
        ),
        "invalid" => (
            false,
            "Not saved: a person, role or group chosen is no longer in your organization. Reload and choose again.".to_owned(),
        ),
        _ => return None,
    })
}

#[component]
fn AccessBody(access: AccessView, object: Object, outcome: Option<String>) -> impl IntoView {
    let noun = object.noun();
    let base = object.base(access.id);
    let message = outcome.and_then(|code| outcome_message(&code, noun));
    let rows: Vec<AnyView> = access
        .grants
        .iter()
        .cloned()
        .map(|grant| view! { <GrantRow grant rights=access.rights.clone() /> }.into_any())
        .collect();
    let audit = format!(
        "/admin/audit?resource_type={noun}&resource_id={}&action={noun}.access",
        access.id
    );
    let header = view! {
        <h1 class="page-title">{format!("Who may use {}", access.name)}</h1>
        <p class="builder-group">
            <a href=format!("{base}/access/history") data-testid="access-history">"Earlier grants"</a>
            <a href=format!("{base}/history")>{format!("History of the {noun}")}</a>
            <a href=audit>"Access changes in the audit trail"</a>
        </p>
        {message.map(|(saved, text)| if saved {
            view! { <p role="status" class="form-note" data-testid="access-outcome">{text}</p> }.into_any()
        } else {
            view! { <p role="alert" class="form-error" data-testid="access-outcome">{text}</p> }.into_any()
        })}
        <p class="muted" data-testid="access-explanation">{object.explanation()}</p>
    }
    .into_any();
    let heading = if access.grants.is_empty() {
        "Grants: none, the roles decide".to_owned()
    } else {
        format!("Grants ({})", access.grants.len())
    };
    let grants = view! {
        <ListPanel
            heading_id="grants-heading"
            heading
            columns=&["Who", "Kind", "Access", "Note"]
            empty=format!("Nobody is named yet, so the roles decide who may use this {noun}. Add a person, role or group below to restrict it.")
            rows
            table_class="grants-table"
            heading_test_id="grants-heading"
        />
    }
    .into_any();
    let add = view! { <AddGrant choices=access.choices.clone() rights=access.rights.clone() /> }
        .into_any();
    view! {
        {header}
        <form method="post" action=format!("/api/{noun}s/{}/access", access.id) aria-label="Grants">
            <input type="hidden" name="base_revision" value=access.revision />
            {grants}
            {add}
            <p class="form-actions">
                <button type="submit" class="btn-primary" data-testid="save-access">"Save access"</button>
            </p>
        </form>
    }
}

/// One grant: who, and a choice of what it gives or "No access" to remove it.
#[component]
fn GrantRow(grant: GrantView, rights: Vec<RightChoice>) -> impl IntoView {
    let GrantView {
        grantee,
        right,
        note,
        ..
    } = grant;
    let label = format!("Access for {}", grantee.name);
    view! {
        <tr data-testid="grant-row" data-grantee=grantee.key.clone()>
            <th scope="row">
                <input type="hidden" name="grantee" value=grantee.key.clone() />
                {grantee.name.clone()}
            </th>
            <td>{grantee.kind.clone()}</td>
            <td>
                <select name="right" aria-label=label>
                    {rights.into_iter().map(|choice| {
                        let selected = choice.key == right;
                        view! { <option value=choice.key selected=selected>{choice.label}</option> }
                    }).collect_view()}
                    <option value="none">"No access (remove)"</option>
                </select>
            </td>
            <td class="muted">{note}</td>
        </tr>
    }
}

/// Adds one person, role or group with a right; left on its placeholder it adds nobody.
#[component]
fn AddGrant(choices: Vec<GranteeChoice>, rights: Vec<RightChoice>) -> impl IntoView {
    let group = |kind: &'static str, label: &'static str| {
        let options: Vec<GranteeChoice> = choices
            .iter()
            .filter(|choice| choice.kind == kind)
            .cloned()
            .collect();
        (!options.is_empty()).then(|| {
            view! {
                <optgroup label=label>
                    {options.into_iter().map(|choice| view! { <option value=choice.key>{choice.name}</option> }).collect_view()}
                </optgroup>
            }
            .into_any()
        })
    };
    view! {
        <fieldset class="panel add-grant">
            <legend>"Add a grant"</legend>
            <label>
                "Person, role or group"
                <select name="grantee" data-testid="add-grantee">
                    <option value="">"Choose…"</option>
                    {group("Role", "Roles")}
                    {group("Group", "Groups")}
                    {group("Person", "People")}
                </select>
            </label>
            <label>
                "Access"
                <select name="right" data-testid="add-right">
                    {rights.into_iter().map(|choice| view! { <option value=choice.key>{choice.label}</option> }).collect_view()}
                </select>
            </label>
        </fieldset>
    }
}
