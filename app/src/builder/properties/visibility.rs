//! Who sees the widget.

use domain::{
    Role,
    page::{VariableCondition, Visibility},
};
use leptos::prelude::*;

use super::{read, write};
use crate::{
    builder::Builder,
    components::{FieldError, TextField},
};

/// Who sees the widget: roles (checked on the server) and an optional page-variable rule.
#[component]
pub(super) fn VisibilityFields(id: String) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let role_boxes = Role::ALL
        .into_iter()
        .map(|role| {
            let checked = {
                let id = id.clone();
                move || {
                    read(builder, &id, |w| {
                        w.visibility
                            .as_ref()
                            .is_some_and(|v| v.roles.contains(&role))
                    })
                }
            };
            let id = id.clone();
            view! {
                <label class="prop-check">
                    <input type="checkbox" prop:checked=checked on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        write(builder, &id, |w| {
                            let visibility = w.visibility.get_or_insert_with(Visibility::default);
                            visibility.roles.retain(|r| *r != role);
                            if on {
                                visibility.roles.push(role);
                            }
                            tidy(&mut w.visibility);
                            true
                        });
                    } />
                    <span>{role.label()}</span>
                </label>
            }
        })
        .collect_view();
    let condition_field = |label: &'static str,
                           get: fn(&VariableCondition) -> String,
                           set: fn(&mut VariableCondition, String)| {
        let id = id.clone();
        let value = {
            let id = id.clone();
            Signal::derive(move || {
                read(builder, &id, |w| {
                    w.visibility
                        .as_ref()
                        .and_then(|v| v.when.as_ref())
                        .map(get)
                        .unwrap_or_default()
                })
            })
        };
        let on_input = Callback::new(move |text: String| {
            write(builder, &id, |w| {
                let visibility = w.visibility.get_or_insert_with(Visibility::default);
                set(
                    visibility
                        .when
                        .get_or_insert_with(VariableCondition::default),
                    text.trim().to_owned(),
                );
                if visibility
                    .when
                    .as_ref()
                    .is_some_and(|c| c.variable.is_empty() && c.equals.is_empty())
                {
                    visibility.when = None;
                }
                tidy(&mut w.visibility);
                true
            });
        });
        view! { <TextField label value on_input commit_on_change=true /> }
    };
    let condition = {
        let id = id.clone();
        Signal::derive(move || {
            read(builder, &id, |w| {
                w.visibility
                    .as_ref()
                    .and_then(|v| v.condition.clone())
                    .unwrap_or_default()
            })
        })
    };
    let condition_id = id.clone();
    let set_condition = Callback::new(move |text: String| {
        write(builder, &condition_id, |w| {
            let visibility = w.visibility.get_or_insert_with(Visibility::default);
            let text = text.trim().to_owned();
            let changed = visibility.condition.as_deref().unwrap_or_default() != text;
            visibility.condition = (!text.is_empty()).then_some(text);
            tidy(&mut w.visibility);
            changed
        });
    });
    view! {
        <fieldset class="prop-binding">
            <legend>"Visibility"</legend>
            <p class="muted">"Visible to (none checked = everyone):"</p>
            {role_boxes}
            <ConditionField label="Only for users whose attributes match" value=condition on_change=set_condition />
            {condition_field("Only when widget (search or filter id)", |c| c.variable.clone(), |c, v| c.variable = v)}
            {condition_field("has the value", |c| c.equals.clone(), |c, v| c.equals = v)}
        </fieldset>
    }
    .into_any()
}

/// An access condition typed in the builder, checked as it is typed so a mistake shows with
/// its column before the draft is saved.
#[component]
pub(in crate::builder) fn ConditionField(
    label: &'static str,
    #[prop(into)] value: Signal<String>,
    on_change: Callback<String>,
) -> impl IntoView {
    let error_id = format!("condition-error-{}", label.replace(' ', "-").to_lowercase());
    let problem = Signal::derive(move || {
        domain::condition::check(Some(&value.get())).map(|error| error.to_string())
    });
    view! {
        <TextField
            label=label
            value
            on_input=on_change
            commit_on_change=true
            placeholder="department == 'Finance' && region in ['EU', 'UK']"
            error=FieldError::new(error_id, problem)
        />
    }
}

/// An empty visibility rule is no rule.
fn tidy(visibility: &mut Option<Visibility>) {
    if visibility
        .as_ref()
        .is_some_and(|v| v.roles.is_empty() && v.when.is_none() && v.condition.is_none())
    {
        *visibility = None;
    }
}
