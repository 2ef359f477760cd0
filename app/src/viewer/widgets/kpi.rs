//! Key figures with their tone and change.

use domain::{
    chart::{display_value, kpi_tone},
    page::KpiProps,
};
use leptos::prelude::*;
use serde_json::Value;

pub(super) fn kpi_view(kpi: &KpiProps, value: Value, delta: Value) -> AnyView {
    let tone = kpi_tone(kpi, &value).as_str();
    let unit = kpi.unit.clone();
    view! {
        <div class="kpi" data-tone=tone>
            <div class="kpi-value" data-testid="kpi-value">
                {display_value(&value)}
                {unit.map(|unit| view! { <span class="kpi-unit">" " {unit}</span> })}
            </div>
            <div class="kpi-label">{kpi.label.clone()}</div>
            {(!delta.is_null()).then(|| view! { <div class="kpi-delta">{display_value(&delta)}</div> })}
        </div>
    }
    .into_any()
}
