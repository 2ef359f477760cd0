//! The one place the server evaluates JMESPath: widget mappings, paging cursors and form
//! references. Every expression passes `domain::expression`'s bounds before it is compiled
//! (a deeply nested one would overflow the stack), and compiled expressions are kept, since
//! the same few mappings are evaluated on every page view.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock, Mutex},
};

use serde_json::Value;

/// Distinct expressions kept compiled; past this the memo starts afresh.
const MAX_COMPILED: usize = 4_096;

type Compiled = Arc<jmespath::Expression<'static>>;

/// A memo of a pure function (expression text → compiled form), not a shared resource:
/// process-wide so every caller, with or without a service at hand, shares it.
static COMPILED: LazyLock<Mutex<HashMap<String, Compiled>>> = LazyLock::new(Mutex::default);

/// The bounded, compiled expression, from the memo when it was compiled before.
fn compiled(expression: &str) -> Result<Compiled, String> {
    let lock = || {
        COMPILED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    if let Some(found) = lock().get(expression) {
        return Ok(found.clone());
    }
    let fresh = Arc::new(domain::expression::compile(expression)?);
    let mut memo = lock();
    if memo.len() >= MAX_COMPILED {
        memo.clear();
    }
    memo.insert(expression.to_owned(), fresh.clone());
    Ok(fresh)
}

/// The expression's result on `data`, or why it has none (one line, safe to show).
pub fn search(expression: &str, data: &Value) -> Result<Value, String> {
    let result = compiled(expression)?
        .search(data)
        .map_err(|err| err.to_string())?;
    serde_json::to_value(&*result).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expressions_are_bounded_before_compiling_and_kept_once_compiled() {
        let deep = format!("{}a{}", "[".repeat(1_000), "]".repeat(1_000));
        let refused = search(&deep, &json!({})).unwrap_err();
        assert!(refused.contains("keep it under"), "{refused}");
        let huge = "a.".repeat(512 * 1024) + "a";
        assert!(
            search(&huge, &json!({}))
                .unwrap_err()
                .contains("characters")
        );

        let expression = "length(items[?ok])";
        assert_eq!(
            search(expression, &json!({"items": [{"ok": true}, {"ok": false}]})),
            Ok(json!(1))
        );
        assert!(COMPILED.lock().unwrap().contains_key(expression));
    }
}
