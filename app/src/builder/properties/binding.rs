//! The data binding: tool, endpoint, path, mapping with a live preview, refresh and cache.

use domain::{
    WidgetKind,
    dto::WidgetData,
    page::{Binding, RequestSpec},
};
use leptos::prelude::*;

use super::{pagination::PaginationFields, read, write};
use crate::{
    builder::{
        Builder, api,
        mapper::{FieldMapper, TransformFields},
    },
    components::TextField,
};

#[component]
pub(super) fn BindingFields(id: String, kind: WidgetKind) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let sources = expect_context::<LocalResource<Result<api::BindingSources, crate::AppError>>>();
    let (allowed, _) = kind.binding_targets();
    let binding = {
        let id = id.clone();
        move || read(builder, &id, |w| w.binding.clone())
    };
    let tool_slug = {
        let binding = binding.clone();
        move || binding().map(|b| b.tool).unwrap_or_default()
    };
    let sources_now = move || sources.get().and_then(Result::ok);
    let endpoints = {
        let tool_slug = tool_slug.clone();
        move || {
            let slug = tool_slug();
            sources_now()
                .and_then(|sources| sources.endpoints.get(&slug).cloned())
                .unwrap_or_default()
        }
    };
    let choose_tool = {
        let id = id.clone();
        move |ev| {
            let slug = event_target_value(&ev);
            write(builder, &id, |w| {
                w.binding = (!slug.is_empty()).then(|| Binding {
                    tool: slug,
                    request: w
                        .binding
                        .as_ref()
                        .map(|b| b.request.clone())
                        .unwrap_or_else(|| RequestSpec::get("/")),
                    mapping: w
                        .binding
                        .as_ref()
                        .map(|b| b.mapping.clone())
                        .unwrap_or_default(),
                    transforms: w
                        .binding
                        .as_ref()
                        .map(|b| b.transforms.clone())
                        .unwrap_or_default(),
                    refresh_seconds: None,
                    cache_ttl_seconds: domain::page::DEFAULT_CACHE_TTL_SECONDS,
                });
                true
            });
        }
    };
    let choose_endpoint = {
        let (id, endpoints) = (id.clone(), endpoints.clone());
        move |ev| {
            let name = event_target_value(&ev);
            let Some(endpoint) = endpoints().into_iter().find(|e| e.name == name) else {
                return;
            };
            write(builder, &id, |w| {
                let Some(binding) = w.binding.as_mut() else {
                    return false;
                };
                binding.request = endpoint.request.clone();
                if let Some(suggested) = endpoint.suggestion_for(kind) {
                    binding.mapping = suggested;
                }
                true
            });
        }
    };
    let path_text = |b: &Binding| {
        let query: Vec<String> = b
            .request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if query.is_empty() {
            b.request.path.clone()
        } else {
            format!("{}?{}", b.request.path, query.join("&"))
        }
    };
    let mapping_rows = allowed
        .iter()
        .map(|target| {
            let target = *target;
            let id = id.clone();
            let expression = {
                let id = id.clone();
                move || read(builder, &id, |w| w.binding.as_ref().and_then(|b| b.mapping.get(target).cloned()).unwrap_or_default())
            };
            let preview = {
                let id = id.clone();
                move || preview_of(builder, &id, target)
            };
            view! {
                <label class="prop-field">
                    <span>{format!("{target} ← JMESPath")}</span>
                    <input type="text" class="mono" prop:value=expression on:change=move |ev| {
                        let text = event_target_value(&ev);
                        write(builder, &id, |w| match w.binding.as_mut() {
                            Some(b) => { if text.trim().is_empty() { b.mapping.remove(target); } else { b.mapping.insert(target.to_owned(), text); } true }
                            None => false,
                        });
                    } />
                    <output class="mapping-preview" data-testid=format!("preview-{target}")>{preview}</output>
                </label>
            }
        })
        .collect_view();
    let has_binding = {
        let binding = binding.clone();
        move || binding().is_some()
    };
    let path_id = id.clone();
    let path_value = {
        let binding = binding.clone();
        Signal::derive(move || binding().map(|b| path_text(&b)).unwrap_or_default())
    };
    view! {
        <fieldset class="prop-binding">
            <legend>"Data"</legend>
            <label class="prop-field">
                <span>"Tool"</span>
                <select prop:value=tool_slug on:change=choose_tool>
                    <option value="">"Not bound"</option>
                    {move || sources_now().map(|s| s.tools).unwrap_or_default().into_iter()
                        .map(|tool| view! { <option value=tool.slug.clone()>{tool.name}</option> })
                        .collect_view()}
                </select>
            </label>
            <div hidden=move || !has_binding()>
                <label class="prop-field">
                    <span>"Endpoint"</span>
                    <select on:change=choose_endpoint>
                        <option value="">"Choose an endpoint…"</option>
                        {move || endpoints().into_iter().map(|e| view! { <option value=e.name.clone()>{e.label}</option> }).collect_view()}
                    </select>
                </label>
                <TextField label="Path and query" input_class="mono" value=path_value commit_on_change=true on_input=Callback::new(move |text: String| {
                        write(builder, &path_id, |w| match w.binding.as_mut() {
                            Some(b) => {
                                let pagination = b.request.pagination.take();
                                b.request = RequestSpec { pagination, method: b.request.method, body: b.request.body.take(), ..RequestSpec::get(text.trim()) };
                                true
                            }
                            None => false,
                        });
                    }) />
                {mapping_rows}
                <FieldMapper id=id.clone() kind targets=allowed />
                <TransformFields id=id.clone() />
                {number_field(&id, "Refresh every (seconds, 0 = off)", |b| b.refresh_seconds.unwrap_or(0), |b, v| b.refresh_seconds = (v > 0).then_some(v))}
                {number_field(&id, "Cache answers for (seconds)", |b| b.cache_ttl_seconds, |b, v| b.cache_ttl_seconds = v)}
                <PaginationFields id=id.clone() />
            </div>
        </fieldset>
    }
    .into_any()
}

fn number_field(
    id: &str,
    label: &'static str,
    get: fn(&Binding) -> u32,
    set: fn(&mut Binding, u32),
) -> AnyView {
    let builder = expect_context::<Builder>();
    let value = {
        let id = id.to_owned();
        Signal::derive(move || {
            read(builder, &id, |w| w.binding.as_ref().map(get))
                .map(|v| v.to_string())
                .unwrap_or_default()
        })
    };
    let id = id.to_owned();
    let on_input = Callback::new(move |text: String| {
        let Ok(number) = text.parse::<u32>() else {
            return;
        };
        write(builder, &id, |w| match w.binding.as_mut() {
            Some(b) if get(b) != number => {
                set(b, number);
                true
            }
            _ => false,
        });
    });
    view! {
        <TextField label value on_input commit_on_change=true class="prop-number" input_type="number" min="0" />
    }
    .into_any()
}

/// The mapped value the canvas shows for one field, as short JSON, or why there is none.
fn preview_of(builder: Builder, id: &str, target: &str) -> String {
    builder.preview.with(
        |preview| match preview.as_ref().and_then(|p| p.data.get(id)) {
            Some(WidgetData::Ready { values, .. }) => match values.get(target) {
                Some(value) => {
                    let text = value.to_string();
                    if text.chars().count() > 300 {
                        format!("{}…", text.chars().take(300).collect::<String>())
                    } else {
                        text
                    }
                }
                None => "no value".to_owned(),
            },
            Some(WidgetData::Failed { message }) => message.clone(),
            None => "Waiting for data…".to_owned(),
        },
    )
}
