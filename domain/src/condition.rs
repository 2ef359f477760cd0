//! Access conditions on user attributes, such as
//! `department == 'Finance' && region in ['EU', 'UK']`: a small rule language a page or a
//! widget carries, checked on the server for every read. Parsing is one pass and evaluation
//! one walk of a bounded tree, so no input can make either loop or run long; text never
//! becomes code or a query.
//!
//! Grammar: `a || b`, `a && b` (also `or`, `and`), `!a` (also `not`), parentheses, and
//! comparisons of an attribute with quoted text: `==`, `!=`, `in [...]`, `not in [...]`.
//! `role` names the user's role. A missing attribute equals nothing: `==` and `in` are
//! false, `!=` and `not in` true.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const MAX_CONDITION_CHARS: usize = 1_000;
const MAX_DEPTH: usize = 16;
const MAX_TERMS: usize = 64;
const MAX_LIST: usize = 50;

/// Who a condition is asked about.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    pub role: &'a str,
    pub attributes: &'a BTreeMap<String, String>,
}

impl Subject<'_> {
    fn value_of(&self, name: &str) -> Option<&str> {
        match name {
            "role" => Some(self.role),
            other => self.attributes.get(other).map(String::as_str),
        }
    }
}

/// A condition that parsed; [`Condition::allows`] answers it for a subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition(Node);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Any(Vec<Node>),
    All(Vec<Node>),
    Not(Box<Node>),
    Equals {
        attribute: String,
        value: String,
        negated: bool,
    },
    OneOf {
        attribute: String,
        values: Vec<String>,
        negated: bool,
    },
}

/// Why a condition did not parse, at a 1-based character column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionError {
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ConditionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at column {}: {}", self.column, self.message)
    }
}

impl Condition {
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        if text.chars().count() > MAX_CONDITION_CHARS {
            return Err(ConditionError {
                column: MAX_CONDITION_CHARS + 1,
                message: format!("a condition has at most {MAX_CONDITION_CHARS} characters"),
            });
        }
        let tokens = tokenize(text)?;
        let mut parser = Parser {
            tokens: &tokens,
            at: 0,
            end: text.chars().count() + 1,
            terms: 0,
        };
        let node = parser.any(0)?;
        match parser.peek() {
            None => Ok(Condition(node)),
            Some((column, token)) => Err(ConditionError {
                column,
                message: format!("expected && or || before {}", token.describe()),
            }),
        }
    }

    /// Whether the subject meets the condition.
    pub fn allows(&self, subject: &Subject<'_>) -> bool {
        self.0.allows(subject)
    }
}

impl Node {
    fn allows(&self, subject: &Subject<'_>) -> bool {
        match self {
            Node::Any(nodes) => nodes.iter().any(|node| node.allows(subject)),
            Node::All(nodes) => nodes.iter().all(|node| node.allows(subject)),
            Node::Not(node) => !node.allows(subject),
            Node::Equals {
                attribute,
                value,
                negated,
            } => (subject.value_of(attribute) == Some(value.as_str())) != *negated,
            Node::OneOf {
                attribute,
                values,
                negated,
            } => {
                let found = subject
                    .value_of(attribute)
                    .is_some_and(|actual| values.iter().any(|value| value == actual));
                found != *negated
            }
        }
    }
}

/// Checks an optional condition as a save would: `None` when absent or valid.
pub fn check(text: Option<&str>) -> Option<ConditionError> {
    text.filter(|text| !text.trim().is_empty())
        .and_then(|text| Condition::parse(text).err())
}

/// Whether `text` (absent or empty means "everyone") allows the subject. A condition that
/// does not parse allows nobody: stored conditions were checked on save, so this only
/// closes the door on one that was written some other way.
pub fn allows(text: Option<&str>, subject: &Subject<'_>) -> bool {
    match text.filter(|text| !text.trim().is_empty()) {
        None => true,
        Some(text) => Condition::parse(text).is_ok_and(|condition| condition.allows(subject)),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Name(String),
    Text(String),
    Or,
    And,
    Not,
    In,
    Equal,
    NotEqual,
    Open,
    Close,
    OpenList,
    CloseList,
    Comma,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Name(name) => format!("'{name}'"),
            Token::Text(text) => format!("the text '{text}'"),
            Token::Or => "||".to_owned(),
            Token::And => "&&".to_owned(),
            Token::Not => "!".to_owned(),
            Token::In => "in".to_owned(),
            Token::Equal => "==".to_owned(),
            Token::NotEqual => "!=".to_owned(),
            Token::Open => "(".to_owned(),
            Token::Close => ")".to_owned(),
            Token::OpenList => "[".to_owned(),
            Token::CloseList => "]".to_owned(),
            Token::Comma => ",".to_owned(),
        }
    }
}

fn error(column: usize, message: impl Into<String>) -> ConditionError {
    ConditionError {
        column,
        message: message.into(),
    }
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, ConditionError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let column = i + 1;
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let (token, width) = match (c, next) {
            (c, _) if c.is_whitespace() => {
                i += 1;
                continue;
            }
            ('|', Some('|')) => (Token::Or, 2),
            ('&', Some('&')) => (Token::And, 2),
            ('=', Some('=')) => (Token::Equal, 2),
            ('!', Some('=')) => (Token::NotEqual, 2),
            ('!', _) => (Token::Not, 1),
            ('(', _) => (Token::Open, 1),
            (')', _) => (Token::Close, 1),
            ('[', _) => (Token::OpenList, 1),
            (']', _) => (Token::CloseList, 1),
            (',', _) => (Token::Comma, 1),
            ('\'' | '"', _) => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|other| *other == c)
                    .ok_or_else(|| error(column, format!("this text has no closing {c}")))?;
                let value: String = chars[i + 1..i + 1 + close].iter().collect();
                (Token::Text(value), close + 2)
            }
            (c, _) if c.is_ascii_alphabetic() || c == '_' => {
                let length = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .count();
                let word: String = chars[i..i + length].iter().collect();
                let token = match word.as_str() {
                    "or" => Token::Or,
                    "and" => Token::And,
                    "not" => Token::Not,
                    "in" => Token::In,
                    _ => Token::Name(word),
                };
                (token, length)
            }
            ('=', _) => return Err(error(column, "use == to compare")),
            ('&' | '|', _) => return Err(error(column, format!("use {c}{c}"))),
            (c, _) => return Err(error(column, format!("'{c}' cannot be used here"))),
        };
        tokens.push((column, token));
        i += width;
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: &'a [(usize, Token)],
    at: usize,
    /// The column just past the text, for "ended too early".
    end: usize,
    terms: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<(usize, &Token)> {
        self.tokens
            .get(self.at)
            .map(|(column, token)| (*column, token))
    }

    fn next(&mut self, expected: &str) -> Result<(usize, Token), ConditionError> {
        let found = self.tokens.get(self.at).cloned();
        self.at += 1;
        found.ok_or_else(|| {
            error(
                self.end,
                format!("the condition ends where {expected} was expected"),
            )
        })
    }

    fn eat(&mut self, wanted: &Token) -> bool {
        if self.peek().is_some_and(|(_, token)| token == wanted) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn any(&mut self, depth: usize) -> Result<Node, ConditionError> {
        let mut nodes = vec![self.all(depth)?];
        while self.eat(&Token::Or) {
            nodes.push(self.all(depth)?);
        }
        Ok(if nodes.len() == 1 {
            nodes.remove(0)
        } else {
            Node::Any(nodes)
        })
    }

    fn all(&mut self, depth: usize) -> Result<Node, ConditionError> {
        let mut nodes = vec![self.unary(depth)?];
        while self.eat(&Token::And) {
            nodes.push(self.unary(depth)?);
        }
        Ok(if nodes.len() == 1 {
            nodes.remove(0)
        } else {
            Node::All(nodes)
        })
    }

    fn unary(&mut self, depth: usize) -> Result<Node, ConditionError> {
        if depth >= MAX_DEPTH {
            let column = self.peek().map_or(self.end, |(column, _)| column);
            return Err(error(
                column,
                format!("nest at most {MAX_DEPTH} levels deep"),
            ));
        }
        let (column, token) = self.next("a comparison such as department == 'Finance'")?;
        match token {
            Token::Not => Ok(Node::Not(Box::new(self.unary(depth + 1)?))),
            Token::Open => {
                let inner = self.any(depth + 1)?;
                match self.next(")")? {
                    (_, Token::Close) => Ok(inner),
                    (column, other) => Err(error(
                        column,
                        format!("expected ) instead of {}", other.describe()),
                    )),
                }
            }
            Token::Name(attribute) => {
                self.terms += 1;
                if self.terms > MAX_TERMS {
                    return Err(error(
                        column,
                        format!("use at most {MAX_TERMS} comparisons"),
                    ));
                }
                self.comparison(attribute)
            }
            other => Err(error(
                column,
                format!(
                    "expected an attribute name such as department instead of {}",
                    other.describe()
                ),
            )),
        }
    }

    fn comparison(&mut self, attribute: String) -> Result<Node, ConditionError> {
        let (column, operator) = self.next("==, != or in")?;
        match operator {
            Token::Equal | Token::NotEqual => {
                let value = self.text("a value in quotes")?;
                Ok(Node::Equals {
                    attribute,
                    value,
                    negated: operator == Token::NotEqual,
                })
            }
            Token::In => self.list(attribute, false),
            Token::Not if self.eat(&Token::In) => self.list(attribute, true),
            other => Err(error(
                column,
                format!(
                    "expected ==, != or in after '{attribute}' instead of {}",
                    other.describe()
                ),
            )),
        }
    }

    fn list(&mut self, attribute: String, negated: bool) -> Result<Node, ConditionError> {
        match self.next("[")? {
            (_, Token::OpenList) => {}
            (column, other) => {
                return Err(error(
                    column,
                    format!(
                        "expected a list such as ['EU', 'UK'] instead of {}",
                        other.describe()
                    ),
                ));
            }
        }
        let mut values = Vec::new();
        loop {
            values.push(self.text("a value in quotes")?);
            if values.len() > MAX_LIST {
                let column = self.peek().map_or(self.end, |(column, _)| column);
                return Err(error(
                    column,
                    format!("a list has at most {MAX_LIST} values"),
                ));
            }
            match self.next("] or ,")? {
                (_, Token::Comma) => continue,
                (_, Token::CloseList) => break,
                (column, other) => {
                    return Err(error(
                        column,
                        format!("expected , or ] instead of {}", other.describe()),
                    ));
                }
            }
        }
        Ok(Node::OneOf {
            attribute,
            values,
            negated,
        })
    }

    fn text(&mut self, expected: &str) -> Result<String, ConditionError> {
        match self.next(expected)? {
            (_, Token::Text(value)) => Ok(value),
            (column, other) => Err(error(
                column,
                format!("expected {expected} instead of {}", other.describe()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(role: &str, pairs: &[(&str, &str)]) -> (String, BTreeMap<String, String>) {
        (
            role.to_owned(),
            pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
        )
    }

    fn allows_for(text: &str, who: &(String, BTreeMap<String, String>)) -> bool {
        Condition::parse(text).unwrap().allows(&Subject {
            role: &who.0,
            attributes: &who.1,
        })
    }

    #[test]
    fn conditions_combine_comparisons_lists_and_negation() {
        let finance_eu = person("viewer", &[("department", "Finance"), ("region", "EU")]);
        let finance_us = person("viewer", &[("department", "Finance"), ("region", "US")]);
        let hr_uk = person("editor", &[("department", "HR"), ("region", "UK")]);
        let nobody = person("viewer", &[]);
        let table: &[(&str, [bool; 4])] = &[
            ("department == 'Finance'", [true, true, false, false]),
            ("department != 'Finance'", [false, false, true, true]),
            (
                "department == 'Finance' && region in ['EU','UK']",
                [true, false, false, false],
            ),
            (
                "department == \"HR\" || region == 'EU'",
                [true, false, true, false],
            ),
            ("region not in ['EU', 'UK']", [false, true, false, true]),
            ("!(department == 'Finance')", [false, false, true, true]),
            (
                "not department == 'Finance' or role == 'editor'",
                [false, false, true, true],
            ),
            (
                "department == 'Finance' and (region == 'US' or region == 'UK')",
                [false, true, false, false],
            ),
            ("role in ['viewer']", [true, true, false, true]),
            ("department == 'finance'", [false, false, false, false]),
        ];
        for (text, expected) in table {
            let got = [&finance_eu, &finance_us, &hr_uk, &nobody].map(|who| allows_for(text, who));
            assert_eq!(&got, expected, "{text}");
        }
    }

    #[test]
    fn parse_errors_say_what_was_expected_and_where() {
        let cases: &[(&str, usize, &str)] = &[
            ("department = 'Finance'", 12, "use == to compare"),
            (
                "department == Finance",
                15,
                "expected a value in quotes instead of 'Finance'",
            ),
            ("department == 'Finance", 15, "this text has no closing '"),
            (
                "department ==",
                14,
                "the condition ends where a value in quotes was expected",
            ),
            (
                "region in 'EU'",
                11,
                "expected a list such as ['EU', 'UK'] instead of the text 'EU'",
            ),
            (
                "region in ['EU' 'UK']",
                17,
                "expected , or ] instead of the text 'UK'",
            ),
            (
                "(department == 'HR'",
                20,
                "the condition ends where ) was expected",
            ),
            (
                "department == 'HR' region == 'EU'",
                20,
                "expected && or || before 'region'",
            ),
            (
                "&& department == 'HR'",
                1,
                "expected an attribute name such as department instead of &&",
            ),
            ("department & region", 12, "use &&"),
            (
                "department == 'HR' || ",
                23,
                "the condition ends where a comparison such as department == 'Finance' was expected",
            ),
            ("départment == 'x'", 2, "'é' cannot be used here"),
            ("team >= 'a'", 6, "'>' cannot be used here"),
        ];
        for (text, column, message) in cases {
            assert_eq!(
                Condition::parse(text),
                Err(ConditionError {
                    column: *column,
                    message: (*message).to_owned()
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn size_and_nesting_are_bounded() {
        let deep = format!("{}a == 'b'{}", "(".repeat(40), ")".repeat(40));
        assert!(
            Condition::parse(&deep)
                .unwrap_err()
                .message
                .contains("at most 16 levels")
        );
        let nots = format!("{}a == 'b'", "!".repeat(40));
        assert!(Condition::parse(&nots).is_err());
        let many = vec!["a == 'b'"; 65].join(" || ");
        assert!(
            Condition::parse(&many)
                .unwrap_err()
                .message
                .contains("at most 64 comparisons")
        );
        let list = format!("a in [{}]", vec!["'x'"; 51].join(","));
        assert!(
            Condition::parse(&list)
                .unwrap_err()
                .message
                .contains("at most 50 values")
        );
        let long = format!("a == '{}'", "x".repeat(1_000));
        assert_eq!(Condition::parse(&long).unwrap_err().column, 1_001);
    }

    #[test]
    fn absent_conditions_allow_everyone_and_broken_ones_nobody() {
        let who = person("viewer", &[("department", "HR")]);
        let subject = Subject {
            role: &who.0,
            attributes: &who.1,
        };
        assert!(allows(None, &subject));
        assert!(allows(Some("  "), &subject));
        assert!(allows(Some("department == 'HR'"), &subject));
        assert!(!allows(Some("department = 'HR'"), &subject));
        assert_eq!(check(Some("")), None);
        assert_eq!(check(Some("department == 'HR'")), None);
        assert_eq!(check(Some("department =")).map(|e| e.column), Some(12));
    }
}
