//! Bounds on the JMESPath expressions editors write (mappings, form references, paging
//! cursors, endpoint suggestions). `jmespath::compile` and the search after it recurse once per
//! level of the expression's tree, so a deeply nested, long-chained or huge expression
//! overflows the stack and aborts the whole process. Every expression is measured here, by a
//! cheap linear scan, before it is compiled — on save, in the browser and on the server.

use std::fmt;

/// Longer than any mapping people write by hand (the longest shipped one is ~70 characters).
pub const MAX_EXPRESSION_CHARS: usize = 2_000;
/// Brackets, parentheses, braces and prefix operators (`!`, `&`) open inside each other.
pub const MAX_EXPRESSION_DEPTH: usize = 32;
/// Operators and brackets one after another along one branch (`a.b[0].c | d` has 5): each is
/// a level of the tree. Measured: a debug build on a 2 MiB worker stack overflows past ~100.
pub const MAX_EXPRESSION_STEPS: usize = 64;

/// Why an expression was refused before compiling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpressionTooBig {
    TooLong { chars: usize },
    TooDeep { depth: usize },
    TooManySteps { steps: usize },
}

impl fmt::Display for ExpressionTooBig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { chars } => write!(
                f,
                "the expression has {chars} characters; keep it under {MAX_EXPRESSION_CHARS}"
            ),
            Self::TooDeep { depth } => write!(
                f,
                "the expression nests {depth} levels deep; keep it under {MAX_EXPRESSION_DEPTH}"
            ),
            Self::TooManySteps { steps } => write!(
                f,
                "the expression chains {steps} steps one after another; keep it under {MAX_EXPRESSION_STEPS}"
            ),
        }
    }
}

impl std::error::Error for ExpressionTooBig {}

/// Refuses an expression longer than [`MAX_EXPRESSION_CHARS`], nested deeper than
/// [`MAX_EXPRESSION_DEPTH`] or chaining more than [`MAX_EXPRESSION_STEPS`] steps. Text inside
/// string and JSON literals counts for neither.
pub fn check_bounds(expression: &str) -> Result<(), ExpressionTooBig> {
    // Byte length first: cheap, and a bound on the character count.
    if expression.len() > MAX_EXPRESSION_CHARS {
        let chars = expression.chars().count();
        if chars > MAX_EXPRESSION_CHARS {
            return Err(ExpressionTooBig::TooLong { chars });
        }
    }
    // Steps taken so far on each open level; siblings (after `,` or `:`) start again.
    let mut levels: Vec<usize> = vec![0];
    let mut steps = 0_usize;
    // Consecutive prefix operators (`!!!a`, `& &a`) nest like brackets.
    let mut prefixes = 0_usize;
    let mut chars = expression.chars().peekable();
    while let Some(c) = chars.next() {
        let mut step = false;
        match c {
            '\'' | '"' | '`' => {
                skip_literal(&mut chars, c);
                prefixes = 0;
            }
            '(' | '[' | '{' => {
                step = true;
                levels.push(0);
                prefixes = 0;
            }
            ')' | ']' | '}' => {
                if levels.len() > 1 {
                    steps -= levels.pop().unwrap_or(0);
                }
                prefixes = 0;
            }
            ',' | ':' => {
                if let Some(level) = levels.last_mut() {
                    steps -= *level;
                    *level = 0;
                }
                prefixes = 0;
            }
            // Two-character operators: `!=`, `&&`, `||`, `==`, `<=`, `>=`.
            '!' | '&' | '|' | '=' | '<' | '>'
                if matches!(
                    (c, chars.peek()),
                    ('!' | '=' | '<' | '>', Some('=')) | ('&', Some('&')) | ('|', Some('|'))
                ) =>
            {
                chars.next();
                step = true;
                prefixes = 0;
            }
            '!' | '&' => {
                step = true;
                prefixes += 1;
            }
            '.' | '|' | '<' | '>' => {
                step = true;
                prefixes = 0;
            }
            c if c.is_whitespace() => {}
            _ => prefixes = 0,
        }
        if step {
            // The bracket just opened counts on the level around it.
            let at = levels.len() - if matches!(c, '(' | '[' | '{') { 2 } else { 1 };
            levels[at] += 1;
            steps += 1;
        }
        let depth = levels.len() - 1 + prefixes;
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(ExpressionTooBig::TooDeep { depth });
        }
        if steps > MAX_EXPRESSION_STEPS {
            return Err(ExpressionTooBig::TooManySteps { steps });
        }
    }
    Ok(())
}

/// Moves past a literal opened by `quote`, honouring backslash escapes.
fn skip_literal(chars: &mut impl Iterator<Item = char>, quote: char) {
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            c if c == quote => return,
            _ => {}
        }
    }
}

/// Checks the bounds, then compiles; the error is one line people can act on.
pub fn compile(expression: &str) -> Result<jmespath::Expression<'static>, String> {
    check_bounds(expression).map_err(|err| err.to_string())?;
    jmespath::compile(expression).map_err(|err| {
        err.to_string()
            .lines()
            .next()
            .unwrap_or("invalid expression")
            .to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_expressions_pass() {
        for expression in [
            "runs[?state.result_state=='FAILED'] | length(@)",
            "data.runs[].{Run: runId, Job: jobName, Milliseconds: durationMs}",
            "sort_by(items, &created)[-1].name",
            "a && !b || c != d",
            "`{\"nested\": [[[[1]]]]}`",
        ] {
            assert_eq!(check_bounds(expression), Ok(()), "{expression}");
            assert!(compile(expression).is_ok(), "{expression}");
        }
    }

    #[test]
    fn nesting_is_measured_across_every_kind_of_bracket_and_prefix() {
        let nested = |open: &str, close: &str, levels: usize| {
            format!("{}a{}", open.repeat(levels), close.repeat(levels))
        };
        for (open, close) in [("(", ")"), ("[", "]"), ("{a: ", "}"), ("!", ""), ("& ", "")] {
            let at_limit = nested(open, close, MAX_EXPRESSION_DEPTH);
            assert_eq!(check_bounds(&at_limit), Ok(()), "{open}");
            let over = nested(open, close, MAX_EXPRESSION_DEPTH + 1);
            assert_eq!(
                check_bounds(&over),
                Err(ExpressionTooBig::TooDeep {
                    depth: MAX_EXPRESSION_DEPTH + 1
                }),
                "{open}"
            );
        }
        let mixed = "([{!".repeat(11) + "a";
        assert!(matches!(
            check_bounds(&mixed),
            Err(ExpressionTooBig::TooDeep { .. })
        ));
    }

    #[test]
    fn brackets_inside_literals_do_not_count() {
        let quoted = format!("'{}' == a", "(".repeat(100));
        assert_eq!(check_bounds(&quoted), Ok(()));
        let escaped = format!("\"x\\\"{}\" == `\"{}\"`", "[".repeat(50), "{".repeat(50));
        assert_eq!(check_bounds(&escaped), Ok(()));
        // A closing bracket in a literal cannot hide real nesting either.
        let hidden = format!("{}')'", "(".repeat(MAX_EXPRESSION_DEPTH + 1));
        assert!(check_bounds(&hidden).is_err());
    }

    #[test]
    fn a_thousand_levels_are_refused_before_compiling() {
        let deep = format!("{}a{}", "(".repeat(1_000), ")".repeat(1_000));
        assert!(deep.len() > MAX_EXPRESSION_CHARS);
        let shallow_but_deep = format!("{}a{}", "[".repeat(900), "]".repeat(900));
        let message = compile(&shallow_but_deep).unwrap_err();
        assert_eq!(
            message,
            format!("the expression nests 33 levels deep; keep it under {MAX_EXPRESSION_DEPTH}")
        );
        assert!(compile(&deep).is_err());
    }

    #[test]
    fn length_is_bounded_in_characters() {
        let at_limit = "a".repeat(MAX_EXPRESSION_CHARS);
        assert_eq!(check_bounds(&at_limit), Ok(()));
        // Multi-byte characters count once each.
        assert_eq!(check_bounds(&"é".repeat(MAX_EXPRESSION_CHARS)), Ok(()));
        let megabyte = "a.".repeat(512 * 1024) + "a";
        assert_eq!(
            check_bounds(&megabyte),
            Err(ExpressionTooBig::TooLong {
                chars: megabyte.len()
            })
        );
    }

    #[test]
    fn long_chains_are_refused_and_siblings_do_not_add_up() {
        let chain = |step: &str, count: usize| format!("a{}", step.repeat(count));
        for step in [
            ".a", "[0]", "[]", "[?a]", "[*]", ".*", " | a", " || a", " == a",
        ] {
            assert_eq!(
                check_bounds(&chain(step, MAX_EXPRESSION_STEPS / 2)),
                Ok(()),
                "{step}"
            );
            assert!(
                matches!(
                    check_bounds(&chain(step, MAX_EXPRESSION_STEPS + 1)),
                    Err(ExpressionTooBig::TooManySteps { .. })
                ),
                "{step}"
            );
        }
        // A table of 40 columns: many steps in all, few along any one branch.
        let columns: Vec<String> = (0..40).map(|i| format!("C{i}: row.c{i}.v")).collect();
        let table = format!("rows[].{{{}}}", columns.join(", "));
        assert_eq!(check_bounds(&table), Ok(()));
    }

    #[test]
    fn the_worst_expressions_within_the_bounds_run_on_a_small_stack() {
        // Whatever passes the bounds must compile and search inside a server worker
        // thread's stack (2 MiB), even in a debug build.
        let steps = MAX_EXPRESSION_STEPS;
        let depth = MAX_EXPRESSION_DEPTH;
        let worst = [
            vec!["a"; steps].join("."),
            format!("a{}", "[]".repeat(steps - 1)),
            format!("a{}", "[?a]".repeat(steps / 2 - 1)),
            format!("a{}", "[0]".repeat(steps / 2 - 1)),
            vec!["a"; steps].join("|"),
            format!("{}a", "!".repeat(depth)),
            format!("{}a{}", "(".repeat(depth), ")".repeat(depth)),
            format!("{}a{}", "length(".repeat(depth), ")".repeat(depth)),
        ];
        let nested = (0..steps).fold(
            serde_json::json!(1),
            |inner, _| serde_json::json!({"a": [inner]}),
        );
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                for expression in worst {
                    let compiled = compile(&expression).unwrap_or_else(|err| {
                        panic!("{expression}: {err}");
                    });
                    let _ = compiled.search(nested.clone());
                }
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
