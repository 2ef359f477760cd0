//! Where iframe widgets may embed pages from: paths on this server always, other hosts only
//! when they are on the allow-list. Hosts are read the way browsers read them (WHATWG URL
//! parsing), so tricks like `https://evil.example\@app.powerbi.com` or `/\evil.example` are
//! judged by the host the browser would really load.

use url::Url;

use crate::{PageDefinition, ValidationIssue, WidgetProps};

/// Allowed when nothing is configured: Power BI, Tableau Public and Databricks workspaces.
pub const DEFAULT_ALLOWED_HOSTS: [&str; 3] = [
    "app.powerbi.com",
    "public.tableau.com",
    "*.azuredatabricks.net",
];

/// A base no real page lives on, to tell paths on this server from URLs that leave it.
const SAME_ORIGIN_HOST: &str = "same-origin.invalid";

/// Whether `host` matches an allow-list entry: the exact host, or with a `*.` prefix any
/// subdomain of it (not the bare domain). Case-insensitive.
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let host = host.to_ascii_lowercase();
    allowed.iter().any(|entry| {
        let entry = entry.trim().to_ascii_lowercase();
        match entry.strip_prefix("*.") {
            Some(domain) if !domain.is_empty() => host
                .strip_suffix(domain)
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
            _ => !entry.is_empty() && host == entry,
        }
    })
}

/// Where a browser would load an embed's `src` from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A path on this server.
    ThisServer,
    Host(String),
    /// Not an http(s) address.
    Unusable,
}

pub fn source_of(src: &str) -> Source {
    let Ok(base) = Url::parse(&format!("http://{SAME_ORIGIN_HOST}/")) else {
        return Source::Unusable;
    };
    let src = src.trim();
    match base.join(src) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => match url.host_str() {
            Some(SAME_ORIGIN_HOST) if src.starts_with('/') => Source::ThisServer,
            Some(host) => Source::Host(host.to_owned()),
            None => Source::Unusable,
        },
        _ => Source::Unusable,
    }
}

/// Whether an iframe may show `src`.
pub fn is_allowed(src: &str, allowed: &[String]) -> bool {
    match source_of(src) {
        Source::ThisServer => true,
        Source::Host(host) => host_allowed(&host, allowed),
        Source::Unusable => false,
    }
}

/// The `sandbox` attribute of a frame showing `src`. A framed document that may run scripts
/// and counts as this server's origin can reach into its parent and lift its own sandbox, so
/// paths on this server run scripts in an opaque origin (no `allow-same-origin`). Allowed
/// hosts are another origin anyway and keep theirs, which their sign-in needs. Sources that
/// are not addresses get every restriction.
pub fn sandbox(src: &str) -> &'static str {
    match source_of(src) {
        Source::ThisServer => "allow-scripts allow-popups allow-forms",
        Source::Host(_) => "allow-scripts allow-same-origin allow-popups allow-forms",
        Source::Unusable => "",
    }
}

/// An iframe widget whose source is not allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// JSON path of the widget, as validation messages give it.
    pub path: String,
    pub widget_id: String,
    /// The host the frame would load, when the source is an address at all.
    pub host: Option<String>,
}

/// Every iframe widget of the page whose source is not allowed, in layout order.
pub fn refusals(definition: &PageDefinition, allowed: &[String]) -> Vec<Refusal> {
    definition
        .widgets_with_paths()
        .into_iter()
        .filter_map(|(path, widget)| match &widget.props {
            WidgetProps::Iframe(frame) if !is_allowed(&frame.src, allowed) => Some(Refusal {
                path,
                widget_id: widget.id.clone(),
                host: match source_of(&frame.src) {
                    Source::Host(host) => Some(host),
                    _ => None,
                },
            }),
            _ => None,
        })
        .collect()
}

/// Validation issues for saving: one per refused iframe, at its `props.src`.
pub fn check(definition: &PageDefinition, allowed: &[String]) -> Vec<ValidationIssue> {
    let listed = if allowed.is_empty() {
        "none".to_owned()
    } else {
        allowed.join(", ")
    };
    refusals(definition, allowed)
        .into_iter()
        .map(|refusal| {
            let what = match &refusal.host {
                Some(host) => format!("embedding from \"{host}\" is not allowed"),
                None => "this is not an address that can be embedded".to_owned(),
            };
            ValidationIssue::new(
                format!("{}.props.src", refusal.path),
                format!(
                    "{what}; use a path on this server (starting with /) or a host on the embed allow-list ({listed})"
                ),
            )
        })
        .collect()
}

/// What a viewer sees instead of a refused frame: the allow-list changed after the page was
/// saved.
pub fn refusal_message(refusal: &Refusal) -> String {
    match &refusal.host {
        Some(host) => format!(
            "This embed is blocked: \"{host}\" is not on the embed allow-list (it may have been removed after the page was saved). Ask an administrator to allow it, or edit the widget."
        ),
        None => {
            "This embed is blocked: its address cannot be embedded. Edit the widget.".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defaults() -> Vec<String> {
        DEFAULT_ALLOWED_HOSTS
            .iter()
            .map(|h| h.to_string())
            .collect()
    }

    #[test]
    fn paths_on_this_server_are_always_allowed() {
        for src in ["/mock/powerbi/embed/demo", "/reports?id=1", " /x "] {
            assert!(is_allowed(src, &[]), "{src}");
        }
    }

    #[test]
    fn listed_hosts_and_wildcard_subdomains_are_allowed() {
        let allowed = defaults();
        for src in [
            "https://app.powerbi.com/reportEmbed?reportId=1",
            "https://APP.PowerBI.com/x",
            "https://adb-123.7.azuredatabricks.net/sql/dashboards/1",
            "https://public.tableau.com:443/views/x",
        ] {
            assert!(is_allowed(src, &allowed), "{src}");
        }
        for src in [
            "https://azuredatabricks.net/",
            "https://evilazuredatabricks.net/",
            "https://app.powerbi.com.evil.example/",
            "https://evil.example/",
            "javascript:alert(1)",
            "//evil.example/x",
        ] {
            assert!(!is_allowed(src, &allowed), "{src}");
        }
    }

    #[test]
    fn the_host_is_the_one_a_browser_would_load() {
        let allowed = defaults();
        assert_eq!(
            source_of("https://evil.example\\@app.powerbi.com/"),
            Source::Host("evil.example".to_owned())
        );
        assert!(!is_allowed(
            "https://evil.example\\@app.powerbi.com/",
            &allowed
        ));
        assert!(!is_allowed("/\\evil.example/x", &allowed));
        assert!(!is_allowed("/\t/evil.example/x", &allowed));
        assert!(is_allowed("https://user@app.powerbi.com/", &allowed));
    }

    #[test]
    fn frames_of_this_server_never_get_scripts_and_same_origin_together() {
        for src in ["/mock/powerbi/embed/demo", " /reports?id=1", "/a/../b"] {
            let sandbox = sandbox(src);
            assert!(sandbox.contains("allow-scripts"), "{src}");
            assert!(!sandbox.contains("allow-same-origin"), "{src}");
        }
        for src in [
            "https://app.powerbi.com/reportEmbed?reportId=1",
            "https://adb-1.2.azuredatabricks.net/x",
        ] {
            assert_eq!(
                sandbox(src),
                "allow-scripts allow-same-origin allow-popups allow-forms",
                "{src}"
            );
        }
        assert_eq!(sandbox("javascript:alert(1)"), "");
    }

    #[test]
    fn refused_frames_are_named_by_widget_and_field() {
        let definition = PageDefinition::from_json(&json!({"schema_version": 1, "layout": {"widgets": [
            {"id": "ok", "type": "iframe", "props": {"src": "/mock/powerbi/embed/a", "title": "A"},
             "position": {"desktop": {"x": 0, "y": 0, "w": 6, "h": 3}}},
            {"id": "bad", "type": "iframe", "props": {"src": "https://evil.example/r", "title": "B"},
             "position": {"desktop": {"x": 6, "y": 0, "w": 6, "h": 3}}}
        ]}}))
        .unwrap();
        let issues = check(&definition, &defaults());
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, "layout.widgets[1] (\"bad\").props.src");
        assert!(issues[0].message.contains("\"evil.example\""));
        let refused = refusals(&definition, &defaults());
        assert_eq!(refused[0].widget_id, "bad");
        assert!(refusal_message(&refused[0]).contains("allow-list"));
        assert!(check(&definition, &["evil.example".to_owned()]).is_empty());
    }
}
