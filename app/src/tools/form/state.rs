//! Everything the tool form holds, as signals in one `Copy` struct the sections share, and
//! how it becomes a `ToolEdit` checked with the domain's rules.

use chrono::{DateTime, Utc};
use domain::{
    ValidationIssue,
    dto::{ToolEdit, ToolSummary},
    tool::{ApiKeyLocation, DataClassification, HeaderField, ToolAuth, ToolSettings, parse_sample},
};
use leptos::{html, prelude::*};

use crate::components::FieldError;

#[derive(Clone, Copy)]
pub(super) struct HeaderRow {
    pub key: u32,
    pub name: RwSignal<String>,
    pub value: RwSignal<String>,
}

#[derive(Clone, Copy)]
pub(super) struct ToolFormState {
    pub is_new: bool,
    pub has_secret: bool,
    pub opened_at: Option<DateTime<Utc>>,
    /// Set once a new tool is created, so a retry after a failed logo upload edits it.
    pub saved_id: RwSignal<Option<i32>>,

    pub name: RwSignal<String>,
    pub slug: RwSignal<String>,
    pub slug_edited: RwSignal<bool>,
    pub kind: RwSignal<String>,
    pub description: RwSignal<String>,
    pub name_input: NodeRef<html::Input>,

    pub base_url: RwSignal<String>,
    pub test_path: RwSignal<String>,
    pub auth_type: RwSignal<String>,
    pub key_location: RwSignal<String>,
    pub key_name: RwSignal<String>,
    pub username: RwSignal<String>,
    pub token_url: RwSignal<String>,
    pub client_id: RwSignal<String>,
    pub scope: RwSignal<String>,
    pub replacing_secret: RwSignal<bool>,
    pub secret: RwSignal<String>,
    pub headers: RwSignal<Vec<HeaderRow>>,
    next_header_key: StoredValue<u32>,
    pub rate_limit: RwSignal<String>,
    pub timeout: RwSignal<String>,

    pub classification: RwSignal<DataClassification>,
    pub sample: RwSignal<String>,
    pub sample_check: Memo<Result<bool, ValidationIssue>>,
    pub endpoints_text: RwSignal<String>,
    pub statements_text: RwSignal<String>,

    pub logo_preview: RwSignal<Option<String>>,
    pub logo_bytes: RwSignal<Option<Vec<u8>>>,
    pub remove_logo: RwSignal<bool>,
    pub logo_error: RwSignal<Option<String>>,
    pub logo_input: NodeRef<html::Input>,

    pub issues: RwSignal<Vec<ValidationIssue>>,
    pub form_error: RwSignal<Option<String>>,
    pub saving: RwSignal<bool>,
}

impl ToolFormState {
    pub fn new(
        existing: Option<&ToolSummary>,
        edit: &ToolEdit,
        opened_at: Option<DateTime<Utc>>,
    ) -> Self {
        let (mut key_location, mut key_name, mut username) =
            ("header".to_owned(), String::new(), String::new());
        let (mut token_url, mut client_id, mut scope) =
            (String::new(), String::new(), String::new());
        match &edit.auth {
            ToolAuth::ApiKey { location, name } => {
                if *location == ApiKeyLocation::Query {
                    key_location = "query".to_owned();
                }
                key_name = name.clone();
            }
            ToolAuth::Basic { username: user } => username = user.clone(),
            ToolAuth::Oauth2ClientCredentials {
                token_url: url,
                client_id: id,
                scope: wanted,
            } => {
                token_url = url.clone();
                client_id = id.clone();
                scope = wanted.clone().unwrap_or_default();
            }
            ToolAuth::None | ToolAuth::Bearer => {}
        }
        let has_secret = existing.is_some_and(|tool| tool.has_secret);
        let settings = &edit.settings;
        let sample = RwSignal::new(edit.sample_response.clone().unwrap_or_default());
        let state = Self {
            is_new: existing.is_none(),
            has_secret,
            opened_at,
            saved_id: RwSignal::new(existing.map(|tool| tool.id)),
            name: RwSignal::new(edit.name.clone()),
            slug: RwSignal::new(String::new()),
            slug_edited: RwSignal::new(false),
            kind: RwSignal::new("rest".to_owned()),
            description: RwSignal::new(settings.description.clone()),
            name_input: NodeRef::new(),
            base_url: RwSignal::new(edit.base_url.clone()),
            test_path: RwSignal::new(settings.test_path.clone().unwrap_or_default()),
            auth_type: RwSignal::new(edit.auth.type_name().to_owned()),
            key_location: RwSignal::new(key_location),
            key_name: RwSignal::new(key_name),
            username: RwSignal::new(username),
            token_url: RwSignal::new(token_url),
            client_id: RwSignal::new(client_id),
            scope: RwSignal::new(scope),
            replacing_secret: RwSignal::new(!has_secret),
            secret: RwSignal::new(String::new()),
            headers: RwSignal::new(Vec::new()),
            next_header_key: StoredValue::new(0),
            rate_limit: RwSignal::new(number_text(settings.rate_limit_per_minute)),
            timeout: RwSignal::new(number_text(settings.timeout_seconds)),
            classification: RwSignal::new(settings.classification),
            sample,
            sample_check: Memo::new(move |_| {
                sample.with(|text| parse_sample(text).map(|parsed| parsed.is_some()))
            }),
            endpoints_text: RwSignal::new(json_or_blank(&settings.endpoints, Vec::is_empty)),
            statements_text: RwSignal::new(json_or_blank(
                &settings.statements,
                std::collections::BTreeMap::is_empty,
            )),
            logo_preview: RwSignal::new(existing.and_then(ToolSummary::logo_src)),
            logo_bytes: RwSignal::new(None),
            remove_logo: RwSignal::new(false),
            logo_error: RwSignal::new(None),
            logo_input: NodeRef::new(),
            issues: RwSignal::new(Vec::new()),
            form_error: RwSignal::new(None),
            saving: RwSignal::new(false),
        };
        let rows = settings
            .default_headers
            .iter()
            .cloned()
            .map(|header| state.header_row(header))
            .collect();
        state.headers.set(rows);
        state
    }

    /// A header row with a key of its own, so rows keep their inputs when others go.
    pub fn header_row(self, header: HeaderField) -> HeaderRow {
        let key = self.next_header_key.get_value();
        self.next_header_key.set_value(key + 1);
        HeaderRow {
            key,
            name: RwSignal::new(header.name),
            value: RwSignal::new(header.value),
        }
    }

    /// The messages for one field path, joined; empty when it has none.
    pub fn message_for(self, path: &str) -> String {
        self.issues.with(|all| {
            all.iter()
                .filter(|issue| issue.path == path)
                .map(|issue| issue.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    pub fn has_issue(self, path: &str) -> bool {
        self.issues
            .with(|all| all.iter().any(|issue| issue.path == path))
    }

    /// Endpoint and statement problems point inside the JSON: listed under its field.
    pub fn messages_under(self, prefix: &str) -> Vec<String> {
        self.issues.with(|all| {
            all.iter()
                .filter(|issue| issue.path.starts_with(prefix))
                .map(|issue| issue.to_string())
                .collect()
        })
    }

    /// The error line of one field path, with the element id `error-<path>`.
    pub fn error(self, path: &'static str) -> FieldError {
        FieldError::new(
            format!("error-{}", path.replace(['.', '[', ']'], "-")),
            Signal::derive(move || self.has_issue(path).then(|| self.message_for(path))),
        )
    }

    fn auth_from_fields(self) -> ToolAuth {
        match self.auth_type.get_untracked().as_str() {
            "api_key" => ToolAuth::ApiKey {
                location: if self.key_location.get_untracked() == "query" {
                    ApiKeyLocation::Query
                } else {
                    ApiKeyLocation::Header
                },
                name: self.key_name.get_untracked().trim().to_owned(),
            },
            "bearer" => ToolAuth::Bearer,
            "basic" => ToolAuth::Basic {
                username: self.username.get_untracked().trim().to_owned(),
            },
            "oauth2_client_credentials" => ToolAuth::Oauth2ClientCredentials {
                token_url: self.token_url.get_untracked().trim().to_owned(),
                client_id: self.client_id.get_untracked().trim().to_owned(),
                scope: Some(self.scope.get_untracked().trim().to_owned())
                    .filter(|scope| !scope.is_empty()),
            },
            _ => ToolAuth::None,
        }
    }

    /// Everything the form holds, checked by the domain's rules.
    pub fn collect(self) -> Result<ToolEdit, Vec<ValidationIssue>> {
        let mut found = Vec::new();
        let rate_limit_per_minute = optional_number(
            &self.rate_limit.get_untracked(),
            "rate_limit_per_minute",
            &mut found,
        );
        let timeout_seconds =
            optional_number(&self.timeout.get_untracked(), "timeout_seconds", &mut found);
        let endpoints = parse_json_field(
            &self.endpoints_text.get_untracked(),
            "endpoints",
            &mut found,
        );
        let statements = parse_json_field(
            &self.statements_text.get_untracked(),
            "statements",
            &mut found,
        );
        let edit = ToolEdit {
            name: self.name.get_untracked().trim().to_owned(),
            base_url: self.base_url.get_untracked().trim().to_owned(),
            auth: self.auth_from_fields(),
            settings: ToolSettings {
                description: self.description.get_untracked().trim().to_owned(),
                default_headers: self
                    .headers
                    .get_untracked()
                    .iter()
                    .map(|row| HeaderField {
                        name: row.name.get_untracked().trim().to_owned(),
                        value: row.value.get_untracked(),
                    })
                    .collect(),
                rate_limit_per_minute,
                timeout_seconds,
                classification: self.classification.get_untracked(),
                test_path: Some(self.test_path.get_untracked().trim().to_owned())
                    .filter(|path| !path.is_empty()),
                endpoints,
                statements,
            },
            sample_response: Some(self.sample.get_untracked()),
            base_updated_at: self.opened_at,
        };
        if self.is_new
            && self.saved_id.get_untracked().is_none()
            && !domain::page::is_valid_slug(&self.slug.get_untracked())
        {
            found.push(ValidationIssue::new(
                "slug",
                "use 1–80 lowercase letters, digits and single hyphens, e.g. servicenow-eu",
            ));
        }
        if let Err(more) = edit.validate() {
            found.extend(more);
        }
        if found.is_empty() {
            Ok(edit)
        } else {
            Err(found)
        }
    }
}

fn number_text(number: Option<u32>) -> String {
    number.map(|n| n.to_string()).unwrap_or_default()
}

/// A number field: blank is "not set".
fn optional_number(text: &str, path: &str, issues: &mut Vec<ValidationIssue>) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<u32>() {
        Ok(number) => Some(number),
        Err(_) => {
            issues.push(ValidationIssue::new(path, "enter a whole number"));
            None
        }
    }
}

/// Pretty JSON for a textarea, or nothing when there is nothing to show.
fn json_or_blank<T: serde::Serialize>(value: &T, is_empty: fn(&T) -> bool) -> String {
    if is_empty(value) {
        String::new()
    } else {
        serde_json::to_string_pretty(value).unwrap_or_default()
    }
}

/// A JSON textarea read as `T` (blank = empty), naming the place of a syntax or shape error.
fn parse_json_field<T: serde::de::DeserializeOwned + Default>(
    text: &str,
    path: &str,
    issues: &mut Vec<ValidationIssue>,
) -> T {
    if text.trim().is_empty() {
        return T::default();
    }
    let mut reader = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize(&mut reader) {
        Ok(value) => value,
        Err(err) => {
            let at = match err.path().to_string() {
                at if at == "." => String::new(),
                at if at.starts_with('[') => at,
                at => format!(".{at}"),
            };
            issues.push(ValidationIssue::new(
                format!("{path}{at}"),
                err.inner().to_string(),
            ));
            T::default()
        }
    }
}
