//! How search boxes and filters narrow a table's rows, how rows sort, and page variables in
//! a URL.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{PageDefinition, TableColumn, WidgetProps};

/// How a search box or filter narrows a table's rows, keyed by the page variable it sets
/// (the search or filter widget's id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowFilter {
    /// Rows where any column contains the variable's text, ignoring case.
    Contains { variable: String },
    /// Rows whose `column` shows exactly the variable's value.
    Equals { variable: String, column: String },
}

impl PageDefinition {
    /// Table id → the filters that search and filter widgets put on it.
    pub fn row_filters(&self) -> BTreeMap<String, Vec<RowFilter>> {
        let mut filters: BTreeMap<String, Vec<RowFilter>> = BTreeMap::new();
        for widget in self.layout.all_widgets() {
            match &widget.props {
                WidgetProps::Search(search) => {
                    for target in &search.targets {
                        filters
                            .entry(target.clone())
                            .or_default()
                            .push(RowFilter::Contains {
                                variable: widget.id.clone(),
                            });
                    }
                }
                WidgetProps::Filter(filter) => filters
                    .entry(filter.target.clone())
                    .or_default()
                    .push(RowFilter::Equals {
                        variable: widget.id.clone(),
                        column: filter.column.clone(),
                    }),
                _ => {}
            }
        }
        filters
    }
}

/// Page variables to and from a URL query string (`a=1&b=x+y`).
pub fn encode_variables(variables: &BTreeMap<String, String>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(variables)
        .finish()
}

pub fn decode_variables(query: &str) -> BTreeMap<String, String> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

impl PageDefinition {
    /// Names of the page variables the page's bindings fill into their requests.
    pub fn bound_variables(&self) -> BTreeSet<String> {
        self.layout
            .all_widgets()
            .iter()
            .filter_map(|widget| widget.binding.as_ref())
            .flat_map(|binding| binding.request.placeholders())
            .collect()
    }
}

/// Whether a table row passes every filter, given the page variables; an empty or unset
/// variable does not filter.
pub fn row_passes(
    row: &Value,
    columns: &[TableColumn],
    filters: &[RowFilter],
    variables: &BTreeMap<String, String>,
) -> bool {
    let cell = |key: &str| crate::chart::display_value(row.get(key).unwrap_or(&Value::Null));
    filters.iter().all(|filter| {
        let variable = match filter {
            RowFilter::Contains { variable } | RowFilter::Equals { variable, .. } => variable,
        };
        let wanted = variables
            .get(variable)
            .map(|v| v.trim())
            .unwrap_or_default();
        if wanted.is_empty() {
            return true;
        }
        match filter {
            RowFilter::Contains { .. } => {
                let wanted = wanted.to_lowercase();
                columns
                    .iter()
                    .any(|column| cell(&column.key).to_lowercase().contains(&wanted))
            }
            RowFilter::Equals { column, .. } => cell(column) == wanted,
        }
    })
}

/// Orders rows by one column: numbers numerically, everything else by its display text;
/// missing values last. Stable, so equal rows keep their order.
pub fn sort_rows(rows: &mut [&Value], key: &str, descending: bool) {
    use std::cmp::Ordering;
    let sort_key = |row: &Value| -> Option<Result<f64, String>> {
        match row.get(key)? {
            Value::Null => None,
            Value::Number(number) => number.as_f64().map(Ok),
            other => {
                let text = crate::chart::display_value(other);
                Some(text.parse::<f64>().map_err(|_| text.to_lowercase()))
            }
        }
    };
    rows.sort_by(|a, b| {
        let ordering = match (sort_key(a), sort_key(b)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(Ok(x)), Some(Ok(y))) => x.total_cmp(&y),
            (Some(Ok(_)), Some(Err(_))) => Ordering::Less,
            (Some(Err(_)), Some(Ok(_))) => Ordering::Greater,
            (Some(Err(x)), Some(Err(y))) => x.cmp(&y),
        };
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
}

/// The distinct display values of one column, sorted: a filter's choices when none are set.
pub fn distinct_values(rows: &Value, column: &str) -> Vec<String> {
    let values: BTreeSet<String> = rows
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| row.get(column))
        .map(crate::chart::display_value)
        .collect();
    values.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::test_support::*;
    use crate::page::*;
    use serde_json::json;

    #[test]
    fn search_and_filter_variables_narrow_table_rows() {
        let definition = PageDefinition::from_json(&page(json!([
            {"id": "t", "type": "table", "props": {"columns": [{"key": "number", "label": "No"}, {"key": "state", "label": "State"}]},
             "position": {"desktop": rect(0, 2, 6, 3)}},
            widget("q", 0, 0, "search", json!({"targets": ["t"]})),
            widget("st", 3, 0, "filter", json!({"label": "State", "target": "t", "column": "state"})),
        ])))
        .unwrap();
        let filters = definition.row_filters();
        assert_eq!(
            filters["t"],
            [
                RowFilter::Contains {
                    variable: "q".into()
                },
                RowFilter::Equals {
                    variable: "st".into(),
                    column: "state".into()
                },
            ]
        );
        let WidgetProps::Table(table) = &definition.widget("t").unwrap().props else {
            unreachable!()
        };
        let rows = json!([
            {"number": "INC001", "state": "New"},
            {"number": "INC002", "state": {"display_value": "Closed", "value": "7"}},
            {"number": "CHG003", "state": "New"},
        ]);
        let passing = |vars: &[(&str, &str)]| -> Vec<usize> {
            let vars = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            rows.as_array()
                .unwrap()
                .iter()
                .enumerate()
                .filter(|(_, row)| row_passes(row, &table.columns, &filters["t"], &vars))
                .map(|(index, _)| index)
                .collect()
        };
        assert_eq!(passing(&[]), [0, 1, 2]);
        assert_eq!(passing(&[("q", "inc")]), [0, 1]);
        assert_eq!(passing(&[("q", "  ")]), [0, 1, 2]);
        assert_eq!(passing(&[("st", "Closed")]), [1]);
        assert_eq!(passing(&[("q", "inc"), ("st", "New")]), [0]);
        assert_eq!(distinct_values(&rows, "state"), ["Closed", "New"]);
    }

    #[test]
    fn rows_sort_numbers_numerically_text_alphabetically_and_blanks_last() {
        let rows = json!([
            {"n": 10, "s": "beta"},
            {"n": 9, "s": "Alpha"},
            {"s": "gamma"},
            {"n": "100", "s": null},
        ]);
        let all: Vec<&Value> = rows.as_array().unwrap().iter().collect();
        let order = |key: &str, descending: bool| {
            let mut sorted = all.clone();
            sort_rows(&mut sorted, key, descending);
            sorted
                .iter()
                .map(|row| all.iter().position(|r| std::ptr::eq(*r, *row)).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(order("n", false), [1, 0, 3, 2]);
        assert_eq!(order("n", true), [3, 0, 1, 2]);
        assert_eq!(order("s", false), [1, 0, 2, 3]);
    }

    #[test]
    fn page_variables_travel_as_a_query_string() {
        let vars = BTreeMap::from([
            ("prio".to_owned(), "1 - Critical".to_owned()),
            ("q".to_owned(), "a&b=c".to_owned()),
        ]);
        let encoded = encode_variables(&vars);
        assert_eq!(encoded, "prio=1+-+Critical&q=a%26b%3Dc");
        assert_eq!(decode_variables(&encoded), vars);
    }
}
