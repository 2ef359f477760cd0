//! How a tool is reached and what an admin configures on it: authentication, default
//! headers, limits, data classification and a sample answer. Secrets themselves never appear
//! here; they are stored encrypted and only their presence is reported.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::{
    ValidationIssue,
    request::{SqlStatement, statements_in},
    template::{EndpointTemplate, check_endpoints},
};

pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
pub const MAX_SAMPLE_BYTES: usize = 1024 * 1024;
pub const MAX_TIMEOUT_SECONDS: u32 = 120;
pub const MAX_RATE_LIMIT_PER_MINUTE: u32 = 60_000;
pub const MAX_DEFAULT_HEADERS: usize = 50;
const MAX_HEADER_VALUE_CHARS: usize = 4096;

/// Headers that describe one connection hop or the message framing: the HTTP client sets
/// them, and a stored value would break or smuggle requests.
const HOP_BY_HOP_HEADERS: [&str; 12] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "expect",
    "http2-settings",
];

/// Headers that carry credentials: they belong in the authentication settings, where the
/// secret is encrypted, not in plain settings.
const CREDENTIAL_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Parts of header names that usually carry a credential (`X-Auth-Token`, `X-Api-Key`):
/// refused for the same reason, since default headers are stored and audited in plain text.
const CREDENTIAL_HINTS: [&str; 7] = [
    "token", "secret", "password", "apikey", "api-key", "api_key", "auth",
];

/// Kinds offered when registering a tool: (kind, label). Any slug-like kind is accepted.
pub const KNOWN_KINDS: [(&str, &str); 8] = [
    ("rest", "REST API"),
    ("graphql", "GraphQL API"),
    ("databricks", "Databricks"),
    ("servicenow", "ServiceNow"),
    ("powerbi", "Power BI"),
    ("tableau", "Tableau"),
    ("azure-devops", "Azure DevOps"),
    ("snowflake", "Snowflake"),
];

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolAuth {
    #[default]
    None,
    /// The secret is sent in a header or query parameter named `name`.
    ApiKey {
        location: ApiKeyLocation,
        name: String,
    },
    /// The secret is sent as `Authorization: Bearer <secret>`.
    Bearer,
    /// The secret is the password.
    Basic { username: String },
    /// OAuth 2.0 client credentials grant; the secret is the client secret.
    Oauth2ClientCredentials {
        token_url: String,
        client_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyLocation {
    Header,
    Query,
}

impl ToolAuth {
    pub fn type_name(&self) -> &'static str {
        match self {
            ToolAuth::None => "none",
            ToolAuth::ApiKey { .. } => "api_key",
            ToolAuth::Bearer => "bearer",
            ToolAuth::Basic { .. } => "basic",
            ToolAuth::Oauth2ClientCredentials { .. } => "oauth2_client_credentials",
        }
    }

    pub fn needs_secret(&self) -> bool {
        !matches!(self, ToolAuth::None)
    }

    pub fn validate(&self) -> Result<(), Vec<ValidationIssue>> {
        let mut issues = Vec::new();
        match self {
            ToolAuth::ApiKey { name, .. } if name.trim().is_empty() => {
                issues.push(ValidationIssue::new(
                    "auth.name",
                    "name the header or query parameter that carries the key",
                ));
            }
            ToolAuth::Basic { username } if username.trim().is_empty() => {
                issues.push(ValidationIssue::new("auth.username", "enter the user name"));
            }
            ToolAuth::Oauth2ClientCredentials {
                token_url,
                client_id,
                ..
            } => {
                if !(token_url.starts_with("https://") || token_url.starts_with("http://")) {
                    issues.push(ValidationIssue::new(
                        "auth.token_url",
                        "use the http(s) URL of the token endpoint",
                    ));
                }
                if client_id.trim().is_empty() {
                    issues.push(ValidationIssue::new(
                        "auth.client_id",
                        "enter the client id",
                    ));
                }
            }
            _ => {}
        }
        crate::error::collected(issues)
    }
}

/// How sensitive the data a tool returns is; shown next to the tool and, later, used by
/// policies (exports, embedding).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataClassification {
    Public,
    #[default]
    Internal,
    Confidential,
}

impl DataClassification {
    pub const ALL: [DataClassification; 3] = [
        DataClassification::Public,
        DataClassification::Internal,
        DataClassification::Confidential,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DataClassification::Public => "public",
            DataClassification::Internal => "internal",
            DataClassification::Confidential => "confidential",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DataClassification::Public => "Public",
            DataClassification::Internal => "Internal",
            DataClassification::Confidential => "Confidential",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|class| class.as_str() == value)
    }
}

/// The outcome of a tool's last connection test.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolStatus {
    Ok,
    /// 401/403 or no credentials stored: the admin must update them.
    CredentialsRejected,
    /// Unreachable, timing out, answering errors or something other than JSON.
    Failing,
    #[default]
    NotTested,
}

impl ToolStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ToolStatus::Ok => "ok",
            ToolStatus::CredentialsRejected => "credentials_rejected",
            ToolStatus::Failing => "failing",
            ToolStatus::NotTested => "not_tested",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ToolStatus::Ok => "OK",
            ToolStatus::CredentialsRejected => "Credentials rejected",
            ToolStatus::Failing => "Failing",
            ToolStatus::NotTested => "Not tested",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            ToolStatus::Ok,
            ToolStatus::CredentialsRejected,
            ToolStatus::Failing,
            ToolStatus::NotTested,
        ]
        .into_iter()
        .find(|status| status.as_str() == value)
    }
}

/// One header sent with every request to the tool.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HeaderField {
    pub name: String,
    pub value: String,
}

/// What an admin sets on a tool besides its name, address and authentication. Stored as
/// top-level keys of the tool's JSON `config`, next to `auth` and other keys it keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ToolSettings {
    pub description: String,
    pub default_headers: Vec<HeaderField>,
    /// Requests per minute; none means no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_minute: Option<u32>,
    /// Seconds a request may take; none means the server's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    pub classification: DataClassification,
    /// What "Test connection" calls, appended to the base URL (`/` when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_path: Option<String>,
    /// Named operations offered in the builder for this tool, before its template's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<EndpointTemplate>,
    /// SQL statements pages run by name with bound parameters (Databricks, Snowflake).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub statements: BTreeMap<String, SqlStatement>,
}

pub const MAX_ENDPOINTS: usize = 100;

impl ToolSettings {
    const KEYS: [&str; 8] = [
        "description",
        "default_headers",
        "rate_limit_per_minute",
        "timeout_seconds",
        "classification",
        "test_path",
        "endpoints",
        "statements",
    ];

    /// Reads the settings from a tool's `config`, naming the field that does not fit
    /// (`config.timeout_seconds: …`).
    pub fn from_config(config: &Value) -> Result<Self, Vec<ValidationIssue>> {
        let mut known = Map::new();
        if let Value::Object(map) = config {
            for key in Self::KEYS {
                if let Some(value) = map.get(key).filter(|value| !value.is_null()) {
                    known.insert(key.to_owned(), value.clone());
                }
            }
        }
        serde_path_to_error::deserialize(Value::Object(known)).map_err(|err| {
            vec![ValidationIssue::new(
                format!("config.{}", err.path()),
                err.inner().to_string(),
            )]
        })
    }

    /// The settings of a stored (already validated) config; defaults where unreadable.
    pub fn lenient(config: &Value) -> Self {
        Self::from_config(config).unwrap_or_default()
    }

    /// Replaces this struct's keys in `config`, keeping every other key.
    pub fn write_into(&self, config: &mut Map<String, Value>) {
        for key in Self::KEYS {
            config.remove(key);
        }
        if let Ok(Value::Object(settings)) = serde_json::to_value(self) {
            config.extend(settings);
        }
    }

    /// Checks every setting; `auth` is needed to spot a header the API key already uses.
    pub fn validate(&self, auth: &ToolAuth) -> Result<(), Vec<ValidationIssue>> {
        let mut issues = Vec::new();
        if self.description.chars().count() > MAX_DESCRIPTION_CHARS {
            issues.push(ValidationIssue::new(
                "description",
                format!("keep the description under {MAX_DESCRIPTION_CHARS} characters"),
            ));
        }
        if let Some(limit) = self.rate_limit_per_minute
            && !(1..=MAX_RATE_LIMIT_PER_MINUTE).contains(&limit)
        {
            issues.push(ValidationIssue::new(
                "rate_limit_per_minute",
                format!(
                    "use 1 to {MAX_RATE_LIMIT_PER_MINUTE} requests per minute, or leave it empty for no limit"
                ),
            ));
        }
        if let Some(timeout) = self.timeout_seconds
            && !(1..=MAX_TIMEOUT_SECONDS).contains(&timeout)
        {
            issues.push(ValidationIssue::new(
                "timeout_seconds",
                format!(
                    "use 1 to {MAX_TIMEOUT_SECONDS} seconds, or leave it empty for the default"
                ),
            ));
        }
        // Shape only: the connector keeps every call under the base path.
        if let Some(path) = &self.test_path
            && (!path.starts_with('/') || path.starts_with("//") || path.len() > 500)
        {
            issues.push(ValidationIssue::new(
                "test_path",
                "start with / and stay under the base URL, e.g. /api/health?limit=1",
            ));
        }
        if let Err(found) = statements_in(&json!({ "statements": self.statements })) {
            issues.extend(found.into_iter().map(|issue| {
                ValidationIssue::new(
                    issue.path.trim_start_matches("config.").to_owned(),
                    issue.message,
                )
            }));
        }
        if self.endpoints.len() > MAX_ENDPOINTS {
            issues.push(ValidationIssue::new(
                "endpoints",
                format!("at most {MAX_ENDPOINTS} endpoints per tool"),
            ));
        }
        check_endpoints(&self.endpoints, &self.statements, "statements", &mut issues);
        if self.default_headers.len() > MAX_DEFAULT_HEADERS {
            issues.push(ValidationIssue::new(
                "default_headers",
                format!("at most {MAX_DEFAULT_HEADERS} default headers"),
            ));
        }
        let api_key_header = match auth {
            ToolAuth::ApiKey {
                location: ApiKeyLocation::Header,
                name,
            } => Some(name.trim().to_ascii_lowercase()),
            _ => None,
        };
        let mut seen: Vec<String> = Vec::new();
        for (index, header) in self.default_headers.iter().enumerate() {
            let path = |field: &str| format!("default_headers[{index}].{field}");
            let lower = header.name.trim().to_ascii_lowercase();
            let name_problem = if lower.is_empty() {
                Some("name the header".to_owned())
            } else if !lower.bytes().all(is_token_byte) {
                Some(
                    "header names use letters, digits and - _ . only (no spaces or colons)"
                        .to_owned(),
                )
            } else if HOP_BY_HOP_HEADERS.contains(&lower.as_str()) {
                Some(format!(
                    "{} is set by the connection itself",
                    header.name.trim()
                ))
            } else if api_key_header.as_deref() == Some(lower.as_str()) {
                Some("the API key is already sent in this header".to_owned())
            } else if CREDENTIAL_HEADERS.contains(&lower.as_str())
                || CREDENTIAL_HINTS.iter().any(|hint| lower.contains(hint))
            {
                Some(format!(
                    "{} carries credentials: choose an authentication type instead, so the secret is stored encrypted",
                    header.name.trim()
                ))
            } else if seen.contains(&lower) {
                Some("this header is already listed".to_owned())
            } else {
                None
            };
            if let Some(message) = name_problem {
                issues.push(ValidationIssue::new(path("name"), message));
            }
            seen.push(lower);
            if header.value.chars().count() > MAX_HEADER_VALUE_CHARS {
                issues.push(ValidationIssue::new(
                    path("value"),
                    format!("keep header values under {MAX_HEADER_VALUE_CHARS} characters"),
                ));
            } else if header.value.chars().any(|c| c.is_control() && c != '\t') {
                issues.push(ValidationIssue::new(
                    path("value"),
                    "header values must be one line of text",
                ));
            }
        }
        crate::error::collected(issues)
    }
}

/// RFC 9110 `tchar`: what a header name may consist of.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// A tool's base URL: an absolute http(s) URL, or a path on this server (the demo tools).
pub fn check_base_url(base_url: &str) -> Result<(), ValidationIssue> {
    let fine = if base_url.starts_with('/') {
        !base_url.starts_with("//") && !base_url.contains('\\')
    } else {
        url::Url::parse(base_url)
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some())
    };
    if fine {
        Ok(())
    } else {
        Err(ValidationIssue::new(
            "base_url",
            "use an http(s) URL, or a path starting with / for built-in endpoints",
        ))
    }
}

/// Reads a pasted sample answer: nothing (blank), or JSON of at most 1 MB.
pub fn parse_sample(text: &str) -> Result<Option<Value>, ValidationIssue> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    if text.len() > MAX_SAMPLE_BYTES {
        return Err(ValidationIssue::new(
            "sample_response",
            format!(
                "the sample is {} KB; paste at most {} KB",
                text.len().div_ceil(1024),
                MAX_SAMPLE_BYTES / 1024
            ),
        ));
    }
    serde_json::from_str(text).map(Some).map_err(|err| {
        ValidationIssue::new(
            "sample_response",
            format!("the sample is not valid JSON: {err}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn auth_round_trips_as_tagged_json() {
        let auth = ToolAuth::ApiKey {
            location: ApiKeyLocation::Header,
            name: "X-API-Key".into(),
        };
        let value = serde_json::to_value(&auth).unwrap();
        assert_eq!(
            value,
            json!({"type": "api_key", "location": "header", "name": "X-API-Key"})
        );
        assert_eq!(serde_json::from_value::<ToolAuth>(value).unwrap(), auth);
        assert_eq!(
            serde_json::from_value::<ToolAuth>(json!({"type": "none"})).unwrap(),
            ToolAuth::None
        );
    }

    #[test]
    fn incomplete_auth_is_reported_per_field() {
        let issues = ToolAuth::Oauth2ClientCredentials {
            token_url: "ftp://x".into(),
            client_id: " ".into(),
            scope: None,
        }
        .validate()
        .unwrap_err();
        let paths: Vec<_> = issues.iter().map(|issue| issue.path.as_str()).collect();
        assert_eq!(paths, ["auth.token_url", "auth.client_id"]);
        assert!(ToolAuth::Bearer.validate().is_ok());
    }
}

#[cfg(test)]
mod settings_tests {
    use super::*;
    use serde_json::json;

    fn header(name: &str, value: &str) -> HeaderField {
        HeaderField {
            name: name.into(),
            value: value.into(),
        }
    }

    fn paths(issues: &[ValidationIssue]) -> Vec<&str> {
        issues.iter().map(|issue| issue.path.as_str()).collect()
    }

    #[test]
    fn settings_live_beside_other_config_keys() {
        let mut config =
            json!({"auth": {"type": "none"}, "test_path": "/ping", "timeout_seconds": 5})
                .as_object()
                .cloned()
                .unwrap();
        let settings = ToolSettings {
            description: "Jobs".into(),
            default_headers: vec![header("X-Env", "prod")],
            rate_limit_per_minute: Some(30),
            timeout_seconds: None,
            classification: DataClassification::Confidential,
            test_path: Some("/health".into()),
            ..Default::default()
        };
        settings.write_into(&mut config);
        let config = Value::Object(config);
        assert_eq!(config["test_path"], "/health");
        assert_eq!(config["auth"]["type"], "none", "other keys are kept");
        assert!(
            config.get("timeout_seconds").is_none(),
            "cleared settings are removed"
        );
        assert_eq!(config["classification"], "confidential");
        assert_eq!(ToolSettings::from_config(&config).unwrap(), settings);
        // Seeded configs hold only a description.
        assert_eq!(
            ToolSettings::from_config(&json!({"description": "x"}))
                .unwrap()
                .classification,
            DataClassification::Internal
        );
    }

    #[test]
    fn unreadable_settings_name_their_config_field() {
        let issues = ToolSettings::from_config(&json!({"timeout_seconds": "soon"})).unwrap_err();
        assert_eq!(paths(&issues), ["config.timeout_seconds"]);
        let issues = ToolSettings::from_config(&json!({"classification": "secret"})).unwrap_err();
        assert_eq!(paths(&issues), ["config.classification"]);
    }

    #[test]
    fn limits_are_checked_with_their_ranges() {
        let settings = ToolSettings {
            rate_limit_per_minute: Some(0),
            timeout_seconds: Some(121),
            description: "x".repeat(MAX_DESCRIPTION_CHARS + 1),
            test_path: Some("admin/health".into()),
            ..Default::default()
        };
        let issues = settings.validate(&ToolAuth::None).unwrap_err();
        assert_eq!(
            paths(&issues),
            [
                "description",
                "rate_limit_per_minute",
                "timeout_seconds",
                "test_path"
            ]
        );
        assert!(issues[2].message.contains("1 to 120 seconds"));
        let fine = ToolSettings {
            rate_limit_per_minute: Some(60),
            timeout_seconds: Some(120),
            ..Default::default()
        };
        assert!(fine.validate(&ToolAuth::None).is_ok());
    }

    #[test]
    fn default_headers_refuse_credentials_hop_by_hop_and_bad_text() {
        let settings = ToolSettings {
            default_headers: vec![
                header("X-Tenant", "eu-1"),
                header("Authorization", "Bearer abc"),
                header("cookie", "a=b"),
                header("Transfer-Encoding", "chunked"),
                header("Bad Name", "x"),
                header("x-tenant", "again"),
                header("X-Api-Key", "k"),
                header("X-Auth-Token", "t"),
                header("X-Line", "one\r\nInjected: yes"),
                header("", "x"),
            ],
            ..Default::default()
        };
        let auth = ToolAuth::ApiKey {
            location: ApiKeyLocation::Header,
            name: "X-API-Key".into(),
        };
        let issues = settings.validate(&auth).unwrap_err();
        assert_eq!(
            paths(&issues),
            [
                "default_headers[1].name",
                "default_headers[2].name",
                "default_headers[3].name",
                "default_headers[4].name",
                "default_headers[5].name",
                "default_headers[6].name",
                "default_headers[7].name",
                "default_headers[8].value",
                "default_headers[9].name",
            ]
        );
        assert!(issues[0].message.contains("authentication type"));
        assert!(issues[2].message.contains("set by the connection"));
        assert!(issues[4].message.contains("already listed"));
        assert!(issues[5].message.contains("API key"));
        assert!(issues[6].message.contains("authentication type"));
    }

    #[test]
    fn base_urls_are_http_or_own_paths() {
        assert!(check_base_url("https://adb-1.azuredatabricks.net").is_ok());
        assert!(check_base_url("/mock/servicenow").is_ok());
        for bad in [
            "ftp://x",
            "//evil.example",
            "/\\evil.example",
            "https://",
            "nope",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn samples_must_be_json_of_at_most_one_megabyte() {
        assert_eq!(parse_sample("  "), Ok(None));
        assert_eq!(parse_sample(r#"{"a": [1]}"#), Ok(Some(json!({"a": [1]}))));
        let err = parse_sample("{\"a\": }").unwrap_err();
        assert_eq!(err.path, "sample_response");
        assert!(err.message.contains("not valid JSON") && err.message.contains("line 1"));
        let big = format!("[{}1]", "1,".repeat(MAX_SAMPLE_BYTES / 2));
        assert!(
            parse_sample(&big)
                .unwrap_err()
                .message
                .contains("at most 1024 KB")
        );
    }

    #[test]
    fn statuses_and_classes_round_trip_their_names() {
        for status in [
            ToolStatus::Ok,
            ToolStatus::CredentialsRejected,
            ToolStatus::Failing,
            ToolStatus::NotTested,
        ] {
            assert_eq!(ToolStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                json!(status.as_str())
            );
        }
        for class in DataClassification::ALL {
            assert_eq!(DataClassification::parse(class.as_str()), Some(class));
        }
    }

    #[test]
    fn endpoints_and_statements_live_in_the_settings_and_are_checked() {
        let config = serde_json::json!({
            "auth": {"type": "bearer"},
            "warehouse_id": "w1",
            "statements": {"open_by_team": {"sql": "SELECT 1 WHERE team = :team", "parameters": [{"name": "team", "type": "STRING"}]}},
            "endpoints": [
                {"name": "incidents", "label": "Open incidents", "request": {"path": "/api/incidents", "query": {"team": "{{team}}"}}, "root": "result"},
                {"name": "by_team", "label": "By team", "request": {"method": "POST", "path": "/sql", "body": {"kind": "statement", "name": "open_by_team", "parameters": {"team": "{{team}}"}}}}
            ]
        });
        let settings = ToolSettings::from_config(&config).unwrap();
        assert_eq!(settings.endpoints.len(), 2);
        assert_eq!(settings.validate(&ToolAuth::Bearer), Ok(()));
        assert_eq!(
            settings.endpoints[0]
                .suggestion_for(crate::WidgetKind::Kpi)
                .unwrap()["value"],
            "length(result)"
        );
        assert!(!settings.endpoints[1].writes_with(&settings.statements));
        // Writing the settings back keeps keys they do not own.
        let mut stored = config.as_object().unwrap().clone();
        settings.write_into(&mut stored);
        assert_eq!(stored["warehouse_id"], "w1");
        assert_eq!(
            ToolSettings::from_config(&Value::Object(stored)).unwrap(),
            settings
        );

        let broken = serde_json::json!({
            "statements": {"bad name": {"sql": " "}},
            "endpoints": [
                {"name": "x", "label": "", "request": {"path": "http://elsewhere/"}, "root": "items["},
                {"name": "x", "label": "X", "request": {"method": "POST", "path": "/sql", "body": {"kind": "statement", "name": "missing"}}}
            ]
        });
        let paths: Vec<String> = ToolSettings::from_config(&broken)
            .unwrap()
            .validate(&ToolAuth::None)
            .unwrap_err()
            .into_iter()
            .map(|issue| issue.path)
            .collect();
        assert_eq!(
            paths,
            [
                "statements.bad name",
                "statements.bad name.sql",
                "endpoints[0] (\"x\").label",
                "endpoints[0] (\"x\").request.path",
                "endpoints[0] (\"x\").root",
                "endpoints[1] (\"x\").name",
                "endpoints[1] (\"x\").request.body.name",
            ]
        );
    }
}
