//! Widget mapping: a binding's JMESPath mapping and formatting steps applied to a tool's
//! answer, giving the widget its data.

use std::collections::BTreeMap;

use domain::{Binding, dto::WidgetData};
use serde_json::Value;

use crate::connector::{ConnectorError, Fetched, evaluator};

/// A widget's data from the answer to its request: its mapped values, or why there are none.
pub(crate) fn widget_data(
    answer: &Result<Fetched, ConnectorError>,
    binding: &Binding,
) -> WidgetData {
    match answer {
        Ok(fetched) => match map_values(&fetched.body, binding) {
            Ok(values) => WidgetData::Ready {
                values,
                fetched_at: fetched.fetched_at,
                stale: fetched.stale.clone(),
                more: fetched.more.clone(),
            },
            Err(err) => WidgetData::Failed {
                message: err.to_string(),
            },
        },
        Err(err) => WidgetData::Failed {
            message: err.to_string(),
        },
    }
}

/// A widget's values from an answer: its binding's mapping, then its formatting steps.
pub fn map_values(
    body: &Value,
    binding: &Binding,
) -> Result<BTreeMap<String, Value>, ConnectorError> {
    let mut values = apply_mapping(body, &binding.mapping)?;
    domain::transform::apply_transforms(&mut values, &binding.transforms);
    Ok(values)
}

/// Evaluates each target's JMESPath expression against the response body.
pub fn apply_mapping(
    body: &Value,
    mapping: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Value>, ConnectorError> {
    mapping
        .iter()
        .map(|(target, expression)| {
            let failed = |reason: String| ConnectorError::Mapping {
                target: target.clone(),
                reason,
            };
            let value = evaluator::search(expression, body).map_err(failed)?;
            Ok((target.clone(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::connector::ConnectorError;
    #[test]
    fn mapping_evaluates_each_target() {
        let body = json!({"runs": [{"state": {"result_state": "SUCCESS"}}, {"state": {"result_state": "FAILED"}}]});
        let mapping = BTreeMap::from([
            (
                "value".to_owned(),
                "length(runs[?state.result_state=='FAILED'])".to_owned(),
            ),
            ("delta".to_owned(), "runs[0].state.result_state".to_owned()),
        ]);
        let values = apply_mapping(&body, &mapping).unwrap();
        assert_eq!(values["value"], json!(1));
        assert_eq!(values["delta"], json!("SUCCESS"));
    }

    #[test]
    fn mapping_errors_name_the_target() {
        let mapping = BTreeMap::from([("value".to_owned(), "length(`1`)".to_owned())]);
        let err = apply_mapping(&json!({}), &mapping).unwrap_err();
        assert!(
            matches!(err, ConnectorError::Mapping { ref target, .. } if target == "value"),
            "{err}"
        );
    }
}
