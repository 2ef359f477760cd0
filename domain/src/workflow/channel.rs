//! Notification channels: named places workflow steps (and later alerts) send to. What
//! identifies the destination and is secret — a Slack or Teams incoming-webhook URL, a
//! PagerDuty routing key, a Twilio auth token, an SMTP password, a webhook's bearer token —
//! is write-only and kept encrypted; the rest are settings anyone managing workflows sees.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ChannelKind;
use crate::ValidationIssue;

pub const MAX_CHANNEL_NAME_CHARS: usize = 80;

/// Settings that are not secret; each kind uses some of them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelSettings {
    /// Webhook and function: where to POST. PagerDuty and Twilio: another API address than
    /// the real service's (the demo's stand-ins). An address that is a path (`/mock/…`) is
    /// this server's own.
    pub url: String,
    /// Twilio: the account; SMS are sent from `from`.
    pub account_sid: String,
    /// Twilio: the sending number. Email: the sender address.
    pub from: String,
    /// Email: the SMTP server.
    pub smtp_host: String,
    pub smtp_port: Option<u16>,
    pub username: String,
}

/// A channel as an Admin or Integrator enters it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelInput {
    pub name: String,
    pub kind: ChannelKind,
    #[serde(default)]
    pub settings: ChannelSettings,
    /// Write-only. On an edit, absent keeps the stored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A channel as listed: never its secret, only whether one is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSummary {
    pub id: i32,
    pub name: String,
    pub kind: ChannelKind,
    pub settings: ChannelSettings,
    pub has_secret: bool,
    pub updated_at: DateTime<Utc>,
}

/// What "Send test message" reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelTest {
    pub ok: bool,
    pub message: String,
}

/// What the secret is called for each kind, in messages.
pub fn secret_label(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Slack | ChannelKind::Teams => "the incoming webhook URL",
        ChannelKind::Pagerduty => "the integration (routing) key",
        ChannelKind::Twilio => "the auth token",
        ChannelKind::Email => "the SMTP password",
        ChannelKind::Webhook | ChannelKind::Function => "the bearer token",
    }
}

/// Whether the kind cannot work without a secret.
pub fn needs_secret(kind: ChannelKind) -> bool {
    matches!(
        kind,
        ChannelKind::Slack | ChannelKind::Teams | ChannelKind::Pagerduty | ChannelKind::Twilio
    )
}

/// An address a channel may send to: http(s), or a path on this server.
pub fn is_sendable_address(address: &str) -> bool {
    let address = address.trim();
    if address.starts_with('/') {
        return !address.starts_with("//") && !address.contains('\\');
    }
    url::Url::parse(address)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
}

impl ChannelInput {
    /// Every problem, by field. `stored_secret` says whether an edit keeps a secret.
    pub fn issues(&self, stored_secret: bool) -> Vec<ValidationIssue> {
        let mut issues = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_CHANNEL_NAME_CHARS {
            issues.push(ValidationIssue::new(
                "name",
                format!("give the channel a name of 1 to {MAX_CHANNEL_NAME_CHARS} characters"),
            ));
        }
        let secret = self
            .secret
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if needs_secret(self.kind) && secret.is_none() && !stored_secret {
            issues.push(ValidationIssue::new(
                "secret",
                format!("enter {}", secret_label(self.kind)),
            ));
        }
        let settings = &self.settings;
        let mut require = |field: &str, value: &str, what: &str| {
            if value.trim().is_empty() {
                issues.push(ValidationIssue::new(
                    format!("settings.{field}"),
                    format!("enter {what}"),
                ));
            }
        };
        match self.kind {
            ChannelKind::Webhook | ChannelKind::Function => {
                require("url", &settings.url, "the address to send to")
            }
            ChannelKind::Twilio => {
                require("account_sid", &settings.account_sid, "the account SID");
                require("from", &settings.from, "the number to send from");
            }
            ChannelKind::Email => {
                require("smtp_host", &settings.smtp_host, "the SMTP server");
                require("from", &settings.from, "the sender address");
            }
            ChannelKind::Slack | ChannelKind::Teams | ChannelKind::Pagerduty => {}
        }
        if !settings.url.trim().is_empty() && !is_sendable_address(&settings.url) {
            issues.push(ValidationIssue::new(
                "settings.url",
                "use an http:// or https:// address, or a path on this server",
            ));
        }
        if matches!(self.kind, ChannelKind::Slack | ChannelKind::Teams)
            && let Some(secret) = secret
            && !is_sendable_address(secret)
        {
            issues.push(ValidationIssue::new(
                "secret",
                "paste the incoming webhook URL (https://…)",
            ));
        }
        issues
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: ChannelKind, secret: Option<&str>) -> ChannelInput {
        ChannelInput {
            name: "Ops".into(),
            kind,
            settings: ChannelSettings::default(),
            secret: secret.map(str::to_owned),
        }
    }

    fn fields(input: &ChannelInput, stored: bool) -> Vec<String> {
        input
            .issues(stored)
            .into_iter()
            .map(|issue| issue.path)
            .collect()
    }

    #[test]
    fn each_kind_asks_for_what_it_needs() {
        assert!(
            fields(
                &input(
                    ChannelKind::Slack,
                    Some("https://hooks.slack.com/services/T/B/X")
                ),
                false
            )
            .is_empty()
        );
        assert_eq!(fields(&input(ChannelKind::Slack, None), false), ["secret"]);
        // An edit may keep the stored secret.
        assert!(fields(&input(ChannelKind::Teams, None), true).is_empty());
        assert_eq!(
            fields(&input(ChannelKind::Teams, Some("not a url")), false),
            ["secret"]
        );
        assert_eq!(
            fields(&input(ChannelKind::Webhook, None), false),
            ["settings.url"]
        );
        assert_eq!(
            fields(&input(ChannelKind::Twilio, Some("token")), false),
            ["settings.account_sid", "settings.from"]
        );
        assert_eq!(
            fields(&input(ChannelKind::Email, None), false),
            ["settings.smtp_host", "settings.from"]
        );
        let mut blank = input(ChannelKind::Pagerduty, Some("key"));
        blank.name = "  ".into();
        assert_eq!(fields(&blank, false), ["name"]);
    }

    #[test]
    fn addresses_are_http_or_this_server_s_paths() {
        for good in [
            "https://example.com/hook",
            "http://10.0.0.1:8080/x",
            "/mock/slack/hooks/ops",
        ] {
            assert!(is_sendable_address(good), "{good}");
        }
        for bad in [
            "ftp://example.com",
            "//evil.example/x",
            "javascript:alert(1)",
            "/a\\b",
            "hooks.slack.com",
        ] {
            assert!(!is_sendable_address(bad), "{bad}");
        }
    }
}
