//! Where a link, button, image or sign-in redirect really goes, judged the way browsers parse
//! URLs (WHATWG). Browsers drop tabs, CR and LF anywhere in a URL and leading or trailing
//! control characters and spaces before parsing, and read `\` as `/`: so `/\t/evil.example`
//! and `/\evil.example` are `//evil.example`, another site. Text carrying any of those is
//! refused outright rather than cleaned, so what is stored is what the browser loads.

use url::Url;

/// A base no real page lives on, to tell paths on this server from URLs that leave it.
const THIS_SITE: &str = "this-site.invalid";

/// Where an accepted URL leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// A path on this server as the browser will request it: path, query and fragment,
    /// normalized and percent-encoded (safe in a `Location` header).
    ThisSite(String),
    /// An `http(s)` address on another host.
    Web(Url),
}

/// Where `text` leads, or `None` for anything that is neither a path on this server nor an
/// `http(s)` address: other schemes (`javascript:`, `data:`), protocol-relative `//host`,
/// backslashes, control characters (tab, CR, LF, NUL…) anywhere.
pub fn destination(text: &str) -> Option<Destination> {
    // Spaces around the URL are dropped by browsers and harmless; everything else is refused.
    let text = text.trim_matches(' ');
    if text.is_empty() || text.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    if text.starts_with('/') {
        return same_site(text).map(Destination::ThisSite);
    }
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return None;
    }
    let url = Url::parse(text).ok()?;
    let has_host = url.host_str().is_some_and(|host| !host.is_empty());
    (matches!(url.scheme(), "http" | "https") && has_host).then_some(Destination::Web(url))
}

/// The normalized path when `text` is a path on this server (for redirects such as the
/// sign-in `next`); `None` for anything that could leave it.
pub fn same_site_path(text: &str) -> Option<String> {
    match destination(text)? {
        Destination::ThisSite(path) => Some(path),
        Destination::Web(_) => None,
    }
}

/// Whether a link, button or image may point at `text`: a path on this server or an
/// `http(s)` address.
pub fn is_safe_link(text: &str) -> bool {
    destination(text).is_some()
}

fn same_site(text: &str) -> Option<String> {
    if text.starts_with("//") {
        return None;
    }
    let base = Url::parse(&format!("http://{THIS_SITE}/")).ok()?;
    let url = base.join(text).ok()?;
    let stays = url.scheme() == "http"
        && url.host_str() == Some(THIS_SITE)
        && url.port().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    // `/..//host` normalizes to `//host`, which as a redirect target leaves the site.
    if !stays || url.path().starts_with("//") {
        return None;
    }
    let mut path = url.path().to_owned();
    if let Some(query) = url.query() {
        path.push('?');
        path.push_str(query);
    }
    if let Some(fragment) = url.fragment() {
        path.push('#');
        path.push_str(fragment);
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_a_browser_would_take_off_site_are_refused() {
        for bad in [
            "//evil.example",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "/\u{0}/evil.example",
            "/\u{1f}/evil.example",
            "/\u{7f}/evil.example",
            "/\u{85}/evil.example",
            "/..//evil.example",
            "/./..//evil.example",
            "/x\r\nSet-Cookie: a=b",
            "",
            "   ",
        ] {
            assert_eq!(same_site_path(bad), None, "{bad:?}");
            assert!(!is_safe_link(bad), "{bad:?}");
        }
    }

    #[test]
    fn paths_on_this_server_are_kept_normalized() {
        for (text, path) in [
            ("/", "/"),
            ("/admin", "/admin"),
            (
                "/p/platform-overview?draft=1#top",
                "/p/platform-overview?draft=1#top",
            ),
            (" /portal ", "/portal"),
            ("/a/../b", "/b"),
            ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
            ("/a b", "/a%20b"),
            ("/é", "/%C3%A9"),
        ] {
            assert_eq!(same_site_path(text).as_deref(), Some(path), "{text:?}");
        }
    }

    #[test]
    fn only_http_addresses_leave_the_site() {
        for good in [
            "https://example.com/x",
            "http://intranet/a",
            "HTTPS://Example.com",
            "https://user@app.powerbi.com/",
        ] {
            assert!(
                matches!(destination(good), Some(Destination::Web(_))),
                "{good}"
            );
            assert_eq!(same_site_path(good), None, "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,hi",
            "ftp://x",
            "https://",
            "http://",
            "https://evil.example\\@app.powerbi.com/",
            "mailto:a@b.c",
            "relative/path",
            "?q=1",
        ] {
            assert_eq!(destination(bad), None, "{bad:?}");
        }
    }
}
