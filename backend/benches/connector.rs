//! What the connector adds over a raw HTTP call, against a real server on loopback:
//! a cache miss (guard, auth, breaker, JSON parse, cache insert) and a cache hit, plus
//! resolving a page whose 10 widgets share one binding. Results: docs/performance.md.
//!
//! Run: `cargo bench -p backend --bench connector`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark setup: a failed step should stop the benchmark"
)]

use std::{collections::HashMap, time::Duration};

use axum::{Json, Router, routing::get};
use backend::connector::{ConnectorService, ConnectorSettings, RegisteredTool, ToolTarget};
use criterion::{Criterion, criterion_group, criterion_main};
use domain::{Binding, page::RequestSpec, tool::ToolAuth};
use serde_json::{Value, json};
use url::Url;

fn runs() -> Value {
    let runs: Vec<Value> = (0..25)
        .map(|i| json!({"run_id": i, "job_id": i % 5, "state": {"result_state": if i % 4 == 0 { "FAILED" } else { "SUCCESS" }}, "start_time": 1_761_955_200_000_i64 + i * 60_000, "run_duration": 60_000 + i * 1000}))
        .collect();
    json!({"runs": runs, "has_more": false})
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let base = runtime.block_on(async {
        let body = runs();
        let app = Router::new().route(
            "/runs",
            get(move || {
                let body = body.clone();
                async move { Json(body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    });
    let connector = ConnectorService::new(ConnectorSettings::with_defaults(
        Url::parse("http://127.0.0.1:9").unwrap(),
        Duration::from_secs(5),
        vec!["127.0.0.1".to_owned()],
    ));
    let now = chrono::Utc::now();
    let target = ToolTarget {
        tool: RegisteredTool {
            id: 1,
            org_id: 1,
            slug: "ops".into(),
            name: "Ops".into(),
            kind: "rest".into(),
            base_url: base.clone(),
            config: json!({}),
            updated_at: now,
        },
        auth: ToolAuth::Bearer,
        secret: Some("token".into()),
    };
    let request = RequestSpec::get("/runs");
    let raw = reqwest::Client::new();
    let url = format!("{base}/runs");

    c.bench_function("raw reqwest GET + JSON parse", |b| {
        b.to_async(&runtime).iter(|| async {
            raw.get(&url)
                .bearer_auth("token")
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    });
    c.bench_function("connector fetch, cache miss", |b| {
        b.to_async(&runtime)
            .iter(|| async { connector.fetch(&target, &request, 60, true).await.unwrap() })
    });
    c.bench_function("connector fetch, cache hit", |b| {
        b.to_async(&runtime).iter(|| async {
            connector
                .fetch(&target, &request, 3600, false)
                .await
                .unwrap()
        })
    });

    let binding: Binding = serde_json::from_value(json!({
        "tool": "ops", "request": {"path": "/runs"}, "mapping": {"value": "length(runs[?state.result_state=='FAILED'])"}, "cache_ttl_seconds": 3600
    }))
    .unwrap();
    let ids: Vec<String> = (0..10).map(|i| format!("w{i}")).collect();
    let tools = HashMap::from([("ops".to_owned(), target.clone())]);
    c.bench_function("resolve 10 widgets sharing one binding, cache hit", |b| {
        b.to_async(&runtime).iter(|| async {
            connector
                .resolve(
                    &tools,
                    ids.iter().map(|id| (id.as_str(), &binding)),
                    &Default::default(),
                    false,
                )
                .await
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
