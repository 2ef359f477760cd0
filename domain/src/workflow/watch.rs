//! Tool events: poll a tool, pick its items with JMESPath, and fire once per item that is
//! new or whose watched field changed since the last poll. What was seen is kept between
//! polls (the engine stores it), so a restart does not fire again for the same change.
//!
//! The first poll only learns what is there: turning a workflow on does not fire for every
//! item that already exists.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::page::RequestSpec;
use crate::request::value_text;

pub const MIN_INTERVAL_SECONDS: u32 = 10;
pub const MAX_INTERVAL_SECONDS: u32 = 24 * 60 * 60;
/// A poll that yields more items than this fails instead of firing thousands of runs.
pub const MAX_ITEMS_PER_POLL: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolWatch {
    /// The tool (by slug) to poll.
    pub tool: String,
    /// What to ask it; read requests only.
    pub request: RequestSpec,
    /// JMESPath to the list of items in the answer, e.g. `runs`.
    pub items: String,
    /// JMESPath to what identifies an item, e.g. `run_id`.
    pub key: String,
    /// JMESPath to the part of an item whose change fires, e.g. `state.result_state`; the
    /// whole item when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<String>,
    /// Fire only for items where this JMESPath condition holds, e.g.
    /// `state.result_state == 'FAILED'`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    #[serde(default = "default_interval")]
    pub interval_seconds: u32,
}

fn default_interval() -> u32 {
    60
}

/// Item key → the watched value's canonical text, as of the last poll.
pub type Seen = BTreeMap<String, String>;

#[derive(Clone, Debug, PartialEq)]
pub struct FiredItem {
    pub key: String,
    /// The watched value's canonical text.
    pub state: String,
    pub item: Value,
}

impl FiredItem {
    /// Names this change of this item: one event starts at most one run.
    pub fn event_key(&self) -> String {
        format!("{}@{}", self.key, self.state)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub fired: Vec<FiredItem>,
    pub seen: Seen,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WatchError {
    #[error("the items expression “{expression}” gives {found}, not a list")]
    NotAList { expression: String, found: String },
    #[error(
        "the poll found {count} items, more than the {MAX_ITEMS_PER_POLL} one poll may handle; narrow the request or the items expression"
    )]
    TooManyItems { count: usize },
    #[error("item {index} has no key: “{expression}” gives nothing for it")]
    NoKey { index: usize, expression: String },
    #[error("“{expression}”: {message}")]
    Expression { expression: String, message: String },
}

impl ToolWatch {
    /// Compares the answer's items with what the last poll saw (`None` on the first poll).
    pub fn observe(
        &self,
        answer: &Value,
        previous: Option<&Seen>,
    ) -> Result<Observation, WatchError> {
        let items = match search(&self.items, answer)? {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            other => {
                return Err(WatchError::NotAList {
                    expression: self.items.clone(),
                    found: crate::mapper::FieldKind::of(&other).label().to_lowercase(),
                });
            }
        };
        if items.len() > MAX_ITEMS_PER_POLL {
            return Err(WatchError::TooManyItems { count: items.len() });
        }
        let mut seen = Seen::new();
        let mut fired = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            let key = match search(&self.key, &item)? {
                Value::Null => {
                    return Err(WatchError::NoKey {
                        index,
                        expression: self.key.clone(),
                    });
                }
                key => value_text(&key),
            };
            let state = match &self.watch {
                Some(watch) => search(watch, &item)?,
                None => item.clone(),
            }
            .to_string();
            let changed = previous.is_some_and(|previous| previous.get(&key) != Some(&state));
            if changed && self.holds_for(&item)? {
                fired.push(FiredItem {
                    key: key.clone(),
                    state: state.clone(),
                    item,
                });
            }
            seen.insert(key, state);
        }
        Ok(Observation { fired, seen })
    }

    fn holds_for(&self, item: &Value) -> Result<bool, WatchError> {
        let Some(when) = &self.when else {
            return Ok(true);
        };
        super::plan::truthy(when, item).map_err(|message| WatchError::Expression {
            expression: when.clone(),
            message,
        })
    }
}

fn search(expression: &str, value: &Value) -> Result<Value, WatchError> {
    crate::mapper::evaluate(expression, value).map_err(|message| WatchError::Expression {
        expression: expression.to_owned(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn watch() -> ToolWatch {
        ToolWatch {
            tool: "databricks-demo".into(),
            request: RequestSpec::get("/api/2.1/jobs/runs/list"),
            items: "runs".into(),
            key: "run_id".into(),
            watch: Some("state.result_state".into()),
            when: Some("state.result_state == 'FAILED'".into()),
            interval_seconds: 60,
        }
    }

    fn runs(states: &[(i64, &str)]) -> Value {
        json!({"runs": states.iter().map(|(id, state)| json!({"run_id": id, "state": {"result_state": state}})).collect::<Vec<_>>()})
    }

    #[test]
    fn the_first_poll_learns_without_firing() {
        let first = watch()
            .observe(&runs(&[(1, "FAILED"), (2, "SUCCESS")]), None)
            .unwrap();
        assert!(first.fired.is_empty());
        assert_eq!(first.seen.len(), 2);
    }

    #[test]
    fn fires_once_when_an_item_turns_failed_or_arrives_failed() {
        let watch = watch();
        let seen = watch
            .observe(&runs(&[(1, "RUNNING"), (2, "SUCCESS")]), None)
            .unwrap()
            .seen;
        let next = watch
            .observe(
                &runs(&[(1, "FAILED"), (2, "SUCCESS"), (3, "FAILED"), (4, "RUNNING")]),
                Some(&seen),
            )
            .unwrap();
        let keys: Vec<_> = next.fired.iter().map(|fired| fired.event_key()).collect();
        assert_eq!(keys, ["1@\"FAILED\"", "3@\"FAILED\""]);
        assert_eq!(next.fired[0].item["run_id"], 1);
        // The same answer again fires nothing: the change was already seen.
        let again = watch
            .observe(
                &runs(&[(1, "FAILED"), (2, "SUCCESS"), (3, "FAILED"), (4, "RUNNING")]),
                Some(&next.seen),
            )
            .unwrap();
        assert!(again.fired.is_empty());
    }

    #[test]
    fn without_a_condition_every_change_fires() {
        let watch = ToolWatch {
            when: None,
            ..watch()
        };
        let seen = watch.observe(&runs(&[(1, "RUNNING")]), None).unwrap().seen;
        let next = watch
            .observe(&runs(&[(1, "SUCCESS")]), Some(&seen))
            .unwrap();
        assert_eq!(next.fired.len(), 1);
        assert_eq!(next.fired[0].state, "\"SUCCESS\"");
    }

    #[test]
    fn runaway_and_malformed_answers_fail_with_a_reason() {
        let many: Vec<(i64, &str)> = (0..=MAX_ITEMS_PER_POLL as i64)
            .map(|id| (id, "FAILED"))
            .collect();
        assert_eq!(
            watch().observe(&runs(&many), Some(&Seen::new())),
            Err(WatchError::TooManyItems {
                count: MAX_ITEMS_PER_POLL + 1
            })
        );
        assert!(matches!(
            watch().observe(&json!({"runs": {"run_id": 1}}), None),
            Err(WatchError::NotAList { .. })
        ));
        assert_eq!(
            watch().observe(&json!({"runs": [{"id": 1}]}), None),
            Err(WatchError::NoKey {
                index: 0,
                expression: "run_id".into()
            })
        );
        // No items at all is an empty poll, not an error.
        assert!(watch().observe(&json!({}), None).unwrap().seen.is_empty());
    }
}
