//! Which steps run next. The engine records how each step settled (the way out it took, or
//! skipped); from that alone this module says what is ready, what is skipped, and whether
//! the run is over — so a run resumed after a restart continues exactly where it stopped.
//!
//! A step is ready when every edge into it comes from a settled step and at least one of
//! those edges was taken. A step none of whose incoming edges can be taken any more (the
//! branch of a condition that did not hold, the error way out of a step that succeeded) is
//! skipped, and so are the steps only it leads to. Parallel branches therefore join at the
//! first step they share, which waits for all of them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Port, WorkflowDefinition};

/// How a step ended, as far as the graph is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// It finished and takes the edges leaving through this port.
    Took(Port),
    /// It did not run: no edge into it was taken.
    Skipped,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Steps to start now (parallel when several).
    pub ready: Vec<String>,
    /// Steps that will never run in this run; the engine records them as skipped.
    pub skipped: Vec<String>,
    /// Nothing is running, ready or left: the run is over.
    pub finished: bool,
}

/// What to do next, given how steps settled and which are running now.
pub fn advance(
    definition: &WorkflowDefinition,
    settled: &BTreeMap<String, Settled>,
    running: &BTreeSet<String>,
) -> Progress {
    let mut settled = settled.clone();
    let mut progress = Progress::default();
    // Skipping one step can make the next skippable, so settle until nothing changes.
    loop {
        let mut changed = false;
        for node in &definition.nodes {
            let id = node.id.as_str();
            if settled.contains_key(id) || running.contains(id) || node.step.is_trigger() {
                continue;
            }
            let incoming: Vec<_> = definition.edges_into(id).collect();
            if incoming.is_empty() {
                continue;
            }
            let mut all_settled = true;
            let mut any_taken = false;
            for edge in incoming {
                match settled.get(&edge.from) {
                    Some(Settled::Took(port)) if *port == edge.port => any_taken = true,
                    Some(_) => {}
                    None => all_settled = false,
                }
            }
            if !all_settled {
                continue;
            }
            if any_taken {
                if !progress.ready.iter().any(|ready| ready == id) {
                    progress.ready.push(id.to_owned());
                }
            } else {
                settled.insert(id.to_owned(), Settled::Skipped);
                progress.skipped.push(id.to_owned());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    progress.finished = progress.ready.is_empty() && running.is_empty();
    progress
}

/// Whether a JMESPath expression holds on `value`, by JMESPath's truthiness: `false`,
/// `null` and empty strings, lists and objects are false.
pub fn truthy(expression: &str, value: &Value) -> Result<bool, String> {
    let compiled = crate::expression::compile(expression)?;
    let found = compiled.search(value).map_err(|err| err.to_string())?;
    Ok(found.is_truthy())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::test_support::job_failed_workflow;
    use serde_json::json;

    fn settled(steps: &[(&str, Settled)]) -> BTreeMap<String, Settled> {
        steps
            .iter()
            .map(|(id, how)| ((*id).to_owned(), *how))
            .collect()
    }

    fn running(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }

    #[test]
    fn steps_follow_the_trigger_then_branch_in_parallel_and_join() {
        let workflow = job_failed_workflow();
        let after_trigger = advance(
            &workflow,
            &settled(&[("job_failed", Settled::Took(Port::Next))]),
            &running(&[]),
        );
        assert_eq!(after_trigger.ready, ["is_production"]);

        let mut done = settled(&[
            ("job_failed", Settled::Took(Port::Next)),
            ("is_production", Settled::Took(Port::True)),
        ]);
        let after_condition = advance(&workflow, &done, &running(&[]));
        assert_eq!(after_condition.ready, ["incident"]);
        // The false branch's step is skipped.
        assert_eq!(after_condition.skipped, ["log_only"]);

        done.insert("incident".into(), Settled::Took(Port::Next));
        let fan_out = advance(&workflow, &done, &running(&[]));
        assert_eq!(fan_out.ready, ["teams", "slack"]);

        // The email waits for both messages.
        done.insert("teams".into(), Settled::Took(Port::Next));
        let waiting = advance(&workflow, &done, &running(&["slack"]));
        assert!(waiting.ready.is_empty() && !waiting.finished, "{waiting:?}");
        done.insert("slack".into(), Settled::Took(Port::Next));
        assert_eq!(advance(&workflow, &done, &running(&[])).ready, ["email"]);

        done.insert("email".into(), Settled::Took(Port::Next));
        let over = advance(&workflow, &done, &running(&[]));
        assert!(over.finished && over.ready.is_empty(), "{over:?}");
    }

    #[test]
    fn a_failure_takes_the_error_way_and_skips_what_followed_success() {
        let workflow = job_failed_workflow();
        let done = settled(&[
            ("job_failed", Settled::Took(Port::Next)),
            ("is_production", Settled::Took(Port::True)),
            ("incident", Settled::Took(Port::Next)),
            ("teams", Settled::Took(Port::Error)),
            ("slack", Settled::Took(Port::Next)),
        ]);
        let progress = advance(&workflow, &done, &running(&[]));
        // The Teams step's error way leads to the fallback email; the email after both
        // messages still runs because Slack's edge was taken.
        assert_eq!(progress.ready, ["teams_down", "email"]);
    }

    #[test]
    fn a_condition_that_does_not_hold_skips_its_whole_branch() {
        let workflow = job_failed_workflow();
        let done = settled(&[
            ("job_failed", Settled::Took(Port::Next)),
            ("is_production", Settled::Took(Port::False)),
        ]);
        let progress = advance(&workflow, &done, &running(&[]));
        assert_eq!(progress.ready, ["log_only"]);
        assert_eq!(
            progress.skipped,
            ["incident", "teams", "slack", "teams_down", "email"]
        );
    }

    #[test]
    fn truthiness_follows_jmespath() {
        let item = json!({"state": "FAILED", "tags": [], "n": 0});
        assert_eq!(truthy("state == 'FAILED'", &item), Ok(true));
        assert_eq!(truthy("state == 'SUCCESS'", &item), Ok(false));
        assert_eq!(truthy("tags", &item), Ok(false));
        assert_eq!(truthy("missing", &item), Ok(false));
        // Zero is truthy in JMESPath, unlike in many languages.
        assert_eq!(truthy("n", &item), Ok(true));
        assert!(truthy("state ==", &item).is_err());
    }
}
