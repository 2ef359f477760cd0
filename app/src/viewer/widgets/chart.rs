//! Line, bar and pie charts drawn as SVG.

use domain::{
    chart::{self, ChartPoint},
    page::{ChartKind, ChartProps},
};
use leptos::prelude::*;

pub(super) fn chart_view(
    props: &ChartProps,
    points: Vec<ChartPoint>,
    view_size: (f64, f64),
) -> AnyView {
    if points.is_empty() {
        return view! { <p class="empty">"No data points to chart."</p> }.into_any();
    }
    let kind = match props.kind {
        ChartKind::Line => "Line",
        ChartKind::Bar => "Bar",
        ChartKind::Pie => "Pie",
    };
    let description = format!(
        "{kind} chart of {} by {}, {} points",
        props.y_label,
        props.x_label,
        points.len()
    );
    let aria_label = description.clone();
    let caption = format!("{} by {}", props.y_label, props.x_label);
    let body = if props.kind == ChartKind::Pie {
        pie_marks(props, &points, view_size)
    } else {
        axis_marks(props, &points, view_size)
    };
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {} {}", view_size.0, view_size.1) role="img" aria-label=aria_label class="chart-svg">
                <title>{description}</title>
                {body}
            </svg>
            <figcaption class="muted">{caption}</figcaption>
        </figure>
    }
    .into_any()
}

fn pie_marks(props: &ChartProps, points: &[ChartPoint], view_size: (f64, f64)) -> AnyView {
    chart::pie_slices(points, view_size)
        .into_iter()
        .enumerate()
        .map(|(index, slice)| {
            let tip = format!(
                "{}: {} ({:.0}%)",
                slice.label,
                chart::format_value(slice.value, props.y_format),
                slice.share * 100.0
            );
            view! {
                <path d=slice.path class="chart-slice" data-slice=(index % 6).to_string()>
                    <title>{tip}</title>
                </path>
            }
        })
        .collect_view()
        .into_any()
}

fn axis_marks(props: &ChartProps, points: &[ChartPoint], view_size: (f64, f64)) -> AnyView {
    let geometry = chart::layout(points, props.y_format, view_size);
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
                ChartKind::Bar => {
                    let width = geometry.slot_width * 0.7;
                    view! {
                        <rect x=px(x - width / 2.0) y=px(*y) width=px(width) height=px(geometry.plot_bottom - y) class="chart-bar">
                            <title>{tip}</title>
                        </rect>
                    }
                    .into_any()
                }
                _ => view! {
                    <circle cx=px(*x) cy=px(*y) r="3" class="chart-point"><title>{tip}</title></circle>
                }
                .into_any(),
            }
        })
        .collect_view();
    let line = (props.kind == ChartKind::Line)
        .then(|| view! { <polyline points=geometry.polyline() class="chart-line" fill="none" /> });
    view! {
        {grid}
        {x_labels}
        {line}
        {marks}
    }
    .into_any()
}
