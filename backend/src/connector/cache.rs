//! What the caches hold: answers per identical request, each living as long as it says.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use domain::page::{Continuation, RequestSpec};
use moka::Expiry;
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct RequestKey {
    pub(super) tool_id: i32,
    pub(super) base_url: String,
    /// Settings such as SQL statements shape what is sent: an edited tool starts afresh.
    pub(super) tool_updated_at: DateTime<Utc>,
    /// With its placeholders filled in.
    pub(super) request: RequestSpec,
}

#[derive(Clone, Debug)]
pub struct Fetched {
    pub body: Arc<Value>,
    pub fetched_at: DateTime<Utc>,
    /// Set when this is the last good answer standing in for a failed call: why it failed.
    pub stale: Option<String>,
    /// For a paged request that stopped before the source's end: where to read on.
    pub more: Option<Continuation>,
    pub(super) ttl: Duration,
}

pub(super) trait TimeToLive {
    fn ttl(&self) -> Duration;
}

impl TimeToLive for Fetched {
    fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// Each cache entry lives as long as the entry itself says.
pub(super) struct PerEntryTtl;

impl<K, V: TimeToLive> Expiry<K, V> for PerEntryTtl {
    fn expire_after_create(
        &self,
        _key: &K,
        value: &V,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(value.ttl())
    }
}
