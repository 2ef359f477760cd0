//! Widget bodies, rendered identically on the server and in the browser.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{
    WidgetProps,
    chart::{self, ChartPoint, display_value, kpi_tone},
    page::{ChartKind, ChartProps, KpiProps, TableProps},
};
use leptos::prelude::*;
use serde_json::Value;

use super::{RefreshButton, RefreshControl};

pub fn render(
    props: &WidgetProps,
    values: Option<&BTreeMap<String, Value>>,
    view_size: (f64, f64),
    rendered_at: DateTime<Utc>,
    control: RefreshControl,
) -> AnyView {
    let value = |key: &str| {
        values
            .and_then(|values| values.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    };
    match props {
        WidgetProps::Text(text) => {
            let content = match value("text") {
                Value::Null => text.text.clone(),
                bound => display_value(&bound),
            };
            view! { <p class="widget-text">{content}</p> }.into_any()
        }
        WidgetProps::Kpi(kpi) => kpi_view(kpi, value("value"), value("delta")),
        WidgetProps::Table(table) => table_view(table, value("rows")),
        WidgetProps::Chart(chart) => {
            chart_view(chart, chart::points_from_value(&value("points")), view_size)
        }
        WidgetProps::RefreshBar(bar) => {
            let note = bar.note.clone();
            view! {
                <div class="refresh-bar">
                    <p class="muted">
                        "Last updated "
                        <time datetime=rendered_at.to_rfc3339() data-testid="last-updated">
                            {rendered_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}
                        </time>
                        {note.map(|note| view! { <span>" · " {note}</span> })}
                    </p>
                    <RefreshButton control label="Refresh" />
                </div>
            }
            .into_any()
        }
    }
}

fn kpi_view(kpi: &KpiProps, value: Value, delta: Value) -> AnyView {
    let tone = kpi_tone(kpi.trend, &value).as_str();
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

fn table_view(table: &TableProps, rows: Value) -> AnyView {
    let rows = rows.as_array().cloned().unwrap_or_default();
    if rows.is_empty() {
        let text = table
            .empty_text
            .clone()
            .unwrap_or_else(|| "No rows to show.".to_owned());
        return view! { <p class="empty">{text}</p> }.into_any();
    }
    let columns = table.columns.clone();
    let header = columns.clone();
    view! {
        <div class="table-scroll">
            <table class="data-table">
                <thead>
                    <tr>{header.into_iter().map(|column| view! { <th scope="col">{column.label}</th> }).collect_view()}</tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|row| {
                            let cells = columns
                                .iter()
                                .map(|column| display_value(row.get(&column.key).unwrap_or(&Value::Null)))
                                .collect::<Vec<_>>();
                            view! { <tr>{cells.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}</tr> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

fn chart_view(props: &ChartProps, points: Vec<ChartPoint>, view_size: (f64, f64)) -> AnyView {
    if points.is_empty() {
        return view! { <p class="empty">"No data points to chart."</p> }.into_any();
    }
    let geometry = chart::layout(&points, props.y_format, view_size);
    let kind = match props.kind {
        ChartKind::Line => "Line",
        ChartKind::Bar => "Bar",
    };
    let description = format!(
        "{kind} chart of {} by {}, {} points",
        props.y_label,
        props.x_label,
        points.len()
    );
    let px = |value: f64| format!("{value:.1}");
    let grid = geometry
        .y_ticks
        .iter()
        .map(|(y, label)| {
            view! {
                <line x1=px(geometry.plot_left) x2=px(geometry.plot_right) y1=px(*y) y2=px(*y) class="chart-grid" />
                <text x=px(geometry.plot_left - 6.0) y=px(y + 4.0) text-anchor="end" class="chart-tick">{label.clone()}</text>
            }
        })
        .collect_view();
    let x_labels = geometry
        .x_labels
        .iter()
        .map(|(x, label)| {
            view! { <text x=px(*x) y=px(geometry.plot_bottom + 18.0) text-anchor="middle" class="chart-tick">{label.clone()}</text> }
        })
        .collect_view();
    let marks = points
        .iter()
        .zip(&geometry.points)
        .map(|(point, (x, y))| {
            let tip = format!("{}: {}", point.label, chart::format_value(point.value, props.y_format));
            match props.kind {
                ChartKind::Line => view! {
                    <circle cx=px(*x) cy=px(*y) r="3" class="chart-point"><title>{tip}</title></circle>
                }
                .into_any(),
                ChartKind::Bar => {
                    let width = geometry.slot_width * 0.7;
                    view! {
                        <rect x=px(x - width / 2.0) y=px(*y) width=px(width) height=px(geometry.plot_bottom - y) class="chart-bar">
                            <title>{tip}</title>
                        </rect>
                    }
                    .into_any()
                }
            }
        })
        .collect_view();
    let aria_label = description.clone();
    let line = (props.kind == ChartKind::Line)
        .then(|| view! { <polyline points=geometry.polyline() class="chart-line" fill="none" /> });
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {} {}", geometry.width, geometry.height) role="img" aria-label=aria_label class="chart-svg">
                <title>{description}</title>
                {grid}
                {x_labels}
                {line}
                {marks}
            </svg>
            <figcaption class="muted">{props.y_label.clone()} " by " {props.x_label.clone()}</figcaption>
        </figure>
    }
    .into_any()
}
