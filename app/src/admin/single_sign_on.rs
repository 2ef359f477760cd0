//! Single sign-on on the provisioning screen: which tenant's people sign in to this
//! organization, whether passwords still work, what the server is set up with, and groups
//! added by their object id so the groups in sign-in tokens can grant roles.

use domain::sso::SsoOrganizationSettings;
use leptos::{prelude::*, task::spawn_local};

use super::{api, users::select_all};
use crate::components::{SelectField, TextField};

#[component]
pub fn SingleSignOnPanel(
    settings: SsoOrganizationSettings,
    done: Callback<String>,
    failed: Callback<String>,
) -> impl IntoView {
    let tenant = RwSignal::new(settings.tenant_id.clone().unwrap_or_default());
    let passwords = RwSignal::new(settings.password_sign_in);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        let (tenant_id, password_sign_in) = (tenant.get_untracked(), passwords.get_untracked());
        spawn_local(async move {
            match api::save_sso_settings(tenant_id, password_sign_in).await {
                Ok(saved) => {
                    tenant.set(saved.tenant_id.clone().unwrap_or_default());
                    done.run(match saved.tenant_id {
                        Some(tenant) => format!("Single sign-on saved: people of tenant {tenant} sign in to this organization."),
                        None => "Single sign-on saved: no tenant is linked.".to_owned(),
                    });
                }
                Err(err) => failed.run(err.summary()),
            }
            pending.set(false);
        });
    };
    let claims = &settings.claims;
    let attributes = if claims.attributes.is_empty() {
        "none (OIDC_ATTRIBUTE_CLAIMS)".to_owned()
    } else {
        claims
            .attributes
            .iter()
            .map(|(claim, attribute)| format!("{claim} → {attribute}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let server_part = if settings.configured {
        view! {
            <dl class="facts" data-testid="sso-server">
                <dt>"Provider"</dt><dd>{settings.provider_name.clone()}</dd>
                <dt>"Issuer"</dt><dd>{settings.issuer.clone().unwrap_or_default()}</dd>
                <dt>"Redirect URL (register it with the provider)"</dt>
                <dd><input type="text" readonly value=settings.redirect_url.clone().unwrap_or_default() on:focus=select_all /></dd>
                <dt>"Claims"</dt>
                <dd>{format!("tenant: {}, app roles: {}, groups: {}, attributes: {attributes}", claims.tenant, claims.roles, claims.groups)}</dd>
            </dl>
        }
        .into_any()
    } else {
        view! {
            <p class="muted" data-testid="sso-server">
                "Single sign-on is not set up on this server: set OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URL (see .env.example), then restart."
            </p>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby="sso-heading">
            <h2 id="sso-heading">"Single sign-on"</h2>
            {server_part}
            <p><a href="/admin/settings/sso/history" data-testid="sso-history">"History of these settings"</a></p>
            <p class="muted">
                "People sign in with their identity provider and are created here on their first sign-in. "
                "Their role comes from the token's app roles (matched to a role's name or key), else from the groups below; "
                "with neither, new people are Viewers and others keep their role. Multi-factor authentication is your provider's (Conditional Access)."
            </p>
            <form class="form-stack" on:submit=submit>
                <TextField label="Tenant ID" value=tenant on_input=Callback::new(move |v| tenant.set(v))
                    autocomplete="off" placeholder="e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47" />
                <label class="prop-check">
                    <input type="checkbox" prop:checked=move || passwords.get()
                        on:change=move |ev| passwords.set(event_target_checked(&ev)) />
                    <span>"People may also sign in with a password"</span>
                </label>
                <button type="submit" class="btn-primary" prop:disabled=move || pending.get()>"Save single sign-on"</button>
            </form>
        </section>
    }
}

/// Adds a group by the object id tokens carry, with the role it grants.
#[component]
pub fn AddGroupForm(
    choices: Vec<(String, String)>,
    done: Callback<String>,
    failed: Callback<String>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let object_id = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        let (display_name, external_id, key) = (
            name.get_untracked(),
            object_id.get_untracked(),
            role.get_untracked(),
        );
        spawn_local(async move {
            match api::add_group(display_name, external_id, key).await {
                Ok(group) => {
                    name.set(String::new());
                    object_id.set(String::new());
                    done.run(format!("Added the group {}.", group.display_name));
                }
                Err(err) => failed.run(err.summary()),
            }
            pending.set(false);
        });
    };
    view! {
        <section class="panel" aria-labelledby="add-group-heading">
            <h2 id="add-group-heading">"Add a group"</h2>
            <p class="muted">"For groups your identity provider does not push: tokens name groups by their object id."</p>
            <form class="new-page" on:submit=submit>
                <TextField label="Group name" value=name on_input=Callback::new(move |v| name.set(v))
                    required=true autocomplete="off" placeholder="e.g. Platform operations" />
                <TextField label="Object id" value=object_id on_input=Callback::new(move |v| object_id.set(v))
                    required=true autocomplete="off" placeholder="e.g. 5b1c…" />
                <SelectField label="Grants role" value=role on_change=Callback::new(move |v| role.set(v)) options=choices />
                <button type="submit" class="btn-primary" prop:disabled=move || pending.get()>"Add group"</button>
            </form>
        </section>
    }
}
